//! The sandbox nested under a prefix in another app, as the console mounts it at `/sandbox`.

mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use common::*;
use sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

#[tokio::test]
async fn full_flow_under_a_prefix() {
    let sb = Sandbox::new(SandboxConfig::default());
    let app = Router::new()
        .route("/", get(|| async { "console" }))
        .nest("/sandbox", sb.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let http = http_client();
    let origin = format!("http://{addr}");

    // Discovery points inside the prefix.
    let info: Value = http
        .get(format!("{origin}/sandbox/oauth/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let authorize = info["authorizeEndpoint"].as_str().unwrap().to_owned();
    let token_endpoint = info["tokenEndpoint"].as_str().unwrap().to_owned();
    assert_eq!(authorize, format!("{origin}/sandbox/oauth/authorize"));
    assert_eq!(token_endpoint, format!("{origin}/sandbox/oauth/token"));
    assert_eq!(info["apiUrl"], format!("{origin}/sandbox"));

    // The sign-in page posts back inside the prefix.
    let (verifier, challenge) = pkce();
    let query = [
        ("response_type", "code"),
        ("client_id", "console"),
        ("redirect_uri", REDIRECT),
        ("state", "nested"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let page = http.get(&authorize).query(&query).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let action = html
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(action, "/sandbox/oauth/authorize");

    let mut form: Vec<(&str, &str)> = query.to_vec();
    form.extend([("username", "admin"), ("password", "admin")]);
    let res = http
        .post(format!("{origin}{action}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let q = location_params(&res);
    assert_eq!(param(&q, "state").as_deref(), Some("nested"));
    let code = param(&q, "code").unwrap();

    let res = http
        .post(&token_endpoint)
        .basic_auth("console", Some("console-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();

    let res = http
        .get(format!("{origin}/sandbox/beta/password-sync-groups"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(is_hex32(request_id(&res)));
    assert_eq!(
        res.json::<Value>().await.unwrap().as_array().unwrap().len(),
        3
    );

    // Unknown paths inside the prefix are the sandbox's JSON 404s; the host app is untouched.
    let res = http
        .get(format!("{origin}/sandbox/beta/nothing"))
        .send()
        .await
        .unwrap();
    assert_error(res, 404, "404 Not found").await;
    let res = http
        .get(format!("{origin}/sandbox/nothing"))
        .send()
        .await
        .unwrap();
    assert_error(res, 404, "404 Not found").await;
    assert_eq!(
        http.get(format!("{origin}/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "console"
    );
    let res = http
        .get(format!("{origin}/sandbox/__sandbox/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "loopback control works when nested");
}
