//! Documents submitted for a plan, in `console_plans`: the text as submitted, who submitted it
//! and when, and once applied the report. The plan itself is not stored: it is computed again
//! on every view, against the tenant as it is then.

use sqlx::Row as _;

use super::Database;

/// One submitted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    pub id: String,
    pub created_at: i64,
    /// The submitter's ISC user name.
    pub created_by: String,
    pub created_by_name: String,
    pub document: String,
    /// Set when an apply started (the one that runs; others find it set).
    pub started_at: Option<i64>,
    pub applied_at: Option<i64>,
    pub applied_by_name: Option<String>,
    /// The `ApplyReport` as JSON, once applied.
    pub report_json: Option<String>,
}

#[derive(Clone)]
pub struct PlanTable {
    db: Database,
}

const COLUMNS: &str = "id, created_at, created_by, created_by_name, document, started_at, \
                       applied_at, applied_by_name, report_json";

impl PlanTable {
    pub fn new(db: Database) -> PlanTable {
        PlanTable { db }
    }

    /// Stores `document` (the caller has checked its size) and returns its new id: 128 random
    /// bits in hex, so one plan's address says nothing about another's.
    pub async fn insert(
        &self,
        created_by: &str,
        created_by_name: &str,
        document: &str,
    ) -> Result<String, sqlx::Error> {
        let id: String = rand::random::<[u8; 16]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        sqlx::query(
            "INSERT INTO console_plans (id, created_at, created_by, created_by_name, document)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(super::now())
        .bind(created_by)
        .bind(created_by_name)
        .bind(document)
        .execute(self.db.pool())
        .await?;
        Ok(id)
    }

    pub async fn get(&self, id: &str) -> Result<Option<StoredPlan>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM console_plans WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?;
        row.map(|row| {
            Ok(StoredPlan {
                id: row.try_get("id")?,
                created_at: row.try_get("created_at")?,
                created_by: row.try_get("created_by")?,
                created_by_name: row.try_get("created_by_name")?,
                document: row.try_get("document")?,
                started_at: row.try_get("started_at")?,
                applied_at: row.try_get("applied_at")?,
                applied_by_name: row.try_get("applied_by_name")?,
                report_json: row.try_get("report_json")?,
            })
        })
        .transpose()
    }

    /// Claims the plan for an apply: true for exactly one caller, and only while it has not
    /// been applied (a second click, or a second replica, gets false).
    pub async fn start(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE console_plans SET started_at = $1
             WHERE id = $2 AND started_at IS NULL AND report_json IS NULL",
        )
        .bind(super::now())
        .bind(id)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the claim back: the apply wrote nothing (the plan had changed, or the tenant could
    /// not be read), so the plan may be applied later.
    pub async fn release(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE console_plans SET started_at = NULL WHERE id = $1 AND report_json IS NULL",
        )
        .bind(id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Keeps what the apply did.
    pub async fn finish(
        &self,
        id: &str,
        applied_by_name: &str,
        report_json: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE console_plans SET applied_at = $1, applied_by_name = $2, report_json = $3
             WHERE id = $4",
        )
        .bind(super::now())
        .bind(applied_by_name)
        .bind(report_json)
        .bind(id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }
}
