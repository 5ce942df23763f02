//! Settings of one sandbox tenant.

use std::time::Duration;

/// Settings of a sandbox tenant. `Default` gives ISC's own numbers and the built-in demo org.
///
/// Points the ISC documentation leaves open (marked \[unknown\] in the API notes) are switches
/// here, so a test can pin the behaviour it relies on.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Access token lifetime (ISC: 749 s).
    pub token_ttl: Duration,
    /// Refresh token lifetime, counted from its issue (a refresh token that is not rotated keeps
    /// its first expiry).
    pub refresh_ttl: Duration,
    /// \[unknown\] Refresh token rotation: every `refresh_token` grant uses up the presented
    /// refresh token and returns a new one; a used one is refused with `invalid_grant` (as
    /// identity providers that rotate do, e.g. per RFC 9700 §4.14.2). Off: a refresh token can
    /// be used again and again until it expires, and a `refresh_token` grant returns the same
    /// one. ISC does not document which it does; the default (on) is the stricter of the two, so
    /// a client that passes against it copes with either. Changeable at run time:
    /// [`Sandbox::set_rotate_refresh_tokens`](crate::Sandbox::set_rotate_refresh_tokens).
    pub rotate_refresh_tokens: bool,
    /// Authorization code lifetime.
    pub code_ttl: Duration,
    /// Requests per `client_id` per API version per `rate_window` (ISC: 100 per 10 s).
    pub rate_limit: u32,
    /// Length of one rate-limit window.
    pub rate_window: Duration,
    /// Tenant name: the `org` claim, `tenantName` of `/oauth/info`, the sign-in page title.
    pub tenant_name: String,
    /// Pod name reported in tokens and `/oauth/info`.
    pub pod: String,
    /// `Retry-After` (seconds) of the 429s produced by fault injection.
    pub fault_retry_after_secs: u64,
    /// \[unknown\] Reject a group whose name equals (case-insensitively, trimmed) another group's name.
    pub unique_group_names: bool,
    /// \[unknown\] Longest accepted group name, in characters.
    pub max_group_name_length: usize,
    /// Refuse authorization requests without a PKCE `code_challenge` (ISC only does this for
    /// public clients with the feature enabled; the console is a confidential client).
    pub require_pkce: bool,
    /// More redirect URIs accepted for the `console` client, besides
    /// `http://127.0.0.1:*/auth/callback` and `http://localhost:*/auth/callback`
    /// (for a console reached under another host name). `:*` stands for any port.
    pub extra_redirect_uris: Vec<String>,
    /// Serve the loopback-only `/__sandbox/*` control endpoints.
    pub control_endpoint: bool,
    /// Demo org as JSON, replacing the built-in `data/demo-org.json` (same format), e.g. a
    /// generated org of any size from [`generated_org_json`](crate::generated_org_json).
    pub seed_json: Option<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(749),
            refresh_ttl: Duration::from_secs(24 * 60 * 60),
            rotate_refresh_tokens: true,
            code_ttl: Duration::from_secs(60),
            rate_limit: 100,
            rate_window: Duration::from_secs(10),
            tenant_name: "sandbox".to_owned(),
            pod: "sandbox-local1".to_owned(),
            fault_retry_after_secs: 1,
            unique_group_names: true,
            max_group_name_length: 128,
            require_pkce: false,
            extra_redirect_uris: Vec::new(),
            control_endpoint: true,
            seed_json: None,
        }
    }
}
