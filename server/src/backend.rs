//! The server side of the app's [`Backend`] trait: which ISC calls each operation makes, with
//! which caching, and how their failures read. The caller arrives resolved (with the credential
//! that acts for them); the joins of ISC objects into views live in `isc::views`.

use std::sync::Arc;
use std::time::Duration;

use app::backend::Backend;
use app::caller::{Admin, Credential, Reader};
use app::error::{AppError, NoAnswer};
use app::model::coverage::Coverage;
use app::model::delete::{confirmation_error, confirmation_matches};
use app::model::draft::{FormOptions, GroupDraft};
use app::model::history::{HistoryFilter, HistoryPage};
use app::model::people::{
    LookupKind, LookupPage, MAX_EVENTS, PAGE_SIZE, PeopleResults, PersonSync,
};
use app::model::person::EVENT_DAYS;
use app::model::{GroupDetail, GroupSummary, TenantInfo};

use crate::audit::{self, Audit};
use crate::cache::TtlCache;
use crate::isc::model::{PasswordPolicy, PasswordSyncGroup, Source};
use crate::isc::search::{EventDocument, IdentityDocument, SearchRequest};
use crate::isc::{Catalog, IscClient, IscError, people, query};
use crate::lookup_limit::LookupLimit;
use crate::store::audit::Action;
use crate::store::lookups::{LookupTable, NewLookup};

/// How long source and policy lists are reused before asking ISC again.
pub const REFERENCE_DATA_TTL: Duration = Duration::from_secs(60);

pub struct ConsoleBackend {
    pub isc: IscClient,
    pub tenant: TenantInfo,
    pub audit: Audit,
    pub sources: TtlCache<Vec<Source>>,
    pub policies: TtlCache<Vec<PasswordPolicy>>,
    pub lookups: Lookups,
}

/// The record and the per-user limit of person lookups (the helpdesk view).
pub struct Lookups {
    pub table: LookupTable,
    pub limit: LookupLimit,
}

/// Lookup records per page of the administrators' list.
const LOOKUPS_PAGE: usize = 50;

/// Sources and policies as read for one view.
struct Reference {
    sources: Arc<Vec<Source>>,
    policies: Arc<Vec<PasswordPolicy>>,
}

impl Reference {
    fn catalog(&self) -> Catalog<'_> {
        Catalog::new(&self.sources, &self.policies)
    }
}

impl ConsoleBackend {
    pub fn new(isc: IscClient, tenant: TenantInfo, audit: Audit, lookups: Lookups) -> Self {
        ConsoleBackend {
            isc,
            tenant,
            audit,
            sources: TtlCache::new(REFERENCE_DATA_TTL),
            policies: TtlCache::new(REFERENCE_DATA_TTL),
            lookups,
        }
    }

