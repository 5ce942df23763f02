//! Search documents joined into the helpdesk's view models: a person's accounts placed in the
//! sync groups of their sources, with names from the catalog and the verdict of
//! `app::model::person`. Pure functions over what the client read.

use std::collections::HashSet;

use app::model::PolicyInfo;
use app::model::people::{
    GroupSync, LooseAccount, PersonMatch, PersonRef, PersonSync, action_passed,
};
use app::model::person::{GroupSource, PasswordEvent, PersonAccount};
use app::model::when::parse_rfc3339;

use super::Catalog;
use super::model::PasswordSyncGroup;
use super::search::{AccountDocument, EventDocument, IdentityDocument};

/// The ids of the sources that are in some sync group.
pub fn grouped_sources(groups: &[PasswordSyncGroup]) -> HashSet<&str> {
    groups
        .iter()
        .flat_map(|g| g.source_ids.iter().map(String::as_str))
        .collect()
}

fn source_id(account: &AccountDocument) -> Option<&str> {
    account.source.as_ref()?.id.as_deref()
}

impl IdentityDocument {
    pub fn person_ref(&self) -> PersonRef {
        let name = self.name.clone().unwrap_or_default();
        PersonRef {
            id: self.id.clone(),
            display_name: self
                .display_name
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| name.clone()),
            name,
            email: self.email.clone().filter(|e| !e.trim().is_empty()),
        }
    }

    /// One search result: how many of the person's accounts a sync group sets.
    pub fn person_match(&self, grouped: &HashSet<&str>, catalog: &Catalog) -> PersonMatch {
        PersonMatch {
            person: self.person_ref(),
            accounts_in_groups: self
                .accounts
                .iter()
                .filter(|a| source_id(a).is_some_and(|id| grouped.contains(id)))
                .count(),
            password_accounts: self
                .accounts
                .iter()
                .filter(|a| manages_passwords(a, catalog))
                .count(),
        }
    }

    /// The person's accounts as the verdict rules read them.
    pub fn accounts(&self) -> Vec<PersonAccount> {
        self.accounts
            .iter()
            .filter_map(|a| {
                Some(PersonAccount {
                    source_id: source_id(a)?.to_string(),
                    name: a
                        .name
                        .clone()
                        .or_else(|| a.account_id.clone())
                        .unwrap_or_default(),
                    disabled: a.disabled.unwrap_or(false),
                    locked: a.locked.unwrap_or(false),
                    password_last_set: a.password_last_set.as_deref().and_then(parse_rfc3339),
                })
            })
            .collect()
    }
}

/// Whether ISC can set a password on this account: its source has the PASSWORD feature (or the
/// document says so when the catalog does not know the source).
fn manages_passwords(account: &AccountDocument, catalog: &Catalog) -> bool {
    let Some(id) = source_id(account) else {
        return false;
    };
    let source = catalog.source(id);
    if source.name.is_some() {
        source.password_feature
    } else {
        account.supports_password_change.unwrap_or(false)
    }
}

impl EventDocument {
    /// The event as the verdict rules and the timeline read it; `None` without a readable date.
    pub fn password_event(&self) -> Option<PasswordEvent> {
        let action = self.action.clone().unwrap_or_default();
        let failed_status = self.status.as_deref() == Some("FAILED");
        Some(PasswordEvent {
            at: parse_rfc3339(self.created.as_deref()?)?,
            source_id: self.attribute("sourceId"),
            source_name: self.attribute("sourceName"),
            account_name: self.attribute("accountName"),
            passed: action_passed(&action) && !failed_status,
            message: self.errors(),
            action,
        })
    }
}

