//! The server side of the app's [`Backend`] trait: who the caller is, which token acts for them,
//! the ISC calls, and joining ids to names.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::backend::Backend;
use app::error::AppError;
use app::model::edit::{
    FieldErrors, FormOptions, GroupDraft, SourceChoice, changed_since, distinct_sources,
    ineligibility,
};
use app::model::{
    GroupDetail, GroupSummary, Named, PolicyInfo, Role, SessionState, SourceInfo, TenantInfo,
};
use axum::http::request::Parts;

use crate::cache::TtlCache;
use crate::isc::model::{PasswordPolicy, PasswordSyncGroup, Source};
use crate::isc::{IscClient, IscError, TokenSource};

/// How long source and policy lists are reused before asking ISC again.
pub const REFERENCE_DATA_TTL: Duration = Duration::from_secs(60);

pub struct ConsoleBackend {
    pub isc: IscClient,
    pub tenant: TenantInfo,
    /// The console's read-only application credential, if configured.
    pub app_token: Option<Arc<dyn TokenSource>>,
    pub sources: TtlCache<Vec<Source>>,
    pub policies: TtlCache<Vec<PasswordPolicy>>,
}

/// The request being served (leptos_axum provides it in SSR and in server-function calls).
fn request_parts() -> Result<Parts, AppError> {
    leptos::prelude::use_context::<Parts>().ok_or(AppError::Unauthorized)
}

impl ConsoleBackend {
    pub fn new(
        isc: IscClient,
        tenant: TenantInfo,
        app_token: Option<Arc<dyn TokenSource>>,
    ) -> Self {
        ConsoleBackend {
            isc,
            tenant,
            app_token,
            sources: TtlCache::new(REFERENCE_DATA_TTL),
            policies: TtlCache::new(REFERENCE_DATA_TTL),
        }
    }

    /// The token that reads for the current caller: an admin's own token; for helpdesk users the
    /// console's read-only application credential (ISC refuses HELPDESK tokens on these endpoints).
    async fn read_token(&self) -> Result<Arc<dyn TokenSource>, AppError> {
        let parts = request_parts()?;
        match crate::auth::session_state(&parts).await? {
            SessionState::SignedIn(viewer) => match viewer.role {
                Role::Admin => crate::auth::user_tokens(&parts).await,
                Role::Helpdesk => self.app_token.clone().ok_or_else(|| AppError::NotConfigured {
                    message: "Helpdesk access is not set up: the console has no read-only ISC credential. Ask its operator to set ISC_READONLY_CLIENT_ID and ISC_READONLY_CLIENT_SECRET.".into(),
                }),
            },
            SessionState::SignedOut => Err(AppError::Unauthorized),
            SessionState::NoAccess { .. } => Err(AppError::Forbidden {
                needed: "This console needs the ISC user level ORG_ADMIN or HELPDESK.".into(),
            }),
        }
    }

    /// The signed-in admin's own token: every management call acts as them (never with the
    /// console's application credential). Helpdesk and signed-out callers are refused.
    async fn admin_token(&self) -> Result<Arc<dyn TokenSource>, AppError> {
        let parts = request_parts()?;
        crate::auth::user_tokens(&parts).await
    }

    /// A write changed memberships and policy assignments: cached sources and policies are out
    /// of date.
    async fn after_write(&self) {
        self.sources.clear().await;
        self.policies.clear().await;
    }

    /// The group, its sources and its policy as they are now, all read fresh (no cache). Any
    /// failure is an error: never a partial picture.
    async fn fresh_detail(
        &self,
        auth: &dyn TokenSource,
        id: &str,
    ) -> Result<GroupDetail, AppError> {
        let (group, sources, policies) = tokio::try_join!(
            async {
                self.isc
                    .get_sync_group(auth, id)
                    .await
                    .map_err(|e| match e {
                        IscError::Status { status: 404, .. } | IscError::InvalidId => {
                            group_not_found()
                        }
                        other => other.into(),
                    })
            },
            async { Ok(self.isc.list_sources(auth).await?) },
            async { Ok(self.isc.list_password_policies(auth).await?) },
        )?;
        Ok(detail(group, &sources, &policies))
    }

    /// A group ISC just returned from a write, with names. The write has happened, so a failed
    /// read of the names is not an error: the ids stay visible instead.
    async fn named_detail(&self, auth: &dyn TokenSource, group: PasswordSyncGroup) -> GroupDetail {
        match self.reference_data(auth).await {
            Ok((sources, policies)) => detail(group, &sources, &policies),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read names after a write");
                detail(group, &[], &[])
            }
        }
    }

    async fn reference_data(
        &self,
        auth: &dyn TokenSource,
    ) -> Result<(Arc<Vec<Source>>, Arc<Vec<PasswordPolicy>>), AppError> {
        Ok(tokio::try_join!(
            self.sources.get_or_load(|| self.isc.list_sources(auth)),
            self.policies
                .get_or_load(|| self.isc.list_password_policies(auth)),
        )?)
    }
}

