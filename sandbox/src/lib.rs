//! A sandbox SailPoint Identity Security Cloud (ISC) tenant: the parts of ISC the console uses,
//! with ISC's status codes, error bodies, limits, OAuth and authorization rules, plus fault
//! injection for tests. The console's embedded default and its test double.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! // A server on 127.0.0.1 (tests):
//! let handle = sandbox::spawn(sandbox::SandboxConfig::default()).await?;
//! println!("{}/oauth/info", handle.base_url());
//! handle.sandbox().faults().fail_next(2, 429);
//!
//! // Or nested in another app (absolute URLs it emits include the prefix):
//! let sb = sandbox::Sandbox::new(sandbox::SandboxConfig::default());
//! let app: axum::Router = axum::Router::new().nest("/sandbox", sb.router());
//! # let _ = app; Ok(()) }
//! ```
//!
//! Routes (relative to wherever the router is mounted):
//! - API, under `/beta`, `/v3`, `/v2024`, `/v2025`, `/v2026`: `/password-sync-groups[/{id}]`
//!   (GET, POST, PUT, DELETE), `/password-policies[/{id}]`, `/sources[/{id}]` and `/accounts` (GET),
//!   `/search` (POST, indices `identities` and `events`);
//! - OAuth: `/oauth/authorize`, `/oauth/authorize/login`, `/oauth/token`, `/oauth/info`, `/oauth/userinfo`;
//! - control (loopback only): `/__sandbox/faults`, `/__sandbox/reset`, `/__sandbox/oauth`,
//!   `/__sandbox/stats`, `/__sandbox/users/{userName}/levels`, `/__sandbox/people`,
//!   `/__sandbox/people/{identityId}/events`, `/__sandbox/accounts/{accountId}`, see the
//!   `control` module.
//!
//! Tests can also drive the tenant through the library: [`Sandbox::faults`],
//! [`Sandbox::set_rotate_refresh_tokens`], [`Sandbox::set_user_levels`], [`Sandbox::stats`],
//! [`Sandbox::reset`].
//!
//! Serve the router with `into_make_service_with_connect_info::<SocketAddr>()`, or the control
//! endpoint answers 403 to everyone.
//!
//! # Choices where ISC is undocumented
//! - Validation of a sync group, in this order: missing or blank `name`, `passwordPolicyId` or
//!   `sourceIds` is `400.1.0 Required Data Missing Or Empty`; a name over
//!   `max_group_name_length` or fewer than two *distinct* sources (duplicates are collapsed) is
//!   `400.1.3 Illegal value`; an unknown policy or source is `400.1.404 Referenced object not found`
//!   naming the ids; a source that is not direct-connect or lacks `PASSWORD` is `400.1.3` naming
//!   it; a source already in another group is `400.1.409 Reference conflict` naming the source and
//!   the group; a name already used by another group (case-insensitive, if
//!   `unique_group_names`) is `400.1.409` too. Wrong media type, malformed JSON, a non-object
//!   body or a field of the wrong JSON type is `400.1 Bad Request Content`.
//! - Policies and sources: a source is on at most one policy; group members are on the group's
//!   policy; deleting a group (or dropping a source from it) leaves the sources on that policy,
//!   directly assigned (see the `store` module).
//! - HELPDESK (and any level but ORG_ADMIN) gets 403 on sync groups and password policies, and
//!   on sources unless SOURCE_ADMIN/SOURCE_SUBADMIN (ROLE_SUBADMIN may list): the spec's levels.
//!   API-client tokens (no user) may read all three, never write sync groups.
//! - `sp:scopes:all` and `sp:scopes:default` both satisfy every scope check; asking for both is
//!   `invalid_scope`.
//! - `filters`/`sorters` errors (unknown field, operator, sorter, syntax) are `400.1.3 Illegal
//!   value` naming the culprit; string comparisons in filters ignore case.
//! - OAuth: PKCE `code_challenge_method` defaults to `plain` (RFC 7636); a code presented with a
//!   wrong client, redirect URI or verifier is burnt; a code presented twice revokes the tokens
//!   issued from it; `client_credentials` never returns a refresh token.
//! - Refresh tokens: ISC does not say whether it rotates them. By default
//!   (`SandboxConfig::rotate_refresh_tokens`) a refresh token is rotated on use and a reused one
//!   is `invalid_grant` (its family is not revoked, so two concurrent refreshes cost one
//!   failure, not a sign-out); switched off, a refresh token stays valid until it expires and
//!   each refresh returns it again.
//! - User levels: a changed level ([`Sandbox::set_user_levels`]) reaches tokens issued
//!   afterwards and `/oauth/userinfo` at once; access tokens already issued keep their
//!   `authorities` until they expire.
//! - Rate limit: a fixed window per client and API version; only requests with a valid token
//!   count (401s have no client).
//! - Search (`api::search`, `api::query_string`): `indices` is required; other ISC indices,
//!   other query types, `innerHit`, fuzzy/regex queries are `400` saying the sandbox does not
//!   support them; a query that does not parse is `400.1 Bad Request Content` "Invalid query
//!   ...". Every field is matched with one simplified ES analysis (case-insensitive, whole value
//!   or word, see `query_string`); strings sort case-insensitively; an unknown sort field is 400
//!   as in ES; without `sort` the order is the index's. Named `timeZone`s are refused where
//!   they would change a date (only UTC and fixed offsets are known). `_type` survives
//!   `queryResultFilter`. HELPDESK is refused (the spec's levels); API clients need
//!   `sp:search:read`.

