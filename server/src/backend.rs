//! The server side of the app's [`Backend`] trait: which ISC calls each operation makes, with
//! which caching, and how their failures read. The caller arrives resolved (with the credential
//! that acts for them); the joins of ISC objects into views live in `isc::views`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use app::api::{AppliedPlan, ApplyOutcome, ExportedDocument, PlanView};
use app::backend::{Backend, GroupList};
use app::caller::{Admin, Credential, Reader};
use app::error::{AppError, NoAnswer};
use app::model::coverage::Coverage;
use app::model::delete::{confirmation_error, confirmation_matches};
use app::model::draft::{FormOptions, GroupDraft};
use app::model::freshness::{Freshness, GroupAsOf};
use app::model::history::{HistoryFilter, HistoryPage};
use app::model::people::{
    LookupKind, LookupPage, MAX_EVENTS, PAGE_SIZE, PeopleResults, PersonSync,
};
use app::model::person::EVENT_DAYS;
use app::model::plan::{ApplyReport, Plan};
use app::model::{GroupDetail, GroupSummary, TenantInfo};

use crate::as_code::apply::{PLAN_CHANGED, Target, apply_reviewed};
use crate::as_code::{Snapshot as TenantRead, TenantState, document};
use crate::audit::{self, Audit};
use crate::cache::{Cached, SharedRead, Want};
use crate::isc::model::{PasswordPolicy, PasswordSyncGroup, Source};
use crate::isc::search::{EventDocument, IdentityDocument, SearchRequest};
use crate::isc::{Catalog, IscClient, IscError, people, query};
use crate::lookup_limit::LookupLimit;
use crate::store::audit::Action;
use crate::store::lookups::{LookupTable, NewLookup};
use crate::store::plans::PlanTable;

/// The group list is served as read for this long, then re-read by one caller while the others
/// are still served the copy, which is never older than [`GROUPS_MAX_AGE`] (issue 12: data at
/// most 30 s old).
pub const GROUPS_FRESH_FOR: Duration = Duration::from_secs(10);
pub const GROUPS_MAX_AGE: Duration = Duration::from_secs(25);
/// Sources and policies change less often (and cost more pages on a large tenant).
pub const REFERENCE_FRESH_FOR: Duration = Duration::from_secs(20);
pub const REFERENCE_MAX_AGE: Duration = Duration::from_secs(30);
/// A refresh asked for by a user re-reads anything older than this: a room of people pressing
/// "refresh" costs one read per interval, not one each.
pub const REFRESH_NEWER_THAN: Duration = Duration::from_secs(2);

pub struct ConsoleBackend {
    pub isc: IscClient,
    pub tenant: TenantInfo,
    pub audit: Audit,
    shared: SharedReads,
    pub lookups: Lookups,
    /// Documents submitted for a plan ("sync groups as code").
    pub plans: PlanTable,
}

/// What every reader shares (see `cache`): the tenant's groups, sources and policies, and the
/// list's rows with names joined (rebuilt only when one of the three was re-read).
struct SharedReads {
    groups: SharedRead<Vec<PasswordSyncGroup>>,
    sources: SharedRead<Vec<Source>>,
    policies: SharedRead<Vec<PasswordPolicy>>,
    summaries: Mutex<Option<Summaries>>,
}

/// The list's rows for one combination of reads (told apart by their `Arc`s).
struct Summaries {
    from: [usize; 3],
    rows: Arc<Vec<GroupSummary>>,
}

/// The tenant's groups with sources and policies, as read for one view.
struct Snapshot {
    groups: Cached<Vec<PasswordSyncGroup>>,
    reference: Reference,
}

impl Snapshot {
    fn freshness(&self) -> Freshness {
        self.reference.freshness_with(&self.groups)
    }
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
    sources: Cached<Vec<Source>>,
    policies: Cached<Vec<PasswordPolicy>>,
}

impl Reference {
    fn catalog(&self) -> Catalog<'_> {
        Catalog::new(&self.sources.value, &self.policies.value)
    }

    /// How old the oldest of these reads and `other` is.
    fn freshness_with<T>(&self, other: &Cached<T>) -> Freshness {
        Freshness {
            read_at: other
                .read_at_unix
                .min(self.sources.read_at_unix)
                .min(self.policies.read_at_unix),
            now: now(),
        }
    }
}

