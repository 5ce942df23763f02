//! Signed-in users' ISC tokens (sealed in the token table), the admin's credential made of them,
//! and the one refresh path: single-flight across replicas, and a check of the user's ISC user
//! levels at every refresh.
//!
//! Administrators act with their own token, refreshed shortly before it expires. Helpdesk users
//! read through the console's application credential; their tokens are kept only so the console
//! can ask ISC, every [`super::RECHECK`], whether they still have a level it serves.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use app::caller::{Credential, CredentialError};
use app::error::NoAnswer;
use app::model::Role;
use tower_sessions::Session;

use super::Auth;
use super::identity::{self, Identity};
use super::oauth::ExchangeError;
use crate::store::tokens::{Stored, TokenError, Tokens};

/// How often a request waiting for another replica's refresh looks at the row again.
const LEASE_POLL: Duration = Duration::from_millis(25);

/// One lock per token set within this process, so a session's concurrent requests here wait
/// on memory rather than all polling the database. Entries are held weakly: a lock lives as long
/// as someone holds or waits for it. (Across replicas, the row's lease does the same.)
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

/// Why the stored tokens of a session are of no use any more.
#[derive(Debug, thiserror::Error)]
pub enum Ended {
    #[error("the sign-in has ended")]
    SignedOut,
    #[error(transparent)]
    Credential(CredentialError),
}

impl From<Ended> for CredentialError {
    fn from(e: Ended) -> CredentialError {
        match e {
            Ended::SignedOut => CredentialError::SignedOut,
            Ended::Credential(e) => e,
        }
    }
}

fn store_error(e: TokenError) -> Ended {
    match e {
        // No key the console has opens them: nobody can use them any more.
        TokenError::Sealed(e) => {
            tracing::warn!(error = %e, "a user's stored tokens cannot be opened; signing out");
            Ended::SignedOut
        }
        TokenError::Database(e) => {
            tracing::error!(error = %e, "cannot use a user's stored tokens");
            Ended::Credential(CredentialError::Store)
        }
    }
}

impl Auth {
    /// The stored tokens `id`, or `None` when they are gone (signed out elsewhere, past the
    /// session's end).
    pub(super) async fn load_tokens(&self, id: &str) -> Result<Option<Stored>, TokenError> {
        self.inner.tokens.load(id).await
    }

    /// Refreshes the tokens `id` if `still_needed` says so once this caller's turn has come:
    /// one refresh at ISC however many requests, on however many replicas, ask at once. The
    /// fresh token's levels give the user's role; a user with no level left is signed out
    /// (their tokens deleted).
    pub(super) async fn refresh_tokens(
        &self,
        id: &str,
        still_needed: impl Fn(&Stored) -> bool,
    ) -> Result<Stored, Ended> {
        let lock = self.inner.locks.for_id(id);
        let _held = lock.lock().await;
        let lease_ms = i64::try_from(self.inner.lease.as_millis()).unwrap_or(i64::MAX);
        let give_up = tokio::time::Instant::now() + self.inner.lease + Duration::from_secs(1);
        loop {
            let Some(current) = self.load_tokens(id).await.map_err(store_error)? else {
                return Err(Ended::SignedOut);
            };
            if !still_needed(&current) {
                return Ok(current);
            }
            if self
                .inner
                .tokens
                .try_lease(id, lease_ms)
                .await
                .map_err(store_error)?
            {
                // Read again under the lease: another replica may have finished its refresh
                // (and ended its lease) between the read above and taking the lease; its
                // refresh token is then used up.
                let current = match self.load_tokens(id).await {
                    Ok(Some(current)) => current,
                    Ok(None) => return Err(Ended::SignedOut),
                    Err(e) => {
                        self.release_lease(id).await;
                        return Err(store_error(e));
                    }
                };
                if !still_needed(&current) {
                    self.release_lease(id).await;
                    return Ok(current);
                }
                return self.refresh_leased(id, current).await;
            }
            // Another replica is refreshing: its result will be in the row.
            if tokio::time::Instant::now() >= give_up {
                return Err(Ended::Credential(NoAnswer::Timeout.into()));
            }
            tokio::time::sleep(LEASE_POLL).await;
        }
    }

