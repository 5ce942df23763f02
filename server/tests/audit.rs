//! The audit record of changes made through the console (`console_audit`, and one log line per
//! entry), as an auditor or an operator reads it: every change an intent before the call to ISC
//! and an outcome after it, refusals with ISC's tracking id, nothing rewritten, and a console
//! killed in between leaving "outcome unknown" rather than nothing.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions"
)]

mod common;
#[path = "support/console_process.rs"]
mod console_process;

use std::path::Path;
use std::time::{Duration, Instant};

use app::error::AppError;
use app::model::GroupDetail;
use app::model::draft::FormOptions;
use common::Browser;
use console_process::ConsoleProcess;
use reqwest::StatusCode;
use serde_json::Value;
use server::store::audit::{Action, AuditTable, Entry};
use server::store::{Database, Location};

/// The sandbox's demo administrator, as ISC knows them.
const ADMIN_IDENTITY_ID: &str = "2c9180857182305e0171993735622948";
const ADMIN_NAME: &str = "Alex Admin";

async fn audit_table(data_dir: &Path) -> AuditTable {
    let location = Location::Sqlite {
        data_dir: data_dir.to_path_buf(),
    };
    AuditTable::new(Database::open(&location).await.expect("database"))
}

/// Every entry, oldest first.
async fn entries(table: &AuditTable) -> Vec<Entry> {
    let mut entries = table.recent(1000).await.expect("read the audit record");
    entries.reverse();
    entries
}

/// A server function called as the hydrated app does (URL-encoded fields, JSON answer).
async fn call(
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

/// The response's `x-request-id`, and its body as `T` (asserting `status`).
async fn answer<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    status: StatusCode,
) -> (String, T) {
    let request_id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let got = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (request_id, value)
}

async fn form_options(browser: &Browser, base: &str, editing: Option<&str>) -> FormOptions {
    let fields: Vec<(&str, &str)> = editing.map(|id| ("editing", id)).into_iter().collect();
    answer(
        call(browser, base, "form_options", &fields).await,
        StatusCode::OK,
    )
    .await
    .1
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

/// The fields of `save_group`: a new group, or an edit of `opened`.
fn save_fields(
    options: &FormOptions,
    opened: Option<&GroupDetail>,
    name: &str,
    sources: &[&str],
) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    if let Some(group) = opened {
        fields.push(("id".to_string(), group.id.clone()));
        fields.push(("opened_version".to_string(), group.version()));
    }
    fields.push(("name".to_string(), name.to_string()));
    fields.push((
        "policy_id".to_string(),
        policy_id(options, "Default Password Policy"),
    ));
    for source in sources {
        fields.push(("source_ids[]".to_string(), source_id(options, source)));
    }
    fields
}

