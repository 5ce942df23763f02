//! Server-side OAuth state: authorization codes, refresh tokens, and the access tokens still
//! honoured. An access token is accepted only while its `jti` is listed here, which is what
//! makes mass expiry and revocation (code reuse) possible with self-contained JWTs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::OAuthError;
use crate::ids;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PkceMethod {
    S256,
    Plain,
}

#[derive(Debug, Clone)]
pub(crate) struct Pkce {
    pub challenge: String,
    pub method: PkceMethod,
}

impl Pkce {
    fn verifies(&self, verifier: &str) -> bool {
        match self.method {
            PkceMethod::Plain => verifier == self.challenge,
            PkceMethod::S256 => {
                URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == self.challenge
            }
        }
    }
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
pub(crate) fn valid_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// What an authorization code stands for.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub pkce: Option<Pkce>,
    pub username: String,
    pub scopes: Vec<String>,
}

#[derive(Debug)]
struct CodeRecord {
    grant: CodeGrant,
    expires: Instant,
    /// The token family it was exchanged for, once used.
    redeemed: Option<u64>,
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub username: Option<String>,
    pub scopes: Vec<String>,
    pub family: u64,
}

#[derive(Debug)]
struct RefreshRecord {
    grant: RefreshGrant,
    expires: Instant,
}

#[derive(Debug)]
struct AccessRecord {
    expires: Instant,
    family: Option<u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Grants {
    codes: HashMap<String, CodeRecord>,
    refresh: HashMap<String, RefreshRecord>,
    access: HashMap<String, AccessRecord>,
    next_family: u64,
}

impl Grants {
    fn prune(&mut self, now: Instant) {
        self.codes.retain(|_, c| c.expires > now);
        self.refresh.retain(|_, r| r.expires > now);
        self.access.retain(|_, a| a.expires > now);
    }

    pub(crate) fn issue_code(&mut self, grant: CodeGrant, ttl: Duration) -> String {
        let now = Instant::now();
        self.prune(now);
        let code = ids::secret();
        self.codes.insert(
            code.clone(),
            CodeRecord {
                grant,
                expires: now + ttl,
                redeemed: None,
            },
        );
        code
    }

    /// Exchanges a code (one time only). Returns the grant and a new token family.
    /// A code presented twice revokes every token issued from it (RFC 6749 §4.1.2); a code
    /// presented with the wrong client, redirect URI or verifier is burnt.
    pub(crate) fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<(CodeGrant, u64), OAuthError> {
        let now = Instant::now();
        let Some(record) = self.codes.get(code) else {
            return Err(OAuthError::invalid_grant(
                "unknown or expired authorization code",
            ));
        };
        if record.expires <= now {
            self.codes.remove(code);
            return Err(OAuthError::invalid_grant(
                "the authorization code has expired",
            ));
        }
        if let Some(family) = record.redeemed {
            self.revoke_family(family);
            return Err(OAuthError::invalid_grant(
                "the authorization code was already used; tokens issued from it are revoked",
            ));
        }
        let failure = if record.grant.client_id != client_id {
            Some("the authorization code was issued to another client")
        } else if redirect_uri != Some(record.grant.redirect_uri.as_str()) {
            Some("redirect_uri does not match the one of the authorization request")
        } else {
            match (&record.grant.pkce, verifier) {
                (Some(_), None) => Some("code_verifier is required"),
                (Some(pkce), Some(v)) if !valid_pkce_string(v) || !pkce.verifies(v) => Some(
                    "PKCE verification failed: code_verifier does not match the code_challenge",
                ),
                (None, Some(_)) => {
                    Some("code_verifier given but the authorization request had no code_challenge")
                }
                _ => None,
            }
        };
        if let Some(description) = failure {
            self.codes.remove(code);
            return Err(OAuthError::invalid_grant(description));
        }
        let grant = record.grant.clone();
        let family = self.new_family();
        if let Some(record) = self.codes.get_mut(code) {
            record.redeemed = Some(family);
        }
        Ok((grant, family))
    }

    pub(crate) fn new_family(&mut self) -> u64 {
        self.next_family += 1;
        self.next_family
    }

    pub(crate) fn record_access(&mut self, jti: String, ttl: Duration, family: Option<u64>) {
        let now = Instant::now();
        self.prune(now);
        self.access.insert(
            jti,
            AccessRecord {
                expires: now + ttl,
                family,
            },
        );
    }

    pub(crate) fn issue_refresh(&mut self, grant: RefreshGrant, ttl: Duration) -> String {
        let token = ids::secret();
        self.refresh.insert(
            token.clone(),
            RefreshRecord {
                grant,
                expires: Instant::now() + ttl,
            },
        );
        token
    }

    /// Redeems a refresh token. With `rotate`, the token is used up (the caller issues a new
    /// one); without, it stays valid until it expires (the caller hands it back).
    pub(crate) fn redeem_refresh(
        &mut self,
        token: &str,
        client_id: &str,
        rotate: bool,
    ) -> Result<RefreshGrant, OAuthError> {
        let now = Instant::now();
        match self.refresh.get(token) {
            Some(r) if r.expires > now && r.grant.client_id == client_id => {}
            Some(r) if r.expires > now => {
                return Err(OAuthError::invalid_grant(
                    "the refresh token was issued to another client",
                ));
            }
            _ => {
                return Err(OAuthError::invalid_grant(
                    "unknown, used or expired refresh token",
                ));
            }
        }
        let grant = if rotate {
            self.refresh.remove(token).map(|r| r.grant)
        } else {
            self.refresh.get(token).map(|r| r.grant.clone())
        };
        grant.ok_or_else(|| OAuthError::invalid_grant("unknown, used or expired refresh token"))
    }

    pub(crate) fn access_valid(&self, jti: &str) -> bool {
        self.access
            .get(jti)
            .is_some_and(|a| a.expires > Instant::now())
    }

    pub(crate) fn expire_all_access_tokens(&mut self) {
        self.access.clear();
    }

    fn revoke_family(&mut self, family: u64) {
        self.access.retain(|_, a| a.family != Some(family));
        self.refresh.retain(|_, r| r.grant.family != family);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        let pkce = Pkce {
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: PkceMethod::S256,
        };
        assert!(pkce.verifies("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert!(!pkce.verifies("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx"));
        assert!(valid_pkce_string(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!valid_pkce_string("short"));
    }
}