    /// The refresh itself, with the lease held.
    async fn refresh_leased(&self, id: &str, current: Stored) -> Result<Stored, Ended> {
        let Some(refresh_token) = current.tokens.refresh.as_deref() else {
            tracing::info!("a user's access token expired and ISC gave no refresh token");
            crate::metrics::token_refresh("no_refresh_token");
            self.forget_tokens(id).await;
            return Err(Ended::SignedOut);
        };
        let fresh = match self.inner.oauth.refresh(refresh_token).await {
            Ok(fresh) => fresh,
            Err(ExchangeError::Refused(code)) => {
                tracing::info!(%code, "ISC refused to refresh a user's token; signing out");
                crate::metrics::token_refresh("refused");
                self.forget_tokens(id).await;
                return Err(Ended::SignedOut);
            }
            Err(ExchangeError::Unavailable) => {
                crate::metrics::token_refresh("unavailable");
                self.release_lease(id).await;
                return Err(Ended::Credential(NoAnswer::Unreachable.into()));
            }
        };
        let Some(role) = self.role_of(&fresh).await else {
            tracing::info!("a user no longer has an ISC user level the console serves");
            crate::metrics::token_refresh("no_level");
            self.forget_tokens(id).await;
            return Err(Ended::SignedOut);
        };
        if let Err(e) = self.inner.tokens.update(id, &fresh, role).await {
            // The refresh token is used up: without storing the new one the session cannot go on.
            tracing::error!(error = %e, "cannot store refreshed tokens; signing out");
            crate::metrics::token_refresh("store_failed");
            self.forget_tokens(id).await;
            return Err(Ended::SignedOut);
        }
        crate::metrics::token_refresh("ok");
        Ok(Stored {
            tokens: fresh,
            role,
            checked_at: super::now(),
        })
    }

    /// Ends a refresh lease this request took without refreshing (others may go ahead).
    async fn release_lease(&self, id: &str) {
        if let Err(e) = self.inner.tokens.release(id).await {
            tracing::warn!(error = %e, "cannot release a refresh lease");
        }
    }

    /// The role ISC's user levels give the holder of `tokens` now (`None`: no level served).
    pub(super) async fn role_of(&self, tokens: &Tokens) -> Option<Role> {
        let claims = identity::unverified_claims(&tokens.access);
        let info = if claims.as_ref().is_some_and(|c| !c.authorities.is_empty()) {
            None
        } else {
            identity::userinfo(
                self.inner.oauth.http(),
                self.inner.oauth.userinfo_url(),
                &tokens.access,
            )
            .await
        };
        let who = Identity::from_sources(claims, info)?;
        self.inner.roles.role_for(&who.levels)
    }

    pub(super) async fn forget_tokens(&self, id: &str) {
        if let Err(e) = self.inner.tokens.delete(id).await {
            tracing::warn!(error = %e, "cannot delete a user's tokens");
        }
    }
}

/// The tokens of one signed-in admin, for one request.
pub struct SessionTokens {
    pub(super) auth: Auth,
    pub(super) session: Session,
    pub(super) id: String,
}

impl SessionTokens {
    /// Refreshes when `still_needed`; an admin who is no longer one is signed out here.
    async fn refresh_if(
        &self,
        still_needed: impl Fn(&Stored) -> bool,
    ) -> Result<String, CredentialError> {
        match self.auth.refresh_tokens(&self.id, still_needed).await {
            Ok(stored) if stored.role == Role::Admin => Ok(stored.tokens.access),
            // Demoted meanwhile: their next page shows what they may still do.
            Ok(_) => Err(CredentialError::SignedOut),
            Err(Ended::SignedOut) => {
                self.auth.end_session(&self.session, Some(&self.id)).await;
                Err(CredentialError::SignedOut)
            }
            Err(Ended::Credential(e)) => Err(e),
        }
    }
}

#[async_trait::async_trait]
impl Credential for SessionTokens {
    async fn access_token(&self) -> Result<String, CredentialError> {
        let stored = match self.auth.load_tokens(&self.id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => {
                self.auth.end_session(&self.session, None).await;
                return Err(CredentialError::SignedOut);
            }
            Err(e) => {
                return Err(match store_error(e) {
                    Ended::SignedOut => {
                        self.auth.end_session(&self.session, Some(&self.id)).await;
                        CredentialError::SignedOut
                    }
                    Ended::Credential(e) => e,
                });
            }
        };
        let stale = |s: &Stored| super::now() >= s.tokens.renew_at;
        if !stale(&stored) {
            return Ok(stored.tokens.access);
        }
        self.refresh_if(stale).await
    }

    async fn renew(&self, rejected: &str) -> Result<String, CredentialError> {
        self.refresh_if(|s| s.tokens.access == rejected).await
    }

    fn client_id(&self) -> &str {
        &self.auth.inner.client_id
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
}
