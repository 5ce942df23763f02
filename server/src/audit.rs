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
