//! Control endpoint of the sandbox, for tests and demos. Loopback peers only: anything else,
//! a request relayed by a proxy (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`), or a server
//! started without `into_make_service_with_connect_info::<SocketAddr>()` gets 403. So does a
//! request a web page could have made a browser on this machine send (any page may POST to
//! loopback): one with an `Origin` header (browsers add it to every cross-origin request and
//! to same-origin POSTs), or with a body whose content type is not JSON (the only kinds a page
//! can send without a CORS preflight, which the sandbox never grants). Scripts and test tools
//! send no `Origin` and post JSON.
//! Not rate limited, not delayed by injected latency, not subject to injected failures.
//!
//! - `GET /__sandbox/faults`: the current faults, `{"latencyMs":0,"failNext":{"count":0,"status":500}}`.
//! - `POST /__sandbox/faults` with JSON, every field optional:
//!   `{"latencyMs": 250, "failNext": {"count": 3, "status": 429}, "expireTokens": true}`
//!   (`latencyMs` up to 600000; `status` 400..=599: 429 answers with `Retry-After`, 500 with
//!   `500.0 Internal Fault`). Answers the resulting faults.
//! - `POST /__sandbox/reset`, optional JSON `{"data": true}`: clears faults and rate-limit
//!   windows; with `data`, also puts sources, policies and groups back to the demo org.
//!   Issued tokens stay valid.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_TYPE, ORIGIN};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::Sandbox;
use crate::errors::ApiError;

const MAX_LATENCY_MS: u64 = 600_000;
const MAX_BODY: usize = 64 * 1024;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/__sandbox/faults", get(get_faults).post(set_faults))
        .route("/__sandbox/reset", post(reset))
}

/// Is this request from a local process, not relayed? Only such requests may drive the sandbox.
pub(crate) fn is_local_peer(peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    let Some(peer) = peer else {
        return false;
    };
    let relayed = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    peer.ip().to_canonical().is_loopback() && !relayed
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultsRequest {
    latency_ms: Option<u64>,
    fail_next: Option<FailNextRequest>,
    expire_tokens: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNextRequest {
    count: u32,
    status: u16,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    #[serde(default)]
    data: bool,
}

/// Could a web page have made a browser send this? See the module's documentation.
fn may_come_from_a_web_page(headers: &HeaderMap) -> bool {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_none_or(|v| v.trim().eq_ignore_ascii_case("application/json"));
    headers.contains_key(ORIGIN) || !json
}

/// The peer checks, then the JSON body (an empty body is `{}`).
async fn checked_body<T: DeserializeOwned + Default>(req: Request) -> Result<T, ApiError> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    if !is_local_peer(peer, req.headers()) || may_come_from_a_web_page(req.headers()) {
        return Err(ApiError::forbidden());
    }
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| ApiError::bad_content("Unreadable request body."))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_content(format!("Malformed control request: {e}.")))
}

fn faults_json(sandbox: &Sandbox) -> Response {
    Json(sandbox.faults().state()).into_response()
}

async fn get_faults(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    checked_body::<ResetRequest>(req).await?;
    Ok(faults_json(&sandbox))
}

async fn set_faults(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    let request: FaultsRequest = checked_body(req).await?;
    if request.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
        return Err(ApiError::illegal(format!(
            "Illegal value for \"latencyMs\": at most {MAX_LATENCY_MS}."
        )));
    }
    if let Some(fail) = &request.fail_next
        && !(400..=599).contains(&fail.status)
    {
        return Err(ApiError::illegal(
            "Illegal value for \"failNext.status\": 400 to 599 expected (429 or 500 typically).",
        ));
    }
    let faults = sandbox.faults();
    if let Some(ms) = request.latency_ms {
        faults.set_latency(Duration::from_millis(ms));
    }
    if let Some(fail) = request.fail_next {
        faults.fail_next(fail.count, fail.status);
    }
    if request.expire_tokens == Some(true) {
        faults.expire_all_tokens();
    }
    Ok(faults_json(&sandbox))
}

async fn reset(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    let request: ResetRequest = checked_body(req).await?;
    sandbox.faults().reset();
    sandbox.shared.limiter.lock().clear();
    if request.data {
        sandbox.reset_data();
    }
    let state = sandbox.faults().state();
    Ok(Json(json!({
        "latencyMs": state.latency_ms.as_millis() as u64,
        "failNext": state.fail_next,
        "data": request.data,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_unrelayed_loopback_peers() {
        let none = HeaderMap::new();
        assert!(is_local_peer(
            Some("127.0.0.1:5000".parse().unwrap()),
            &none
        ));
        assert!(is_local_peer(
            Some("127.8.9.10:5000".parse().unwrap()),
            &none
        ));
        assert!(is_local_peer(Some("[::1]:5000".parse().unwrap()), &none));
        assert!(is_local_peer(
            Some("[::ffff:127.0.0.1]:5000".parse().unwrap()),
            &none
        ));
        assert!(!is_local_peer(
            Some("192.0.2.7:5000".parse().unwrap()),
            &none
        ));
        assert!(!is_local_peer(
            Some("[2001:db8::1]:5000".parse().unwrap()),
            &none
        ));
        assert!(!is_local_peer(None, &none));
        let mut relayed = HeaderMap::new();
        relayed.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.4"));
        assert!(!is_local_peer(
            Some("127.0.0.1:5000".parse().unwrap()),
            &relayed
        ));
    }
}
