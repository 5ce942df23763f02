//! Creating, editing and deleting sync groups through the console's server functions, over real
//! HTTP against the sandbox tenant: the happy paths, ISC's rules checked before anything is
//! sent, ISC's own refusals, stale edits, who may do it, cross-site posts, writes that time out,
//! and the plain-form (no JavaScript) variants.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use app::error::AppError;
use app::model::GroupDetail;
use app::model::edit::{ChangeReview, FieldErrors, FormOptions, GroupDraft};
use base64::Engine;
use common::Browser;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CORPORATE_SIGN_IN: &str = "6881f631-3bd5-4213-9c75-8e05cc3e35dd";
const ENGINEERING_SYSTEMS: &str = "3f0b7c2e-9a41-4c8e-b5d2-71e6a0c4d9f3";
const BUSINESS_APPS: &str = "b27e4d90-5c13-4f6a-8e2b-9d0f1a3c7e58";

// ---------------------------------------------------------------------------------------------
// The console and the tenant behind it
// ---------------------------------------------------------------------------------------------

use common::{Embedded as Env, embedded};

impl Env {
    /// The tenant's API as an admin's personal access token sees it (not through the console).
    async fn isc(&self) -> Isc {
        Isc::new(&format!("{}/sandbox", self.base)).await
    }
}

/// Direct calls to a sandbox tenant with the `admin-pat` personal access token.
struct Isc {
    http: reqwest::Client,
    root: String,
    token: String,
}

