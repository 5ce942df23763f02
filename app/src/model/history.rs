//! A group's history (issue 10), from the console's audit record: every change made through the
//! console, newest first, in the same words as the review step ("Name: A → B", sources added
//! and removed by name, policy before → after with the rule differences users notice).

use serde::{Deserialize, Serialize};

use super::draft::{FormOptions, GroupDraft, SourceChoice};
use super::english::join_and;
use super::review::ChangeReview;
use super::{GroupDetail, SourceInfo};

/// What a change did to a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistoryAction {
    Created,
    Updated,
    Deleted,
}

impl HistoryAction {
    pub fn label(self) -> &'static str {
        match self {
            HistoryAction::Created => "Created",
            HistoryAction::Updated => "Changed",
            HistoryAction::Deleted => "Deleted",
        }
    }
}

/// How a change ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistoryOutcome {
    Done,
    /// ISC refused or failed; nothing is known to have changed.
    Failed {
        error: String,
        tracking_id: Option<String>,
    },
    /// The console stopped between asking ISC and recording the answer.
    Unknown,
}

/// One change, as the history page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The record's id (the paging cursor).
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor_name: String,
    pub action: HistoryAction,
    pub group_id: Option<String>,
    pub group_name: String,
    pub outcome: HistoryOutcome,
    /// What changed, one line each.
    pub lines: Vec<String>,
}

/// A page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// The cursor of the next (older) page, when there is one.
    pub older: Option<i64>,
}

/// Which changes to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryFilter {
    /// One group's changes (None: the whole tenant's).
    pub group_id: Option<String>,
    /// Part of the name of who made them.
    pub who: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
    /// Entries older than this cursor.
    pub before: Option<i64>,
}

/// What a change did, in the review step's words: `before` is the group as it was (None for a
/// create), `after` as it became (None for a delete).
pub fn change_lines(before: Option<&GroupDetail>, after: Option<&GroupDetail>) -> Vec<String> {
    let names =
        |g: &GroupDetail| -> Vec<String> { g.sources.iter().map(SourceInfo::label).collect() };
    match (before, after) {
        (None, None) => Vec::new(),
        (Some(gone), None) => {
            let mut lines = vec![format!("Deleted with the policy {}", gone.policy.label())];
            if !gone.sources.is_empty() {
                lines.push(format!(
                    "{} stopped sharing a password; each kept the policy directly",
                    join_and(&names(gone))
                ));
            }
            lines
        }
        (before, Some(after)) => {
            let draft = GroupDraft {
                name: after.name.clone(),
                policy_id: after.policy.id.clone(),
                source_ids: after.sources.iter().map(|s| s.id.clone()).collect(),
            };
            let choices = after
                .sources
                .iter()
                .map(|s| SourceChoice {
                    source: s.clone(),
                    group: None,
                    ineligible: None,
                })
                .collect();
            let options = FormOptions {
                policies: vec![after.policy.clone()],
                sources: choices,
                groups: Vec::new(),
                editing: before.cloned(),
            };
            let review = ChangeReview::of(&draft, &options);
            let mut lines = Vec::new();
            match (&review.name, before) {
                (Some((_, name)), None) => lines.push(format!("Name: {name}")),
                (Some((old, new)), Some(_)) => lines.push(format!("Name: {old} → {new}")),
                (None, _) => {}
            }
            match &review.policy {
                Some((None, new)) => lines.push(format!("Policy: {}", new.label())),
                Some((Some(old), new)) => {
                    lines.push(format!("Policy: {} → {}", old.label(), new.label()));
                    lines.extend(review.rule_changes.iter().cloned());
                }
                None => {}
            }
            let added: Vec<String> = review.added.iter().map(SourceInfo::label).collect();
            let removed: Vec<String> = review.removed.iter().map(SourceInfo::label).collect();
            if !added.is_empty() {
                lines.push(format!(
                    "{}: {}",
                    if before.is_some() {
                        "Sources added"
                    } else {
                        "Sources"
                    },
                    join_and(&added)
                ));
            }
            if !removed.is_empty() {
                lines.push(format!("Sources removed: {}", join_and(&removed)));
            }
            if lines.is_empty() {
                lines.push("Nothing users would notice".to_string());
            }
            lines
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;

    #[test]
    fn an_update_reads_like_the_review() {
        let before = fixtures::corporate();
        let mut after = before.clone();
        after.name = "Renamed".into();
        after.sources.pop();
        let lines = change_lines(Some(&before), Some(&after));
        assert_eq!(lines[0], format!("Name: {} → Renamed", before.name));
        assert!(
            lines.iter().any(|l| l.starts_with("Sources removed: ")),
            "{lines:?}"
        );
    }

    #[test]
    fn creates_and_deletes_name_the_policy_and_sources() {
        let group = fixtures::corporate();
        let created = change_lines(None, Some(&group));
        assert_eq!(created[0], format!("Name: {}", group.name));
        assert!(created.iter().any(|l| l.starts_with("Policy: ")));
        assert!(created.iter().any(|l| l.starts_with("Sources: ")));
        let deleted = change_lines(Some(&group), None);
        assert!(deleted[0].starts_with("Deleted with the policy "));
    }
}
