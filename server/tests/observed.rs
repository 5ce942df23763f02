//! Changes made outside the console, noticed when it reads groups (`Audit::observe_list`,
//! `Audit::observe_group`), on both databases the console runs on: SQLite in a temporary data
//! directory, and a throwaway PostgreSQL cluster (the same scenarios, each in its own
//! database). The first complete list is a silent baseline; changes, creates and deletes made
//! outside are recorded once (also when two replicas notice them at the same moment), with the
//! difference from the version known; the console's own changes never are, also when a read
//! races with them; and the record stays append-only.

#![expect(clippy::expect_used, reason = "test helpers outside #[test] functions")]

#[path = "support/postgres.rs"]
mod postgres;

use std::path::Path;
use std::sync::Arc;

use app::caller::{Admin, Caller, Credential, CredentialError};
use app::error::AppError;
use app::model::history::{HistoryAction, HistoryFilter, HistoryOrigin, HistoryOutcome};
use app::model::history::{HistoryEntry, HistoryPage};
use app::model::{Connection, GroupDetail, PolicyInfo, Role, SourceInfo, Viewer};
use postgres::PgCluster;
use server::audit::{self, Audit};
use server::store::audit::{Action, AuditTable};
use server::store::{Database, Dialect, Location};
use tempfile::TempDir;

// --- Databases ---

fn sqlite_location(dir: &TempDir) -> Location {
    Location::Sqlite {
        data_dir: dir.path().join("data"),
    }
}

async fn sqlite() -> (TempDir, Database) {
    let dir = tempfile::tempdir().expect("a temporary data directory");
    let db = Database::open(&sqlite_location(&dir))
        .await
        .expect("open SQLite");
    (dir, db)
}

/// A database of its own on the cluster, opened twice: two replicas.
async fn postgres_replicas(pg: &PgCluster, name: &str) -> (Database, Database) {
    let location = Location::Postgres {
        url: server::config::Secret::new(pg.create_database(name).await),
    };
    let a = Database::open(&location).await.expect("open PostgreSQL");
    let b = Database::open(&location).await.expect("open PostgreSQL");
    assert_eq!(a.dialect(), Dialect::Postgres);
    (a, b)
}

fn audit(db: &Database) -> Audit {
    Audit::new(AuditTable::new(db.clone()))
}

/// As if everything the console knows had become known an hour ago: a complete list no longer
/// counts as possibly read before it (the console waits a minute before it concludes from a
/// list that a group it just learnt of went).
async fn age(db: &Database) {
    sqlx::query("UPDATE console_group_versions SET known_since = known_since - 3600")
        .execute(db.pool())
        .await
        .expect("age the known versions");
}

// --- Groups ---

fn source(id: &str, name: &str) -> SourceInfo {
    SourceInfo {
        id: id.into(),
        name: Some(name.into()),
        source_type: Some("Active Directory - Direct".into()),
        connector: Some("Active Directory".into()),
        connection: Connection::Direct,
        password_feature: true,
        healthy: Some(true),
        status: None,
    }
}

fn policy(id: &str, name: &str) -> PolicyInfo {
    PolicyInfo {
        id: id.into(),
        name: Some(name.into()),
        description: None,
        rules: None,
    }
}

fn group(id: &str, name: &str, sources: &[(&str, &str)], modified: &str) -> GroupDetail {
    GroupDetail {
        id: id.into(),
        name: name.into(),
        policy: policy("p-std", "Corporate Standard"),
        sources: sources.iter().map(|(id, name)| source(id, name)).collect(),
        created: Some("2025-01-01T00:00:00Z".into()),
        modified: Some(modified.into()),
    }
}

const T0: &str = "2026-01-01T09:00:00Z";
const T1: &str = "2026-01-01T10:00:00Z";
const T2: &str = "2026-01-01T11:00:00Z";

fn corporate() -> GroupDetail {
    group(
        "g-corp",
        "Corporate Sign-in",
        &[("ad", "Corporate AD"), ("entra", "Entra ID")],
        T0,
    )
}

fn engineering() -> GroupDetail {
    group("g-eng", "Engineering", &[("gh", "GitHub Enterprise")], T0)
}

fn business() -> GroupDetail {
    group("g-biz", "Business Apps", &[("sap", "SAP S/4HANA")], T0)
}

// --- Reading the record ---

async fn history(db: &Database, group: Option<&str>, who: Option<&str>) -> HistoryPage {
    AuditTable::new(db.clone())
        .history(&HistoryFilter {
            group_id: group.map(str::to_string),
            who: who.map(str::to_string),
            ..HistoryFilter::default()
        })
        .await
        .expect("read the history")
}