#[async_trait::async_trait]
impl Backend for ConsoleBackend {
    fn tenant(&self) -> TenantInfo {
        self.tenant.clone()
    }

    async fn session_state(&self) -> Result<SessionState, AppError> {
        match leptos::prelude::use_context::<Parts>() {
            Some(parts) => crate::auth::session_state(&parts).await,
            None => Ok(SessionState::SignedOut),
        }
    }

    async fn list_groups(&self) -> Result<Vec<GroupSummary>, AppError> {
        let auth = self.read_token().await?;
        let (groups, (sources, policies)) = tokio::try_join!(
            async { Ok::<_, AppError>(self.isc.list_sync_groups(auth.as_ref()).await?) },
            self.reference_data(auth.as_ref()),
        )?;
        Ok(summarize(groups, &sources, &policies))
    }

    async fn group_detail(&self, id: &str) -> Result<GroupDetail, AppError> {
        let auth = self.read_token().await?;
        let (group, (sources, policies)) = tokio::try_join!(
            async { Ok::<_, AppError>(self.isc.get_sync_group(auth.as_ref(), id).await?) },
            self.reference_data(auth.as_ref()),
        )?;
        Ok(detail(group, &sources, &policies))
    }

    async fn form_options(&self, editing: Option<&str>) -> Result<FormOptions, AppError> {
        let auth = self.admin_token().await?;
        let (groups, sources, policies) = tokio::try_join!(
            self.isc.list_sync_groups(auth.as_ref()),
            self.isc.list_sources(auth.as_ref()),
            self.isc.list_password_policies(auth.as_ref()),
        )?;
        let editing = match editing.map(str::trim).filter(|id| !id.is_empty()) {
            None => None,
            Some(id) => {
                let group = groups
                    .iter()
                    .find(|g| g.id.as_deref() == Some(id))
                    .cloned()
                    .ok_or_else(group_not_found)?;
                Some(detail(group, &sources, &policies))
            }
        };
        Ok(form_options(&groups, &sources, &policies, editing))
    }

    async fn create_group(&self, draft: GroupDraft) -> Result<GroupDetail, AppError> {
        let auth = self.admin_token().await?;
        let body = request_body(&draft);
        // The client never retries a POST: a create that timed out may have happened, and a
        // second one would be a second group (or ISC's refusal of the same sources).
        let created = self
            .isc
            .create_sync_group(auth.as_ref(), &body)
            .await
            .map_err(|e| write_error(e, "created"))?;
        self.after_write().await;
        Ok(self.named_detail(auth.as_ref(), created).await)
    }

    async fn update_group(
        &self,
        opened: GroupDetail,
        draft: GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        let auth = self.admin_token().await?;
        // ISC's PUT has no version check: read the group just before writing and refuse to
        // overwrite a version the admin has not seen.
        let (current, sources, policies) = tokio::try_join!(
            async {
                match self.isc.get_sync_group(auth.as_ref(), &opened.id).await {
                    Ok(g) => Ok(Some(g)),
                    Err(IscError::Status { status: 404, .. }) => Ok(None),
                    Err(e) => Err(AppError::from(e)),
                }
            },
            async { Ok(self.isc.list_sources(auth.as_ref()).await?) },
            async { Ok(self.isc.list_password_policies(auth.as_ref()).await?) },
        )?;
        let Some(current) = current else {
            return Err(AppError::Stale { current: None });
        };
        let current = detail(current, &sources, &policies);
        if changed_since(&opened, &current) {
            return Err(AppError::Stale {
                current: Some(Box::new(current)),
            });
        }
        let body = request_body(&draft);
        let updated = self
            .isc
            .update_sync_group(auth.as_ref(), &opened.id, &body)
            .await
            .map_err(|e| match e {
                // Deleted in the moment between the check and the write.
                IscError::Status { status: 404, .. } => AppError::Stale { current: None },
                other => write_error(other, "saved"),
            })?;
        self.after_write().await;
        Ok(self.named_detail(auth.as_ref(), updated).await)
    }

    async fn delete_impact(&self, id: &str) -> Result<GroupDetail, AppError> {
        let auth = self.admin_token().await?;
        self.fresh_detail(auth.as_ref(), id).await
    }

