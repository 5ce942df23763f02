//! What the console knows of each sync group's version in ISC (`console_group_versions`), and
//! when it last read the complete list of groups (`console_reads`): the baseline against which
//! changes made outside the console are noticed (see [`crate::audit::Audit::observe_list`]).
//!
//! This is state, not a record: rows change. Changes of a row that stand for a change noticed
//! outside the console are conditional (`WHERE version = <the one read>`), so of several
//! replicas noticing the same change at the same moment exactly one wins and records it.

use std::collections::HashMap;

use app::model::GroupDetail;
use app::model::when::parse_rfc3339;
use sqlx::Row as _;

use super::Database;

/// The `console_reads` row of the complete list of groups.
const LIST: &str = "list";

/// A group as the console knows it (without its JSON: what a comparison needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// [`GroupDetail::version`].
    pub version: String,
    /// ISC's `modified`, Unix seconds.
    pub modified_at: Option<i64>,
    /// When this version (or the deletion) became known.
    pub known_since: i64,
    /// When the console last read this one group (or wrote it).
    pub seen_at: i64,
    /// When the group was seen gone.
    pub deleted_at: Option<i64>,
}

impl Known {
    pub fn deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// A group's `modified` in Unix seconds.
pub fn modified_at(group: &GroupDetail) -> Option<i64> {
    group.modified.as_deref().and_then(parse_rfc3339)
}

fn group_json(group: &GroupDetail) -> String {
    serde_json::to_string(group).unwrap_or_default()
}

#[derive(Clone)]
pub struct VersionTable {
    db: Database,
}

const KNOWN_COLUMNS: &str = "group_id, version, modified_at, known_since, seen_at, deleted_at";

fn known(row: &sqlx::any::AnyRow) -> Result<(String, Known), sqlx::Error> {
    Ok((
        row.try_get(0)?,
        Known {
            version: row.try_get(1)?,
            modified_at: row.try_get(2)?,
            known_since: row.try_get(3)?,
            seen_at: row.try_get(4)?,
            deleted_at: row.try_get(5)?,
        },
    ))
}

impl VersionTable {
    pub fn new(db: Database) -> VersionTable {
        VersionTable { db }
    }

    /// Every group the console knows (deleted ones included), in one query.
    pub async fn all(&self) -> Result<HashMap<String, Known>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {KNOWN_COLUMNS} FROM console_group_versions"
        ))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(known).collect()
    }

    /// One group as the console knows it.
    pub async fn one(&self, id: &str) -> Result<Option<Known>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {KNOWN_COLUMNS} FROM console_group_versions WHERE group_id = $1"
        ))
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(row.as_ref().map(known).transpose()?.map(|(_, k)| k))
    }

    /// The group as the console last knew it (for a deleted one: as it was before).
    pub async fn group(&self, id: &str) -> Result<Option<GroupDetail>, sqlx::Error> {
        let json: Option<String> =
            sqlx::query_scalar("SELECT group_json FROM console_group_versions WHERE group_id = $1")
                .bind(id)
                .fetch_optional(self.db.pool())
                .await?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// When the console last read the complete list of groups; `None`: never, so there is no
    /// baseline yet.
    pub async fn list_read_at(&self) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT read_at FROM console_reads WHERE what = $1")
            .bind(LIST)
            .fetch_optional(self.db.pool())
            .await
    }

    /// The complete list was read at `at` (never moves back: replicas' clocks and reads
    /// interleave).
    pub async fn list_read(&self, at: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO console_reads (what, read_at) VALUES ($1, $2)
             ON CONFLICT (what) DO UPDATE SET read_at = excluded.read_at
             WHERE console_reads.read_at < excluded.read_at",
        )
        .bind(LIST)
        .bind(at)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// The group `id` was read on its own at `at`.
    pub async fn seen(&self, id: &str, at: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE console_group_versions SET seen_at = $2
             WHERE group_id = $1 AND seen_at < $2",
        )
        .bind(id)
        .bind(at)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// When the console last read the group `id` (on its own or in the complete list), or for
    /// `None` the complete list.
    pub async fn checked_at(&self, id: Option<&str>) -> Result<Option<i64>, sqlx::Error> {
        let list = self.list_read_at().await?;
        let Some(id) = id else {
            return Ok(list);
        };
        let one: Option<i64> =
            sqlx::query_scalar("SELECT seen_at FROM console_group_versions WHERE group_id = $1")
                .bind(id)
                .fetch_optional(self.db.pool())
                .await?;
        Ok(one.max(list))
    }

    /// The console itself made or changed `group` (ISC's answer): it is the known version,
    /// whatever was known before.
    pub async fn written(&self, group: &GroupDetail, at: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO console_group_versions
                 (group_id, version, group_json, modified_at, known_since, seen_at, deleted_at)
             VALUES ($1, $2, $3, $4, $5, $5, NULL)
             ON CONFLICT (group_id) DO UPDATE SET version = excluded.version,
                 group_json = excluded.group_json, modified_at = excluded.modified_at,
                 known_since = excluded.known_since, seen_at = excluded.seen_at,
                 deleted_at = NULL",
        )
        .bind(&group.id)
        .bind(group.version())
        .bind(group_json(group))
        .bind(modified_at(group))
        .bind(at)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// The console itself deleted the group `id`; `was` is the group as it was (kept, so the
    /// group's history can say what went).
    pub async fn written_deleted(
        &self,
        id: &str,
        was: Option<&GroupDetail>,
        at: i64,
    ) -> Result<(), sqlx::Error> {
        let done = sqlx::query(
            "UPDATE console_group_versions SET deleted_at = $2, known_since = $2, seen_at = $2
             WHERE group_id = $1",
        )
        .bind(id)
        .bind(at)
        .execute(self.db.pool())
        .await?;
        if done.rows_affected() > 0 {
            return Ok(());
        }
        let Some(was) = was else {
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO console_group_versions
                 (group_id, version, group_json, modified_at, known_since, seen_at, deleted_at)
             VALUES ($1, $2, $3, $4, $5, $5, $5)
             ON CONFLICT (group_id) DO UPDATE SET deleted_at = excluded.deleted_at,
                 known_since = excluded.known_since, seen_at = excluded.seen_at",
        )
        .bind(id)
        .bind(was.version())
        .bind(group_json(was))
        .bind(modified_at(was))
        .bind(at)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }
}