async fn entries(db: &Database) -> Vec<HistoryEntry> {
    history(db, None, None).await.entries
}

fn outside(entries: &[HistoryEntry]) -> Vec<&HistoryEntry> {
    entries
        .iter()
        .filter(|e| e.origin == HistoryOrigin::Outside)
        .collect()
}

async fn audit_rows(db: &Database) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM console_audit")
        .fetch_one(db.pool())
        .await
        .expect("count the record")
}

// --- An administrator ---

struct NoToken;

#[async_trait::async_trait]
impl Credential for NoToken {
    async fn access_token(&self) -> Result<String, CredentialError> {
        Err(CredentialError::SignedOut)
    }
    async fn renew(&self, _rejected: &str) -> Result<String, CredentialError> {
        Err(CredentialError::SignedOut)
    }
    fn client_id(&self) -> &str {
        "test"
    }
}

fn admin() -> Admin {
    Caller::Admin {
        viewer: Viewer {
            user_name: "alex.admin".into(),
            display_name: "Alex Admin".into(),
            role: Role::Admin,
            identity_id: Some("2c9180857182305e0171993735622948".into()),
        },
        own_token: Arc::new(NoToken),
        request_id: "0123456789abcdef0123456789abcdef".into(),
    }
    .admin()
    .expect("an administrator")
}

fn draft_of(group: &GroupDetail) -> serde_json::Value {
    serde_json::json!({
        "name": group.name,
        "passwordPolicyId": group.policy.id,
        "sourceIds": group.sources.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
    })
}

/// What `backend.rs` records for a done create or update.
fn done(group: &GroupDetail) -> (Option<String>, serde_json::Value) {
    (Some(group.id.clone()), audit::group(group))
}

// --- Scenarios, run on each database ---