mod api;
mod auth;
mod base_url;
mod config;
mod control;
mod errors;
mod faults;
mod generate;
mod ids;
mod oauth;
mod people;
mod ratelimit;
mod seed;
mod spawn;
mod stats;
mod store;
mod users;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::http::HeaderValue;
use axum::middleware;
use axum::response::Response;
use parking_lot::Mutex;

pub use config::SandboxConfig;
pub use faults::Faults;
pub use generate::{MAX_GENERATED_GROUPS, generated_org_json};
pub use seed::SeedError;
pub use spawn::{SandboxHandle, spawn, spawn_sandbox};
pub use stats::{ApiRequestStats, Outcomes, SandboxStats, TokenRequestStats};
pub use users::UserLevelsError;

use faults::FaultState;
use oauth::grants::Grants;
use oauth::jwt::Signer;
use ratelimit::RateLimiter;
use seed::{Seed, User};
use store::{Rules, Store};
use users::Levels;

/// One sandbox tenant. Cheap to clone: clones share the tenant.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub seed: Seed,
    pub store: Mutex<Store>,
    pub grants: Mutex<Grants>,
    pub limiter: Mutex<RateLimiter>,
    pub faults: Mutex<FaultState>,
    pub signer: Signer,
    pub tenant_id: String,
    /// Current user levels of the demo users (see the `users` module).
    pub levels: Mutex<Levels>,
    /// Run-time value of `SandboxConfig::rotate_refresh_tokens`.
    pub rotate_refresh_tokens: AtomicBool,
    pub stats: Mutex<SandboxStats>,
}

fn rules(config: &SandboxConfig) -> Rules {
    Rules {
        unique_names: config.unique_group_names,
        max_name_length: config.max_group_name_length,
    }
}

