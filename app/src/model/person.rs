//! One person's password sync, for the helpdesk (issue 9): the facts ISC has about the person's
//! accounts on the sources of a sync group and their recent password events, and the verdict
//! drawn from them, in words. Pure rules, shared by the server (which gathers the facts) and
//! the page (which shows them); times are Unix seconds.

use serde::{Deserialize, Serialize};

use super::english::{join_and, plural};

/// Accounts whose passwords were set within this long of each other count as set together (a
/// sync reaches each source in turn; a slow connector takes a few minutes).
pub const SYNC_WINDOW_SECS: i64 = 10 * 60;
/// How far back password events are read.
pub const EVENT_DAYS: i64 = 30;

/// A source of the group, as the verdict needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSource {
    pub id: String,
    pub name: String,
    /// ISC reports the source healthy (password changes can reach it).
    pub healthy: bool,
}

/// The person's account on one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonAccount {
    pub source_id: String,
    /// The account's name on the source (e.g. `jdoe`).
    pub name: String,
    pub disabled: bool,
    pub locked: bool,
    /// When the account's password was last set, if ISC knows.
    pub password_last_set: Option<i64>,
}

/// A password event on one source (ISC's `PASSWORD_ACTIVITY`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordEvent {
    pub at: i64,
    pub source_id: Option<String>,
    /// The source's name as the event gives it.
    pub source_name: Option<String>,
    /// The account's name on the source, when the event gives it.
    pub account_name: Option<String>,
    /// ISC's action, e.g. `ACCOUNT_PASSWORD_SYNC_PASSED`.
    pub action: String,
    pub passed: bool,
    /// ISC's message when it failed.
    pub message: Option<String>,
}

/// What is wrong (or right) with the person's password sync in one group, most serious first
/// when sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Finding {
    /// The latest password change failed on these sources (with ISC's message).
    ChangeFailed {
        source: String,
        message: String,
    },
    /// The person has no account on these sources: no password is set there by the group.
    NoAccount {
        sources: Vec<String>,
    },
    /// ISC reports these sources unhealthy: changes will fail there.
    SourceUnhealthy {
        sources: Vec<String>,
    },
    AccountLocked {
        sources: Vec<String>,
    },
    AccountDisabled {
        sources: Vec<String>,
    },
    /// These sources' passwords were last set this many seconds before the newest one.
    OutOfSync {
        behind: Vec<(String, i64)>,
    },
    /// Every account's password was set within [`SYNC_WINDOW_SECS`] of the others.
    InSync,
    /// ISC does not say when the passwords were set: nothing to compare.
    Unknown,
}

impl Finding {
    /// The finding in words, as the helpdesk would say it.
    pub fn words(&self) -> String {
        match self {
            Finding::ChangeFailed { source, message } => {
                format!("The last change failed on {source}: {message}")
            }
            Finding::NoAccount { sources } => format!(
                "No account on {}: the group sets no password there",
                join_and(sources)
            ),
            Finding::SourceUnhealthy { sources } => format!(
                "{} {} unhealthy in ISC: password changes will fail there",
                join_and(sources),
                if sources.len() == 1 { "is" } else { "are" }
            ),
            Finding::AccountLocked { sources } => {
                format!("Account locked on {}", join_and(sources))
            }
            Finding::AccountDisabled { sources } => {
                format!("Account disabled on {}", join_and(sources))
            }
            Finding::OutOfSync { behind } => {
                let names: Vec<&str> = behind.iter().map(|(name, _)| name.as_str()).collect();
                let spans: Vec<String> = behind.iter().map(|(_, secs)| span(*secs)).collect();
                match (names.as_slice(), spans.as_slice()) {
                    ([one], [gap]) => {
                        format!("Out of sync: {one} was last set {gap} before the others")
                    }
                    // The same gap (one change that did not reach them): said once.
                    (_, [gap, rest @ ..]) if rest.iter().all(|g| g == gap) => format!(
                        "Out of sync: {} were last set {gap} before the others",
                        join_and(&names)
                    ),
                    _ => {
                        let parts: Vec<String> = names
                            .iter()
                            .zip(&spans)
                            .map(|(name, gap)| format!("{name} ({gap})"))
                            .collect();
                        format!(
                            "Out of sync: {} were last set before the others",
                            join_and(&parts)
                        )
                    }
                }
            }
            Finding::InSync => "In sync".to_string(),
            Finding::Unknown => "ISC does not say when these passwords were set".to_string(),
        }
    }

