//! Sync groups as code against real sandbox tenants: an export planned on its own tenant changes
//! nothing; a document from one tenant applies to another whose ids all differ, matched by name;
//! an apply the tenant refuses half-way reports exactly what was done, what failed and what was
//! not attempted; and the `server export|plan|apply` command line with its exit codes.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use app::caller::Credential;
use app::error::AppError;
use app::model::GroupDetail;
use app::model::draft::GroupDraft;
use app::model::plan::{PlanAction, StepStatus};
use sandbox::{SandboxConfig, SandboxHandle};
use serde_json::Value;
use server::as_code::apply::{IscTarget, Target, WRITES_NEED_A_USER, apply};
use server::as_code::document::{self, Document, DocumentGroup, Reference};
use server::as_code::plan::plan;
use server::as_code::{Snapshot, TenantState};
use server::config::{ClientCredential, Secret};
use server::isc::{ClientCredentialsToken, IscClient};
use url::Url;

const DEMO_ORG: &str = include_str!("../../sandbox/data/demo-org.json");

/// The demo org with every source, policy and group id changed (each hex digit moved on by one,
/// which keeps ids valid and distinct), keeping only the groups named in `keep`.
fn other_tenant(keep: &[&str]) -> String {
    let mut org: Value = serde_json::from_str(DEMO_ORG).unwrap();
    let groups = org["passwordSyncGroups"].as_array_mut().unwrap();
    groups.retain(|g| keep.contains(&g["name"].as_str().unwrap()));
    let text = serde_json::to_string(&org).unwrap();
    let mut ids = BTreeSet::new();
    let original: Value = serde_json::from_str(DEMO_ORG).unwrap();
    for collection in ["sources", "passwordPolicies", "passwordSyncGroups"] {
        for object in original[collection].as_array().unwrap() {
            ids.insert(object["id"].as_str().unwrap().to_string());
        }
    }
    let shift = |id: &str| -> String {
        id.chars()
            .map(|c| match c.to_digit(16) {
                Some(d) => std::char::from_digit((d + 1) % 16, 16).unwrap(),
                None => c,
            })
            .collect()
    };
    ids.iter().fold(text, |text, id| {
        text.replace(&format!("\"{id}\""), &format!("\"{}\"", shift(id)))
    })
}

async fn tenant(seed: Option<String>) -> SandboxHandle {
    let sandbox = sandbox::Sandbox::try_new(SandboxConfig {
        seed_json: seed,
        ..SandboxConfig::default()
    })
    .expect("seed");
    sandbox::spawn_sandbox(sandbox).await.expect("sandbox")
}

/// The tenant's API with a client-credentials client (`admin-pat`: admin's personal access
/// token, which may write; `readonly-api`: an API client without a user).
fn client(handle: &SandboxHandle, id: &str, secret: &str) -> (IscClient, Arc<dyn Credential>) {
    let url = Url::parse(handle.base_url()).unwrap();
    let isc = IscClient::new(
        &url,
        "beta",
        Duration::from_secs(5),
        Duration::from_secs(10),
    )
    .unwrap();
    let token = ClientCredentialsToken::new(
        isc.http().clone(),
        isc.token_url().unwrap(),
        ClientCredential {
            client_id: id.into(),
            client_secret: Secret::new(secret),
        },
    );
    (isc, Arc::new(token))
}

fn admin(handle: &SandboxHandle) -> (IscClient, Arc<dyn Credential>) {
    client(handle, "admin-pat", "admin-pat-secret")
}

async fn read(isc: &IscClient, auth: &dyn Credential) -> (Snapshot, TenantState) {
    let snapshot = Snapshot::read(isc, auth).await.expect("read the tenant");
    let state = snapshot.state();
    (snapshot, state)
}

/// Each group's policy and source names, by group name: what must agree across tenants.
fn by_name(state: &TenantState) -> BTreeMap<String, (String, BTreeSet<String>)> {
    state
        .groups
        .iter()
        .map(|g| {
            (
                g.name.clone(),
                (
                    g.policy.label(),
                    g.sources.iter().map(|s| s.label()).collect(),
                ),
            )
        })
        .collect()
}

