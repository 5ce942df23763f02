//! `GET /oauth/authorize` shows the sign-in page; posting it (to the same path or to
//! `/oauth/authorize/login`) signs in and redirects back with a code.
//!
//! Per RFC 6749 §4.1.2.1: a bad `client_id` or an unregistered `redirect_uri` gets an HTML error
//! page, never a redirect; every other problem is redirected back as `error=...` with the `state`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::grants::{CodeGrant, Pkce, PkceMethod, valid_pkce_string};
use super::login_page::{LoginPage, error_page, html, login_page};
use super::{param, parse_params, scopes};
use crate::seed::Client;
use crate::{Sandbox, base_url};

/// A validated authorization request.
struct AuthRequest {
    client: Client,
    redirect_uri: String,
    state: Option<String>,
    pkce: Option<Pkce>,
    scopes: Vec<String>,
    /// The request's parameters, to carry through the sign-in form.
    carried: Vec<(&'static str, String)>,
}

enum Failure {
    /// Shown to the user: the client cannot be trusted with a redirect.
    Page(String),
    /// Redirected to the client with `error`.
    Redirect(String),
}

/// Is `candidate` one of the client's redirect URIs? `scheme://host:*/path` in the registration
/// accepts any port (loopback clients pick theirs), nothing else: same scheme, host and path,
/// no query, fragment or user info.
pub(crate) fn redirect_allowed(client: &Client, candidate: &str) -> bool {
    client
        .redirect_uris
        .iter()
        .any(|pattern| redirect_matches(pattern, candidate))
}

fn redirect_matches(pattern: &str, candidate: &str) -> bool {
    let Some((before, after)) = pattern.split_once(":*") else {
        return pattern == candidate;
    };
    let (Ok(pattern), Ok(url)) = (
        Url::parse(&format!("{before}{after}")),
        Url::parse(candidate),
    ) else {
        return false;
    };
    url.as_str() == candidate
        && url.scheme() == pattern.scheme()
        && url.host_str() == pattern.host_str()
        && url.path() == pattern.path()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Result<String, String> {
    let mut url = Url::parse(redirect_uri).map_err(|e| e.to_string())?;
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
    }
    Ok(url.into())
}

fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> Failure {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    match redirect_with(redirect_uri, &pairs) {
        Ok(location) => Failure::Redirect(location),
        Err(e) => Failure::Page(format!("Invalid redirect_uri: {e}")),
    }
}

fn validate(sandbox: &Sandbox, params: &[(String, String)]) -> Result<AuthRequest, Failure> {
    let seed = &sandbox.shared.seed;
    let client_id =
        param(params, "client_id").ok_or_else(|| Failure::Page("client_id is missing.".into()))?;
    let client = seed
        .client(client_id)
        .ok_or_else(|| Failure::Page(format!("Unknown client \"{client_id}\".")))?;
    let redirect_uri = param(params, "redirect_uri")
        .ok_or_else(|| Failure::Page("redirect_uri is missing.".into()))?;
    if !redirect_allowed(client, redirect_uri) {
        return Err(Failure::Page(format!(
            "redirect_uri \"{redirect_uri}\" is not registered for client \"{client_id}\"."
        )));
    }
    let state = param(params, "state");
    let fail =
        |error: &str, description: &str| error_redirect(redirect_uri, error, description, state);
    if !client.allows_grant("authorization_code") {
        return Err(fail(
            "unauthorized_client",
            "this client may not use the authorization code grant",
        ));
    }
    match param(params, "response_type") {
        None => return Err(fail("invalid_request", "response_type is required")),
        Some("code") => {}
        Some(_) => {
            return Err(fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
    }
    let challenge = param(params, "code_challenge");
    let method = param(params, "code_challenge_method");
    let pkce = match (challenge, method) {
        (None, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method given without code_challenge",
            ));
        }
        (None, None) if sandbox.shared.config.require_pkce => {
            return Err(fail("invalid_request", "code_challenge is required"));
        }
        (None, None) => None,
        (Some(challenge), method) => {
            // RFC 7636 §4.3: the method defaults to "plain".
            let method = match method {
                None | Some("plain") => PkceMethod::Plain,
                Some("S256") => PkceMethod::S256,
                Some(_) => {
                    return Err(fail(
                        "invalid_request",
                        "code_challenge_method must be S256 or plain",
                    ));
                }
            };
            if !valid_pkce_string(challenge) {
                return Err(fail("invalid_request", "malformed code_challenge"));
            }
            Some(Pkce {
                challenge: challenge.to_owned(),
                method,
            })
        }
    };
    let scopes = scopes::resolve(&client.scopes, param(params, "scope"), None)
        .map_err(|e| fail(e.error, &e.description))?;
    let carried = [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
        "scope",
    ]
    .into_iter()
    .filter_map(|name| param(params, name).map(|v| (name, v.to_owned())))
    .collect();
    Ok(AuthRequest {
        client: client.clone(),
        redirect_uri: redirect_uri.to_owned(),
        state: state.map(str::to_owned),
        pkce,
        scopes,
        carried,
    })
}

fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, value),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => html(
            StatusCode::BAD_REQUEST,
            error_page("sandbox", "Invalid redirect_uri."),
        ),
    }
}

