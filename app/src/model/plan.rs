//! Sync groups as code (issue 10): what applying a document to the tenant would do (the plan)
//! and what an apply did (the report), as the pages and the command line show them. Computed on
//! the server (`server::as_code`); here only what is shown, so it compiles for the browser too.

use serde::{Deserialize, Serialize};

use super::english::{capitalize, join_and, plural};

/// What a plan does to one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlanAction {
    Create,
    Update,
    Delete,
    Unchanged,
}

impl PlanAction {
    /// As a plan's list shows it.
    pub fn label(self) -> &'static str {
        match self {
            PlanAction::Create => "Create",
            PlanAction::Update => "Change",
            PlanAction::Delete => "Delete",
            PlanAction::Unchanged => "No change",
        }
    }

    /// The verb in a sentence: "creating “Finance” failed".
    pub fn gerund(self) -> &'static str {
        match self {
            PlanAction::Create => "creating",
            PlanAction::Update => "changing",
            PlanAction::Delete => "deleting",
            PlanAction::Unchanged => "leaving",
        }
    }

    /// Whether this writes to ISC.
    pub fn is_change(self) -> bool {
        self != PlanAction::Unchanged
    }
}

/// A problem with the document as a whole or at a place in it, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where: "line 3, column 14" for JSON syntax, a path such as `groups[3].sources[1].name`
    /// for the rest, empty for the document as a whole.
    pub place: String,
    /// The name of the group at that place, when the document gives one.
    pub group: Option<String>,
    pub message: String,
}

impl Problem {
    /// A problem with the document as a whole.
    pub fn document(message: impl Into<String>) -> Problem {
        Problem {
            place: String::new(),
            group: None,
            message: message.into(),
        }
    }

    /// A problem at `place`.
    pub fn at(place: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            place: place.into(),
            group: None,
            message: message.into(),
        }
    }

    /// The same problem, naming the group it is in.
    pub fn in_group(mut self, name: Option<&str>) -> Problem {
        self.group = name.map(str::to_string);
        self
    }

    /// One line: `groups[3].sources[1].name (group “Finance”): expected a string`.
    pub fn text(&self) -> String {
        let place = match (self.place.is_empty(), &self.group) {
            (true, None) => String::new(),
            (true, Some(group)) => format!("group \u{201c}{group}\u{201d}: "),
            (false, None) => format!("{}: ", self.place),
            (false, Some(group)) => format!("{} (group \u{201c}{group}\u{201d}): ", self.place),
        };
        format!("{place}{}", self.message)
    }
}

/// One group of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanGroup {
    /// The name the group will have (for a delete: the name it has).
    pub name: String,
    /// The tenant's group it matched (None: it would be created).
    pub id: Option<String>,
    /// Where it is in the document, e.g. `groups[2]`; None for a group the document does not
    /// mention (deleted because the document says `"prune": true`).
    pub place: Option<String>,
    pub action: PlanAction,
    /// What the change means, in the review and delete dialogs' words.
    pub lines: Vec<String>,
    /// Why it cannot be applied; empty when it can.
    pub problems: Vec<String>,
    /// Worth reading, but no obstacle (e.g. another group with the same name).
    pub warnings: Vec<String>,
}

/// What applying a document would do, group by group, in the order it would be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The document says to delete the tenant's groups it does not mention.
    pub prune: bool,
    pub groups: Vec<PlanGroup>,
    /// Problems of the document itself (syntax, size, format); per-group ones are in `groups`.
    pub problems: Vec<Problem>,
    /// Stands for the planned steps: an apply refuses to go on when the plan it computes again
    /// has another digest than the one the user reviewed.
    pub digest: String,
}

impl Plan {
    /// A plan of a document that could not be read: its problems and nothing to do.
    pub fn rejected(problems: Vec<Problem>) -> Plan {
        Plan {
            prune: false,
            groups: Vec::new(),
            problems,
            digest: String::new(),
        }
    }

    /// No problem anywhere: the plan may be applied (even when it changes nothing).
    pub fn is_applicable(&self) -> bool {
        self.problems.is_empty() && self.groups.iter().all(|g| g.problems.is_empty())
    }

    /// How many groups it would create, change or delete.
    pub fn change_count(&self) -> usize {
        self.groups.iter().filter(|g| g.action.is_change()).count()
    }

