//! Every request gets an id (`x-request-id`, 128 random bits): in the response, in the request's
//! log span, and in the audit record of any change it made. An id the client sent is replaced:
//! the audit record must not carry an id someone chose.

use axum::extract::Request;
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

/// Middleware (outside everything that logs or records): sets the request's id and copies it to
/// the response.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = fresh();
    request.headers_mut().insert(HEADER, id.clone());
    let mut response = next.run(request).await;
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
