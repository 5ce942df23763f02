//! `GET /oauth/info` (discovery, no auth) and `GET /oauth/userinfo` (bearer).

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth;
use crate::errors;
use crate::{Sandbox, base_url};

/// Discovery. Every URL is absolute and built from the request, so it is right when the
/// sandbox is nested under a prefix or reached under another host name.
pub(crate) async fn info(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    OriginalUri(original): OriginalUri,
    uri: Uri,
) -> Json<Value> {
    let base = base_url::external_base(&headers, &original, &uri);
    let config = &sandbox.shared.config;
    Json(json!({
        "tenantName": config.tenant_name,
        "tenantId": sandbox.shared.tenant_id,
        "org": config.tenant_name,
        "pod": config.pod,
        "authorizeEndpoint": format!("{base}/oauth/authorize"),
        "tokenEndpoint": format!("{base}/oauth/token"),
        "userinfoEndpoint": format!("{base}/oauth/userinfo"),
        "apiUrl": base,
        "sandbox": true,
    }))
}

/// The user behind a bearer token, with its current user levels (`authorities`). 401 for a
/// missing or invalid token, and for a token that carries no user (an API client's).
pub(crate) async fn userinfo(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    let Some(caller) = auth::authenticate(&sandbox, &headers) else {
        return errors::unauthorized();
    };
    let claims = &caller.claims;
    // The user as it is now: its current levels, not the token's (which may be older).
    let user = claims
        .user_name
        .as_deref()
        .and_then(|name| sandbox.user(name));
    let Some(user) = user else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "error": "invalid_token",
                "error_description": "the token carries no user",
            })),
        )
            .into_response();
    };
    Json(json!({
        "sub": user.identity_id,
        "identity_id": user.identity_id,
        "user_name": user.username,
        "preferred_username": user.username,
        "name": user.display_name,
        "email": user.email,
        "authorities": user.authorities,
        "tenant_id": claims.tenant_id,
        "org": claims.org,
        "pod": claims.pod,
        "client_id": claims.client_id,
        "scope": claims.scope,
    }))
    .into_response()
}