    /// Problems in all: the document's and every group's.
    pub fn problem_count(&self) -> usize {
        self.problems.len() + self.groups.iter().map(|g| g.problems.len()).sum::<usize>()
    }

    fn count(&self, action: PlanAction) -> usize {
        self.groups.iter().filter(|g| g.action == action).count()
    }

    /// One sentence: "Nothing can be applied until 2 problems are fixed.", "No changes: …",
    /// "3 changes: 1 group to create, 1 to change and 1 to delete; 2 unchanged."
    pub fn summary(&self) -> String {
        if !self.is_applicable() {
            let problems = self.problem_count();
            return format!(
                "Nothing can be applied until {} {} fixed.",
                plural(problems, "problem", "problems"),
                if problems == 1 { "is" } else { "are" }
            );
        }
        let unchanged = self.count(PlanAction::Unchanged);
        let changes = self.change_count();
        if changes == 0 {
            return format!(
                "No changes: the tenant already matches the document ({}).",
                plural(unchanged, "sync group", "sync groups")
            );
        }
        let mut parts = Vec::new();
        let mut noun = true;
        for (action, verb) in [
            (PlanAction::Create, "to create"),
            (PlanAction::Update, "to change"),
            (PlanAction::Delete, "to delete"),
        ] {
            let n = self.count(action);
            if n > 0 {
                // The noun once, on the first count: "1 group to create, 2 to change".
                parts.push(if noun {
                    format!("{} {verb}", plural(n, "group", "groups"))
                } else {
                    format!("{n} {verb}")
                });
                noun = false;
            }
        }
        let unchanged = if unchanged > 0 {
            format!("; {unchanged} unchanged")
        } else {
            String::new()
        };
        format!(
            "{}: {}{unchanged}.",
            capitalize(&plural(changes, "change", "changes")),
            join_and(&parts)
        )
    }
}

/// How one step of an apply ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepStatus {
    Done,
    /// Refused (by ISC, or by the check just before writing); nothing after it was attempted.
    Failed {
        error: String,
        tracking_id: Option<String>,
    },
    /// An earlier step failed, so this one was not tried.
    NotAttempted,
}

impl StepStatus {
    pub fn label(&self) -> &'static str {
        match self {
            StepStatus::Done => "Done",
            StepStatus::Failed { .. } => "Failed",
            StepStatus::NotAttempted => "Not attempted",
        }
    }
}

/// One step of an apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    /// The group's name as the plan showed it.
    pub name: String,
    /// The group's id: the tenant's, or the new group's once created.
    pub id: Option<String>,
    pub action: PlanAction,
    pub status: StepStatus,
}

/// What an apply did, step by step in the order they were (or would have been) done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    pub steps: Vec<StepReport>,
}

