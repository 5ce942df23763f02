//! The console's own state on the zero-configuration default (SQLite in `CONSOLE_DATA_DIR`), as
//! an operator or a user meets it: tokens unusable in a copy of the data directory, owner-only
//! files, key rotation, a sign-in flood that leaves no trace, the sign-in limit's page, and users
//! losing the console when their ISC user level goes.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions"
)]

mod common;
#[path = "support/console_process.rs"]
mod console_process;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::api::ConsoleContext;
use app::model::{Role, SessionState};
use common::{Browser, as_refs, location_path, remote_vars};
use console_process::ConsoleProcess;
use reqwest::StatusCode;
use server::sign_in_limit::SignInLimit;
use server::store::{Database, Location, Sealer, SecretKey};

const SESSION: &str = "sgc_session";
const TABLES: [&str; 3] = ["console_sessions", "console_tokens", "console_audit"];

async fn context(browser: &Browser, base: &str) -> ConsoleContext {
    let response = browser.api(base, "console_context").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("context")
}

async fn list_groups(browser: &Browser, base: &str) -> StatusCode {
    browser.api(base, "list_groups").await.status()
}

/// A call that reads ISC with the caller's credential now (lists come from the shared cache):
/// one group of the demo org, read again.
async fn reads_isc_now(browser: &Browser, base: &str) -> StatusCode {
    browser
        .http
        .post(format!("{base}/api/get_group"))
        .form(&[
            ("id", "6881f631-3bd5-4213-9c75-8e05cc3e35dd"),
            ("refresh", "true"),
        ])
        .send()
        .await
        .expect("POST")
        .status()
}

fn sqlite(data_dir: &Path) -> Location {
    Location::Sqlite {
        data_dir: data_dir.to_path_buf(),
    }
}

/// Every file in `dir` (not recursing: the console makes no subdirectories).
fn files_in(dir: &Path) -> BTreeMap<String, PathBuf> {
    std::fs::read_dir(dir)
        .expect("read the data directory")
        .map(|entry| {
            let entry = entry.expect("a directory entry");
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Rows in each of the console's tables.
async fn row_counts(db: &Database) -> BTreeMap<&'static str, i64> {
    let mut counts = BTreeMap::new();
    for table in TABLES {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db.pool())
            .await
            .expect("count rows");
        counts.insert(table, count);
    }
    counts
}

#[tokio::test]
async fn tokens_are_sealed_at_rest() {
    let console = common::start(&[]).await;
    let base = &console.base;
    let tenant = console.sandbox.clone().expect("embedded sandbox");
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    let helpdesk = Browser::new();
    helpdesk.sign_in(base, "helpdesk").await;
    assert_eq!(list_groups(&admin, base).await, StatusCode::OK);
    assert_eq!(list_groups(&helpdesk, base).await, StatusCode::OK);

    // Every access token is refused from now on: the admin's next call refreshes, so the
    // newest tokens (written by an UPDATE, not the sign-in's INSERT) are on disk too.
    tenant.reset_stats();
    tenant.faults().expire_all_tokens();
    assert_eq!(reads_isc_now(&admin, base).await, StatusCode::OK);
    assert_eq!(reads_isc_now(&helpdesk, base).await, StatusCode::OK);
    assert!(
        tenant.stats().token_requests.refresh_token.ok >= 1,
        "the admin's tokens were refreshed"
    );

    // The tokens open with the key file: there is something real to look for.
    let tokens = common::stored_tokens(console.data.path()).await;
    assert_eq!(
        tokens.len(),
        2,
        "the admin's and the helpdesk user's tokens"
    );
    let mut secrets: Vec<(String, String)> = Vec::new();
    for (i, (access, refresh)) in tokens.iter().enumerate() {
        assert_eq!(access.split('.').count(), 3, "a JWT access token");
        secrets.push((format!("access token {i}"), access.clone()));
        // A JWT's signature alone is enough to look for, and so is its header.
        let signature = access.rsplit('.').next().unwrap().to_string();
        secrets.push((format!("access token {i}'s signature"), signature));
        let refresh = refresh.clone().expect("a refresh token");
        secrets.push((format!("refresh token {i}"), refresh));
    }
    let jwt_header = tokens[0].0.split('.').next().unwrap().to_string();
    secrets.push(("a JWT header".into(), jwt_header));
    for client_secret in ["console-secret", "readonly-api-secret"] {
        secrets.push((
            format!("client secret {client_secret}"),
            client_secret.into(),
        ));
    }
    for (who, browser) in [("admin", &admin), ("helpdesk", &helpdesk)] {
        let cookie = browser.cookie(base, SESSION).expect("a session cookie");
        secrets.push((format!("{who}'s session cookie"), cookie));
    }

    let files = files_in(console.data.path());
    for expected in ["console.db", "console.db-wal", "secret.key"] {
        assert!(
            files.contains_key(expected),
            "{expected} missing: {files:?}"
        );
    }
    let mut looked_at = 0;
    for (name, path) in &files {
        if name == "secret.key" {
            continue;
        }
        let bytes = std::fs::read(path).expect("read a data file");
        looked_at += bytes.len();
        for (what, secret) in &secrets {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{what} is readable in {name}"
            );
        }
    }
    assert!(looked_at > 0, "the database files are not empty");
}