fn reference(name: &str) -> Reference {
    Reference {
        name: Some(name.into()),
        id: None,
    }
}

fn group(name: &str, policy: &str, sources: &[&str]) -> DocumentGroup {
    DocumentGroup {
        name: name.into(),
        id: None,
        password_policy: reference(policy),
        sources: sources.iter().map(|s| reference(s)).collect(),
    }
}

fn named<'d>(document: &'d mut Document, name: &str) -> &'d mut DocumentGroup {
    document.groups.iter_mut().find(|g| g.name == name).unwrap()
}

#[tokio::test]
async fn as_code_an_export_planned_on_its_own_tenant_changes_nothing() {
    let handle = tenant(None).await;
    let (isc, auth) = admin(&handle);
    let (_, state) = read(&isc, auth.as_ref()).await;
    let text = document::export(&state, "sandbox");
    let parsed = document::parse(text.as_bytes()).expect("the export reads back");
    assert_eq!(parsed.groups.len(), 3);
    let (plan, steps) = plan(&parsed, &state);
    assert!(plan.is_applicable(), "{plan:#?}");
    assert_eq!(plan.change_count(), 0, "{plan:#?}");
    assert!(steps.is_empty());
    assert_eq!(
        plan.summary(),
        "No changes: the tenant already matches the document (3 sync groups)."
    );
    // Read again: the same text, byte for byte (diff-friendly).
    let (_, again) = read(&isc, auth.as_ref()).await;
    assert_eq!(document::export(&again, "sandbox"), text);
}

#[tokio::test]
async fn as_code_a_document_from_another_tenant_applies_there_by_name() {
    let first = tenant(None).await;
    let second = tenant(Some(other_tenant(&["Corporate Sign-in"]))).await;
    let (isc_a, auth_a) = admin(&first);
    let (isc_b, auth_b) = admin(&second);
    let (_, a) = read(&isc_a, auth_a.as_ref()).await;
    let document = document::parse(document::export(&a, "first").as_bytes()).unwrap();

    let (snapshot, b) = read(&isc_b, auth_b.as_ref()).await;
    // Every id differs between the two tenants.
    let ids_a: BTreeSet<&str> = a.sources.iter().map(|s| s.id.as_str()).collect();
    assert!(b.sources.iter().all(|s| !ids_a.contains(s.id.as_str())));
    let (plan, steps) = plan(&document, &b);
    assert!(plan.is_applicable(), "{plan:#?}");
    let actions: Vec<(&str, PlanAction)> = plan
        .groups
        .iter()
        .map(|g| (g.name.as_str(), g.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("Business Apps", PlanAction::Create),
            ("Corporate Sign-in", PlanAction::Unchanged),
            ("Engineering Systems", PlanAction::Create),
        ]
    );
    let corporate = &plan.groups[1];
    assert_eq!(corporate.id.as_deref(), Some(b.groups[0].id.as_str()));
    assert_ne!(corporate.id.as_deref(), Some(a.groups[0].id.as_str()));

    let target = IscTarget::new(&isc_b, auth_b.as_ref(), &snapshot);
    let report = apply(&steps, &target).await;
    assert!(report.all_done(), "{report:#?}");
    assert_eq!(report.summary(), "All 2 changes were made.");

    let (_, after) = read(&isc_b, auth_b.as_ref()).await;
    assert_eq!(by_name(&after), by_name(&a));
    let (again, steps) = server::as_code::plan::plan(&document, &after);
    assert_eq!(again.change_count(), 0, "{again:#?}");
    assert!(steps.is_empty());
}

