//! Server functions: the browser's only way to the backend. Each has an explicit endpoint so that
//! client and server agree whatever directory they were built in, and each checks what its caller
//! may do in its own body (server functions are public HTTP endpoints: a route guard does not
//! cover them).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::edit::{ChangeReview, FieldErrors, FormOptions, GroupDraft};
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

    /// The signed-in administrator; helpdesk users and anyone else are refused, before anything
    /// is asked of ISC.
    pub async fn require_admin(backend: &dyn crate::backend::Backend) -> Result<Viewer, AppError> {
        let viewer = require_reader(backend).await?;
        match viewer.role {
            crate::model::Role::Admin => Ok(viewer),
            crate::model::Role::Helpdesk => Err(AppError::Forbidden {
                needed: "Changing sync groups needs the ISC user level ORG_ADMIN.".into(),
            }),
        }
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

#[server(name = GetFormOptions, prefix = "/api", endpoint = "form_options")]
pub async fn form_options(editing: Option<String>) -> Result<FormOptions, AppError> {
    guard::with_status(
        async {
            let backend = crate::backend::backend()?;
            guard::require_admin(backend.as_ref()).await?;
            backend.form_options(editing.as_deref()).await
        }
        .await,
    )
}

#[server(name = ReviewChange, prefix = "/api", endpoint = "review_change", input = server_fn::codec::Json)]
pub async fn review_change(
    editing: Option<String>,
    draft: GroupDraft,
) -> Result<(ChangeReview, FieldErrors, Option<String>), AppError> {
    Err(AppError::NotConfigured {
        message: format!("{editing:?}{draft:?}"),
    })
}

#[server(name = CreateGroup, prefix = "/api", endpoint = "create_group", input = server_fn::codec::Json)]
pub async fn create_group(draft: GroupDraft) -> Result<GroupDetail, AppError> {
    Err(AppError::NotConfigured {
        message: format!("{draft:?}"),
    })
}

#[server(name = UpdateGroup, prefix = "/api", endpoint = "update_group", input = server_fn::codec::Json)]
pub async fn update_group(opened: GroupDetail, draft: GroupDraft) -> Result<GroupDetail, AppError> {
    Err(AppError::NotConfigured {
        message: format!("{opened:?}{draft:?}"),
    })
}

#[server(name = GetDeleteImpact, prefix = "/api", endpoint = "delete_impact")]
pub async fn delete_impact(id: String) -> Result<(GroupDetail, Vec<String>), AppError> {
    Err(AppError::NotConfigured { message: id })
}

#[server(name = DeleteGroup, prefix = "/api", endpoint = "delete_group")]
pub async fn delete_group(id: String, confirm_name: String) -> Result<GroupDetail, AppError> {
    Err(AppError::NotConfigured {
        message: format!("{id}{confirm_name}"),
    })
}

#[server(name = CreateGroupForm, prefix = "/api", endpoint = "create_group_form")]
pub async fn create_group_form(
    name: String,
    policy_id: String,
    #[server(default)] source_ids: Vec<String>,
) -> Result<GroupDetail, AppError> {
    Err(AppError::NotConfigured {
        message: format!("{name}{policy_id}{source_ids:?}"),
    })
}

#[server(name = UpdateGroupForm, prefix = "/api", endpoint = "update_group_form")]
pub async fn update_group_form(
    id: String,
    opened_modified: String,
    name: String,
    policy_id: String,
    #[server(default)] source_ids: Vec<String>,
) -> Result<GroupDetail, AppError> {
    Err(AppError::NotConfigured {
        message: format!("{id}{opened_modified}{name}{policy_id}{source_ids:?}"),
    })
}

#[server(name = DeleteGroupForm, prefix = "/api", endpoint = "delete_group_form")]
pub async fn delete_group_form(id: String, confirm_name: String) -> Result<GroupDetail, AppError> {
    Err(AppError::NotConfigured {
        message: format!("{id}{confirm_name}"),
    })
}
