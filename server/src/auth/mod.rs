//! Sign-in (backend for frontend): OAuth authorization code + PKCE against ISC, sessions in a
//! SQLite database behind an HttpOnly cookie, users' ISC tokens kept server-side, and roles from
//! ISC user levels.
//!
//! - `routes`: `/auth/login`, `/auth/callback`, `/auth/logout`;
//! - `guard`: sends signed-out browsers from pages to sign-in;
//! - [`session_state`] and [`user_tokens`]: what the rest of the server asks about a request.

mod guard;
mod identity;
mod oauth;
mod roles;
mod routes;
mod session;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use app::error::AppError;
use app::model::{Role, SessionState};
use axum::http::request::Parts;
use tower_sessions::Session;
use tower_sessions_sqlx_store::SqliteStore;

use crate::isc::TokenSource;

pub use app::model::return_path::local_return_path;
pub use guard::guard;
pub use oauth::{Endpoints, discover_authorize_url, join as join_url};
pub use routes::routes;
pub use session::{DATABASE_FILE, SESSION_COOKIE, SIGNED_IN_COOKIE, StoreError};

use oauth::OAuth;
use roles::RoleMap;
use session::{Access, SignedIn};
use tokens::{RefreshLocks, SessionTokens, TokenStore};

/// A session in use is saved (extending its idle expiry) at most this often (or a quarter of
/// the idle timeout, if that is shorter).
const TOUCH_EVERY_SECS: i64 = 60;
/// How often expired sessions and tokens are deleted.
const CLEANUP_PERIOD: Duration = Duration::from_secs(10 * 60);

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Sign-in settings the server resolved at start-up.
pub struct AuthSettings {
    pub client: crate::config::ClientCredential,
    pub endpoints: Endpoints,
    pub scopes: Vec<String>,
    /// The console's public origin, e.g. `https://console.example.com` (no trailing slash).
    pub public_base: String,
    pub session_idle: Duration,
    pub session_max: Duration,
    pub helpdesk_levels: Vec<String>,
    /// ISC calls' timeouts (the token endpoint included).
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

/// Sign-in state shared by every request (the request extensions carry a clone).
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    oauth: OAuth,
    roles: RoleMap,
    tokens: TokenStore,
    locks: RefreshLocks,
    idle: i64,
    max: i64,
    /// Cookies get `Secure` (the public URL is https).
    secure_cookies: bool,
}

/// What [`Auth::open`] sets up: the shared state, the session layer, and the clean-up tasks.
pub struct AuthParts {
    pub auth: Auth,
    pub session_layer: tower_sessions::SessionManagerLayer<SqliteStore>,
    pub cleanup: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot prepare the session database: {0}")]
    Migrate(#[from] sqlx::Error),
    #[error("cannot build the HTTP client for sign-in")]
    Http,
}

impl Auth {
    /// Opens the session database in `data_dir` and prepares sign-in.
    pub async fn open(
        settings: AuthSettings,
        data_dir: &std::path::Path,
    ) -> Result<AuthParts, AuthSetupError> {
        let pool = session::open_database(data_dir).await?;
        let store = session::session_store(pool.clone()).await?;
        let tokens = TokenStore::new(pool).await?;
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            // Never follow a redirect from the token endpoint (oauth2's SSRF warning): it could
            // carry the client secret, a code or a refresh token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sync-groups-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| AuthSetupError::Http)?;
        let secure_cookies = settings.public_base.starts_with("https://");
        let auth = Auth {
            inner: Arc::new(Inner {
                oauth: OAuth::new(&settings.client, &settings.endpoints, settings.scopes, http),
                roles: RoleMap::new(&settings.helpdesk_levels),
                tokens: tokens.clone(),
                locks: RefreshLocks::default(),
                idle: secs(settings.session_idle),
                max: secs(settings.session_max),
                secure_cookies,
            }),
        };
        let session_layer = session::layer(store.clone(), secure_cookies, settings.session_idle);
        let cleanup = vec![
            session::spawn_cleanup(store, CLEANUP_PERIOD),
            tokio::spawn(async move {
                let mut every = tokio::time::interval(CLEANUP_PERIOD);
                loop {
                    every.tick().await;
                    if let Err(e) = tokens.delete_ended().await {
                        tracing::warn!(error = %e, "deleting ended sessions' tokens failed");
                    }
                }
            }),
        ];
        Ok(AuthParts {
            auth,
            session_layer,
            cleanup,
        })
    }

