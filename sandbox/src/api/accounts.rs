//! `GET /accounts` (ISC v3 `listAccounts`): the generated population's accounts, with `filters`
//! (the spec's fields and operators, e.g. `identityId eq "…"`, `sourceId eq "…"`, `name eq "…"`,
//! joined by `and`), `sorters`, `limit` 0–250, `offset`, `count`.

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;

use super::filters::{self, ACCOUNT_FILTERS, ACCOUNT_SORTERS};
use super::paging::{page_response, paging, param, query_params};
use crate::Sandbox;
use crate::auth::{Caller, Operation};
use crate::errors::ApiError;

pub(crate) async fn list(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.authorize(Operation::ListAccounts)?;
    let params = query_params(query);
    let paging = paging(&params)?;
    let filter = param(&params, "filters")
        .filter(|f| !f.trim().is_empty())
        .map(|raw| {
            filters::parse_filter(raw, ACCOUNT_FILTERS).map_err(|e| {
                ApiError::illegal(format!(
                    "Illegal value \"{raw}\" for parameter \"filters\": {e}."
                ))
            })
        })
        .transpose()?;
    let sorters = param(&params, "sorters")
        .map(|raw| {
            filters::parse_sorters(raw, ACCOUNT_SORTERS).map_err(|e| {
                ApiError::illegal(format!(
                    "Illegal value \"{raw}\" for parameter \"sorters\": {e}."
                ))
            })
        })
        .transpose()?
        .unwrap_or_default();
    let mut items = sandbox.shared.store.lock().people.accounts_json();
    if let Some(filter) = &filter {
        items.retain(|item| filter.matches(item));
    }
    filters::sort(&mut items, &sorters);
    Ok(page_response(items, &paging))
}
