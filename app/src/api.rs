//! Server functions: the browser's only way to the backend. Each has an explicit endpoint so that
//! client and server agree whatever directory they were built in, and each declares the role
//! it needs by the helper its body runs in: [`as_reader`](serve::as_reader),
//! [`as_admin`](serve::as_admin), or [`as_anyone`](serve::as_anyone) for the page frame (server
//! functions are public HTTP endpoints: a route guard does not cover them). The helpers hand
//! the body a proof of the role (`caller::Reader` / `caller::Admin`), which every backend
//! method requires, so a function that forgets its role does not compile.
//!
//! One server function per change, for pages with and without JavaScript alike: `save_group`
//! and `delete_group` take flat, URL-encoded fields (several sources as `source_ids[]`), so an
//! `ActionForm` posts them as a plain form without JavaScript and dispatches them once
//! hydrated. On success they redirect to the result (a 302 for a plain form; a header the
//! hydrated router follows otherwise). Only `review_change` takes JSON (a nested draft).
//!
//! A failed plain form post (a POST that accepts `text/html`) is answered by server_fn with a
//! 302 back to its `Referer`, adding `__path=/api/<endpoint>` and `__err=<base64 of the JSON
//! AppError>`; leptos_router reads these on that page and a `ServerAction::<ThatFn>::new()`
//! created there starts with `value() == Some(Err(error))`. The server signs such notices
//! (`__sig`, see `server/src/notice.rs`) and refuses unsigned ones on page loads, so a crafted
//! link cannot put its own text in the console's alert panels (`?deleted=` likewise). The pages set
//! `Referrer-Policy: same-origin`, so a same-origin post carries its full URL. Every other
//! failure answers with the HTTP status of its error (the server's boundary layer sets it).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::coverage::Coverage;
use crate::model::delete::DeleteImpact;
use crate::model::draft::{FormOptions, GroupDraft};
use crate::model::freshness::GroupAsOf;
use crate::model::history::HistoryPage;
use crate::model::list::GroupListPage;
use crate::model::people::{LookupPage, PeopleResults, PersonSync};
use crate::model::plan::{ApplyReport, Plan};
use crate::model::review::DraftCheck;
use crate::model::{GroupDetail, GroupSummary, SessionState, TenantInfo};

/// What every page's frame needs: the tenant and who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleContext {
    pub tenant: TenantInfo,
    pub session: SessionState,
}

#[server(name = GetConsoleContext, prefix = "/api", endpoint = "console_context")]
pub async fn console_context() -> Result<ConsoleContext, AppError> {
    serve::as_anyone(|backend, caller| async move {
        Ok(ConsoleContext {
            tenant: backend.tenant(),
            session: caller.session_state(),
        })
    })
    .await
}

/// Every group of the tenant (a JSON API for scripts; the list page asks for one page).
#[server(name = ListGroups, prefix = "/api", endpoint = "list_groups")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    serve::as_reader(|backend, reader| async move {
        Ok(backend.list_groups(&reader, false).await?.groups.to_vec())
    })
    .await
}

/// One page of the list for a search and sort order: the browser gets the rows it shows, not
/// the whole tenant. `refresh`: the user asked to read ISC again.
#[server(name = ListPage, prefix = "/api", endpoint = "list_page")]
pub async fn list_page(
    q: Option<String>,
    sort: Option<String>,
    page: Option<usize>,
    refresh: Option<bool>,
) -> Result<GroupListPage, AppError> {
    serve::as_reader(|backend, reader| async move {
        let list = backend
            .list_groups(&reader, refresh.unwrap_or(false))
            .await?;
        Ok(GroupListPage::of(
            &list.groups,
            q.as_deref().unwrap_or_default(),
            crate::model::list::SortKey::from_param(sort.as_deref().unwrap_or_default()),
            page.unwrap_or(1),
            list.freshness,
        ))
    })
    .await
}

#[server(name = GetGroup, prefix = "/api", endpoint = "get_group")]
pub async fn get_group(id: String, refresh: Option<bool>) -> Result<GroupAsOf, AppError> {
    serve::as_reader(|backend, reader| async move {
        backend
            .group_detail(&reader, &id, refresh.unwrap_or(false))
            .await
    })
    .await
}

