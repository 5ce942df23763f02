//! The server side of the app's [`Backend`] trait: which ISC calls each operation makes, with
//! which caching, and how their failures read. The caller arrives resolved (with the credential
//! that acts for them); the joins of ISC objects into views live in `isc::views`.

use std::sync::Arc;
use std::time::Duration;

use app::backend::Backend;
use app::caller::{Admin, Credential, Reader};
use app::error::{AppError, NoAnswer};
use app::model::delete::{confirmation_error, confirmation_matches};
use app::model::draft::{FormOptions, GroupDraft};
use app::model::{GroupDetail, GroupSummary, TenantInfo};

use crate::audit::{self, Audit};
use crate::cache::TtlCache;
use crate::isc::model::{PasswordPolicy, PasswordSyncGroup, Source};
use crate::isc::{Catalog, IscClient, IscError};
use crate::store::audit::Action;

/// How long source and policy lists are reused before asking ISC again.
pub const REFERENCE_DATA_TTL: Duration = Duration::from_secs(60);

pub struct ConsoleBackend {
    pub isc: IscClient,
    pub tenant: TenantInfo,
    pub audit: Audit,
    pub sources: TtlCache<Vec<Source>>,
    pub policies: TtlCache<Vec<PasswordPolicy>>,
}

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
    pub fn new(isc: IscClient, tenant: TenantInfo, audit: Audit) -> Self {
        ConsoleBackend {
            isc,
            tenant,
            audit,
            sources: TtlCache::new(REFERENCE_DATA_TTL),
            policies: TtlCache::new(REFERENCE_DATA_TTL),
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
