//! Server functions: the browser's only way to the backend. Each has an explicit endpoint so that
//! client and server agree whatever directory they were built in, and each checks what its caller
//! may do in its own body (server functions are public HTTP endpoints).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{GroupSummary, TenantInfo};

/// Gives a failed server function the HTTP status of its error (401, 403, 404, 429, 502, …).
#[cfg(feature = "ssr")]
fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(e.status_code());
    }
    result
}

#[server(name = ListGroups, prefix = "/api", endpoint = "list_groups")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    with_status(async { crate::backend::backend()?.list_groups().await }.await)
}

#[server(name = GetTenant, prefix = "/api", endpoint = "tenant")]
pub async fn tenant_info() -> Result<TenantInfo, AppError> {
    with_status(crate::backend::backend().map(|b| b.tenant()))
}
