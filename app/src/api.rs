//! Server functions: the browser's only way to the backend. Each has an explicit endpoint so that
//! client and server agree whatever directory they were built in, and each checks what its caller
//! may do in its own body (server functions are public HTTP endpoints: a route guard does not
//! cover them).
//!
//! Encodings: arguments are URL-encoded (server_fn's default) unless they nest structs, which
//! serde_qs only reads in bracket syntax: `review_change`, `create_group` and `update_group` take
//! JSON. For pages without JavaScript, `create_group_form`, `update_group_form` and
//! `delete_group_form` take flat, URL-encoded fields (several sources as `source_ids[]`; no
//! field at all when none is chosen) and redirect to the result.
//!
//! A failed plain form post (a POST that accepts `text/html`) is answered by server_fn with a
//! 302 back to its `Referer`, adding `__path=/api/<endpoint>` and `__err=<base64 of the JSON
//! AppError>`; leptos_router reads these on that page and a `ServerAction::<ThatFn>::new()`
//! created there starts with `value() == Some(Err(error))`. The pages set
//! `Referrer-Policy: same-origin`, so a same-origin post carries its full URL.

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
    ///
    /// Not for a plain HTML form post (one that accepts `text/html`): server_fn answers it with
    /// a redirect back to the page (the error in `__err`), and a status set here would replace
    /// that 302, leaving the browser on a bare error body.
    pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &result
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
            && !is_plain_form_post()
        {
            response.set_status(e.status_code());
        }
        result
    }

    /// A browser posting an HTML form without JavaScript: a POST that accepts `text/html`
    /// (page renders are GETs, and keep their status).
    fn is_plain_form_post() -> bool {
        use_context::<http::request::Parts>().is_some_and(|parts| {
            parts.method == http::Method::POST
                && parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"))
        })
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

/// What saving `draft` would change, checked against fresh data from ISC: the review, the
/// field errors (empty when it may be saved) and a duplicate-name warning. Writes nothing.
/// JSON-encoded (nested arguments).
#[server(
    name = ReviewChange,
    prefix = "/api",
    endpoint = "review_change",
    input = server_fn::codec::Json
)]
pub async fn review_change(
    editing: Option<String>,
    draft: GroupDraft,
) -> Result<(ChangeReview, FieldErrors, Option<String>), AppError> {
    guard::with_status(
        async {
            let backend = crate::backend::backend()?;
            guard::require_admin(backend.as_ref()).await?;
            let options = backend.form_options(editing.as_deref()).await?;
            Ok((
                crate::model::edit::review(&draft, &options),
                crate::model::edit::validate(&draft, &options),
                crate::model::edit::duplicate_name_warning(&draft, &options),
            ))
        }
        .await,
    )
}

/// Creates a group. JSON-encoded (nested argument); the no-JavaScript form posts to
/// [`create_group_form`].
#[server(
    name = CreateGroup,
    prefix = "/api",
    endpoint = "create_group",
    input = server_fn::codec::Json
)]
pub async fn create_group(draft: GroupDraft) -> Result<GroupDetail, AppError> {
    guard::with_status(ops::create(draft).await)
}

/// Saves an edit unless the group changed in ISC since the form showed `opened` (then
/// `Stale`). JSON-encoded (nested arguments); the no-JavaScript form posts to
/// [`update_group_form`].
#[server(
    name = UpdateGroup,
    prefix = "/api",
    endpoint = "update_group",
    input = server_fn::codec::Json
)]
pub async fn update_group(opened: GroupDetail, draft: GroupDraft) -> Result<GroupDetail, AppError> {
    guard::with_status(ops::update(opened, draft).await)
}

/// The group as it is now and what deleting it does, for the confirmation dialog. Fails
/// closed: any upstream failure is an error, never a partial impact.
#[server(name = GetDeleteImpact, prefix = "/api", endpoint = "delete_impact")]
pub async fn delete_impact(id: String) -> Result<(GroupDetail, Vec<String>), AppError> {
    guard::with_status(
        async {
            let backend = crate::backend::backend()?;
            guard::require_admin(backend.as_ref()).await?;
            let group = backend.delete_impact(&id).await?;
            let consequences = crate::model::edit::delete_consequences(&group);
            Ok((group, consequences))
        }
        .await,
    )
}

/// Deletes a group when `confirm_name` is its current name; returns what was deleted.
#[server(name = DeleteGroup, prefix = "/api", endpoint = "delete_group")]
pub async fn delete_group(id: String, confirm_name: String) -> Result<GroupDetail, AppError> {
    guard::with_status(ops::delete(id, confirm_name).await)
}

/// [`create_group`] for a plain HTML form (URL-encoded; checkboxes named `source_ids[]`).
/// On success it redirects to `/groups/{id}?saved=created`; on failure a form post without
/// JavaScript is sent back to the page it came from with the error in `__err` (see the
/// module's documentation).
#[server(name = CreateGroupForm, prefix = "/api", endpoint = "create_group_form")]
pub async fn create_group_form(
    name: String,
    policy_id: String,
    #[server(default)] source_ids: Vec<String>,
) -> Result<GroupDetail, AppError> {
    let draft = GroupDraft {
        name,
        policy_id,
        source_ids,
    };
    let group = guard::with_status(ops::create(draft).await)?;
    leptos_axum::redirect(&format!("/groups/{}?saved=created", ops::enc(&group.id)));
    Ok(group)
}

