//! What the server functions need from the server crate (server side only).
//!
//! The server crate owns configuration, sessions and the ISC client; the app only sees this
//! trait, provided as a Leptos context (`Arc<dyn Backend>`) for every render and server-function
//! call. That keeps the dependency one-way (server → app) and lets app tests use a fake.
//!
//! Every method takes the caller explicitly, as the proof of the role it needs ([`Reader`] or
//! [`Admin`]); the backend never looks at the request itself.

use std::sync::Arc;

use crate::api::{ApplyOutcome, ExportedDocument, PlanView};
use crate::caller::{Admin, Reader};
use crate::error::AppError;
use crate::model::coverage::Coverage;
use crate::model::draft::{FormOptions, GroupDraft};
use crate::model::freshness::{Freshness, GroupAsOf};
use crate::model::history::{HistoryFilter, HistoryPage};
use crate::model::people::{LookupPage, PeopleResults, PersonSync};
use crate::model::{GroupDetail, GroupSummary, TenantInfo};

/// Every group of the tenant as the shared cache holds it (shared, not copied per view).
pub struct GroupList {
    pub groups: Arc<Vec<GroupSummary>>,
    pub freshness: Freshness,
}

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    fn tenant(&self) -> TenantInfo;

    /// Every sync group of the tenant, with policy and source names resolved, from the shared
    /// cache (a few seconds old; `refresh`: read again unless just read).
    async fn list_groups(&self, caller: &Reader, refresh: bool) -> Result<GroupList, AppError>;

    /// One sync group with its policy's rules and its sources' details, from the shared cache
    /// when it holds the group (`refresh`: read it from ISC now).
    async fn group_detail(
        &self,
        caller: &Reader,
        id: &str,
        refresh: bool,
    ) -> Result<GroupAsOf, AppError>;

    /// What the create/edit form offers, read fresh from ISC (not the 60 s cache): policies,
    /// sources with their eligibility, every group, and the group `editing` as it is now
    /// (`NotFound` when it is gone).
    async fn form_options(
        &self,
        caller: &Admin,
        editing: Option<&str>,
    ) -> Result<FormOptions, AppError>;

    /// Creates a group from a draft already validated by the caller (ISC checks it again).
    /// Never retried: a create that timed out may have happened.
    async fn create_group(
        &self,
        caller: &Admin,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError>;

    /// Saves `draft` over the group `current` (a full replace). ISC's PUT has no version
    /// check: the caller has just read `current` fresh and checked it is still the version the
    /// admin opened (it is also what the audit record keeps as "before"). A group deleted in
    /// that moment is `Stale { current: None }`.
    async fn update_group(
        &self,
        caller: &Admin,
        current: &GroupDetail,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError>;

    /// The group, its sources and policy as they are now (fresh, uncached) for the delete
    /// dialog; fails closed.
    async fn delete_impact(&self, caller: &Admin, id: &str) -> Result<GroupDetail, AppError>;

    /// Changes made through the console, newest first, as `filter` selects them (from the
    /// audit record; nobody can change it).
    async fn history(
        &self,
        caller: &Reader,
        filter: &HistoryFilter,
    ) -> Result<HistoryPage, AppError>;

    /// Every password source with its group and policy, and every group with its sources.
    async fn coverage(&self, caller: &Reader) -> Result<Coverage, AppError>;

    /// People whose name, display name, email or account name matches `query` (already
    /// checked with `people::query_problem`), the page starting at `offset`. Recorded as a
    /// lookup; limited per user.
    async fn find_people(
        &self,
        caller: &Reader,
        query: &str,
        offset: usize,
    ) -> Result<PeopleResults, AppError>;

    /// One person's password sync: their accounts on the sources of every group, the verdict
    /// per group, their other password accounts and their recent password events. Recorded
    /// as a lookup; limited per user. `NotFound` for an unknown identity.
    async fn person_sync(&self, caller: &Reader, id: &str) -> Result<PersonSync, AppError>;

    /// Who looked up whom, newest first: the entries recorded before record `before` when
    /// given (a page's `older`). Administrators only.
    async fn lookups(&self, caller: &Admin, before: Option<i64>) -> Result<LookupPage, AppError>;

    /// Deletes group `id` if `confirm_name` confirms its current name (read fresh just before
    /// deleting; the rule is `model::delete::confirmation_matches`), else `Invalid`; returns
    /// what was deleted.
    async fn delete_group(
        &self,
        caller: &Admin,
        id: &str,
        confirm_name: &str,
    ) -> Result<GroupDetail, AppError>;

    /// Every sync group of the tenant as a document ("sync groups as code"), read fresh.
    async fn export(&self, caller: &Reader) -> Result<ExportedDocument, AppError>;

    /// Keeps `document` for a plan (refused over 1 MB or empty) and returns its id.
    async fn submit_plan(&self, caller: &Admin, document: &str) -> Result<String, AppError>;

    /// Plan `id`: its document planned against the tenant as read now (problems of the
    /// document included, never an error for them), or its apply's report. `changed`: say
    /// that the plan changed since it was reviewed. `NotFound` for an unknown id.
    async fn plan_view(
        &self,
        caller: &Admin,
        id: &str,
        changed: bool,
    ) -> Result<PlanView, AppError>;

    /// Applies plan `id` if its plan, computed again now, still has the digest `reviewed`;
    /// each step through the console's audited writes. Applies a plan once.
    async fn apply_plan(
        &self,
        caller: &Admin,
        id: &str,
        reviewed: &str,
    ) -> Result<ApplyOutcome, AppError>;
}

/// The backend of the current request, as provided by the server.
pub fn backend() -> Result<Arc<dyn Backend>, AppError> {
    leptos::prelude::use_context::<Arc<dyn Backend>>().ok_or_else(|| AppError::NotConfigured {
        message: "The console backend is not available.".into(),
    })
}
