//! What the helpdesk pages show (issue 9): people found by a search, and one person's password
//! sync, group by group, already joined (names, never bare ids) and judged by the rules of
//! [`super::person`].

use serde::{Deserialize, Serialize};

use super::PolicyInfo;
use super::english::{join_and, plural};
use super::person::{EVENT_DAYS, Finding, GroupSource, PasswordEvent, PersonAccount, findings};

/// At least this many characters before the console searches (fewer would match half the
/// tenant and tell the helpdesk nothing).
pub const MIN_QUERY_CHARS: usize = 3;
/// Longest search text accepted (a name, an email or an account name fits easily).
pub const MAX_QUERY_CHARS: usize = 100;
/// People per page of results.
pub const PAGE_SIZE: usize = 20;
/// Results are paged up to this offset; past it, the helpdesk should narrow the search.
pub const MAX_OFFSET: usize = 1_000;

/// Why a search text is not searched, in words; `None` when it is fine.
pub fn query_problem(text: &str) -> Option<String> {
    let chars = text.trim().chars().count();
    if chars < MIN_QUERY_CHARS {
        Some(format!(
            "Type at least {MIN_QUERY_CHARS} characters of a name, an email address or an account name."
        ))
    } else if chars > MAX_QUERY_CHARS {
        Some(format!(
            "That is longer than any name: use at most {MAX_QUERY_CHARS} characters."
        ))
    } else {
        None
    }
}

/// A person as ISC names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    /// ISC's identity id.
    pub id: String,
    /// ISC's identity name (usually the username, e.g. `olivia.smith`).
    pub name: String,
    pub display_name: String,
    pub email: Option<String>,
}

impl PersonRef {
    /// The name a person recognises: the display name, else the identity name.
    pub fn label(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.name
        } else {
            &self.display_name
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonMatch {
    pub person: PersonRef,
    /// Their accounts on sources that are in a sync group.
    pub accounts_in_groups: usize,
    /// Their accounts on sources that can manage passwords.
    pub password_accounts: usize,
}

impl PersonMatch {
    /// "2 accounts in sync groups" / "no account in a sync group".
    pub fn summary(&self) -> String {
        match self.accounts_in_groups {
            0 => "No account in a sync group".to_string(),
            n => format!("{} in sync groups", plural(n, "account", "accounts")),
        }
    }
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleResults {
    /// The text searched for, as the user typed it (trimmed).
    pub query: String,
    pub matches: Vec<PersonMatch>,
    /// Index of the first result in all results.
    pub offset: usize,
    /// How many people match in all, when ISC said.
    pub total: Option<usize>,
}

impl PeopleResults {
    /// Where the next page starts, if there is one the console will show.
    pub fn next_offset(&self) -> Option<usize> {
        let next = self.offset + self.matches.len();
        let more = match self.total {
            Some(total) => next < total,
            None => self.matches.len() == PAGE_SIZE,
        };
        (more && !self.matches.is_empty() && next <= MAX_OFFSET).then_some(next)
    }

    /// Where the previous page starts, if this is not the first.
    pub fn previous_offset(&self) -> Option<usize> {
        (self.offset > 0).then(|| self.offset.saturating_sub(PAGE_SIZE))
    }

    /// "People 21–40 of 57" / "1 person" / "No one".
    pub fn range_words(&self) -> String {
        let shown = self.matches.len();
        if shown == 0 {
            return if self.offset == 0 {
                format!("No one matches “{}”.", self.query)
            } else {
                "No more people match.".to_string()
            };
        }
        let first = self.offset + 1;
        let last = self.offset + shown;
        match self.total {
            Some(total) if total == shown && self.offset == 0 => {
                format!("{} {}", plural(total, "person", "people"), "match")
            }
            Some(total) => format!("People {first}–{last} of {total}"),
            None => format!("People {first}–{last}"),
        }
    }
}

/// The person's account on one source of a group, with the latest password event there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    pub source: GroupSource,
    /// `None`: the person has no account on this source.
    pub account: Option<PersonAccount>,
    /// The most recent password event on this source in the last [`EVENT_DAYS`] days.
    pub latest: Option<PasswordEvent>,
}

/// The person's password sync in one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSync {
    pub id: String,
    pub name: String,
    pub policy: PolicyInfo,
    pub rows: Vec<SourceRow>,
    /// Most serious first; `InSync` or `Unknown` when nothing is wrong.
    pub findings: Vec<Finding>,
}

impl GroupSync {
    /// The group's rows and verdict from the facts: `sources` of the group in its order, the
    /// person's `accounts` (any source) and `events` (any source, any order).
    pub fn of(
        id: String,
        name: String,
        policy: PolicyInfo,
        sources: Vec<GroupSource>,
        accounts: &[PersonAccount],
        events: &[PasswordEvent],
    ) -> GroupSync {
        let findings = findings(&sources, accounts, events);
        let rows = sources
            .into_iter()
            .map(|source| SourceRow {
                account: accounts.iter().find(|a| a.source_id == source.id).cloned(),
                latest: latest_on(events, &source.id),
                source,
            })
            .collect();
        GroupSync {
            id,
            name,
            policy,
            rows,
            findings,
        }
    }