#[tokio::test]
async fn as_code_a_refusal_half_way_reports_done_failed_and_not_attempted() {
    let handle = tenant(None).await;
    let (isc, auth) = admin(&handle);
    let (snapshot, state) = read(&isc, auth.as_ref()).await;
    let mut document = document::document_of(&state, "sandbox");
    // Business Apps moves to Corporate Standard; Engineering Systems takes Okta; a new group
    // takes Oracle Finance DB and SAP.
    named(&mut document, "Business Apps").password_policy = reference("Corporate Standard");
    named(&mut document, "Engineering Systems")
        .sources
        .push(reference("Okta"));
    document.groups.push(group(
        "Finance",
        "Business Applications",
        &["Oracle Finance DB", "SAP S/4HANA"],
    ));
    let (plan, steps) = plan(&document, &state);
    assert!(plan.is_applicable(), "{plan:#?}");
    assert_eq!(steps.len(), 3);

    // Meanwhile someone puts Okta into a new group of their own, straight in ISC.
    let okta = state.sources.iter().find(|s| s.label() == "Okta").unwrap();
    let sap = state
        .sources
        .iter()
        .find(|s| s.label() == "SAP S/4HANA")
        .unwrap();
    let shadow = GroupDraft {
        name: "Shadow IT".into(),
        policy_id: state.groups[0].policy.id.clone(),
        source_ids: vec![okta.id.clone(), sap.id.clone()],
    };
    let target = IscTarget::new(&isc, auth.as_ref(), &snapshot);
    target.create(&shadow).await.expect("made outside the plan");

    let report = apply(&steps, &target).await;
    let statuses: Vec<(&str, &str)> = report
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.status.label()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("Business Apps", "Done"),
            ("Engineering Systems", "Failed"),
            ("Finance", "Not attempted"),
        ]
    );
    match &report.steps[1].status {
        StepStatus::Failed { error, tracking_id } => {
            assert!(error.starts_with("ISC refused the request: "), "{error}");
            assert!(error.contains("Shadow IT"), "ISC's own words: {error}");
            assert_eq!(tracking_id.as_ref().map(String::len), Some(32));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(
        report.summary(),
        "1 of 3 changes was made; changing “Engineering Systems” failed, so 1 was not attempted."
    );
    // The tenant agrees with the report.
    let (_, after) = read(&isc, auth.as_ref()).await;
    let now = by_name(&after);
    assert_eq!(now["Business Apps"].0, "Corporate Standard");
    assert!(!now["Engineering Systems"].1.contains("Okta"));
    assert!(!now.contains_key("Finance"));
}

/// Injects one failure into the tenant just before the `nth` write (1-based).
struct FailingWrite<'a> {
    inner: IscTarget<'a>,
    sandbox: sandbox::Sandbox,
    nth: usize,
    writes: AtomicUsize,
}

impl FailingWrite<'_> {
    fn before_write(&self) {
        if self.writes.fetch_add(1, Ordering::SeqCst) + 1 == self.nth {
            self.sandbox.faults().fail_next(1, 500);
        }
    }
}

#[async_trait::async_trait]
impl Target for FailingWrite<'_> {
    async fn read_group(&self, id: &str) -> Result<Option<GroupDetail>, AppError> {
        self.inner.read_group(id).await
    }
    async fn create(&self, draft: &GroupDraft) -> Result<GroupDetail, AppError> {
        self.before_write();
        self.inner.create(draft).await
    }
    async fn update(
        &self,
        current: &GroupDetail,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        self.before_write();
        self.inner.update(current, draft).await
    }
    async fn delete(&self, current: &GroupDetail) -> Result<(), AppError> {
        self.before_write();
        self.inner.delete(current).await
    }
}

