//! Fault injection, through the library handle and through the loopback control endpoint.
#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use common::*;
use sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use tower::ServiceExt as _;

#[tokio::test]
async fn latency() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let faults = env.sb.sandbox().faults();
    faults.set_latency(Duration::from_millis(200));
    assert_eq!(faults.latency(), Duration::from_millis(200));
    for path in ["/beta/password-sync-groups", "/oauth/info"] {
        let start = Instant::now();
        let res = env.get(path, &admin).await;
        assert_eq!(res.status(), 200);
        assert!(start.elapsed() >= Duration::from_millis(200), "{path}");
    }
    // The control endpoint is never delayed.
    let start = Instant::now();
    let res = env
        .http
        .get(env.url("/__sandbox/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(start.elapsed() < Duration::from_millis(200));
    faults.reset();
    let start = Instant::now();
    env.get("/beta/password-sync-groups", &admin).await;
    assert!(start.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn bursts_come_before_auth_and_rate_limit() {
    let env = Env::with(SandboxConfig {
        rate_limit: 1,
        ..Default::default()
    })
    .await;
    let faults = env.sb.sandbox().faults();

    // 429 burst, without any token.
    faults.fail_next(2, 429);
    assert_eq!(faults.pending_failures(), (2, 429));
    for _ in 0..2 {
        let res = env
            .http
            .get(env.url("/beta/password-sync-groups"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        assert_eq!(res.headers()["retry-after"], "1");
        assert!(is_hex32(request_id(&res)));
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"message":" Rate Limit Exceeded "}"#
        );
    }
    assert_unauthorized(
        env.http
            .get(env.url("/beta/password-sync-groups"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // OAuth does not consume injected failures.
    faults.fail_next(1, 500);
    let admin = env.admin().await;
    assert_eq!(
        env.http
            .get(env.url("/oauth/info"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(faults.pending_failures(), (1, 500));
    let res = env.get("/beta/password-sync-groups", &admin).await;
    let text = assert_error(res, 500, "500.0 Internal Fault").await;
    assert_eq!(text, "An internal fault occurred.");
    assert_eq!(
        env.get("/beta/password-sync-groups", &admin).await.status(),
        200
    );

    // Injected failures come before the rate limit (the limit of 1 is used up now).
    assert_eq!(
        env.get("/beta/password-sync-groups", &admin).await.status(),
        429
    );
    faults.fail_next(1, 503);
    assert_error(
        env.get("/beta/password-sync-groups", &admin).await,
        503,
        "503 Service Unavailable",
    )
    .await;
}

#[tokio::test]
async fn configurable_fault_retry_after() {
    let env = Env::with(SandboxConfig {
        fault_retry_after_secs: 7,
        ..Default::default()
    })
    .await;
    env.sb.sandbox().faults().fail_next(1, 429);
    let res = env.http.get(env.url("/v3/sources")).send().await.unwrap();
    assert_eq!(res.headers()["retry-after"], "7");
}

async fn control(env: &Env, path: &str, body: Value) -> reqwest::Response {
    env.http
        .post(env.url(path))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn control_endpoint() {
    let env = Env::new().await;
    let admin = env.admin().await;

    let res = env
        .http
        .get(env.url("/__sandbox/faults"))
        .send()
        .await
        .unwrap();
    assert!(is_hex32(request_id(&res)));
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"latencyMs": 0, "failNext": {"count": 0, "status": 500}})
    );

    // Latency and a 500 burst.
    let res = control(
        &env,
        "/__sandbox/faults",
        json!({"latencyMs": 150, "failNext": {"count": 2, "status": 500}}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"latencyMs": 150, "failNext": {"count": 2, "status": 500}})
    );
    let start = Instant::now();
    assert_error(
        env.get("/beta/password-sync-groups", &admin).await,
        500,
        "500.0 Internal Fault",
    )
    .await;
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert_error(
        env.get("/beta/password-sync-groups", &admin).await,
        500,
        "500.0 Internal Fault",
    )
    .await;
    assert_eq!(
        env.get("/beta/password-sync-groups", &admin).await.status(),
        200
    );

    // A 429 burst.
    control(
        &env,
        "/__sandbox/faults",
        json!({"latencyMs": 0, "failNext": {"count": 1, "status": 429}}),
    )
    .await;
    let res = env.get("/beta/sources", &admin).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "1");

    // Expired tokens.
    let res = control(&env, "/__sandbox/faults", json!({"expireTokens": true})).await;
    assert_eq!(res.status(), 200);
    assert_unauthorized(env.get("/beta/sources", &admin).await).await;

    // Bad requests.
    for body in [
        json!({"failNext": {"count": 1, "status": 200}}),
        json!({"latencyMs": 10_000_000}),
    ] {
        assert_error(
            control(&env, "/__sandbox/faults", body).await,
            400,
            "400.1.3 Illegal value",
        )
        .await;
    }
    for body in [
        json!({"latency": 5}),
        json!({"failNext": {"count": 1}}),
        json!([1]),
    ] {
        assert_error(
            control(&env, "/__sandbox/faults", body).await,
            400,
            "400.1 Bad Request Content",
        )
        .await;
    }

    // Reset: faults and rate-limit windows; with data, the demo org too.
    let admin = env.admin().await;
    control(
        &env,
        "/__sandbox/faults",
        json!({"latencyMs": 100, "failNext": {"count": 5, "status": 500}}),
    )
    .await;
    let res = env
        .http
        .post(env.url("/__sandbox/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(env.sb.sandbox().faults().pending_failures().0, 0);
    assert_eq!(env.sb.sandbox().faults().latency(), Duration::ZERO);
    let path = format!("/beta/password-sync-groups/{GROUP_CORPORATE}");
    assert_eq!(env.delete(&path, &admin).await.status(), 204);
    control(&env, "/__sandbox/reset", json!({"data": false})).await;
    assert_eq!(env.get(&path, &admin).await.status(), 404);
    let res = control(&env, "/__sandbox/reset", json!({"data": true})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["data"], true);
    assert_eq!(
        env.get(&path, &admin).await.status(),
        200,
        "tokens survive a reset"
    );
}

#[tokio::test]
async fn control_endpoint_refuses_remote_and_relayed_peers() {
    let sb = Sandbox::new(SandboxConfig::default());
    let call = |peer: Option<&str>, forwarded: bool| {
        let router = sb.router();
        let mut req = axum::http::Request::post("/__sandbox/faults")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"failNext":{"count":1,"status":500}}"#))
            .unwrap();
        if forwarded {
            req.headers_mut()
                .insert("x-forwarded-for", "198.51.100.4".parse().unwrap());
        }
        if let Some(peer) = peer {
            req.extensions_mut()
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        async move { router.oneshot(req).await.unwrap() }
    };
    for (peer, forwarded) in [
        (Some("203.0.113.9:40000"), false),
        (Some("[2001:db8::5]:40000"), false),
        (None, false),
        (Some("127.0.0.1:40000"), true),
    ] {
        let res = call(peer, forwarded).await;
        assert_eq!(res.status(), 403, "{peer:?} forwarded={forwarded}");
        let body = axum::body::to_bytes(res.into_body(), 10_000).await.unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["detailCode"], "403 Forbidden");
    }
    assert_eq!(sb.faults().pending_failures().0, 0, "nothing was changed");
    assert_eq!(call(Some("127.0.0.1:40000"), false).await.status(), 200);
    assert_eq!(call(Some("[::1]:40000"), false).await.status(), 200);
    assert_eq!(sb.faults().pending_failures(), (1, 500));

    // Over real HTTP: a relayed request from loopback is refused too.
    let env = Env::new().await;
    let res = env
        .http
        .post(env.url("/__sandbox/reset"))
        .header("x-forwarded-for", "198.51.100.4")
        .send()
        .await
        .unwrap();
    assert_error(res, 403, "403 Forbidden").await;
}

#[tokio::test]
async fn control_endpoint_refuses_what_a_web_page_could_send() {
    let env = Env::new().await;
    let body = r#"{"failNext":{"count":1,"status":500}}"#;
    // A page's form post or no-cors fetch: an Origin, or a content type a form can send.
    for (origin, content_type) in [
        (Some("https://evil.example"), Some("application/json")),
        (Some("null"), None),
        (Some("http://127.0.0.1:3000"), Some("application/json")),
        (None, Some("text/plain")),
        (None, Some("application/x-www-form-urlencoded")),
        (None, Some("multipart/form-data; boundary=x")),
    ] {
        for path in [
            "/__sandbox/faults",
            "/__sandbox/reset",
            "/__sandbox/oauth",
            "/__sandbox/users/admin/levels",
        ] {
            let mut req = env.http.post(env.url(path)).body(body);
            if let Some(origin) = origin {
                req = req.header("origin", origin);
            }
            if let Some(content_type) = content_type {
                req = req.header("content-type", content_type);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 403, "{path} {origin:?} {content_type:?}");
        }
    }
    assert_eq!(
        env.sb.sandbox().faults().pending_failures().0,
        0,
        "nothing was changed"
    );
    // Nor does a page get to change OAuth behaviour or user levels, or read the counters.
    let sb = env.sb.sandbox();
    for (path, body) in [
        ("/__sandbox/oauth", r#"{"rotateRefreshTokens":false}"#),
        ("/__sandbox/users/admin/levels", r#"{"levels":[]}"#),
    ] {
        for (origin, content_type) in [
            (Some("https://evil.example"), "application/json"),
            (None, "text/plain"),
        ] {
            let mut req = env
                .http
                .post(env.url(path))
                .header("content-type", content_type)
                .body(body);
            if let Some(origin) = origin {
                req = req.header("origin", origin);
            }
            assert_eq!(req.send().await.unwrap().status(), 403, "{path}");
        }
    }
    assert!(sb.rotate_refresh_tokens());
    assert_eq!(sb.user_levels("admin").unwrap(), ["ORG_ADMIN"]);
    for path in [
        "/__sandbox/stats",
        "/__sandbox/oauth",
        "/__sandbox/users/admin/levels",
    ] {
        let res = env
            .http
            .get(env.url(path))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
    // A script posting JSON (charset or not), or nothing, still drives it.
    for content_type in ["application/json", "application/json; charset=utf-8"] {
        let res = env
            .http
            .post(env.url("/__sandbox/faults"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{content_type}");
    }
    assert_eq!(env.sb.sandbox().faults().pending_failures(), (1, 500));
}

#[tokio::test]
async fn control_endpoint_can_be_switched_off() {
    let env = Env::with(SandboxConfig {
        control_endpoint: false,
        ..Default::default()
    })
    .await;
    assert_error(
        env.http
            .post(env.url("/__sandbox/reset"))
            .send()
            .await
            .unwrap(),
        404,
        "404 Not found",
    )
    .await;
}
