//! `/sources` (with `filters` and `sorters`) and `/sources/{id}` (read-only).

use axum::Extension;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::Value;

use super::filters::{self, SOURCE_FILTERS, SOURCE_SORTERS};
use super::paging::{page_of, page_response, paging, param, query_params};
use crate::Sandbox;
use crate::auth::{Caller, Operation};
use crate::errors::ApiError;

pub(crate) async fn list(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.authorize(Operation::ListSources)?;
    let params = query_params(query);
    let paging = paging(&params)?;
    let filter = param(&params, "filters")
        .filter(|f| !f.trim().is_empty())
        .map(|raw| {
            filters::parse_filter(raw, SOURCE_FILTERS).map_err(|e| {
                ApiError::illegal(format!(
                    "Illegal value \"{raw}\" for parameter \"filters\": {e}."
                ))
            })
        })
        .transpose()?;
    let sorters = param(&params, "sorters")
        .map(|raw| {
            filters::parse_sorters(raw, SOURCE_SORTERS).map_err(|e| {
                ApiError::illegal(format!(
                    "Illegal value \"{raw}\" for parameter \"sorters\": {e}."
                ))
            })
        })
        .transpose()?
        .unwrap_or_default();
    if filter.is_none() && sorters.is_empty() {
        // Render only the page asked for (a large generated org has thousands of sources).
        let store = sandbox.shared.store.lock();
        let page = store.sources_json_page(paging.offset, paging.limit);
        return Ok(page_of(page, store.source_count(), &paging));
    }
    let mut items = sandbox.shared.store.lock().sources_json();
    if let Some(filter) = &filter {
        items.retain(|item| filter.matches(item));
    }
    filters::sort(&mut items, &sorters);
    Ok(page_response(items, &paging))
}

pub(crate) async fn get(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.authorize(Operation::GetSource)?;
    let Path(id) = path.map_err(|_| ApiError::not_found())?;
    let source = sandbox.shared.store.lock().source_json(&id);
    source.map(Json).ok_or_else(ApiError::not_found)
}
