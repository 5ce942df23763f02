//! `GET /healthz` (the process is alive) and `GET /readyz` (it can serve: its database answers,
//! and ISC's token endpoint answered recently or answers now; not shutting down).
//!
//! Both are outside the session layer and the caller middleware: no sign-in, no session read,
//! no database write. Their answers are small JSON naming only which part fails
//! (`{"status":"unavailable","failing":["isc"]}`), never a tenant, URL or error text, and
//! they are not logged at info level (a probe every second would drown the logs).
//!
//! "ISC answered" means any HTTP answer from the token endpoint, whatever its status: the
//! console's own calls there (sign-ins, refreshes, the application credential) note the time
//! with [`token_endpoint_answered`]. When that is older than [`RECENT`], readiness asks the
//! endpoint itself (a GET, answered 405 or 401 by ISC: cheap, no credential sent) with a short
//! timeout, and keeps a failed probe's result for [`PROBE_CACHE`], so a load balancer probing
//! every second does not make every probe a call to ISC.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use url::Url;

use crate::store::Database;

/// An answer from the token endpoint this recent makes a probe unnecessary.
pub const RECENT: Duration = Duration::from_secs(60);
/// How long a probe's result stands (a failed one included).
pub const PROBE_CACHE: Duration = Duration::from_secs(5);
/// How long a probe of the token endpoint, or the database's ping, may take.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// When each token endpoint (by URL) last gave an HTTP answer, process-wide: every console in
/// the process that uses the endpoint knows it answered.
static TOKEN_ANSWERS: LazyLock<Mutex<HashMap<String, Instant>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Notes that the token endpoint at `url` answered (any status) just now.
pub fn token_endpoint_answered(url: &Url) {
    TOKEN_ANSWERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(url.as_str().to_string(), Instant::now());
}

fn last_answer(url: &Url) -> Option<Instant> {
    TOKEN_ANSWERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(url.as_str())
        .copied()
}

/// A console's health: what readiness checks, and whether it is shutting down.
#[derive(Clone)]
pub struct Health {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    token_url: Url,
    /// The ISC client's HTTP client (no redirects).
    http: reqwest::Client,
    shutting_down: AtomicBool,
    /// The last probe of the token endpoint: when, and whether it answered. The lock is held
    /// during a probe, so concurrent readiness checks wait for one probe.
    probe: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

/// What `/readyz` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// SIGTERM received: the console finishes what it has and stops.
    ShuttingDown,
    /// The parts that do not answer: `database`, `isc`.
    Failing(Vec<&'static str>),
}

impl Health {
    /// `http` should not follow redirects (the ISC client's does not).
    pub fn new(db: Database, token_url: Url, http: reqwest::Client) -> Health {
        Health {
            inner: Arc::new(Inner {
                db,
                token_url,
                http,
                shutting_down: AtomicBool::new(false),
                probe: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// From now on readiness fails (the first step of a graceful shutdown).
    pub fn shut_down(&self) {
        self.inner.shutting_down.store(true, Ordering::SeqCst);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::SeqCst)
    }

    /// Checks the database and ISC's token endpoint (at the same time).
    pub async fn readiness(&self) -> Readiness {
        if self.is_shutting_down() {
            return Readiness::ShuttingDown;
        }
        let (database, isc) = tokio::join!(self.database_answers(), self.isc_answers());
        let failing: Vec<&'static str> = [(database, "database"), (isc, "isc")]
            .into_iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, part)| part)
            .collect();
        if failing.is_empty() {
            Readiness::Ready
        } else {
            tracing::debug!(?failing, "not ready");
            Readiness::Failing(failing)
        }
    }

    async fn database_answers(&self) -> bool {
        tokio::time::timeout(CHECK_TIMEOUT, self.inner.db.ping())
            .await
            .unwrap_or(false)
    }

    async fn isc_answers(&self) -> bool {
        let recent = |at: Instant| at.elapsed() < RECENT;
        if last_answer(&self.inner.token_url).is_some_and(recent) {
            return true;
        }
        let mut probe = self.inner.probe.lock().await;
        // Answered meanwhile (another check's probe, or a sign-in), or a probe just failed.
        if last_answer(&self.inner.token_url).is_some_and(recent) {
            return true;
        }
        if let Some((at, answered)) = *probe
            && at.elapsed() < PROBE_CACHE
        {
            return answered;
        }
        let answered = self
            .inner
            .http
            .get(self.inner.token_url.clone())
            .timeout(CHECK_TIMEOUT)
            .send()
            .await
            .is_ok();
        if answered {
            token_endpoint_answered(&self.inner.token_url);
        }
        *probe = Some((Instant::now(), answered));
        answered
    }
}

/// `/healthz` and `/readyz`, with their state applied (merge them outside the session layer).
pub fn routes(health: Health) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(health)
}

/// `GET /healthz`: the process answers.
async fn healthz() -> Response {
    answer(StatusCode::OK, serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the console can serve, 503 naming what fails otherwise.
async fn readyz(State(health): State<Health>) -> Response {
    match health.readiness().await {
        Readiness::Ready => answer(StatusCode::OK, serde_json::json!({ "status": "ok" })),
        Readiness::ShuttingDown => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "shutting_down" }),
        ),
        Readiness::Failing(failing) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "unavailable", "failing": failing }),
        ),
    }
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(body),
    )
        .into_response()
}
