//! The audit record in `console_audit`: append-only (this module has no update or delete, and
//! the schema refuses both). A change is two entries: its intent, written before the call to
//! ISC, and its outcome, written after it and pointing at the intent.

use serde::Serialize;
use sqlx::Row as _;

use super::Database;

/// What a change set out to do.
#[derive(Debug, Clone, Serialize)]
pub struct Intent {
    pub request_id: String,
    /// ISC identity id of the administrator (their user name when ISC gave no id).
    pub actor_id: String,
    pub actor_name: String,
    pub action: Action,
    /// `None` for a create (ISC assigns the id).
    pub group_id: Option<String>,
    pub group_name: String,
    /// The group as it was (JSON), for updates and deletes.
    pub before: Option<serde_json::Value>,
    /// The group as asked for (JSON), for creates and updates.
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }

    fn parse(text: &str) -> Option<Action> {
        match text {
            "create" => Some(Action::Create),
            "update" => Some(Action::Update),
            "delete" => Some(Action::Delete),
            _ => None,
        }
    }
}

/// How a change ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// ISC made the change; `group_id` is the group's id (a create's new id), `after` the group
    /// as ISC answered it.
    Done {
        group_id: Option<String>,
        after: Option<serde_json::Value>,
    },
    /// ISC (or the way to it) refused or failed; nothing is known to have changed.
    Failed {
        error: String,
        tracking_id: Option<String>,
    },
}

/// One stored entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub recorded_at: i64,
    /// `intent` or `outcome`.
    pub entry: String,
    pub intent_id: Option<i64>,
    pub request_id: String,
    pub actor_id: String,
    pub actor_name: String,
    pub action: Option<Action>,
    pub group_id: Option<String>,
    pub group_name: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub tracking_id: Option<String>,
}

#[derive(Clone)]
pub struct AuditTable {
    db: Database,
}

fn json(value: Option<&serde_json::Value>) -> Option<String> {
    value.map(serde_json::Value::to_string)
}

impl AuditTable {
    pub fn new(db: Database) -> AuditTable {
        AuditTable { db }
    }

    /// Appends the intent of a change; returns its id (for the outcome).
    pub async fn intent(&self, intent: &Intent) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO console_audit (recorded_at, entry, request_id, actor_id, actor_name,
                 action, group_id, group_name, before_json, after_json)
             VALUES ($1, 'intent', $2, $3, $4, $5, $6, $7, $8, $9)
             RETURNING id",
        )
        .bind(super::now())
        .bind(&intent.request_id)
        .bind(&intent.actor_id)
        .bind(&intent.actor_name)
        .bind(intent.action.as_str())
        .bind(&intent.group_id)
        .bind(&intent.group_name)
        .bind(json(intent.before.as_ref()))
        .bind(json(intent.after.as_ref()))
        .fetch_one(self.db.pool())
        .await
    }

    /// Appends the outcome of the change whose intent is `intent_id`.
    pub async fn outcome(
        &self,
        intent_id: i64,
        intent: &Intent,
        outcome: &Outcome,
    ) -> Result<i64, sqlx::Error> {
        let (label, group_id, after, error, tracking_id) = match outcome {
            Outcome::Done { group_id, after } => (
                "done",
                group_id.clone().or_else(|| intent.group_id.clone()),
                json(after.as_ref()),
                None,
                None,
            ),
            Outcome::Failed { error, tracking_id } => (
                "failed",
                intent.group_id.clone(),
                None,
                Some(error.clone()),
                tracking_id.clone(),
            ),
        };
        sqlx::query_scalar(
            "INSERT INTO console_audit (recorded_at, entry, intent_id, request_id, actor_id,
                 actor_name, action, group_id, group_name, after_json, outcome, error, tracking_id)
             VALUES ($1, 'outcome', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             RETURNING id",
        )
        .bind(super::now())
        .bind(intent_id)
        .bind(&intent.request_id)
        .bind(&intent.actor_id)
        .bind(&intent.actor_name)
        .bind(intent.action.as_str())
        .bind(group_id)
        .bind(&intent.group_name)
        .bind(after)
        .bind(label)
        .bind(error)
        .bind(tracking_id)
        .fetch_one(self.db.pool())
        .await
    }

    /// The newest `limit` entries, newest first.
    pub async fn recent(&self, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, recorded_at, entry, intent_id, request_id, actor_id, actor_name, action,
                 group_id, group_name, before_json, after_json, outcome, error, tracking_id
             FROM console_audit ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let parse = |text: Option<String>| {
                    text.and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                };
                Ok(Entry {
                    id: row.try_get(0)?,
                    recorded_at: row.try_get(1)?,
                    entry: row.try_get(2)?,
                    intent_id: row.try_get(3)?,
                    request_id: row.try_get(4)?,
                    actor_id: row.try_get(5)?,
                    actor_name: row.try_get(6)?,
                    action: Action::parse(&row.try_get::<String, _>(7)?),
                    group_id: row.try_get(8)?,
                    group_name: row.try_get(9)?,
                    before: parse(row.try_get(10)?),
                    after: parse(row.try_get(11)?),
                    outcome: row.try_get(12)?,
                    error: row.try_get(13)?,
                    tracking_id: row.try_get(14)?,
                })
            })
            .collect()
    }
}
