//! Request counters: token-endpoint requests by grant type and outcome, and API requests by
//! method and route, so a test can assert how many calls (and token refreshes) a client made.
//! Read with [`Sandbox::stats`](crate::Sandbox::stats) or `GET /__sandbox/stats`; cleared by
//! [`Sandbox::reset_stats`](crate::Sandbox::reset_stats) and `POST /__sandbox/reset`.
//! The control endpoint and the sign-in page are not counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything counted since the sandbox started or its counters were last cleared.
///
/// As JSON (`GET /__sandbox/stats`):
/// `{"tokenRequests":{"authorizationCode":{"ok":1,"refused":0},"refreshToken":{"ok":2,"refused":1},
/// "clientCredentials":{"ok":0,"refused":0},"other":{"ok":0,"refused":0}},
/// "apiRequests":{"total":3,"byRoute":{"GET /beta/password-sync-groups":2,"GET /beta/sources":1},
/// "rateLimited":0}}`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxStats {
    pub token_requests: TokenRequestStats,
    pub api_requests: ApiRequestStats,
}

/// `POST /oauth/token` requests, by the `grant_type` they asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequestStats {
    pub authorization_code: Outcomes,
    pub refresh_token: Outcomes,
    pub client_credentials: Outcomes,
    /// Requests with no, an unsupported, or an unreadable `grant_type` (always refused).
    pub other: Outcomes,
}

/// How many requests got tokens (`ok`, 200) and how many got an OAuth error (`refused`:
/// `invalid_grant`, `invalid_client`, `invalid_scope`, …).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    pub ok: u64,
    pub refused: u64,
}

/// Requests to the API (every version prefix), whatever their answer: injected faults, 401,
/// 429, 403 and 4xx count as much as successes, since each is a call the client made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiRequestStats {
    pub total: u64,
    /// By method and route template, relative to where the sandbox is mounted:
    /// `"GET /beta/password-sync-groups/{id}"`. A path no route knows counts as
    /// `"GET /beta/*"`. (A known path with a method it does not serve, answered 405, is not
    /// counted.)
    pub by_route: BTreeMap<String, u64>,
    /// Of `total`, how many the rate limit refused (429 `Rate Limit Exceeded`); 429s injected
    /// with `failNext` are not counted here.
    #[serde(default)]
    pub rate_limited: u64,
}

/// The grant type of a token request, as far as the counters are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantKind {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    Other,
}

impl GrantKind {
    pub(crate) fn of(grant_type: Option<&str>) -> GrantKind {
        match grant_type {
            Some("authorization_code") => GrantKind::AuthorizationCode,
            Some("refresh_token") => GrantKind::RefreshToken,
            Some("client_credentials") => GrantKind::ClientCredentials,
            _ => GrantKind::Other,
        }
    }
}

impl SandboxStats {
    pub(crate) fn count_token_request(&mut self, kind: GrantKind, ok: bool) {
        let t = &mut self.token_requests;
        let outcomes = match kind {
            GrantKind::AuthorizationCode => &mut t.authorization_code,
            GrantKind::RefreshToken => &mut t.refresh_token,
            GrantKind::ClientCredentials => &mut t.client_credentials,
            GrantKind::Other => &mut t.other,
        };
        if ok {
            outcomes.ok += 1;
        } else {
            outcomes.refused += 1;
        }
    }

    pub(crate) fn count_api_request(&mut self, route: String) {
        self.api_requests.total += 1;
        *self.api_requests.by_route.entry(route).or_default() += 1;
    }

    pub(crate) fn count_rate_limited(&mut self) {
        self.api_requests.rate_limited += 1;
    }
}

/// `"/sandbox/beta/sources/{id}"` (the sandbox nested under `/sandbox`) → `"/beta/sources/{id}"`.
pub(crate) fn route_template(matched: &str, version: &str) -> String {
    let prefix = format!("/{version}/");
    match matched.find(&prefix) {
        Some(at) => matched[at..].to_owned(),
        None => matched.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_relative_to_the_mount_point() {
        assert_eq!(
            route_template("/beta/password-sync-groups/{id}", "beta"),
            "/beta/password-sync-groups/{id}"
        );
        assert_eq!(route_template("/sandbox/v3/sources", "v3"), "/v3/sources");
    }

    #[test]
    fn counting() {
        let mut stats = SandboxStats::default();
        stats.count_token_request(GrantKind::of(Some("refresh_token")), true);
        stats.count_token_request(GrantKind::of(Some("refresh_token")), false);
        stats.count_token_request(GrantKind::of(Some("password")), false);
        stats.count_token_request(GrantKind::of(None), false);
        stats.count_api_request("GET /beta/sources".into());
        stats.count_api_request("GET /beta/sources".into());
        assert_eq!(
            stats.token_requests.refresh_token,
            Outcomes { ok: 1, refused: 1 }
        );
        assert_eq!(stats.token_requests.other, Outcomes { ok: 0, refused: 2 });
        assert_eq!(stats.api_requests.total, 2);
        assert_eq!(stats.api_requests.by_route["GET /beta/sources"], 2);
    }
}
