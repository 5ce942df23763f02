//! `/password-policies` and `/password-policies/{id}` (read-only).

use axum::Extension;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::Value;

use super::paging::{page_response, paging, query_params};
use crate::Sandbox;
use crate::auth::{Caller, Operation};
use crate::errors::ApiError;

pub(crate) async fn list(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.authorize(Operation::ReadPolicies)?;
    let paging = paging(&query_params(query))?;
    let policies = sandbox.shared.store.lock().policies_json();
    Ok(page_response(policies, &paging))
}

pub(crate) async fn get(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.authorize(Operation::ReadPolicies)?;
    let Path(id) = path.map_err(|_| ApiError::not_found())?;
    let policy = sandbox.shared.store.lock().policy_json(&id);
    policy.map(Json).ok_or_else(ApiError::not_found)
}