impl ApplyReport {
    pub fn done_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .count()
    }

    pub fn not_attempted_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::NotAttempted)
            .count()
    }

    /// The step that failed, if one did (an apply stops at the first).
    pub fn failed(&self) -> Option<&StepReport> {
        self.steps
            .iter()
            .find(|s| matches!(s.status, StepStatus::Failed { .. }))
    }

    /// Every step was done.
    pub fn all_done(&self) -> bool {
        self.done_count() == self.steps.len()
    }

    /// One sentence: "All 3 changes were made.", "1 of 3 changes was made; changing “X”
    /// failed, so 1 was not attempted."
    pub fn summary(&self) -> String {
        let total = self.steps.len();
        let done = self.done_count();
        if total == 0 {
            return "Nothing to do: the tenant already matched the document.".to_string();
        }
        if done == total {
            return if total == 1 {
                "The change was made.".to_string()
            } else {
                format!("All {total} changes were made.")
            };
        }
        let made = format!(
            "{done} of {} {} made",
            plural(total, "change", "changes"),
            if done == 1 { "was" } else { "were" }
        );
        let failed = match self.failed() {
            Some(step) => format!(
                "; {} \u{201c}{}\u{201d} failed",
                step.action.gerund(),
                step.name
            ),
            None => String::new(),
        };
        let skipped = self.not_attempted_count();
        let rest = if skipped > 0 {
            format!(
                ", so {skipped} {} not attempted",
                if skipped == 1 { "was" } else { "were" }
            )
        } else {
            String::new()
        };
        format!("{made}{failed}{rest}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, action: PlanAction) -> PlanGroup {
        PlanGroup {
            name: name.into(),
            id: None,
            place: Some("groups[0]".into()),
            action,
            lines: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn plan(groups: Vec<PlanGroup>) -> Plan {
        Plan {
            prune: false,
            groups,
            problems: Vec::new(),
            digest: "d".into(),
        }
    }

    #[test]
    fn a_plan_counts_changes_and_says_so() {
        use PlanAction::*;
        let p = plan(vec![group("A", Unchanged), group("B", Unchanged)]);
        assert!(p.is_applicable());
        assert_eq!(p.change_count(), 0);
        assert_eq!(
            p.summary(),
            "No changes: the tenant already matches the document (2 sync groups)."
        );
        let p = plan(vec![
            group("A", Delete),
            group("B", Create),
            group("C", Update),
            group("D", Update),
            group("E", Unchanged),
        ]);
        assert_eq!(p.change_count(), 4);
        assert_eq!(
            p.summary(),
            "4 changes: 1 group to create, 2 to change and 1 to delete; 1 unchanged."
        );
        let p = plan(vec![group("B", Create)]);
        assert_eq!(p.summary(), "1 change: 1 group to create.");
        let p = plan(vec![group("B", Update), group("C", Update)]);
        assert_eq!(p.summary(), "2 changes: 2 groups to change.");
    }

    #[test]
    fn any_problem_stops_the_whole_plan() {
        let mut bad = group("B", PlanAction::Create);
        bad.problems
            .push("No source called “X” in this tenant.".into());
        let p = plan(vec![group("A", PlanAction::Update), bad]);
        assert!(!p.is_applicable());
        assert_eq!(p.problem_count(), 1);
        assert_eq!(
            p.summary(),
            "Nothing can be applied until 1 problem is fixed."
        );
        let p = Plan::rejected(vec![
            Problem::document("The document is empty."),
            Problem::at("line 1, column 2", "x"),
        ]);
        assert!(!p.is_applicable());
        assert_eq!(
            p.summary(),
            "Nothing can be applied until 2 problems are fixed."
        );
    }

    #[test]
    fn problems_name_their_place_and_group() {
        assert_eq!(Problem::document("Too big.").text(), "Too big.");
        assert_eq!(
            Problem::at("groups[3].sources[1].name", "expected a string")
                .in_group(Some("Finance"))
                .text(),
            "groups[3].sources[1].name (group “Finance”): expected a string"
        );
        assert_eq!(
            Problem::at("line 3, column 14", "expected `,`").text(),
            "line 3, column 14: expected `,`"
        );
    }

    #[test]
    fn a_report_says_what_was_done_failed_and_not_attempted() {
        let step = |name: &str, status: StepStatus| StepReport {
            name: name.into(),
            id: None,
            action: PlanAction::Update,
            status,
        };
        assert_eq!(
            ApplyReport::default().summary(),
            "Nothing to do: the tenant already matched the document."
        );
        let all = ApplyReport {
            steps: vec![step("A", StepStatus::Done), step("B", StepStatus::Done)],
        };
        assert!(all.all_done());
        assert_eq!(all.summary(), "All 2 changes were made.");
        let one = ApplyReport {
            steps: vec![step("A", StepStatus::Done)],
        };
        assert_eq!(one.summary(), "The change was made.");
        let half = ApplyReport {
            steps: vec![
                step("A", StepStatus::Done),
                step(
                    "B",
                    StepStatus::Failed {
                        error: "ISC refused the request: no".into(),
                        tracking_id: Some("t1".into()),
                    },
                ),
                step("C", StepStatus::NotAttempted),
                step("D", StepStatus::NotAttempted),
            ],
        };
        assert!(!half.all_done());
        assert_eq!(half.failed().map(|s| s.name.as_str()), Some("B"));
        assert_eq!(
            half.summary(),
            "1 of 4 changes was made; changing “B” failed, so 2 were not attempted."
        );
        assert_eq!(StepStatus::NotAttempted.label(), "Not attempted");
        assert_eq!(PlanAction::Update.label(), "Change");
    }
}