#[tokio::test]
async fn the_data_directory_and_files_are_owner_only() {
    // In this process, with its umask.
    let console = common::start(&[]).await;
    let admin = Browser::new();
    admin.sign_in(&console.base, "admin").await;
    let dir = console.data.path();
    assert_eq!(mode(dir), 0o700);
    let files = files_in(dir);
    for name in [
        "console.db",
        "console.db-wal",
        "console.db-shm",
        "secret.key",
    ] {
        let path = files
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing: {files:?}"));
        assert_eq!(mode(path), 0o600, "{name}");
    }

    // The binary under a umask that takes nothing away: everything it and SQLite create is
    // still the console user's alone.
    let root = common::data_dir();
    let data = root.path().join("data");
    let console = UmaskedConsole::start(0o000, &data);
    assert!(
        console.listening(),
        "the console did not start:\n{}",
        console.output()
    );
    assert_eq!(mode(&data), 0o700, "the data directory it created");
    let files = files_in(&data);
    for name in [
        "console.db",
        "console.db-wal",
        "console.db-shm",
        "secret.key",
    ] {
        let path = files
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing: {files:?}"));
        assert_eq!(mode(path), 0o600, "{name} under umask 000");
    }
    for (name, path) in &files {
        assert_eq!(mode(path) & 0o077, 0, "{name} is open to others");
    }
    drop(console);

    // A data directory others can read is refused, and the message says what to fix.
    let shared = common::data_dir();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let dir = shared.path().display().to_string();
    let refused = ConsoleProcess::try_start(&[("CONSOLE_DATA_DIR", dir.clone())]).await;
    let Err((status, stderr)) = refused else {
        panic!("a console started on a data directory with mode 0755");
    };
    assert!(!status.success());
    assert!(stderr.contains("CONSOLE_DATA_DIR"), "{stderr}");
    assert!(stderr.contains(&dir), "{stderr}");
    assert!(stderr.contains("can be read by other users"), "{stderr}");
    assert!(stderr.contains("chmod 700"), "{stderr}");
    assert!(
        files_in(shared.path()).is_empty(),
        "nothing written into it"
    );
    assert_eq!(mode(shared.path()), 0o755, "left as it was");
}

/// The console binary started through `sh` with another umask (the harness cannot set one;
/// calling umask in this process would need unsafe code and affect the other tests).
struct UmaskedConsole {
    child: std::process::Child,
    output: Arc<std::sync::Mutex<String>>,
    listening: bool,
}

