//! Prometheus metrics on their own listener (`CONSOLE_METRICS_ADDR`): what an operator's
//! dashboard reads after real traffic, and that no id, user or token ends up in a label.
//!
//! The recorder is global to a test process; counts are checked as "at least".

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::Browser;
use reqwest::StatusCode;
use tempfile::TempDir;

const CORPORATE_SIGN_IN: &str = "6881f631-3bd5-4213-9c75-8e05cc3e35dd";

/// A console on the embedded sandbox serving metrics on a port of its own.
struct Console {
    base: String,
    metrics: String,
    sandbox: sandbox::Sandbox,
    data: Arc<TempDir>,
    _stop: tokio::sync::oneshot::Sender<()>,
    _background: server::BackgroundTasks,
}

async fn start() -> Console {
    let mut config = common::config(&[("CONSOLE_METRICS_ADDR", "127.0.0.1:0")]);
    let data = Arc::new(common::data_dir());
    config.store.location = server::store::Location::Sqlite {
        data_dir: data.path().to_path_buf(),
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let console = server::build(&config, addr).await.expect("console");
    let metrics = console.metrics_addr.expect("a metrics listener");
    assert_ne!(metrics, addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, console.router, async {
        let _ = stopped.await;
    }));
    Console {
        base: format!("http://{addr}"),
        metrics: format!("http://{metrics}/metrics"),
        sandbox: console.sandbox.expect("embedded sandbox"),
        data,
        _stop: stop,
        _background: console.background,
    }
}

/// The exposition text.
async fn scrape(console: &Console) -> String {
    let response = reqwest::get(&console.metrics).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

/// One sample line of the exposition: its name, labels and value.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a value");
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').expect("label=value");
                    (k.to_string(), v.trim_matches('"').to_string())
                })
                .collect();
            Sample {
                name: name.to_string(),
                labels,
                value: value.parse().unwrap_or(f64::NAN),
            }
        })
        .collect()
}

