//! ISC's error bodies: `ErrorResponseDto` (400/403/404/5xx), the gateway's 401 and 429 bodies,
//! and a safety net that turns any other error response into JSON.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::ids;

pub(crate) const BAD_CONTENT: &str = "400.1 Bad Request Content";
pub(crate) const REQUIRED: &str = "400.1.0 Required Data Missing Or Empty";
pub(crate) const ILLEGAL: &str = "400.1.3 Illegal value";
pub(crate) const REF_NOT_FOUND: &str = "400.1.404 Referenced object not found";
pub(crate) const REF_CONFLICT: &str = "400.1.409 Reference conflict";
pub(crate) const FORBIDDEN: &str = "403 Forbidden";
pub(crate) const NOT_FOUND: &str = "404 Not found";
pub(crate) const INTERNAL: &str = "500.0 Internal Fault";

/// The gateway's answer to a missing, malformed, forged or expired token: always this exact body.
pub(crate) const UNAUTHORIZED_BODY: &str = r#"{"error":"JWT validation failed: JWT is expired"}"#;
/// The gateway's 429 body (the spaces are ISC's).
pub(crate) const RATE_LIMIT_BODY: &str = r#"{"message":" Rate Limit Exceeded "}"#;

const FORBIDDEN_TEXT: &str = "The server understood the request but refuses to authorize it.";
const NOT_FOUND_TEXT: &str =
    "The server did not find a current representation for the target resource.";
const INTERNAL_TEXT: &str = "An internal fault occurred.";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorResponseDto {
    detail_code: String,
    tracking_id: String,
    messages: Vec<ErrorMessageDto>,
    causes: Vec<ErrorMessageDto>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorMessageDto {
    locale: &'static str,
    locale_origin: &'static str,
    text: String,
}

/// An API error answered with an `ErrorResponseDto` and a fresh `trackingId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub detail_code: String,
    pub text: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, detail_code: &str, text: impl Into<String>) -> Self {
        Self {
            status,
            detail_code: detail_code.to_owned(),
            text: text.into(),
        }
    }
    pub(crate) fn bad_content(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, BAD_CONTENT, text)
    }
    pub(crate) fn required(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, REQUIRED, text)
    }
    pub(crate) fn illegal(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ILLEGAL, text)
    }
    pub(crate) fn reference_not_found(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, REF_NOT_FOUND, text)
    }
    pub(crate) fn conflict(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, REF_CONFLICT, text)
    }
    pub(crate) fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, FORBIDDEN, FORBIDDEN_TEXT)
    }
    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, NOT_FOUND, NOT_FOUND_TEXT)
    }
    pub(crate) fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL, INTERNAL_TEXT)
    }

    /// The generic error ISC would give for a bare status code.
    pub(crate) fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::bad_content("The request could not be parsed."),
            403 => Self::forbidden(),
            404 => Self::not_found(),
            500 => Self::internal(),
            code => {
                let reason = status.canonical_reason().unwrap_or("Error");
                Self::new(status, &format!("{code} {reason}"), reason.to_owned() + ".")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let tracking_id = ids::hex32();
        tracing::debug!(%tracking_id, status = %self.status, detail = %self.detail_code, text = %self.text, "API error");
        let body = ErrorResponseDto {
            detail_code: self.detail_code,
            tracking_id,
            messages: vec![ErrorMessageDto {
                locale: "en-US",
                locale_origin: "DEFAULT",
                text: self.text,
            }],
            causes: Vec::new(),
        };
        (self.status, Json(body)).into_response()
    }
}

fn raw_json(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// 401 with the gateway's exact body.
pub(crate) fn unauthorized() -> Response {
    raw_json(StatusCode::UNAUTHORIZED, UNAUTHORIZED_BODY)
}

/// 429 with the gateway's body and `Retry-After` in whole seconds.
pub(crate) fn rate_limited(retry_after_secs: u64) -> Response {
    let mut res = raw_json(StatusCode::TOO_MANY_REQUESTS, RATE_LIMIT_BODY);
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    res
}

/// Fallback for paths the sandbox does not serve.
pub(crate) async fn not_found_fallback() -> ApiError {
    ApiError::not_found()
}

/// Layer: an error response that is neither JSON nor HTML (axum's plain-text rejections, bare
/// 405s, ...) becomes an `ErrorResponseDto` for its status, so clients only ever see JSON errors.
pub(crate) async fn json_safety_net(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") || content_type.starts_with("text/html") {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let replacement = ApiError::for_status(status).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in replacement.headers() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, replacement.into_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_errors_per_status() {
        assert_eq!(
            ApiError::for_status(StatusCode::NOT_FOUND).detail_code,
            NOT_FOUND
        );
        assert_eq!(
            ApiError::for_status(StatusCode::METHOD_NOT_ALLOWED).detail_code,
            "405 Method Not Allowed"
        );
        assert_eq!(
            ApiError::for_status(StatusCode::INTERNAL_SERVER_ERROR).detail_code,
            INTERNAL
        );
    }
}
