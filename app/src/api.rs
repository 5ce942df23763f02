//! Server functions: the browser's only way to the backend. Each has an explicit endpoint so that
//! client and server agree whatever directory they were built in, and each checks what its caller
//! may do in its own body (server functions are public HTTP endpoints: a route guard does not
//! cover them).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{GroupDetail, GroupSummary, SessionState, TenantInfo};

/// What every page's frame needs: the tenant and who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleContext {
    pub tenant: TenantInfo,
    pub session: SessionState,
}

#[cfg(feature = "ssr")]
mod guard {
    use super::*;
    use crate::model::Viewer;

    /// Gives a failed server function the HTTP status of its error (401, 403, 404, 429, 502, …);
    /// server_fn 0.8 would answer 500 for all of them.
    pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &result
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        {
            response.set_status(e.status_code());
        }
        result
    }

    /// The signed-in viewer, admin or helpdesk; anyone else is refused.
    pub async fn require_reader(backend: &dyn crate::backend::Backend) -> Result<Viewer, AppError> {
        match backend.session_state().await? {
            SessionState::SignedIn(viewer) => Ok(viewer),
            SessionState::SignedOut => Err(AppError::Unauthorized),
            SessionState::NoAccess { .. } => Err(AppError::Forbidden {
                needed: "This console needs the ISC user level ORG_ADMIN or HELPDESK.".into(),
            }),
        }
    }
}

#[server(name = GetConsoleContext, prefix = "/api", endpoint = "console_context")]
pub async fn console_context() -> Result<ConsoleContext, AppError> {
    guard::with_status(
        async {
            let backend = crate::backend::backend()?;
            Ok(ConsoleContext {
                tenant: backend.tenant(),
                session: backend.session_state().await?,
            })
        }
        .await,
    )
}

#[server(name = ListGroups, prefix = "/api", endpoint = "list_groups")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    guard::with_status(
        async {
            let backend = crate::backend::backend()?;
            guard::require_reader(backend.as_ref()).await?;
            backend.list_groups().await
        }
        .await,
    )
}

#[server(name = GetGroup, prefix = "/api", endpoint = "get_group")]
pub async fn get_group(id: String) -> Result<GroupDetail, AppError> {
    guard::with_status(
        async {
            let backend = crate::backend::backend()?;
            guard::require_reader(backend.as_ref()).await?;
            backend.group_detail(&id).await
        }
        .await,
    )
}