#[tokio::test]
async fn as_code_a_server_error_on_a_write_is_not_repeated_and_stops_the_apply() {
    let handle = tenant(None).await;
    let (isc, auth) = admin(&handle);
    let (snapshot, state) = read(&isc, auth.as_ref()).await;
    let mut document = document::document_of(&state, "sandbox");
    document.prune = true;
    document.groups.retain(|g| g.name != "Business Apps");
    document.groups.push(group(
        "Cloud",
        "Default Password Policy",
        &["Okta", "Salesforce", "ServiceNow"],
    ));
    let (plan, steps) = plan(&document, &state);
    assert!(plan.is_applicable(), "{plan:#?}");
    let target = FailingWrite {
        inner: IscTarget::new(&isc, auth.as_ref(), &snapshot),
        sandbox: handle.sandbox().clone(),
        nth: 2,
        writes: AtomicUsize::new(0),
    };
    let report = apply(&steps, &target).await;
    let statuses: Vec<(&str, PlanAction, &str)> = report
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.action, s.status.label()))
        .collect();
    // The delete frees Salesforce and ServiceNow before the create takes them.
    assert_eq!(
        statuses,
        [
            ("Business Apps", PlanAction::Delete, "Done"),
            ("Cloud", PlanAction::Create, "Failed"),
        ]
    );
    assert!(
        matches!(
            &report.steps[1].status,
            StepStatus::Failed {
                tracking_id: Some(_),
                ..
            }
        ),
        "{report:#?}"
    );
    let (_, after) = read(&isc, auth.as_ref()).await;
    let names: BTreeSet<String> = after.groups.iter().map(|g| g.name.clone()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["Corporate Sign-in".into(), "Engineering Systems".into()]),
        "the POST was not repeated"
    );
}

