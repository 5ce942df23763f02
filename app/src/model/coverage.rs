//! The coverage overview (`/coverage`, issue 10): every source that can manage passwords, the
//! group it is in (or none), the policy its users get, and the questions an administrator asks
//! of that picture, answered from it.

use serde::{Deserialize, Serialize};

use super::{Named, SourceInfo};

/// Where a source's password policy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyFrom {
    /// The policy of the sync group the source is in.
    Group,
    /// Assigned to the source directly (ISC: the policy's `sourceIds`).
    Direct,
    /// None: ISC applies no password policy of its own.
    Nothing,
}

/// One password-managed source and what governs its passwords.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoveredSource {
    pub source: SourceInfo,
    /// The sync group it is in.
    pub group: Option<Named>,
    pub policy: Option<Named>,
    pub policy_from: PolicyFrom,
    /// The policy it had before it joined its group, when the console knows it: it notes each
    /// source's policy when it adds the source to a group (ISC keeps no such record).
    #[serde(default)]
    pub before: Option<PolicyBefore>,
}

/// A grouped source's policy before it joined, and how the group's policy compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyBefore {
    pub policy: Named,
    /// The rules in which the group's policy is looser than that one ("Minimum length: 12 →
    /// 8"); empty when it is at least as strict.
    pub looser: Vec<String>,
}

/// A sync group with its sources, for the diagram and the unhealthy-source question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageGroup {
    pub id: String,
    pub name: String,
    pub policy: Named,
    pub sources: Vec<SourceInfo>,
}

impl CoverageGroup {
    /// The names of its sources ISC reports unhealthy (password changes fail there).
    pub fn unhealthy(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| s.healthy == Some(false))
            .map(SourceInfo::label)
            .collect()
    }
}

/// The whole picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Every source with the PASSWORD feature and a direct connection, by name.
    pub sources: Vec<CoveredSource>,
    /// Every sync group, by name.
    pub groups: Vec<CoverageGroup>,
}

impl Coverage {
    /// Password sources in no group: their passwords are set on their own.
    pub fn in_no_group(&self) -> Vec<&CoveredSource> {
        self.sources.iter().filter(|s| s.group.is_none()).collect()
    }

    /// Groups holding an unhealthy source, with those sources' names.
    pub fn groups_with_unhealthy_sources(&self) -> Vec<(&CoverageGroup, Vec<String>)> {
        self.groups
            .iter()
            .map(|g| (g, g.unhealthy()))
            .filter(|(_, unhealthy)| !unhealthy.is_empty())
            .collect()
    }

    /// Grouped sources whose group's policy is looser than the policy they had before they
    /// joined (when known), with the looser rules.
    pub fn weaker_than_before(&self) -> Vec<(&CoveredSource, &PolicyBefore)> {
        self.sources
            .iter()
            .filter_map(|s| {
                s.before
                    .as_ref()
                    .filter(|b| !b.looser.is_empty())
                    .map(|b| (s, b))
            })
            .collect()
    }

    /// Password sources no policy applies to.
    pub fn without_policy(&self) -> Vec<&CoveredSource> {
        self.sources
            .iter()
            .filter(|s| s.policy_from == PolicyFrom::Nothing)
            .collect()
    }

    /// "9 of 12 password sources are in a sync group."
    pub fn headline(&self) -> String {
        let grouped = self.sources.len() - self.in_no_group().len();
        format!(
            "{grouped} of {} password {} in a sync group.",
            self.sources.len(),
            if self.sources.len() == 1 {
                "source is"
            } else {
                "sources are"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Connection;

    fn source(id: &str, healthy: bool) -> SourceInfo {
        SourceInfo {
            id: id.into(),
            name: Some(id.to_uppercase()),
            source_type: None,
            connector: None,
            connection: Connection::Direct,
            password_feature: true,
            healthy: Some(healthy),
            status: None,
        }
    }

    fn named(id: &str) -> Named {
        Named {
            id: id.into(),
            name: Some(id.into()),
        }
    }

    #[test]
    fn the_questions_are_answered_from_the_picture() {
        let coverage = Coverage {
            sources: vec![
                CoveredSource {
                    source: source("ad", true),
                    group: Some(named("g")),
                    policy: Some(named("p")),
                    policy_from: PolicyFrom::Group,
                    before: None,
                },
                CoveredSource {
                    source: source("sap", false),
                    group: Some(named("g")),
                    policy: Some(named("p")),
                    policy_from: PolicyFrom::Group,
                    before: None,
                },
                CoveredSource {
                    source: source("jira", true),
                    group: None,
                    policy: None,
                    policy_from: PolicyFrom::Nothing,
                    before: None,
                },
            ],
            groups: vec![CoverageGroup {
                id: "g".into(),
                name: "G".into(),
                policy: named("p"),
                sources: vec![source("ad", true), source("sap", false)],
            }],
        };
        assert_eq!(
            coverage.headline(),
            "2 of 3 password sources are in a sync group."
        );
        assert_eq!(coverage.in_no_group().len(), 1);
        assert_eq!(coverage.without_policy()[0].source.id, "jira");
        let unhealthy = coverage.groups_with_unhealthy_sources();
        assert_eq!(unhealthy.len(), 1);
        assert_eq!(unhealthy[0].1, vec!["SAP".to_string()]);
    }

    #[test]
    fn a_group_policy_looser_than_a_source_had_before_is_named() {
        let covered = |id: &str, looser: Vec<String>| CoveredSource {
            source: source(id, true),
            group: Some(named("g")),
            policy: Some(named("weak")),
            policy_from: PolicyFrom::Group,
            before: Some(PolicyBefore {
                policy: named("strong"),
                looser,
            }),
        };
        let coverage = Coverage {
            sources: vec![
                covered("ad", vec!["Minimum length: 12 → 8".into()]),
                covered("sap", Vec::new()),
            ],
            groups: Vec::new(),
        };
        let weaker = coverage.weaker_than_before();
        assert_eq!(weaker.len(), 1);
        assert_eq!(weaker[0].0.source.id, "ad");
        assert_eq!(weaker[0].1.looser, ["Minimum length: 12 → 8"]);
    }
}