/// The value of the series `name` whose labels include `labels` (summed over the others).
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    samples(text)
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
        })
        .map(|s| s.value)
        .sum()
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_no_label_names_anyone() {
    let console = start().await;
    let base = &console.base;
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    let auditor = Browser::new();
    auditor.sign_in(base, "auditor").await;

    // Read again from ISC (`refresh`), not from the shared cache: one get_sync_group call.
    let detail = admin
        .get(&format!("{base}/groups/{CORPORATE_SIGN_IN}?refresh=1"))
        .await;
    assert_eq!(detail.status(), StatusCode::OK);
    assert_eq!(
        admin.get(&format!("{base}/groups")).await.status(),
        StatusCode::OK
    );
    let unknown_id = "f0000000-0000-4000-8000-00000000beef";
    assert_eq!(
        admin
            .get(&format!("{base}/groups/{unknown_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    admin.get(&format!("{base}/no/such/page-xyzzy")).await;
    // Every access token expires: the next page that reads ISC with the admin's token (the
    // form reads fresh; lists come from the shared cache) refreshes it.
    console.sandbox.faults().expire_all_tokens();
    assert_eq!(
        admin.get(&format!("{base}/groups/new")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        admin.get(&format!("{base}/groups")).await.status(),
        StatusCode::OK
    );

    let text = scrape(&console).await;
    let page = [("route", "/groups/{id}"), ("method", "GET")];
    assert!(
        value(
            &text,
            "console_http_requests_total",
            &[page[0], page[1], ("status", "200")]
        ) >= 1.0,
        "{text}"
    );
    assert!(
        value(
            &text,
            "console_http_requests_total",
            &[page[0], ("status", "404")]
        ) >= 1.0
    );
    assert!(
        value(
            &text,
            "console_http_requests_total",
            &[("route", "/groups")]
        ) >= 2.0
    );
    assert!(value(&text, "console_http_requests_total", &[("route", "other")]) >= 1.0);
    assert!(
        value(&text, "console_http_request_duration_seconds_count", &page) >= 2.0,
        "a latency histogram per route: {text}"
    );
    assert!(
        value(
            &text,
            "console_http_request_duration_seconds_bucket",
            &[page[0], ("le", "+Inf")]
        ) >= 2.0
    );
    assert!(
        value(
            &text,
            "console_isc_requests_total",
            &[("operation", "get_sync_group"), ("status", "200")]
        ) >= 1.0,
        "{text}"
    );
    assert!(
        value(
            &text,
            "console_isc_requests_total",
            &[("operation", "list_sync_groups"), ("status", "401")]
        ) >= 1.0,
        "the expired token's answer: {text}"
    );
    assert!(
        value(
            &text,
            "console_isc_request_duration_seconds_count",
            &[("operation", "list_sources")]
        ) >= 1.0
    );
    assert!(
        value(
            &text,
            "console_sign_ins_total",
            &[("outcome", "signed_in_admin")]
        ) >= 1.0
    );
    assert!(value(&text, "console_sign_ins_total", &[("outcome", "no_access")]) >= 1.0);
    assert!(value(&text, "console_token_refreshes_total", &[("outcome", "ok")]) >= 1.0);
    assert!(
        value(&text, "console_sessions_active", &[]) >= 2.0,
        "{text}"
    );
    assert!(text.contains("console_http_requests_in_flight"), "{text}");

    // Nothing in the text names an object, a path someone sent, a user or a token.
    let tokens = common::stored_tokens(console.data.path()).await;
    assert!(!tokens.is_empty());
    let mut secrets: Vec<String> = vec![
        CORPORATE_SIGN_IN.into(),
        unknown_id.into(),
        "xyzzy".into(),
        "Corporate Sign-in".into(),
        "Alex Admin".into(),
        "Avery Auditor".into(),
        "2c9180857182305e0171993735622948".into(),
        "alex.admin@example.com".into(),
    ];
    secrets.extend(admin.cookie(base, "sgc_session"));
    for (access, refresh) in tokens {
        secrets.push(access);
        secrets.extend(refresh);
    }
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "{secret} in the metrics");
    }
    for sample in samples(&text) {
        for (label, value) in &sample.labels {
            assert!(
                !["admin", "auditor", "helpdesk"].contains(&value.as_str()),
                "a user name as {label} of {}",
                sample.name
            );
        }
    }
}

#[tokio::test]
async fn rate_limits_and_retries_are_counted() {
    let console = start().await;
    let admin = Browser::new();
    admin.sign_in(&console.base, "admin").await;
    // One 429 (Retry-After: 1), then the read goes through.
    console.sandbox.faults().fail_next(1, 429);
    let page = admin.get(&format!("{}/groups", console.base)).await;
    assert_eq!(page.status(), StatusCode::OK);

    let text = scrape(&console).await;
    assert!(
        value(&text, "console_isc_rate_limited_total", &[]) >= 1.0,
        "{text}"
    );
    assert!(
        value(
            &text,
            "console_isc_retries_total",
            &[("reason", "rate_limited")]
        ) >= 1.0,
        "{text}"
    );
    assert!(value(&text, "console_isc_requests_total", &[("status", "429")]) >= 1.0);
}

#[tokio::test]
async fn a_metrics_address_in_use_stops_start_up_naming_the_setting() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut config = common::config(&[("CONSOLE_METRICS_ADDR", &addr)]);
    let data = common::data_dir();
    config.store.location = server::store::Location::Sqlite {
        data_dir: data.path().to_path_buf(),
    };
    let listener = SocketAddr::from(([127, 0, 0, 1], 0));
    let error = match server::build(&config, listener).await {
        Ok(_) => panic!("started on a taken metrics address"),
        Err(e) => server::auth::error_chain(&e),
    };
    assert!(error.contains("CONSOLE_METRICS_ADDR"), "{error}");
}

#[tokio::test]
async fn without_the_setting_there_is_no_metrics_listener() {
    let mut config = common::config(&[]);
    let data = common::data_dir();
    config.store.location = server::store::Location::Sqlite {
        data_dir: data.path().to_path_buf(),
    };
    let console = server::build(&config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    assert!(console.metrics_addr.is_none());
}