    /// A person lookup may go ahead: within the user's limit, and recorded (who, whom, when)
    /// before anything is read. Fails closed: without a record, no lookup.
    async fn lookup(
        &self,
        caller: &Reader,
        kind: LookupKind,
        subject: &str,
        person_id: Option<&str>,
    ) -> Result<(), AppError> {
        let viewer = caller.viewer();
        if let Err(wait) = self.lookups.limit.check(&viewer.user_name) {
            tracing::warn!(user = %viewer.user_name, "person lookups over the per-user limit");
            return Err(AppError::TooManyLookups {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let record = NewLookup {
            request_id: caller.request_id().to_string(),
            actor_id: viewer
                .identity_id
                .clone()
                .unwrap_or_else(|| viewer.user_name.clone()),
            actor_user: viewer.user_name.clone(),
            actor_name: viewer.display_name.clone(),
            actor_role: viewer.role.as_str().to_string(),
            kind,
            subject: subject.to_string(),
            person_id: person_id.map(str::to_string),
        };
        self.lookups.table.record(&record).await.map_err(|e| {
            tracing::error!(error = %e, "cannot record a person lookup; not looking");
            AppError::StoreUnavailable
        })?;
        tracing::info!(
            target: "audit",
            request_id = %record.request_id,
            actor_id = %record.actor_id,
            action = kind.as_str(),
            person_id,
            "person lookup"
        );
        Ok(())
    }

    /// The person's password events of the last [`EVENT_DAYS`] days, newest first, paged with
    /// `searchAfter` up to [`MAX_EVENTS`]; `true` when that was all of them.
    async fn password_events(
        &self,
        auth: &dyn Credential,
        name: &str,
    ) -> Result<(Vec<app::model::person::PasswordEvent>, bool), AppError> {
        const PAGE: usize = 250;
        let mut request = SearchRequest::password_events(name, EVENT_DAYS);
        let mut events = Vec::new();
        loop {
            let (page, _): (Vec<EventDocument>, _) = self
                .isc
                .search("search_events", auth, &request, PAGE, 0, false)
                .await
                .map_err(search_error)?;
            let last = page.last().and_then(EventDocument::sort_values);
            let full = page.len() == PAGE;
            events.extend(page.iter().filter_map(EventDocument::password_event));
            if events.len() >= MAX_EVENTS {
                events.truncate(MAX_EVENTS);
                return Ok((events, false));
            }
            match last {
                Some(after) if full => request.search_after = Some(after),
                _ => return Ok((events, true)),
            }
        }
    }

    /// Sources and policies from the short-lived cache (names change rarely).
    async fn cached_reference(&self, auth: &dyn Credential) -> Result<Reference, AppError> {
        let (sources, policies) = tokio::try_join!(
            self.sources.get_or_load(|| self.isc.list_sources(auth)),
            self.policies
                .get_or_load(|| self.isc.list_password_policies(auth)),
        )?;
        Ok(Reference { sources, policies })
    }

    /// Sources and policies as they are now, for anything that is about to write.
    async fn fresh_reference(&self, auth: &dyn Credential) -> Result<Reference, AppError> {
        let (sources, policies) = tokio::try_join!(
            self.isc.list_sources(auth),
            self.isc.list_password_policies(auth),
        )?;
        Ok(Reference {
            sources: Arc::new(sources),
            policies: Arc::new(policies),
        })
    }

    /// A write changed memberships and policy assignments: cached sources and policies are out
    /// of date.
    async fn after_write(&self) {
        self.sources.clear().await;
        self.policies.clear().await;
    }

    /// The group, its sources and its policy as they are now, all read fresh (no cache). Any
    /// failure is an error: never a partial picture.
    async fn fresh_detail(&self, auth: &dyn Credential, id: &str) -> Result<GroupDetail, AppError> {
        let (group, reference) = tokio::try_join!(
            async { self.isc.get_sync_group(auth, id).await.map_err(not_found) },
            self.fresh_reference(auth),
        )?;
        Ok(group.detail(&reference.catalog()))
    }

    /// A group ISC just returned from a write, with names. The write has happened, so a failed
    /// read of the names is not an error: the ids stay visible instead.
    async fn named_detail(&self, auth: &dyn Credential, group: PasswordSyncGroup) -> GroupDetail {
        match self.cached_reference(auth).await {
            Ok(reference) => group.detail(&reference.catalog()),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read names after a write");
                group.detail(&Catalog::empty())
            }
        }
    }
}

#[async_trait::async_trait]
impl Backend for ConsoleBackend {
    fn tenant(&self) -> TenantInfo {
        self.tenant.clone()
    }

    async fn list_groups(&self, caller: &Reader) -> Result<Vec<GroupSummary>, AppError> {
        let auth = caller.credential();
        let (groups, reference) = tokio::try_join!(
            async { Ok::<_, AppError>(self.isc.list_sync_groups(auth).await?) },
            self.cached_reference(auth),
        )?;
        let catalog = reference.catalog();
        Ok(groups.into_iter().map(|g| g.summary(&catalog)).collect())
    }

    async fn group_detail(&self, caller: &Reader, id: &str) -> Result<GroupDetail, AppError> {
        let auth = caller.credential();
        let (group, reference) = tokio::try_join!(
            async { Ok::<_, AppError>(self.isc.get_sync_group(auth, id).await?) },
            self.cached_reference(auth),
        )?;
        Ok(group.detail(&reference.catalog()))
    }

    async fn form_options(
        &self,
        caller: &Admin,
        editing: Option<&str>,
    ) -> Result<FormOptions, AppError> {
        let auth = caller.credential();
        let (groups, reference) = tokio::try_join!(
            async { Ok::<_, AppError>(self.isc.list_sync_groups(auth).await?) },
            self.fresh_reference(auth),
        )?;
        let catalog = reference.catalog();
        let editing = match editing.map(str::trim).filter(|id| !id.is_empty()) {
            None => None,
            Some(id) => {
                let group = groups
                    .iter()
                    .find(|g| g.id.as_deref() == Some(id))
                    .cloned()
                    .ok_or_else(group_not_found)?;
                Some(group.detail(&catalog))
            }
        };
        Ok(catalog.form_options(&groups, editing))
    }

    async fn create_group(
        &self,
        caller: &Admin,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        let auth = caller.credential();
        let pending = self
            .audit
            .intent(
                caller,
                Action::Create,
                None,
                &draft.name,
                None,
                Some(audit::draft(draft)),
            )
            .await?;
        // The client never retries a POST: a create that timed out may have happened, and a
        // second one would be a second group (or ISC's refusal of the same sources).
        let result = match self
            .isc
            .create_sync_group(auth, &PasswordSyncGroup::from_draft(draft))
            .await
        {
            Ok(created) => {
                self.after_write().await;
                Ok(self.named_detail(auth, created).await)
            }
            Err(e) => Err(write_error(e, "created")),
        };
        self.audit.outcome(pending, &result, done).await;
        result
    }

    async fn update_group(
        &self,
        caller: &Admin,
        current: &GroupDetail,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        let auth = caller.credential();
        let pending = self
            .audit
            .intent(
                caller,
                Action::Update,
                Some(&current.id),
                &current.name,
                Some(audit::group(current)),
                Some(audit::draft(draft)),
            )
            .await?;
        let result = match self
            .isc
            .update_sync_group(auth, &current.id, &PasswordSyncGroup::from_draft(draft))
            .await
        {
            Ok(updated) => {
                self.after_write().await;
                Ok(self.named_detail(auth, updated).await)
            }
            // Deleted in the moment between the check and the write.
            Err(IscError::Status { status: 404, .. }) => Err(AppError::Stale { current: None }),
            Err(other) => Err(write_error(other, "saved")),
        };
        self.audit.outcome(pending, &result, done).await;
        result
    }

    async fn history(
        &self,
        _caller: &Reader,
        filter: &HistoryFilter,
    ) -> Result<HistoryPage, AppError> {
        self.audit.table().history(filter).await.map_err(|e| {
            tracing::error!(error = %e, "cannot read the audit record");
            AppError::StoreUnavailable
        })
    }

    async fn coverage(&self, caller: &Reader) -> Result<Coverage, AppError> {
        let auth = caller.credential();
        let (groups, reference) = tokio::try_join!(
            async { Ok::<_, AppError>(self.isc.list_sync_groups(auth).await?) },
            self.cached_reference(auth),
        )?;
        Ok(reference.catalog().coverage(&groups))
    }

    async fn find_people(
        &self,
        caller: &Reader,
        text: &str,
        offset: usize,
    ) -> Result<PeopleResults, AppError> {
        let Some(query_text) = query::person(text) else {
            return Err(AppError::BadRequest {
                message: "there is nothing to search for.".into(),
            });
        };
        self.lookup(caller, LookupKind::Search, text, None).await?;
        let auth = caller.credential();
        let request = SearchRequest::people(query_text);
        let (found, groups, reference) = tokio::try_join!(
            async {
                self.isc
                    .search::<IdentityDocument>(
                        "search_people",
                        auth,
                        &request,
                        PAGE_SIZE,
                        offset,
                        true,
                    )
                    .await
                    .map_err(search_error)
            },
            async { Ok::<_, AppError>(self.isc.list_sync_groups(auth).await?) },
            self.cached_reference(auth),
        )?;
        let (documents, total) = found;
        let catalog = reference.catalog();
        let grouped = people::grouped_sources(&groups);
        Ok(PeopleResults {
            query: text.to_string(),
            matches: documents
                .iter()
                .map(|d| d.person_match(&grouped, &catalog))
                .collect(),
            offset,
            total,
        })
    }

    async fn person_sync(&self, caller: &Reader, id: &str) -> Result<PersonSync, AppError> {
        let id = id.trim();
        if !crate::isc::ids::is_valid_id(id) {
            return Err(person_not_found());
        }
        let auth = caller.credential();
        let request = SearchRequest::person(id);
        let (found, groups, reference) = tokio::try_join!(
            async {
                self.isc
                    .search::<IdentityDocument>("search_person", auth, &request, 1, 0, false)
                    .await
                    .map_err(search_error)
            },
            async { Ok::<_, AppError>(self.isc.list_sync_groups(auth).await?) },
            self.cached_reference(auth),
        )?;
        let identity = found
            .0
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(person_not_found)?;
        let person = identity.person_ref();
        self.lookup(caller, LookupKind::View, person.label(), Some(id))
            .await?;
        let (events, complete) = match identity.name.as_deref() {
            Some(name) if !name.trim().is_empty() => self.password_events(auth, name).await?,
            // ISC's events name their target by identity name: without one, there are none.
            _ => (Vec::new(), true),
        };
        Ok(people::person_sync(
            &identity,
            &groups,
            &reference.catalog(),
            events,
            complete,
            now(),
        ))
    }

    async fn lookups(&self, _caller: &Admin, before: Option<i64>) -> Result<LookupPage, AppError> {
        self.lookups
            .table
            .page(before, LOOKUPS_PAGE)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot read the lookup record");
                AppError::StoreUnavailable
            })
    }