    /// Whether this finding means the caller has a problem to solve.
    pub fn is_problem(&self) -> bool {
        !matches!(self, Finding::InSync | Finding::Unknown)
    }
}

/// A duration in the largest whole unit: "12 days", "3 hours", "25 minutes", "40 seconds".
pub fn span(secs: i64) -> String {
    let secs = secs.max(0);
    let (count, one, many) = match secs {
        s if s >= 2 * 86_400 => (s / 86_400, "day", "days"),
        s if s >= 2 * 3_600 => (s / 3_600, "hour", "hours"),
        s if s >= 2 * 60 => (s / 60, "minute", "minutes"),
        s => (s, "second", "seconds"),
    };
    plural(usize::try_from(count).unwrap_or(usize::MAX), one, many)
}

/// The findings for one group: every problem found (most serious first), or `InSync` /
/// `Unknown`. `accounts` are the person's accounts (on any source); `events` their password
/// events of the last [`EVENT_DAYS`] days.
pub fn findings(
    sources: &[GroupSource],
    accounts: &[PersonAccount],
    events: &[PasswordEvent],
) -> Vec<Finding> {
    let account_on = |source: &GroupSource| accounts.iter().find(|a| a.source_id == source.id);
    let names = |pick: &dyn Fn(&GroupSource) -> bool| -> Vec<String> {
        sources
            .iter()
            .filter(|s| pick(s))
            .map(|s| s.name.clone())
            .collect()
    };
    let mut found = Vec::new();

    // The latest event on each source decides whether its last change failed.
    for source in sources {
        let latest = events
            .iter()
            .filter(|e| e.source_id.as_deref() == Some(source.id.as_str()))
            .max_by_key(|e| e.at);
        if let Some(event) = latest
            && !event.passed
        {
            found.push(Finding::ChangeFailed {
                source: source.name.clone(),
                message: event
                    .message
                    .clone()
                    .unwrap_or_else(|| "ISC gave no reason".to_string()),
            });
        }
    }
    let missing = names(&|s| account_on(s).is_none());
    if !missing.is_empty() {
        found.push(Finding::NoAccount { sources: missing });
    }
    let unhealthy = names(&|s| !s.healthy);
    if !unhealthy.is_empty() {
        found.push(Finding::SourceUnhealthy { sources: unhealthy });
    }
    let locked = names(&|s| account_on(s).is_some_and(|a| a.locked));
    if !locked.is_empty() {
        found.push(Finding::AccountLocked { sources: locked });
    }
    let disabled = names(&|s| account_on(s).is_some_and(|a| a.disabled));
    if !disabled.is_empty() {
        found.push(Finding::AccountDisabled { sources: disabled });
    }

    // Compare when the passwords were set, across the accounts the person has.
    let set: Vec<(&str, i64)> = sources
        .iter()
        .filter_map(|s| {
            account_on(s)
                .and_then(|a| a.password_last_set)
                .map(|at| (s.name.as_str(), at))
        })
        .collect();
    let newest = set.iter().map(|(_, at)| *at).max();
    match newest {
        Some(newest) if set.len() >= 2 => {
            let behind: Vec<(String, i64)> = set
                .iter()
                .filter(|(_, at)| newest - at > SYNC_WINDOW_SECS)
                .map(|(name, at)| (name.to_string(), newest - at))
                .collect();
            if !behind.is_empty() {
                found.push(Finding::OutOfSync { behind });
            }
        }
        _ => {}
    }

    found.sort();
    if found.is_empty() {
        found.push(if set.len() >= 2 {
            Finding::InSync
        } else {
            Finding::Unknown
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_800_000_000;

    fn sources() -> Vec<GroupSource> {
        ["Active Directory", "SAP S/4HANA", "GitHub"]
            .iter()
            .enumerate()
            .map(|(i, name)| GroupSource {
                id: format!("s{i}"),
                name: (*name).to_string(),
                healthy: true,
            })
            .collect()
    }

    fn account(source: usize, set: i64) -> PersonAccount {
        PersonAccount {
            source_id: format!("s{source}"),
            name: "jdoe".into(),
            disabled: false,
            locked: false,
            password_last_set: Some(set),
        }
    }

    fn event(source: usize, at: i64, passed: bool, message: Option<&str>) -> PasswordEvent {
        PasswordEvent {
            at,
            source_id: Some(format!("s{source}")),
            source_name: None,
            account_name: None,
            action: if passed {
                "ACCOUNT_PASSWORD_SYNC_PASSED".into()
            } else {
                "ACCOUNT_PASSWORD_SYNC_FAILED".into()
            },
            passed,
            message: message.map(str::to_string),
        }
    }

    #[test]
    fn passwords_set_together_are_in_sync() {
        let accounts = [
            account(0, NOW),
            account(1, NOW - 120),
            account(2, NOW - 300),
        ];
        assert_eq!(findings(&sources(), &accounts, &[]), vec![Finding::InSync]);
        assert_eq!(Finding::InSync.words(), "In sync");
    }

    #[test]
    fn a_password_set_days_before_the_others_is_out_of_sync() {
        let accounts = [account(0, NOW), account(1, NOW - 12 * DAY), account(2, NOW)];
        let found = findings(&sources(), &accounts, &[]);
        assert_eq!(
            found,
            vec![Finding::OutOfSync {
                behind: vec![("SAP S/4HANA".into(), 12 * DAY)]
            }]
        );
        assert_eq!(
            found[0].words(),
            "Out of sync: SAP S/4HANA was last set 12 days before the others"
        );
    }

    #[test]
    fn several_sources_behind_are_named_together() {
        let same = Finding::OutOfSync {
            behind: vec![("Entra ID".into(), 59 * DAY), ("GitHub".into(), 59 * DAY)],
        };
        assert_eq!(
            same.words(),
            "Out of sync: Entra ID and GitHub were last set 59 days before the others"
        );
        let different = Finding::OutOfSync {
            behind: vec![("Entra ID".into(), 59 * DAY), ("GitHub".into(), 3 * DAY)],
        };
        assert_eq!(
            different.words(),
            "Out of sync: Entra ID (59 days) and GitHub (3 days) were last set before the others"
        );
    }

    #[test]
    fn a_failed_last_change_comes_first_with_iscs_message() {
        let accounts = [account(0, NOW), account(1, NOW - 3 * DAY), account(2, NOW)];
        let events = [
            event(1, NOW - 3 * DAY, true, None),
            event(
                1,
                NOW,
                false,
                Some("Password does not meet the password policy"),
            ),
            event(0, NOW, true, None),
        ];
        let found = findings(&sources(), &accounts, &events);
        assert_eq!(
            found[0].words(),
            "The last change failed on SAP S/4HANA: Password does not meet the password policy"
        );
        assert!(matches!(found[1], Finding::OutOfSync { .. }));
        // A failure followed by a success is history, not a problem.
        let later = [
            event(1, NOW - DAY, false, Some("timeout")),
            event(1, NOW, true, None),
        ];
        let synced = [account(0, NOW), account(1, NOW), account(2, NOW)];
        assert_eq!(findings(&sources(), &synced, &later), vec![Finding::InSync]);
    }

    #[test]
    fn missing_locked_disabled_and_unhealthy_are_each_named() {
        let mut sources = sources();
        sources[2].healthy = false;
        let mut locked = account(1, NOW);
        locked.locked = true;
        locked.disabled = true;
        let found = findings(&sources, &[locked, account(2, NOW)], &[]);
        let words: Vec<String> = found.iter().map(Finding::words).collect();
        assert_eq!(
            words,
            vec![
                "No account on Active Directory: the group sets no password there",
                "GitHub is unhealthy in ISC: password changes will fail there",
                "Account locked on SAP S/4HANA",
                "Account disabled on SAP S/4HANA",
            ]
        );
        assert!(found.iter().all(Finding::is_problem));
    }

    #[test]
    fn without_dates_nothing_can_be_compared() {
        let mut a = account(0, NOW);
        a.password_last_set = None;
        let accounts = [a, account(1, NOW), account(2, NOW - 20 * DAY)];
        // Two dates are still compared.
        assert!(matches!(
            findings(&sources(), &accounts, &[])[0],
            Finding::OutOfSync { .. }
        ));
        let none: Vec<PersonAccount> = (0..3)
            .map(|i| PersonAccount {
                password_last_set: None,
                ..account(i, 0)
            })
            .collect();
        assert_eq!(findings(&sources(), &none, &[]), vec![Finding::Unknown]);
    }

    #[test]
    fn spans_use_the_largest_whole_unit() {
        assert_eq!(span(40), "40 seconds");
        assert_eq!(span(25 * 60), "25 minutes");
        assert_eq!(span(3 * 3600), "3 hours");
        assert_eq!(span(12 * 86_400 + 5), "12 days");
        assert_eq!(span(-5), "0 seconds");
    }
}
