//! The console's router over real HTTP on a loopback port, on the embedded sandbox tenant.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use server::config::Config;

struct Running {
    base: String,
    sandbox: sandbox::Sandbox,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(vars: &[(&str, &str)]) -> Running {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let config = Config::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        .expect("config");
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let console = server::build(&config, addr).expect("console");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, console.router, async {
        let _ = stopped.await;
    }));
    Running {
        base: format!("http://{addr}"),
        sandbox: console.sandbox.expect("embedded sandbox"),
        _stop: stop,
    }
}

/// Group names straight from the sandbox API, to compare the console with.
async fn sandbox_group_names(base: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base}/sandbox/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "readonly-api"),
            ("client_secret", "readonly-api-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let groups: Vec<serde_json::Value> = http
        .get(format!("{base}/sandbox/beta/password-sync-groups"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    groups
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_groups_page_is_server_rendered_with_names_not_ids() {
    let console = start(&[]).await;
    let names = sandbox_group_names(&console.base).await;
    assert!(names.len() >= 3);
    let response = reqwest::get(format!("{}/groups", console.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let html = response.text().await.unwrap();
    for name in &names {
        assert!(html.contains(name.as_str()), "{name} missing from the page");
    }
    assert!(html.contains("Sandbox tenant"));
    // Source ids are 32 hex characters; none may be shown in place of a name.
    assert!(
        !html.contains("Unknown ("),
        "an id was shown instead of a name"
    );
}

#[tokio::test]
async fn the_list_server_function_answers_json() {
    let console = start(&[]).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/list_groups", console.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let groups: Vec<app::model::GroupSummary> = response.json().await.unwrap();
    assert_eq!(groups.len(), sandbox_group_names(&console.base).await.len());
    for g in &groups {
        assert!(g.policy.name.is_some(), "policy of {} has no name", g.name);
        assert!(g.sources.len() >= 2);
        assert!(g.sources.iter().all(|s| s.name.is_some()));
    }
}

#[tokio::test]
async fn search_in_the_url_is_applied_on_the_server() {
    let console = start(&[]).await;
    let names = sandbox_group_names(&console.base).await;
    let html = reqwest::get(format!(
        "{}/groups?q={}",
        console.base,
        names[0].replace(' ', "+")
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(html.contains("1 of"));
    assert!(!html.contains(&format!(">{}<", names[1])));
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let console = start(&[]).await;
    let response = reqwest::get(format!("{}/nowhere", console.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn upstream_failures_reach_the_page_as_readable_errors() {
    let console = start(&[]).await;
    // More 500s than the client retries: the page must say ISC is failing, not crash.
    console.sandbox.faults().fail_next(10, 500);
    let response = reqwest::Client::new()
        .post(format!("{}/api/list_groups", console.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Upstream") || body.contains("Unavailable"),
        "{body}"
    );
    assert!(
        !body.contains("127.0.0.1"),
        "an upstream URL leaked: {body}"
    );
}

#[tokio::test]
async fn without_a_readonly_credential_the_page_says_so() {
    // A remote tenant without ISC_READONLY_CLIENT_*: point it at a closed port; nothing is called.
    let config = Config::from_lookup(|k| match k {
        "ISC_API_URL" => Some("http://127.0.0.1:9".into()),
        _ => None,
    })
    .expect("config");
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let console = server::build(&config, addr).unwrap();
    tokio::spawn(server::serve(
        listener,
        console.router,
        std::future::pending(),
    ));
    let html = reqwest::get(format!("http://{addr}/groups"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("ISC_READONLY_CLIENT_ID"), "{html}");
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_variable() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("CONSOLE_ADDR", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("CONSOLE_ADDR"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
