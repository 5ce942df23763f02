//! `/password-sync-groups` and `/password-sync-groups/{id}`.

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value};

use super::paging::{page_of, paging, query_params};
use crate::Sandbox;
use crate::auth::{Caller, Operation};
use crate::errors::ApiError;
use crate::ids;
use crate::store::{Group, GroupInput};

pub(crate) async fn list(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.authorize(Operation::ReadGroups)?;
    let paging = paging(&query_params(query))?;
    // Only the page is copied out (under the store's lock): a page of a large org costs what a
    // page of a small one does.
    let (page, total) = {
        let store = sandbox.shared.store.lock();
        let all = store.groups();
        let page: Vec<Group> = all
            .iter()
            .skip(paging.offset)
            .take(paging.limit)
            .cloned()
            .collect();
        (page, all.len())
    };
    Ok(page_of(page, total, &paging))
}

pub(crate) async fn get(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Group>, ApiError> {
    caller.authorize(Operation::ReadGroups)?;
    let Path(id) = path.map_err(|_| ApiError::not_found())?;
    let group = sandbox.shared.store.lock().group(&id).cloned();
    group.map(Json).ok_or_else(ApiError::not_found)
}

/// 200 (not 201) with the new group; a client-supplied `id`, `created` or `modified` is ignored.
pub(crate) async fn create(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Group>, ApiError> {
    caller.authorize(Operation::WriteGroups)?;
    let input = parse_body(&headers, body)?;
    let rules = sandbox.rules();
    let group = sandbox
        .shared
        .store
        .lock()
        .create_group(&input, &rules, ids::uuid_v4())?;
    Ok(Json(group))
}

/// Full replace: keeps `id` and `created`, bumps `modified`.
pub(crate) async fn update(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Group>, ApiError> {
    caller.authorize(Operation::WriteGroups)?;
    let Path(id) = path.map_err(|_| ApiError::not_found())?;
    let input = parse_body(&headers, body)?;
    let rules = sandbox.rules();
    let updated = sandbox
        .shared
        .store
        .lock()
        .update_group(&id, &input, &rules)?;
    updated.map(Json).ok_or_else(ApiError::not_found)
}

/// 204 with an empty body; the group's policy stays on its sources, now directly assigned.
pub(crate) async fn delete(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    caller.authorize(Operation::WriteGroups)?;
    let Path(id) = path.map_err(|_| ApiError::not_found())?;
    let deleted = sandbox.shared.store.lock().delete_group(&id);
    deleted
        .map(|_| StatusCode::NO_CONTENT)
        .ok_or_else(ApiError::not_found)
}

/// A JSON object with optional `name`, `passwordPolicyId`, `sourceIds`; wrong media type,
/// malformed JSON or a field of the wrong type is `400.1 Bad Request Content`.
fn parse_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<GroupInput, ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if media_type != "application/json" && !media_type.ends_with("+json") {
        return Err(ApiError::bad_content(
            "The request body must be JSON (Content-Type: application/json).",
        ));
    }
    let body = body.map_err(|e| ApiError::bad_content(e.body_text()))?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_content(format!("Malformed JSON request body: {e}.")))?;
    let Value::Object(object) = value else {
        return Err(ApiError::bad_content(
            "The request body must be a JSON object (a PasswordSyncGroup).",
        ));
    };
    Ok(GroupInput {
        name: optional_string(&object, "name")?,
        password_policy_id: optional_string(&object, "passwordPolicyId")?,
        source_ids: optional_strings(&object, "sourceIds")?,
    })
}

fn optional_string(object: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_content(format!(
            "Field \"{field}\" must be a string."
        ))),
    }
}

fn optional_strings(
    object: &Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    let wrong = || ApiError::bad_content(format!("Field \"{field}\" must be an array of strings."));
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(wrong()),
    }
}
