//! Bearer tokens on the API: who is calling, and may they do this (ISC's scope and user-level rules).
//!
//! Rules (the spec's `security` and `x-sailpoint-userLevels`):
//! - every operation needs a suitable scope; `sp:scopes:all` and `sp:scopes:default` cover all
//!   of them (the sandbox treats both as "whatever the user level allows");
//! - a token with a user must have one of the operation's user levels: sync groups and
//!   password policies need ORG_ADMIN; sources ORG_ADMIN, SOURCE_ADMIN or SOURCE_SUBADMIN
//!   (listing also ROLE_SUBADMIN). HELPDESK therefore reads none of them, as in ISC;
//!   accounts (`idn:accounts:read`) ORG_ADMIN, SOURCE_ADMIN, SOURCE_SUBADMIN or HELPDESK;
//!   search (`sp:search:read`) ORG_ADMIN, CERT_ADMIN, REPORT_ADMIN, SOURCE_ADMIN,
//!   SOURCE_SUBADMIN, ROLE_ADMIN or ROLE_SUBADMIN, not HELPDESK (the console searches with its
//!   own API client);
//! - a token without a user (an API client's) is judged by its scopes alone, and may read but
//!   never write sync groups;
//! - every refusal is ISC's generic `403 Forbidden` body ("The server understood the request but
//!   refuses to authorize it."): ISC names neither the missing scope nor the level. The reason
//!   and the scopes that would do are logged at debug level.

use axum::http::{HeaderMap, header};

use crate::Sandbox;
use crate::errors::ApiError;
use crate::oauth::jwt::Claims;

pub(crate) const ALL: &str = "sp:scopes:all";
pub(crate) const DEFAULT: &str = "sp:scopes:default";
pub(crate) const PSG_READ: &str = "idn:password-sync-group:read";
pub(crate) const PSG_MANAGE: &str = "idn:password-sync-group:manage";
pub(crate) const LEGACY_PSG_READ: &str = "idn:password-sync-group-management:read";
pub(crate) const LEGACY_PSG_WRITE: &str = "idn:password-sync-group-management:write";
pub(crate) const POLICY_READ: &str = "idn:password-policy:read";
pub(crate) const POLICY_MANAGE: &str = "idn:password-policy:manage";
pub(crate) const POLICY_WRITE: &str = "idn:password-policy:write";
pub(crate) const SOURCES_READ: &str = "idn:sources:read";
pub(crate) const SOURCES_MANAGE: &str = "idn:sources:manage";
pub(crate) const ACCOUNTS_READ: &str = "idn:accounts:read";
pub(crate) const ACCOUNTS_MANAGE: &str = "idn:accounts:manage";
pub(crate) const SEARCH_READ: &str = "sp:search:read";

/// Scopes a client may ask for.
pub(crate) const KNOWN_SCOPES: [&str; 14] = [
    ALL,
    DEFAULT,
    PSG_READ,
    PSG_MANAGE,
    LEGACY_PSG_READ,
    LEGACY_PSG_WRITE,
    POLICY_READ,
    POLICY_MANAGE,
    POLICY_WRITE,
    SOURCES_READ,
    SOURCES_MANAGE,
    ACCOUNTS_READ,
    ACCOUNTS_MANAGE,
    SEARCH_READ,
];

pub(crate) const ORG_ADMIN: &str = "ORG_ADMIN";

/// An authenticated API caller: the claims of a valid, unexpired, unrevoked token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub claims: Claims,
}

/// The operations the API guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    ReadGroups,
    WriteGroups,
    ReadPolicies,
    ListSources,
    GetSource,
    ListAccounts,
    Search,
}

impl Operation {
    fn scopes(self) -> &'static [&'static str] {
        match self {
            Operation::ReadGroups => &[PSG_READ, PSG_MANAGE, LEGACY_PSG_READ, LEGACY_PSG_WRITE],
            Operation::WriteGroups => &[PSG_MANAGE, LEGACY_PSG_WRITE],
            Operation::ReadPolicies => &[POLICY_READ, POLICY_MANAGE, POLICY_WRITE],
            Operation::ListSources | Operation::GetSource => &[SOURCES_READ, SOURCES_MANAGE],
            Operation::ListAccounts => &[ACCOUNTS_READ, ACCOUNTS_MANAGE],
            Operation::Search => &[SEARCH_READ],
        }
    }

    fn user_levels(self) -> &'static [&'static str] {
        match self {
            Operation::ReadGroups | Operation::WriteGroups | Operation::ReadPolicies => {
                &[ORG_ADMIN]
            }
            Operation::ListSources => &[
                ORG_ADMIN,
                "SOURCE_ADMIN",
                "SOURCE_SUBADMIN",
                "ROLE_SUBADMIN",
            ],
            Operation::GetSource => &[ORG_ADMIN, "SOURCE_ADMIN", "SOURCE_SUBADMIN"],
            Operation::ListAccounts => &[ORG_ADMIN, "SOURCE_ADMIN", "SOURCE_SUBADMIN", "HELPDESK"],
            Operation::Search => &[
                ORG_ADMIN,
                "CERT_ADMIN",
                "REPORT_ADMIN",
                "SOURCE_ADMIN",
                "SOURCE_SUBADMIN",
                "ROLE_ADMIN",
                "ROLE_SUBADMIN",
            ],
        }
    }

    fn needs_user(self) -> bool {
        self == Operation::WriteGroups
    }
}

impl Caller {
    pub(crate) fn has_user(&self) -> bool {
        self.claims.user_name.is_some()
    }

    /// 403 unless the token's scopes and user level allow `op`.
    pub(crate) fn authorize(&self, op: Operation) -> Result<(), ApiError> {
        let scoped = self
            .claims
            .scope
            .iter()
            .any(|s| s == ALL || s == DEFAULT || op.scopes().contains(&s.as_str()));
        let reason = if !scoped {
            Some("token lacks a suitable scope")
        } else if op.needs_user() && !self.has_user() {
            Some("writes need a user token")
        } else if self.has_user()
            && !self
                .claims
                .authorities
                .iter()
                .any(|a| op.user_levels().contains(&a.as_str()))
        {
            Some("user level not allowed")
        } else {
            None
        };
        match reason {
            None => Ok(()),
            Some(reason) => {
                tracing::debug!(client_id = %self.claims.client_id, ?op, reason, accepted_scopes = ?op.scopes(), "403");
                Err(ApiError::forbidden())
            }
        }
    }
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The caller behind a request's bearer token; `None` means 401.
pub(crate) fn authenticate(sandbox: &Sandbox, headers: &HeaderMap) -> Option<Caller> {
    let claims = sandbox.shared.signer.verify(bearer(headers)?)?;
    sandbox
        .shared
        .grants
        .lock()
        .access_valid(&claims.jti)
        .then_some(Caller { claims })
}
