//! `POST /oauth/token`: form-encoded, client authentication by HTTP Basic or by
//! `client_id`/`client_secret` form fields.
//!
//! - `authorization_code`: one-time, short-lived codes; `redirect_uri` must equal the
//!   authorization request's; PKCE (S256 or plain) checked when the request had a challenge.
//! - `refresh_token`: with rotation (the default, `SandboxConfig::rotate_refresh_tokens`) the
//!   presented token is used up and a new one returned, and a used one is `invalid_grant`;
//!   without, the presented token stays valid until it expires and is returned again. The
//!   refresh token keeps the original scopes, a `scope` parameter narrows only the access token.
//!   The access token carries the user's levels as they are now (see the `users` module).
//! - `client_credentials`: personal access tokens carry their user, API clients none; no refresh
//!   token (RFC 6749 §4.4.3).
//!
//! Every request is counted by grant type and outcome (see the `stats` module).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::grants::RefreshGrant;
use super::jwt::Claims;
use super::{OAuthError, no_store, param, parse_params, scopes};
use crate::Sandbox;
use crate::ids;
use crate::seed::{Client, GRANT_TYPES, User};
use crate::stats::GrantKind;

pub(crate) async fn token(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let kind = GrantKind::of(
        body.as_ref()
            .ok()
            .and_then(|b| parse_params(b))
            .as_deref()
            .and_then(|params| param(params, "grant_type")),
    );
    let result = exchange(&sandbox, &headers, body);
    sandbox
        .shared
        .stats
        .lock()
        .count_token_request(kind, result.is_ok());
    match result {
        Ok(json) => (no_store(), Json(json)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The refresh token a token response carries.
enum RefreshOut {
    None,
    /// A new refresh token with these scopes.
    New(Vec<String>),
    /// The presented refresh token again (no rotation).
    Same(String),
}

fn exchange(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Value, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(OAuthError::invalid_request(
            "the token request must be application/x-www-form-urlencoded",
        ));
    }
    let body = body.map_err(|e| OAuthError::invalid_request(e.body_text()))?;
    let params = parse_params(&body)
        .ok_or_else(|| OAuthError::invalid_request("a parameter is repeated"))?;
    let seed = &sandbox.shared.seed;
    let client = authenticate_client(seed.clients.as_slice(), headers, &params)?;
    let find_user = |name: &str| {
        sandbox
            .user(name)
            .ok_or_else(|| OAuthError::invalid_grant("the grant's user no longer exists"))
    };
    let grant_type = param(&params, "grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    if !GRANT_TYPES.contains(&grant_type) {
        return Err(OAuthError::unsupported_grant_type(format!(
            "unsupported grant_type {grant_type}"
        )));
    }
    if !client.allows_grant(grant_type) {
        return Err(OAuthError::unauthorized_client(format!(
            "client {} may not use grant_type {grant_type}",
            client.client_id
        )));
    }
    let issued = match grant_type {
        "authorization_code" => {
            let code = param(&params, "code")
                .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
            let (grant, family) = sandbox.shared.grants.lock().redeem_code(
                code,
                &client.client_id,
                param(&params, "redirect_uri"),
                param(&params, "code_verifier"),
            )?;
            let user = find_user(&grant.username)?;
            let refresh = if client.allows_grant("refresh_token") {
                RefreshOut::New(grant.scopes.clone())
            } else {
                RefreshOut::None
            };
            issue(
                sandbox,
                client,
                Some(&user),
                grant.scopes,
                Some(family),
                refresh,
            )
        }
        "refresh_token" => {
            let token = param(&params, "refresh_token")
                .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
            let rotate = sandbox.rotate_refresh_tokens();
            let grant: RefreshGrant =
                sandbox
                    .shared
                    .grants
                    .lock()
                    .redeem_refresh(token, &client.client_id, rotate)?;
            let access_scopes =
                scopes::resolve(&client.scopes, param(&params, "scope"), Some(&grant.scopes))?;
            let user = grant.username.as_deref().map(find_user).transpose()?;
            issue(
                sandbox,
                client,
                user.as_ref(),
                access_scopes,
                Some(grant.family),
                if rotate {
                    RefreshOut::New(grant.scopes)
                } else {
                    RefreshOut::Same(token.to_owned())
                },
            )
        }
        _ => {
            let granted = scopes::resolve(&client.scopes, param(&params, "scope"), None)?;
            let user = client.user.as_deref().map(find_user).transpose()?;
            issue(
                sandbox,
                client,
                user.as_ref(),
                granted,
                None,
                RefreshOut::None,
            )
        }
    };
    Ok(issued)
}

/// Client authentication (RFC 6749 §2.3.1). Both methods work; if both are used they must agree.
fn authenticate_client<'a>(
    clients: &'a [Client],
    headers: &HeaderMap,
    params: &[(String, String)],
) -> Result<&'a Client, OAuthError> {
    let failed = || OAuthError::invalid_client("client authentication failed");
    let form_id = param(params, "client_id");
    let form_secret = param(params, "client_secret");
    let (id, secret) = match basic_credentials(headers)? {
        Some((id, secret)) => {
            if form_id.is_some_and(|f| f != id) {
                return Err(OAuthError::invalid_request(
                    "client_id does not match the Authorization header",
                ));
            }
            if form_secret.is_some_and(|f| f != secret) {
                return Err(failed());
            }
            (id, secret)
        }
        None => match (form_id, form_secret) {
            (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
            (Some(_), None) => return Err(failed()),
            (None, _) => {
                return Err(OAuthError::invalid_client(
                    "client authentication is required",
                ));
            }
        },
    };
    clients
        .iter()
        .find(|c| {
            c.client_id == id && constant_time_eq(c.client_secret.as_bytes(), secret.as_bytes())
        })
        .ok_or_else(failed)
}

/// `Authorization: Basic` credentials, form-urlencoded inside as RFC 6749 §2.3.1 asks.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || OAuthError::invalid_client("malformed Basic credentials");
    let value = value.to_str().map_err(|_| malformed())?.trim();
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

fn form_decode(s: &str) -> String {
    let escaped = s.replace('&', "%26").replace('=', "%3D");
    url::form_urlencoded::parse(format!("v={escaped}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Signs an access token, records it, and builds ISC's token response.
fn issue(
    sandbox: &Sandbox,
    client: &Client,
    user: Option<&User>,
    scopes: Vec<String>,
    family: Option<u64>,
    refresh: RefreshOut,
) -> Value {
    let shared = &sandbox.shared;
    let config = &shared.config;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let claims = Claims {
        tenant_id: shared.tenant_id.clone(),
        internal: false,
        pod: config.pod.clone(),
        org: config.tenant_name.clone(),
        identity_id: user.map(|u| u.identity_id.clone()),
        user_name: user.map(|u| u.username.clone()),
        strong_auth: false,
        authorities: user.map(|u| u.authorities.clone()).unwrap_or_default(),
        client_id: client.client_id.clone(),
        strong_auth_supported: false,
        scope: scopes,
        exp: (now + config.token_ttl).as_secs_f64().ceil() as u64,
        iat: now.as_secs(),
        jti: ids::uuid_v4(),
    };
    let access_token = shared.signer.sign(&claims);
    let mut grants = shared.grants.lock();
    grants.record_access(claims.jti.clone(), config.token_ttl, family);
    let refresh_token = match (refresh, family) {
        (RefreshOut::Same(token), _) => Some(token),
        (RefreshOut::New(scopes), Some(family)) => Some(grants.issue_refresh(
            RefreshGrant {
                client_id: client.client_id.clone(),
                username: claims.user_name.clone(),
                scopes,
                family,
            },
            config.refresh_ttl,
        )),
        _ => None,
    };
    drop(grants);
    let mut body = json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": config.token_ttl.as_secs(),
        "scope": claims.scope.join(" "),
        "tenant_id": claims.tenant_id,
        "internal": claims.internal,
        "pod": claims.pod,
        "strong_auth_supported": claims.strong_auth_supported,
        "org": claims.org,
        "claims_supported": false,
        "strong_auth": claims.strong_auth,
        "jti": claims.jti,
    });
    if let Some(user) = user {
        body["identity_id"] = json!(user.identity_id);
        body["user_name"] = json!(user.username);
    }
    if let Some(refresh_token) = refresh_token {
        body["refresh_token"] = json!(refresh_token);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut headers = HeaderMap::new();
        let encoded = STANDARD.encode("my%20client:s%3Acret+x");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {encoded}").parse().unwrap(),
        );
        assert_eq!(
            basic_credentials(&headers).unwrap(),
            Some(("my client".to_owned(), "s:cret x".to_owned()))
        );
        headers.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert!(basic_credentials(&headers).is_err());
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