async fn the_first_list_is_a_silent_baseline_then_outside_changes_are_recorded(db: Database) {
    let audit = audit(&db);
    let empty = history(&db, None, None).await;
    assert_eq!(empty.checked_at, None, "nothing read yet");
    assert!(empty.as_of > 0);

    // A group read on its own before any list: known, not "created outside".
    audit.observe_group("g-corp", Some(&corporate())).await;
    let start = server::store::now();
    audit
        .observe_list(&[corporate(), engineering(), business()])
        .await;
    assert_eq!(audit_rows(&db).await, 0, "the baseline is silent");
    let page = history(&db, None, None).await;
    let checked = page.checked_at.expect("the list was read");
    assert!(checked >= start, "{page:?}");
    assert!(
        page.reads_note(false)
            .contains("it last read the list of groups at")
    );
    // The same list again: nothing.
    audit
        .observe_list(&[corporate(), engineering(), business()])
        .await;
    assert_eq!(audit_rows(&db).await, 0);
    age(&db).await;

    // Changed outside: renamed and a source removed, at a newer `modified`.
    let mut changed = corporate();
    changed.name = "Corporate Sign-in (outside)".into();
    changed.sources.pop();
    changed.modified = Some(T1.into());
    // Created outside.
    let created = group(
        "g-new",
        "Made in ISC",
        &[("okta", "Okta"), ("sap2", "SAP Ariba")],
        T1,
    );
    // Deleted outside: Business Apps is missing.
    audit
        .observe_list(&[changed.clone(), engineering(), created.clone()])
        .await;
    let all = entries(&db).await;
    let found = outside(&all);
    assert_eq!(found.len(), 3, "{all:#?}");
    for entry in &found {
        assert_eq!(entry.outcome, HistoryOutcome::Done);
        assert_eq!(
            entry.actor_name, "",
            "ISC does not say who: none is invented"
        );
        assert!(entry.at >= start && entry.at <= server::store::now());
    }
    let by_group = |id: &str| {
        found
            .iter()
            .find(|e| e.group_id.as_deref() == Some(id))
            .copied()
            .expect("an entry for the group")
    };
    let update = by_group("g-corp");
    assert_eq!(update.action, HistoryAction::Updated);
    assert_eq!(update.headline(), "Changed outside the console");
    assert_eq!(update.group_name, "Corporate Sign-in (outside)");
    assert_eq!(
        update.lines,
        [
            "Name: Corporate Sign-in → Corporate Sign-in (outside)",
            "Sources removed: Entra ID"
        ]
    );
    let create = by_group("g-new");
    assert_eq!(create.action, HistoryAction::Created);
    assert_eq!(create.headline(), "Created outside the console");
    assert_eq!(
        create.lines,
        [
            "Name: Made in ISC",
            "Policy: Corporate Standard",
            "Sources: Okta and SAP Ariba"
        ]
    );
    let delete = by_group("g-biz");
    assert_eq!(delete.action, HistoryAction::Deleted);
    assert_eq!(delete.headline(), "Deleted outside the console");
    assert_eq!(delete.group_name, "Business Apps");
    assert_eq!(
        delete.lines,
        [
            "Deleted with the policy Corporate Standard",
            "SAP S/4HANA stopped sharing a password; each kept the policy directly"
        ]
    );

    // Read again, and read stale (an older `modified` than the one known): nothing new.
    audit
        .observe_list(&[changed.clone(), engineering(), created.clone()])
        .await;
    audit
        .observe_list(&[corporate(), engineering(), created.clone()])
        .await;
    audit.observe_group("g-corp", Some(&corporate())).await;
    audit.observe_group("g-biz", None).await;
    assert_eq!(outside(&entries(&db).await).len(), 3);

    // One group read on its own: a change, then ISC's 404.
    let mut moved = engineering();
    moved.policy = policy("p-priv", "Privileged Engineering");
    moved.modified = Some(T2.into());
    audit.observe_group("g-eng", Some(&moved)).await;
    audit.observe_group("g-eng", None).await;
    let eng = history(&db, Some("g-eng"), None).await;
    let eng_actions: Vec<(HistoryAction, HistoryOrigin)> =
        eng.entries.iter().map(|e| (e.action, e.origin)).collect();
    assert_eq!(
        eng_actions,
        [
            (HistoryAction::Deleted, HistoryOrigin::Outside),
            (HistoryAction::Updated, HistoryOrigin::Outside)
        ]
    );
    assert_eq!(
        eng.entries[1].lines,
        ["Policy: Corporate Standard → Privileged Engineering"]
    );
    assert!(eng.checked_at.expect("read") >= checked);
    assert!(eng.reads_note(true).contains("it last read this group at"));

    // A deleted group keeps its history; "outside" finds outside changes, a name does not.
    let biz = history(&db, Some("g-biz"), None).await;
    assert_eq!(biz.entries.len(), 1);
    assert_eq!(history(&db, None, Some("outside")).await.entries.len(), 5);
    assert_eq!(history(&db, None, Some(" OUT ")).await.entries.len(), 5);
    assert!(history(&db, None, Some("alex")).await.entries.is_empty());
    let corp_outside = history(&db, Some("g-corp"), Some("outside")).await;
    assert_eq!(corp_outside.entries.len(), 1);
    let future = AuditTable::new(db.clone())
        .history(&HistoryFilter {
            from: Some(server::store::now() + 86_400),
            ..HistoryFilter::default()
        })
        .await
        .expect("history");
    assert!(future.entries.is_empty());
}

async fn two_replicas_record_one_change_once(a: Database, b: Database) {
    let (one, two) = (audit(&a), audit(&b));
    let groups = [corporate(), engineering(), business()];
    tokio::join!(one.observe_list(&groups), two.observe_list(&groups));
    assert_eq!(audit_rows(&a).await, 0, "the baseline is silent on both");
    age(&a).await;

    // Rounds of changes both notice at the same moment.
    let mut current = corporate();
    for round in 0..8 {
        current.name = format!("Corporate Sign-in {round}");
        current.modified = Some(format!("2026-01-02T10:00:{round:02}Z"));
        let list = [current.clone(), engineering(), business()];
        if round % 2 == 0 {
            tokio::join!(one.observe_list(&list), two.observe_list(&list));
        } else {
            tokio::join!(
                one.observe_group("g-corp", Some(&current)),
                two.observe_list(&list)
            );
        }
        let found = outside(&entries(&b).await).len();
        assert_eq!(found, round + 1, "round {round}: recorded once");
    }
    // A create and a delete noticed by both.
    let made = group("g-made", "Made twice?", &[("okta", "Okta")], T1);
    let list = [current.clone(), engineering(), business(), made];
    tokio::join!(one.observe_list(&list), two.observe_list(&list));
    tokio::join!(
        one.observe_group("g-biz", None),
        two.observe_group("g-biz", None)
    );
    let all = entries(&a).await;
    let actions: Vec<HistoryAction> = outside(&all).iter().map(|e| e.action).collect();
    assert_eq!(actions.len(), 10, "{all:#?}");
    assert_eq!(
        actions[..2],
        [HistoryAction::Deleted, HistoryAction::Created],
        "{all:#?}"
    );
}