/// Whether a user asked to read again.
fn want(refresh: bool) -> Want {
    if refresh {
        Want::NewerThan(REFRESH_NEWER_THAN)
    } else {
        Want::Cached
    }
}

impl ConsoleBackend {
    pub fn new(
        isc: IscClient,
        tenant: TenantInfo,
        audit: Audit,
        lookups: Lookups,
        plans: PlanTable,
    ) -> Self {
        ConsoleBackend {
            isc,
            tenant,
            audit,
            shared: SharedReads {
                groups: SharedRead::new("groups", GROUPS_FRESH_FOR, GROUPS_MAX_AGE),
                sources: SharedRead::new("sources", REFERENCE_FRESH_FOR, REFERENCE_MAX_AGE),
                policies: SharedRead::new("policies", REFERENCE_FRESH_FOR, REFERENCE_MAX_AGE),
                summaries: Mutex::new(None),
            },
            lookups,
            plans,
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

    /// Sources and policies from the shared cache.
    async fn cached_reference(
        &self,
        auth: &dyn Credential,
        want: Want,
    ) -> Result<Reference, AppError> {
        let (sources, policies) = tokio::try_join!(
            self.shared
                .sources
                .get(want, || self.isc.list_sources(auth)),
            self.shared
                .policies
                .get(want, || self.isc.list_password_policies(auth)),
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
            sources: Cached::now(sources),
            policies: Cached::now(policies),
        })
    }

    /// The tenant's groups, sources and policies from the shared cache. Each time the list is
    /// re-read from ISC, the console compares it with the versions it knows (changes made
    /// outside the console go into the history).
    async fn snapshot(&self, auth: &dyn Credential, want: Want) -> Result<Snapshot, AppError> {
        let (groups, reference) = tokio::try_join!(
            async {
                Ok::<_, AppError>(
                    self.shared
                        .groups
                        .get(want, || async {
                            let groups = self.isc.list_sync_groups(auth).await?;
                            self.observe_list(auth, &groups).await;
                            Ok::<_, IscError>(groups)
                        })
                        .await?,
                )
            },
            self.cached_reference(auth, want),
        )?;
        Ok(Snapshot { groups, reference })
    }

    /// The list's rows for a snapshot, joined once per combination of reads and shared.
    fn summaries(&self, snapshot: &Snapshot) -> Arc<Vec<GroupSummary>> {
        let from = [
            Arc::as_ptr(&snapshot.groups.value) as usize,
            Arc::as_ptr(&snapshot.reference.sources.value) as usize,
            Arc::as_ptr(&snapshot.reference.policies.value) as usize,
        ];
        let mut memo = self
            .shared
            .summaries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(m) = memo.as_ref().filter(|m| m.from == from) {
            return m.rows.clone();
        }
        let catalog = snapshot.reference.catalog();
        let rows: Arc<Vec<GroupSummary>> = Arc::new(
            snapshot
                .groups
                .value
                .iter()
                .map(|g| g.summary(&catalog))
                .collect(),
        );
        *memo = Some(Summaries {
            from,
            rows: rows.clone(),
        });
        rows
    }

    /// The policy each source `draft` adds to a group had until now (kept in the record, for
    /// the coverage page's "weaker than before"). From the shared cache; best effort: nothing
    /// when it cannot be read.
    async fn previous_policies(
        &self,
        auth: &dyn Credential,
        draft: &GroupDraft,
        current: Option<&GroupDetail>,
    ) -> BTreeMap<String, String> {
        let Ok(snapshot) = self.snapshot(auth, Want::Cached).await else {
            return BTreeMap::new();
        };
        let catalog = snapshot.reference.catalog();
        let kept = |id: &str| current.is_some_and(|g| g.sources.iter().any(|s| s.id == id));
        draft
            .source_ids
            .iter()
            .filter(|id| !kept(id))
            .filter_map(|id| {
                let (_, policy, _) = catalog.governing_policy(id, &snapshot.groups.value);
                policy.map(|p| (id.clone(), p))
            })
            .collect()
    }

    /// The complete list was just read from ISC: note changes made outside the console.
    async fn observe_list(&self, auth: &dyn Credential, groups: &[PasswordSyncGroup]) {
        let Ok(reference) = self.cached_reference(auth, Want::Cached).await else {
            return;
        };
        let catalog = reference.catalog();
        let details: Vec<GroupDetail> = groups.iter().map(|g| g.detail(&catalog)).collect();
        self.audit.observe_list(&details).await;
    }

    /// A write changed the tenant: everything shared is out of date (memberships and policy
    /// assignments too).
    fn after_write(&self) {
        self.shared.groups.invalidate();
        self.shared.sources.invalidate();
        self.shared.policies.invalidate();
    }

    /// The group, its sources and its policy as they are now, all read fresh (no cache). Any
    /// failure is an error: never a partial picture.
    async fn fresh_detail(&self, auth: &dyn Credential, id: &str) -> Result<GroupDetail, AppError> {
        let (group, reference) =
            tokio::try_join!(self.read_group(auth, id), self.fresh_reference(auth))?;
        let detail = group.detail(&reference.catalog());
        self.audit.observe_group(id, Some(&detail)).await;
        Ok(detail)
    }

    /// One group from ISC; a 404 is noted (a group the console knew was deleted outside it).
    async fn read_group(
        &self,
        auth: &dyn Credential,
        id: &str,
    ) -> Result<PasswordSyncGroup, AppError> {
        match self.isc.get_sync_group(auth, id).await {
            Ok(group) => Ok(group),
            Err(IscError::Status { status: 404, .. }) => {
                self.audit.observe_group(id, None).await;
                Err(group_not_found())
            }
            Err(e) => Err(not_found(e)),
        }
    }

    /// A group ISC just returned from a write, with names. The write has happened, so a failed
    /// read of the names is not an error: the ids stay visible instead.
    async fn named_detail(&self, auth: &dyn Credential, group: PasswordSyncGroup) -> GroupDetail {
        match self.cached_reference(auth, Want::Cached).await {
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

    async fn list_groups(&self, caller: &Reader, refresh: bool) -> Result<GroupList, AppError> {
        let snapshot = self.snapshot(caller.credential(), want(refresh)).await?;
        Ok(GroupList {
            groups: self.summaries(&snapshot),
            freshness: snapshot.freshness(),
        })
    }

    async fn group_detail(
        &self,
        caller: &Reader,
        id: &str,
        refresh: bool,
    ) -> Result<GroupAsOf, AppError> {
        let auth = caller.credential();
        if !refresh {
            let snapshot = self.snapshot(auth, Want::Cached).await?;
            let listed = snapshot
                .groups
                .value
                .iter()
                .find(|g| g.id.as_deref() == Some(id));
            if let Some(group) = listed {
                return Ok(GroupAsOf {
                    group: group.detail(&snapshot.reference.catalog()),
                    freshness: snapshot.freshness(),
                });
            }
        }
        // Not in the shared list (created since it was read, or no such group), or a refresh:
        // ask ISC for this one group.
        let (group, reference) = tokio::try_join!(
            self.read_group(auth, id),
            self.cached_reference(auth, want(refresh)),
        )?;
        let got = Cached::now(());
        let detail = group.detail(&reference.catalog());
        self.audit.observe_group(id, Some(&detail)).await;
        Ok(GroupAsOf {
            group: detail,
            freshness: reference.freshness_with(&got),
        })
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
        let details: Vec<GroupDetail> = groups.iter().map(|g| g.detail(&catalog)).collect();
        self.audit.observe_list(&details).await;
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
                Some(audit::draft_noting(
                    draft,
                    &self.previous_policies(auth, draft, None).await,
                )),
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
                self.after_write();
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
                Some(audit::draft_noting(
                    draft,
                    &self.previous_policies(auth, draft, Some(current)).await,
                )),
            )
            .await?;
        let result = match self
            .isc
            .update_sync_group(auth, &current.id, &PasswordSyncGroup::from_draft(draft))
            .await
        {
            Ok(updated) => {
                self.after_write();
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
        let (snapshot, previous) =
            tokio::try_join!(self.snapshot(caller.credential(), Want::Cached), async {
                self.audit.table().previous_policies().await.map_err(|e| {
                    tracing::error!(error = %e, "cannot read the audit record");
                    AppError::StoreUnavailable
                })
            },)?;
        Ok(snapshot
            .reference
            .catalog()
            .coverage(&snapshot.groups.value, &previous))
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
        let (found, snapshot) = tokio::try_join!(
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
            self.snapshot(auth, Want::Cached),
        )?;
        let (documents, total) = found;
        let catalog = snapshot.reference.catalog();
        let grouped = people::grouped_sources(&snapshot.groups.value);
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
        let (found, snapshot) = tokio::try_join!(
            async {
                self.isc
                    .search::<IdentityDocument>("search_person", auth, &request, 1, 0, false)
                    .await
                    .map_err(search_error)
            },
            self.snapshot(auth, Want::Cached),
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
            &snapshot.groups.value,
            &snapshot.reference.catalog(),
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
                self.after_write();
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

    async fn export(&self, caller: &Reader) -> Result<ExportedDocument, AppError> {
        let (_, state) = self.as_code_state(caller.credential()).await?;
        Ok(ExportedDocument {
            tenant: self.tenant.name.clone(),
            text: document::export(&state, &self.tenant.name),
            groups: state.groups.len(),
        })
    }

    async fn submit_plan(&self, caller: &Admin, text: &str) -> Result<String, AppError> {
        // A text area sends CRLF line ends; the document is the same with LF (and smaller).
        let text = text.replace("\r\n", "\n");
        if text.trim().is_empty() {
            return Err(AppError::BadRequest {
                message: "there is no document: paste one, or choose its file.".into(),
            });
        }
        if text.len() > document::MAX_BYTES {
            return Err(AppError::BadRequest {
                message: format!(
                    "the document is larger than 1 MB ({} bytes), the most the console reads. Split it into smaller documents.",
                    document::MAX_BYTES
                ),
            });
        }
        let viewer = caller.viewer();
        self.plans
            .insert(&viewer.user_name, &viewer.display_name, &text)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot store a submitted document");
                AppError::StoreUnavailable
            })
    }

    async fn plan_view(
        &self,
        caller: &Admin,
        id: &str,
        changed: bool,
    ) -> Result<PlanView, AppError> {
        let stored = self.stored_plan(id).await?;
        let applied = match (&stored.report_json, stored.applied_at) {
            (Some(json), Some(at)) => Some(AppliedPlan {
                by: stored.applied_by_name.clone().unwrap_or_default(),
                at,
                report: serde_json::from_str::<ApplyReport>(json).map_err(|e| {
                    tracing::error!(error = %e, plan = %stored.id, "cannot read a stored apply report");
                    AppError::StoreUnavailable
                })?,
            }),
            _ => None,
        };
        let plan = match applied {
            Some(_) => None,
            None => Some(match document::parse(stored.document.as_bytes()) {
                Err(problems) => Plan::rejected(problems),
                Ok(doc) => {
                    let (_, state) = self.as_code_state(caller.credential()).await?;
                    crate::as_code::plan::plan(&doc, &state).0
                }
            }),
        };
        let notice = plan
            .as_ref()
            .filter(|p| changed && p.is_applicable())
            .map(|_| PLAN_CHANGED.to_string());
        Ok(PlanView {
            id: stored.id,
            submitted_by: stored.created_by_name,
            submitted_at: stored.created_at,
            plan,
            notice,
            applied,
        })
    }

    async fn apply_plan(
        &self,
        caller: &Admin,
        id: &str,
        reviewed: &str,
    ) -> Result<ApplyOutcome, AppError> {
        let stored = self.stored_plan(id).await?;
        if let Some(report) = stored_report(&stored) {
            // Applied already (a second click): the same report, nothing written again.
            return Ok(ApplyOutcome::Applied(report));
        }
        if !self.plans.start(id).await.map_err(plan_store_error)? {
            let again = self.stored_plan(id).await?;
            return match stored_report(&again) {
                Some(report) => Ok(ApplyOutcome::Applied(report)),
                None => Err(AppError::BadRequest {
                    message: "this plan is being applied already. Reload its page in a moment to see the report.".into(),
                }),
            };
        }
        let outcome = self.apply_claimed(caller, &stored.document, reviewed).await;
        match &outcome {
            Ok(ApplyOutcome::Applied(report)) => {
                let json = serde_json::to_string(report).unwrap_or_default();
                // The writes happened whatever the store says: the report is still returned.
                if let Err(e) = self
                    .plans
                    .finish(id, &caller.viewer().display_name, &json)
                    .await
                {
                    tracing::error!(error = %e, plan = %id, "cannot store an apply report");
                }
            }
            // Nothing was written: the plan may be applied later.
            _ => {
                if let Err(e) = self.plans.release(id).await {
                    tracing::error!(error = %e, plan = %id, "cannot release a plan");
                }
            }
        }
        outcome
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

/// "Sync groups as code" (`as_code`) for the pages: fresh reads, the stored documents, and the
/// console's audited writes as the apply's [`Target`].
impl ConsoleBackend {
    /// Groups, sources and policies read fresh (a plan must see the tenant as it is), and the
    /// tenant state joined from them once; a read of the complete list, so changes made outside
    /// the console are noted.
    async fn as_code_state(
        &self,
        auth: &dyn Credential,
    ) -> Result<(TenantRead, TenantState), AppError> {
        let snapshot = TenantRead::read(&self.isc, auth).await?;
        let state = snapshot.state();
        self.audit.observe_list(&state.groups).await;
        Ok((snapshot, state))
    }

    async fn stored_plan(&self, id: &str) -> Result<crate::store::plans::StoredPlan, AppError> {
        self.plans
            .get(id.trim())
            .await
            .map_err(plan_store_error)?
            .ok_or_else(|| AppError::NotFound {
                what: "This plan".into(),
            })
    }

    /// The apply of a plan this caller has claimed: planned again on a fresh read, applied only
    /// if it is still the plan reviewed.
    async fn apply_claimed(
        &self,
        caller: &Admin,
        text: &str,
        reviewed: &str,
    ) -> Result<ApplyOutcome, AppError> {
        let doc = match document::parse(text.as_bytes()) {
            Ok(doc) => doc,
            Err(problems) => return Ok(ApplyOutcome::Changed(Plan::rejected(problems))),
        };
        let (snapshot, state) = self.as_code_state(caller.credential()).await?;
        let target = ConsoleTarget {
            backend: self,
            admin: caller,
            catalog: snapshot.catalog(),
        };
        Ok(
            match apply_reviewed(&doc, &state, reviewed, &target).await {
                Ok(report) => ApplyOutcome::Applied(report),
                Err(plan) => ApplyOutcome::Changed(plan),
            },
        )
    }
}

/// The report of a plan already applied.
fn stored_report(stored: &crate::store::plans::StoredPlan) -> Option<ApplyReport> {
    stored
        .report_json
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
}

fn plan_store_error(e: sqlx::Error) -> AppError {
    tracing::error!(error = %e, "cannot read or write a plan");
    AppError::StoreUnavailable
}

/// An apply's writes as one administrator's, through the console's own audited writes: every
/// step is in the history like a change made in the form. `catalog` names what is read back.
struct ConsoleTarget<'a> {
    backend: &'a ConsoleBackend,
    admin: &'a Admin,
    catalog: Catalog<'a>,
}

#[async_trait::async_trait]
impl Target for ConsoleTarget<'_> {
    async fn read_group(&self, id: &str) -> Result<Option<GroupDetail>, AppError> {
        match self
            .backend
            .isc
            .get_sync_group(self.admin.credential(), id)
            .await
        {
            Ok(group) => {
                let detail = group.detail(&self.catalog);
                self.backend.audit.observe_group(id, Some(&detail)).await;
                Ok(Some(detail))
            }
            Err(IscError::Status { status: 404, .. } | IscError::InvalidId) => {
                self.backend.audit.observe_group(id, None).await;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn create(&self, draft: &GroupDraft) -> Result<GroupDetail, AppError> {
        self.backend.create_group(self.admin, draft).await
    }

    async fn update(
        &self,
        current: &GroupDetail,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        self.backend.update_group(self.admin, current, draft).await
    }

    async fn delete(&self, current: &GroupDetail) -> Result<(), AppError> {
        self.backend
            .delete_group(self.admin, &current.id, &current.name)
            .await
            .map(|_| ())
    }
}
