//! The console's router over real HTTP on a loopback port, on the embedded sandbox tenant.

#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use common::Browser;

use common::embedded as start;

/// Pages need a signed-in user: an admin, signed in on the sandbox's page.
async fn signed_in(console: &common::Embedded) -> Browser {
    console.signed_in("admin").await
}

/// Group names straight from the sandbox API, to compare the console with.
async fn sandbox_group_names(base: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let token = common::client_token(
        &format!("{base}/sandbox"),
        "readonly-api",
        "readonly-api-secret",
    )
    .await;
    let groups: Vec<serde_json::Value> = http
        .get(format!("{base}/sandbox/beta/password-sync-groups"))
        .bearer_auth(token)
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
    let browser = signed_in(&console).await;
    let response = browser.get(&format!("{}/groups", console.base)).await;
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
    let response = signed_in(&console)
        .await
        .api(&console.base, "list_groups")
        .await;
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
    let html = signed_in(&console)
        .await
        .get(&format!(
            "{}/groups?q={}",
            console.base,
            names[0].replace(' ', "+")
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("1 of"));
    assert!(!html.contains(&format!(">{}<", names[1])));
}

#[tokio::test]
async fn without_javascript_the_search_form_keeps_the_search_and_the_sort() {
    let console = start(&[]).await;
    let html = signed_in(&console)
        .await
        .get(&format!("{}/groups?q=git&sort=-modified", console.base))
        .await
        .text()
        .await
        .unwrap();
    // The server-rendered form carries what the URL says (submitting it keeps both).
    assert!(
        html.contains(r#"name="q""#) && html.contains(r#"value="git""#),
        "{html}"
    );
    assert!(html.contains(r#"name="sort" value="-modified""#), "{html}");
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let console = start(&[]).await;
    let response = signed_in(&console)
        .await
        .get(&format!("{}/nowhere", console.base))
        .await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn upstream_failures_reach_the_page_as_readable_errors() {
    let console = start(&[]).await;
    let browser = signed_in(&console).await;
    // More 500s than the client retries: the page must say ISC is failing, not crash.
    console.sandbox.faults().fail_next(10, 500);
    let response = browser.api(&console.base, "list_groups").await;
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
    // A real tenant (a sandbox on its own port) without ISC_READONLY_CLIENT_*: helpdesk users,
    // who read through that credential, are told what is missing.
    let tenant = sandbox::spawn(sandbox::SandboxConfig::default())
        .await
        .unwrap();
    let vars = common::remote_vars(&tenant, false);
    let console = common::start(&common::as_refs(&vars)).await;
    let browser = Browser::new();
    browser.sign_in(&console.base, "helpdesk").await;
    let html = browser
        .get(&format!("{}/groups", console.base))
        .await
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