    /// The live sign-in of `session`, enforcing the idle and absolute timeouts (an ended session
    /// is deleted) and keeping a session in use alive.
    async fn current(&self, session: &Session) -> Result<Option<SignedIn>, AppError> {
        let data = match session.get::<SignedIn>(session::AUTH_KEY).await {
            Ok(data) => data,
            Err(tower_sessions::session::Error::SerdeJson(_)) => {
                // Written by another version of the console: start over.
                self.end_session(session, None).await;
                return Ok(None);
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the session store");
                return Err(store_unavailable());
            }
        };
        let Some(mut data) = data else {
            return Ok(None);
        };
        let now = now();
        if now - data.signed_in_at >= self.inner.max || now - data.touched_at >= self.inner.idle {
            self.end_session(session, data.token_id()).await;
            return Ok(None);
        }
        if now - data.touched_at >= TOUCH_EVERY_SECS.min(self.inner.idle / 4) {
            data.touched_at = now;
            // Marks the session modified: tower-sessions saves it with a new idle expiry.
            if let Err(e) = session.insert(session::AUTH_KEY, &data).await {
                tracing::warn!(error = %e, "cannot keep the session alive");
            }
        }
        Ok(Some(data))
    }

    /// Like [`Auth::current`], and an admin's session whose tokens are gone (signed out in a
    /// concurrent request, refresh failed) is ended too. For page loads.
    async fn current_checked(&self, session: &Session) -> Result<Option<SignedIn>, AppError> {
        let Some(data) = self.current(session).await? else {
            return Ok(None);
        };
        if let Some(id) = data.token_id() {
            match self.inner.tokens.load(id).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    self.end_session(session, Some(id)).await;
                    return Ok(None);
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the session database");
                    return Err(store_unavailable());
                }
            }
        }
        Ok(Some(data))
    }

    /// Ends a session: forgets its tokens and deletes it (the cookie is removed with the
    /// response, if the response has not started yet; otherwise the next request finds no
    /// session behind it).
    async fn end_session(&self, session: &Session, token_id: Option<&str>) {
        if let Some(id) = token_id
            && let Err(e) = self.inner.tokens.delete(id).await
        {
            tracing::warn!(error = %e, "cannot delete a user's tokens");
        }
        if let Err(e) = session.flush().await {
            tracing::warn!(error = %e, "cannot delete a session");
        }
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn store_unavailable() -> AppError {
    AppError::ServerFn("its session store is unavailable; try again shortly".into())
}

fn request_auth(parts: &Parts) -> Result<(&Auth, &Session), AppError> {
    let auth = parts
        .extensions
        .get::<Auth>()
        .ok_or_else(|| AppError::NotConfigured {
            message: "Sign-in is not set up on this server.".into(),
        })?;
    let session = parts
        .extensions
        .get::<Session>()
        .ok_or_else(|| AppError::NotConfigured {
            message: "Sessions are not set up on this server.".into(),
        })?;
    Ok((auth, session))
}

/// The session state of the current request. Reads the tower_sessions::Session from the request
/// extensions in `parts` (leptos_axum provides `http::request::Parts` as Leptos context both in SSR
/// and in server-function calls, and the tower-sessions layer puts `Session` in the extensions).
pub async fn session_state(parts: &Parts) -> Result<SessionState, AppError> {
    let (auth, session) = request_auth(parts)?;
    Ok(match auth.current(session).await? {
        None => SessionState::SignedOut,
        Some(SignedIn {
            access: Access::Granted { viewer, .. },
            ..
        }) => SessionState::SignedIn(viewer),
        Some(SignedIn {
            access: Access::Denied { user_name, levels },
            ..
        }) => SessionState::NoAccess { user_name, levels },
    })
}

/// A token source for the signed-in admin's own ISC tokens (refreshing through the session, at
/// most one refresh in flight per session). Err(AppError::Unauthorized) when signed out or when
/// the refresh failed (the session is then ended, and the next page load explains why).
pub async fn user_tokens(parts: &Parts) -> Result<Arc<dyn TokenSource>, AppError> {
    let (auth, session) = request_auth(parts)?;
    let Some(data) = auth.current_checked(session).await? else {
        return Err(AppError::Unauthorized);
    };
    match data.access {
        Access::Granted {
            viewer,
            tokens: Some(id),
        } if viewer.role == Role::Admin => Ok(Arc::new(SessionTokens {
            auth: auth.clone(),
            session: session.clone(),
            id,
        })),
        _ => Err(AppError::Forbidden {
            needed: "This needs the ISC user level ORG_ADMIN.".into(),
        }),
    }
}
