//! Replicas: two console processes on one PostgreSQL database (same `CONSOLE_DATABASE_URL` and
//! `CONSOLE_SECRET_KEY`) in front of one standalone sandbox tenant, driven by one browser whose
//! cookies go to either replica, as behind a load balancer. Real processes: a replica is killed
//! with SIGKILL, the database is stopped under them, bad settings stop start-up with an exit code.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;
#[path = "support/console_process.rs"]
mod console_process;
#[path = "support/postgres.rs"]
mod postgres;

use std::time::{Duration, Instant};

use app::error::AppError;
use app::model::GroupDetail;
use app::model::draft::FormOptions;
use common::Browser;
use console_process::ConsoleProcess;
use postgres::PgCluster;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::store::SecretKey;

const BUSINESS_APPS: &str = "b27e4d90-5c13-4f6a-8e2b-9d0f1a3c7e58";

/// The words of `AppError::StoreUnavailable`, which every request answers while the database
/// is away.
const UNAVAILABLE: &str = "The console is temporarily unavailable";

/// A database, a tenant and the settings every replica shares.
struct Setup {
    pg: PgCluster,
    tenant: sandbox::SandboxHandle,
    key: SecretKey,
    vars: Vec<(&'static str, String)>,
}

impl Setup {
    async fn new() -> Setup {
        let (pg, tenant) = tokio::join!(
            PgCluster::start(),
            // ISC's rate limit is not what these tests are about: many quick rounds of
            // requests would otherwise wait out a 429.
            console_process::tenant(sandbox::SandboxConfig {
                rate_limit: 100_000,
                ..sandbox::SandboxConfig::default()
            })
        );
        let key = SecretKey::generate();
        let mut vars = console_process::tenant_vars(&tenant);
        vars.push(("CONSOLE_DATABASE_URL", pg.url()));
        vars.push(("CONSOLE_SECRET_KEY", key.to_base64()));
        Setup {
            pg,
            tenant,
            key,
            vars,
        }
    }

    fn sandbox(&self) -> &sandbox::Sandbox {
        self.tenant.sandbox()
    }

    /// Two replicas, started at the same moment.
    async fn replicas(&self) -> (ConsoleProcess, ConsoleProcess) {
        tokio::join!(
            ConsoleProcess::start(&self.vars),
            ConsoleProcess::start(&self.vars)
        )
    }

