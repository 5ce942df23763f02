//! Health and readiness probes, and the graceful shutdown an orchestrator drives with them:
//! `/healthz` says the process answers, `/readyz` whether it can serve (database, ISC's token
//! endpoint, not shutting down), and SIGTERM lets every request in flight finish.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;
#[path = "support/console_process.rs"]
mod console_process;
#[path = "support/postgres.rs"]
mod postgres;

use std::time::{Duration, Instant};

use common::Browser;
use console_process::ConsoleProcess;
use postgres::PgCluster;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CORPORATE_SIGN_IN: &str = "6881f631-3bd5-4213-9c75-8e05cc3e35dd";
const ENGINEERING_SYSTEMS: &str = "3f0b7c2e-9a41-4c8e-b5d2-71e6a0c4d9f3";

/// `GET url`: status, `Cache-Control`, whether it set a cookie, and the JSON body.
async fn probe(url: &str) -> (StatusCode, Option<String>, bool, Value) {
    let response = reqwest::Client::new().get(url).send().await.expect("GET");
    let status = response.status();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string());
    let cookie = response.headers().contains_key("set-cookie");
    let body = response.text().await.unwrap();
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, cache, cookie, json)
}

/// Polls `/readyz` until it answers `status`; returns its body. Panics after `within`.
async fn readyz_becomes(base: &str, status: StatusCode, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (got, _, _, body) = probe(&format!("{base}/readyz")).await;
        if got == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz still answers {got} {body} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind")
}

#[tokio::test]
async fn probes_answer_without_sign_in_and_say_nothing_about_the_tenant() {
    let console = common::start(&[]).await;
    let base = &console.base;

    let (status, cache, cookie, body) = probe(&format!("{base}/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "status": "ok" }));
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert!(!cookie, "a probe gets no session cookie");

    let (status, cache, cookie, body) = probe(&format!("{base}/readyz")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "status": "ok" }));
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert!(!cookie);

    // A probe is not a page: no redirect to sign-in, no session row.
    let location = server::store::Location::Sqlite {
        data_dir: console.data.path().to_path_buf(),
    };
    let db = server::store::Database::open(&location).await.unwrap();
    let sessions = server::store::sessions::SessionTable::new(db);
    for _ in 0..5 {
        probe(&format!("{base}/readyz")).await;
        probe(&format!("{base}/healthz")).await;
    }
    assert_eq!(sessions.live().await.unwrap(), 0);
}

#[tokio::test]
async fn readiness_names_isc_while_its_token_endpoint_does_not_answer_and_recovers() {
    let closed = closed_port();
    let isc = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let authorize = format!("{isc}/oauth/authorize");
    let console = common::start(&[
        ("ISC_API_URL", &isc),
        ("ISC_CLIENT_ID", "console"),
        ("ISC_CLIENT_SECRET", "console-secret"),
        ("ISC_AUTHORIZE_URL", &authorize),
    ])
    .await;
    let base = &console.base;

    let (status, _, _, body) = probe(&format!("{base}/healthz")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "status": "ok" })));
    let (status, _, cookie, body) = probe(&format!("{base}/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        body,
        json!({ "status": "unavailable", "failing": ["isc"] }),
        "only the failing part is named: no URL, no tenant"
    );
    assert!(!cookie);

    // ISC comes back on the same address: ready again without a restart (once the failed
    // probe's result has expired).
    let listener = tokio::net::TcpListener::bind(isc.trim_start_matches("http://"))
        .await
        .expect("the address is free again");
    let tenant = sandbox::Sandbox::new(sandbox::SandboxConfig::default());
    tokio::spawn(async move { axum::serve(listener, tenant.router()).await });
    let body = readyz_becomes(base, StatusCode::OK, Duration::from_secs(15)).await;
    assert_eq!(body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn readiness_fails_while_the_database_is_away_and_liveness_does_not() {
    let pg = PgCluster::start().await;
    let url = pg.url();
    let key = server::store::SecretKey::generate().to_base64();
    let console =
        common::start(&[("CONSOLE_DATABASE_URL", &url), ("CONSOLE_SECRET_KEY", &key)]).await;
    let base = &console.base;
    readyz_becomes(base, StatusCode::OK, Duration::from_secs(10)).await;

    pg.stop().await;
    let body = readyz_becomes(
        base,
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(15),
    )
    .await;
    assert_eq!(
        body,
        json!({ "status": "unavailable", "failing": ["database"] })
    );
    let (status, _, _, body) = probe(&format!("{base}/healthz")).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "ok" })),
        "the process is alive: restarting it would not bring the database back"
    );

    pg.start_again().await;
    let body = readyz_becomes(base, StatusCode::OK, Duration::from_secs(20)).await;
    assert_eq!(body, json!({ "status": "ok" }));
}

