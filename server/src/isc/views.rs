//! ISC's objects joined into the console's view models: every id resolved to the name a person
//! recognises, ids ISC no longer knows kept visible as such. Pure functions over what the
//! client read; the backend only decides what to read.

use std::collections::HashMap;

use app::model::coverage::{Coverage, CoverageGroup, CoveredSource, PolicyBefore, PolicyFrom};
use app::model::draft::{FormOptions, GroupDraft, SourceChoice};
use app::model::{Connection, GroupDetail, GroupSummary, Named, PolicyInfo, SourceInfo};

use super::model::{PasswordPolicy, PasswordSyncGroup, Source};

/// The tenant's sources and password policies, indexed by id for the joins.
pub struct Catalog<'a> {
    sources: HashMap<&'a str, &'a Source>,
    policies: HashMap<&'a str, &'a PasswordPolicy>,
}

impl<'a> Catalog<'a> {
    pub fn new(sources: &'a [Source], policies: &'a [PasswordPolicy]) -> Catalog<'a> {
        Catalog {
            sources: sources.iter().map(|s| (s.id.as_str(), s)).collect(),
            policies: policies.iter().map(|p| (p.id.as_str(), p)).collect(),
        }
    }

    /// A catalog that knows nothing: every id stays visible as such.
    pub fn empty() -> Catalog<'static> {
        Catalog {
            sources: HashMap::new(),
            policies: HashMap::new(),
        }
    }

    pub fn source(&self, id: &str) -> SourceInfo {
        self.sources
            .get(id)
            .map_or_else(|| SourceInfo::unknown(id), |s| s.info())
    }

    pub fn policy(&self, id: &str) -> PolicyInfo {
        self.policies
            .get(id)
            .map_or_else(|| PolicyInfo::unknown(id), |p| p.info())
    }

    fn source_named(&self, id: &str) -> Named {
        Named {
            id: id.to_string(),
            name: self.sources.get(id).and_then(|s| s.name.clone()),
        }
    }

    fn policy_named(&self, id: &str) -> Named {
        Named {
            id: id.to_string(),
            name: self.policies.get(id).and_then(|p| p.name.clone()),
        }
    }

    /// What the create/edit form offers: policies and sources sorted by name (case-insensitive,
    /// then id), each source with the group it is in and why it cannot be chosen.
    pub fn form_options(
        &self,
        groups: &[PasswordSyncGroup],
        editing: Option<GroupDetail>,
    ) -> FormOptions {
        let mut policies: Vec<PolicyInfo> = self.policies.values().map(|p| p.info()).collect();
        policies.sort_by(|a, b| by_name(&a.name, &b.name).then_with(|| a.id.cmp(&b.id)));
        let editing_id = editing.as_ref().map(|g| g.id.as_str());
        let mut sources: Vec<SourceChoice> = self
            .sources
            .values()
            .map(|s| {
                let source = s.info();
                let group = groups
                    .iter()
                    .find(|g| g.source_ids.iter().any(|id| id == &s.id))
                    .map(PasswordSyncGroup::named);
                let ineligible = source.ineligibility(group.as_ref(), editing_id);
                SourceChoice {
                    source,
                    group,
                    ineligible,
                }
            })
            .collect();
        sources.sort_by(|a, b| {
            by_name(&a.source.name, &b.source.name).then_with(|| a.source.id.cmp(&b.source.id))
        });
        FormOptions {
            policies,
            sources,
            groups: groups.iter().map(PasswordSyncGroup::named).collect(),
            editing,
        }
    }
}

impl Catalog<'_> {
    /// The coverage overview: every password source (PASSWORD feature, direct connection) with
    /// its group and the policy its users get (the group's, else one assigned directly through
    /// the policy's `sourceIds`), and every group with its sources; each sorted by name.
    /// The policy that governs a source's passwords now: its group's, else one whose
    /// `sourceIds` hold it (the first by id), else none; and the group it is in.
    pub fn governing_policy<'g>(
        &self,
        source_id: &str,
        groups: &'g [PasswordSyncGroup],
    ) -> (Option<&'g PasswordSyncGroup>, Option<String>, PolicyFrom) {
        let group = groups
            .iter()
            .find(|g| g.source_ids.iter().any(|id| id == source_id));
        if let Some(policy) = group.and_then(|g| g.password_policy_id.clone()) {
            return (group, Some(policy), PolicyFrom::Group);
        }
        let direct = self
            .policies
            .values()
            .filter(|p| {
                p.source_ids
                    .as_ref()
                    .is_some_and(|ids| ids.iter().any(|id| id == source_id))
            })
            .map(|p| p.id.clone())
            .min();
        match direct {
            Some(policy) => (group, Some(policy), PolicyFrom::Direct),
            None => (group, None, PolicyFrom::Nothing),
        }
    }

    /// Every password source with its group and policy, and every group with its sources.
    /// `previous`: the policy each source had before the console added it to its group (source
    /// id → policy id), to say where the group's policy is looser.
    pub fn coverage(
        &self,
        groups: &[PasswordSyncGroup],
        previous: &HashMap<String, String>,
    ) -> Coverage {
        let mut sources: Vec<CoveredSource> = self
            .sources
            .values()
            .map(|s| s.info())
            .filter(|s| s.password_feature && s.connection == Connection::Direct)
            .map(|source| {
                let (group, policy, policy_from) = self.governing_policy(&source.id, groups);
                let before = match (policy_from, &policy, previous.get(&source.id)) {
                    (PolicyFrom::Group, Some(now), Some(was)) if now != was => {
                        let looser = match (self.policy(now).rules, self.policy(was).rules) {
                            (Some(now), Some(was)) => now.looser_than(&was),
                            _ => Vec::new(),
                        };
                        Some(PolicyBefore {
                            policy: self.policy_named(was),
                            looser,
                        })
                    }
                    _ => None,
                };
                CoveredSource {
                    group: group.map(PasswordSyncGroup::named),
                    policy: policy.map(|p| self.policy_named(&p)),
                    policy_from,
                    before,
                    source,
                }
            })
            .collect();
        sources.sort_by(|a, b| {
            by_name(&a.source.name, &b.source.name).then_with(|| a.source.id.cmp(&b.source.id))
        });
        let mut groups: Vec<CoverageGroup> = groups
            .iter()
            .map(|g| CoverageGroup {
                id: g.id.clone().unwrap_or_default(),
                name: g.name.clone(),
                policy: self.policy_named(g.password_policy_id.as_deref().unwrap_or_default()),
                sources: g.source_ids.iter().map(|id| self.source(id)).collect(),
            })
            .collect();
        groups.sort_by_key(|g| g.name.to_lowercase());
        Coverage { sources, groups }
    }
}

