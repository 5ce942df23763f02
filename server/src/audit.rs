//! The audit record of every change made through the console: who, what, the group before and
//! after, the outcome, and the request. Each change writes its intent before the call to ISC
//! (a change whose intent cannot be recorded is not made) and its outcome after it, so a crash
//! in between leaves an intent without an outcome ("outcome unknown"), never nothing. Each entry
//! is also one structured log line (target `audit`).

use app::caller::Admin;
use app::error::AppError;
use app::model::GroupDetail;
use app::model::draft::GroupDraft;

use crate::store::audit::{Action, AuditTable, Intent, Outcome};

#[derive(Clone)]
pub struct Audit {
    table: AuditTable,
}

/// A recorded intent, waiting for its outcome.
pub struct Pending {
    id: i64,
    intent: Intent,
}

/// The group as it was or became, for the record.
pub fn group(detail: &GroupDetail) -> serde_json::Value {
    serde_json::to_value(detail).unwrap_or_default()
}

/// The group as an administrator asked for it.
pub fn draft(draft: &GroupDraft) -> serde_json::Value {
    serde_json::json!({
        "name": draft.name,
        "passwordPolicyId": draft.policy_id,
        "sourceIds": draft.source_ids,
    })
}

/// The group as a change left it, from what the record holds: the group as ISC answered
/// (`GroupDetail`), or, for a change that did not complete, the draft asked for, named from
/// the group as it was where possible.
pub fn group_from_record(
    value: &serde_json::Value,
    before: Option<&GroupDetail>,
) -> Option<GroupDetail> {
    if let Ok(detail) = serde_json::from_value::<GroupDetail>(value.clone()) {
        return Some(detail);
    }
    let name = value.get("name")?.as_str()?.to_string();
    let policy_id = value
        .get("passwordPolicyId")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let source_ids: Vec<&str> = value
        .get("sourceIds")
        .and_then(|v| v.as_array())
        .map(|ids| ids.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let known_source = |id: &str| {
        before
            .and_then(|g| g.sources.iter().find(|s| s.id == id).cloned())
            .unwrap_or_else(|| app::model::SourceInfo::unknown(id))
    };
    let policy = match before {
        Some(g) if g.policy.id == policy_id => g.policy.clone(),
        _ => app::model::PolicyInfo::unknown(policy_id),
    };
    Some(GroupDetail {
        id: before.map(|g| g.id.clone()).unwrap_or_default(),
        name,
        policy,
        sources: source_ids.into_iter().map(known_source).collect(),
        created: None,
        modified: None,
    })
}

impl Audit {
    pub fn new(table: AuditTable) -> Audit {
        Audit { table }
    }

    pub fn table(&self) -> &AuditTable {
        &self.table
    }

    /// Records what `admin` is about to do. Fails closed: without a record, no change.
    pub async fn intent(
        &self,
        admin: &Admin,
        action: Action,
        group_id: Option<&str>,
        group_name: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<Pending, AppError> {
        let viewer = admin.viewer();
        let intent = Intent {
            request_id: admin.request_id().to_string(),
            actor_id: viewer
                .identity_id
                .clone()
                .unwrap_or_else(|| viewer.user_name.clone()),
            actor_name: viewer.display_name.clone(),
            action,
            group_id: group_id.map(str::to_string),
            group_name: group_name.to_string(),
            before,
            after,
        };
        match self.table.intent(&intent).await {
            Ok(id) => {
                log(id, None, &intent, None);
                Ok(Pending { id, intent })
            }
            Err(e) => {
                tracing::error!(error = %e, action = action.as_str(), "cannot record a change's intent; not making the change");
                Err(AppError::StoreUnavailable)
            }
        }
    }

    /// Records how the change ended. The change has happened (or not) whatever this does: a
    /// failure to record is logged, with the outcome, and does not undo it.
    pub async fn outcome<T>(
        &self,
        pending: Pending,
        result: &Result<T, AppError>,
        after: impl FnOnce(&T) -> (Option<String>, serde_json::Value),
    ) {
        let outcome = match result {
            Ok(value) => {
                let (group_id, after) = after(value);
                Outcome::Done {
                    group_id,
                    after: Some(after),
                }
            }
            Err(e) => Outcome::Failed {
                error: e.to_string(),
                tracking_id: tracking_id(e),
            },
        };
        match self
            .table
            .outcome(pending.id, &pending.intent, &outcome)
            .await
        {
            Ok(id) => log(id, Some(pending.id), &pending.intent, Some(&outcome)),
            Err(e) => {
                tracing::error!(error = %e, intent = pending.id, "cannot record a change's outcome");
                log(0, Some(pending.id), &pending.intent, Some(&outcome));
            }
        }
    }
}

fn tracking_id(e: &AppError) -> Option<String> {
    match e {
        AppError::Upstream { tracking_id, .. } => tracking_id.clone(),
        _ => None,
    }
}

/// One structured line per entry (JSON with `CONSOLE_LOG_FORMAT=json`).
fn log(id: i64, intent_id: Option<i64>, intent: &Intent, outcome: Option<&Outcome>) {
    let (result, error, tracking) = match outcome {
        None => ("intent", None, None),
        Some(Outcome::Done { .. }) => ("done", None, None),
        Some(Outcome::Failed { error, tracking_id }) => {
            ("failed", Some(error.as_str()), tracking_id.as_deref())
        }
    };
    let group_id = match outcome {
        Some(Outcome::Done {
            group_id: Some(id), ..
        }) => Some(id.as_str()),
        _ => intent.group_id.as_deref(),
    };
    tracing::info!(
        target: "audit",
        audit_id = id,
        intent_id,
        request_id = %intent.request_id,
        actor_id = %intent.actor_id,
        actor_name = %intent.actor_name,
        action = intent.action.as_str(),
        group_id,
        group_name = %intent.group_name,
        result,
        error,
        tracking_id = tracking,
        "sync group change"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::{Connection, PolicyInfo, SourceInfo};

    fn before() -> GroupDetail {
        GroupDetail {
            id: "g1".into(),
            name: "Corporate".into(),
            policy: PolicyInfo {
                id: "p1".into(),
                name: Some("Standard".into()),
                description: None,
                rules: None,
            },
            sources: vec![SourceInfo {
                id: "s1".into(),
                name: Some("Active Directory".into()),
                source_type: None,
                connector: None,
                connection: Connection::Direct,
                password_feature: true,
                healthy: Some(true),
                status: None,
            }],
            created: None,
            modified: None,
        }
    }

    #[test]
    fn records_read_back_as_groups_named_from_the_group_as_it_was() {
        let before = before();
        assert_eq!(
            group_from_record(&group(&before), None),
            Some(before.clone())
        );
        let asked = draft(&GroupDraft {
            name: "New name".into(),
            policy_id: "p1".into(),
            source_ids: vec!["s1".into(), "unknown-id".into()],
        });
        let after = group_from_record(&asked, Some(&before)).expect("read");
        assert_eq!(after.name, "New name");
        assert_eq!(after.sources[0].label(), "Active Directory");
        assert_eq!(after.sources[1].label(), "Unknown (unknown-id)");
        assert_eq!(after.policy, before.policy);
    }
}
