//! Sign-in (backend for frontend): OAuth authorization code + PKCE against ISC, sessions in a
//! SQLite database behind an HttpOnly cookie, users' ISC tokens kept server-side, and roles from
//! ISC user levels.
//!
//! - `routes`: `/auth/login`, `/auth/callback`, `/auth/logout`;
//! - `caller`: the middleware that resolves each request's `app::caller::Caller` once (and
//!   sends signed-out browsers from pages to sign-in);
//! - `error`: what can go wrong in here, kept off the browser-facing `AppError`.

mod caller;
mod cookies;
mod error;
mod identity;
mod oauth;
mod pending;
mod roles;
mod routes;
mod session;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use app::caller::{Caller, Credential};
use app::model::Role;
use tower_sessions::Session;

pub use app::model::return_path::local_return_path;
pub use caller::resolve_caller;
pub use cookies::CookieRules;
pub use error::{AuthError, AuthSetupError, error_chain};
pub use oauth::{Endpoints, discover_authorize_url, join as join_url};
pub use routes::{found, routes};
pub use session::{SESSION_COOKIE, SIGNED_IN_COOKIE};

use crate::store::sessions::SessionTable;
use crate::store::tokens::TokenTable;
use crate::store::{Database, Sealer};
use oauth::OAuth;
use roles::RoleMap;
use session::{Access, SignedIn};
use tokens::{RefreshLocks, SessionTokens};

/// A session in use is saved (extending its idle expiry) at most this often (or a quarter of
/// the idle timeout, if that is shorter).
const TOUCH_EVERY_SECS: i64 = 60;
/// How often expired sessions and tokens are deleted.
const CLEANUP_PERIOD: Duration = Duration::from_secs(10 * 60);
/// A user's ISC user levels are checked again at least this often (an admin's at every refresh
/// too): someone whose level is removed in ISC loses the console within this time.
pub const RECHECK: Duration = Duration::from_secs(15 * 60);

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    crate::store::now()
}

/// Sign-in settings the server resolved at start-up.
pub struct AuthSettings {
    pub client: crate::config::ClientCredential,
    pub endpoints: Endpoints,
    pub scopes: Vec<String>,
    /// The console's public URL (its cookies' `Secure`, prefix and `Path` follow it).
    pub public_url: url::Url,
    /// Where the console is mounted on that URL (the redirects it sends go under it).
    pub base: app::routes::Base,
    pub session_idle: Duration,
    pub session_max: Duration,
    /// How often users' levels are checked again at ISC (at most [`RECHECK`]).
    pub recheck: Duration,
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
    tokens: TokenTable,
    locks: RefreshLocks,
    sealer: Sealer,
    cookies: CookieRules,
    base: app::routes::Base,
    idle: i64,
    max: i64,
    recheck: i64,
    /// How long a replica may hold a token row's refresh lease (a refresh's longest call).
    lease: Duration,
    app_credential: Option<Arc<dyn Credential>>,
    /// The OAuth client administrators sign in with (their tokens count against its limit).
    client_id: String,
}

/// What [`Auth::open`] sets up: the shared state, the session layer, and the clean-up tasks.
pub struct AuthParts {
    pub auth: Auth,
    pub session_layer: tower_sessions::SessionManagerLayer<SessionTable>,
    pub cleanup: Vec<tokio::task::JoinHandle<()>>,
}

