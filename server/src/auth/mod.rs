//! Sign-in (backend for frontend): OAuth authorization code + PKCE against ISC, sessions in a
//! SQLite database behind an HttpOnly cookie, users' ISC tokens kept server-side, and roles from
//! ISC user levels.
//!
//! - `routes`: `/auth/login`, `/auth/callback`, `/auth/logout`;
//! - `caller`: the middleware that resolves each request's `app::caller::Caller` once (and
//!   sends signed-out browsers from pages to sign-in);
//! - `error`: what can go wrong in here, kept off the browser-facing `AppError`.

mod caller;
mod error;
mod identity;
mod oauth;
mod roles;
mod routes;
mod session;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use app::caller::{Caller, Credential};
use app::model::Role;
use tower_sessions::Session;
use tower_sessions_sqlx_store::SqliteStore;

pub use app::model::return_path::local_return_path;
pub use caller::resolve_caller;
pub use error::{AuthError, AuthSetupError, error_chain};
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
    /// The console's read-only application credential, which reads for helpdesk users.
    pub app_credential: Option<Arc<dyn Credential>>,
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
    app_credential: Option<Arc<dyn Credential>>,
}

/// What [`Auth::open`] sets up: the shared state, the session layer, and the clean-up tasks.
pub struct AuthParts {
    pub auth: Auth,
    pub session_layer: tower_sessions::SessionManagerLayer<SqliteStore>,
    pub cleanup: Vec<tokio::task::JoinHandle<()>>,
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
            .map_err(AuthSetupError::Http)?;
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
                app_credential: settings.app_credential,
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
    async fn current(&self, session: &Session) -> Result<Option<SignedIn>, AuthError> {
        let data = match session.get::<SignedIn>(session::AUTH_KEY).await {
            Ok(data) => data,
            Err(tower_sessions::session::Error::SerdeJson(_)) => {
                // Written by another version of the console: start over.
                self.end_session(session, None).await;
                return Ok(None);
            }
            Err(e) => return Err(AuthError::Session(e)),
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
    async fn current_checked(&self, session: &Session) -> Result<Option<SignedIn>, AuthError> {
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
                Err(e) => return Err(AuthError::Tokens(e)),
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

impl Auth {
    /// Who is calling with `session`: resolved once per request, by the caller middleware.
    /// An admin's session whose tokens are gone counts as signed out.
    pub async fn caller(&self, session: &Session) -> Result<Caller, AuthError> {
        let Some(data) = self.current_checked(session).await? else {
            return Ok(Caller::SignedOut);
        };
        Ok(match data.access {
            Access::Denied { user_name, levels } => Caller::NoAccess { user_name, levels },
            Access::Granted { viewer, tokens } => match (viewer.role, tokens) {
                (Role::Admin, Some(id)) => Caller::Admin {
                    viewer,
                    own_token: Arc::new(SessionTokens {
                        auth: self.clone(),
                        session: session.clone(),
                        id,
                    }),
                },
                // An admin session always has tokens; without them nobody can act for it.
                (Role::Admin, None) => Caller::SignedOut,
                (Role::Helpdesk, _) => Caller::Helpdesk {
                    viewer,
                    app_credential: self.inner.app_credential.clone(),
                },
            },
        })
    }
}
