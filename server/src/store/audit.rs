//! The audit record in `console_audit`: append-only (this module has no update or delete, and
//! the schema refuses both). A change made through the console is two entries: its intent,
//! written before the call to ISC, and its outcome, written after it and pointing at the intent.
//! A change made outside the console is one entry, `observed`, written when the console noticed
//! it (see `crate::audit::Audit::observe_list`): no actor (ISC does not say who), the group as
//! the console knew it before and as it found it.

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

    pub fn parse(text: &str) -> Option<Action> {
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

/// A change made outside the console, as one observation found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observed {
    /// Created, changed or deleted.
    pub action: Action,
    pub group_id: String,
    pub group_name: String,
    /// The group as the console knew it (JSON), for changes and deletes.
    pub before: Option<serde_json::Value>,
    /// The group as the console found it (JSON), for creates and changes.
    pub after: Option<serde_json::Value>,
    /// When the console noticed it (Unix seconds).
    pub at: i64,
}

/// A change recently made through the console, for telling the console's own changes from
/// outside ones when a read races with the write.
#[derive(Debug, Clone)]
pub struct ConsoleWrite {
    pub action: Action,
    /// The group's id: the intent's, or a create's from its outcome (`None` while a create has
    /// no outcome).
    pub group_id: Option<String>,
    /// The group as it was (JSON `GroupDetail`), for updates and deletes.
    pub before: Option<serde_json::Value>,
    /// The group as asked for (the draft's JSON), for creates and updates.
    pub asked: Option<serde_json::Value>,
    /// The group as ISC answered (JSON `GroupDetail`), once done.
    pub answered: Option<serde_json::Value>,
    /// ISC refused or failed (nothing changed).
    pub failed: bool,
}

/// One stored entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub recorded_at: i64,
    /// `intent`, `outcome` or `observed`.
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

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Appends a change noticed outside the console, inside the caller's transaction (with the
    /// change of the known version it tells of); returns its id.
    pub async fn observed(
        conn: &mut sqlx::AnyConnection,
        observed: &Observed,
    ) -> Result<i64, sqlx::Error> {
        // No request, no actor: ISC does not say who made it (empty, not invented).
        sqlx::query_scalar(
            "INSERT INTO console_audit (recorded_at, entry, request_id, actor_id, actor_name,
                 action, group_id, group_name, before_json, after_json)
             VALUES ($1, 'observed', '', '', '', $2, $3, $4, $5, $6)
             RETURNING id",
        )
        .bind(observed.at)
        .bind(observed.action.as_str())
        .bind(&observed.group_id)
        .bind(&observed.group_name)
        .bind(json(observed.before.as_ref()))
        .bind(json(observed.after.as_ref()))
        .fetch_one(conn)
        .await
    }

    /// The changes made through the console whose intent was recorded at `since` or later,
    /// with their outcome where there is one.
    pub async fn console_writes_since(&self, since: i64) -> Result<Vec<ConsoleWrite>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT i.action, i.group_id, i.before_json, i.after_json, o.outcome, o.group_id,
                 o.after_json
             FROM console_audit i
             LEFT JOIN console_audit o ON o.intent_id = i.id AND o.entry = 'outcome'
             WHERE i.entry = 'intent' AND i.recorded_at >= $1",
        )
        .bind(since)
        .fetch_all(self.db.pool())
        .await?;
        let parse = |text: Option<String>| {
            text.and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        };
        let mut writes = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(action) = Action::parse(&row.try_get::<String, _>(0)?) else {
                continue;
            };
            let outcome: Option<String> = row.try_get(4)?;
            let failed = outcome.as_deref() == Some("failed");
            writes.push(ConsoleWrite {
                action,
                group_id: row
                    .try_get::<Option<String>, _>(5)?
                    .or(row.try_get::<Option<String>, _>(1)?),
                before: parse(row.try_get(2)?),
                asked: parse(row.try_get(3)?),
                answered: if failed { None } else { parse(row.try_get(6)?) },
                failed,
            });
        }
        Ok(writes)
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