/// Names in the order people expect: case-insensitive, unnamed first.
fn by_name(a: &Option<String>, b: &Option<String>) -> std::cmp::Ordering {
    let key = |n: &Option<String>| n.as_deref().unwrap_or_default().to_lowercase();
    key(a).cmp(&key(b))
}

impl PasswordSyncGroup {
    /// The list row: the group with its policy's and sources' names.
    pub fn summary(&self, catalog: &Catalog) -> GroupSummary {
        GroupSummary {
            policy: catalog.policy_named(self.password_policy_id.as_deref().unwrap_or_default()),
            sources: self
                .source_ids
                .iter()
                .map(|id| catalog.source_named(id))
                .collect(),
            id: self.id.clone().unwrap_or_default(),
            name: self.name.clone(),
            modified: self.modified.clone(),
        }
    }

    /// The detail view: the policy's rules and the sources' facts.
    pub fn detail(&self, catalog: &Catalog) -> GroupDetail {
        GroupDetail {
            policy: catalog.policy(self.password_policy_id.as_deref().unwrap_or_default()),
            sources: self
                .source_ids
                .iter()
                .map(|id| catalog.source(id))
                .collect(),
            id: self.id.clone().unwrap_or_default(),
            name: self.name.clone(),
            created: self.created.clone(),
            modified: self.modified.clone(),
        }
    }

    fn named(&self) -> Named {
        Named {
            id: self.id.clone().unwrap_or_default(),
            name: Some(self.name.clone()),
        }
    }

    /// The POST/PUT body for a draft: name trimmed, sources de-duplicated, ISC's fields only.
    pub fn from_draft(draft: &GroupDraft) -> PasswordSyncGroup {
        PasswordSyncGroup {
            id: None,
            name: draft.name.trim().to_string(),
            password_policy_id: Some(draft.policy_id.trim().to_string()),
            source_ids: draft.distinct_sources(),
            created: None,
            modified: None,
        }
    }
}

impl PasswordPolicy {
    pub fn info(&self) -> PolicyInfo {
        PolicyInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            rules: Some(self.rules()),
        }
    }
}

impl Source {
    pub fn info(&self) -> SourceInfo {
        SourceInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            source_type: self.source_type.clone(),
            connector: self.connector_name.clone(),
            connection: Connection::from_isc(self.connection_type.as_deref()),
            password_feature: self.features.iter().any(|f| f == "PASSWORD"),
            healthy: self.healthy,
            status: self.status.clone(),
        }
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
        let (sources, policies) = (vec![source("s1", "GitHub")], policies());
        let row = group().summary(&Catalog::new(&sources, &policies));
        assert_eq!(row.policy.label(), "Strong");
        assert_eq!(row.sources[0].label(), "GitHub");
        assert_eq!(row.sources[1].label(), "Unknown (gone)");
    }

    #[test]
    fn detail_carries_rules_and_source_facts() {
        let (sources, policies) = (vec![source("s1", "GitHub")], policies());
        let d = group().detail(&Catalog::new(&sources, &policies));
        assert_eq!(
            d.policy.rules.map(|r| r.length()),
            Some("at least 12 characters".to_string())
        );
        assert_eq!(d.sources[0].connection, Connection::Direct);
        assert!(d.sources[0].password_feature);
        assert_eq!(d.sources[1].label(), "Unknown (gone)");
        let unknown_policy = group().detail(&Catalog::empty());
        assert!(unknown_policy.policy.rules.is_none());
    }

    #[test]
    fn a_request_body_carries_only_isc_s_fields_trimmed_and_distinct() {
        let body = PasswordSyncGroup::from_draft(&GroupDraft {
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
    fn form_options_explain_who_can_join() {
        let mut file = source("s3", "HR feed");
        file.connection_type = Some("file".into());
        let sources = vec![source("s2", "okta"), source("s1", "GitHub"), file];
        let policies = policies();
        let catalog = Catalog::new(&sources, &policies);
        let options = catalog.form_options(&[group()], None);
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
        let editing = group().detail(&catalog);
        let options = catalog.form_options(&[group()], Some(editing));
        assert_eq!(options.sources[0].ineligible, None);
    }
}