/// [`update_group`] for a plain HTML form: `opened_modified` is the group's `modified` as the
/// form showed it (empty when ISC sent none). Redirects to `/groups/{id}?saved=updated`.
#[server(name = UpdateGroupForm, prefix = "/api", endpoint = "update_group_form")]
pub async fn update_group_form(
    id: String,
    opened_modified: String,
    name: String,
    policy_id: String,
    #[server(default)] source_ids: Vec<String>,
) -> Result<GroupDetail, AppError> {
    let draft = GroupDraft {
        name,
        policy_id,
        source_ids,
    };
    let group = guard::with_status(ops::update_form(id, opened_modified, draft).await)?;
    leptos_axum::redirect(&format!("/groups/{}?saved=updated", ops::enc(&group.id)));
    Ok(group)
}

/// [`delete_group`] for a plain HTML form. Redirects to
/// `/groups?deleted=<name>&sources=<source names, comma-separated>`.
#[server(name = DeleteGroupForm, prefix = "/api", endpoint = "delete_group_form")]
pub async fn delete_group_form(id: String, confirm_name: String) -> Result<GroupDetail, AppError> {
    let group = guard::with_status(ops::delete(id, confirm_name).await)?;
    let sources: Vec<String> = group
        .sources
        .iter()
        .map(crate::model::SourceInfo::label)
        .collect();
    leptos_axum::redirect(&format!(
        "/groups?deleted={}&sources={}",
        ops::enc(&group.name),
        ops::enc(&sources.join(", "))
    ));
    Ok(group)
}

/// The mutations behind both the JSON and the plain-form server functions: the admin check,
/// then ISC's rules checked again on fresh data, then the write.
#[cfg(feature = "ssr")]
mod ops {
    use super::*;
    use crate::model::edit::validate;

    /// Everything but unreserved characters (RFC 3986) is percent-encoded.
    const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');

    /// A path segment or query value.
    pub fn enc(s: &str) -> String {
        percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
    }

    fn invalid_or_ok(errors: FieldErrors) -> Result<(), AppError> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid { errors })
        }
    }

    pub async fn create(draft: GroupDraft) -> Result<GroupDetail, AppError> {
        let backend = crate::backend::backend()?;
        guard::require_admin(backend.as_ref()).await?;
        let options = backend.form_options(None).await?;
        invalid_or_ok(validate(&draft, &options))?;
        backend.create_group(draft).await
    }

    /// Fresh options for editing `id`; a group that is gone is a stale edit, not a 404.
    async fn options_for_edit(
        backend: &dyn crate::backend::Backend,
        id: &str,
    ) -> Result<FormOptions, AppError> {
        match backend.form_options(Some(id)).await {
            Err(AppError::NotFound { .. }) => Err(AppError::Stale { current: None }),
            other => other,
        }
    }

    pub async fn update(opened: GroupDetail, draft: GroupDraft) -> Result<GroupDetail, AppError> {
        let backend = crate::backend::backend()?;
        guard::require_admin(backend.as_ref()).await?;
        let options = options_for_edit(backend.as_ref(), &opened.id).await?;
        // A change made meanwhile is reported before the draft's own problems: the admin
        // should look at the current version first.
        if let Some(current) = options.editing.as_ref()
            && crate::model::edit::changed_since(&opened, current)
        {
            return Err(AppError::Stale {
                current: Some(Box::new(current.clone())),
            });
        }
        invalid_or_ok(validate(&draft, &options))?;
        // The backend reads the group once more just before the PUT.
        backend.update_group(opened, draft).await
    }

    pub async fn update_form(
        id: String,
        opened_modified: String,
        draft: GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        let backend = crate::backend::backend()?;
        guard::require_admin(backend.as_ref()).await?;
        let options = options_for_edit(backend.as_ref(), &id).await?;
        let Some(current) = options.editing.clone() else {
            return Err(AppError::Stale { current: None });
        };
        // A plain form carries only the version it showed.
        if current.modified.as_deref().unwrap_or_default() != opened_modified.trim() {
            return Err(AppError::Stale {
                current: Some(Box::new(current)),
            });
        }
        invalid_or_ok(validate(&draft, &options))?;
        backend.update_group(current, draft).await
    }

    pub async fn delete(id: String, confirm_name: String) -> Result<GroupDetail, AppError> {
        let backend = crate::backend::backend()?;
        guard::require_admin(backend.as_ref()).await?;
        if confirm_name.trim().is_empty() {
            return Err(AppError::Invalid {
                errors: FieldErrors {
                    name: Some("Type the group's name to delete it.".into()),
                    ..FieldErrors::default()
                },
            });
        }
        backend.delete_group(&id, &confirm_name).await
    }
}
