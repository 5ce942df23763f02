//! A group's history (issue 10), from the console's audit record: every change made through the
//! console, and every change made outside it that the console noticed when it read the group,
//! newest first, in the same words as the review step ("Name: A → B", sources added and removed
//! by name, policy before → after with the rule differences users notice).

use serde::{Deserialize, Serialize};

use super::draft::{FormOptions, GroupDraft, SourceChoice};
use super::english::join_and;
use super::review::ChangeReview;
use super::when::{exact, relative};
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

/// Where a change was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistoryOrigin {
    /// Through the console, by a signed-in administrator.
    #[default]
    Console,
    /// Elsewhere (ISC's admin pages, its API, the console's command line): noticed when the
    /// console read the group and found it differed from the version it knew. Who made it is
    /// unknown: ISC does not say.
    Outside,
}

/// Who made a change outside the console, in words: nobody knows, and the page says so.
pub const UNKNOWN_ACTOR: &str =
    "Who made it is unknown: ISC does not record who changes a sync group.";

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
    /// Unix seconds: when the change was made, or for one made outside the console, when the
    /// console noticed it.
    pub at: i64,
    /// Empty for a change made outside the console (see [`UNKNOWN_ACTOR`]).
    pub actor_name: String,
    pub action: HistoryAction,
    #[serde(default)]
    pub origin: HistoryOrigin,
    pub group_id: Option<String>,
    pub group_name: String,
    pub outcome: HistoryOutcome,
    /// What changed, one line each.
    pub lines: Vec<String>,
}

impl HistoryEntry {
    /// "Changed", or "Changed outside the console".
    pub fn headline(&self) -> String {
        match self.origin {
            HistoryOrigin::Console => self.action.label().to_string(),
            HistoryOrigin::Outside => format!("{} outside the console", self.action.label()),
        }
    }

    pub fn outside(&self) -> bool {
        self.origin == HistoryOrigin::Outside
    }
}

/// A page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// The cursor of the next (older) page, when there is one.
    pub older: Option<i64>,
    /// When the server read the page (Unix seconds): relative times are relative to it, so the
    /// server and the browser render the same words.
    #[serde(default)]
    pub as_of: i64,
    /// When the console last read the group from ISC (on its own or in the list of groups), or
    /// for the tenant's recent changes the list of groups; `None`: not yet. Changes made
    /// outside the console are noticed only then.
    #[serde(default)]
    pub checked_at: Option<i64>,
}

impl HistoryPage {
    /// The page's note on changes made outside the console: noticed only when the console
    /// reads the group, and when it last did. `one_group`: a group's history (otherwise the
    /// tenant's recent changes).
    pub fn reads_note(&self, one_group: bool) -> String {
        let what = if one_group {
            "this group"
        } else {
            "the list of groups"
        };
        let when = match self.checked_at {
            Some(at) => format!(
                "it last read {what} at {} ({})",
                exact(at),
                relative(at, self.as_of)
            ),
            None => format!("it has not read {what} yet"),
        };
        format!(
            "Changes made outside the console (in ISC's admin pages, by API, by the console's \
             command line) are noticed only when the console reads the group; {when}."
        )
    }
}

/// Whether a who-filter asks for the changes made outside the console: "outside" or its start
/// from three letters on ("out"), or "outside the console", in any case. (They have no name to
/// match: ISC does not say who made them.)
pub fn who_means_outside(who: &str) -> bool {
    let who = who.trim().to_lowercase();
    who.chars().count() >= 3 && "outside the console".starts_with(&who)
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

    fn entry(action: HistoryAction, origin: HistoryOrigin) -> HistoryEntry {
        HistoryEntry {
            id: 7,
            at: 1_700_000_000,
            actor_name: match origin {
                HistoryOrigin::Console => "Alex Admin".into(),
                HistoryOrigin::Outside => String::new(),
            },
            action,
            origin,
            group_id: Some("g-corp".into()),
            group_name: "Corporate Sign-in".into(),
            outcome: HistoryOutcome::Done,
            lines: Vec::new(),
        }
    }

    #[test]
    fn outside_changes_say_so_and_console_ones_keep_their_words() {
        use HistoryAction::{Created, Deleted, Updated};
        use HistoryOrigin::{Console, Outside};
        let headlines: Vec<String> = [Created, Updated, Deleted]
            .into_iter()
            .flat_map(|a| [entry(a, Console), entry(a, Outside)])
            .map(|e| e.headline())
            .collect();
        assert_eq!(
            headlines,
            [
                "Created",
                "Created outside the console",
                "Changed",
                "Changed outside the console",
                "Deleted",
                "Deleted outside the console",
            ]
        );
        assert!(entry(Updated, Outside).outside());
        assert!(!entry(Updated, Console).outside());
        assert!(UNKNOWN_ACTOR.contains("unknown"), "{UNKNOWN_ACTOR}");
    }

    #[test]
    fn the_note_says_changes_outside_are_seen_only_on_reads_and_when() {
        let page = |checked_at| HistoryPage {
            entries: Vec::new(),
            older: None,
            as_of: 1_700_000_000 + 180,
            checked_at,
        };
        assert_eq!(
            page(Some(1_700_000_000)).reads_note(true),
            "Changes made outside the console (in ISC's admin pages, by API, by the console's \
             command line) are noticed only when the console reads the group; it last read this \
             group at 2023-11-14 22:13 UTC (3 minutes ago)."
        );
        assert!(
            page(Some(1_700_000_000)).reads_note(false).ends_with(
                "it last read the list of groups at 2023-11-14 22:13 UTC (3 minutes ago)."
            )
        );
        assert!(
            page(None)
                .reads_note(true)
                .ends_with("; it has not read this group yet.")
        );
        assert!(
            page(None)
                .reads_note(false)
                .ends_with("; it has not read the list of groups yet.")
        );
    }

    #[test]
    fn outside_is_a_who_filter() {
        for who in ["outside", "Outside", " OUT ", "outs", "outside the console"] {
            assert!(who_means_outside(who), "{who}");
        }
        for who in ["", "ou", "alex", "inside", "outsider", "console"] {
            assert!(!who_means_outside(who), "{who}");
        }
    }

    #[test]
    fn outside_changes_read_as_the_difference_from_the_known_version() {
        let known = fixtures::corporate();
        let mut found = known.clone();
        found.sources.pop();
        found.modified = Some("2026-01-01T00:00:00Z".into());
        let lines = change_lines(Some(&known), Some(&found));
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("Sources removed: "), "{lines:?}");
        // Saved again with nothing users would notice.
        let mut saved = known.clone();
        saved.modified = Some("2026-01-01T00:00:00Z".into());
        assert_eq!(
            change_lines(Some(&known), Some(&saved)),
            ["Nothing users would notice"]
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