/// A row's change as an observation found it, applied only if the row is still as it was read
/// (`known`): the winner among replicas noticing the same change at once. Inside the caller's
/// transaction, so the row and the audit entry that tells of it go together.
pub struct Transition<'a> {
    pub id: &'a str,
    /// The row as read (`None`: there was none).
    pub known: Option<&'a Known>,
    /// The group as now read (`None`: gone).
    pub now: Option<&'a GroupDetail>,
    pub at: i64,
}

impl Transition<'_> {
    /// Applies the change; whether this caller made it (false: the row had changed meanwhile,
    /// someone else recorded it).
    pub async fn apply(&self, conn: &mut sqlx::AnyConnection) -> Result<bool, sqlx::Error> {
        let done = match (self.known, self.now) {
            (None, None) => return Ok(false),
            (None, Some(group)) => {
                sqlx::query(
                    "INSERT INTO console_group_versions (group_id, version, group_json,
                         modified_at, known_since, seen_at, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $5, NULL)
                     ON CONFLICT (group_id) DO NOTHING",
                )
                .bind(self.id)
                .bind(group.version())
                .bind(group_json(group))
                .bind(modified_at(group))
                .bind(self.at)
                .execute(&mut *conn)
                .await?
            }
            (Some(known), Some(group)) => {
                sqlx::query(
                    "UPDATE console_group_versions SET version = $4, group_json = $5,
                         modified_at = $6, known_since = $7, seen_at = $7, deleted_at = NULL
                     WHERE group_id = $1 AND version = $2 AND COALESCE(deleted_at, -1) = $3",
                )
                .bind(self.id)
                .bind(&known.version)
                .bind(known.deleted_at.unwrap_or(-1))
                .bind(group.version())
                .bind(group_json(group))
                .bind(modified_at(group))
                .bind(self.at)
                .execute(&mut *conn)
                .await?
            }
            (Some(known), None) => {
                sqlx::query(
                    "UPDATE console_group_versions SET deleted_at = $3, known_since = $3,
                         seen_at = $3
                     WHERE group_id = $1 AND version = $2 AND deleted_at IS NULL",
                )
                .bind(self.id)
                .bind(&known.version)
                .bind(self.at)
                .execute(&mut *conn)
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }
}