#[server(name = GetFormOptions, prefix = "/api", endpoint = "form_options")]
pub async fn form_options(editing: Option<String>) -> Result<FormOptions, AppError> {
    serve::as_admin(|backend, admin| async move {
        backend.form_options(&admin, editing.as_deref()).await
    })
    .await
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
) -> Result<DraftCheck, AppError> {
    serve::as_admin(|backend, admin| async move {
        ops::check_size(&draft)?;
        let options = backend.form_options(&admin, editing.as_deref()).await?;
        Ok(DraftCheck::of(&draft, &options))
    })
    .await
}

/// Creates a group (no `id`) or saves an edit of group `id` unless it changed in ISC since the
/// form showed version `opened_version` (then `Stale`, nothing written). Redirects to the
/// group's page with `?saved=created|updated`.
#[server(name = SaveGroup, prefix = "/api", endpoint = "save_group")]
pub async fn save_group(
    id: Option<String>,
    opened_version: Option<String>,
    name: String,
    policy_id: String,
    #[server(default)] source_ids: Vec<String>,
) -> Result<GroupDetail, AppError> {
    serve::as_admin(|backend, admin| async move {
        let draft = GroupDraft {
            name,
            policy_id,
            source_ids,
        };
        let editing = id.as_deref().map(str::trim).filter(|id| !id.is_empty());
        let (group, saved) = match editing {
            None => (
                ops::create(backend.as_ref(), &admin, &draft).await?,
                crate::routes::Saved::Created,
            ),
            Some(id) => {
                let opened = opened_version.unwrap_or_default();
                (
                    ops::update(backend.as_ref(), &admin, id, &opened, &draft).await?,
                    crate::routes::Saved::Updated,
                )
            }
        };
        leptos_axum::redirect(&crate::routes::href(&crate::routes::group_saved(
            &group.id, saved,
        )));
        Ok(group)
    })
    .await
}

/// The group as it is now and what deleting it does, for the confirmation dialog and page.
/// Fails closed: any upstream failure is an error, never a partial impact.
#[server(name = GetDeleteImpact, prefix = "/api", endpoint = "delete_impact")]
pub async fn delete_impact(id: String) -> Result<DeleteImpact, AppError> {
    serve::as_admin(|backend, admin| async move {
        Ok(DeleteImpact::of(backend.delete_impact(&admin, &id).await?))
    })
    .await
}

/// Deletes a group when `confirm_name` confirms its current name; returns what was deleted and
/// redirects to the list, which names it and its sources.
#[server(name = DeleteGroup, prefix = "/api", endpoint = "delete_group")]
pub async fn delete_group(id: String, confirm_name: String) -> Result<GroupDetail, AppError> {
    serve::as_admin(|backend, admin| async move {
        if confirm_name.trim().is_empty() {
            return Err(AppError::invalid_name(
                crate::model::delete::CONFIRMATION_MISSING,
            ));
        }
        let group = backend.delete_group(&admin, &id, &confirm_name).await?;
        let sources: Vec<String> = group.sources.iter().map(|s| s.label()).collect();
        leptos_axum::redirect(&crate::routes::href(&crate::routes::deleted(
            &group.name,
            &sources,
        )));
        Ok(group)
    })
    .await
}

/// Changes made through the console: one group's (`group_id`) or the tenant's, filtered by
/// who and by date (`from`/`until`: `YYYY-MM-DD`, UTC days, both included), a page at a time.
#[server(name = GetHistory, prefix = "/api", endpoint = "history")]
pub async fn history(
    group_id: Option<String>,
    who: Option<String>,
    from: Option<String>,
    until: Option<String>,
    before: Option<i64>,
) -> Result<HistoryPage, AppError> {
    serve::as_reader(|backend, reader| async move {
        let day =
            |text: Option<String>, field: &str| -> Result<Option<i64>, AppError> {
                match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    None => Ok(None),
                    Some(t) => crate::model::when::parse_day(t).map(Some).ok_or_else(|| {
                        AppError::BadRequest {
                            message: format!("the {field} date must be written YYYY-MM-DD."),
                        }
                    }),
                }
            };
        let filter = crate::model::history::HistoryFilter {
            group_id: group_id.filter(|g| !g.trim().is_empty()),
            who: who.map(|w| w.chars().take(100).collect()),
            from: day(from, "from")?,
            // The whole of the last day.
            until: day(until, "until")?.map(|d| d + 86_400),
            before,
        };
        backend.history(&reader, &filter).await
    })
    .await
}