    async fn delete_impact(&self, caller: &Admin, id: &str) -> Result<GroupDetail, AppError> {
        self.fresh_detail(caller.credential(), id).await
    }

    async fn delete_group(
        &self,
        caller: &Admin,
        id: &str,
        confirm_name: &str,
    ) -> Result<GroupDetail, AppError> {
        let auth = caller.credential();
        let current = self.fresh_detail(auth, id).await?;
        if !confirmation_matches(confirm_name, &current.name) {
            return Err(AppError::invalid_name(&confirmation_error(&current.name)));
        }
        let pending = self
            .audit
            .intent(
                caller,
                Action::Delete,
                Some(&current.id),
                &current.name,
                Some(audit::group(&current)),
                None,
            )
            .await?;
        let result = match self.isc.delete_sync_group(auth, id).await {
            Ok(()) => {
                self.after_write().await;
                Ok(current)
            }
            Err(e) => Err(write_error(e, "deleted")),
        };
        self.audit
            .outcome(pending, &result, |gone| {
                (Some(gone.id.clone()), serde_json::Value::Null)
            })
            .await;
        result
    }
}

/// What a successful create or update records: the group's id and the group as ISC answered.
fn done(group: &GroupDetail) -> (Option<String>, serde_json::Value) {
    (Some(group.id.clone()), audit::group(group))
}

