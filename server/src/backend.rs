//! The server side of the app's [`Backend`] trait: ISC calls plus joining ids to names.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::backend::Backend;
use app::error::AppError;
use app::model::{GroupSummary, Named, TenantInfo};

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

    fn read_token(&self) -> Result<&dyn TokenSource, AppError> {
        self.app_token.as_deref().ok_or_else(|| AppError::NotConfigured {
            message: "The console has no read-only ISC credential. Ask its operator to set ISC_READONLY_CLIENT_ID and ISC_READONLY_CLIENT_SECRET.".into(),
        })
    }
}

#[async_trait::async_trait]
impl Backend for ConsoleBackend {
    fn tenant(&self) -> TenantInfo {
        self.tenant.clone()
    }

    async fn list_groups(&self) -> Result<Vec<GroupSummary>, AppError> {
        let auth = self.read_token()?;
        let (groups, sources, policies) = tokio::try_join!(
            self.isc.list_sync_groups(auth),
            self.sources.get_or_load(|| self.isc.list_sources(auth)),
            self.policies
                .get_or_load(|| self.isc.list_password_policies(auth)),
        )?;
        Ok(summarize(groups, &sources, &policies))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn source(id: &str, name: &str) -> Source {
        Source {
            id: id.into(),
            name: Some(name.into()),
            source_type: None,
            connector_name: None,
            connection_type: None,
            features: vec![],
            healthy: None,
        }
    }

    #[test]
    fn groups_get_names_and_unknown_ids_stay_visible() {
        let groups = vec![PasswordSyncGroup {
            id: Some("g1".into()),
            name: "Engineering".into(),
            password_policy_id: Some("p1".into()),
            source_ids: vec!["s1".into(), "gone".into()],
            created: None,
            modified: Some("2024-01-01T00:00:00Z".into()),
        }];
        let policies = vec![PasswordPolicy {
            id: "p1".into(),
            name: Some("Strong".into()),
            description: None,
        }];
        let rows = summarize(groups, &[source("s1", "GitHub")], &policies);
        assert_eq!(rows[0].policy.label(), "Strong");
        assert_eq!(rows[0].sources[0].label(), "GitHub");
        assert_eq!(rows[0].sources[1].label(), "Unknown (gone)");
    }
}