    async fn delete_group(&self, id: &str, confirm_name: &str) -> Result<GroupDetail, AppError> {
        let auth = self.admin_token().await?;
        let current = self.fresh_detail(auth.as_ref(), id).await?;
        if confirm_name.trim() != current.name.trim() {
            return Err(AppError::Invalid {
                errors: FieldErrors {
                    name: Some(format!(
                        "Type the group's name exactly as shown ({}) to delete it.",
                        current.name
                    )),
                    ..FieldErrors::default()
                },
            });
        }
        self.isc
            .delete_sync_group(auth.as_ref(), id)
            .await
            .map_err(|e| write_error(e, "deleted"))?;
        self.after_write().await;
        Ok(current)
    }
}

fn group_not_found() -> AppError {
    AppError::NotFound {
        what: "This sync group".into(),
    }
}

/// The PUT/POST body for a draft: name trimmed, sources de-duplicated, ISC's fields only.
pub fn request_body(draft: &GroupDraft) -> PasswordSyncGroup {
    PasswordSyncGroup {
        id: None,
        name: draft.name.trim().to_string(),
        password_policy_id: Some(draft.policy_id.trim().to_string()),
        source_ids: distinct_sources(draft),
        created: None,
        modified: None,
    }
}

/// A failed write. A timeout says plainly that ISC may have made the change (the console does
/// not retry a write, so it never makes it twice).
fn write_error(e: IscError, done: &str) -> AppError {
    match e {
        IscError::Timeout => AppError::Unavailable {
            message: format!(
                "ISC did not answer in time, so the console cannot tell whether the group was {done}. Check the list of sync groups before trying again."
            ),
        },
        IscError::Status { status: 404, .. } => group_not_found(),
        other => other.into(),
    }
}

/// The form's options from fresh lists: policies and sources sorted by name, each source with
/// the group it is in and why it cannot be chosen.
pub fn form_options(
    groups: &[PasswordSyncGroup],
    sources: &[Source],
    policies: &[PasswordPolicy],
    editing: Option<GroupDetail>,
) -> FormOptions {
    let by_name = |a: &Option<String>, b: &Option<String>| {
        let key = |n: &Option<String>| n.as_deref().unwrap_or_default().to_lowercase();
        key(a).cmp(&key(b))
    };
    let mut policy_infos: Vec<PolicyInfo> = policies
        .iter()
        .map(|p| PolicyInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            rules: Some(p.rules()),
        })
        .collect();
    policy_infos.sort_by(|a, b| by_name(&a.name, &b.name).then_with(|| a.id.cmp(&b.id)));
    let group_names: Vec<Named> = groups
        .iter()
        .map(|g| Named {
            id: g.id.clone().unwrap_or_default(),
            name: Some(g.name.clone()),
        })
        .collect();
    let editing_id = editing.as_ref().map(|g| g.id.as_str());
    let mut choices: Vec<SourceChoice> = sources
        .iter()
        .map(|s| {
            let source = s.info();
            let group = groups
                .iter()
                .find(|g| g.source_ids.iter().any(|id| id == &s.id))
                .map(|g| Named {
                    id: g.id.clone().unwrap_or_default(),
                    name: Some(g.name.clone()),
                });
            let ineligible = ineligibility(&source, group.as_ref(), editing_id);
            SourceChoice {
                source,
                group,
                ineligible,
            }
        })
        .collect();
    choices.sort_by(|a, b| {
        by_name(&a.source.name, &b.source.name).then_with(|| a.source.id.cmp(&b.source.id))
    });
    FormOptions {
        policies: policy_infos,
        sources: choices,
        groups: group_names,
        editing,
    }
}

/// Joins groups to the names of their policy and sources.
pub fn summarize(
    groups: Vec<PasswordSyncGroup>,
    sources: &[Source],
    policies: &[PasswordPolicy],
) -> Vec<GroupSummary> {
    let source_names: HashMap<&str, &Option<String>> =
        sources.iter().map(|s| (s.id.as_str(), &s.name)).collect();
    let policy_names: HashMap<&str, &Option<String>> =
        policies.iter().map(|p| (p.id.as_str(), &p.name)).collect();
    let named = |names: &HashMap<&str, &Option<String>>, id: &str| Named {
        id: id.to_string(),
        name: names.get(id).and_then(|n| (*n).clone()),
    };
    groups
        .into_iter()
        .map(|g| GroupSummary {
            id: g.id.unwrap_or_default(),
            name: g.name,
            policy: named(
                &policy_names,
                g.password_policy_id.as_deref().unwrap_or_default(),
            ),
            sources: g
                .source_ids
                .iter()
                .map(|id| named(&source_names, id))
                .collect(),
            modified: g.modified,
        })
        .collect()
}

