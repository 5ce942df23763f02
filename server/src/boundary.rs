//! The edge of the server functions (`/api/*`): bodies over the size limit are refused with
//! 413 before anything reads them, and a failed server function answers with the HTTP status
//! of its `AppError` (server_fn 0.8 sends 500 for every error, including arguments it could
//! not decode, which `AppError::from_server_fn_error` turns into `BadRequest`).

use app::error::AppError;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use server_fn::error::FromServerFnError;

/// The largest server-function body the console reads. A group's largest legitimate save
/// (500 sources) is about 25 KB.
pub const API_BODY_LIMIT: usize = 256 * 1024;

/// The header server_fn puts on an error answer (its `SERVER_FN_ERROR_HEADER`).
const SERVER_FN_ERROR: &str = "serverfnerror";

/// Error bodies are small JSON; one larger than this is not ours to re-read.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

pub fn layers(router: Router) -> Router {
    router
        .layer(middleware::from_fn(api_boundary))
        // Bodies without a Content-Length are cut off here (and then fail to decode: 400).
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT))
}

async fn api_boundary(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > API_BODY_LIMIT as u64) {
        return error_response(&AppError::TooLarge);
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && response.headers().contains_key(SERVER_FN_ERROR)
    {
        return with_error_status(response).await;
    }
    response
}

/// A server function's error answer, with the status its error stands for.
async fn with_error_status(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_LIMIT).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error.").into_response();
    };
    parts.status = AppError::de(bytes.clone()).status_code();
    Response::from_parts(parts, Body::from(bytes))
}

/// An error answered here, shaped as server_fn shapes them (so the browser's app reads it).
fn error_response(error: &AppError) -> Response {
    let mut response = (error.status_code(), Body::from(error.ser())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(SERVER_FN_ERROR, HeaderValue::from_static("/api"));
    response
}