/// Changes per page of history.
pub const HISTORY_PAGE: usize = 50;

impl AuditTable {
    /// A page of changes, newest first, as the history pages show them: each intent with its
    /// outcome (or none: outcome unknown), and each change noticed outside the console;
    /// filtered by group (a create counts for the group it made), by who (part of their name,
    /// any case; "outside" for changes made outside the console) and by time. The page says
    /// when the console last read the group (or the list of groups) from ISC.
    /// The policy each source had just before a change through the console added it to a
    /// group (the latest such change per source; changes ISC refused are left out): what
    /// the coverage compares a group's policy with. Source id → policy id.
    pub async fn previous_policies(
        &self,
    ) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
        let rows: Vec<Option<String>> = sqlx::query_scalar(
            "SELECT i.after_json FROM console_audit i
             JOIN console_audit o ON o.intent_id = i.id AND o.entry = 'outcome'
             WHERE i.entry = 'intent' AND o.outcome = 'done'
               AND i.after_json LIKE '%\"previousPolicies\"%'
             ORDER BY i.id",
        )
        .fetch_all(self.db.pool())
        .await?;
        let mut previous = std::collections::HashMap::new();
        for row in rows.into_iter().flatten() {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&row) else {
                continue;
            };
            if let Some(map) = value
                .get(crate::audit::PREVIOUS_POLICIES)
                .and_then(|v| v.as_object())
            {
                for (source, policy) in map {
                    if let Some(policy) = policy.as_str() {
                        previous.insert(source.clone(), policy.to_string());
                    }
                }
            }
        }
        Ok(previous)
    }

    pub async fn history(
        &self,
        filter: &app::model::history::HistoryFilter,
    ) -> Result<app::model::history::HistoryPage, sqlx::Error> {
        use crate::audit::group_from_record;
        use app::model::history::{
            HistoryAction, HistoryEntry, HistoryOrigin, HistoryOutcome, HistoryPage, change_lines,
            who_means_outside,
        };

        // Read first: an entry newer than the page's `as_of` would look like a change from the
        // future on the page.
        let as_of = super::now();
        let checked_at = super::versions::VersionTable::new(self.db.clone())
            .checked_at(filter.group_id.as_deref())
            .await?;

        // Only the conditions asked for, each with its own parameter (PostgreSQL cannot type a
        // parameter that is only compared with NULL). Entries of a kind this version does not
        // know (a newer replica's) are left out.
        let mut conditions = vec!["entry IN ('intent', 'observed')".to_string()];
        let mut texts: Vec<String> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        let mut next = 1;
        let mut param = |conditions: &mut Vec<String>, sql: &dyn Fn(usize) -> String| {
            conditions.push(sql(next));
            next += 1;
        };
        if let Some(group) = &filter.group_id {
            param(&mut conditions, &|n| {
                format!(
                    "(group_id = ${n} OR id IN (SELECT intent_id FROM console_audit \
                     WHERE entry = 'outcome' AND group_id = ${n}))"
                )
            });
            texts.push(group.clone());
        }
        if let Some(who) = filter
            .who
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            // Outside changes have no name (an empty one, which no pattern of a non-empty
            // `who` matches); "outside" asks for them.
            let outside = if who_means_outside(who) {
                "entry = 'observed' OR "
            } else {
                ""
            };
            param(&mut conditions, &|n| {
                format!("({outside}LOWER(actor_name) LIKE ${n} ESCAPE '\\')")
            });
            let escaped: String = who
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            texts.push(format!("%{escaped}%"));
        }
        let text_count = texts.len();
        for (value, op) in [
            (filter.from, "recorded_at >="),
            (filter.until, "recorded_at <"),
            (filter.before, "id <"),
        ] {
            if let Some(value) = value {
                param(&mut conditions, &|n| format!("{op} ${n}"));
                numbers.push(value);
            }
        }
        let limit_param = next;
        let sql = format!(
            "SELECT id, recorded_at, actor_name, action, group_id, group_name, before_json, \
             after_json, entry FROM console_audit WHERE {} ORDER BY id DESC LIMIT ${limit_param}",
            conditions.join(" AND ")
        );
        let mut query = sqlx::query(&sql);
        for text in &texts {
            query = query.bind(text);
        }
        for number in &numbers {
            query = query.bind(number);
        }
        debug_assert_eq!(text_count + numbers.len() + 1, limit_param);
        let fetch = i64::try_from(HISTORY_PAGE + 1).unwrap_or(i64::MAX);
        let mut rows = query.bind(fetch).fetch_all(self.db.pool()).await?;
        let more = rows.len() > HISTORY_PAGE;
        rows.truncate(HISTORY_PAGE);

        // The outcomes of these intents, in one query over their id range.
        let ids: Vec<i64> = rows
            .iter()
            .map(|row| row.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?;
        let mut outcomes = std::collections::HashMap::new();
        if let (Some(low), Some(high)) = (ids.iter().min(), ids.iter().max()) {
            let rows = sqlx::query(
                "SELECT intent_id, outcome, group_id, after_json, error, tracking_id \
                 FROM console_audit WHERE entry = 'outcome' AND intent_id >= $1 AND intent_id <= $2",
            )
            .bind(low)
            .bind(high)
            .fetch_all(self.db.pool())
            .await?;
            for row in rows {
                let intent: i64 = row.try_get(0)?;
                outcomes.insert(
                    intent,
                    (
                        row.try_get::<Option<String>, _>(1)?,
                        row.try_get::<Option<String>, _>(2)?,
                        row.try_get::<Option<String>, _>(3)?,
                        row.try_get::<Option<String>, _>(4)?,
                        row.try_get::<Option<String>, _>(5)?,
                    ),
                );
            }
        }

        let parse = |text: Option<String>| {
            text.and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        };
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let action = match Action::parse(&row.try_get::<String, _>(3)?) {
                Some(Action::Create) => HistoryAction::Created,
                Some(Action::Update) => HistoryAction::Updated,
                Some(Action::Delete) => HistoryAction::Deleted,
                None => continue,
            };
            let before = parse(row.try_get(6)?).and_then(|v| group_from_record(&v, None));
            let recorded_after = parse(row.try_get(7)?);
            let outside = row.try_get::<String, _>(8)? == "observed";
            let (origin, outcome, group_id, after) = if outside {
                // Seen done: the group as the console found it.
                (
                    HistoryOrigin::Outside,
                    HistoryOutcome::Done,
                    None,
                    recorded_after,
                )
            } else {
                let (outcome, group_id, after) = match outcomes.remove(&id) {
                    Some((Some(label), group_id, _, error, tracking_id)) if label == "failed" => (
                        HistoryOutcome::Failed {
                            error: error.unwrap_or_default(),
                            tracking_id,
                        },
                        group_id,
                        recorded_after,
                    ),
                    Some((_, group_id, after, _, _)) => {
                        (HistoryOutcome::Done, group_id, parse(after))
                    }
                    None => (HistoryOutcome::Unknown, None, recorded_after),
                };
                (HistoryOrigin::Console, outcome, group_id, after)
            };
            let after = match action {
                HistoryAction::Deleted => None,
                _ => after.and_then(|v| group_from_record(&v, before.as_ref())),
            };
            entries.push(HistoryEntry {
                id,
                at: row.try_get(1)?,
                actor_name: row.try_get(2)?,
                action,
                origin,
                group_id: group_id.or(row.try_get(4)?),
                group_name: row.try_get(5)?,
                outcome,
                lines: change_lines(before.as_ref(), after.as_ref()),
            });
        }
        let older = if more { ids.last().copied() } else { None };
        Ok(HistoryPage {
            entries,
            older,
            as_of,
            checked_at,
        })
    }
}