async fn save(browser: &Browser, base: &str, fields: &[(String, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    call(browser, base, "save_group", &fields).await
}

/// Creates a group named `name` of Okta and SAP S/4HANA (free in the demo org); returns the
/// response's request id and the group.
async fn create(browser: &Browser, base: &str, name: &str) -> (String, GroupDetail) {
    let options = form_options(browser, base, None).await;
    let fields = save_fields(&options, None, name, &["Okta", "SAP S/4HANA"]);
    answer(save(browser, base, &fields).await, StatusCode::OK).await
}

/// `intent` and `outcome` are one change's two entries, by `ADMIN`, in request `request_id`.
fn assert_pair(intent: &Entry, outcome: &Entry, action: Action, request_id: &str) {
    assert_eq!(intent.entry, "intent", "{intent:?}");
    assert_eq!(outcome.entry, "outcome", "{outcome:?}");
    assert_eq!(
        outcome.intent_id,
        Some(intent.id),
        "the outcome points at its intent"
    );
    assert!(intent.intent_id.is_none());
    assert!(intent.outcome.is_none() && intent.error.is_none());
    for entry in [intent, outcome] {
        assert_eq!(entry.action, Some(action), "{entry:?}");
        assert_eq!(entry.actor_id, ADMIN_IDENTITY_ID);
        assert_eq!(entry.actor_name, ADMIN_NAME);
        assert!(!entry.request_id.is_empty());
        assert_eq!(entry.request_id, request_id, "the response's x-request-id");
        assert!(entry.recorded_at > 0);
    }
    assert!(intent.recorded_at <= outcome.recorded_at);
    assert!(intent.id < outcome.id);
}

#[tokio::test]
async fn every_change_is_recorded_with_intent_and_outcome() {
    let console = common::start(&[]).await;
    let base = &console.base;
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    let table = audit_table(console.data.path()).await;
    assert!(entries(&table).await.is_empty(), "reads are not recorded");

    let (created_in, created) = create(&admin, base, "Audit trail").await;
    assert!(!created_in.is_empty(), "the response carries x-request-id");

    let options = form_options(&admin, base, Some(&created.id)).await;
    let opened = options.editing.clone().expect("the group being edited");
    let fields = save_fields(
        &options,
        Some(&opened),
        "Audit trail renamed",
        &["Okta", "SAP S/4HANA"],
    );
    let (updated_in, updated): (String, GroupDetail) =
        answer(save(&admin, base, &fields).await, StatusCode::OK).await;
    assert_eq!(updated.name, "Audit trail renamed");

    let (deleted_in, _deleted): (String, GroupDetail) = answer(
        call(
            &admin,
            base,
            "delete_group",
            &[("id", &created.id), ("confirm_name", "Audit trail renamed")],
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let ids = [&created_in, &updated_in, &deleted_in];
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "one id per request: {ids:?}"
    );

    let entries = entries(&table).await;
    assert_eq!(entries.len(), 6, "{entries:#?}");

    // Create: no id before ISC assigns one; the outcome has it.
    let (intent, outcome) = (&entries[0], &entries[1]);
    assert_pair(intent, outcome, Action::Create, &created_in);
    assert_eq!(intent.group_id, None);
    assert_eq!(intent.group_name, "Audit trail");
    assert_eq!(intent.before, None);
    let asked = intent.after.as_ref().expect("what was asked for");
    assert_eq!(asked["name"], "Audit trail");
    assert_eq!(asked["sourceIds"].as_array().map(Vec::len), Some(2));
    assert_eq!(outcome.outcome.as_deref(), Some("done"));
    assert_eq!(outcome.group_id.as_deref(), Some(created.id.as_str()));
    let made = outcome.after.as_ref().expect("the group as ISC answered");
    assert_eq!(made["id"], created.id.as_str());
    assert_eq!(made["name"], "Audit trail");
    assert!(outcome.error.is_none() && outcome.tracking_id.is_none());

    // Update: the group before, and after.
    let (intent, outcome) = (&entries[2], &entries[3]);
    assert_pair(intent, outcome, Action::Update, &updated_in);
    assert_eq!(intent.group_id.as_deref(), Some(created.id.as_str()));
    assert_eq!(intent.group_name, "Audit trail");
    let before = intent.before.as_ref().expect("the group before");
    assert_eq!(before["name"], "Audit trail");
    assert_eq!(before["id"], created.id.as_str());
    assert_eq!(
        intent.after.as_ref().expect("what was asked for")["name"],
        "Audit trail renamed"
    );
    assert_eq!(outcome.outcome.as_deref(), Some("done"));
    assert_eq!(outcome.group_id.as_deref(), Some(created.id.as_str()));
    assert_eq!(
        outcome.after.as_ref().expect("the group after")["name"],
        "Audit trail renamed"
    );

    // Delete: the group as it was; nothing after.
    let (intent, outcome) = (&entries[4], &entries[5]);
    assert_pair(intent, outcome, Action::Delete, &deleted_in);
    assert_eq!(intent.group_id.as_deref(), Some(created.id.as_str()));
    assert_eq!(intent.group_name, "Audit trail renamed");
    let before = intent.before.as_ref().expect("the group deleted");
    assert_eq!(before["name"], "Audit trail renamed");
    assert_eq!(before["sources"].as_array().map(Vec::len), Some(2));
    assert!(intent.after.is_none());
    assert_eq!(outcome.outcome.as_deref(), Some("done"));
    assert_eq!(outcome.group_id.as_deref(), Some(created.id.as_str()));
    assert!(
        outcome.after.as_ref().is_none_or(Value::is_null),
        "{:?}",
        outcome.after
    );
}

#[tokio::test]
async fn a_refused_change_is_recorded_with_iscs_tracking_id() {
    let console = common::start(&[]).await;
    let base = &console.base;
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    let table = audit_table(console.data.path()).await;

    // A name another group has: the console only warns, ISC refuses (400.1.409).
    let options = form_options(&admin, base, None).await;
    let fields = save_fields(
        &options,
        None,
        "Engineering Systems",
        &["Okta", "SAP S/4HANA"],
    );
    let (request_id, error): (String, AppError) =
        answer(save(&admin, base, &fields).await, StatusCode::BAD_REQUEST).await;
    let AppError::Upstream {
        tracking_id: Some(tracking_id),
        ref message,
        ..
    } = error
    else {
        panic!("not ISC's refusal with a tracking id: {error:?}");
    };
    assert_eq!(tracking_id.len(), 32, "{tracking_id}");

    let entries = entries(&table).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let (intent, outcome) = (&entries[0], &entries[1]);
    assert_pair(intent, outcome, Action::Create, &request_id);
    assert_eq!(intent.group_name, "Engineering Systems");
    assert_eq!(outcome.outcome.as_deref(), Some("failed"));
    assert_eq!(outcome.tracking_id.as_deref(), Some(tracking_id.as_str()));
    let recorded = outcome.error.as_deref().expect("the error text");
    assert!(recorded.contains(message.as_str()), "{recorded}");
    assert!(recorded.contains("ISC refused"), "{recorded}");
    assert!(outcome.after.is_none(), "nothing was made");
    assert_eq!(outcome.group_id, None);
}

#[tokio::test]
async fn the_audit_record_is_append_only() {
    let console = common::start(&[]).await;
    let base = &console.base;
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    let (_, kept) = create(&admin, base, "Kept on record").await;

    let location = Location::Sqlite {
        data_dir: console.data.path().to_path_buf(),
    };
    let db = Database::open(&location).await.expect("database");
    let table = AuditTable::new(db.clone());
    let before = entries(&table).await;
    assert_eq!(before.len(), 2);

    for statement in [
        "UPDATE console_audit SET group_name = 'Nothing happened'",
        "UPDATE console_audit SET outcome = 'failed' WHERE entry = 'outcome'",
        "DELETE FROM console_audit",
        "DELETE FROM console_audit WHERE entry = 'outcome'",
    ] {
        let refused = sqlx::query(statement)
            .execute(db.pool())
            .await
            .expect_err(statement);
        assert!(
            refused.to_string().contains("append-only"),
            "{statement}: {refused}"
        );
    }
    let after = entries(&table).await;
    assert_eq!(after.len(), before.len());
    for (was, is) in before.iter().zip(&after) {
        assert_eq!(
            (&was.group_name, &was.outcome, was.id),
            (&is.group_name, &is.outcome, is.id)
        );
    }
    // Appending still works.
    let deleted = call(
        &admin,
        base,
        "delete_group",
        &[("id", &kept.id), ("confirm_name", "Kept on record")],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(entries(&table).await.len(), 4);
}

#[tokio::test]
async fn a_crash_between_intent_and_outcome_leaves_outcome_unknown() {
    let tenant = console_process::tenant(sandbox::SandboxConfig::default()).await;
    let data = common::data_dir();
    let mut vars = console_process::tenant_vars(&tenant);
    vars.push(("CONSOLE_DATA_DIR", data.path().display().to_string()));
    let mut console = ConsoleProcess::start(&vars).await;
    let base = console.base().to_string();
    let admin = Browser::new();
    admin.sign_in(&base, "admin").await;
    let options = form_options(&admin, &base, None).await;
    let fields = save_fields(&options, None, "Held", &["Okta", "SAP S/4HANA"]);
    let table = audit_table(data.path()).await;

    // Every tenant answer now takes 5 s: the save's checks, then its write, are held.
    tenant
        .sandbox()
        .faults()
        .set_latency(Duration::from_secs(5));
    let saving = {
        let (http, base) = (admin.http.clone(), base.clone());
        tokio::spawn(async move {
            http.post(format!("{base}/api/save_group"))
                .header("accept", "application/json")
                .form(&fields)
                .send()
                .await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let intent = loop {
        if let Some(intent) = entries(&table).await.into_iter().next() {
            break intent;
        }
        assert!(
            Instant::now() < deadline,
            "no intent recorded:\n{}",
            console.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    console.kill();
    assert!(
        saving.await.unwrap().is_err(),
        "the console died before answering"
    );
    tenant.sandbox().faults().reset();

    let outcome_unknown = |entries: &[Entry]| {
        assert_eq!(entries.len(), 1, "{entries:#?}");
        let entry = &entries[0];
        assert_eq!(entry.id, intent.id);
        assert_eq!(entry.entry, "intent");
        assert_eq!(entry.action, Some(Action::Create));
        assert_eq!(entry.group_name, "Held");
        assert_eq!(entry.actor_id, ADMIN_IDENTITY_ID);
        assert!(!entry.request_id.is_empty());
        assert!(entry.outcome.is_none());
        assert!(
            !entries.iter().any(|e| e.intent_id == Some(intent.id)),
            "no outcome"
        );
    };
    outcome_unknown(&entries(&table).await);

    // Started again on the same data directory: the record is as it was, and the console
    // works (the browser's session too).
    let restarted = ConsoleProcess::start(&vars).await;
    assert_eq!(
        admin.api(restarted.base(), "list_groups").await.status(),
        StatusCode::OK
    );
    outcome_unknown(&entries(&audit_table(data.path()).await).await);
}

#[tokio::test]
async fn the_audit_event_is_one_json_log_line() {
    let console = ConsoleProcess::start(&console_process::vars_ref(&[(
        "CONSOLE_LOG_FORMAT",
        "json",
    )]))
    .await;
    let base = console.base().to_string();
    let admin = Browser::new();
    admin.sign_in(&base, "admin").await;
    let (request_id, created) = create(&admin, &base, "Logged").await;
    assert!(
        console
            .wait_for_output("\"result\":\"done\"", Duration::from_secs(10))
            .await,
        "no audit outcome in the log:\n{}",
        console.output()
    );

    let output = console.output();
    let mut json_lines = 0;
    let mut audit = Vec::new();
    for line in output.lines().filter(|l| l.starts_with('{')) {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
        json_lines += 1;
        if event["target"] == "audit" {
            audit.push(event);
        }
    }
    assert!(json_lines > audit.len(), "other events are JSON lines too");
    assert_eq!(audit.len(), 2, "an intent and an outcome: {audit:#?}");
    for (event, result) in audit.iter().zip(["intent", "done"]) {
        assert_eq!(event["result"], result, "{event}");
        assert_eq!(event["action"], "create", "{event}");
        assert_eq!(event["group_name"], "Logged", "{event}");
        assert_eq!(event["actor_id"], ADMIN_IDENTITY_ID, "{event}");
        assert_eq!(event["actor_name"], ADMIN_NAME, "{event}");
        assert_eq!(event["request_id"], request_id.as_str(), "{event}");
        assert_eq!(event["level"], "INFO", "{event}");
        assert!(
            event["audit_id"].as_i64().is_some_and(|id| id > 0),
            "{event}"
        );
    }
    assert_eq!(audit[1]["group_id"], created.id.as_str());
    assert_eq!(audit[1]["intent_id"], audit[0]["audit_id"]);
}