impl UmaskedConsole {
    fn start(umask: u32, data_dir: &Path) -> UmaskedConsole {
        use std::io::BufRead as _;
        let work = data_dir.parent().expect("a parent directory");
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("umask {umask:03o} && exec \"$0\""))
            .arg(env!("CARGO_BIN_EXE_server"))
            .env_clear()
            .env("CONSOLE_ADDR", "127.0.0.1:0")
            .env("CONSOLE_DATA_DIR", data_dir)
            .env("RUST_LOG", "warn")
            .current_dir(work)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the console through sh");
        let output = Arc::new(std::sync::Mutex::new(String::new()));
        let (sender, listening) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        let err_output = output.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let mut all = err_output.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let out_output = output.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if line.starts_with("Sync Groups Console listening on") {
                    let _ = sender.send(());
                }
                let mut all = out_output.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let listening = listening
            .recv_timeout(console_process::START_TIMEOUT)
            .is_ok();
        UmaskedConsole {
            child,
            output,
            listening,
        }
    }

    fn listening(&self) -> bool {
        self.listening
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }
}

impl Drop for UmaskedConsole {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_rotated_key_still_opens_old_tokens_and_reseals_them() {
    // A tenant of its own, which outlives the console restarts.
    let tenant = sandbox::spawn(sandbox::SandboxConfig::default())
        .await
        .expect("sandbox");
    let tenant_vars = remote_vars(&tenant, true);
    let (a, b, c) = (
        SecretKey::generate(),
        SecretKey::generate(),
        SecretKey::generate(),
    );
    let data = Arc::new(common::data_dir());
    let start = |keys: Vec<(&'static str, String)>| {
        let mut vars = tenant_vars.clone();
        vars.extend(keys);
        common::start_in(common::config(&as_refs(&vars)), data.clone())
    };
    let stored_under = |key: &SecretKey| {
        let key = key.clone();
        let data = data.clone();
        async move {
            let db = Database::open(&sqlite(data.path()))
                .await
                .expect("database");
            let table = server::store::tokens::TokenTable::new(db, Sealer::new(key, None));
            let mut opened = Vec::new();
            for id in table.ids().await.unwrap() {
                opened.push(table.load(&id).await.map(|t| t.is_some()).is_ok_and(|t| t));
            }
            opened
        }
    };

    let first = start(vec![("CONSOLE_SECRET_KEY", a.to_base64())]).await;
    let browser = Browser::new();
    browser.sign_in(&first.base, "admin").await;
    assert_eq!(list_groups(&browser, &first.base).await, StatusCode::OK);
    assert!(
        !files_in(data.path()).contains_key("secret.key"),
        "no key file when CONSOLE_SECRET_KEY is set"
    );
    assert_eq!(stored_under(&a).await, [true], "sealed under A");
    drop(first);

    // B is the key now; A is still known. The same browser (cookies belong to the host, not
    // the port) goes on, reading ISC with its own token.
    let second = start(vec![
        ("CONSOLE_SECRET_KEY", b.to_base64()),
        ("CONSOLE_SECRET_KEY_PREVIOUS", a.to_base64()),
    ])
    .await;
    assert_eq!(list_groups(&browser, &second.base).await, StatusCode::OK);
    assert!(matches!(
        context(&browser, &second.base).await.session,
        SessionState::SignedIn(ref viewer) if viewer.role == Role::Admin
    ));
    drop(second);
    assert_eq!(
        stored_under(&b).await,
        [true],
        "sealed again under B on use"
    );
    assert_eq!(stored_under(&a).await, [false], "A no longer opens them");

    // A forgotten: the tokens were sealed again under B, so nothing changes for the user.
    let third = start(vec![("CONSOLE_SECRET_KEY", b.to_base64())]).await;
    assert_eq!(list_groups(&browser, &third.base).await, StatusCode::OK);
    let page = browser.get(&format!("{}/groups", third.base)).await;
    assert_eq!(page.status(), StatusCode::OK);
    drop(third);