fn render_login(
    sandbox: &Sandbox,
    request: &AuthRequest,
    action: &str,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Response {
    let hidden: Vec<(&str, &str)> = request
        .carried
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let users = sandbox.users();
    let page = LoginPage {
        tenant: &sandbox.shared.config.tenant_name,
        client_name: &request.client.name,
        action,
        hidden: &hidden,
        username,
        error,
        users: &users,
    };
    html(status, login_page(&page))
}

fn failure_response(sandbox: &Sandbox, failure: Failure) -> Response {
    match failure {
        Failure::Page(message) => html(
            StatusCode::BAD_REQUEST,
            error_page(&sandbox.shared.config.tenant_name, &message),
        ),
        Failure::Redirect(location) => found(&location),
    }
}

pub(crate) async fn authorize_get(
    State(sandbox): State<Sandbox>,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(params) = parse_params(query.unwrap_or_default().as_bytes()) else {
        return failure_response(&sandbox, Failure::Page("A parameter is repeated.".into()));
    };
    match validate(&sandbox, &params) {
        Ok(request) => {
            let action = format!("{}/oauth/authorize", base_url::prefix(&original, &uri));
            render_login(&sandbox, &request, &action, StatusCode::OK, "", None)
        }
        Err(failure) => failure_response(&sandbox, failure),
    }
}

pub(crate) async fn authorize_post(
    State(sandbox): State<Sandbox>,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let params = body.ok().and_then(|b| parse_params(&b));
    let Some(params) = params else {
        return failure_response(&sandbox, Failure::Page("Unreadable sign-in form.".into()));
    };
    let request = match validate(&sandbox, &params) {
        Ok(request) => request,
        Err(failure) => return failure_response(&sandbox, failure),
    };
    let state = request.state.as_deref();
    if param(&params, "action") == Some("cancel") {
        return failure_response(
            &sandbox,
            error_redirect(
                &request.redirect_uri,
                "access_denied",
                "the user cancelled the sign-in",
                state,
            ),
        );
    }
    let username = param(&params, "username").unwrap_or_default().trim();
    let password = param(&params, "password").unwrap_or_default();
    let user = sandbox
        .shared
        .seed
        .user(username)
        .filter(|u| u.password == password);
    let Some(user) = user else {
        let action = format!("{}/oauth/authorize", base_url::prefix(&original, &uri));
        return render_login(
            &sandbox,
            &request,
            &action,
            StatusCode::UNAUTHORIZED,
            username,
            Some("Wrong username or password."),
        );
    };
    let code = sandbox.shared.grants.lock().issue_code(
        CodeGrant {
            client_id: request.client.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            pkce: request.pkce.clone(),
            username: user.username.clone(),
            scopes: request.scopes.clone(),
        },
        sandbox.shared.config.code_ttl,
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    match redirect_with(&request.redirect_uri, &pairs) {
        Ok(location) => found(&location),
        Err(e) => failure_response(
            &sandbox,
            Failure::Page(format!("Invalid redirect_uri: {e}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console() -> Client {
        Client {
            client_id: "console".into(),
            client_secret: "s".into(),
            name: "Console".into(),
            grant_types: vec!["authorization_code".into()],
            redirect_uris: vec![
                "http://127.0.0.1:*/auth/callback".into(),
                "https://console.example.com/auth/callback".into(),
            ],
            user: None,
            scopes: vec![],
        }
    }

    #[test]
    fn redirect_uri_matching() {
        let c = console();
        assert!(redirect_allowed(&c, "http://127.0.0.1:3000/auth/callback"));
        assert!(redirect_allowed(&c, "http://127.0.0.1:54321/auth/callback"));
        assert!(redirect_allowed(
            &c,
            "https://console.example.com/auth/callback"
        ));
        for bad in [
            "http://127.0.0.1:3000/auth/callback?x=1",
            "http://127.0.0.1:3000/auth/callback#f",
            "http://127.0.0.1:3000/auth/callback/",
            "http://127.0.0.1:3000/other",
            "https://127.0.0.1:3000/auth/callback",
            "http://127.0.0.2:3000/auth/callback",
            "http://user@127.0.0.1:3000/auth/callback",
            "http://127.0.0.1.evil.com:3000/auth/callback",
            "http://127.0.0.1:3000/auth/x/../callback",
            "https://console.example.com/auth/callback?x",
            "not a url",
        ] {
            assert!(!redirect_allowed(&c, bad), "{bad}");
        }
    }
}