/// The person's password sync from their identity document, the tenant's groups, the catalog
/// and their events (newest first). `as_of` is now, in Unix seconds.
pub fn person_sync(
    identity: &IdentityDocument,
    groups: &[PasswordSyncGroup],
    catalog: &Catalog,
    events: Vec<PasswordEvent>,
    events_complete: bool,
    as_of: i64,
) -> PersonSync {
    let accounts = identity.accounts();
    let has_account_on = |id: &str| accounts.iter().any(|a| a.source_id == id);
    let mut synced: Vec<GroupSync> = groups
        .iter()
        .filter(|g| g.source_ids.iter().any(|id| has_account_on(id)))
        .map(|g| {
            let sources = g
                .source_ids
                .iter()
                .map(|id| {
                    let info = catalog.source(id);
                    GroupSource {
                        id: id.clone(),
                        name: info.label(),
                        healthy: info.healthy != Some(false),
                    }
                })
                .collect();
            let policy = g
                .password_policy_id
                .as_deref()
                .map_or_else(|| PolicyInfo::unknown(""), |id| catalog.policy(id));
            GroupSync::of(
                g.id.clone().unwrap_or_default(),
                g.name.clone(),
                policy,
                sources,
                &accounts,
                &events,
            )
        })
        .collect();
    synced.sort_by_key(|g| (!g.has_problem(), g.name.to_lowercase()));

    let grouped = grouped_sources(groups);
    let mut loose: Vec<LooseAccount> = identity
        .accounts
        .iter()
        .filter(|a| manages_passwords(a, catalog))
        .filter(|a| source_id(a).is_some_and(|id| !grouped.contains(id)))
        .filter_map(|doc| {
            let id = source_id(doc)?;
            let account = accounts.iter().find(|a| a.source_id == id)?.clone();
            let known = catalog.source(id);
            let source_name = known
                .name
                .clone()
                .or_else(|| doc.source.as_ref()?.name.clone())
                .unwrap_or_else(|| known.label());
            let latest = events
                .iter()
                .filter(|e| e.source_id.as_deref() == Some(id))
                .max_by_key(|e| e.at)
                .cloned();
            Some(LooseAccount {
                source_name,
                account,
                latest,
            })
        })
        .collect();
    loose.sort_by_key(|l| l.source_name.to_lowercase());

    let mut events = events;
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    PersonSync {
        person: identity.person_ref(),
        as_of,
        groups: synced,
        loose,
        events,
        events_complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isc::model::Source;
    use app::model::person::Finding;
    use serde_json::json;

    fn source(id: &str, name: &str, password: bool, healthy: bool) -> Source {
        Source {
            id: id.into(),
            name: Some(name.into()),
            source_type: None,
            connector_name: None,
            connection_type: Some("direct".into()),
            features: if password {
                vec!["PASSWORD".into()]
            } else {
                Vec::new()
            },
            healthy: Some(healthy),
            status: None,
        }
    }

    fn identity() -> IdentityDocument {
        serde_json::from_value(json!({
            "id": "p1",
            "name": "olivia.smith",
            "displayName": "Olivia Smith",
            "email": "olivia.smith@example.com",
            "accounts": [
                {"name": "osmith", "source": {"id": "ad", "name": "AD"}, "passwordLastSet": "2026-11-20T10:00:00Z", "supportsPasswordChange": true},
                {"name": "OSMITH", "source": {"id": "sap", "name": "SAP"}, "passwordLastSet": "2026-11-08T10:00:00Z", "locked": true},
                {"name": "olivia", "source": {"id": "gh", "name": "GitHub"}, "passwordLastSet": "2026-10-01T10:00:00Z"},
                {"name": "E100", "source": {"id": "hr", "name": "Workday"}},
            ]
        }))
        .expect("document")
    }

    fn group(id: &str, sources: &[&str]) -> PasswordSyncGroup {
        PasswordSyncGroup {
            id: Some(id.into()),
            name: format!("Group {id}"),
            password_policy_id: Some("pol".into()),
            source_ids: sources.iter().map(|s| s.to_string()).collect(),
            created: None,
            modified: None,
        }
    }

    #[test]
    fn accounts_fall_into_their_groups_and_the_rest_is_loose() {
        let sources = [
            source("ad", "Active Directory", true, true),
            source("sap", "SAP S/4HANA", true, false),
            source("gh", "GitHub", true, true),
            source("hr", "Workday", false, true),
            source("jira", "Jira", true, true),
        ];
        let catalog = Catalog::new(&sources, &[]);
        let groups = [group("g1", &["ad", "sap"]), group("g2", &["jira"])];
        let event: EventDocument = serde_json::from_value(json!({
            "id": "e1",
            "created": "2026-11-20T10:00:05.000Z",
            "action": "USER_PASSWORD_UPDATE_FAILED",
            "status": "FAILED",
            "attributes": {"sourceId": "sap", "sourceName": "SAP S/4HANA", "errors": "locked out"}
        }))
        .expect("event");
        let events = vec![event.password_event().expect("dated")];
        let sync = person_sync(&identity(), &groups, &catalog, events, true, 1_795_000_000);

        assert_eq!(sync.person.label(), "Olivia Smith");
        assert_eq!(sync.groups.len(), 1, "no account on g2's source: not shown");
        let g1 = &sync.groups[0];
        assert_eq!(g1.rows[1].source.name, "SAP S/4HANA");
        assert!(!g1.rows[1].source.healthy);
        assert!(matches!(
            &g1.findings[0],
            Finding::ChangeFailed { source, message } if source == "SAP S/4HANA" && message == "locked out"
        ));
        // GitHub manages passwords and is in no group; Workday does not manage passwords.
        let loose: Vec<&str> = sync.loose.iter().map(|l| l.source_name.as_str()).collect();
        assert_eq!(loose, ["GitHub"]);

        let grouped = grouped_sources(&groups);
        let found = identity().person_match(&grouped, &catalog);
        assert_eq!(found.accounts_in_groups, 2);
        assert_eq!(found.password_accounts, 3);
    }

    #[test]
    fn undated_events_are_dropped_and_failures_read_from_status_too() {
        let undated: EventDocument =
            serde_json::from_value(json!({"id": "e", "action": "X"})).expect("event");
        assert!(undated.password_event().is_none());
        let failed: EventDocument = serde_json::from_value(json!({
            "id": "e", "created": "2026-11-20T10:00:05Z", "action": "SOMETHING_NEW", "status": "FAILED"
        }))
        .expect("event");
        assert!(!failed.password_event().expect("dated").passed);
    }
}