async fn the_consoles_own_changes_are_not_outside_changes(db: Database) {
    let audit = audit(&db);
    let admin = admin();
    audit
        .observe_list(&[corporate(), engineering(), business()])
        .await;
    age(&db).await;

    // An update: the read sees ISC's new version before the outcome is recorded (a racing
    // read), then after; and a stale read of the old version after it.
    let before = corporate();
    let mut after = before.clone();
    after.name = "Corporate Sign-in 2".into();
    after.modified = Some(T1.into());
    let pending = audit
        .intent(
            &admin,
            Action::Update,
            Some(&before.id),
            &before.name,
            Some(audit::group(&before)),
            Some(draft_of(&after)),
        )
        .await
        .expect("intent");
    audit
        .observe_list(&[after.clone(), engineering(), business()])
        .await;
    audit.observe_group(&after.id, Some(&after)).await;
    // ISC's answer to the write may differ from a later read in `modified` alone.
    let mut answered = after.clone();
    answered.modified = Some("2026-01-01T10:00:00.000Z".into());
    audit
        .outcome(pending, &Ok::<_, AppError>(answered.clone()), done)
        .await;
    let known = audit
        .versions()
        .one(&after.id)
        .await
        .expect("read the known version")
        .expect("a known version");
    assert_eq!(
        known.version,
        answered.version(),
        "the outcome is the known version"
    );
    audit
        .observe_list(&[before.clone(), engineering(), business()])
        .await;
    audit
        .observe_list(&[after.clone(), engineering(), business()])
        .await;

    // A create: listed before its outcome, then not yet listed after it.
    let made = group("g-made", "Made here", &[("okta", "Okta")], T1);
    let pending = audit
        .intent(
            &admin,
            Action::Create,
            None,
            &made.name,
            None,
            Some(draft_of(&made)),
        )
        .await
        .expect("intent");
    audit
        .observe_list(&[after.clone(), engineering(), business(), made.clone()])
        .await;
    audit
        .outcome(pending, &Ok::<_, AppError>(made.clone()), done)
        .await;
    age(&db).await;
    audit
        .observe_list(&[after.clone(), engineering(), business()])
        .await;
    audit.observe_group(&made.id, None).await;

    // A delete: gone before its outcome is recorded (list and single read), then a stale list
    // that still holds it.
    let gone = business();
    let pending = audit
        .intent(
            &admin,
            Action::Delete,
            Some(&gone.id),
            &gone.name,
            Some(audit::group(&gone)),
            None,
        )
        .await
        .expect("intent");
    audit
        .observe_list(&[after.clone(), engineering(), made.clone()])
        .await;
    audit.observe_group(&gone.id, None).await;
    audit
        .outcome(pending, &Ok::<_, AppError>(gone.clone()), |g| {
            (Some(g.id.clone()), serde_json::Value::Null)
        })
        .await;
    audit
        .observe_list(&[after.clone(), engineering(), made.clone(), gone.clone()])
        .await;
    audit
        .observe_list(&[after.clone(), engineering(), made.clone()])
        .await;

    // A failed write changes nothing known.
    let pending = audit
        .intent(
            &admin,
            Action::Update,
            Some("g-eng"),
            "Engineering",
            Some(audit::group(&engineering())),
            Some(serde_json::json!({"name": "Refused", "passwordPolicyId": "p-std", "sourceIds": []})),
        )
        .await
        .expect("intent");
    audit
        .outcome(
            pending,
            &Err::<GroupDetail, _>(AppError::StoreUnavailable),
            done,
        )
        .await;

    let all = entries(&db).await;
    assert!(outside(&all).is_empty(), "{all:#?}");
    let console: Vec<(HistoryAction, &HistoryOutcome)> =
        all.iter().map(|e| (e.action, &e.outcome)).collect();
    assert_eq!(console.len(), 4, "{all:#?}");
    assert!(all.iter().all(|e| e.actor_name == "Alex Admin"));

    // Meanwhile outside: still noticed.
    let mut renamed = engineering();
    renamed.name = "Engineering (outside)".into();
    renamed.modified = Some(T2.into());
    audit
        .observe_list(&[after.clone(), renamed, made.clone()])
        .await;
    let all = entries(&db).await;
    let found = outside(&all);
    assert_eq!(found.len(), 1, "{all:#?}");
    assert_eq!(
        found[0].lines,
        ["Name: Engineering → Engineering (outside)"]
    );
}