    /// Whether anything in this group needs the helpdesk's attention.
    pub fn has_problem(&self) -> bool {
        self.findings.iter().any(Finding::is_problem)
    }

    /// The sources on which a password change sets the same password, in words.
    pub fn together(&self) -> String {
        let names: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.account.is_some())
            .map(|r| r.source.name.as_str())
            .collect();
        match names.as_slice() {
            [] => "They have no account on any source of this group.".to_string(),
            [one] => format!(
                "Of this group, they have an account on {one} only: its password changes alone."
            ),
            many => format!(
                "A password change on any of {} sets the same password on all of them.",
                join_and(many)
            ),
        }
    }
}

/// An account on a password-capable source that is in no sync group: its password is
/// independent of the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LooseAccount {
    pub source_name: String,
    pub account: PersonAccount,
    pub latest: Option<PasswordEvent>,
}

/// One person's password sync, as the person page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSync {
    pub person: PersonRef,
    /// When the console read these facts (Unix seconds): relative times count from here.
    pub as_of: i64,
    /// The groups in which the person has accounts (or should: a group's source without an
    /// account is a finding), problems first.
    pub groups: Vec<GroupSync>,
    pub loose: Vec<LooseAccount>,
    /// The person's password events of the last [`EVENT_DAYS`] days, newest first.
    pub events: Vec<PasswordEvent>,
    /// `false` when there were more events than the console reads ([`MAX_EVENTS`]).
    pub events_complete: bool,
}

/// The most events read for one person (a person changes a password a few times a month;
/// thousands would be a script, and the newest are the ones that matter).
pub const MAX_EVENTS: usize = 1_000;

impl PersonSync {
    /// The verdict line at the top of the page.
    pub fn headline(&self) -> String {
        let problems = self.groups.iter().filter(|g| g.has_problem()).count();
        match (self.groups.len(), problems) {
            (0, _) => {
                "They have no account on a source in a sync group: each password is set on its own."
                    .to_string()
            }
            (_, 0) => format!(
                "Nothing wrong found in {}.",
                plural(self.groups.len(), "sync group", "sync groups")
            ),
            (n, p) => format!(
                "{} of {} {} attention.",
                plural(p, "sync group", "sync groups"),
                n,
                if p == 1 { "needs" } else { "need" }
            ),
        }
    }

    /// The sources that appear in the timeline, for its filter (name, id), in name order.
    pub fn event_sources(&self) -> Vec<(String, String)> {
        let mut sources: Vec<(String, String)> = self
            .events
            .iter()
            .filter_map(|e| {
                Some((
                    e.source_name.clone().or_else(|| e.source_id.clone())?,
                    e.source_id.clone()?,
                ))
            })
            .collect();
        sources.sort();
        sources.dedup();
        sources
    }

    /// The timeline limited to one source (all when `source_id` is `None` or unknown).
    pub fn events_on<'a>(
        &'a self,
        source_id: Option<&'a str>,
    ) -> impl Iterator<Item = &'a PasswordEvent> + 'a {
        self.events.iter().filter(move |e| match source_id {
            None | Some("") => true,
            Some(id) => e.source_id.as_deref() == Some(id),
        })
    }
}

/// One record of who looked up whom (shown to administrators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupEntry {
    /// Unix seconds.
    pub at: i64,
    /// Who looked: their display name and user name.
    pub actor_name: String,
    pub actor_user: String,
    /// `admin` or `helpdesk`.
    pub actor_role: String,
    pub kind: LookupKind,
    /// What was searched for, or the name of the person whose page was opened.
    pub subject: String,
    /// The person's identity id, for an opened page.
    pub person_id: Option<String>,
}

/// What a lookup was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LookupKind {
    /// Searched for people by text.
    Search,
    /// Opened one person's password sync.
    View,
}

impl LookupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LookupKind::Search => "search",
            LookupKind::View => "view",
        }
    }

    pub fn parse(text: &str) -> Option<LookupKind> {
        match text {
            "search" => Some(LookupKind::Search),
            "view" => Some(LookupKind::View),
            _ => None,
        }
    }

    /// "searched for" / "opened".
    pub fn verb(self) -> &'static str {
        match self {
            LookupKind::Search => "searched for",
            LookupKind::View => "opened the password sync of",
        }
    }
}

