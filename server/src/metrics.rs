//! Prometheus metrics: the names, their labels, the HTTP middleware that counts requests, and
//! the listener of their own that serves them (`CONSOLE_METRICS_ADDR`, off unless set).
//!
//! The `metrics` crate's recorder is global to the process: it is installed once (the first
//! console that serves metrics), and every console in the process records into it. Without a
//! recorder (no metrics listener configured) every call here is a no-op.
//!
//! Labels are bounded and never name a tenant object, a user or a token: routes are axum's
//! templates (`/groups/{id}`, never the id), methods and statuses are from fixed sets, ISC
//! operations and outcomes are constants of this file.
//!
//! | metric | kind | labels |
//! | --- | --- | --- |
//! | `console_http_requests_total` | counter | `route`, `method`, `status` |
//! | `console_http_request_duration_seconds` | histogram | `route`, `method`, `status` |
//! | `console_http_requests_in_flight` | gauge | |
//! | `console_isc_requests_total` | counter | `operation`, `status` |
//! | `console_isc_request_duration_seconds` | histogram | `operation`, `status` |
//! | `console_isc_rate_limited_total` | counter | `operation` |
//! | `console_isc_retries_total` | counter | `operation`, `reason` |
//! | `console_token_refreshes_total` | counter | `outcome` |
//! | `console_sign_ins_total` | counter | `outcome` |
//! | `console_sessions_active` | gauge | |

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use app::model::Role;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::store::sessions::SessionTable;

pub const HTTP_REQUESTS: &str = "console_http_requests_total";
pub const HTTP_DURATION: &str = "console_http_request_duration_seconds";
pub const HTTP_IN_FLIGHT: &str = "console_http_requests_in_flight";
pub const ISC_REQUESTS: &str = "console_isc_requests_total";
pub const ISC_DURATION: &str = "console_isc_request_duration_seconds";
pub const ISC_RATE_LIMITED: &str = "console_isc_rate_limited_total";
pub const ISC_RETRIES: &str = "console_isc_retries_total";
pub const ISC_BUDGET_WAITS: &str = "console_isc_budget_wait_seconds";
pub const ISC_OVER_BUDGET: &str = "console_isc_over_budget_total";
pub const SHARED_READS: &str = "console_shared_reads_total";
pub const TOKEN_REFRESHES: &str = "console_token_refreshes_total";
pub const SIGN_INS: &str = "console_sign_ins_total";
pub const SESSIONS_ACTIVE: &str = "console_sessions_active";

/// The `route` of a request no route matched (the site bundle and the sandbox have their own).
pub const OTHER_ROUTE: &str = "other";

/// Histogram buckets of every `*_seconds` metric: from a cached page to ISC's timeout.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0,
];
/// How often the recorder's histograms are compacted.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use. `None` when another recorder was
/// installed first (then this process's metrics go there).
pub fn recorder() -> Option<PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?;
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            match ::metrics::set_global_recorder(recorder) {
                Ok(()) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "another metrics recorder is installed");
                    None
                }
            }
        })
        .clone()
}

fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        Unit::Count,
        "HTTP requests answered, by route template, method and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request (until the response headers)"
    );
    describe_gauge!(HTTP_IN_FLIGHT, "HTTP requests being answered now");
    describe_counter!(
        ISC_REQUESTS,
        Unit::Count,
        "HTTP calls to ISC (each attempt), by operation and status (`timeout` or `no_answer` \
         when ISC did not answer)"
    );
    describe_histogram!(
        ISC_DURATION,
        Unit::Seconds,
        "Time of one call to ISC (until the response headers)"
    );
    describe_counter!(
        ISC_RATE_LIMITED,
        Unit::Count,
        "429 answers from ISC, by operation"
    );
    describe_counter!(
        ISC_RETRIES,
        Unit::Count,
        "Reads retried, by operation and reason (rate_limited, server_error, no_answer)"
    );
    describe_histogram!(
        ISC_BUDGET_WAITS,
        Unit::Seconds,
        "Waits for a turn in the console's own ISC request budget (kept under ISC's limit)"
    );
    describe_counter!(
        ISC_OVER_BUDGET,
        Unit::Count,
        "Requests given up because the budget's wait was longer than the request timeout"
    );
    describe_counter!(
        SHARED_READS,
        Unit::Count,
        "Reads of the shared cache (group list, sources, policies), by what and how answered \
         (fresh, stale: served while one caller reloads, loaded)"
    );
    describe_counter!(
        TOKEN_REFRESHES,
        Unit::Count,
        "Refreshes of signed-in users' ISC tokens, by outcome"
    );
    describe_counter!(
        SIGN_INS,
        Unit::Count,
        "Sign-ins completed or failed, by outcome"
    );
    describe_gauge!(
        SESSIONS_ACTIVE,
        "Sessions not yet expired in the console's database (shared by replicas on one database)"
    );
}

