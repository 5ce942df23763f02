//! What the server functions need from the server crate (server side only).
//!
//! The server crate owns configuration, sessions and the ISC client; the app only sees this
//! trait, provided as a Leptos context (`Arc<dyn Backend>`) for every render and server-function
//! call. That keeps the dependency one-way (server → app) and lets app tests use a fake.
//! Methods act for the current request's session, which the server reads from the request.

use std::sync::Arc;

use crate::error::AppError;
use crate::model::edit::{FormOptions, GroupDraft};
use crate::model::{GroupDetail, GroupSummary, SessionState, TenantInfo};

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    fn tenant(&self) -> TenantInfo;

    /// Who is signed in on the current request.
    async fn session_state(&self) -> Result<SessionState, AppError>;

    /// Every sync group of the tenant, with policy and source names resolved.
    async fn list_groups(&self) -> Result<Vec<GroupSummary>, AppError>;

    /// One sync group with its policy's rules and its sources' details.
    async fn group_detail(&self, id: &str) -> Result<GroupDetail, AppError>;

    /// What the create/edit form offers, read fresh from ISC (not the 60 s cache): policies,
    /// sources with their eligibility, every group, and the group `editing` as it is now.
    /// Admin only.
    async fn form_options(&self, editing: Option<&str>) -> Result<FormOptions, AppError>;

    /// Creates a group from a draft already validated by the caller (ISC checks it again).
    /// Never retried: a create that timed out may have happened.
    async fn create_group(&self, draft: GroupDraft) -> Result<GroupDetail, AppError>;

    /// `opened` is the group as the form showed it (id, modified and content). Re-read it just
    /// before the PUT; if its `modified` or content differs, return `Stale { current }` and do
    /// not write.
    async fn update_group(
        &self,
        opened: GroupDetail,
        draft: GroupDraft,
    ) -> Result<GroupDetail, AppError>;

    /// The group, its sources and policy as they are now (fresh, uncached) for the delete
    /// dialog; fails closed.
    async fn delete_impact(&self, id: &str) -> Result<GroupDetail, AppError>;

    /// `confirm_name` must equal the group's current name (trimmed, case-sensitive) or
    /// `Invalid`; returns what was deleted (read fresh just before deleting).
    async fn delete_group(&self, id: &str, confirm_name: &str) -> Result<GroupDetail, AppError>;
}

/// The backend of the current request, as provided by the server.
pub fn backend() -> Result<Arc<dyn Backend>, AppError> {
    leptos::prelude::use_context::<Arc<dyn Backend>>().ok_or_else(|| AppError::NotConfigured {
        message: "The console backend is not available.".into(),
    })
}
