//! OAuth 2.0 as ISC serves it: `/oauth/authorize` (sign-in page, authorization code + PKCE),
//! `/oauth/token` (authorization_code, refresh_token, client_credentials), `/oauth/info`
//! (discovery) and `/oauth/userinfo`. Mounted at the router's root, not under an API version.

pub(crate) mod authorize;
pub(crate) mod grants;
pub(crate) mod info;
pub(crate) mod jwt;
pub(crate) mod login_page;
pub(crate) mod scopes;
pub(crate) mod token;

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::Sandbox;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(
            "/oauth/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/oauth/authorize/login", post(authorize::authorize_post))
        .route("/oauth/token", post(token::token))
        .route("/oauth/info", get(info::info))
        .route("/oauth/userinfo", get(info::userinfo))
}

/// An RFC 6749 §5.2 error: `{"error": ..., "error_description": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }
    pub(crate) fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", d)
    }
    pub(crate) fn invalid_client(d: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", d)
    }
    pub(crate) fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", d)
    }
    pub(crate) fn unauthorized_client(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", d)
    }
    pub(crate) fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", d)
    }
    pub(crate) fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", d)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            no_store(),
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"sandbox\""),
            );
        }
        res
    }
}

/// Token responses must not be cached (RFC 6749 §5.1).
pub(crate) fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

/// Form or query parameters; `None` if a parameter is repeated (RFC 6749 §3.1: MUST NOT).
pub(crate) fn parse_params(input: &[u8]) -> Option<Vec<(String, String)>> {
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(input) {
        if params.iter().any(|(seen, _)| *seen == k) {
            return None;
        }
        params.push((k.into_owned(), v.into_owned()));
    }
    Some(params)
}

/// The value of a parameter, treating an empty value as absent (RFC 6749 §3.1).
pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}