/// Why the metrics listener cannot start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("CONSOLE_METRICS_ADDR: cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "CONSOLE_METRICS_ADDR: another metrics recorder is installed in this process; \
         the console cannot serve its metrics"
    )]
    Recorder,
}

/// The metrics listener, serving.
pub struct MetricsListener {
    /// Where it listens (the port is known once bound, e.g. for port 0).
    pub addr: SocketAddr,
    /// The listener and the recorder's upkeep; abort them to stop.
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Installs the recorder (once per process) and serves `GET /metrics` on `addr`.
/// `sessions` gives the active-sessions gauge, read at each scrape.
pub async fn serve(
    addr: SocketAddr,
    sessions: SessionTable,
) -> Result<MetricsListener, MetricsError> {
    let handle = recorder().ok_or(MetricsError::Recorder)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| MetricsError::Listen { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| MetricsError::Listen { addr, source })?;
    let router = Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape {
            handle: handle.clone(),
            sessions,
        });
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    });
    let upkeep = tokio::spawn(async move {
        let mut every = tokio::time::interval(UPKEEP_EVERY);
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    });
    Ok(MetricsListener {
        addr: bound,
        tasks: vec![server, upkeep],
    })
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    sessions: SessionTable,
}

/// `GET /metrics`: the Prometheus text exposition.
async fn scrape(State(scrape): State<Scrape>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), scrape.sessions.live()).await {
        Ok(Ok(live)) => ::metrics::gauge!(SESSIONS_ACTIVE).set(live as f64),
        // The database's own health shows on /readyz; the gauge keeps its last value.
        Ok(Err(e)) => tracing::debug!(error = %e, "cannot count the active sessions"),
        Err(_) => tracing::debug!("counting the active sessions timed out"),
    }
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        scrape.handle.render(),
    )
        .into_response()
}

/// The requests a console is answering now, for the shutdown's report of what it cut.
#[derive(Clone, Default)]
pub struct InFlight {
    inner: Arc<InFlightInner>,
}

#[derive(Default)]
struct InFlightInner {
    next: AtomicU64,
    requests: Mutex<HashMap<u64, Flight>>,
}

struct Flight {
    route: String,
    method: &'static str,
    request_id: String,
    started: Instant,
}

/// One request still being answered.
#[derive(Debug, Clone)]
pub struct Unfinished {
    pub route: String,
    pub method: &'static str,
    /// Its `x-request-id` (also in the audit record of a change it made).
    pub request_id: String,
    pub running_for: Duration,
}

impl InFlight {
    /// The requests being answered now, longest-running first.
    pub fn now(&self) -> Vec<Unfinished> {
        let requests = self
            .inner
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut list: Vec<Unfinished> = requests
            .values()
            .map(|f| Unfinished {
                route: f.route.clone(),
                method: f.method,
                request_id: f.request_id.clone(),
                running_for: f.started.elapsed(),
            })
            .collect();
        list.sort_by_key(|r| std::cmp::Reverse(r.running_for));
        list
    }

    pub fn count(&self) -> usize {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn enter(&self, flight: Flight) -> Entered {
        let id = self.inner.next.fetch_add(1, Ordering::Relaxed);
        self.inner
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, flight);
        ::metrics::gauge!(HTTP_IN_FLIGHT).increment(1.0);
        Entered {
            in_flight: self.clone(),
            id,
        }
    }
}

/// Leaves the in-flight list when the request is answered or dropped (client gone).
struct Entered {
    in_flight: InFlight,
    id: u64,
}

impl Drop for Entered {
    fn drop(&mut self) {
        self.in_flight
            .inner
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
        ::metrics::gauge!(HTTP_IN_FLIGHT).decrement(1.0);
    }
}