impl Isc {
    async fn new(root: &str) -> Isc {
        let http = reqwest::Client::new();
        let token = common::client_token(root, "admin-pat", "admin-pat-secret").await;
        Isc {
            http,
            root: root.to_string(),
            token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/beta/{path}", self.root)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    async fn groups(&self) -> Vec<Value> {
        self.get("password-sync-groups").await.json().await.unwrap()
    }

    async fn group(&self, id: &str) -> Option<Value> {
        let response = self.get(&format!("password-sync-groups/{id}")).await;
        match response.status() {
            StatusCode::OK => Some(response.json().await.unwrap()),
            StatusCode::NOT_FOUND => None,
            other => panic!("GET group {id}: {other}"),
        }
    }

    async fn create(&self, body: Value) -> reqwest::Response {
        self.http
            .post(self.url("password-sync-groups"))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn put(&self, id: &str, body: Value) -> reqwest::Response {
        self.http
            .put(self.url(&format!("password-sync-groups/{id}")))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn delete(&self, id: &str) -> reqwest::Response {
        self.http
            .delete(self.url(&format!("password-sync-groups/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// The name of the policy a source is on now (the sandbox derives it from the policies).
    async fn policy_of_source(&self, id: &str) -> Option<String> {
        let source: Value = self
            .get(&format!("sources/{id}"))
            .await
            .json()
            .await
            .unwrap();
        source["passwordPolicies"][0]["name"]
            .as_str()
            .map(str::to_string)
    }
}

// ---------------------------------------------------------------------------------------------
// Calling the server functions as the hydrated app and as a plain HTML form do
// ---------------------------------------------------------------------------------------------

/// A JSON-encoded server function (as the hydrated app calls it).
async fn call_json(browser: &Browser, base: &str, name: &str, body: Value) -> reqwest::Response {
    browser
        .http
        .post(format!("{base}/api/{name}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// A URL-encoded server function (as the hydrated app calls it).
async fn call_form(
    browser: &Browser,
    base: &str,
    name: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .http
        .post(format!("{base}/api/{name}"))
        .header("accept", "application/json")
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// A plain HTML form post from the console's page `referer`, as a browser without JavaScript
/// sends it.
async fn post_html_form(
    browser: &Browser,
    base: &str,
    name: &str,
    fields: &[(&str, &str)],
    referer: &str,
) -> reqwest::Response {
    browser
        .http
        .post(format!("{base}/api/{name}"))
        .header(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .header("origin", base)
        .header("sec-fetch-site", "same-origin")
        .header("referer", format!("{base}{referer}"))
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn failed(response: reqwest::Response, status: StatusCode) -> AppError {
    let got = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The error a failed plain form post carries back to its page (`__path`, `__err`).
fn error_in_redirect(response: &reqwest::Response) -> (String, AppError) {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = url::Url::parse(&common::location(response)).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("{name} missing from {location}"))
    };
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(param("__err"))
        .unwrap();
    (param("__path"), serde_json::from_slice(&bytes).unwrap())
}

async fn form_options(browser: &Browser, base: &str, editing: Option<&str>) -> FormOptions {
    let fields: Vec<(&str, &str)> = editing.map(|id| ("editing", id)).into_iter().collect();
    ok(call_form(browser, base, "form_options", &fields).await).await
}

fn source_id(options: &FormOptions, name: &str) -> String {
    options
        .sources
        .iter()
        .find(|c| c.source.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no source {name}"))
        .source
        .id
        .clone()
}

fn policy_id(options: &FormOptions, name: &str) -> String {
    options
        .policies
        .iter()
        .find(|p| p.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no policy {name}"))
        .id
        .clone()
}

fn draft(options: &FormOptions, name: &str, policy: &str, sources: &[&str]) -> GroupDraft {
    GroupDraft {
        name: name.to_string(),
        policy_id: policy_id(options, policy),
        source_ids: sources.iter().map(|s| source_id(options, s)).collect(),
    }
}

fn names(group: &GroupDetail) -> Vec<String> {
    group.sources.iter().map(|s| s.label()).collect()
}

async fn create(browser: &Browser, base: &str, draft: &GroupDraft) -> reqwest::Response {
    call_json(browser, base, "create_group", json!({ "draft": draft })).await
}

async fn update(
    browser: &Browser,
    base: &str,
    opened: &GroupDetail,
    draft: &GroupDraft,
) -> reqwest::Response {
    call_json(
        browser,
        base,
        "update_group",
        json!({ "opened": opened, "draft": draft }),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Happy paths
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_form_options_are_fresh_named_sorted_and_explain_ineligibility() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    assert!(options.editing.is_none());
    assert_eq!(options.groups.len(), 3);
    let policy_names: Vec<_> = options.policies.iter().map(|p| p.name.clone()).collect();
    let mut sorted = policy_names.clone();
    sorted.sort_by_key(|n| n.clone().unwrap_or_default().to_lowercase());
    assert_eq!(policy_names, sorted);
    assert!(options.policies.iter().all(|p| p.rules.is_some()));
    let reason = |name: &str| {
        options
            .sources
            .iter()
            .find(|c| c.source.name.as_deref() == Some(name))
            .unwrap()
            .ineligible
            .clone()
    };
    assert_eq!(reason("Okta"), None);
    assert_eq!(reason("SAP S/4HANA"), None);
    assert_eq!(
        reason("GitHub Enterprise").as_deref(),
        Some("already in group Engineering Systems")
    );
    assert_eq!(reason("Workday").as_deref(), Some("no password management"));
    assert_eq!(
        reason("Contractor HR Feed").as_deref(),
        Some("file-based source")
    );

    // Editing a group: its own sources are choosable, and the form gets the group as it is.
    let options = form_options(&admin, &env.base, Some(ENGINEERING_SYSTEMS)).await;
    let editing = options.editing.clone().unwrap();
    assert_eq!(editing.name, "Engineering Systems");
    assert_eq!(reason_in(&options, "GitHub Enterprise"), None);

    // An unknown group is a 404.
    let response = call_form(
        &admin,
        &env.base,
        "form_options",
        &[("editing", "00000000-0000-0000-0000-000000000000")],
    )
    .await;
    assert!(matches!(
        failed(response, StatusCode::NOT_FOUND).await,
        AppError::NotFound { .. }
    ));
}

fn reason_in(options: &FormOptions, name: &str) -> Option<String> {
    options
        .sources
        .iter()
        .find(|c| c.source.name.as_deref() == Some(name))
        .unwrap()
        .ineligible
        .clone()
}

#[tokio::test]
async fn an_admin_reviews_and_creates_a_group() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let draft = draft(
        &options,
        "  Cloud sign-in ",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );

    let (review, errors, warning): (ChangeReview, FieldErrors, Option<String>) = ok(call_json(
        &admin,
        &env.base,
        "review_change",
        json!({ "editing": null, "draft": draft }),
    )
    .await)
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert!(warning.is_none());
    assert!(review.creating);
    assert!(
        review
            .consequences
            .contains(&"Users of Okta will now share their password with SAP S/4HANA.".to_string()),
        "{:?}",
        review.consequences
    );

    let created: GroupDetail = ok(create(&admin, &env.base, &draft).await).await;
    assert_eq!(created.name, "Cloud sign-in");
    assert_eq!(
        created.policy.name.as_deref(),
        Some("Default Password Policy")
    );
    assert_eq!(names(&created), ["Okta", "SAP S/4HANA"]);

    let stored = isc.group(&created.id).await.expect("in the tenant");
    assert_eq!(stored["name"], "Cloud sign-in");
    assert_eq!(isc.groups().await.len(), 4);
    // Members are on the group's policy.
    assert_eq!(
        isc.policy_of_source(&source_id(&options, "SAP S/4HANA"))
            .await
            .as_deref(),
        Some("Default Password Policy")
    );
    // The console's own views show it at once.
    let detail: GroupDetail =
        ok(call_form(&admin, &env.base, "get_group", &[("id", &created.id)]).await).await;
    assert_eq!(names(&detail), ["Okta", "SAP S/4HANA"]);
}

#[tokio::test]
async fn an_admin_edits_a_group_and_dropped_sources_keep_the_old_policy() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let opened = options.editing.clone().unwrap();
    assert_eq!(names(&opened), ["ServiceNow", "Salesforce"]);
    let draft = draft(
        &options,
        "Business applications",
        "Default Password Policy",
        &["ServiceNow", "SAP S/4HANA", "Okta"],
    );

    let (review, errors, _): (ChangeReview, FieldErrors, Option<String>) = ok(call_json(
        &admin,
        &env.base,
        "review_change",
        json!({ "editing": BUSINESS_APPS, "draft": draft }),
    )
    .await)
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        review.name,
        Some(("Business Apps".into(), "Business applications".into()))
    );
    assert_eq!(
        review.removed.iter().map(|s| s.label()).collect::<Vec<_>>(),
        ["Salesforce"]
    );
    assert!(review.consequences.contains(
        &"Passwords of Salesforce stop being synchronised with the rest of the group; Salesforce keeps the policy Business Applications directly."
            .to_string()
    ));
    assert!(!review.rule_changes.is_empty());

    let saved: GroupDetail = ok(update(&admin, &env.base, &opened, &draft).await).await;
    assert_eq!(saved.id, BUSINESS_APPS);
    assert_eq!(saved.name, "Business applications");
    assert_eq!(names(&saved), ["ServiceNow", "SAP S/4HANA", "Okta"]);
    assert_eq!(
        saved.policy.name.as_deref(),
        Some("Default Password Policy")
    );

    let stored = isc.group(BUSINESS_APPS).await.unwrap();
    assert_eq!(stored["name"], "Business applications");
    assert_eq!(stored["sourceIds"].as_array().unwrap().len(), 3);
    assert_eq!(
        isc.policy_of_source(&source_id(&options, "Salesforce"))
            .await
            .as_deref(),
        Some("Business Applications")
    );
    assert_eq!(
        isc.policy_of_source(&source_id(&options, "ServiceNow"))
            .await
            .as_deref(),
        Some("Default Password Policy")
    );
}

#[tokio::test]
async fn an_admin_deletes_a_group_and_its_policy_is_assigned_to_its_sources() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;

    let (impact, consequences): (GroupDetail, Vec<String>) = ok(call_form(
        &admin,
        &env.base,
        "delete_impact",
        &[("id", ENGINEERING_SYSTEMS)],
    )
    .await)
    .await;
    assert_eq!(impact.name, "Engineering Systems");
    let text = consequences.join(" ");
    for name in ["GitHub Enterprise", "Unix LDAP", "Privileged Engineering"] {
        assert!(text.contains(name), "{name} missing: {text}");
    }
    assert!(
        text.contains("applications") && text.contains("no undo"),
        "{text}"
    );

    let deleted: GroupDetail = ok(call_form(
        &admin,
        &env.base,
        "delete_group",
        &[
            ("id", ENGINEERING_SYSTEMS),
            ("confirm_name", " Engineering Systems "),
        ],
    )
    .await)
    .await;
    assert_eq!(deleted.name, "Engineering Systems");
    assert_eq!(names(&deleted), ["GitHub Enterprise", "Unix LDAP"]);
    assert!(isc.group(ENGINEERING_SYSTEMS).await.is_none());
    for source in &impact.sources {
        assert_eq!(
            isc.policy_of_source(&source.id).await.as_deref(),
            Some("Privileged Engineering"),
            "{}",
            source.label()
        );
    }
    // The freed sources can join another group at once (no stale 60 s cache).
    let options = form_options(&admin, &env.base, None).await;
    assert_eq!(reason_in(&options, "GitHub Enterprise"), None);
}

// ---------------------------------------------------------------------------------------------
// Refusals before anything is sent
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn each_validation_rule_is_refused_by_the_server_before_anything_is_sent() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let before = isc.groups().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let good = draft(
        &options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );

    let long = "x".repeat(129);
    type Case = (&'static str, GroupDraft, fn(&FieldErrors) -> bool);
    let cases: Vec<Case> = vec![
        (
            "blank name",
            GroupDraft {
                name: "   ".into(),
                ..good.clone()
            },
            |e| e.name.is_some(),
        ),
        (
            "name too long",
            GroupDraft {
                name: long,
                ..good.clone()
            },
            |e| e.name.as_deref().is_some_and(|m| m.contains("128")),
        ),
        (
            "no policy",
            GroupDraft {
                policy_id: String::new(),
                ..good.clone()
            },
            |e| e.policy.is_some(),
        ),
        (
            "one source",
            draft(&options, "Cloud", "Default Password Policy", &["Okta"]),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("at least two"))
            },
        ),
        (
            "the same source twice",
            draft(
                &options,
                "Cloud",
                "Default Password Policy",
                &["Okta", "Okta"],
            ),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("at least two"))
            },
        ),
        (
            "a file-based source",
            draft(
                &options,
                "Cloud",
                "Default Password Policy",
                &["Okta", "Contractor HR Feed"],
            ),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("file-based"))
            },
        ),
        (
            "a source without PASSWORD",
            draft(
                &options,
                "Cloud",
                "Default Password Policy",
                &["Okta", "Workday"],
            ),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("no password management"))
            },
        ),
        (
            "a source in another group",
            draft(
                &options,
                "Cloud",
                "Default Password Policy",
                &["Okta", "GitHub Enterprise"],
            ),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("already in group Engineering Systems"))
            },
        ),
    ];
    for (what, draft, expected) in cases {
        match failed(
            create(&admin, &env.base, &draft).await,
            StatusCode::BAD_REQUEST,
        )
        .await
        {
            AppError::Invalid { errors } => assert!(expected(&errors), "{what}: {errors:?}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    // The same rules hold for an edit.
    let edit_options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let opened = edit_options.editing.clone().unwrap();
    let bad = GroupDraft {
        name: "Business Apps".into(),
        policy_id: opened.policy.id.clone(),
        source_ids: vec![opened.sources[0].id.clone()],
    };
    assert!(matches!(
        failed(
            update(&admin, &env.base, &opened, &bad).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        AppError::Invalid { .. }
    ));
    assert_eq!(isc.groups().await, before, "the tenant must be unchanged");
}

#[tokio::test]
async fn a_source_taken_between_opening_the_form_and_saving_is_caught_by_the_server() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let draft = draft(
        &options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );
    // Someone else puts SAP into a group meanwhile.
    let rival = isc
        .create(json!({
            "name": "Finance",
            "passwordPolicyId": policy_id(&options, "Business Applications"),
            "sourceIds": [source_id(&options, "SAP S/4HANA"), source_id(&options, "Oracle Finance DB")],
        }))
        .await;
    assert_eq!(rival.status(), StatusCode::OK);
    match failed(
        create(&admin, &env.base, &draft).await,
        StatusCode::BAD_REQUEST,
    )
    .await
    {
        AppError::Invalid { errors } => assert_eq!(
            errors.sources.as_deref(),
            Some("SAP S/4HANA cannot be chosen: already in group Finance.")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        isc.groups().await.len(),
        4,
        "only the rival group was added"
    );
}

// ---------------------------------------------------------------------------------------------
// ISC refusing
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn isc_refusing_a_source_taken_in_a_race_reaches_the_caller_with_its_tracking_id() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let draft = draft(
        &options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );
    let rival = json!({
        "name": "Finance",
        "passwordPolicyId": policy_id(&options, "Business Applications"),
        "sourceIds": [source_id(&options, "SAP S/4HANA"), source_id(&options, "Oracle Finance DB")],
    });

    // Every tenant request now waits 1.5 s before it is handled. The console's checks (reads
    // sent at once) are handled at ~1.5 s and its POST at ~3 s; the rival create, sent at
    // 0.7 s, is handled at ~2.2 s: after the console checked, before it writes.
    env.sandbox
        .faults()
        .set_latency(Duration::from_millis(1500));
    let console_create = {
        let admin = admin.clone();
        let base = env.base.clone();
        let draft = draft.clone();
        tokio::spawn(async move { create(&admin, &base, &draft).await })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(isc.create(rival).await.status(), StatusCode::OK);
    let response = console_create.await.unwrap();
    env.sandbox.faults().reset();

    match failed(response, StatusCode::BAD_REQUEST).await {
        AppError::Upstream {
            status,
            detail_code,
            message,
            tracking_id,
        } => {
            assert_eq!(status, 400);
            assert_eq!(detail_code.as_deref(), Some("400.1.409 Reference conflict"));
            assert!(
                message.contains("SAP S/4HANA") && message.contains("Finance"),
                "{message}"
            );
            assert!(
                tracking_id.is_some_and(|t| t.len() == 32),
                "ISC's trackingId must reach the caller"
            );
        }
        other => panic!("{other:?}"),
    }
    let groups = isc.groups().await;
    assert_eq!(groups.len(), 4);
    assert!(groups.iter().all(|g| g["name"] != "Cloud"));
}

#[tokio::test]
async fn isc_refusing_a_duplicate_name_reaches_the_caller_after_the_console_only_warned() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let draft = draft(
        &options,
        "engineering systems",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );
    let (_, errors, warning): (ChangeReview, FieldErrors, Option<String>) = ok(call_json(
        &admin,
        &env.base,
        "review_change",
        json!({ "editing": null, "draft": draft }),
    )
    .await)
    .await;
    assert!(errors.is_empty());
    assert!(warning.is_some_and(|w| w.contains("Engineering Systems")));
    // The sandbox, like a tenant with unique names, refuses it.
    match failed(
        create(&admin, &env.base, &draft).await,
        StatusCode::BAD_REQUEST,
    )
    .await
    {
        AppError::Upstream {
            detail_code,
            tracking_id,
            ..
        } => {
            assert_eq!(detail_code.as_deref(), Some("400.1.409 Reference conflict"));
            assert!(tracking_id.is_some());
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Stale edits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_edit_of_a_group_changed_in_isc_meanwhile_is_refused_as_stale() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let opened = options.editing.clone().unwrap();
    let mine = GroupDraft {
        name: "Mine".into(),
        ..draft(
            &options,
            "Mine",
            "Business Applications",
            &["ServiceNow", "Salesforce", "SAP S/4HANA"],
        )
    };

    // Someone renames it in ISC after the form opened.
    let theirs = json!({
        "name": "Business Apps (theirs)",
        "passwordPolicyId": opened.policy.id,
        "sourceIds": opened.sources.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
    });
    assert_eq!(
        isc.put(BUSINESS_APPS, theirs).await.status(),
        StatusCode::OK
    );

    match failed(
        update(&admin, &env.base, &opened, &mine).await,
        StatusCode::CONFLICT,
    )
    .await
    {
        AppError::Stale {
            current: Some(current),
        } => {
            assert_eq!(current.name, "Business Apps (theirs)");
            assert_ne!(current.modified, opened.modified);
            assert_eq!(
                app::model::edit::what_changed(&opened, &current),
                ["Name: Business Apps → Business Apps (theirs)"]
            );
        }
        other => panic!("{other:?}"),
    }
    let stored = isc.group(BUSINESS_APPS).await.unwrap();
    assert_eq!(
        stored["name"], "Business Apps (theirs)",
        "nothing overwritten"
    );
    assert_eq!(stored["sourceIds"].as_array().unwrap().len(), 2);

    // The plain form carries only the version it showed: the same refusal, back on its page.
    let (ss, sf, sap) = (
        source_id(&options, "ServiceNow"),
        source_id(&options, "Salesforce"),
        source_id(&options, "SAP S/4HANA"),
    );
    let referer = format!("/groups/{BUSINESS_APPS}/edit/review?name=Mine");
    let response = post_html_form(
        &admin,
        &env.base,
        "update_group_form",
        &[
            ("id", BUSINESS_APPS),
            ("opened_modified", opened.modified.as_deref().unwrap()),
            ("name", "Mine"),
            ("policy_id", &opened.policy.id),
            ("source_ids[]", &ss),
            ("source_ids[]", &sf),
            ("source_ids[]", &sap),
        ],
        &referer,
    )
    .await;
    let (path, error) = error_in_redirect(&response);
    assert_eq!(path, "/api/update_group_form");
    assert!(common::location_path(&response).starts_with(&referer));
    assert!(
        matches!(error, AppError::Stale { current: Some(_) }),
        "{error:?}"
    );
    assert_eq!(
        isc.group(BUSINESS_APPS).await.unwrap()["name"],
        "Business Apps (theirs)"
    );

    // With the current version as the starting point, the edit goes through.
    let current = form_options(&admin, &env.base, Some(BUSINESS_APPS))
        .await
        .editing
        .unwrap();
    let saved: GroupDetail = ok(update(&admin, &env.base, &current, &mine).await).await;
    assert_eq!(saved.name, "Mine");
}

#[tokio::test]
async fn an_edit_of_a_group_deleted_meanwhile_is_stale_without_a_current_version() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let opened = options.editing.clone().unwrap();
    assert_eq!(
        isc.delete(BUSINESS_APPS).await.status(),
        StatusCode::NO_CONTENT
    );
    let draft = draft(
        &options,
        "Business Apps",
        "Business Applications",
        &["ServiceNow", "Salesforce"],
    );
    assert_eq!(
        failed(
            update(&admin, &env.base, &opened, &draft).await,
            StatusCode::CONFLICT
        )
        .await,
        AppError::Stale { current: None }
    );
    assert!(isc.group(BUSINESS_APPS).await.is_none(), "not recreated");
}

// ---------------------------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_delete_with_a_wrong_confirmation_name_is_refused() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    for wrong in [
        "",
        "   ",
        "Corporate sign-in",
        "Corporate Sign",
        "Engineering Systems",
    ] {
        let response = call_form(
            &admin,
            &env.base,
            "delete_group",
            &[("id", CORPORATE_SIGN_IN), ("confirm_name", wrong)],
        )
        .await;
        match failed(response, StatusCode::BAD_REQUEST).await {
            AppError::Invalid { errors } => assert!(errors.name.is_some(), "{wrong:?}"),
            other => panic!("{wrong:?}: {other:?}"),
        }
    }
    assert!(isc.group(CORPORATE_SIGN_IN).await.is_some());
    assert_eq!(isc.groups().await.len(), 3);
}

#[tokio::test]
async fn the_delete_impact_fails_closed_when_isc_fails() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    // More 500s than the client's three attempts per read.
    env.sandbox.faults().fail_next(10, 500);
    let response = call_form(
        &admin,
        &env.base,
        "delete_impact",
        &[("id", CORPORATE_SIGN_IN)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let error: AppError = response.json().await.unwrap();
    assert!(
        matches!(error, AppError::Upstream { status: 500, .. }),
        "{error:?}"
    );
    env.sandbox.faults().reset();
    let (impact, _): (GroupDetail, Vec<String>) = ok(call_form(
        &admin,
        &env.base,
        "delete_impact",
        &[("id", CORPORATE_SIGN_IN)],
    )
    .await)
    .await;
    assert_eq!(impact.sources.len(), 3);
    let response = call_form(
        &admin,
        &env.base,
        "delete_impact",
        &[("id", "00000000-0000-0000-0000-000000000000")],
    )
    .await;
    assert!(matches!(
        failed(response, StatusCode::NOT_FOUND).await,
        AppError::NotFound { .. }
    ));
}

// ---------------------------------------------------------------------------------------------
// Who may do it
// ---------------------------------------------------------------------------------------------

/// A server function's name, its JSON body (null: it is URL-encoded) and its form fields.
type Call = (&'static str, Value, Vec<(String, String)>);

/// Every management call, with a body that would succeed for an admin.
fn every_mutation(options: &FormOptions) -> Vec<Call> {
    let opened = options.editing.clone().unwrap();
    let draft = draft(
        options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );
    let edit = GroupDraft {
        name: "Renamed".into(),
        policy_id: opened.policy.id.clone(),
        source_ids: opened.sources.iter().map(|s| s.id.clone()).collect(),
    };
    let s = |v: &str| v.to_string();
    let mut create_form = vec![
        (s("name"), s("Cloud")),
        (s("policy_id"), draft.policy_id.clone()),
    ];
    create_form.extend(
        draft
            .source_ids
            .iter()
            .map(|id| (s("source_ids[]"), id.clone())),
    );
    let mut update_form = vec![
        (s("id"), opened.id.clone()),
        (s("opened_modified"), opened.modified.clone().unwrap()),
        (s("name"), s("Renamed")),
        (s("policy_id"), opened.policy.id.clone()),
    ];
    update_form.extend(
        opened
            .sources
            .iter()
            .map(|src| (s("source_ids[]"), src.id.clone())),
    );
    vec![
        ("create_group", json!({ "draft": draft }), vec![]),
        (
            "update_group",
            json!({ "opened": opened, "draft": edit }),
            vec![],
        ),
        (
            "review_change",
            json!({ "editing": null, "draft": draft }),
            vec![],
        ),
        ("form_options", Value::Null, vec![]),
        (
            "delete_impact",
            Value::Null,
            vec![(s("id"), opened.id.clone())],
        ),
        (
            "delete_group",
            Value::Null,
            vec![
                (s("id"), opened.id.clone()),
                (s("confirm_name"), opened.name.clone()),
            ],
        ),
        ("create_group_form", Value::Null, create_form),
        ("update_group_form", Value::Null, update_form),
        (
            "delete_group_form",
            Value::Null,
            vec![
                (s("id"), opened.id.clone()),
                (s("confirm_name"), opened.name.clone()),
            ],
        ),
    ]
}

async fn send(
    browser: &Browser,
    base: &str,
    name: &str,
    json_body: &Value,
    form: &[(String, String)],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = browser.http.post(format!("{base}/api/{name}"));
    for (k, v) in extra {
        request = request.header(*k, *v);
    }
    if json_body.is_null() {
        request.form(form)
    } else {
        request
            .header("content-type", "application/json")
            .body(json_body.to_string())
    }
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn helpdesk_and_signed_out_callers_can_change_nothing_and_nothing_reaches_isc() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let before = isc.groups().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let calls = every_mutation(&options);
    let helpdesk = env.signed_in("helpdesk").await;
    let stranger = Browser::new();

    // A pending failure as a tripwire: any request reaching the tenant would use it up.
    env.sandbox.faults().fail_next(1, 500);
    for (name, body, form) in &calls {
        let response = send(&helpdesk, &env.base, name, body, form, &[]).await;
        match failed(response, StatusCode::FORBIDDEN).await {
            AppError::Forbidden { needed } => assert!(needed.contains("ORG_ADMIN"), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        let response = send(&stranger, &env.base, name, body, form, &[]).await;
        assert_eq!(
            failed(response, StatusCode::UNAUTHORIZED).await,
            AppError::Unauthorized,
            "{name}"
        );
    }
    // A helpdesk browser posting the plain forms gets the refusal back on its page.
    for (name, _, form) in calls.iter().filter(|(n, _, _)| n.ends_with("_form")) {
        let fields: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = post_html_form(&helpdesk, &env.base, name, &fields, "/groups").await;
        let (_, error) = error_in_redirect(&response);
        assert!(
            matches!(error, AppError::Forbidden { .. }),
            "{name}: {error:?}"
        );
    }
    assert_eq!(
        env.sandbox.faults().pending_failures(),
        (1, 500),
        "a refused call reached ISC"
    );
    env.sandbox.faults().reset();
    assert_eq!(isc.groups().await, before);
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let before = isc.groups().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    env.sandbox.faults().fail_next(1, 500);
    for (name, body, form) in every_mutation(&options) {
        for headers in [
            &[("origin", "https://evil.example")][..],
            &[
                ("origin", "https://evil.example"),
                ("accept", "text/html"),
                ("referer", "https://evil.example/"),
            ][..],
            &[("sec-fetch-site", "cross-site")][..],
        ] {
            let response = send(&admin, &env.base, name, &body, &form, headers).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{name} {headers:?}"
            );
        }
    }
    assert_eq!(env.sandbox.faults().pending_failures(), (1, 500));
    env.sandbox.faults().reset();
    assert_eq!(isc.groups().await, before);
}

// ---------------------------------------------------------------------------------------------
// Writes that time out
// ---------------------------------------------------------------------------------------------

/// A tenant behind a forwarding proxy that counts sync-group creates and holds each create's
/// answer back for `delay` after ISC has made the group, like a slow network on the way back.
async fn proxy_delaying_creates(
    tenant: String,
    delay: Duration,
    creates: Arc<AtomicUsize>,
) -> String {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let handler = move |request: Request| {
        let http = http.clone();
        let tenant = tenant.clone();
        let creates = creates.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let path = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let is_create = parts.method == axum::http::Method::POST
                && parts.uri.path().ends_with("/password-sync-groups");
            let mut headers = parts.headers.clone();
            headers.remove("host");
            let answer = http
                .request(parts.method.clone(), format!("{tenant}{path}"))
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = answer.status();
            let mut headers = answer.headers().clone();
            headers.remove("transfer-encoding");
            headers.remove("content-length");
            let bytes = answer.bytes().await.unwrap();
            if is_create {
                creates.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
            }
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            response
        }
    };
    let app = axum::Router::new().fallback(handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_create_that_times_out_is_not_retried() {
    let tenant = sandbox::spawn(sandbox::SandboxConfig::default())
        .await
        .unwrap();
    let creates = Arc::new(AtomicUsize::new(0));
    let proxy = proxy_delaying_creates(
        tenant.base_url().to_string(),
        Duration::from_secs(3),
        creates.clone(),
    )
    .await;
    let console = common::start(&[
        ("ISC_API_URL", proxy.as_str()),
        ("ISC_CLIENT_ID", "console"),
        ("ISC_CLIENT_SECRET", "console-secret"),
        ("ISC_TIMEOUT_SECS", "1"),
    ])
    .await;
    let admin = Browser::new();
    admin.sign_in(&console.base, "admin").await;
    let options = form_options(&admin, &console.base, None).await;
    let draft = draft(
        &options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );

    let started = std::time::Instant::now();
    let response = create(&admin, &console.base, &draft).await;
    match failed(response, StatusCode::BAD_GATEWAY).await {
        AppError::Unavailable { message } => {
            assert!(
                message.contains("cannot tell whether the group was created"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Time for a retry to have arrived, had there been one.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(creates.load(Ordering::SeqCst), 1, "the POST was sent once");
    let isc = Isc::new(tenant.base_url()).await;
    let groups = isc.groups().await;
    assert_eq!(groups.len(), 4);
    assert_eq!(groups.iter().filter(|g| g["name"] == "Cloud").count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Without JavaScript: plain form posts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn plain_form_posts_create_update_and_delete_and_redirect_to_the_result() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let (okta, sap) = (
        source_id(&options, "Okta"),
        source_id(&options, "SAP S/4HANA"),
    );
    let policy = policy_id(&options, "Default Password Policy");

    let response = post_html_form(
        &admin,
        &env.base,
        "create_group_form",
        &[
            ("name", "Cloud & co"),
            ("policy_id", &policy),
            ("source_ids[]", &okta),
            ("source_ids[]", &sap),
        ],
        "/groups/new/review?name=Cloud",
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = common::location_path(&response);
    let id = location
        .strip_prefix("/groups/")
        .and_then(|rest| rest.strip_suffix("?saved=created"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_string();
    let stored = isc.group(&id).await.unwrap();
    assert_eq!(stored["name"], "Cloud & co");
    let modified = stored["modified"].as_str().unwrap().to_string();

    let response = post_html_form(
        &admin,
        &env.base,
        "update_group_form",
        &[
            ("id", &id),
            ("opened_modified", &modified),
            ("name", "Cloud"),
            ("policy_id", &policy),
            ("source_ids[]", &okta),
            ("source_ids[]", &sap),
        ],
        &format!("/groups/{id}/edit/review"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        common::location_path(&response),
        format!("/groups/{id}?saved=updated")
    );
    assert_eq!(isc.group(&id).await.unwrap()["name"], "Cloud");

    let response = post_html_form(
        &admin,
        &env.base,
        "delete_group_form",
        &[("id", &id), ("confirm_name", "Cloud")],
        &format!("/groups/{id}/delete"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        common::location_path(&response),
        "/groups?deleted=Cloud&sources=Okta%2C%20SAP%20S%2F4HANA"
    );
    assert!(isc.group(&id).await.is_none());
}

#[tokio::test]
async fn a_failed_plain_form_post_returns_to_its_page_with_the_error() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let okta = source_id(&options, "Okta");
    let policy = policy_id(&options, "Default Password Policy");

    // One source only, and no sources at all (the field is then missing from the form).
    let referer = "/groups/new/review?name=Cloud";
    for fields in [
        vec![
            ("name", "Cloud"),
            ("policy_id", policy.as_str()),
            ("source_ids[]", okta.as_str()),
        ],
        vec![("name", "Cloud"), ("policy_id", policy.as_str())],
    ] {
        let response =
            post_html_form(&admin, &env.base, "create_group_form", &fields, referer).await;
        let (path, error) = error_in_redirect(&response);
        assert_eq!(path, "/api/create_group_form");
        assert!(common::location_path(&response).starts_with(referer));
        match error {
            AppError::Invalid { errors } => assert!(
                errors
                    .sources
                    .as_deref()
                    .is_some_and(|m| m.contains("at least two")),
                "{errors:?}"
            ),
            other => panic!("{other:?}"),
        }
    }

    let response = post_html_form(
        &admin,
        &env.base,
        "delete_group_form",
        &[("id", CORPORATE_SIGN_IN), ("confirm_name", "nope")],
        &format!("/groups/{CORPORATE_SIGN_IN}/delete"),
    )
    .await;
    let (path, error) = error_in_redirect(&response);
    assert_eq!(path, "/api/delete_group_form");
    assert!(matches!(error, AppError::Invalid { .. }), "{error:?}");
    assert_eq!(isc.groups().await.len(), 3);
    // The page the form came from shows the error (leptos_router hands `__err` to the page's
    // ServerAction of the same server function).
    let page = admin.get(&common::location(&response)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("Some fields need attention") || html.contains("Type the group"),
        "{html}"
    );
}
