//! The demo org in small, shared by the model's tests: Corporate Sign-in (AD, Entra, Google)
//! on Corporate Standard, Engineering (GitHub), Okta and SAP free, Workday without PASSWORD, a
//! file feed.

use super::draft::{FormOptions, GroupDraft, SourceChoice};
use super::policy::PolicyRules;
use super::{Connection, GroupDetail, Named, PolicyInfo, SourceInfo};

pub fn source(id: &str, name: &str, connection: Connection, password: bool) -> SourceInfo {
    SourceInfo {
        id: id.into(),
        name: Some(name.into()),
        source_type: Some("Active Directory - Direct".into()),
        connector: Some("Active Directory".into()),
        connection,
        password_feature: password,
        healthy: Some(true),
        status: None,
    }
}

pub fn named(id: &str, name: &str) -> Named {
    Named {
        id: id.into(),
        name: Some(name.into()),
    }
}

pub fn policy(id: &str, name: &str, min_length: i64, expiration_days: Option<i64>) -> PolicyInfo {
    PolicyInfo {
        id: id.into(),
        name: Some(name.into()),
        description: None,
        rules: Some(PolicyRules {
            min_length,
            max_length: 64,
            expiration_days,
            ..PolicyRules::default()
        }),
    }
}

/// The form's options for a new group, or (`editing`) for editing Corporate Sign-in.
pub fn options(editing: bool) -> FormOptions {
    use Connection::{Direct, File};
    let corporate = named("g-corp", "Corporate Sign-in");
    let engineering = named("g-eng", "Engineering Systems");
    let sources: Vec<SourceChoice> = [
        ("ad", "Corporate AD", Direct, true, Some(&corporate)),
        ("entra", "Entra ID", Direct, true, Some(&corporate)),
        ("gh", "GitHub Enterprise", Direct, true, Some(&engineering)),
        ("gw", "Google Workspace", Direct, true, Some(&corporate)),
        ("hr", "Contractor HR Feed", File, false, None),
        ("okta", "Okta", Direct, true, None),
        ("sap", "SAP S/4HANA", Direct, true, None),
        ("wd", "Workday", Direct, false, None),
    ]
    .into_iter()
    .map(|(id, name, connection, password, group)| {
        let source = source(id, name, connection, password);
        SourceChoice {
            ineligible: source.ineligibility(group, editing.then_some("g-corp")),
            group: group.cloned(),
            source,
        }
    })
    .collect();
    let standard = policy("p-std", "Corporate Standard", 8, None);
    let current = GroupDetail {
        id: "g-corp".into(),
        name: "Corporate Sign-in".into(),
        policy: standard.clone(),
        sources: ["ad", "entra", "gw"]
            .iter()
            .filter_map(|id| sources.iter().find(|c| c.source.id == *id))
            .map(|c| c.source.clone())
            .collect(),
        created: Some("2023-03-16T04:00:00Z".into()),
        modified: Some("2024-11-05T09:12:44Z".into()),
    };
    FormOptions {
        policies: vec![
            standard,
            policy("p-strict", "Privileged Engineering", 12, Some(90)),
        ],
        sources,
        groups: vec![corporate, engineering],
        editing: editing.then_some(current),
    }
}

pub fn draft(name: &str, policy: &str, sources: &[&str]) -> GroupDraft {
    GroupDraft {
        name: name.into(),
        policy_id: policy.into(),
        source_ids: sources.iter().map(|s| s.to_string()).collect(),
    }
}

/// The edited group of [`options`], as the form opened it.
pub fn corporate() -> GroupDetail {
    options(true).editing.expect("editing")
}

pub fn labels(sources: &[SourceInfo]) -> Vec<String> {
    sources.iter().map(SourceInfo::label).collect()
}
