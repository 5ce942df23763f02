//! Creating, editing and deleting sync groups: what the form edits, ISC's rules for a valid
//! group, and the plain-words review of what a save or a delete does. Pure functions, shared by
//! the browser (checks before sending) and the server (checks again before writing).

use serde::{Deserialize, Serialize};

use super::{GroupDetail, Named, PolicyInfo, SourceInfo};

/// What the form edits; ids only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDraft {
    pub name: String,
    pub policy_id: String,
    pub source_ids: Vec<String>,
}

/// Per-field validation messages (None = fine).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub name: Option<String>,
    pub policy: Option<String>,
    pub sources: Option<String>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.policy.is_none() && self.sources.is_none()
    }
}

/// Longest group name, in characters (the sandbox's `max_group_name_length`).
pub const MAX_NAME_LEN: usize = 128;

/// A source in the picker: its facts, and why it cannot be chosen (None = eligible).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceChoice {
    pub source: SourceInfo,
    /// The group it is in now.
    pub group: Option<Named>,
    pub ineligible: Option<String>,
}

/// Everything the create/edit form needs, fresh from ISC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOptions {
    /// With rules, sorted by name.
    pub policies: Vec<PolicyInfo>,
    /// Sorted by name; eligible and ineligible.
    pub sources: Vec<SourceChoice>,
    /// Every existing group (for the duplicate-name warning).
    pub groups: Vec<Named>,
    /// The group being edited, as read when the form opened.
    pub editing: Option<GroupDetail>,
}

/// Why a source cannot be in the group being edited (`editing` = that group's id), e.g.
/// "already in group Finance", "file-based source", "no password management", "not a direct
/// connection". None if eligible. `group` is the group the source is in now, if any.
pub fn ineligibility(
    source: &SourceInfo,
    group: Option<&Named>,
    editing: Option<&str>,
) -> Option<String> {
    if source.name.is_none() {
        return Some("unknown to ISC".to_string());
    }
    match source.connection_type.as_deref() {
        Some("direct") => {}
        Some("file") => return Some("file-based source".to_string()),
        _ => return Some("not a direct connection".to_string()),
    }
    if !source.password_feature {
        return Some("no password management".to_string());
    }
    match group {
        Some(g) if Some(g.id.as_str()) != editing => {
            Some(format!("already in group {}", g.label()))
        }
        _ => None,
    }
}

/// The draft's source ids, trimmed, without blanks and duplicates, in order (as ISC reads them).
pub fn distinct_sources(draft: &GroupDraft) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in draft.source_ids.iter().map(|id| id.trim()) {
        if !id.is_empty() && !ids.iter().any(|s| s == id) {
            ids.push(id.to_string());
        }
    }
    ids
}

/// The id of the group the options were read for, if editing.
fn editing_id(options: &FormOptions) -> Option<&str> {
    options.editing.as_ref().map(|g| g.id.as_str())
}