/// The coverage overview: which password sources are in which group, and which in none.
#[server(name = GetCoverage, prefix = "/api", endpoint = "coverage")]
pub async fn coverage() -> Result<Coverage, AppError> {
    serve::as_reader(|backend, reader| async move { backend.coverage(&reader).await }).await
}

/// People matching what a caller told the helpdesk (name, email, account name), a page at a
/// time. A text too short or too long is refused before anything is asked of ISC.
#[server(name = FindPeople, prefix = "/api", endpoint = "find_people")]
pub async fn find_people(
    query: String,
    #[server(default)] offset: usize,
) -> Result<PeopleResults, AppError> {
    serve::as_reader(|backend, reader| async move {
        if let Some(problem) = crate::model::people::query_problem(&query) {
            return Err(AppError::BadRequest { message: problem });
        }
        let offset = offset.min(crate::model::people::MAX_OFFSET);
        backend.find_people(&reader, query.trim(), offset).await
    })
    .await
}

/// One person's password sync, for the helpdesk. Read-only.
#[server(name = GetPersonSync, prefix = "/api", endpoint = "person_sync")]
pub async fn person_sync(id: String) -> Result<PersonSync, AppError> {
    serve::as_reader(|backend, reader| async move { backend.person_sync(&reader, &id).await }).await
}

/// Who looked up whom (administrators only), newest first.
#[server(name = ListLookups, prefix = "/api", endpoint = "lookups")]
pub async fn lookups(before: Option<i64>) -> Result<LookupPage, AppError> {
    serve::as_admin(|backend, admin| async move { backend.lookups(&admin, before).await }).await
}

/// The tenant's sync groups as a document ("sync groups as code"), for the export page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedDocument {
    pub tenant: String,
    /// The document, as the download holds it.
    pub text: String,
    pub groups: usize,
}

/// A submitted document and what applying it would do (computed again on every view), or,
/// once applied, what the apply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub id: String,
    pub submitted_by: String,
    pub submitted_at: i64,
    /// The plan against the tenant as it is now; None once applied (the report says it all).
    pub plan: Option<Plan>,
    /// Said above the plan: e.g. that it changed since it was reviewed.
    pub notice: Option<String>,
    pub applied: Option<AppliedPlan>,
}

/// What an apply did, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPlan {
    pub by: String,
    pub at: i64,
    pub report: ApplyReport,
}

/// How an apply ended: applied (the report, also when a step failed), or not started because
/// the plan computed again differs from the one reviewed (the new plan, to review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplyOutcome {
    Applied(ApplyReport),
    Changed(Plan),
}

/// Every sync group of the tenant as a document, read fresh from ISC. Readers (the helpdesk
/// may export; the download is `routes::EXPORT_DOWNLOAD`).
#[server(name = ExportDocument, prefix = "/api", endpoint = "export_document")]
pub async fn export_document() -> Result<ExportedDocument, AppError> {
    serve::as_reader(|backend, reader| async move { backend.export(&reader).await }).await
}

/// Keeps a document (pasted, or read from a file by the page) for a plan and redirects to the
/// plan's page. Only its size is checked here (at most 1 MB): everything else that can be
/// wrong with it is shown on the plan's page, at its place in the document.
#[server(name = SubmitPlan, prefix = "/api", endpoint = "submit_plan")]
pub async fn submit_plan(document: String) -> Result<String, AppError> {
    serve::as_admin(|backend, admin| async move {
        let id = backend.submit_plan(&admin, &document).await?;
        leptos_axum::redirect(&crate::routes::href(&crate::routes::plan(&id)));
        Ok(id)
    })
    .await
}

/// The plan of a submitted document against the tenant as it is now, or its apply's report.
/// `changed`: the page was reached from an apply that found the plan changed.
#[server(name = GetPlanView, prefix = "/api", endpoint = "plan_view")]
pub async fn plan_view(id: String, changed: Option<bool>) -> Result<PlanView, AppError> {
    serve::as_admin(|backend, admin| async move {
        backend
            .plan_view(&admin, &id, changed.unwrap_or(false))
            .await
    })
    .await
}

