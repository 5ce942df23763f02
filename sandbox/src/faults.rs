//! Fault injection: added latency, bursts of failing API requests, mass token expiry.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::Sandbox;
use crate::errors::{self, ApiError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FaultState {
    #[serde(serialize_with = "as_millis")]
    pub latency_ms: Duration,
    pub fail_next: FailNext,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct FailNext {
    pub count: u32,
    pub status: u16,
}

impl Default for FaultState {
    fn default() -> Self {
        Self {
            latency_ms: Duration::ZERO,
            fail_next: FailNext {
                count: 0,
                status: 500,
            },
        }
    }
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Handle on a sandbox's fault injection. Cheap to clone; every clone drives the same sandbox.
#[derive(Clone)]
pub struct Faults {
    pub(crate) sandbox: Sandbox,
}

impl Faults {
    /// Delay added to every API and OAuth response (not to the control endpoint).
    pub fn set_latency(&self, latency: Duration) {
        self.sandbox.shared.faults.lock().latency_ms = latency;
    }

    /// The next `n` API requests fail with `status`, before authentication and rate limiting:
    /// 429 with `Retry-After` (see `SandboxConfig::fault_retry_after_secs`) and ISC's 429 body,
    /// 401 with ISC's 401 body, any other status with an `ErrorResponseDto`
    /// (500: `500.0 Internal Fault`). A status outside 400..=599 counts as 500.
    pub fn fail_next(&self, n: u32, status: u16) {
        let status = if (400..=599).contains(&status) {
            status
        } else {
            500
        };
        self.sandbox.shared.faults.lock().fail_next = FailNext { count: n, status };
    }

    /// Every access token issued so far is expired from now on (answered 401). Refresh tokens
    /// keep working, so a client can recover the way it would after a real expiry.
    pub fn expire_all_tokens(&self) {
        self.sandbox.shared.grants.lock().expire_all_access_tokens();
    }

    /// No latency, no pending failures.
    pub fn reset(&self) {
        *self.sandbox.shared.faults.lock() = FaultState::default();
    }

    /// Current latency.
    pub fn latency(&self) -> Duration {
        self.sandbox.shared.faults.lock().latency_ms
    }

    /// Failures still pending, and their status.
    pub fn pending_failures(&self) -> (u32, u16) {
        let f = self.sandbox.shared.faults.lock().fail_next;
        (f.count, f.status)
    }

    pub(crate) fn state(&self) -> FaultState {
        *self.sandbox.shared.faults.lock()
    }

    /// Consumes one pending failure, if any.
    pub(crate) fn take_failure(&self) -> Option<u16> {
        let mut faults = self.sandbox.shared.faults.lock();
        if faults.fail_next.count == 0 {
            return None;
        }
        faults.fail_next.count -= 1;
        Some(faults.fail_next.status)
    }

    pub(crate) fn failure_response(&self, status: u16) -> Response {
        match status {
            429 => errors::rate_limited(self.sandbox.shared.config.fault_retry_after_secs),
            401 => errors::unauthorized(),
            other => {
                let status =
                    StatusCode::from_u16(other).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                ApiError::for_status(status).into_response()
            }
        }
    }
}

/// Layer: sleeps for the configured latency before handling the request.
pub(crate) async fn latency_layer(
    State(sandbox): State<Sandbox>,
    req: Request,
    next: Next,
) -> Response {
    let latency = sandbox.faults().latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    next.run(req).await
}
