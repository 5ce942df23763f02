//! Deleting a group: what it does to the group's sources, their applications' passwords and
//! its policy, and the typed-name confirmation. One rule for the dialog (with JavaScript), the
//! page (without) and the server, which checks the confirmation again.

use serde::{Deserialize, Serialize};

use super::GroupDetail;
use super::SourceInfo;
use super::english::{join_and, join_or};

/// The group as it is now and what deleting it does, for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteImpact {
    pub group: GroupDetail,
    /// One sentence each, filled in for this group (ISC's documented effects).
    pub consequences: Vec<String>,
}

impl DeleteImpact {
    /// `group` as read just now, with what deleting it would do.
    pub fn of(group: GroupDetail) -> DeleteImpact {
        let names: Vec<String> = group.sources.iter().map(SourceInfo::label).collect();
        let sources = join_and(&names);
        let policy = group.policy.label();
        let consequences = vec![
            format!(
                "Passwords of {sources} become independent again: changing the password of one no longer changes the others."
            ),
            format!("Passwords of the applications connected to {sources} become independent too."),
            format!("The policy {policy} is then assigned directly to each source: {sources}."),
            format!(
                "Afterwards, to change the password policy of {}, edit the source itself in ISC.",
                join_or(&names)
            ),
            format!(
                "ISC has no undo: to synchronise these passwords again, create the group \u{201c}{}\u{201d} anew.",
                group.name
            ),
        ];
        DeleteImpact {
            group,
            consequences,
        }
    }
}

/// Whether the typed confirmation matches the group's name: exactly, case included, surrounding
/// spaces ignored.
pub fn confirmation_matches(typed: &str, name: &str) -> bool {
    typed.trim() == name.trim()
}

/// Why a typed confirmation was refused (it does not match `name`).
pub fn confirmation_error(name: &str) -> String {
    format!("Type the group's name exactly as shown ({name}) to delete it.")
}

/// Why a delete without any typed confirmation was refused.
pub const CONFIRMATION_MISSING: &str = "Type the group's name to delete it.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::corporate;

    #[test]
    fn delete_consequences_name_every_source_the_policy_and_no_undo() {
        let impact = DeleteImpact::of(corporate());
        assert_eq!(impact.group, corporate());
        let lines = &impact.consequences;
        assert_eq!(
            lines,
            &[
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
    fn only_the_exact_name_confirms() {
        assert!(confirmation_matches(
            "Engineering Systems",
            "Engineering Systems"
        ));
        assert!(confirmation_matches(
            " Engineering Systems ",
            "Engineering Systems"
        ));
        assert!(!confirmation_matches(
            "engineering systems",
            "Engineering Systems"
        ));
        assert!(!confirmation_matches("Engineering", "Engineering Systems"));
    }

    #[test]
    fn refusals_say_what_to_type() {
        assert_eq!(
            confirmation_error("Engineering Systems"),
            "Type the group's name exactly as shown (Engineering Systems) to delete it."
        );
        assert_eq!(CONFIRMATION_MISSING, "Type the group's name to delete it.");
    }
}
