//! The REST API, under every version prefix ISC serves these operations at.
//!
//! Each request to a known route goes through [`gate`] first, in ISC's order: injected faults,
//! then the bearer token (401), then the rate limit (429); the handler then checks scopes and
//! user level (403) and the request itself (400/404). Unknown paths are 404 JSON, token or not.
//! Every request to a route, or to an unknown path under a version, is counted first (see the
//! `stats` module).

mod accounts;
mod filters;
mod groups;
mod paging;
mod policies;
mod query_string;
mod search;
mod sources;

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::Sandbox;
use crate::auth;
use crate::errors::{self, ApiError};
use crate::stats;

/// API versions served; all of them behave the same.
pub(crate) const VERSIONS: [&str; 5] = ["beta", "v3", "v2024", "v2025", "v2026"];

pub(crate) fn routes(sandbox: &Sandbox) -> Router<Sandbox> {
    VERSIONS.iter().fold(Router::new(), |router, version| {
        router.nest(&format!("/{version}"), version_routes(sandbox, version))
    })
}

fn version_routes(sandbox: &Sandbox, version: &'static str) -> Router<Sandbox> {
    Router::new()
        .route(
            "/password-sync-groups",
            get(groups::list).post(groups::create),
        )
        .route(
            "/password-sync-groups/{id}",
            get(groups::get).put(groups::update).delete(groups::delete),
        )
        .route("/password-policies", get(policies::list))
        .route("/password-policies/{id}", get(policies::get))
        .route("/sources", get(sources::list))
        .route("/sources/{id}", get(sources::get))
        .route("/accounts", get(accounts::list))
        .route("/search", post(search::search))
        .route_layer(middleware::from_fn_with_state(
            Gate {
                sandbox: sandbox.clone(),
                version,
            },
            gate,
        ))
        .fallback(move |State(sandbox): State<Sandbox>, method: Method| {
            unknown_path(sandbox, version, method)
        })
}

/// A path under a version that no route serves: counted as `"{method} /{version}/*"`, then 404.
async fn unknown_path(sandbox: Sandbox, version: &'static str, method: Method) -> Response {
    let route = format!("{method} /{version}/*");
    sandbox.shared.stats.lock().count_api_request(route);
    ApiError::not_found().into_response()
}

#[derive(Clone)]
struct Gate {
    sandbox: Sandbox,
    version: &'static str,
}

/// Faults, authentication, rate limit; puts the [`auth::Caller`] into the request.
async fn gate(State(gate): State<Gate>, mut req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| stats::route_template(m.as_str(), gate.version))
        .unwrap_or_else(|| req.uri().path().to_owned());
    let route = format!("{} {template}", req.method());
    gate.sandbox.shared.stats.lock().count_api_request(route);
    let faults = gate.sandbox.faults();
    if let Some(status) = faults.take_failure() {
        return faults.failure_response(status);
    }
    let Some(caller) = auth::authenticate(&gate.sandbox, req.headers()) else {
        return errors::unauthorized();
    };
    let config = &gate.sandbox.shared.config;
    let allowed = gate.sandbox.shared.limiter.lock().check(
        &caller.claims.client_id,
        gate.version,
        config.rate_limit,
        config.rate_window,
        Instant::now(),
    );
    if let Err(retry_after) = allowed {
        gate.sandbox.shared.stats.lock().count_rate_limited();
        return errors::rate_limited(retry_after);
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}