/// How one request of the burst ended.
#[derive(Debug)]
enum Outcome {
    /// An answer read to its end.
    Answered(StatusCode, String),
    /// No connection (sent after the console stopped accepting).
    Refused,
    /// Anything else: a connection cut mid-request or mid-response.
    Broken(#[expect(dead_code, reason = "shown by the failure messages (Debug)")] String),
}

async fn outcome(sent: reqwest::Result<reqwest::Response>) -> Outcome {
    match sent {
        Ok(response) => {
            let status = response.status();
            match response.text().await {
                Ok(body) => Outcome::Answered(status, body),
                Err(e) => Outcome::Broken(format!("{status}, then the body failed: {e:?}")),
            }
        }
        Err(e) if e.is_connect() => Outcome::Refused,
        Err(e) => Outcome::Broken(format!("{e:?}")),
    }
}

#[tokio::test]
async fn sigterm_during_a_burst_fails_readiness_finishes_every_request_and_exits_0() {
    let tenant = console_process::tenant(sandbox::SandboxConfig::default()).await;
    let mut vars = console_process::tenant_vars(&tenant);
    vars.push(("CONSOLE_SHUTDOWN_DRAIN_SECS", "3".to_string()));
    let mut console = ConsoleProcess::start(&vars).await;
    let base = console.base().to_string();
    let admin = Browser::new();
    let signed_in = admin.sign_in(&base, "admin").await;
    assert_eq!(signed_in.status(), StatusCode::FOUND);
    // Sources and policies in the console's cache: what follows waits on ISC's slow answers.
    assert_eq!(
        admin.get(&format!("{base}/groups")).await.status(),
        StatusCode::OK
    );

    // Every answer from ISC now takes 1.5 s: the burst is in flight when SIGTERM comes.
    tenant
        .sandbox()
        .faults()
        .set_latency(Duration::from_millis(1500));
    let mut burst = Vec::new();
    for _ in 0..8 {
        let admin = admin.clone();
        let url = format!("{base}/groups/{CORPORATE_SIGN_IN}");
        burst.push(tokio::spawn(async move {
            outcome(admin.http.get(url).send().await).await
        }));
    }
    // A write in flight: deleting a group (a fresh read, then the DELETE, each 1.5 s).
    let delete = {
        let admin = admin.clone();
        let url = format!("{base}/api/delete_group");
        tokio::spawn(async move {
            let sent = admin
                .http
                .post(url)
                .header("accept", "application/json")
                .form(&[
                    ("id", ENGINEERING_SYSTEMS),
                    ("confirm_name", "Engineering Systems"),
                ])
                .send()
                .await;
            outcome(sent).await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let terminated = Instant::now();
    console.terminate();

    // Readiness fails at once, while the console still serves (the drain).
    let body = readyz_becomes(
        &base,
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(body, json!({ "status": "shutting_down" }));
    let (status, _, _, _) = probe(&format!("{base}/healthz")).await;
    assert_eq!(status, StatusCode::OK, "alive during the drain");
    // A request that arrives during the drain (the load balancer has not noticed yet) is served.
    let late = {
        let admin = admin.clone();
        let url = format!("{base}/groups/{CORPORATE_SIGN_IN}");
        tokio::spawn(async move { outcome(admin.http.get(url).send().await).await })
    };

    for (i, request) in burst.into_iter().enumerate() {
        match request.await.unwrap() {
            Outcome::Answered(StatusCode::OK, body) => {
                assert!(body.contains("Corporate Sign-in"), "request {i}: {body}")
            }
            other => panic!("request {i} in flight at SIGTERM: {other:?}"),
        }
    }
    match late.await.unwrap() {
        Outcome::Answered(StatusCode::OK, _) => {}
        other => panic!("the request sent during the drain: {other:?}"),
    }
    match delete.await.unwrap() {
        Outcome::Answered(StatusCode::OK, body) => {
            assert!(body.contains("Engineering Systems"), "{body}")
        }
        other => panic!("the delete in flight at SIGTERM: {other:?}"),
    }

    let status = console.wait_exit(Duration::from_secs(40)).await;
    assert!(status.success(), "{status}\n{}", console.output());
    assert!(
        terminated.elapsed() >= Duration::from_secs(3),
        "the drain was kept"
    );
    let output = console.output();
    assert!(output.contains("every request finished"), "{output}");
    assert!(!output.contains("shutdown cut a request"), "{output}");

    // After the shutdown: no connection at all, rather than a broken one.
    match outcome(
        reqwest::Client::new()
            .get(format!("{base}/healthz"))
            .send()
            .await,
    )
    .await
    {
        Outcome::Refused => {}
        other => panic!("after exit: {other:?}"),
    }
    // The write that was in flight happened in ISC.
    tenant.sandbox().faults().reset();
    let token = common::client_token(tenant.base_url(), "admin-pat", "admin-pat-secret").await;
    let group = reqwest::Client::new()
        .get(format!(
            "{}/beta/password-sync-groups/{ENGINEERING_SYSTEMS}",
            tenant.base_url()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(group.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_second_signal_during_the_drain_stops_at_once_and_exits_0_when_nothing_runs() {
    let tenant = console_process::tenant(sandbox::SandboxConfig::default()).await;
    let mut vars = console_process::tenant_vars(&tenant);
    vars.push(("CONSOLE_SHUTDOWN_DRAIN_SECS", "60".to_string()));
    let mut console = ConsoleProcess::start(&vars).await;
    let base = console.base().to_string();
    let started = Instant::now();
    console.terminate();
    readyz_becomes(
        &base,
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(2),
    )
    .await;
    console.terminate();
    let status = console.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "{status}\n{}", console.output());
    assert!(started.elapsed() < Duration::from_secs(30));
}
