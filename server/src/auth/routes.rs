//! `/auth/login`, `/auth/callback` and `/auth/logout`.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_sessions::Session;
use tower_sessions::cookie::Cookie;

use super::identity::{self, Identity};
use super::oauth::{ExchangeError, Tokens};
use super::pending::{LOGIN_COOKIE, PendingLogin, PendingLogins};
use super::session::{AUTH_KEY, Access, SIGNED_IN_COOKIE, SignedIn};
use super::{Auth, local_return_path, now};
use app::model::Viewer;

/// How long the "was signed in" marker outlives a session's maximum length.
const MARKER_EXTRA_SECS: i64 = 7 * 24 * 3600;

/// The sign-in routes; `limit` (the per-address rate limit) goes on the two that start and
/// finish a sign-in.
pub fn routes<S: Clone + Send + Sync + 'static>(
    auth: Auth,
    limit: crate::sign_in_limit::SignInLayer,
) -> Router<S> {
    Router::new()
        .route("/auth/login", get(login).layer(limit.clone()))
        .route("/auth/callback", get(callback).layer(limit))
        // POST only: a sign-out link or image could otherwise sign people out (CSRF).
        .route("/auth/logout", post(logout))
        .with_state(auth)
}

/// `GET /auth/login?return=/groups/abc`: starts a sign-in at ISC. Writes nothing on the server:
/// the sign-in in progress goes into a sealed cookie.
async fn login(
    State(auth): State<Auth>,
    session: Session,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let return_to = first_param(query.as_deref(), "return")
        .as_deref()
        .and_then(local_return_path)
        .unwrap_or("/")
        .to_string();
    match auth.current(&session).await {
        // Already signed in: nothing to do at ISC.
        Ok(Some(SignedIn {
            access: Access::Granted { .. },
            ..
        })) => return auth.found(&return_to),
        Ok(_) => {}
        Err(e) => {
            let error = app::error::AppError::from(e);
            return auth.failure(error.status_code(), &error.to_string(), &return_to);
        }
    }
    let (url, state, verifier) = auth.inner.oauth.authorize();
    let mut pending =
        PendingLogins::from_request(&headers, &auth.inner.cookies, &auth.inner.sealer);
    pending.push(PendingLogin {
        state: state.secret().clone(),
        verifier: verifier.secret().clone(),
        return_to,
        created_at: now(),
    });
    let mut response = found(url.as_str());
    set_cookie(
        &mut response,
        pending.cookie(&auth.inner.cookies, &auth.inner.sealer),
    );
    response
}

/// `GET /auth/callback?code=…&state=…` (or `?error=…&state=…`): ISC sends the browser back.
async fn callback(
    State(auth): State<Auth>,
    session: Session,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let had_cookie = auth.inner.cookies.read(&headers, LOGIN_COOKIE).is_some();
    let mut pending =
        PendingLogins::from_request(&headers, &auth.inner.cookies, &auth.inner.sealer);
    let taken = first_param(query.as_deref(), "state").and_then(|state| pending.take(&state));
    let (mut response, signed_in) = complete(&auth, &session, query.as_deref(), taken).await;
    // The used sign-in is gone from the cookie; after a successful one, so are the others
    // (other tabs' verifiers are of no use any more).
    if signed_in {
        pending = PendingLogins::default();
    }
    if had_cookie {
        set_cookie(
            &mut response,
            pending.cookie(&auth.inner.cookies, &auth.inner.sealer),
        );
    }
    response
}

/// The callback's work once its pending sign-in (if any) is known.
async fn complete(
    auth: &Auth,
    session: &Session,
    query: Option<&str>,
    pending: Option<PendingLogin>,
) -> (Response, bool) {
    let Some(pending) = pending else {
        // Unknown state: a forged or replayed callback, or a sign-in that took too long. Nothing
        // is stored, so no session comes of it.
        crate::metrics::sign_in_failed("unknown_state");
        return (
            auth.failure(
                StatusCode::BAD_REQUEST,
                "This sign-in is unknown or has expired.",
                "/",
            ),
            false,
        );
    };
    let return_to = pending.return_to.clone();
    if let Some(error) = first_param(query, "error") {
        if error == "access_denied" {
            crate::metrics::sign_in_failed("cancelled");
            return (
                auth.found(&app::routes::signin(None, Some(&return_to))),
                false,
            );
        }
        // The parameter comes from the browser: log only a short, plain code.
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        tracing::info!(%error, "ISC refused the sign-in");
        crate::metrics::sign_in_failed("refused");
        return (
            auth.failure(
                StatusCode::BAD_GATEWAY,
                "ISC refused the sign-in.",
                &return_to,
            ),
            false,
        );
    }
    let Some(code) = first_param(query, "code") else {
        crate::metrics::sign_in_failed("invalid");
        return (
            auth.failure(
                StatusCode::BAD_REQUEST,
                "ISC sent no authorization code.",
                &return_to,
            ),
            false,
        );
    };
    let tokens = match auth.inner.oauth.exchange_code(code, pending.verifier).await {
        Ok(tokens) => tokens,
        Err(e) => {
            tracing::warn!(error = %e, "exchanging the authorization code failed");
            crate::metrics::sign_in_exchange_failed(matches!(e, ExchangeError::Refused(_)));
            let message = match e {
                ExchangeError::Refused(_) => "ISC did not accept the sign-in.",
                ExchangeError::Unavailable => "ISC could not be reached to complete the sign-in.",
            };
            return (
                auth.failure(StatusCode::BAD_GATEWAY, message, &return_to),
                false,
            );
        }
    };
    let data = match establish(auth, session, tokens).await {
        Ok(data) => data,
        Err((status, message)) => return (auth.failure(status, message, &return_to), false),
    };
    match data.access {
        Access::Granted { .. } => {
            let mut response = auth.found(&return_to);
            let marker_age = auth.inner.max.saturating_add(MARKER_EXTRA_SECS);
            set_cookie(
                &mut response,
                auth.inner
                    .cookies
                    .build(SIGNED_IN_COOKIE, "1".into())
                    .max_age(time::Duration::seconds(marker_age))
                    .build(),
            );
            (response, true)
        }
        Access::Denied { .. } => (auth.found(app::routes::NO_ACCESS), true),
    }
}