fn person_not_found() -> AppError {
    AppError::NotFound {
        what: "This person".into(),
    }
}

/// Now, in Unix seconds.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// ISC refused a search: 403 means the credential the console reads with lacks the scope (or,
/// for an administrator's own sign-in, the user level): say which, not just "forbidden".
fn search_error(e: IscError) -> AppError {
    match e {
        IscError::Status {
            status: 403,
            tracking_id,
            ..
        } => AppError::Upstream {
            status: 403,
            detail_code: None,
            message: SEARCH_REFUSED.into(),
            tracking_id,
        },
        other => other.into(),
    }
}

/// What a refused search means, and who can fix it.
pub const SEARCH_REFUSED: &str = "ISC refused to search for people: the credential the console reads with needs the scope sp:search:read. For helpdesk users that is the console's read-only API client (ISC_READONLY_CLIENT_ID); for administrators, their sign-in (ISC_OAUTH_SCOPES). Ask the console's operator to add the scope.";

fn group_not_found() -> AppError {
    AppError::NotFound {
        what: "This sync group".into(),
    }
}

/// A group that is not there (or whose id cannot be one) is "this sync group was not found".
fn not_found(e: IscError) -> AppError {
    match e {
        IscError::Status { status: 404, .. } | IscError::InvalidId => group_not_found(),
        other => other.into(),
    }
}

/// A failed write. A timeout says plainly that ISC may have made the change (the console does
/// not retry a write, so it never makes it twice).
fn write_error(e: IscError, done: &str) -> AppError {
    match e {
        IscError::NoAnswer(NoAnswer::Timeout) => AppError::Unavailable {
            message: format!(
                "ISC did not answer in time, so the console cannot tell whether the group was {done}. Check the list of sync groups before trying again."
            ),
        },
        other => not_found(other),
    }
}
