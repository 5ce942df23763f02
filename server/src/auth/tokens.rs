//! Signed-in admins' own ISC tokens: kept server-side in their own table, handed to the ISC
//! client as the caller's [`Credential`], refreshed shortly before they expire, with at most one refresh
//! in flight per session.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use sqlx::{Row, SqlitePool};
use tower_sessions::Session;

use app::caller::{Credential, CredentialError};
use app::error::NoAnswer;

use super::Auth;
use super::oauth::{ExchangeError, Tokens};

/// The token table, in the session database.
#[derive(Clone)]
pub struct TokenStore {
    pool: SqlitePool,
}

impl TokenStore {
    pub async fn new(pool: SqlitePool) -> Result<TokenStore, sqlx::Error> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS console_user_tokens (
                id TEXT PRIMARY KEY NOT NULL,
                access_token TEXT NOT NULL,
                refresh_token TEXT,
                renew_at INTEGER NOT NULL,
                ends_at INTEGER NOT NULL
            )",
        )
        .execute(&pool)
        .await?;
        Ok(TokenStore { pool })
    }

    /// Stores a new token pair that lives at most until `ends_at` (the session's absolute end);
    /// returns its id.
    pub async fn insert(&self, tokens: &Tokens, ends_at: i64) -> Result<String, sqlx::Error> {
        let id = random_id();
        sqlx::query(
            "INSERT INTO console_user_tokens (id, access_token, refresh_token, renew_at, ends_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&tokens.access)
        .bind(&tokens.refresh)
        .bind(tokens.renew_at)
        .bind(ends_at)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn load(&self, id: &str) -> Result<Option<Tokens>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT access_token, refresh_token, renew_at FROM console_user_tokens
             WHERE id = ? AND ends_at > ?",
        )
        .bind(id)
        .bind(super::now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Tokens {
                access: r.try_get(0)?,
                refresh: r.try_get(1)?,
                renew_at: r.try_get(2)?,
            })
        })
        .transpose()
    }

    pub async fn update(&self, id: &str, tokens: &Tokens) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE console_user_tokens SET access_token = ?, refresh_token = ?, renew_at = ?
             WHERE id = ?",
        )
        .bind(&tokens.access)
        .bind(&tokens.refresh)
        .bind(tokens.renew_at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM console_user_tokens WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the tokens of sessions past their absolute end (sessions that ended by idling
    /// leave theirs until then).
    pub async fn delete_ended(&self) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM console_user_tokens WHERE ends_at <= ?")
            .bind(super::now())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// 128 random bits, hex.
fn random_id() -> String {
    rand::random::<[u8; 16]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One lock per token set, so a session's concurrent requests refresh once. Entries are held
/// weakly: a lock lives as long as someone holds or waits for it.
#[derive(Default)]
pub struct RefreshLocks {
    locks: std::sync::Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl RefreshLocks {
    pub fn for_id(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        // A poisoned map only means another thread panicked mid-insert; its data is still fine.
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(lock) = locks.get(id).and_then(Weak::upgrade) {
            return lock;
        }
        locks.retain(|_, weak| weak.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(id.to_string(), Arc::downgrade(&lock));
        lock
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// The tokens of one signed-in admin, for one request.
pub struct SessionTokens {
    pub(super) auth: Auth,
    pub(super) session: Session,
    pub(super) id: String,
}

impl SessionTokens {
    async fn load(&self) -> Result<Tokens, CredentialError> {
        match self.auth.inner.tokens.load(&self.id).await {
            Ok(Some(tokens)) => Ok(tokens),
            // Signed out elsewhere, or past the session's end.
            Ok(None) => {
                self.end().await;
                Err(CredentialError::SignedOut)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read a user's tokens from the session database");
                Err(CredentialError::Store)
            }
        }
    }

    /// Refreshes under the session's lock. `still_needed` decides, on the tokens as they are
    /// once the lock is held, whether someone else already did it.
    async fn refresh_if(
        &self,
        still_needed: impl Fn(&Tokens) -> bool,
    ) -> Result<String, CredentialError> {
        let lock = self.auth.inner.locks.for_id(&self.id);
        let _held = lock.lock().await;
        let current = self.load().await?;
        if !still_needed(&current) {
            return Ok(current.access);
        }
        let Some(refresh_token) = current.refresh.as_deref() else {
            tracing::info!(
                "a user's access token expired and ISC gave no refresh token; signing out"
            );
            self.end().await;
            return Err(CredentialError::SignedOut);
        };
        match self.auth.inner.oauth.refresh(refresh_token).await {
            Ok(fresh) => {
                if let Err(e) = self.auth.inner.tokens.update(&self.id, &fresh).await {
                    // The refresh token is used up: without storing the new one the session
                    // cannot go on.
                    tracing::error!(error = %e, "cannot store refreshed tokens; signing out");
                    self.end().await;
                    return Err(CredentialError::SignedOut);
                }
                Ok(fresh.access)
            }
            Err(ExchangeError::Refused(code)) => {
                tracing::info!(%code, "ISC refused to refresh a user's token; signing out");
                self.end().await;
                Err(CredentialError::SignedOut)
            }
            Err(ExchangeError::Unavailable) => Err(NoAnswer::Unreachable.into()),
        }
    }

    async fn end(&self) {
        self.auth.end_session(&self.session, Some(&self.id)).await;
    }
}

#[async_trait::async_trait]
impl Credential for SessionTokens {
    async fn access_token(&self) -> Result<String, CredentialError> {
        let tokens = self.load().await?;
        let stale = |t: &Tokens| super::now() >= t.renew_at;
        if !stale(&tokens) {
            return Ok(tokens.access);
        }
        self.refresh_if(stale).await
    }

    async fn renew(&self, rejected: &str) -> Result<String, CredentialError> {
        self.refresh_if(|t| t.access == rejected).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_are_shared_while_held_and_forgotten_after() {
        let locks = RefreshLocks::default();
        let a = locks.for_id("a");
        let again = locks.for_id("a");
        assert!(Arc::ptr_eq(&a, &again));
        drop((a, again));
        let _b = locks.for_id("b");
        assert_eq!(locks.len(), 1, "the unused lock of `a` was dropped");
    }

    #[test]
    fn ids_are_random_and_long() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
