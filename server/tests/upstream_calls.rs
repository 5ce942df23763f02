//! The regression guard of issue 12 that is not a timing: how many calls to ISC a page view
//! costs, counted by the sandbox, on a tenant of 2,000 groups (eight pages of the list). It
//! fails when a change makes views cost more calls: every reader shares one reading of the
//! group list, sources and policies (cold: one reading for many concurrent views; warm: none),
//! a refresh costs one reading however many people press it, and a change made through the
//! console is visible on the next view.

#![expect(clippy::expect_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::collections::BTreeMap;

use common::{Browser, as_refs, remote_vars, start};
use reqwest::StatusCode;
use serde_json::Value;

const GROUPS: usize = 2_000;

struct Tenant {
    handle: sandbox::SandboxHandle,
}

impl Tenant {
    async fn new() -> Tenant {
        let seed = sandbox::generated_org_json(GROUPS).expect("generated org");
        let handle = sandbox::spawn(sandbox::SandboxConfig {
            seed_json: Some(seed),
            // Counting calls, not meeting the limit (the budget has its own tests).
            rate_limit: u32::MAX,
            ..sandbox::SandboxConfig::default()
        })
        .await
        .expect("sandbox");
        Tenant { handle }
    }

    /// Calls since the last reset, by route (`GET /beta/sources`, …).
    fn calls(&self) -> BTreeMap<String, u64> {
        self.handle.sandbox().stats().api_requests.by_route
    }

    fn total(&self) -> u64 {
        self.calls().values().sum()
    }

    fn reset(&self) {
        self.handle.sandbox().reset_stats();
    }

    /// How many of each the tenant has, read directly (and not counted).
    async fn count(&self, collection: &str) -> usize {
        let token = common::client_token(
            self.handle.base_url(),
            "readonly-api",
            "readonly-api-secret",
        )
        .await;
        let response = reqwest::Client::new()
            .get(format!(
                "{}/beta/{collection}?limit=1&count=true",
                self.handle.base_url()
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let total = response
            .headers()
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("X-Total-Count");
        self.reset();
        total
    }
}

fn pages(objects: usize) -> u64 {
    u64::try_from(objects.div_ceil(250)).expect("small")
}

async fn view(browser: &Browser, url: &str) -> String {
    let response = browser.get(url).await;
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    let html = response.text().await.expect("HTML");
    assert!(!html.contains("error-panel"), "{url} shows an error");
    html
}

/// A group id of the tenant, through the console's JSON API.
async fn some_group(browser: &Browser, base: &str) -> (String, String) {
    let groups: Vec<Value> = browser
        .api(base, "list_groups")
        .await
        .json()
        .await
        .expect("groups");
    assert_eq!(groups.len(), GROUPS);
    let g = &groups[GROUPS / 2];
    (
        g["id"].as_str().expect("id").to_string(),
        g["name"].as_str().expect("name").to_string(),
    )
}

#[tokio::test]
async fn views_share_one_reading_of_the_tenant() {
    let tenant = Tenant::new().await;
    let sources = tenant.count("sources").await;
    let vars = remote_vars(&tenant.handle, true);
    let console = start(&as_refs(&vars)).await;
    let base = &console.base;
    let helpdesk = Browser::new();
    helpdesk.sign_in(base, "helpdesk").await;
    tenant.reset();

    // Cold: twenty people open the list at the same moment; one reading serves them all.
    let views: Vec<_> = (0..20)
        .map(|_| {
            let (browser, url) = (helpdesk.clone(), format!("{base}/groups"));
            tokio::spawn(async move { view(&browser, &url).await })
        })
        .collect();
    for v in views {
        v.await.expect("view");
    }
    let cold = tenant.calls();
    let expected: BTreeMap<String, u64> = [
        ("GET /beta/password-sync-groups".to_string(), pages(GROUPS)),
        ("GET /beta/sources".to_string(), pages(sources)),
        ("GET /beta/password-policies".to_string(), 1),
    ]
    .into();
    assert_eq!(cold, expected, "one reading for twenty cold views");

    // Warm: lists, pages of the list, searches, group pages and the coverage cost nothing.
    tenant.reset();
    let (id, name) = some_group(&helpdesk, base).await;
    for page in 1..=5 {
        let html = view(
            &helpdesk,
            &format!("{base}/groups?page={page}&sort=-sources"),
        )
        .await;
        assert!(
            html.contains("Read from ISC"),
            "the page says how old it is"
        );
    }
    view(&helpdesk, &format!("{base}/groups?q=finance")).await;
    for _ in 0..10 {
        let html = view(&helpdesk, &format!("{base}/groups/{id}")).await;
        assert!(html.contains(&name));
    }
    view(&helpdesk, &format!("{base}/coverage")).await;
    assert_eq!(tenant.total(), 0, "warm views: {:?}", tenant.calls());

    // The list page sends the browser one page of rows, not 2,000 groups.
    let html = view(&helpdesk, &format!("{base}/groups")).await;
    assert!(
        html.len() < 120_000,
        "the first page of 2,000 groups is {} bytes",
        html.len()
    );
    assert!(html.contains("2000 sync groups"));
}

#[tokio::test]
async fn a_refresh_costs_one_reading_and_a_change_shows_at_once() {
    let tenant = Tenant::new().await;
    let sources = tenant.count("sources").await;
    let vars = remote_vars(&tenant.handle, true);
    let console = start(&as_refs(&vars)).await;
    let base = &console.base;
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    let helpdesk = Browser::new();
    helpdesk.sign_in(base, "helpdesk").await;
    view(&helpdesk, &format!("{base}/groups")).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;

    // Ten people press "Refresh" at once: one more reading, not ten.
    tenant.reset();
    let refreshes: Vec<_> = (0..10)
        .map(|_| {
            let (browser, url) = (helpdesk.clone(), format!("{base}/groups?refresh=1"));
            tokio::spawn(async move { view(&browser, &url).await })
        })
        .collect();
    for r in refreshes {
        r.await.expect("refresh");
    }
    let expected = pages(GROUPS) + pages(sources) + 1;
    assert_eq!(tenant.total(), expected, "{:?}", tenant.calls());

    // A rename through the console is on the list the next time anyone looks.
    let (id, name) = some_group(&helpdesk, base).await;
    let options: Value = admin
        .http
        .post(format!("{base}/api/form_options"))
        .form(&[("editing", id.as_str())])
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("options");
    let editing = &options["editing"];
    let renamed = format!("{name} (renamed)");
    let mut form: Vec<(String, String)> = vec![
        ("id".into(), id.clone()),
        ("name".into(), renamed.clone()),
        (
            "policy_id".into(),
            editing["policy"]["id"].as_str().expect("policy").into(),
        ),
        ("opened_version".into(), version_of(editing)),
    ];
    for s in editing["sources"].as_array().expect("sources") {
        form.push(("source_ids[]".into(), s["id"].as_str().expect("id").into()));
    }
    let saved = admin
        .http
        .post(format!("{base}/api/save_group"))
        .header("Accept", "application/json")
        .form(&form)
        .send()
        .await
        .expect("POST");
    assert!(
        saved.status().is_success() || saved.status().is_redirection(),
        "save: {}",
        saved.status()
    );
    let html = view(&helpdesk, &format!("{base}/groups?q=renamed")).await;
    assert!(html.contains(&renamed), "the rename shows at once");
}

/// The version the edit form opened (the server's stale-edit digest), as the form sends it.
fn version_of(editing: &Value) -> String {
    let detail: app::model::GroupDetail =
        serde_json::from_value(editing.clone()).expect("group detail");
    detail.version()
}