/// A page of the lookup record, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupPage {
    pub entries: Vec<LookupEntry>,
    /// The record to pass as `before` for the next (older) page, when there is one.
    pub older: Option<i64>,
}

/// The latest event on `source_id`.
fn latest_on(events: &[PasswordEvent], source_id: &str) -> Option<PasswordEvent> {
    events
        .iter()
        .filter(|e| e.source_id.as_deref() == Some(source_id))
        .max_by_key(|e| e.at)
        .cloned()
}

/// What the helpdesk can tell the caller about one finding.
pub fn advice(finding: &Finding) -> String {
    match finding {
        Finding::ChangeFailed { source, .. } => format!(
            "Their new password did not reach {source}, which still takes the password from before. Once the cause is fixed, a new change in Password Manager sets one password everywhere again."
        ),
        Finding::NoAccount { sources } => format!(
            "They have no account on {}: a password change does not create one. If they need it, they request access.",
            join_and(sources)
        ),
        Finding::SourceUnhealthy { sources } => format!(
            "ISC cannot reach {} at the moment: a change made now fails there. Ask them to wait until it is back before changing their password.",
            join_and(sources)
        ),
        Finding::AccountLocked { sources } => format!(
            "Their account on {} is locked: unlock it first, or the next change fails there.",
            join_and(sources)
        ),
        Finding::AccountDisabled { sources } => format!(
            "Their account on {} is disabled: it takes no new password until it is enabled again.",
            join_and(sources)
        ),
        Finding::OutOfSync { behind } => {
            let names: Vec<&str> = behind.iter().map(|(name, _)| name.as_str()).collect();
            format!(
                "{} still {} an older password. A new change in Password Manager sets the same password on every system of the group.",
                join_and(&names),
                if names.len() == 1 { "has" } else { "have" }
            )
        }
        Finding::InSync => {
            "The password they set last works on every system of this group.".to_string()
        }
        Finding::Unknown => {
            "ISC does not say when these passwords were set: check the recent events below."
                .to_string()
        }
    }
}

/// An ISC password action in words, e.g. `ACCOUNT_PASSWORD_SYNC_PASSED` → "Password synced".
pub fn action_words(action: &str) -> String {
    let words = match action {
        "USER_PASSWORD_UPDATE_PASSED" => "Password changed",
        "USER_PASSWORD_UPDATE_FAILED" => "Password change failed",
        "ACCOUNT_PASSWORD_SYNC_PASSED" => "Password synced",
        "ACCOUNT_PASSWORD_SYNC_FAILED" => "Password sync failed",
        "ACCOUNT_PASSWORD_RESET_PASSED" => "Password reset",
        "ACCOUNT_PASSWORD_RESET_FAILED" => "Password reset failed",
        "SOURCE_EXTERNAL_PASSWORD_CHANGE_PASSED" => "Changed on the system itself",
        "SOURCE_EXTERNAL_PASSWORD_CHANGE_FAILED" => "Change on the system itself failed",
        "SOURCE_PASSWORD_INTERCEPT_PROCESSED" => "Change on the system itself picked up",
        "SOURCE_PASSWORD_INTERCEPT_IGNORED" => "Change on the system itself ignored",
        other => return other.replace('_', " ").to_lowercase(),
    };
    words.to_string()
}

/// Whether an ISC password action reports success (anything but `…_FAILED`).
pub fn action_passed(action: &str) -> bool {
    !action.ends_with("_FAILED")
}

