//! The record of who looked up whom in `console_lookups`: every person search and every person
//! page opened through the console, shown to administrators. Append-only like the audit record
//! (this module has no update or delete, and the schema refuses both).
//!
//! Pages go newest first, ordered by `(recorded_at, id)`. The cursor for the next page is the
//! `id` of the last entry of the previous one (opaque to callers: [`LookupPage::older`], passed
//! back as `before_id`), so entries recorded in the same second are neither lost nor repeated
//! across pages, and entries recorded meanwhile do not shift the pages already read.

use app::model::people::{LookupEntry, LookupKind, LookupPage};
use sqlx::Row as _;

use super::Database;

/// The longest `subject` kept, in characters (longer ones are cut).
pub const SUBJECT_MAX_CHARS: usize = 200;

/// The most entries one [`LookupTable::page`] returns, whatever `limit` asks for.
pub const PAGE_MAX: usize = 500;

/// One lookup, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLookup {
    pub request_id: String,
    /// ISC identity id of the user who looked (their user name when ISC gave no id).
    pub actor_id: String,
    /// Their ISC user name.
    pub actor_user: String,
    /// Their display name.
    pub actor_name: String,
    /// Their console role (`admin`, `helpdesk`).
    pub actor_role: String,
    pub kind: LookupKind,
    /// What was searched for, or the display name of the person whose page was opened. Stored
    /// without control characters, trimmed, and cut to [`SUBJECT_MAX_CHARS`].
    pub subject: String,
    /// The person's identity id, for an opened page.
    pub person_id: Option<String>,
}

#[derive(Clone)]
pub struct LookupTable {
    db: Database,
}

/// `subject` as stored: control characters removed, surrounding white space trimmed, at most
/// [`SUBJECT_MAX_CHARS`] characters.
pub fn clean_subject(subject: &str) -> String {
    let printable: String = subject.chars().filter(|c| !c.is_control()).collect();
    printable.trim().chars().take(SUBJECT_MAX_CHARS).collect()
}

const COLUMNS: &str =
    "id, recorded_at, actor_user, actor_name, actor_role, kind, subject, person_id";

impl LookupTable {
    pub fn new(db: Database) -> LookupTable {
        LookupTable { db }
    }

    /// Appends one record (`recorded_at` = now), its subject cleaned by [`clean_subject`].
    pub async fn record(&self, lookup: &NewLookup) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO console_lookups (recorded_at, request_id, actor_id, actor_user,
                 actor_name, actor_role, kind, subject, person_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(super::now())
        .bind(&lookup.request_id)
        .bind(&lookup.actor_id)
        .bind(&lookup.actor_user)
        .bind(&lookup.actor_name)
        .bind(&lookup.actor_role)
        .bind(lookup.kind.as_str())
        .bind(clean_subject(&lookup.subject))
        .bind(&lookup.person_id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// One page of the record, newest first (by `recorded_at`, then `id`): up to `limit`
    /// entries (at least 1, at most [`PAGE_MAX`]) that come after the entry `before_id` in that
    /// order; `None` starts at the newest.
    ///
    /// `before_id` is a cursor, not a time: pass the previous page's
    /// [`older`](LookupPage::older), which is `Some` exactly when older entries exist. An id
    /// that is not in the record gives an empty page.
    ///
    /// Rows of a kind this version does not know (written by a newer one) are skipped, so a
    /// page may hold fewer than `limit` entries and still have an `older`.
    pub async fn page(
        &self,
        before_id: Option<i64>,
        limit: usize,
    ) -> Result<LookupPage, sqlx::Error> {
        let limit = limit.clamp(1, PAGE_MAX);
        // One more than asked: whether there is an older page.
        let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let rows = match before_id {
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM console_lookups
                     ORDER BY recorded_at DESC, id DESC LIMIT $1"
                ))
                .bind(fetch)
                .fetch_all(self.db.pool())
                .await?
            }
            Some(before_id) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM console_lookups
                     WHERE (recorded_at, id) <
                         (SELECT recorded_at, id FROM console_lookups WHERE id = $1)
                     ORDER BY recorded_at DESC, id DESC LIMIT $2"
                ))
                .bind(before_id)
                .bind(fetch)
                .fetch_all(self.db.pool())
                .await?
            }
        };
        let older = if rows.len() > limit {
            match rows.get(limit - 1) {
                Some(last) => Some(last.try_get::<i64, _>(0)?),
                None => None,
            }
        } else {
            None
        };
        let mut entries = Vec::with_capacity(limit);
        for row in rows.iter().take(limit) {
            let kind: String = row.try_get(5)?;
            let Some(kind) = LookupKind::parse(&kind) else {
                continue;
            };
            entries.push(LookupEntry {
                at: row.try_get(1)?,
                actor_user: row.try_get(2)?,
                actor_name: row.try_get(3)?,
                actor_role: row.try_get(4)?,
                kind,
                subject: row.try_get(6)?,
                person_id: row.try_get(7)?,
            });
        }
        Ok(LookupPage { entries, older })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_lose_control_characters_and_are_capped() {
        assert_eq!(clean_subject("  oli\u{0}via\n\t "), "olivia");
        assert_eq!(clean_subject("Olivia Smith"), "Olivia Smith");
        assert_eq!(clean_subject(""), "");
        let long = "é".repeat(SUBJECT_MAX_CHARS + 50);
        let cleaned = clean_subject(&long);
        assert_eq!(cleaned.chars().count(), SUBJECT_MAX_CHARS);
        assert!(cleaned.chars().all(|c| c == 'é'));
        // Removed before counting.
        let noisy = format!("{}{}", "\u{7}".repeat(10), "a".repeat(SUBJECT_MAX_CHARS));
        assert_eq!(clean_subject(&noisy), "a".repeat(SUBJECT_MAX_CHARS));
    }
}
