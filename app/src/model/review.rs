//! The plain-words review of what a save would change, and the one check the review step
//! shows: review, field errors and duplicate-name warning together.

use serde::{Deserialize, Serialize};

use super::draft::{FieldErrors, FormOptions, GroupDraft, MAX_SOURCES};
use super::english::join_and;
use super::{GroupDetail, PolicyInfo, SourceInfo};

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
    /// Exactly what saving `draft` would change, compared with `options.editing` (or a new
    /// group).
    pub fn of(draft: &GroupDraft, options: &FormOptions) -> ChangeReview {
        let before = options.editing.as_ref();
        let name_after = draft.name.trim().to_string();
        let name = match before {
            None => Some((String::new(), name_after)),
            Some(g) if g.name != name_after => Some((g.name.clone(), name_after)),
            Some(_) => None,
        };

        let policy_id = draft.policy_id.trim();
        let policy_after = options
            .policies
            .iter()
            .find(|p| p.id == policy_id)
            .cloned()
            .unwrap_or_else(|| PolicyInfo::unknown(policy_id));
        let policy = match before {
            None => Some((None, policy_after)),
            Some(g) if g.policy.id != policy_after.id => {
                Some((Some(g.policy.clone()), policy_after))
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

        // A draft over the limit is refused by `validate`, so its review is never shown; the
        // cut bounds the work (the consequences grow with the square of the sources).
        let mut after_ids = draft.distinct_sources();
        after_ids.truncate(MAX_SOURCES);
        let members: Vec<SourceInfo> = after_ids
            .iter()
            .map(|id| source_info(id, options))
            .collect();
        let was_member =
            |s: &SourceInfo| before.is_some_and(|g| g.sources.iter().any(|b| b.id == s.id));
        let (kept, added): (Vec<SourceInfo>, Vec<SourceInfo>) =
            members.iter().cloned().partition(|s| was_member(s));
        let removed: Vec<SourceInfo> = before
            .map(|g| {
                g.sources
                    .iter()
                    .filter(|s| !after_ids.contains(&s.id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();

        let mut review = ChangeReview {
            creating: before.is_none(),
            name,
            policy,
            rule_changes,
            added,
            removed,
            kept,
            consequences: Vec::new(),
        };
        review.consequences = review.explain(before, &members);
        review
    }

    /// What the changes mean for users' passwords, one sentence each. `members` are the
    /// group's sources after the save, in the draft's order.
    fn explain(&self, before: Option<&GroupDetail>, members: &[SourceInfo]) -> Vec<String> {
        let mut lines = Vec::new();
        for source in &self.added {
            let others: Vec<String> = members
                .iter()
                .filter(|s| s.id != source.id)
                .map(SourceInfo::label)
                .collect();
            if !others.is_empty() {
                lines.push(format!(
                    "Users of {} will now share their password with {}.",
                    source.label(),
                    join_and(&others)
                ));
            }
        }
        if let Some(g) = before {
            let old_policy = g.policy.label();
            for source in &self.removed {
                lines.push(format!(
                    "Passwords of {0} stop being synchronised with the rest of the group; {0} keeps the policy {1} directly.",
                    source.label(),
                    old_policy
                ));
            }
            if let Some((_, new_policy)) = &self.policy
                && !members.is_empty()
            {
                let names: Vec<String> = members.iter().map(SourceInfo::label).collect();
                lines.push(format!(
                    "{} will follow the policy {} instead of {}.",
                    join_and(&names),
                    new_policy.label(),
                    old_policy
                ));
            }
        }
        if self.policy.is_some() || !self.added.is_empty() {
            lines.push(
                "The new policy must suit every source in the group, or users will see errors when they change their password."
                    .to_string(),
            );
        }
        if self.name.is_some() {
            lines.push("The group name is what users see in Password Manager.".to_string());
        }
        lines
    }

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

/// Everything the review step shows for a draft, checked against the same options: what would
/// change, the field errors (empty when it may be saved) and a duplicate-name warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftCheck {
    pub review: ChangeReview,
    pub errors: FieldErrors,
    pub warning: Option<String>,
}

impl DraftCheck {
    /// `draft` checked against `options` (fresh from ISC on the server).
    pub fn of(draft: &GroupDraft, options: &FormOptions) -> DraftCheck {
        DraftCheck {
            review: ChangeReview::of(draft, options),
            errors: draft.validate(options),
            warning: draft.duplicate_name_warning(options),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{draft, labels, options};

    #[test]
    fn review_of_a_create_names_every_sharing() {
        let r = ChangeReview::of(
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
        let r = ChangeReview::of(
            &draft("Corporate Sign-in", "p-std", &["ad", "entra", "gw"]),
            &o,
        );
        assert!(r.changes_nothing(), "{r:?}");
        assert!(r.consequences.is_empty());
        assert_eq!(
            labels(&r.kept),
            ["Corporate AD", "Entra ID", "Google Workspace"]
        );

        let r = ChangeReview::of(&draft("Everyone", "p-strict", &["ad", "okta", "gw"]), &o);
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
        let r = ChangeReview::of(&draft("Corporate Sign-in", "p-std", &["ad", "gw"]), &o);
        assert_eq!(
            r.consequences,
            [
                "Passwords of Entra ID stop being synchronised with the rest of the group; Entra ID keeps the policy Corporate Standard directly."
            ]
        );
    }

    #[test]
    fn a_draft_check_bundles_review_errors_and_warning_from_one_set_of_options() {
        let o = options(false);
        let d = draft("engineering systems", "p-std", &["okta", "hr"]);
        let check = DraftCheck::of(&d, &o);
        assert_eq!(check.review, ChangeReview::of(&d, &o));
        assert_eq!(check.errors, d.validate(&o));
        assert!(check.errors.sources.is_some());
        assert_eq!(check.warning, d.duplicate_name_warning(&o));
        assert!(check.warning.is_some());
    }
}
