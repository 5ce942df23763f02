//! Browser sessions: what a session holds, the SQLite database behind it, the cookie, and the
//! clean-up of expired sessions.
//!
//! The session record holds who signed in and when, never tokens: an admin's tokens live in
//! their own table (see `tokens`), because tower-sessions saves a request's whole copy of the
//! record at the end of that request, and a concurrent request's stale copy would otherwise undo
//! a token refresh (ISC rotates refresh tokens, so that would sign the user out).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use app::model::Viewer;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sgc_session";
/// A marker cookie set at sign-in and cleared at sign-out: a browser that has it but no live
/// session had its session end (timeout, failed refresh), so it is told so instead of being
/// sent straight to ISC.
pub const SIGNED_IN_COOKIE: &str = "sgc_signed_in";
/// The session database's file name inside `CONSOLE_DATA_DIR`.
pub const DATABASE_FILE: &str = "console.db";

/// Session key of [`SignedIn`].
pub const AUTH_KEY: &str = "auth";
/// Session key of the pending sign-ins ([`PendingLogin`]s).
pub const LOGIN_KEY: &str = "login";

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
    /// An admin or helpdesk user. `tokens`: the id of an admin's ISC tokens in the token table
    /// (helpdesk users' tokens are not kept: their reads use the console's own credential).
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

/// A sign-in in progress (between `/auth/login` and `/auth/callback`). No `Debug`: it holds the
/// PKCE verifier.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub verifier: String,
    pub return_to: String,
    pub created_at: i64,
}

/// How long a sign-in may take at ISC's page.
pub const LOGIN_TTL_SECS: i64 = 15 * 60;
/// Sign-ins pending at once in one browser (several tabs), oldest dropped first.
pub const MAX_PENDING_LOGINS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the session database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
}

/// Opens (creating if needed) `{data_dir}/console.db` and its tables.
pub async fn open_database(data_dir: &Path) -> Result<SqlitePool, StoreError> {
    create_private_dir(data_dir).map_err(|source| StoreError::Directory {
        path: data_dir.to_path_buf(),
        source,
    })?;
    let path = data_dir.join(DATABASE_FILE);
    let open_error = |source| StoreError::Open {
        path: path.clone(),
        source,
    };
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(open_error)?
        .filename(&path)
        .create_if_missing(true)
        // WAL: readers do not block the writer; several processes may share the file.
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(open_error)
}

/// The directory holds users' ISC tokens: only the console's own OS user may read it.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

pub async fn session_store(pool: SqlitePool) -> Result<SqliteStore, sqlx::Error> {
    let store = SqliteStore::new(pool);
    store.migrate().await?;
    Ok(store)
}

/// The cookie and expiry rules of the console's sessions.
pub fn layer(store: SqliteStore, secure: bool, idle: Duration) -> SessionManagerLayer<SqliteStore> {
    let idle = time::Duration::seconds(i64::try_from(idle.as_secs()).unwrap_or(i64::MAX));
    SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        // Lax, not the default Strict: the redirect back from ISC's sign-in page is a
        // cross-site navigation, and a Strict cookie would not come with it (state lost).
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        // The store's record and the cookie expire `idle` after the session was last saved;
        // `Auth::current` saves it about once a minute while it is in use.
        .with_expiry(Expiry::OnInactivity(idle))
}

/// Deletes expired sessions now and then, for as long as the returned task runs.
pub fn spawn_cleanup(store: SqliteStore, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            // Returns only on a store error; keep going after a pause.
            if let Err(e) = store.clone().continuously_delete_expired(period).await {
                tracing::warn!(error = %e, "deleting expired sessions failed");
            }
            tokio::time::sleep(period).await;
        }
    })
}
