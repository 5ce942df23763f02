//! What the create/edit form edits and ISC's rules for a valid group. Pure functions, shared by
//! the browser (checks before sending) and the server (checks again, on fresh data, before
//! writing).

mod name;
pub use name::name_problem;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::english::capitalize;
use super::{Connection, GroupDetail, Named, PolicyInfo, SourceInfo};

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
    /// No field has a problem: the draft may be saved.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.policy.is_none() && self.sources.is_none()
    }
}

/// Longest group name, in characters (the sandbox's `max_group_name_length`).
pub const MAX_NAME_LEN: usize = 128;

/// Most sources one draft may name. Far above any real group; it bounds the work a single
/// request can cause (each source is looked up) and the size of what is sent to ISC.
pub const MAX_SOURCES: usize = 500;

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

impl FormOptions {
    /// The id of the group the options were read for, if editing.
    pub fn editing_id(&self) -> Option<&str> {
        self.editing.as_ref().map(|g| g.id.as_str())
    }
}

impl SourceInfo {
    /// Why this source cannot be in the group being edited (`editing` = that group's id), e.g.
    /// "already in group Finance", "file-based source", "no password management", "not a
    /// direct connection". None if eligible. `group` is the group the source is in now, if any.
    pub fn ineligibility(&self, group: Option<&Named>, editing: Option<&str>) -> Option<String> {
        if self.name.is_none() {
            return Some("unknown to ISC".to_string());
        }
        match self.connection {
            Connection::Direct => {}
            Connection::File => return Some("file-based source".to_string()),
            Connection::Unknown => return Some("not a direct connection".to_string()),
        }
        if !self.password_feature {
            return Some("no password management".to_string());
        }
        match group {
            Some(g) if Some(g.id.as_str()) != editing => {
                Some(format!("already in group {}", g.label()))
            }
            _ => None,
        }
    }
}

impl GroupDraft {
    /// The draft that saves `group` unchanged: where an edit starts.
    pub fn of(group: &GroupDetail) -> GroupDraft {
        GroupDraft {
            name: group.name.clone(),
            policy_id: group.policy.id.clone(),
            source_ids: group.sources.iter().map(|s| s.id.clone()).collect(),
        }
    }

    /// The source ids, trimmed, without blanks and duplicates, in order (as ISC reads them).
    pub fn distinct_sources(&self) -> Vec<String> {
        // A set, so that a huge posted list costs linear time, not quadratic.
        let mut seen = HashSet::new();
        self.source_ids
            .iter()
            .map(|id| id.trim())
            .filter(|id| !id.is_empty() && seen.insert(*id))
            .map(str::to_string)
            .collect()
    }

    /// Trimmed name of plain characters, a policy, two to [`MAX_SOURCES`] distinct eligible
    /// sources, name length; mirrors ISC's rules. Used by the form before sending and by the
    /// server again, with fresh options.
    pub fn validate(&self, options: &FormOptions) -> FieldErrors {
        FieldErrors {
            name: self.name_error(),
            policy: self.policy_error(options),
            sources: self.sources_error(options),
        }
    }

    fn name_error(&self) -> Option<String> {
        let name = self.name.trim();
        let length = name.chars().count();
        if name.is_empty() {
            Some("Enter a name for the group.".to_string())
        } else if length > MAX_NAME_LEN {
            Some(format!(
                "The name can have at most {MAX_NAME_LEN} characters; this one has {length}."
            ))
        } else {
            name_problem(name)
        }
    }

    fn policy_error(&self, options: &FormOptions) -> Option<String> {
        let policy_id = self.policy_id.trim();
        if policy_id.is_empty() {
            Some("Choose a password policy.".to_string())
        } else if !options.policies.iter().any(|p| p.id == policy_id) {
            Some("This password policy no longer exists in ISC. Choose another one.".to_string())
        } else {
            None
        }
    }

    fn sources_error(&self, options: &FormOptions) -> Option<String> {
        let chosen = self.distinct_sources();
        // The count first: it is cheap, and bounds the look-ups below.
        if let Some(problem) = too_many_sources(chosen.len()) {
            return Some(problem);
        }
        let editing = options.editing_id();
        let mut problems = Vec::new();
        for id in &chosen {
            match options.sources.iter().find(|c| &c.source.id == id) {
                None => problems.push(format!("a source with id {id} no longer exists in ISC")),
                Some(choice) => {
                    if let Some(why) = choice.source.ineligibility(choice.group.as_ref(), editing) {
                        problems.push(format!("{} cannot be chosen: {why}", choice.source.label()));
                    }
                }
            }
        }
        if !problems.is_empty() {
            Some(format!("{}.", capitalize(&problems.join("; "))))
        } else if chosen.len() < 2 {
            Some(format!(
                "Choose at least two sources: a sync group shares one password between two or more sources (chosen: {}).",
                chosen.len()
            ))
        } else {
            None
        }
    }