/// Runs the `server` binary with `args` and only the given ISC settings.
async fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.args(args).stdin(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("ISC_") || name.starts_with("CONSOLE_") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    tokio::task::spawn_blocking(move || command.output().expect("runs"))
        .await
        .expect("joins")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_code_cli_exit_codes() {
    let handle = tenant(None).await;
    let url = handle.base_url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("groups.json");
    let path = file.to_str().unwrap();
    let pat = [
        ("ISC_API_URL", url.as_str()),
        ("ISC_CLIENT_ID", "admin-pat"),
        ("ISC_CLIENT_SECRET", "admin-pat-secret"),
    ];
    let api_client = [
        ("ISC_API_URL", url.as_str()),
        ("ISC_CLIENT_ID", "readonly-api"),
        ("ISC_CLIENT_SECRET", "readonly-api-secret"),
        ("ISC_TENANT_NAME", "acme-sandbox"),
    ];

    let help = cli(&["help"], &[]).await;
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("changes made outside the console"));

    // An API client without a user may export and plan.
    let export = cli(&["export", path], &api_client).await;
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    assert!(stderr(&export).contains("Wrote 3 sync groups of tenant acme-sandbox"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"tenant\": \"acme-sandbox\""));
    // To standard output, exactly the document.
    let to_stdout = cli(&["export"], &api_client).await;
    assert_eq!(to_stdout.status.code(), Some(0));
    assert_eq!(stdout(&to_stdout), text);

    let unchanged = cli(&["plan", path], &api_client).await;
    assert_eq!(unchanged.status.code(), Some(0), "{}", stdout(&unchanged));
    assert!(stdout(&unchanged).contains("No changes"));

    let mut document = document::parse(text.as_bytes()).unwrap();
    document.groups.push(group(
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    ));
    std::fs::write(&file, document::to_text(&document)).unwrap();
    let changes = cli(&["plan", path], &api_client).await;
    assert_eq!(changes.status.code(), Some(2), "{}", stdout(&changes));
    let words = stdout(&changes);
    assert!(words.contains("Create     “Cloud” (groups[3])"), "{words}");
    assert!(words.contains("Users of Okta will now share their password with SAP S/4HANA."));

    // Without --yes and without a terminal to ask on: nothing is applied.
    let unasked = cli(&["apply", path], &pat).await;
    assert_eq!(unasked.status.code(), Some(1));
    assert!(stdout(&unasked).contains("Nothing was applied."));
    assert!(stderr(&unasked).contains("--yes"));
    // An API client cannot write: the step fails with ISC's refusal and why.
    let refused = cli(&["apply", path, "--yes"], &api_client).await;
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    let words = stdout(&refused);
    assert!(words.contains("Failed         create “Cloud”"), "{words}");
    assert!(words.contains(WRITES_NEED_A_USER), "{words}");
    assert!(words.contains("(ISC tracking id "), "{words}");
    let (isc, auth) = admin(&handle);
    assert_eq!(isc.list_sync_groups(auth.as_ref()).await.unwrap().len(), 3);

    // The personal access token writes.
    let applied = cli(&["apply", path, "--yes"], &pat).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stdout(&applied));
    assert!(stdout(&applied).contains("Done           create “Cloud”"));
    assert!(stdout(&applied).contains("The change was made."));
    assert_eq!(isc.list_sync_groups(auth.as_ref()).await.unwrap().len(), 4);
    let settled = cli(&["apply", path, "--yes"], &pat).await;
    assert_eq!(settled.status.code(), Some(0));
    assert!(stdout(&settled).contains("No changes"));

    // A bearer token (here the personal access token's) instead of client credentials.
    let token = auth.access_token().await.unwrap();
    named(&mut document, "Cloud").password_policy = reference("Business Applications");
    std::fs::write(&file, document::to_text(&document)).unwrap();
    let bearer = [
        ("ISC_API_URL", url.as_str()),
        ("ISC_ACCESS_TOKEN", token.as_str()),
    ];
    let applied = cli(&["apply", "--yes", path], &bearer).await;
    assert_eq!(applied.status.code(), Some(0), "{}", stdout(&applied));
    assert!(stdout(&applied).contains("Done           change “Cloud”"));

    // A document with problems: exit 1, nothing applied.
    std::fs::write(
        &file,
        "{\n  \"format\": \"sync-groups-console/v1\",\n  \"groups\": [,]\n}\n",
    )
    .unwrap();
    let broken = cli(&["apply", "--yes", path], &pat).await;
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stdout(&broken).contains("line 3, column 14: This is not valid JSON"),
        "{}",
        stdout(&broken)
    );
    assert!(stdout(&broken).contains("Nothing was applied."));
    let broken = cli(&["plan", path], &pat).await;
    assert_eq!(broken.status.code(), Some(1));
    let mut unknown = document.clone();
    named(&mut unknown, "Cloud")
        .sources
        .push(reference("Mainframe"));
    std::fs::write(&file, document::to_text(&unknown)).unwrap();
    let problem = cli(&["plan", path], &pat).await;
    assert_eq!(problem.status.code(), Some(1));
    assert!(
        stdout(&problem)
            .contains("Problem: sources[2]: There is no source called “Mainframe” in this tenant."),
        "{}",
        stdout(&problem)
    );

    // Settings and usage mistakes.
    let unset = cli(&["plan", path], &[]).await;
    assert_eq!(unset.status.code(), Some(1));
    assert!(stderr(&unset).contains("ISC_API_URL is not set"));
    let bad_secret = cli(
        &["export"],
        &[
            ("ISC_API_URL", url.as_str()),
            ("ISC_CLIENT_ID", "admin-pat"),
            ("ISC_CLIENT_SECRET", "wrong"),
        ],
    )
    .await;
    assert_eq!(bad_secret.status.code(), Some(1));
    assert!(stderr(&bad_secret).contains("ISC refused the client credentials"));
    let usage = cli(&["plan"], &pat).await;
    assert_eq!(usage.status.code(), Some(1));
    assert!(stderr(&usage).contains("plan needs the document's FILE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_code_cli_works_against_the_console_s_embedded_sandbox() {
    let env = common::embedded(&[]).await;
    let api = format!("{}/sandbox", env.base);
    let vars = [
        ("ISC_API_URL", api.as_str()),
        ("ISC_CLIENT_ID", "admin-pat"),
        ("ISC_CLIENT_SECRET", "admin-pat-secret"),
    ];
    let export = cli(&["export"], &vars).await;
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let document = document::parse(&export.stdout).expect("a document");
    // The tenant is named after ISC_API_URL's host; an address stays whole.
    assert_eq!(document.tenant.as_deref(), Some("127.0.0.1"));
    assert_eq!(document.groups.len(), 3);
}