impl Sandbox {
    /// A tenant seeded with the demo org (or `config.seed_json`). An invalid `seed_json` is
    /// logged and replaced by the built-in demo org; use [`Sandbox::try_new`] to get the error.
    pub fn new(config: SandboxConfig) -> Sandbox {
        match Self::try_new(config.clone()) {
            Ok(sandbox) => sandbox,
            Err(e) => {
                tracing::error!(error = %e, "seed_json refused; using the built-in demo org");
                let seed = seed::parse(
                    seed::DEMO_ORG_JSON,
                    &rules(&config),
                    &config.extra_redirect_uris,
                )
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "built-in demo org refused; starting empty");
                    Seed::empty()
                });
                Self::with_seed(config, seed)
            }
        }
    }

    /// Like [`Sandbox::new`], but an invalid `seed_json` is an error.
    pub fn try_new(config: SandboxConfig) -> Result<Sandbox, SeedError> {
        let json = config.seed_json.as_deref().unwrap_or(seed::DEMO_ORG_JSON);
        let seed = seed::parse(json, &rules(&config), &config.extra_redirect_uris)?;
        Ok(Self::with_seed(config, seed))
    }

    fn with_seed(config: SandboxConfig, seed: Seed) -> Sandbox {
        Sandbox {
            shared: Arc::new(Shared {
                store: Mutex::new(seeded_store(&seed)),
                levels: Mutex::new(users::seeded_levels(&seed)),
                rotate_refresh_tokens: AtomicBool::new(config.rotate_refresh_tokens),
                stats: Mutex::new(SandboxStats::default()),
                seed,
                config,
                grants: Mutex::new(Grants::default()),
                limiter: Mutex::new(RateLimiter::default()),
                faults: Mutex::new(FaultState::default()),
                signer: Signer::random(),
                tenant_id: ids::uuid_v4(),
            }),
        }
    }

    /// The whole sandbox as an axum router: works at "/" and nested under a prefix.
    pub fn router(&self) -> Router {
        let mut router = Router::new()
            .merge(api::routes(self))
            .merge(oauth::routes())
            .layer(middleware::from_fn_with_state(
                self.clone(),
                faults::latency_layer,
            ));
        if self.shared.config.control_endpoint {
            router = router.merge(control::routes());
        }
        router
            .fallback(errors::not_found_fallback)
            .layer(middleware::map_response(errors::json_safety_net))
            .layer(middleware::map_response(add_request_id))
            .with_state(self.clone())
    }

    /// Fault injection for this tenant.
    pub fn faults(&self) -> Faults {
        Faults {
            sandbox: self.clone(),
        }
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// Puts sources, policies and sync groups, and the users' levels, back to the seed, and
    /// regenerates the population (same people and accounts, dates anchored at now).
    pub fn reset_data(&self) {
        *self.shared.store.lock() = seeded_store(&self.shared.seed);
        *self.shared.levels.lock() = users::seeded_levels(&self.shared.seed);
    }

    /// What `POST /__sandbox/reset` does: no injected faults, fresh rate-limit windows,
    /// refresh-token rotation as configured, counters cleared; with `data`, also
    /// [`Sandbox::reset_data`]. Issued tokens stay valid.
    pub fn reset(&self, data: bool) {
        self.faults().reset();
        self.shared.limiter.lock().clear();
        self.set_rotate_refresh_tokens(self.shared.config.rotate_refresh_tokens);
        self.reset_stats();
        if data {
            self.reset_data();
        }
    }

    /// Are refresh tokens rotated (used up by each refresh)? See
    /// [`SandboxConfig::rotate_refresh_tokens`].
    pub fn rotate_refresh_tokens(&self) -> bool {
        self.shared.rotate_refresh_tokens.load(Ordering::Relaxed)
    }

    /// Switches refresh-token rotation on or off from now on. Takes effect at the next
    /// `refresh_token` grant, for refresh tokens already issued too; [`Sandbox::reset`] puts
    /// back the configured value.
    pub fn set_rotate_refresh_tokens(&self, rotate: bool) {
        self.shared
            .rotate_refresh_tokens
            .store(rotate, Ordering::Relaxed);
    }

    /// The request counters (see [`SandboxStats`]).
    pub fn stats(&self) -> SandboxStats {
        self.shared.stats.lock().clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        *self.shared.stats.lock() = SandboxStats::default();
    }

    /// Gives a demo user these user levels (ISC's `authorities`, e.g. `["HELPDESK"]`; empty:
    /// no level), replacing the ones it had, as an admin changing them in ISC would. Tokens
    /// issued afterwards (code exchange, refresh, a personal access token's client credentials)
    /// carry them and `/oauth/userinfo` reports them at once; access tokens already issued keep
    /// theirs until they expire. Duplicates are collapsed. [`Sandbox::reset_data`] restores the
    /// demo org's levels.
    pub fn set_user_levels(
        &self,
        user_name: &str,
        levels: Vec<String>,
    ) -> Result<(), UserLevelsError> {
        if self.shared.seed.user(user_name).is_none() {
            return Err(UserLevelsError::UnknownUser(user_name.to_owned()));
        }
        let levels = users::checked_levels(levels)?;
        self.shared
            .levels
            .lock()
            .insert(user_name.to_owned(), levels);
        Ok(())
    }

    /// A demo user's current user levels; `None` for an unknown user.
    pub fn user_levels(&self, user_name: &str) -> Option<Vec<String>> {
        self.user(user_name).map(|u| u.authorities)
    }

    /// A demo user with its current levels.
    pub(crate) fn user(&self, user_name: &str) -> Option<User> {
        let user = self.shared.seed.user(user_name)?;
        Some(users::with_levels(user, &self.shared.levels.lock()))
    }

    /// The demo users with their current levels.
    pub(crate) fn users(&self) -> Vec<User> {
        let levels = self.shared.levels.lock();
        self.shared
            .seed
            .users
            .iter()
            .map(|u| users::with_levels(u, &levels))
            .collect()
    }

    /// Human-readable list of the demo users and OAuth clients (for a start-up banner).
    pub fn credentials_banner(&self) -> String {
        let seed = &self.shared.seed;
        let mut out = format!(
            "sandbox tenant \"{}\": demo accounts (not for production)\n  users (sign-in page):\n",
            self.shared.config.tenant_name
        );
        for u in &self.users() {
            out.push_str(&format!(
                "    {} / {}  ({}, {})\n",
                u.username,
                u.password,
                u.display_name,
                u.authorities.join(", ")
            ));
        }
        out.push_str("  OAuth clients:\n");
        for c in &seed.clients {
            let mut line = format!(
                "    {} / {}  ({}",
                c.client_id,
                c.client_secret,
                c.grant_types.join(", ")
            );
            if let Some(user) = &c.user {
                line.push_str(&format!("; acts as {user}"));
            }
            if !c.redirect_uris.is_empty() {
                line.push_str(&format!("; redirect {}", c.redirect_uris.join(" or ")));
            }
            line.push_str(&format!("; scopes {})\n", c.scopes.join(" ")));
            out.push_str(&line);
        }
        out
    }

    pub(crate) fn rules(&self) -> Rules {
        rules(&self.shared.config)
    }
}

/// The seed's data with a population generated now.
fn seeded_store(seed: &Seed) -> Store {
    let mut store = seed.store.clone();
    store.generate_people(time::OffsetDateTime::now_utc());
    store
}

/// Every response carries a fresh `SLPT-Request-ID`, as ISC's do.
async fn add_request_id(mut res: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&ids::hex32()) {
        res.headers_mut().insert("slpt-request-id", value);
    }
    res
}
