//! The server side of the app's [`Backend`] trait: who the caller is, which token acts for them,
//! the ISC calls, and joining ids to names.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::backend::Backend;
use app::error::AppError;
use app::model::edit::{FormOptions, GroupDraft};
use app::model::{
    GroupDetail, GroupSummary, Named, PolicyInfo, Role, SessionState, SourceInfo, TenantInfo,
};
use axum::http::request::Parts;

use crate::cache::TtlCache;
use crate::isc::model::{PasswordPolicy, PasswordSyncGroup, Source};
use crate::isc::{IscClient, TokenSource};

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
        Err(AppError::NotConfigured {
            message: format!("{editing:?}"),
        })
    }

    async fn create_group(&self, draft: GroupDraft) -> Result<GroupDetail, AppError> {
        Err(AppError::NotConfigured {
            message: format!("{draft:?}"),
        })
    }

    async fn update_group(
        &self,
        opened: GroupDetail,
        draft: GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        Err(AppError::NotConfigured {
            message: format!("{opened:?}{draft:?}"),
        })
    }

    async fn delete_impact(&self, id: &str) -> Result<GroupDetail, AppError> {
        Err(AppError::NotConfigured {
            message: id.to_string(),
        })
    }

    async fn delete_group(&self, id: &str, confirm_name: &str) -> Result<GroupDetail, AppError> {
        Err(AppError::NotConfigured {
            message: format!("{id}{confirm_name}"),
        })
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
            None => SourceInfo {
                id: id.clone(),
                name: None,
                source_type: None,
                connector: None,
                connection_type: None,
                password_feature: false,
                healthy: None,
                status: None,
            },
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
}