/// Turns fresh tokens into a signed-in session: who it is, their role, their tokens (admins
/// only), and a new session id.
async fn establish(
    auth: &Auth,
    session: &Session,
    tokens: Tokens,
) -> Result<SignedIn, (StatusCode, &'static str)> {
    let info = identity::userinfo(
        auth.inner.oauth.http(),
        auth.inner.oauth.userinfo_url(),
        &tokens.access,
    )
    .await;
    let Some(who) = Identity::from_sources(identity::unverified_claims(&tokens.access), info)
    else {
        tracing::warn!("ISC's token names no user");
        crate::metrics::sign_in_failed("failed");
        return Err((StatusCode::BAD_GATEWAY, "ISC did not say who signed in."));
    };

    let now = now();
    let role = auth.inner.roles.role_for(&who.levels);
    // Admins act with their tokens; a helpdesk user's are kept (sealed) only to re-check their
    // levels. Someone with no level served keeps none.
    let token_id = match role {
        Some(role) => match auth
            .inner
            .tokens
            .insert(&tokens, role, now + auth.inner.max)
            .await
        {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(error = %e, "cannot store a user's tokens");
                crate::metrics::sign_in_failed("failed");
                return Err(STORE_FAILED);
            }
        },
        None => None,
    };
    let access = match role {
        Some(role) => Access::Granted {
            viewer: Viewer {
                user_name: who.user_name.clone(),
                display_name: who.display_name,
                role,
                identity_id: who.identity_id,
            },
            tokens: token_id,
        },
        None => Access::Denied {
            user_name: who.user_name.clone(),
            levels: who.levels,
        },
    };
    // A sign-in replaces whatever this browser had (e.g. another user's session).
    if let Ok(Some(previous)) = session.get::<SignedIn>(AUTH_KEY).await
        && let Some(id) = previous.token_id()
    {
        auth.forget_tokens(id).await;
    }
    let data = SignedIn {
        access,
        signed_in_at: now,
        touched_at: now,
    };
    let stored = async {
        // A new session id at sign-in: an id planted before sign-in (session fixation) is
        // worth nothing afterwards.
        session.cycle_id().await?;
        session.insert(AUTH_KEY, &data).await
    }
    .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "cannot store the session");
        crate::metrics::sign_in_failed("failed");
        if let Some(id) = data.token_id() {
            auth.forget_tokens(id).await;
        }
        return Err(STORE_FAILED);
    }
    tracing::info!(user = %who.user_name, role = ?role, "signed in");
    crate::metrics::signed_in(role);
    Ok(data)
}

const STORE_FAILED: (StatusCode, &str) = (
    StatusCode::SERVICE_UNAVAILABLE,
    "The console cannot store the sign-in right now.",
);

/// `POST /auth/logout`: ends the session here (ISC's own session is left alone).
async fn logout(State(auth): State<Auth>, session: Session) -> Response {
    let token_id = match session.get::<SignedIn>(AUTH_KEY).await {
        Ok(Some(data)) => data.token_id().map(str::to_string),
        _ => None,
    };
    auth.end_session(&session, token_id.as_deref()).await;
    // 303: the browser follows a POST's redirect with a GET.
    let mut response = (
        StatusCode::SEE_OTHER,
        [
            (
                header::LOCATION,
                HeaderValue::from_str(&auth.inner.base.href(&app::routes::signin(
                    Some(app::routes::SigninReason::SignedOut),
                    None,
                )))
                .unwrap_or(HeaderValue::from_static(app::routes::SIGNIN)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response();
    set_cookie(&mut response, auth.inner.cookies.removal(SIGNED_IN_COOKIE));
    response
}

/// The first value of `name` in a query string.
fn first_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// 302 to `location`, never cached.
pub fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, value),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Bad redirect.").into_response(),
    }
}

pub(super) fn set_cookie(response: &mut Response, cookie: Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

impl Auth {
    /// 302 to the console address `path`, under the console's base.
    pub(super) fn found(&self, path: &str) -> Response {
        found(&self.inner.base.href(path))
    }

    /// A plain page for a sign-in that could not complete, with a way to try again.
    fn failure(&self, status: StatusCode, message: &str, return_to: &str) -> Response {
        crate::plain_page::render(
            &self.inner.base,
            status,
            "Sign-in did not complete",
            message,
            ("Sign in again", &app::routes::login(Some(return_to))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_value_of_a_parameter_is_read() {
        assert_eq!(
            first_param(Some("a=1&return=%2Fx&return=%2Fy"), "return").as_deref(),
            Some("/x")
        );
    }
}
