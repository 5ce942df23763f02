//! Every request gets an id (`x-request-id`, 128 random bits): in the response, in the request's
//! log span, and in the audit record of any change it made. An id the client sent is replaced:
//! the audit record must not carry an id someone chose.

use std::sync::Arc;

use axum::extract::{Request, State};
use tracing::Instrument as _;

use crate::client_addr::{ClientIp, TrustedProxies};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

fn fresh() -> HeaderValue {
    let id: String = rand::random::<[u8; 16]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("0"))
}

/// Middleware (outside everything that logs or records): sets the request's id, copies it to
/// the response, and runs the request in a log span naming the id and the client's address (the
/// peer, or what a trusted proxy says: see `client_addr`).
pub async fn assign(
    State(trusted): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = fresh();
    let client = crate::client_addr::request_client_ip(&request, &trusted);
    let span = tracing::info_span!(
        "request",
        id = id.to_str().unwrap_or_default(),
        client = client.map(tracing::field::display),
    );
    request.headers_mut().insert(HEADER, id.clone());
    if let Some(ip) = client {
        request.extensions_mut().insert(ClientIp(ip));
    }
    let mut response = next.run(request).instrument(span).await;
    response.headers_mut().insert(HEADER, id);
    response
}

/// The id `assign` gave this request.
pub fn of(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}