/// Applies the plan of document `id` if, computed again now, it is still the one reviewed
/// (`digest`), then redirects to the plan's page, which shows the report (or the new plan).
#[server(name = ApplyPlan, prefix = "/api", endpoint = "apply_plan")]
pub async fn apply_plan(id: String, digest: String) -> Result<ApplyOutcome, AppError> {
    serve::as_admin(|backend, admin| async move {
        let outcome = backend.apply_plan(&admin, &id, &digest).await?;
        let to = match &outcome {
            ApplyOutcome::Changed(plan) if plan.is_applicable() => crate::routes::plan_changed(&id),
            _ => crate::routes::plan(&id),
        };
        leptos_axum::redirect(&crate::routes::href(&to));
        Ok(outcome)
    })
    .await
}

/// The role helpers every server function runs its body in.
#[cfg(feature = "ssr")]
mod serve {
    use std::sync::Arc;

    use crate::backend::{Backend, backend};
    use crate::caller::{Admin, Caller, Reader};
    use crate::error::AppError;

    /// The backend and the caller the server resolved for this request.
    fn request() -> Result<(Arc<dyn Backend>, Caller), AppError> {
        let caller = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Caller>().cloned())
            .ok_or_else(|| AppError::NotConfigured {
                message: "Sign-in is not set up on this server.".into(),
            })?;
        Ok((backend()?, caller))
    }

    /// For what anyone may ask, signed in or not (the page frame).
    pub async fn as_anyone<T, F, Fut>(body: F) -> Result<T, AppError>
    where
        F: FnOnce(Arc<dyn Backend>, Caller) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let (backend, caller) = request()?;
        body(backend, caller).await
    }

    /// For reads: administrators and helpdesk users.
    pub async fn as_reader<T, F, Fut>(body: F) -> Result<T, AppError>
    where
        F: FnOnce(Arc<dyn Backend>, Reader) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let (backend, caller) = request()?;
        body(backend, caller.reader()?).await
    }

    /// For changes and what prepares them: administrators only, refused before anything is
    /// asked of ISC.
    pub async fn as_admin<T, F, Fut>(body: F) -> Result<T, AppError>
    where
        F: FnOnce(Arc<dyn Backend>, Admin) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let (backend, caller) = request()?;
        body(backend, caller.admin()?).await
    }
}

/// The rules of a change, checked on fresh data just before writing: shared by every path
/// that writes (one server function each, with or without JavaScript).
#[cfg(feature = "ssr")]
mod ops {
    use crate::backend::Backend;
    use crate::caller::Admin;
    use crate::error::AppError;
    use crate::model::GroupDetail;
    use crate::model::draft::{FieldErrors, GroupDraft};

    pub async fn create(
        backend: &dyn Backend,
        admin: &Admin,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        check_size(draft)?;
        let options = backend.form_options(admin, None).await?;
        AppError::invalid_unless_empty(draft.validate(&options))?;
        backend.create_group(admin, draft).await
    }

    /// The one staleness rule for both paths: the group as read now must still be the version
    /// the form showed (`GroupDetail::version`). A change made meanwhile is reported before
    /// the draft's own problems: the admin should look at the current version first.
    pub async fn update(
        backend: &dyn Backend,
        admin: &Admin,
        id: &str,
        opened_version: &str,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        check_size(draft)?;
        let options = match backend.form_options(admin, Some(id)).await {
            // A group that is gone is a stale edit, not a 404.
            Err(AppError::NotFound { .. }) => return Err(AppError::Stale { current: None }),
            other => other?,
        };
        let Some(current) = options.editing.as_ref() else {
            return Err(AppError::Stale { current: None });
        };
        if current.changed_since(opened_version) {
            return Err(AppError::Stale {
                current: Some(Box::new(current.clone())),
            });
        }
        AppError::invalid_unless_empty(draft.validate(&options))?;
        backend.update_group(admin, current, draft).await
    }

    /// A draft naming more sources than a group may have is refused before any work is done
    /// on its list (or anything is asked of ISC).
    pub fn check_size(draft: &GroupDraft) -> Result<(), AppError> {
        match draft.size_problem() {
            None => Ok(()),
            Some(problem) => Err(AppError::Invalid {
                errors: FieldErrors {
                    sources: Some(problem),
                    ..FieldErrors::default()
                },
            }),
        }
    }
}
