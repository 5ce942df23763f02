//! Browser sessions: what a session holds, the cookie, and the clean-up of expired sessions
//! (the table is `store::sessions`).
//!
//! The session record holds who signed in and when, never tokens: a user's tokens live in their
//! own table (`store::tokens`, sealed), because tower-sessions saves a request's whole copy of
//! the record at the end of that request, and a concurrent request's stale copy would otherwise
//! undo a token refresh (ISC rotates refresh tokens, so that would sign the user out).

use std::time::Duration;

use app::model::Viewer;
use serde::{Deserialize, Serialize};
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};

use crate::store::sessions::SessionTable;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sgc_session";
/// A marker cookie set at sign-in and cleared at sign-out: a browser that has it but no live
/// session had its session end (timeout, failed refresh), so it is told so instead of being
/// sent straight to ISC.
pub const SIGNED_IN_COOKIE: &str = "sgc_signed_in";

/// Session key of [`SignedIn`].
pub const AUTH_KEY: &str = "auth";

/// A signed-in session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub access: Access,
    /// Unix seconds of the sign-in (for the absolute timeout).
    pub signed_in_at: i64,
    /// Unix seconds of the last time the session was kept alive (for the idle timeout).
    pub touched_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Access {
    /// An admin or helpdesk user. `tokens`: the id of their ISC tokens in the token table (an
    /// admin acts with them; a helpdesk user's are only used to re-check their user levels,
    /// their reads use the console's own credential). The role in the token row, checked at
    /// ISC, wins over `viewer.role`.
    Granted {
        viewer: Viewer,
        tokens: Option<String>,
    },
    /// Signed in at ISC with no user level the console serves; no tokens kept.
    Denied {
        user_name: String,
        levels: Vec<String>,
    },
}

impl SignedIn {
    pub fn token_id(&self) -> Option<&str> {
        match &self.access {
            Access::Granted { tokens, .. } => tokens.as_deref(),
            Access::Denied { .. } => None,
        }
    }
}

/// The cookie and expiry rules of the console's sessions.
pub fn layer(
    store: SessionTable,
    cookie: &super::cookies::CookieRules,
    idle: Duration,
) -> SessionManagerLayer<SessionTable> {
    let idle = time::Duration::seconds(i64::try_from(idle.as_secs()).unwrap_or(i64::MAX));
    SessionManagerLayer::new(store)
        .with_name(cookie.name(SESSION_COOKIE))
        .with_http_only(true)
        // Lax, not the default Strict: the redirect back from ISC's sign-in page is a
        // cross-site navigation, and a Strict cookie would not come with it (state lost).
        .with_same_site(SameSite::Lax)
        .with_secure(cookie.secure)
        .with_path(cookie.path.clone())
        // The store's record and the cookie expire `idle` after the session was last saved;
        // `Auth::current` saves it about once a minute while it is in use.
        .with_expiry(Expiry::OnInactivity(idle))
}

/// Deletes expired sessions now and then, for as long as the returned task runs.
pub fn spawn_cleanup(store: SessionTable, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        loop {
            every.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "deleting expired sessions failed");
            }
        }
    })
}