/// A group with its policy's rules and its sources' details; ids ISC no longer knows stay
/// visible as such.
pub fn detail(
    group: PasswordSyncGroup,
    sources: &[Source],
    policies: &[PasswordPolicy],
) -> GroupDetail {
    let policy_id = group.password_policy_id.unwrap_or_default();
    let policy = match policies.iter().find(|p| p.id == policy_id) {
        Some(p) => PolicyInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            rules: Some(p.rules()),
        },
        None => PolicyInfo {
            id: policy_id,
            name: None,
            description: None,
            rules: None,
        },
    };
    let sources = group
        .source_ids
        .iter()
        .map(|id| match sources.iter().find(|s| &s.id == id) {
            Some(s) => s.info(),
            None => SourceInfo::unknown(id),
        })
        .collect();
    GroupDetail {
        id: group.id.unwrap_or_default(),
        name: group.name,
        policy,
        sources,
        created: group.created,
        modified: group.modified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(id: &str, name: &str) -> Source {
        Source {
            id: id.into(),
            name: Some(name.into()),
            source_type: Some("Active Directory - Direct".into()),
            connector_name: Some("Active Directory".into()),
            connection_type: Some("direct".into()),
            features: vec!["PASSWORD".into()],
            healthy: Some(true),
            status: None,
        }
    }

    fn group() -> PasswordSyncGroup {
        PasswordSyncGroup {
            id: Some("g1".into()),
            name: "Engineering".into(),
            password_policy_id: Some("p1".into()),
            source_ids: vec!["s1".into(), "gone".into()],
            created: None,
            modified: Some("2024-01-01T00:00:00Z".into()),
        }
    }

    fn policies() -> Vec<PasswordPolicy> {
        vec![PasswordPolicy {
            id: "p1".into(),
            name: Some("Strong".into()),
            min_length: Some(12),
            ..PasswordPolicy::default()
        }]
    }

    #[test]
    fn groups_get_names_and_unknown_ids_stay_visible() {
        let rows = summarize(vec![group()], &[source("s1", "GitHub")], &policies());
        assert_eq!(rows[0].policy.label(), "Strong");
        assert_eq!(rows[0].sources[0].label(), "GitHub");
        assert_eq!(rows[0].sources[1].label(), "Unknown (gone)");
    }

    #[test]
    fn detail_carries_rules_and_source_facts() {
        let d = detail(group(), &[source("s1", "GitHub")], &policies());
        assert_eq!(
            d.policy.rules.map(|r| r.length()),
            Some("at least 12 characters".to_string())
        );
        assert_eq!(d.sources[0].connection_label(), "Direct connection");
        assert!(d.sources[0].password_feature);
        assert_eq!(d.sources[1].label(), "Unknown (gone)");
        let unknown_policy = detail(group(), &[], &[]);
        assert!(unknown_policy.policy.rules.is_none());
    }

    #[test]
    fn a_request_body_carries_only_isc_s_fields_trimmed_and_distinct() {
        let body = request_body(&GroupDraft {
            name: "  Cloud ".into(),
            policy_id: " p1 ".into(),
            source_ids: vec!["s1".into(), " s2".into(), "s1".into(), "".into()],
        });
        assert_eq!(
            serde_json::to_value(&body).expect("json"),
            serde_json::json!({"name": "Cloud", "passwordPolicyId": "p1", "sourceIds": ["s1", "s2"]})
        );
    }

    #[test]
    fn staleness_is_another_version_or_other_content() {
        let opened = detail(group(), &[source("s1", "GitHub")], &policies());
        assert!(!changed_since(&opened, &opened.clone()));
        let mut saved_again = opened.clone();
        saved_again.modified = Some("2025-01-01T00:00:00Z".into());
        assert!(changed_since(&opened, &saved_again));
        // ISC's dates have whole seconds: content changed within the same second still counts.
        let mut same_second = opened.clone();
        same_second.sources.pop();
        assert!(changed_since(&opened, &same_second));
        // A source renamed in ISC does not change the group.
        let mut renamed_source = opened.clone();
        renamed_source.sources[0].name = Some("GitHub EMU".into());
        assert!(!changed_since(&opened, &renamed_source));
    }

    #[test]
    fn form_options_explain_who_can_join() {
        let mut file = source("s3", "HR feed");
        file.connection_type = Some("file".into());
        let sources = vec![source("s2", "okta"), source("s1", "GitHub"), file];
        let options = form_options(&[group()], &sources, &policies(), None);
        let rows: Vec<(String, Option<String>)> = options
            .sources
            .iter()
            .map(|c| (c.source.label(), c.ineligible.clone()))
            .collect();
        assert_eq!(
            rows,
            [
                ("GitHub".into(), Some("already in group Engineering".into())),
                ("HR feed".into(), Some("file-based source".into())),
                ("okta".into(), None),
            ]
        );
        assert_eq!(options.groups[0].label(), "Engineering");
        let editing = detail(group(), &sources, &policies());
        let options = form_options(&[group()], &sources, &policies(), Some(editing));
        assert_eq!(options.sources[0].ineligible, None);
    }
}