impl Auth {
    /// Prepares sign-in on the console's database.
    pub fn open(
        settings: AuthSettings,
        db: &Database,
        sealer: Sealer,
    ) -> Result<AuthParts, AuthSetupError> {
        let sessions = SessionTable::new(db.clone());
        let tokens = TokenTable::new(db.clone(), sealer.clone());
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            // Never follow a redirect from the token endpoint (oauth2's SSRF warning): it could
            // carry the client secret, a code or a refresh token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sync-groups-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(AuthSetupError::Http)?;
        let cookies = CookieRules::for_public_url(&settings.public_url);
        let session_layer = session::layer(sessions.clone(), &cookies, settings.session_idle);
        let auth = Auth {
            inner: Arc::new(Inner {
                oauth: OAuth::new(&settings.client, &settings.endpoints, settings.scopes, http),
                roles: RoleMap::new(&settings.helpdesk_levels),
                tokens: tokens.clone(),
                locks: RefreshLocks::default(),
                sealer,
                cookies,
                base: settings.base,
                idle: secs(settings.session_idle),
                max: secs(settings.session_max),
                recheck: secs(settings.recheck.min(RECHECK)),
                lease: settings.connect_timeout + settings.request_timeout,
                app_credential: settings.app_credential,
                client_id: settings.client.client_id.clone(),
            }),
        };
        let cleanup = vec![
            session::spawn_cleanup(sessions, CLEANUP_PERIOD),
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

    /// Ends a session: forgets its tokens and deletes it (the cookie is removed with the
    /// response, if the response has not started yet; otherwise the next request finds no
    /// session behind it).
    async fn end_session(&self, session: &Session, token_id: Option<&str>) {
        if let Some(id) = token_id {
            self.forget_tokens(id).await;
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
    /// A session whose tokens are gone (signed out elsewhere, refresh refused, level removed in
    /// ISC) counts as signed out. The role is the one ISC's levels gave at the last check; a
    /// check older than the re-check interval is done now.
    pub async fn caller(&self, session: &Session, request_id: &str) -> Result<Caller, AuthError> {
        let Some(data) = self.current(session).await? else {
            return Ok(Caller::SignedOut);
        };
        let (viewer, id) = match data.access {
            Access::Denied { user_name, levels } => {
                return Ok(Caller::NoAccess { user_name, levels });
            }
            Access::Granted {
                viewer,
                tokens: Some(id),
            } => (viewer, id),
            // Written by an older version (helpdesk sessions kept no tokens): sign in again.
            Access::Granted { tokens: None, .. } => {
                self.end_session(session, None).await;
                return Ok(Caller::SignedOut);
            }
        };
        let stored = match self.load_tokens(&id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => {
                self.end_session(session, None).await;
                return Ok(Caller::SignedOut);
            }
            // Sealed under a key the console no longer has (rotated without
            // CONSOLE_SECRET_KEY_PREVIOUS), or damaged: of no use to anyone; sign in again.
            Err(store::tokens::TokenError::Sealed(e)) => {
                tracing::warn!(error = %e, "a user's stored tokens cannot be opened; signing out");
                self.end_session(session, Some(&id)).await;
                return Ok(Caller::SignedOut);
            }
            Err(e) => return Err(AuthError::Tokens(e)),
        };
        let due = |s: &store::tokens::Stored| now() - s.checked_at >= self.inner.recheck;
        let role = if due(&stored) {
            match self.refresh_tokens(&id, due).await {
                Ok(checked) => checked.role,
                Err(tokens::Ended::SignedOut) => {
                    self.end_session(session, None).await;
                    return Ok(Caller::SignedOut);
                }
                // ISC cannot say now: keep what it said last time, and ask again next request.
                Err(tokens::Ended::Credential(e)) => {
                    tracing::warn!(error = %e, "cannot re-check a user's levels now");
                    stored.role
                }
            }
        } else {
            stored.role
        };
        let viewer = app::model::Viewer { role, ..viewer };
        Ok(match role {
            Role::Admin => Caller::Admin {
                viewer,
                own_token: Arc::new(SessionTokens {
                    auth: self.clone(),
                    session: session.clone(),
                    id,
                }),
                request_id: request_id.to_string(),
            },
            Role::Helpdesk => Caller::Helpdesk {
                viewer,
                app_credential: self.inner.app_credential.clone(),
                request_id: request_id.to_string(),
            },
        })
    }
}

use crate::store;
