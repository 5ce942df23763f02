//! The edge of the server functions (`/api/*`): bodies over the size limit are refused with
//! 413 before anything reads them, and a failed server function answers with the HTTP status
//! of its `AppError` (server_fn 0.8 sends 500 for every error, including arguments it could
//! not decode, which `AppError::from_server_fn_error` turns into `BadRequest`).
//!
//! It is also where notices in the URL are signed and checked (the rule is in `notice`): a
//! server function's `Location` (a plain form's 302, or the header the hydrated app follows)
//! gets `__sig` when it carries a notice the server wrote, and a page asked for with a notice
//! parameter but without a valid signature is sent to the same page without its notices.

use std::sync::Arc;

use app::error::AppError;
use app::routes::Base;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use server_fn::error::FromServerFnError;

use crate::notice::{self, Notices};
use crate::store::Sealer;

/// The largest server-function body the console reads. A group's largest legitimate save
/// (500 sources) is about 25 KB.
pub const API_BODY_LIMIT: usize = 256 * 1024;

/// A document submitted for a plan may be 1 MB (the document's own limit, checked there with
/// a message that says so); form encoding can make it up to three times larger on the wire.
pub const PLAN_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The largest body the server function at `path` reads.
fn body_limit(path: &str) -> usize {
    if path == "/api/submit_plan" {
        PLAN_BODY_LIMIT
    } else {
        API_BODY_LIMIT
    }
}

/// The header server_fn puts on an error answer (its `SERVER_FN_ERROR_HEADER`).
const SERVER_FN_ERROR: &str = "serverfnerror";

/// Error bodies are small JSON; one larger than this is not ours to re-read.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// `sealer` signs the notices (the console's key); `base` is where the console is mounted
/// (requests arrive with it taken off; the redirects written here carry it).
pub fn layers(router: Router, sealer: Sealer, base: Base) -> Router {
    let notices = Arc::new(NoticeEdge {
        notices: Notices::new(sealer),
        base,
    });
    router
        .layer(middleware::from_fn(api_boundary))
        // Bodies without a Content-Length are cut off here (and then fail to decode: 400); with
        // one, `api_boundary` refuses what is over each function's own limit.
        .layer(DefaultBodyLimit::max(PLAN_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(notices, notice_edge))
}

struct NoticeEdge {
    notices: Notices,
    base: Base,
}

/// Signs the notices of server functions' redirects; refuses pages' unsigned ones.
async fn notice_edge(
    State(edge): State<Arc<NoticeEdge>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        // As server_fn reads it for the redirect back to the form's page.
        let referer = request
            .headers()
            .get(header::REFERER)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut response = next.run(request).await;
        sign_location(&edge, referer.as_deref(), &mut response);
        return response;
    }
    let page = matches!(*request.method(), Method::GET | Method::HEAD)
        && !path.starts_with("/pkg/")
        && !path.starts_with("/auth/");
    if page
        && let Some(query) = request.uri().query()
        && let Some(kept) = edge.notices.refused(path, query, notice::now())
    {
        return without_notices(&edge.base, path, &kept);
    }
    next.run(request).await
}

/// `__sig` on the notices of a server function's `Location` (whatever its status: 302 for a
/// plain form, 200 with `serverfnredirect` for the hydrated app).
fn sign_location(edge: &NoticeEdge, referer: Option<&str>, response: &mut Response) {
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let signed = edge
        .notices
        .sign_location(location, referer, &edge.base, notice::now())
        .and_then(|signed| HeaderValue::from_str(&signed).ok());
    if let Some(signed) = signed {
        response.headers_mut().insert(header::LOCATION, signed);
    }
}

/// The page at `path` (inside the console) with the query `kept`: a 302 under the base.
fn without_notices(base: &Base, path: &str, kept: &str) -> Response {
    let target = match kept {
        "" => base.href(path),
        kept => base.href(&format!("{path}?{kept}")),
    };
    let location = HeaderValue::from_str(&target)
        .or_else(|_| HeaderValue::from_str(&base.href("/")))
        .unwrap_or_else(|_| HeaderValue::from_static("/"));
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
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
    let limit = body_limit(request.uri().path());
    if declared.is_some_and(|n| n > limit as u64) {
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