/// Middleware (a `Router::layer`, so the matched route is known): counts and times each
/// request by route template, method and status, and keeps it in the in-flight list.
pub async fn track_http(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    let route = route_label(&request);
    let method = method_label(request.method());
    let started = Instant::now();
    let _entered = in_flight.enter(Flight {
        route: route.clone(),
        method,
        request_id: crate::request_id::of(request.headers()).to_string(),
        started,
    });
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [
        ("route", route),
        ("method", method.to_string()),
        ("status", status),
    ];
    ::metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    ::metrics::histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The route template axum matched; for requests no route matched, a fixed label (never the
/// path someone sent).
fn route_label(request: &Request) -> String {
    if let Some(path) = request.extensions().get::<MatchedPath>() {
        return path.as_str().to_string();
    }
    let path = request.uri().path();
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if under("/pkg") {
        "/pkg/{*file}".to_string()
    } else if under(crate::SANDBOX_PREFIX) {
        // The nested sandbox's own routes are not visible from out here.
        format!("{}/{{*path}}", crate::SANDBOX_PREFIX)
    } else {
        OTHER_ROUTE.to_string()
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// One HTTP call to ISC: `status` is ISC's answer, or the error when it gave none.
pub fn isc_call(operation: &'static str, status: Result<u16, &reqwest::Error>, started: Instant) {
    let status = match status {
        Ok(code) => code.to_string(),
        Err(e) if e.is_timeout() => "timeout".to_string(),
        Err(_) => "no_answer".to_string(),
    };
    let labels = [("operation", operation.to_string()), ("status", status)];
    ::metrics::counter!(ISC_REQUESTS, &labels).increment(1);
    ::metrics::histogram!(ISC_DURATION, &labels).record(started.elapsed().as_secs_f64());
}

/// ISC answered 429.
pub fn isc_rate_limited(operation: &'static str) {
    ::metrics::counter!(ISC_RATE_LIMITED, "operation" => operation).increment(1);
}

/// A request waited for its turn in the console's ISC budget.
pub fn isc_budget_wait(wait: std::time::Duration) {
    ::metrics::histogram!(ISC_BUDGET_WAITS).record(wait.as_secs_f64());
}

/// A request was given up: the budget's wait was too long.
pub fn isc_over_budget(operation: &'static str) {
    ::metrics::counter!(ISC_OVER_BUDGET, "operation" => operation).increment(1);
}

/// A read of the shared cache: `what` (groups, sources, policies), `how` (fresh, stale, loaded).
pub fn shared_read(what: &'static str, how: &'static str) {
    ::metrics::counter!(SHARED_READS, "what" => what, "how" => how).increment(1);
}

/// A read is tried again; `reason`: `rate_limited`, `server_error` or `no_answer`.
pub fn isc_retry(operation: &'static str, reason: &'static str) {
    ::metrics::counter!(ISC_RETRIES, "operation" => operation, "reason" => reason).increment(1);
}

/// A signed-in user's tokens were refreshed (`ok`) or could not be: `refused`, `unavailable`,
/// `no_refresh_token`, `no_level` (refreshed, but no user level the console serves is left),
/// `store_failed`.
pub fn token_refresh(outcome: &'static str) {
    ::metrics::counter!(TOKEN_REFRESHES, "outcome" => outcome).increment(1);
}

/// A sign-in that did not complete: `cancelled`, `refused`, `unavailable`, `unknown_state`,
/// `invalid` (no code), `failed` (no user named, or the console could not store it).
pub fn sign_in_failed(outcome: &'static str) {
    ::metrics::counter!(SIGN_INS, "outcome" => outcome).increment(1);
}

/// ISC's token endpoint refused the authorization code (`refused`) or did not answer usably
/// (`unavailable`).
pub fn sign_in_exchange_failed(refused: bool) {
    sign_in_failed(if refused { "refused" } else { "unavailable" });
}

/// A completed sign-in, by the role it gave (`None`: no user level the console serves).
pub fn signed_in(role: Option<Role>) {
    let outcome = match role {
        Some(Role::Admin) => "signed_in_admin",
        Some(Role::Helpdesk) => "signed_in_helpdesk",
        None => "no_access",
    };
    ::metrics::counter!(SIGN_INS, "outcome" => outcome).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> Request {
        Request::builder()
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap_or_default()
    }

    #[test]
    fn unmatched_paths_get_fixed_labels() {
        assert_eq!(route_label(&request("/pkg/app.wasm")), "/pkg/{*file}");
        assert_eq!(
            route_label(&request("/sandbox/beta/password-sync-groups/abc")),
            "/sandbox/{*path}"
        );
        assert_eq!(route_label(&request("/sandboxes/x")), OTHER_ROUTE);
        assert_eq!(route_label(&request("/groups/abc/nothing")), OTHER_ROUTE);
        assert_eq!(
            method_label(&Method::from_bytes(b"BREW").unwrap_or_default()),
            "other"
        );
    }

    #[test]
    fn in_flight_requests_are_listed_until_answered() {
        let in_flight = InFlight::default();
        let entered = in_flight.enter(Flight {
            route: "/groups/{id}".into(),
            method: "GET",
            request_id: "abc".into(),
            started: Instant::now(),
        });
        let now = in_flight.now();
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].route, "/groups/{id}");
        drop(entered);
        assert_eq!(in_flight.count(), 0);
    }
}
