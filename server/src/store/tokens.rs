//! Signed-in users' ISC tokens in `console_tokens`, sealed (see `sealing`): the access token and
//! the refresh token are stored only as ciphertexts bound to their row and column.
//!
//! The row also carries a refresh lease (`refreshing_until`, Unix milliseconds): the replica
//! that takes it refreshes; every other request, on any replica, waits for the row to change.
//! A lease rather than a row lock held across the call to ISC: a slow token endpoint then pins
//! no database connection, and a replica killed mid-refresh frees the row when its lease ends.

use sqlx::Row as _;

use app::model::Role;

use super::sealing::OpenError;
use super::{Database, Sealer};

/// A token response, kept server-side only. No `Debug`: it must never reach a log.
#[derive(Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    /// Unix seconds after which the access token is renewed before use.
    pub renew_at: i64,
}

/// Tokens as stored, with the user's role and when it was last checked at ISC.
#[derive(Clone)]
pub struct Stored {
    pub tokens: Tokens,
    pub role: Role,
    /// Unix seconds of the last sign-in or refresh (the user's levels were read then).
    pub checked_at: i64,
}

fn role_name(role: Role) -> &'static str {
    role.as_str()
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token table cannot be read or written")]
    Database(#[from] sqlx::Error),
    #[error("stored tokens cannot be opened: {0}")]
    Sealed(#[from] OpenError),
}

#[derive(Clone)]
pub struct TokenTable {
    db: Database,
    sealer: Sealer,
}

fn what(id: &str, column: &str) -> String {
    format!("console_tokens/{id}/{column}")
}

impl TokenTable {
    pub fn new(db: Database, sealer: Sealer) -> TokenTable {
        TokenTable { db, sealer }
    }

    fn seal(&self, id: &str, tokens: &Tokens) -> (Vec<u8>, Option<Vec<u8>>) {
        (
            self.sealer.seal_str(&what(id, "access"), &tokens.access),
            tokens
                .refresh
                .as_deref()
                .map(|r| self.sealer.seal_str(&what(id, "refresh"), r)),
        )
    }

    /// Stores a new token pair that lives at most until `ends_at` (the session's absolute end);
    /// returns its id.
    pub async fn insert(
        &self,
        tokens: &Tokens,
        role: Role,
        ends_at: i64,
    ) -> Result<String, TokenError> {
        let id = random_id();
        let (access, refresh) = self.seal(&id, tokens);
        sqlx::query(
            "INSERT INTO console_tokens
                 (id, access_sealed, refresh_sealed, role, renew_at, checked_at, ends_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(access)
        .bind(refresh)
        .bind(role_name(role))
        .bind(tokens.renew_at)
        .bind(super::now())
        .bind(ends_at)
        .execute(self.db.pool())
        .await?;
        Ok(id)
    }

    /// The tokens of `id`, unless they are gone or past their end. Tokens sealed under the
    /// previous key are sealed again under the current one.
    pub async fn load(&self, id: &str) -> Result<Option<Stored>, TokenError> {
        let row = sqlx::query(
            "SELECT access_sealed, refresh_sealed, renew_at, checked_at, role FROM console_tokens
             WHERE id = $1 AND ends_at > $2",
        )
        .bind(id)
        .bind(super::now())
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let access_sealed: Vec<u8> = row.try_get(0)?;
        let refresh_sealed: Option<Vec<u8>> = row.try_get(1)?;
        let (access, mut stale) = self.sealer.open_str(&what(id, "access"), &access_sealed)?;
        let refresh = match refresh_sealed {
            Some(sealed) => {
                let (refresh, old) = self.sealer.open_str(&what(id, "refresh"), &sealed)?;
                stale |= old;
                Some(refresh)
            }
            None => None,
        };
        let stored = Stored {
            tokens: Tokens {
                access,
                refresh,
                renew_at: row.try_get(2)?,
            },
            checked_at: row.try_get(3)?,
            role: match row.try_get::<String, _>(4)?.as_str() {
                "admin" => Role::Admin,
                _ => Role::Helpdesk,
            },
        };
        if stale {
            self.reseal(id, &stored.tokens, &access_sealed).await?;
        }
        Ok(Some(stored))
    }

    /// Seals `tokens` again under the current key, unless the row changed meanwhile (a refresh
    /// elsewhere already wrote it under the current key).
    async fn reseal(&self, id: &str, tokens: &Tokens, was: &[u8]) -> Result<(), TokenError> {
        let (access, refresh) = self.seal(id, tokens);
        sqlx::query(
            "UPDATE console_tokens SET access_sealed = $1, refresh_sealed = $2
             WHERE id = $3 AND access_sealed = $4",
        )
        .bind(access)
        .bind(refresh)
        .bind(id)
        .bind(was.to_vec())
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Stores refreshed tokens and the role the user's levels give now (checked just now), and
    /// ends the lease.
    pub async fn update(&self, id: &str, tokens: &Tokens, role: Role) -> Result<(), TokenError> {
        let (access, refresh) = self.seal(id, tokens);
        sqlx::query(
            "UPDATE console_tokens SET access_sealed = $1, refresh_sealed = $2, role = $3,
                 renew_at = $4, checked_at = $5, refreshing_until = NULL
             WHERE id = $6",
        )
        .bind(access)
        .bind(refresh)
        .bind(role_name(role))
        .bind(tokens.renew_at)
        .bind(super::now())
        .bind(id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Takes the refresh lease of `id` for `lease_ms` unless another holder's is still running.
    pub async fn try_lease(&self, id: &str, lease_ms: i64) -> Result<bool, TokenError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE console_tokens SET refreshing_until = $1
             WHERE id = $2 AND (refreshing_until IS NULL OR refreshing_until < $3)",
        )
        .bind(now + lease_ms)
        .bind(id)
        .bind(now)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends the lease without new tokens (the refresh could not be done; someone may retry).
    pub async fn release(&self, id: &str) -> Result<(), TokenError> {
        sqlx::query("UPDATE console_tokens SET refreshing_until = NULL WHERE id = $1")
            .bind(id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// The ids of every stored token set (for operators' tools and tests).
    pub async fn ids(&self) -> Result<Vec<String>, TokenError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM console_tokens ORDER BY id")
                .fetch_all(self.db.pool())
                .await?,
        )
    }

    pub async fn delete(&self, id: &str) -> Result<(), TokenError> {
        sqlx::query("DELETE FROM console_tokens WHERE id = $1")
            .bind(id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Deletes the tokens of sessions past their absolute end (sessions that ended by idling
    /// leave theirs until then).
    pub async fn delete_ended(&self) -> Result<u64, TokenError> {
        let done = sqlx::query("DELETE FROM console_tokens WHERE ends_at <= $1")
            .bind(super::now())
            .execute(self.db.pool())
            .await?;
        Ok(done.rows_affected())
    }
}

/// Unix milliseconds now.
fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// 128 random bits, hex.
fn random_id() -> String {
    rand::random::<[u8; 16]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_long() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