/// The period the timeline covers, in words.
pub fn event_period() -> String {
    format!("the last {EVENT_DAYS} days")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> PersonRef {
        PersonRef {
            id: "p1".into(),
            name: "olivia.smith".into(),
            display_name: "Olivia Smith".into(),
            email: Some("olivia.smith@example.com".into()),
        }
    }

    fn results(offset: usize, shown: usize, total: Option<usize>) -> PeopleResults {
        PeopleResults {
            query: "oli".into(),
            matches: (0..shown)
                .map(|_| PersonMatch {
                    person: person(),
                    accounts_in_groups: 2,
                    password_accounts: 3,
                })
                .collect(),
            offset,
            total,
        }
    }

    #[test]
    fn short_and_long_queries_are_explained() {
        assert!(query_problem("ol").is_some_and(|p| p.contains("at least 3")));
        assert!(query_problem("  ol  ").is_some());
        assert_eq!(query_problem("oli"), None);
        assert!(query_problem(&"x".repeat(101)).is_some_and(|p| p.contains("at most 100")));
    }

    #[test]
    fn results_page_forward_and_back() {
        let first = results(0, PAGE_SIZE, Some(57));
        assert_eq!(first.next_offset(), Some(20));
        assert_eq!(first.previous_offset(), None);
        assert_eq!(first.range_words(), "People 1–20 of 57");
        let last = results(40, 17, Some(57));
        assert_eq!(last.next_offset(), None);
        assert_eq!(last.previous_offset(), Some(20));
        let all = results(0, 3, Some(3));
        assert_eq!(all.range_words(), "3 people match");
        assert_eq!(results(0, 1, Some(1)).range_words(), "1 person match");
        assert_eq!(
            results(0, 0, Some(0)).range_words(),
            "No one matches “oli”."
        );
        // Without a total, a full page suggests more.
        assert_eq!(results(0, PAGE_SIZE, None).next_offset(), Some(20));
        assert_eq!(results(0, 5, None).next_offset(), None);
        // Never past the cap.
        assert_eq!(results(MAX_OFFSET, PAGE_SIZE, None).next_offset(), None);
    }

    fn event(source: &str, at: i64, action: &str) -> PasswordEvent {
        PasswordEvent {
            at,
            source_id: Some(source.into()),
            source_name: Some(format!("Source {source}")),
            account_name: None,
            action: action.into(),
            passed: action_passed(action),
            message: None,
        }
    }

    #[test]
    fn a_group_shows_each_source_with_account_and_latest_event() {
        let sources = vec![
            GroupSource {
                id: "a".into(),
                name: "AD".into(),
                healthy: true,
            },
            GroupSource {
                id: "b".into(),
                name: "SAP".into(),
                healthy: true,
            },
        ];
        let accounts = vec![PersonAccount {
            source_id: "a".into(),
            name: "osmith".into(),
            disabled: false,
            locked: false,
            password_last_set: Some(100),
        }];
        let events = vec![
            event("a", 50, "USER_PASSWORD_UPDATE_FAILED"),
            event("a", 100, "USER_PASSWORD_UPDATE_PASSED"),
        ];
        let group = GroupSync::of(
            "g".into(),
            "Corporate".into(),
            PolicyInfo::unknown("p"),
            sources,
            &accounts,
            &events,
        );
        assert_eq!(group.rows.len(), 2);
        assert_eq!(
            group.rows[0].latest.as_ref().map(|e| e.at),
            Some(100),
            "the newest event on the source"
        );
        assert!(group.rows[1].account.is_none());
        assert!(group.has_problem());
        assert_eq!(
            group.findings,
            vec![Finding::NoAccount {
                sources: vec!["SAP".into()]
            }]
        );
        assert_eq!(
            group.together(),
            "Of this group, they have an account on AD only: its password changes alone."
        );
    }

    #[test]
    fn the_headline_counts_groups_needing_attention() {
        let mut sync = PersonSync {
            person: person(),
            as_of: 0,
            groups: Vec::new(),
            loose: Vec::new(),
            events: vec![
                event("b", 2, "ACCOUNT_PASSWORD_SYNC_PASSED"),
                event("a", 1, "USER_PASSWORD_UPDATE_PASSED"),
            ],
            events_complete: true,
        };
        assert!(sync.headline().starts_with("They have no account"));
        let ok = GroupSync {
            id: "g".into(),
            name: "G".into(),
            policy: PolicyInfo::unknown("p"),
            rows: Vec::new(),
            findings: vec![Finding::InSync],
        };
        let bad = GroupSync {
            findings: vec![Finding::AccountLocked {
                sources: vec!["SAP".into()],
            }],
            ..ok.clone()
        };
        sync.groups = vec![ok.clone(), ok.clone()];
        assert_eq!(sync.headline(), "Nothing wrong found in 2 sync groups.");
        sync.groups = vec![bad, ok];
        assert_eq!(sync.headline(), "1 sync group of 2 needs attention.");
        assert_eq!(
            sync.event_sources(),
            vec![
                ("Source a".to_string(), "a".to_string()),
                ("Source b".to_string(), "b".to_string())
            ]
        );
        assert_eq!(sync.events_on(Some("a")).count(), 1);
        assert_eq!(sync.events_on(None).count(), 2);
    }

    #[test]
    fn actions_and_advice_are_in_words() {
        assert_eq!(
            action_words("ACCOUNT_PASSWORD_SYNC_PASSED"),
            "Password synced"
        );
        assert_eq!(action_words("SOMETHING_NEW"), "something new");
        assert!(!action_passed("USER_PASSWORD_UPDATE_FAILED"));
        assert!(action_passed("SOURCE_PASSWORD_INTERCEPT_IGNORED"));
        let out = Finding::OutOfSync {
            behind: vec![("SAP".into(), 86_400 * 3)],
        };
        assert!(advice(&out).starts_with("SAP still has an older password."));
    }
}