    /// Why the draft names more than [`MAX_SOURCES`] distinct sources, or None: the cheap
    /// check the server makes before any other work on the draft (the sources error of
    /// [`GroupDraft::validate`] starts with it too).
    pub fn size_problem(&self) -> Option<String> {
        too_many_sources(self.distinct_sources().len())
    }

    /// A warning (not an error) when another group already has this name (case-insensitive,
    /// trimmed).
    pub fn duplicate_name_warning(&self, options: &FormOptions) -> Option<String> {
        let name = self.name.trim().to_lowercase();
        if name.is_empty() {
            return None;
        }
        let editing = options.editing_id();
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
}

fn too_many_sources(count: usize) -> Option<String> {
    (count > MAX_SOURCES).then(|| {
        format!("A sync group can have at most {MAX_SOURCES} sources; this one has {count}.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{draft, named, options, source};

    #[test]
    fn ineligibility_names_the_reason() {
        let fin = named("g-fin", "Finance");
        let ok = source("a", "A", Connection::Direct, true);
        assert_eq!(ok.ineligibility(None, None), None);
        assert_eq!(
            ok.ineligibility(Some(&fin), None).as_deref(),
            Some("already in group Finance")
        );
        // Its own group, when editing that group, is no obstacle.
        assert_eq!(ok.ineligibility(Some(&fin), Some("g-fin")), None);
        assert_eq!(
            ok.ineligibility(Some(&fin), Some("g-other")).as_deref(),
            Some("already in group Finance")
        );
        let feed = source("f", "Feed", Connection::File, false);
        assert_eq!(
            feed.ineligibility(None, None).as_deref(),
            Some("file-based source")
        );
        let workday = source("w", "Workday", Connection::Direct, false);
        assert_eq!(
            workday.ineligibility(None, None).as_deref(),
            Some("no password management")
        );
        let mut odd = ok.clone();
        odd.connection = Connection::Unknown;
        assert_eq!(
            odd.ineligibility(None, None).as_deref(),
            Some("not a direct connection")
        );
        odd.connection = Connection::Direct;
        odd.name = None;
        assert_eq!(
            odd.ineligibility(None, None).as_deref(),
            Some("unknown to ISC")
        );
    }

    #[test]
    fn an_edit_starts_from_the_group_as_it_is() {
        let group = crate::model::fixtures::corporate();
        let d = GroupDraft::of(&group);
        assert_eq!(
            d,
            draft("Corporate Sign-in", "p-std", &["ad", "entra", "gw"])
        );
    }

    #[test]
    fn distinct_sources_trims_and_drops_blanks_and_repeats_in_order() {
        let d = draft("N", "p", &["b", " a", "", "b ", "a", "c"]);
        assert_eq!(d.distinct_sources(), ["b", "a", "c"]);
    }

    #[test]
    fn a_good_draft_passes() {
        let errors = draft("  Cloud apps ", "p-std", &["okta", "sap"]).validate(&options(false));
        assert!(errors.is_empty(), "{errors:?}");
        // Editing: the group's own sources stay choosable.
        let errors =
            draft("Corporate Sign-in", "p-std", &["ad", "entra", "okta"]).validate(&options(true));
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn each_rule_is_reported_next_to_its_field() {
        let o = options(false);
        let e = draft("   ", "p-std", &["okta", "sap"]).validate(&o);
        assert_eq!(e.name.as_deref(), Some("Enter a name for the group."));
        assert!(e.policy.is_none() && e.sources.is_none());

        let long = "x".repeat(MAX_NAME_LEN + 1);
        let e = draft(&long, "p-std", &["okta", "sap"]).validate(&o);
        assert!(
            e.name.as_deref().is_some_and(|m| m.contains("at most 128")),
            "{e:?}"
        );
        // Exactly the maximum, in characters (not bytes), is fine.
        let e = draft(&"é".repeat(MAX_NAME_LEN), "p-std", &["okta", "sap"]).validate(&o);
        assert!(e.is_empty(), "{e:?}");

        let e = draft("N", "", &["okta", "sap"]).validate(&o);
        assert_eq!(e.policy.as_deref(), Some("Choose a password policy."));
        let e = draft("N", "p-gone", &["okta", "sap"]).validate(&o);
        assert!(
            e.policy
                .as_deref()
                .is_some_and(|m| m.contains("no longer exists"))
        );

        for sources in [&[][..], &["okta"][..], &["okta", " okta ", ""][..]] {
            let e = draft("N", "p-std", sources).validate(&o);
            assert!(
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("at least two")),
                "{sources:?}: {e:?}"
            );
        }

        let e = draft("N", "p-std", &["okta", "hr"]).validate(&o);
        assert_eq!(
            e.sources.as_deref(),
            Some("Contractor HR Feed cannot be chosen: file-based source.")
        );
        let e = draft("N", "p-std", &["okta", "wd"]).validate(&o);
        assert_eq!(
            e.sources.as_deref(),
            Some("Workday cannot be chosen: no password management.")
        );
        let e = draft("N", "p-std", &["okta", "gh", "gone"]).validate(&o);
        assert_eq!(
            e.sources.as_deref(),
            Some(
                "GitHub Enterprise cannot be chosen: already in group Engineering Systems; a source with id gone no longer exists in ISC."
            )
        );
        let e = draft("", "", &[]).validate(&o);
        assert!(e.name.is_some() && e.policy.is_some() && e.sources.is_some());
        assert!(!e.is_empty());
    }

    #[test]
    fn at_most_max_sources_are_accepted_and_counted_before_any_look_up() {
        let o = options(false);
        let ids = |n: usize| (0..n).map(|i| format!("s{i}")).collect::<Vec<_>>();
        let with = |ids: Vec<String>| GroupDraft {
            name: "N".into(),
            policy_id: "p-std".into(),
            source_ids: ids,
        };
        // 500 unknown ids: refused for being unknown, not for their number.
        let e = with(ids(MAX_SOURCES)).validate(&o);
        let message = e.sources.expect("unknown sources");
        assert!(message.contains("no longer exists"), "{message}");
        assert!(!message.contains("at most"), "{message}");
        // 501: refused for the number alone, none looked up.
        assert_eq!(with(ids(MAX_SOURCES)).size_problem(), None);
        let too_many = with(ids(MAX_SOURCES + 1));
        let e = too_many.validate(&o);
        assert_eq!(
            e.sources.as_deref(),
            Some("A sync group can have at most 500 sources; this one has 501.")
        );
        assert_eq!(e.sources, too_many.size_problem());
        // Repeats count once, as ISC reads them.
        let mut repeated = ids(MAX_SOURCES);
        repeated.extend(ids(MAX_SOURCES));
        let e = with(repeated).validate(&o);
        assert!(e.sources.is_some_and(|m| !m.contains("at most")));
    }

    #[test]
    fn the_name_rule_is_checked_on_the_trimmed_name() {
        let o = options(false);
        let e = draft("Cloud\u{202E}sppa", "p-std", &["okta", "sap"]).validate(&o);
        assert_eq!(e.name, name_problem("Cloud\u{202E}sppa"));
        assert!(e.name.is_some() && e.policy.is_none() && e.sources.is_none());
        // Surrounding whitespace of any kind is trimmed, as before.
        for padded in ["  Cloud sign-in ", "\u{A0}Cloud\u{3000}", "\tCloud\n"] {
            let e = draft(padded, "p-std", &["okta", "sap"]).validate(&o);
            assert!(e.is_empty(), "{padded:?}: {e:?}");
        }
    }

    #[test]
    fn duplicate_names_are_a_warning_not_an_error() {
        let o = options(false);
        let d = draft("  engineering SYSTEMS ", "p-std", &["okta", "sap"]);
        assert!(d.validate(&o).is_empty());
        let warning = d.duplicate_name_warning(&o).expect("a warning");
        assert!(warning.contains("Engineering Systems"), "{warning}");
        assert!(
            draft("New", "p-std", &[])
                .duplicate_name_warning(&o)
                .is_none()
        );
        assert!(
            draft("  ", "p-std", &[])
                .duplicate_name_warning(&o)
                .is_none()
        );
        // The edited group keeping its own name is no duplicate.
        let own = draft("Corporate Sign-in", "p-std", &["ad", "entra"]);
        assert!(own.duplicate_name_warning(&options(true)).is_none());
        assert!(own.duplicate_name_warning(&options(false)).is_some());
    }
}