    // An unrelated key: the tokens cannot be opened. The user is signed out and sent to sign
    // in again, not shown an error page on every request.
    let fourth = start(vec![("CONSOLE_SECRET_KEY", c.to_base64())]).await;
    let call = browser.api(&fourth.base, "list_groups").await;
    let status = call.status();
    let body = call.text().await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let page = browser.get(&format!("{}/groups", fourth.base)).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert!(
        location_path(&page).starts_with("/signin?reason=expired")
            || location_path(&page).starts_with("/auth/login"),
        "{}",
        location_path(&page)
    );
    assert!(matches!(
        context(&browser, &fourth.base).await.session,
        SessionState::SignedOut
    ));
    // Signing in again works, and the tokens nobody can open any more are gone.
    browser.sign_in(&fourth.base, "admin").await;
    assert_eq!(list_groups(&browser, &fourth.base).await, StatusCode::OK);
    assert_eq!(
        stored_under(&c).await,
        [true],
        "only the new sign-in's tokens"
    );
}

/// A client without cookies that follows no redirect (every request is a fresh visitor).
fn anonymous_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sends anonymous `GET /auth/login` (with `forwarded_for`, when given) until one is refused;
/// returns how many passed first and the refusal.
async fn sign_in_starts_until_refused(
    http: &reqwest::Client,
    base: &str,
    forwarded_for: Option<&str>,
) -> (u32, reqwest::Response) {
    let mut passed = 0;
    for _ in 0..200 {
        let mut request = http.get(format!("{base}/auth/login"));
        if let Some(client) = forwarded_for {
            request = request.header("x-forwarded-for", client);
        }
        let response = request.send().await.unwrap();
        match response.status() {
            StatusCode::FOUND => passed += 1,
            StatusCode::TOO_MANY_REQUESTS => return (passed, response),
            other => panic!("GET /auth/login: {other}"),
        }
    }
    panic!("200 sign-in starts from {forwarded_for:?} and none was refused");
}

async fn sign_in_start(http: &reqwest::Client, base: &str, forwarded_for: &str) -> StatusCode {
    http.get(format!("{base}/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn over_the_sign_in_limit_the_browser_gets_a_page_saying_so() {
    let console = common::start(&[]).await;
    let http = anonymous_client();
    let (passed, refused) = sign_in_starts_until_refused(&http, &console.base, None).await;
    assert!(passed >= SignInLimit::DEFAULT_BURST, "{passed} passed");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let headers = refused.headers().clone();
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1, "Retry-After: {retry_after}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        !headers.contains_key("set-cookie"),
        "nothing started for a refused attempt"
    );
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("<h1>Too many sign-in attempts</h1>"),
        "{page}"
    );
    assert!(
        page.contains(&format!("Try again in {retry_after} second")),
        "{page}"
    );
    // Pages other than sign-in are not limited.
    let signin = http
        .get(format!("{}/signin", console.base))
        .send()
        .await
        .unwrap();
    assert_eq!(signin.status(), StatusCode::OK);

    // Behind a trusted proxy, each client named by it has a budget of its own.
    let console = common::start(&[("CONSOLE_TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    let base = &console.base;
    let (passed, refused) = sign_in_starts_until_refused(&http, base, Some("203.0.113.10")).await;
    assert!(passed >= SignInLimit::DEFAULT_BURST, "{passed} passed");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        sign_in_start(&http, base, "203.0.113.10").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_start(&http, base, "203.0.113.11").await,
        StatusCode::FOUND,
        "another client behind the same proxy"
    );
    assert_eq!(
        sign_in_start(&http, base, "2001:db8::11").await,
        StatusCode::FOUND
    );
    // What a client prepends is not believed: the proxy appended the address it saw.
    assert_eq!(
        sign_in_start(&http, base, "198.51.100.1, 203.0.113.10").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_flood_of_sign_in_starts_leaves_no_trace() {
    const WARM_UP: usize = 500;
    const FLOOD: usize = 10_000;
    const CONCURRENCY: usize = 32;

    let mut console = ConsoleProcess::start(&[]).await;
    let base = console.base().to_string();
    let data_dir = console
        .data_dir()
        .expect("the harness's data dir")
        .to_path_buf();
    // A signed-in admin, so there are rows to keep.
    let admin = Browser::new();
    admin.sign_in(&base, "admin").await;
    assert_eq!(list_groups(&admin, &base).await, StatusCode::OK);
    let db = Database::open(&sqlite(&data_dir)).await.expect("database");

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    // Every request claims another client address; the peer (this process) is no trusted
    // proxy, so none of them gets a budget of its own.
    let flood = |count: usize| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let next = Arc::new(AtomicUsize::new(0));
            let started = Instant::now();
            let workers: Vec<_> = (0..CONCURRENCY)
                .map(|_| {
                    let (http, base, next) = (http.clone(), base.clone(), next.clone());
                    tokio::spawn(async move {
                        let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
                        let mut bad_retry_after = 0;
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= count {
                                return (seen, bad_retry_after);
                            }
                            let forwarded =
                                format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
                            let response = http
                                .get(format!("{base}/auth/login"))
                                .header("x-forwarded-for", forwarded)
                                .send()
                                .await
                                .unwrap();
                            let status = response.status();
                            if status == StatusCode::TOO_MANY_REQUESTS {
                                let retry_after = response
                                    .headers()
                                    .get("retry-after")
                                    .and_then(|v| v.to_str().ok())
                                    .and_then(|v| v.parse::<u64>().ok());
                                if retry_after.is_none_or(|s| s < 1) {
                                    bad_retry_after += 1;
                                }
                            }
                            let _ = response.bytes().await;
                            *seen.entry(status.as_u16()).or_default() += 1;
                        }
                    })
                })
                .collect();
            let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
            let mut bad_retry_after = 0;
            for worker in workers {
                let (counts, bad) = worker.await.unwrap();
                bad_retry_after += bad;
                for (status, n) in counts {
                    *seen.entry(status).or_default() += n;
                }
            }
            (seen, bad_retry_after, started.elapsed())
        }
    };

    flood(WARM_UP).await;
    let rows_before = row_counts(&db).await;
    assert_eq!(rows_before["console_sessions"], 1, "{rows_before:?}");
    assert_eq!(rows_before["console_tokens"], 1, "{rows_before:?}");
    let rss_before = console.rss_kb();
    assert!(rss_before > 0);

    let (seen, bad_retry_after, elapsed) = flood(FLOOD).await;
    let rss_after = console.rss_kb();
    let rows_after = row_counts(&db).await;
    eprintln!(
        "flood of {FLOOD}: {seen:?} in {elapsed:?}; RSS {rss_before} kB -> {rss_after} kB ({:+} kB)",
        i128::from(rss_after) - i128::from(rss_before)
    );

    assert_eq!(rows_after, rows_before, "the flood left rows behind");
    let passed = seen.get(&302).copied().unwrap_or(0);
    let refused = seen.get(&429).copied().unwrap_or(0);
    assert_eq!(passed + refused, FLOOD, "only 302 and 429: {seen:?}");
    assert_eq!(bad_retry_after, 0, "every 429 says when to come back");
    // The budget was spent by the warm-up; at most one attempt comes back every replenish
    // period (plus one for a period that began during the flood), whatever the headers said.
    let replenished = elapsed.as_secs() / SignInLimit::DEFAULT_REPLENISH_EVERY.as_secs() + 2;
    assert!(
        u64::try_from(passed).unwrap() <= replenished,
        "{passed} sign-in starts passed in {elapsed:?}: X-Forwarded-For gave a fresh budget"
    );
    // Nothing is kept per attempt (no pending sign-in, no limiter entry per claimed address):
    // the process holds what it held. 8 MB is far below 10,000 of anything kept per attempt
    // (a pending sign-in is ~200 bytes, a limiter entry ~64), and leaves room for allocator
    // and connection-pool noise.
    assert!(
        rss_after < rss_before + 8 * 1024,
        "RSS grew from {rss_before} kB to {rss_after} kB"
    );
    // The console still serves its signed-in user.
    assert_eq!(list_groups(&admin, &base).await, StatusCode::OK);
    assert!(console.is_running());
}

/// A console on its embedded sandbox that checks users' ISC user levels again every second.
async fn rechecking_console() -> (common::Console, sandbox::Sandbox) {
    let mut config = common::config(&[]);
    config.auth.recheck = Duration::from_secs(1);
    let console = common::start_config(config).await;
    let tenant = console.sandbox.clone().expect("embedded sandbox");
    (console, tenant)
}

/// Past the re-check interval (whole seconds are compared).
async fn past_the_recheck() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

#[tokio::test]
async fn a_user_whose_level_is_removed_loses_the_console() {
    let (console, tenant) = rechecking_console().await;
    let base = &console.base;
    let helpdesk = Browser::new();
    helpdesk.sign_in(base, "helpdesk").await;
    assert_eq!(
        helpdesk.get(&format!("{base}/groups")).await.status(),
        StatusCode::OK
    );
    assert_eq!(list_groups(&helpdesk, base).await, StatusCode::OK);
    assert_eq!(common::stored_tokens(console.data.path()).await.len(), 1);

    tenant.set_user_levels("helpdesk", vec![]).unwrap();
    past_the_recheck().await;
    let page = helpdesk.get(&format!("{base}/groups")).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(
        location_path(&page),
        "/signin?reason=expired&return=%2Fgroups"
    );
    assert_eq!(list_groups(&helpdesk, base).await, StatusCode::UNAUTHORIZED);
    assert!(matches!(
        context(&helpdesk, base).await.session,
        SessionState::SignedOut
    ));
    assert!(
        common::stored_tokens(console.data.path()).await.is_empty(),
        "their tokens are deleted"
    );
    // Signing in again lands on the no-access page.
    let back = helpdesk.sign_in(base, "helpdesk").await;
    assert_eq!(location_path(&back), "/no-access");
    assert_eq!(list_groups(&helpdesk, base).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_demoted_to_helpdesk_becomes_read_only() {
    let (console, tenant) = rechecking_console().await;
    let base = &console.base;
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    assert_eq!(
        admin.api(base, "form_options").await.status(),
        StatusCode::OK,
        "an admin may open the create form"
    );

    tenant
        .set_user_levels("admin", vec!["HELPDESK".into()])
        .unwrap();
    past_the_recheck().await;
    // Reading still works (now through the console's read-only credential)...
    let page = admin.get(&format!("{base}/groups")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(list_groups(&admin, base).await, StatusCode::OK);
    match context(&admin, base).await.session {
        SessionState::SignedIn(viewer) => {
            assert_eq!(viewer.user_name, "admin");
            assert_eq!(viewer.role, Role::Helpdesk);
        }
        other => panic!("{other:?}"),
    }
    // ...changing does not, and nothing reaches ISC.
    let api_before = tenant.stats().api_requests.total;
    let save = admin
        .http
        .post(format!("{base}/api/save_group"))
        .header("accept", "application/json")
        .form(&[
            ("name", "Demoted"),
            ("policy_id", "x"),
            ("source_ids[]", "a"),
            ("source_ids[]", "b"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(save.status(), StatusCode::FORBIDDEN);
    let delete = admin
        .http
        .post(format!("{base}/api/delete_group"))
        .header("accept", "application/json")
        .form(&[
            ("id", "6881f631-3bd5-4213-9c75-8e05cc3e35dd"),
            ("confirm_name", "Corporate Sign-in"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        admin.api(base, "form_options").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(tenant.stats().api_requests.total, api_before);
}

#[tokio::test]
async fn an_admin_whose_level_is_unchanged_keeps_working_across_rechecks() {
    let (console, tenant) = rechecking_console().await;
    let base = &console.base;
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    tenant.reset_stats();
    for _ in 0..3 {
        past_the_recheck().await;
        assert_eq!(list_groups(&admin, base).await, StatusCode::OK);
        assert_eq!(
            admin.get(&format!("{base}/groups")).await.status(),
            StatusCode::OK
        );
        match context(&admin, base).await.session {
            SessionState::SignedIn(viewer) => assert_eq!(viewer.role, Role::Admin),
            other => panic!("{other:?}"),
        }
    }
    let refreshes = tenant.stats().token_requests.refresh_token;
    assert!(
        refreshes.ok >= 3,
        "each re-check asks ISC (a refresh): {refreshes:?}"
    );
    assert_eq!(refreshes.refused, 0);
}