async fn the_record_stays_append_only(db: Database) {
    let audit = audit(&db);
    audit.observe_list(&[corporate(), business()]).await;
    age(&db).await;
    let mut changed = corporate();
    changed.name = "Changed".into();
    changed.modified = Some(T1.into());
    audit.observe_list(&[changed]).await;
    let before = entries(&db).await;
    assert_eq!(outside(&before).len(), 2, "{before:#?}");

    let mut statements = vec![
        "UPDATE console_audit SET group_name = 'Nothing happened'",
        "UPDATE console_audit SET entry = 'intent', actor_name = 'Someone' WHERE entry = 'observed'",
        "DELETE FROM console_audit",
        "DELETE FROM console_audit WHERE entry = 'observed'",
    ];
    if db.dialect() == Dialect::Postgres {
        statements.push("TRUNCATE console_audit");
    }
    for statement in statements {
        let refused = sqlx::query(statement)
            .execute(db.pool())
            .await
            .expect_err(statement);
        assert!(
            refused.to_string().contains("append-only"),
            "{statement}: {refused}"
        );
    }
    assert_eq!(entries(&db).await, before, "unchanged");
}

// --- SQLite ---

#[tokio::test]
async fn sqlite_the_first_list_is_a_silent_baseline_then_outside_changes_are_recorded() {
    let (_dir, db) = sqlite().await;
    the_first_list_is_a_silent_baseline_then_outside_changes_are_recorded(db).await;
}

#[tokio::test]
async fn sqlite_two_replicas_record_one_change_once() {
    let (dir, a) = sqlite().await;
    let b = Database::open(&sqlite_location(&dir))
        .await
        .expect("open SQLite again");
    two_replicas_record_one_change_once(a, b).await;
}

#[tokio::test]
async fn sqlite_the_consoles_own_changes_are_not_outside_changes() {
    let (_dir, db) = sqlite().await;
    the_consoles_own_changes_are_not_outside_changes(db).await;
}

#[tokio::test]
async fn sqlite_the_record_stays_append_only() {
    let (_dir, db) = sqlite().await;
    the_record_stays_append_only(db).await;
}

/// A replica of the previous version (migrations 0001 and 0002 only) starts on the newer
/// schema and keeps reading the record, which now holds outside changes it does not know.
#[tokio::test]
async fn sqlite_an_older_replica_keeps_working_on_the_newer_schema() {
    let (dir, db) = sqlite().await;
    let audit = audit(&db);
    audit.observe_list(&[corporate()]).await;
    audit.observe_group("g-corp", None).await;
    assert_eq!(audit_rows(&db).await, 1);

    let old = tempfile::tempdir().expect("a directory for the old migrations");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for name in ["0001_console.sql", "0002_lookups.sql"] {
        std::fs::copy(source.join(name), old.path().join(name)).expect("copy a migration");
    }
    let mut migrator = sqlx::migrate::Migrator::new(old.path())
        .await
        .expect("the old migrations");
    migrator.set_ignore_missing(true);
    migrator
        .run(db.pool())
        .await
        .expect("the old replica starts");
    // The old replica's history query: intents only.
    let intents: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM console_audit WHERE entry = 'intent'")
            .fetch_one(db.pool())
            .await
            .expect("query");
    assert_eq!(intents, 0);
    drop(dir);
}

// --- PostgreSQL (a throwaway cluster; one database per scenario) ---

#[tokio::test]
async fn postgres_notices_outside_changes_the_same_way() {
    let pg = PgCluster::start().await;
    let (db, _) = postgres_replicas(&pg, "baseline").await;
    the_first_list_is_a_silent_baseline_then_outside_changes_are_recorded(db).await;
    let (a, b) = postgres_replicas(&pg, "replicas").await;
    two_replicas_record_one_change_once(a, b).await;
    let (db, _) = postgres_replicas(&pg, "own_changes").await;
    the_consoles_own_changes_are_not_outside_changes(db).await;
    let (db, _) = postgres_replicas(&pg, "append_only").await;
    the_record_stays_append_only(db).await;
    // The schema: the audit record's triggers as they were, the new tables and indexes.
    let triggers = pg
        .superuser_psql_in(
            "append_only",
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'console_audit'::regclass \
             AND NOT tgisinternal ORDER BY tgname",
        )
        .await;
    assert_eq!(
        triggers,
        "console_audit_no_change\nconsole_audit_no_truncate"
    );
    let tables = pg
        .superuser_psql_in(
            "append_only",
            "SELECT tablename FROM pg_tables WHERE tablename IN \
             ('console_group_versions', 'console_reads') ORDER BY tablename",
        )
        .await;
    assert_eq!(tables, "console_group_versions\nconsole_reads");
}