/// Trimmed name, a policy, at least two distinct eligible sources, name length; mirrors ISC's
/// rules. Used by the form before sending and by the server again, with fresh options.
pub fn validate(draft: &GroupDraft, options: &FormOptions) -> FieldErrors {
    let mut errors = FieldErrors::default();

    let name = draft.name.trim();
    let length = name.chars().count();
    if name.is_empty() {
        errors.name = Some("Enter a name for the group.".to_string());
    } else if length > MAX_NAME_LEN {
        errors.name = Some(format!(
            "The name can have at most {MAX_NAME_LEN} characters; this one has {length}."
        ));
    }

    let policy_id = draft.policy_id.trim();
    if policy_id.is_empty() {
        errors.policy = Some("Choose a password policy.".to_string());
    } else if !options.policies.iter().any(|p| p.id == policy_id) {
        errors.policy =
            Some("This password policy no longer exists in ISC. Choose another one.".to_string());
    }

    let chosen = distinct_sources(draft);
    let editing = editing_id(options);
    let mut problems = Vec::new();
    for id in &chosen {
        match options.sources.iter().find(|c| &c.source.id == id) {
            None => problems.push(format!("a source with id {id} no longer exists in ISC")),
            Some(choice) => {
                if let Some(why) = ineligibility(&choice.source, choice.group.as_ref(), editing) {
                    problems.push(format!("{} cannot be chosen: {why}", choice.source.label()));
                }
            }
        }
    }
    if !problems.is_empty() {
        errors.sources = Some(format!("{}.", capitalize(&problems.join("; "))));
    } else if chosen.len() < 2 {
        errors.sources = Some(format!(
            "Choose at least two sources: a sync group shares one password between two or more sources (chosen: {}).",
            chosen.len()
        ));
    }
    errors
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A warning (not an error) when another group already has this name (case-insensitive,
/// trimmed).
pub fn duplicate_name_warning(draft: &GroupDraft, options: &FormOptions) -> Option<String> {
    let name = draft.name.trim().to_lowercase();
    if name.is_empty() {
        return None;
    }
    let editing = editing_id(options);
    options
        .groups
        .iter()
        .filter(|g| Some(g.id.as_str()) != editing)
        .find(|g| g.name.as_deref().map(|n| n.trim().to_lowercase()) == Some(name.clone()))
        .map(|g| {
            format!(
                "Another group is already called \u{201c}{}\u{201d}. Users see the group name in Password Manager, so two groups with one name are easy to confuse (and ISC may refuse it).",
                g.label()
            )
        })
}

/// "A", "A and B", "A, B and C".
pub fn join_names<S: AsRef<str>>(names: &[S]) -> String {
    join_with(names, "and")
}

fn join_with<S: AsRef<str>>(names: &[S], conjunction: &str) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => format!(
            "{} {conjunction} {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// The policy's name, or a plain explanation when ISC no longer knows it.
pub fn policy_label(policy: &PolicyInfo) -> String {
    policy
        .name
        .clone()
        .unwrap_or_else(|| format!("Unknown policy ({})", policy.id))
}

/// Exactly what a save would change, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeReview {
    pub creating: bool,
    /// Before → after (None: unchanged); on create ("", name).
    pub name: Option<(String, String)>,
    /// Before → after; None unchanged.
    pub policy: Option<(Option<PolicyInfo>, PolicyInfo)>,
    pub rule_changes: Vec<String>,
    pub added: Vec<SourceInfo>,
    pub removed: Vec<SourceInfo>,
    pub kept: Vec<SourceInfo>,
    pub consequences: Vec<String>,
}

impl ChangeReview {
    /// Saving would change nothing.
    pub fn changes_nothing(&self) -> bool {
        !self.creating
            && self.name.is_none()
            && self.policy.is_none()
            && self.added.is_empty()
            && self.removed.is_empty()
    }
}

/// A source by id: fresh facts from the options, else as the edited group showed it, else
/// only its id.
fn source_info(id: &str, options: &FormOptions) -> SourceInfo {
    options
        .sources
        .iter()
        .map(|c| &c.source)
        .chain(options.editing.iter().flat_map(|g| g.sources.iter()))
        .find(|s| s.id == id)
        .cloned()
        .unwrap_or_else(|| SourceInfo::unknown(id))
}

/// Exactly what saving `draft` would change, compared with `options.editing` (or a new group).
pub fn review(draft: &GroupDraft, options: &FormOptions) -> ChangeReview {
    let before = options.editing.as_ref();
    let creating = before.is_none();
    let name_after = draft.name.trim().to_string();
    let name = match before {
        None => Some((String::new(), name_after.clone())),
        Some(g) if g.name != name_after => Some((g.name.clone(), name_after.clone())),
        Some(_) => None,
    };

    let policy_id = draft.policy_id.trim();
    let policy_after = options
        .policies
        .iter()
        .find(|p| p.id == policy_id)
        .cloned()
        .unwrap_or_else(|| PolicyInfo {
            id: policy_id.to_string(),
            name: None,
            description: None,
            rules: None,
        });
    let policy = match before {
        None => Some((None, policy_after.clone())),
        Some(g) if g.policy.id != policy_after.id => {
            Some((Some(g.policy.clone()), policy_after.clone()))
        }
        Some(_) => None,
    };
    let rule_changes = match &policy {
        Some((Some(old), new)) => match (&old.rules, &new.rules) {
            (Some(a), Some(b)) => a.differences(b),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };

    let after_ids = distinct_sources(draft);
    let before_ids: Vec<String> = before
        .map(|g| g.sources.iter().map(|s| s.id.clone()).collect())
        .unwrap_or_default();
    let added: Vec<SourceInfo> = after_ids
        .iter()
        .filter(|id| !before_ids.contains(id))
        .map(|id| source_info(id, options))
        .collect();
    let kept: Vec<SourceInfo> = after_ids
        .iter()
        .filter(|id| before_ids.contains(id))
        .map(|id| source_info(id, options))
        .collect();
    let removed: Vec<SourceInfo> = before
        .map(|g| {
            g.sources
                .iter()
                .filter(|s| !after_ids.contains(&s.id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();

    let mut consequences = Vec::new();
    let members: Vec<SourceInfo> = after_ids
        .iter()
        .map(|id| source_info(id, options))
        .collect();
    for source in &added {
        let others: Vec<String> = members
            .iter()
            .filter(|s| s.id != source.id)
            .map(SourceInfo::label)
            .collect();
        if !others.is_empty() {
            consequences.push(format!(
                "Users of {} will now share their password with {}.",
                source.label(),
                join_names(&others)
            ));
        }
    }
    if let Some(g) = before {
        let old_policy = policy_label(&g.policy);
        for source in &removed {
            consequences.push(format!(
                "Passwords of {0} stop being synchronised with the rest of the group; {0} keeps the policy {1} directly.",
                source.label(),
                old_policy
            ));
        }
        if policy.is_some() && !members.is_empty() {
            let names: Vec<String> = members.iter().map(SourceInfo::label).collect();
            consequences.push(format!(
                "{} will follow the policy {} instead of {}.",
                join_names(&names),
                policy_label(&policy_after),
                old_policy
            ));
        }
    }
    if policy.is_some() || !added.is_empty() {
        consequences.push(
            "The new policy must suit every source in the group, or users will see errors when they change their password."
                .to_string(),
        );
    }
    if name.is_some() {
        consequences.push("The group name is what users see in Password Manager.".to_string());
    }

    ChangeReview {
        creating,
        name,
        policy,
        rule_changes,
        added,
        removed,
        kept,
        consequences,
    }
}

/// What changed in ISC between the version a form opened (`opened`) and the current one, in
/// words (ids compared, so a renamed source is not a change of the group). Empty if nothing did.
pub fn what_changed(opened: &GroupDetail, current: &GroupDetail) -> Vec<String> {
    let mut changes = Vec::new();
    if opened.name != current.name {
        changes.push(format!("Name: {} → {}", opened.name, current.name));
    }
    if opened.policy.id != current.policy.id {
        changes.push(format!(
            "Policy: {} → {}",
            policy_label(&opened.policy),
            policy_label(&current.policy)
        ));
    }
    let added: Vec<String> = current
        .sources
        .iter()
        .filter(|s| !opened.sources.iter().any(|o| o.id == s.id))
        .map(SourceInfo::label)
        .collect();
    if !added.is_empty() {
        changes.push(format!("Sources added: {}", join_names(&added)));
    }
    let removed: Vec<String> = opened
        .sources
        .iter()
        .filter(|s| !current.sources.iter().any(|c| c.id == s.id))
        .map(SourceInfo::label)
        .collect();
    if !removed.is_empty() {
        changes.push(format!("Sources removed: {}", join_names(&removed)));
    }
    if changes.is_empty() && opened.modified != current.modified {
        changes.push(format!(
            "Saved again in ISC at {}",
            current.modified.as_deref().unwrap_or("an unknown time")
        ));
    }
    changes
}

/// Whether the group changed in ISC since a form showed `opened`: another `modified`, or other
/// content (ISC's `modified` has whole seconds only). A source renamed in ISC is no change.
pub fn changed_since(opened: &GroupDetail, current: &GroupDetail) -> bool {
    opened.modified != current.modified || !what_changed(opened, current).is_empty()
}

/// The consequences of deleting `group`, filled in for it (ISC's documented effects).
pub fn delete_consequences(group: &GroupDetail) -> Vec<String> {
    let names: Vec<String> = group.sources.iter().map(SourceInfo::label).collect();
    let sources = join_names(&names);
    let policy = policy_label(&group.policy);
    let mut lines = vec![
        format!(
            "Passwords of {sources} become independent again: changing the password of one no longer changes the others."
        ),
        format!("Passwords of the applications connected to {sources} become independent too."),
    ];
    lines.push(format!(
        "The policy {policy} is then assigned directly to each source: {sources}."
    ));
    lines.push(format!(
        "Afterwards, to change the password policy of {}, edit the source itself in ISC.",
        join_with(&names, "or")
    ));
    lines.push(format!(
        "ISC has no undo: to synchronise these passwords again, create the group \u{201c}{}\u{201d} anew.",
        group.name
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::policy::PolicyRules;

    fn source(id: &str, name: &str, connection: &str, password: bool) -> SourceInfo {
        SourceInfo {
            id: id.into(),
            name: Some(name.into()),
            source_type: Some("Active Directory - Direct".into()),
            connector: Some("Active Directory".into()),
            connection_type: Some(connection.into()),
            password_feature: password,
            healthy: Some(true),
            status: None,
        }
    }

    fn named(id: &str, name: &str) -> Named {
        Named {
            id: id.into(),
            name: Some(name.into()),
        }
    }

    fn policy(id: &str, name: &str, min_length: i64, expiration_days: Option<i64>) -> PolicyInfo {
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

    /// The demo org in small: Corporate Sign-in (AD, Entra, Google) on Corporate Standard,
    /// Engineering (GitHub, LDAP), Okta free, Workday without PASSWORD, a file feed.
    fn options(editing: bool) -> FormOptions {
        let corporate = named("g-corp", "Corporate Sign-in");
        let engineering = named("g-eng", "Engineering Systems");
        let choice = |s: SourceInfo, g: Option<&Named>| SourceChoice {
            ineligible: ineligibility(&s, g, editing.then_some("g-corp")),
            group: g.cloned(),
            source: s,
        };
        let sources = vec![
            choice(
                source("ad", "Corporate AD", "direct", true),
                Some(&corporate),
            ),
            choice(
                source("entra", "Entra ID", "direct", true),
                Some(&corporate),
            ),
            choice(
                source("gh", "GitHub Enterprise", "direct", true),
                Some(&engineering),
            ),
            choice(
                source("gw", "Google Workspace", "direct", true),
                Some(&corporate),
            ),
            choice(source("hr", "Contractor HR Feed", "file", false), None),
            choice(source("okta", "Okta", "direct", true), None),
            choice(source("sap", "SAP S/4HANA", "direct", true), None),
            choice(source("wd", "Workday", "direct", false), None),
        ];
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

    fn draft(name: &str, policy: &str, sources: &[&str]) -> GroupDraft {
        GroupDraft {
            name: name.into(),
            policy_id: policy.into(),
            source_ids: sources.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn labels(sources: &[SourceInfo]) -> Vec<String> {
        sources.iter().map(SourceInfo::label).collect()
    }

    #[test]
    fn ineligibility_names_the_reason() {
        let fin = named("g-fin", "Finance");
        let ok = source("a", "A", "direct", true);
        assert_eq!(ineligibility(&ok, None, None), None);
        assert_eq!(
            ineligibility(&ok, Some(&fin), None).as_deref(),
            Some("already in group Finance")
        );
        // Its own group, when editing that group, is no obstacle.
        assert_eq!(ineligibility(&ok, Some(&fin), Some("g-fin")), None);
        assert_eq!(
            ineligibility(&ok, Some(&fin), Some("g-other")).as_deref(),
            Some("already in group Finance")
        );
        assert_eq!(
            ineligibility(&source("f", "Feed", "file", false), None, None).as_deref(),
            Some("file-based source")
        );
        assert_eq!(
            ineligibility(&source("w", "Workday", "direct", false), None, None).as_deref(),
            Some("no password management")
        );
        let mut odd = ok.clone();
        odd.connection_type = None;
        assert_eq!(
            ineligibility(&odd, None, None).as_deref(),
            Some("not a direct connection")
        );
        odd.connection_type = Some("direct".into());
        odd.name = None;
        assert_eq!(
            ineligibility(&odd, None, None).as_deref(),
            Some("unknown to ISC")
        );
    }

    #[test]
    fn a_good_draft_passes() {
        let errors = validate(
            &draft("  Cloud apps ", "p-std", &["okta", "sap"]),
            &options(false),
        );
        assert!(errors.is_empty(), "{errors:?}");
        // Editing: the group's own sources stay choosable.
        let errors = validate(
            &draft("Corporate Sign-in", "p-std", &["ad", "entra", "okta"]),
            &options(true),
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn each_rule_is_reported_next_to_its_field() {
        let o = options(false);
        let e = validate(&draft("   ", "p-std", &["okta", "sap"]), &o);
        assert_eq!(e.name.as_deref(), Some("Enter a name for the group."));
        assert!(e.policy.is_none() && e.sources.is_none());

        let long = "x".repeat(MAX_NAME_LEN + 1);
        let e = validate(&draft(&long, "p-std", &["okta", "sap"]), &o);
        assert!(
            e.name.as_deref().is_some_and(|m| m.contains("at most 128")),
            "{e:?}"
        );
        // Exactly the maximum, in characters (not bytes), is fine.
        let e = validate(
            &draft(&"é".repeat(MAX_NAME_LEN), "p-std", &["okta", "sap"]),
            &o,
        );
        assert!(e.is_empty(), "{e:?}");

        let e = validate(&draft("N", "", &["okta", "sap"]), &o);
        assert_eq!(e.policy.as_deref(), Some("Choose a password policy."));
        let e = validate(&draft("N", "p-gone", &["okta", "sap"]), &o);
        assert!(
            e.policy
                .as_deref()
                .is_some_and(|m| m.contains("no longer exists"))
        );

        for sources in [&[][..], &["okta"][..], &["okta", " okta ", ""][..]] {
            let e = validate(&draft("N", "p-std", sources), &o);
            assert!(
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("at least two")),
                "{sources:?}: {e:?}"
            );
        }

        let e = validate(&draft("N", "p-std", &["okta", "hr"]), &o);
        assert_eq!(
            e.sources.as_deref(),
            Some("Contractor HR Feed cannot be chosen: file-based source.")
        );
        let e = validate(&draft("N", "p-std", &["okta", "wd"]), &o);
        assert_eq!(
            e.sources.as_deref(),
            Some("Workday cannot be chosen: no password management.")
        );
        let e = validate(&draft("N", "p-std", &["okta", "gh", "gone"]), &o);
        assert_eq!(
            e.sources.as_deref(),
            Some(
                "GitHub Enterprise cannot be chosen: already in group Engineering Systems; a source with id gone no longer exists in ISC."
            )
        );
        let e = validate(&draft("", "", &[]), &o);
        assert!(e.name.is_some() && e.policy.is_some() && e.sources.is_some());
        assert!(!e.is_empty());
    }

    #[test]
    fn duplicate_names_are_a_warning_not_an_error() {
        let o = options(false);
        let d = draft("  engineering SYSTEMS ", "p-std", &["okta", "sap"]);
        assert!(validate(&d, &o).is_empty());
        let warning = duplicate_name_warning(&d, &o).expect("a warning");
        assert!(warning.contains("Engineering Systems"), "{warning}");
        assert!(duplicate_name_warning(&draft("New", "p-std", &[]), &o).is_none());
        assert!(duplicate_name_warning(&draft("  ", "p-std", &[]), &o).is_none());
        // The edited group keeping its own name is no duplicate.
        let own = draft("Corporate Sign-in", "p-std", &["ad", "entra"]);
        assert!(duplicate_name_warning(&own, &options(true)).is_none());
        assert!(duplicate_name_warning(&own, &options(false)).is_some());
    }

    #[test]
    fn review_of_a_create_names_every_sharing() {
        let r = review(
            &draft(" Cloud apps ", "p-std", &["okta", "sap", "okta"]),
            &options(false),
        );
        assert!(r.creating);
        assert_eq!(r.name, Some((String::new(), "Cloud apps".to_string())));
        assert!(matches!(&r.policy, Some((None, p)) if p.id == "p-std"));
        assert!(r.rule_changes.is_empty());
        assert_eq!(labels(&r.added), ["Okta", "SAP S/4HANA"]);
        assert!(r.removed.is_empty() && r.kept.is_empty());
        assert_eq!(
            r.consequences,
            [
                "Users of Okta will now share their password with SAP S/4HANA.",
                "Users of SAP S/4HANA will now share their password with Okta.",
                "The new policy must suit every source in the group, or users will see errors when they change their password.",
                "The group name is what users see in Password Manager.",
            ]
        );
        assert!(!r.changes_nothing());
    }

    #[test]
    fn review_of_an_edit_shows_added_removed_renamed_and_rule_changes() {
        let o = options(true);
        let r = review(
            &draft("Corporate Sign-in", "p-std", &["ad", "entra", "gw"]),
            &o,
        );
        assert!(r.changes_nothing(), "{r:?}");
        assert!(r.consequences.is_empty());
        assert_eq!(
            labels(&r.kept),
            ["Corporate AD", "Entra ID", "Google Workspace"]
        );

        let r = review(&draft("Everyone", "p-strict", &["ad", "okta", "gw"]), &o);
        assert!(!r.creating);
        assert_eq!(
            r.name,
            Some(("Corporate Sign-in".to_string(), "Everyone".to_string()))
        );
        match &r.policy {
            Some((Some(before), after)) => {
                assert_eq!(before.name.as_deref(), Some("Corporate Standard"));
                assert_eq!(after.name.as_deref(), Some("Privileged Engineering"));
            }
            other => panic!("policy change expected: {other:?}"),
        }
        assert_eq!(
            r.rule_changes,
            [
                "Minimum length: 8 → 12",
                "Expiration: does not expire → expires after 90 days"
            ]
        );
        assert_eq!(labels(&r.added), ["Okta"]);
        assert_eq!(labels(&r.removed), ["Entra ID"]);
        assert_eq!(labels(&r.kept), ["Corporate AD", "Google Workspace"]);
        assert_eq!(
            r.consequences,
            [
                "Users of Okta will now share their password with Corporate AD and Google Workspace.",
                "Passwords of Entra ID stop being synchronised with the rest of the group; Entra ID keeps the policy Corporate Standard directly.",
                "Corporate AD, Okta and Google Workspace will follow the policy Privileged Engineering instead of Corporate Standard.",
                "The new policy must suit every source in the group, or users will see errors when they change their password.",
                "The group name is what users see in Password Manager.",
            ]
        );

        // Only a source removed: no policy sentence, no name sentence.
        let r = review(&draft("Corporate Sign-in", "p-std", &["ad", "gw"]), &o);
        assert_eq!(
            r.consequences,
            [
                "Passwords of Entra ID stop being synchronised with the rest of the group; Entra ID keeps the policy Corporate Standard directly."
            ]
        );
    }

    #[test]
    fn what_changed_compares_ids_and_version() {
        let o = options(true);
        let opened = o.editing.clone().expect("editing");
        assert!(what_changed(&opened, &opened).is_empty());
        let mut current = opened.clone();
        current.name = "Sign-in".into();
        current.sources.remove(1);
        current.modified = Some("2026-01-01T00:00:00Z".into());
        assert_eq!(
            what_changed(&opened, &current),
            [
                "Name: Corporate Sign-in → Sign-in",
                "Sources removed: Entra ID"
            ]
        );
        let mut saved_again = opened.clone();
        saved_again.modified = Some("2026-01-01T00:00:00Z".into());
        assert_eq!(
            what_changed(&opened, &saved_again),
            ["Saved again in ISC at 2026-01-01T00:00:00Z"]
        );
    }

    #[test]
    fn delete_consequences_name_every_source_the_policy_and_no_undo() {
        let group = options(true).editing.expect("editing");
        let lines = delete_consequences(&group);
        assert_eq!(
            lines,
            [
                "Passwords of Corporate AD, Entra ID and Google Workspace become independent again: changing the password of one no longer changes the others.",
                "Passwords of the applications connected to Corporate AD, Entra ID and Google Workspace become independent too.",
                "The policy Corporate Standard is then assigned directly to each source: Corporate AD, Entra ID and Google Workspace.",
                "Afterwards, to change the password policy of Corporate AD, Entra ID or Google Workspace, edit the source itself in ISC.",
                "ISC has no undo: to synchronise these passwords again, create the group \u{201c}Corporate Sign-in\u{201d} anew.",
            ]
        );
        let text = lines.join(" ");
        assert!(text.contains("applications") && text.contains("no undo"));
    }

    #[test]
    fn names_are_joined_in_plain_english() {
        assert_eq!(join_names::<&str>(&[]), "");
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B"]), "A and B");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B and C");
    }
}