    /// The tenant's sync group `id` as ISC has it (not through a console).
    async fn isc_group(&self, id: &str) -> Value {
        let root = self.tenant.base_url();
        let token = common::client_token(root, "admin-pat", "admin-pat-secret").await;
        let response = reqwest::Client::new()
            .get(format!("{root}/beta/password-sync-groups/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// The users' tokens as the replicas keep them, opened with the shared key:
    /// every access and refresh token.
    async fn stored_tokens(&self) -> Vec<String> {
        let location = server::store::Location::Postgres {
            url: server::config::Secret::new(self.pg.url()),
        };
        let db = server::store::Database::open(&location).await.unwrap();
        let table = server::store::tokens::TokenTable::new(
            db,
            server::store::Sealer::new(self.key.clone(), None),
        );
        let mut tokens = Vec::new();
        for id in table.ids().await.unwrap() {
            let stored = table.load(&id).await.unwrap().expect("live tokens");
            tokens.push(stored.tokens.access);
            tokens.extend(stored.tokens.refresh);
        }
        tokens
    }
}

/// Both replicas' output, for failure messages.
fn logs(a: &ConsoleProcess, b: &ConsoleProcess) -> String {
    format!(
        "--- replica A ---\n{}\n--- replica B ---\n{}",
        a.output(),
        b.output()
    )
}

/// A server function called as the hydrated app does (form-encoded, JSON answer).
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

async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
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

/// `needle` in the text form `psql` shows and in its hex form (as `bytea` prints it).
fn leaked_in(dump: &str, needle: &str) -> bool {
    let hex: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
    dump.contains(needle) || dump.to_lowercase().contains(&hex)
}

#[tokio::test]
async fn replicas_start_together() {
    let setup = Setup::new().await;
    let (mut a, mut b) = setup.replicas().await;

    // The schema was applied once (each migration once), by whichever replica took the
    // migration lock first.
    let applied = setup
        .pg
        .superuser_psql("SELECT version, success FROM _sqlx_migrations ORDER BY version")
        .await;
    assert_eq!(applied, "1|t\n2|t\n3|t\n4|t", "{}", logs(&a, &b));
    let tables = setup
        .pg
        .superuser_psql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        )
        .await;
    assert_eq!(
        tables,
        "_sqlx_migrations\nconsole_audit\nconsole_group_versions\nconsole_lookups\nconsole_plans\nconsole_reads\nconsole_sessions\nconsole_tokens",
        "{}",
        logs(&a, &b)
    );

    // Both serve: each sends a browser to sign in, and each can sign one in.
    for replica in [&a, &b] {
        let browser = Browser::new();
        let response = browser.get(&format!("{}/groups", replica.base())).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let signed_in = browser.sign_in(replica.base(), "admin").await;
        assert_eq!(signed_in.status(), StatusCode::FOUND);
        assert_eq!(common::location_path(&signed_in), "/");
    }
    assert!(a.is_running() && b.is_running(), "{}", logs(&a, &b));
    for replica in [&a, &b] {
        let output = replica.output();
        assert!(!output.contains("ERROR"), "{output}");
    }
}

#[tokio::test]
async fn a_session_made_on_one_replica_works_on_the_other() {
    let setup = Setup::new().await;
    let (a, b) = setup.replicas().await;
    let browser = Browser::new();
    let signed_in = browser.sign_in(a.base(), "admin").await;
    assert_eq!(signed_in.status(), StatusCode::FOUND, "{}", logs(&a, &b));

    // The page and a server function, through the replica that did not sign anyone in.
    let page = browser.get(&format!("{}/groups", b.base())).await;
    assert_eq!(page.status(), StatusCode::OK, "{}", logs(&a, &b));
    let html = page.text().await.unwrap();
    assert!(html.contains("Business Apps"), "{html}");
    let groups: Vec<Value> = ok(call(&browser, b.base(), "list_groups", &[]).await).await;
    assert!(
        groups.iter().any(|g| g["name"] == "Business Apps"),
        "{groups:?}"
    );

    // Signing out through B ends the session on A too.
    let out = browser
        .http
        .post(format!("{}/auth/logout", b.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let page = browser.get(&format!("{}/groups", a.base())).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert!(
        common::location_path(&page).starts_with("/auth/login"),
        "{}",
        common::location_path(&page)
    );
    let call_a = call(&browser, a.base(), "list_groups", &[]).await;
    assert_eq!(call_a.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        setup
            .pg
            .superuser_psql("SELECT count(*) FROM console_tokens")
            .await,
        "0",
        "the admin's tokens are gone with the session"
    );
}

#[tokio::test]
async fn a_replica_killed_mid_flow_loses_nothing() {
    let setup = Setup::new().await;
    let (mut a, b) = setup.replicas().await;
    let browser = Browser::new();
    browser.sign_in(a.base(), "admin").await;

    // The edit form and its review, on A.
    let options: FormOptions = ok(call(
        &browser,
        a.base(),
        "form_options",
        &[("editing", BUSINESS_APPS)],
    )
    .await)
    .await;
    let opened = options.editing.clone().expect("the group being edited");
    let sources: Vec<String> = ["ServiceNow", "SAP S/4HANA", "Okta"]
        .iter()
        .map(|s| source_id(&options, s))
        .collect();
    let draft = json!({
        "name": "Business applications",
        "policy_id": policy_id(&options, "Default Password Policy"),
        "source_ids": sources,
    });
    let review = browser
        .http
        .post(format!("{}/api/review_change", a.base()))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(json!({ "editing": BUSINESS_APPS, "draft": draft }).to_string())
        .send()
        .await
        .unwrap();
    let review: Value = ok(review).await;
    assert_eq!(
        review["errors"],
        json!({"name": null, "policy": null, "sources": null})
    );

    // A dies (no shutdown, no clean-up); the load balancer sends the save to B.
    a.kill();
    let version = opened.version();
    let mut fields = vec![
        ("id", BUSINESS_APPS.to_string()),
        ("opened_version", version),
        ("name", "Business applications".to_string()),
        ("policy_id", policy_id(&options, "Default Password Policy")),
    ];
    for source in ["ServiceNow", "SAP S/4HANA", "Okta"] {
        fields.push(("source_ids[]", source_id(&options, source)));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved: GroupDetail = ok(call(&browser, b.base(), "save_group", &fields).await).await;
    assert_eq!(saved.id, BUSINESS_APPS);
    assert_eq!(saved.name, "Business applications");

    let stored = setup.isc_group(BUSINESS_APPS).await;
    assert_eq!(stored["name"], "Business applications", "{stored}");
    assert_eq!(stored["sourceIds"].as_array().map(Vec::len), Some(3));
    // B recorded the change: its intent and its outcome.
    assert_eq!(
        setup
            .pg
            .superuser_psql(
                "SELECT entry, action, coalesce(outcome, '-') FROM console_audit ORDER BY id"
            )
            .await,
        "intent|update|-\noutcome|update|done",
        "{}",
        b.output()
    );
}

/// Many rounds: the access token expires at ISC, then 8 requests of one session, split across
/// both replicas, all need a fresh one at once. ISC must see one refresh per round: with
/// rotation, a second refresh spends a used refresh token and signs the user out.
///
/// What it catches (in about one round in ten, so 40 rounds catch it nearly always): a replica
/// that reads the token row, then takes the refresh lease without reading the row again, while
/// the other replica's refresh is stored (and its lease ended) between the two, refreshes a
/// second time with the refresh token it read, which ISC has already rotated away.
#[tokio::test]
async fn one_refresh_for_concurrent_requests_on_both_replicas() {
    // The calls are `form_options`: it reads ISC with the admin's own token every time (lists
    // come from each replica's shared cache and would not reach ISC).
    let setup = Setup::new().await;
    // Rotation on: a second refresh with the same refresh token would be refused (and sign the
    // user out), so it shows.
    setup.sandbox().set_rotate_refresh_tokens(true);
    let (a, b) = setup.replicas().await;
    let browser = Browser::new();
    browser.sign_in(a.base(), "admin").await;
    for replica in [&a, &b] {
        let _: Value = ok(call(&browser, replica.base(), "form_options", &[]).await).await;
    }
    // Each ISC answer takes a moment, so every request has its 401 before the refresh is done.
    setup
        .sandbox()
        .faults()
        .set_latency(Duration::from_millis(50));

    for round in 1..=ROUNDS {
        setup.sandbox().reset_stats();
        setup.sandbox().faults().expire_all_tokens();
        let calls = (0..8).map(|i| {
            let browser = browser.clone();
            let base = if i % 2 == 0 { a.base() } else { b.base() }.to_string();
            async move {
                let response = call(&browser, &base, "form_options", &[]).await;
                let status = response.status();
                (base, status, response.text().await.unwrap())
            }
        });
        let answers = futures_join_all(calls).await;
        let refresh = setup.sandbox().stats().token_requests.refresh_token;
        let statuses: Vec<u16> = answers.iter().map(|(_, s, _)| s.as_u16()).collect();
        assert_eq!(
            (refresh.ok, refresh.refused),
            (1, 0),
            "round {round}: one refresh at ISC for all 8 requests (ok, refused); the requests \
             answered {statuses:?}\n{}",
            logs(&a, &b)
        );
        for (base, status, body) in &answers {
            assert_eq!(
                *status,
                StatusCode::OK,
                "round {round}, {base}: {body}\n{}",
                logs(&a, &b)
            );
        }
    }
}

/// Rounds of [`one_refresh_for_concurrent_requests_on_both_replicas`].
const ROUNDS: u32 = 40;

/// `join_all` without another dependency: every future runs concurrently on the test's runtime.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

#[tokio::test]
async fn no_token_at_rest_in_postgres() {
    let setup = Setup::new().await;
    let (a, b) = setup.replicas().await;
    let admin = Browser::new();
    admin.sign_in(a.base(), "admin").await;
    let helpdesk = Browser::new();
    helpdesk.sign_in(b.base(), "helpdesk").await;
    let _: Vec<Value> = ok(call(&helpdesk, a.base(), "list_groups", &[]).await).await;
    let mut tokens = setup.stored_tokens().await;
    assert_eq!(tokens.len(), 4, "two users' access and refresh tokens");

    // A refresh writes new tokens.
    setup.sandbox().faults().expire_all_tokens();
    let _: Vec<Value> = ok(call(&admin, b.base(), "list_groups", &[]).await).await;
    assert_eq!(setup.sandbox().stats().token_requests.refresh_token.ok, 1);
    let now = setup.stored_tokens().await;
    assert!(
        now.iter().any(|t| !tokens.contains(t)),
        "the refresh stored new tokens"
    );
    tokens.extend(now);

    let mut secrets: Vec<(String, String)> = tokens
        .into_iter()
        .map(|t| ("an ISC token".to_string(), t))
        .collect();
    for (who, browser) in [("admin", &admin), ("helpdesk", &helpdesk)] {
        let cookie = browser
            .cookie(a.base(), server::auth::SESSION_COOKIE)
            .expect("a session cookie");
        secrets.push((format!("{who}'s session cookie"), cookie));
    }
    for secret in ["console-secret", "readonly-api-secret"] {
        secrets.push(("a client secret".to_string(), secret.to_string()));
    }
    secrets.push(("the sealing key".to_string(), setup.key.to_base64()));

    // Every table of the console's database, as a read-only SQL role or a backup would see it.
    let tables = setup
        .pg
        .superuser_psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        .await;
    let mut dump = String::new();
    for table in tables.lines() {
        dump.push_str(
            &setup
                .pg
                .superuser_psql(&format!("SELECT * FROM {table}"))
                .await,
        );
        dump.push('\n');
    }
    assert!(
        dump.contains("\\x"),
        "the sealed tokens are in the dump: {dump}"
    );
    for (what, secret) in &secrets {
        assert!(!secret.is_empty());
        assert!(
            !leaked_in(&dump, secret),
            "{what} is in the database:\n{dump}"
        );
    }
}

#[tokio::test]
async fn the_database_going_away_answers_503_and_recovers() {
    let setup = Setup::new().await;
    let (mut a, mut b) = setup.replicas().await;
    let browser = Browser::new();
    browser.sign_in(a.base(), "admin").await;
    let page = browser.get(&format!("{}/groups", b.base())).await;
    assert_eq!(page.status(), StatusCode::OK);

    setup.pg.stop().await;
    let started = Instant::now();
    let page = browser.get(&format!("{}/groups", a.base())).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = page.text().await.unwrap();
    assert!(body.contains(UNAVAILABLE), "{body}");
    assert!(
        body.contains(&AppError::StoreUnavailable.to_string()),
        "{body}"
    );
    let answer = call(&browser, b.base(), "list_groups", &[]).await;
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = answer.text().await.unwrap();
    assert!(body.contains(UNAVAILABLE), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "answered within the pool's acquire timeout, not hung: {:?}",
        started.elapsed()
    );
    assert!(a.is_running() && b.is_running(), "{}", logs(&a, &b));

    setup.pg.start_again().await;
    for replica in [&a, &b] {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let page = browser.get(&format!("{}/groups", replica.base())).await;
            let status = page.status();
            if status == StatusCode::OK {
                break;
            }
            // Never sent to sign in again: the session survived the outage.
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{}", logs(&a, &b));
            assert!(
                Instant::now() < deadline,
                "{} did not recover:\n{}",
                replica.base(),
                logs(&a, &b)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let _: Vec<Value> = ok(call(&browser, replica.base(), "list_groups", &[]).await).await;
    }
    for replica in [&a, &b] {
        let output = replica.output();
        assert!(!output.contains("panicked"), "{output}");
    }
}

/// Starts a console with `vars` that must fail: within 15 s, non-zero, and stderr names the
/// setting to fix. Returns stderr.
async fn refused(vars: &[(&str, String)], setting: &str) -> String {
    let started = Instant::now();
    let (status, stderr) = match ConsoleProcess::try_start(vars).await {
        Ok(console) => panic!("started anyway:\n{}", console.output()),
        Err(failed) => failed,
    };
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?} to give up:\n{stderr}",
        started.elapsed()
    );
    assert!(!status.success(), "{status}: {stderr}");
    assert!(stderr.contains(setting), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[tokio::test]
async fn bad_database_settings_stop_start_up_naming_the_variable() {
    let pg = PgCluster::start().await;
    let key = ("CONSOLE_SECRET_KEY", SecretKey::generate().to_base64());
    let with_url = |url: String| vec![("CONSOLE_DATABASE_URL", url), key.clone()];

    let stderr = refused(
        &with_url(pg.url_with_password("not-the-password")),
        "CONSOLE_DATABASE_URL",
    )
    .await;
    assert!(stderr.contains("cannot start:"), "{stderr}");
    assert!(
        stderr.contains("refused the user name or password"),
        "{stderr}"
    );
    assert!(!stderr.contains(pg.password()), "{stderr}");

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let stderr = refused(
        &with_url(format!(
            "postgres://console:{}@127.0.0.1:{closed}/console",
            pg.password()
        )),
        "CONSOLE_DATABASE_URL",
    )
    .await;
    assert!(
        stderr.contains("cannot reach the database server"),
        "{stderr}"
    );
    assert!(!stderr.contains(pg.password()), "{stderr}");

    let missing = format!(
        "{}/nowhere",
        pg.url()
            .strip_suffix("/console")
            .expect("the database's name last")
    );
    let stderr = refused(&with_url(missing), "CONSOLE_DATABASE_URL").await;
    assert!(stderr.contains("does not exist"), "{stderr}");

    // A role that may connect but not create tables (the schema belongs to the owner).
    let fresh = pg.create_database("fresh").await;
    pg.superuser_psql_in(
        "fresh",
        "CREATE ROLE reader LOGIN PASSWORD 'reader-password';
         GRANT CONNECT ON DATABASE fresh TO reader;
         REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
    )
    .await;
    let reader = fresh.replacen(
        &format!("console:{}", pg.password()),
        "reader:reader-password",
        1,
    );
    let stderr = refused(&with_url(reader), "CONSOLE_DATABASE_URL").await;
    assert!(stderr.contains("may not create tables"), "{stderr}");

    let (status, stderr) = ConsoleProcess::try_start(&[("CONSOLE_DATABASE_URL", pg.url())])
        .await
        .err()
        .expect("refused without a key");
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("configuration error: CONSOLE_SECRET_KEY"),
        "{stderr}"
    );
    assert!(stderr.contains("CONSOLE_DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains(pg.password()), "{stderr}");
}

/// A replica killed after taking a session's refresh lease, before ISC answered its refresh:
/// the other replica waits for the lease to end (a refresh's longest call, 4 s here), then
/// refreshes itself. The user waits a few seconds once and stays signed in.
#[tokio::test]
async fn a_replica_killed_while_refreshing_delays_the_other_by_at_most_the_lease() {
    let setup = Setup::new().await;
    let mut vars = setup.vars.clone();
    vars.push(("ISC_CONNECT_TIMEOUT_SECS", "1".to_string()));
    vars.push(("ISC_TIMEOUT_SECS", "3".to_string()));
    let (mut a, b) = tokio::join!(ConsoleProcess::start(&vars), ConsoleProcess::start(&vars));
    let browser = Browser::new();
    browser.sign_in(a.base(), "admin").await;
    let _: Value = ok(call(&browser, b.base(), "form_options", &[]).await).await;

    // ISC is slow: A's refresh is still on its way when A dies.
    setup.sandbox().reset_stats();
    setup
        .sandbox()
        .faults()
        .set_latency(Duration::from_millis(1500));
    setup.sandbox().faults().expire_all_tokens();
    let on_a = {
        let (http, url) = (
            browser.http.clone(),
            format!("{}/api/form_options", a.base()),
        );
        tokio::spawn(async move { http.post(url).form(&[("", "")]).send().await })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let leased = "SELECT count(*) FROM console_tokens WHERE refreshing_until IS NOT NULL";
    while setup.pg.superuser_psql(leased).await != "1" {
        assert!(
            Instant::now() < deadline,
            "A never took the lease\n{}",
            a.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.kill();
    assert!(
        on_a.await.unwrap().is_err(),
        "A answered after it was killed"
    );
    setup.sandbox().faults().set_latency(Duration::ZERO);

    let started = Instant::now();
    let options: Value = ok(call(&browser, b.base(), "form_options", &[]).await).await;
    let waited = started.elapsed();
    assert_eq!(options["groups"].as_array().map(Vec::len), Some(3));
    assert!(
        waited < Duration::from_secs(8),
        "waited {waited:?} for a lease of 4 s\n{}",
        b.output()
    );
    let refresh = setup.sandbox().stats().token_requests.refresh_token;
    assert_eq!(
        (refresh.ok, refresh.refused),
        (1, 0),
        "B's refresh, the only one that reached ISC\n{}",
        b.output()
    );
    assert_eq!(
        setup.pg.superuser_psql(leased).await,
        "0",
        "the lease ended"
    );
    let page = browser.get(&format!("{}/groups", b.base())).await;
    assert_eq!(page.status(), StatusCode::OK, "still signed in");
}
