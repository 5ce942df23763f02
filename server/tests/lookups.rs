//! The record of who looked up whom (`console_lookups`), on both databases the console runs on:
//! SQLite in a temporary data directory, and a throwaway PostgreSQL cluster (the same scenarios,
//! each in its own database). Entries come back newest first, page after page, without gaps or
//! repeats also when many share a second; subjects are cleaned and capped; nothing recorded can
//! be changed or removed.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions"
)]

#[path = "support/postgres.rs"]
mod postgres;

use app::model::people::{LookupEntry, LookupKind};
use postgres::PgCluster;
use server::store::lookups::{LookupTable, NewLookup, SUBJECT_MAX_CHARS};
use server::store::{Database, Dialect, Location};
use tempfile::TempDir;

async fn sqlite() -> (TempDir, Database) {
    let dir = tempfile::tempdir().expect("a temporary data directory");
    let location = Location::Sqlite {
        data_dir: dir.path().join("data"),
    };
    let db = Database::open(&location).await.expect("open SQLite");
    (dir, db)
}

async fn postgres_database(pg: &PgCluster, name: &str) -> Database {
    let location = Location::Postgres {
        url: server::config::Secret::new(pg.create_database(name).await),
    };
    let db = Database::open(&location).await.expect("open PostgreSQL");
    assert_eq!(db.dialect(), Dialect::Postgres);
    db
}

fn lookup(kind: LookupKind, subject: &str, person_id: Option<&str>) -> NewLookup {
    NewLookup {
        request_id: "0123456789abcdef0123456789abcdef".into(),
        actor_id: "2c9180857182305e0171993735622948".into(),
        actor_user: "helen.helpdesk".into(),
        actor_name: "Helen Helpdesk".into(),
        actor_role: "helpdesk".into(),
        kind,
        subject: subject.into(),
        person_id: person_id.map(str::to_string),
    }
}

/// A row written directly (a chosen time, or a kind this version does not know).
async fn insert_raw(db: &Database, recorded_at: i64, kind: &str, subject: &str) {
    sqlx::query(
        "INSERT INTO console_lookups (recorded_at, request_id, actor_id, actor_user, actor_name,
             actor_role, kind, subject, person_id)
         VALUES ($1, 'r', 'a', 'u', 'n', 'admin', $2, $3, NULL)",
    )
    .bind(recorded_at)
    .bind(kind)
    .bind(subject)
    .execute(db.pool())
    .await
    .expect("insert a lookup row");
}

/// Every entry, following `older` from the newest, `page_size` at a time; with each page's
/// length checked.
async fn all_pages(table: &LookupTable, page_size: usize) -> Vec<LookupEntry> {
    let mut entries = Vec::new();
    let mut before = None;
    for _ in 0..1000 {
        let page = table.page(before, page_size).await.expect("a page");
        assert!(page.entries.len() <= page_size, "{page:?}");
        entries.extend(page.entries);
        match page.older {
            Some(older) => before = Some(older),
            None => return entries,
        }
    }
    panic!("paging does not end");
}

fn subjects(entries: &[LookupEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.subject.as_str()).collect()
}

// --- Scenarios, run on each database ---

async fn recorded_lookups_come_back_newest_first(db: Database) {
    let table = LookupTable::new(db);
    let empty = table.page(None, 10).await.unwrap();
    assert!(
        empty.entries.is_empty() && empty.older.is_none(),
        "{empty:?}"
    );

    let start = server::store::now();
    table
        .record(&lookup(LookupKind::Search, "olivia", None))
        .await
        .unwrap();
    table
        .record(&lookup(LookupKind::View, "Olivia Smith", Some("p-olivia")))
        .await
        .unwrap();
    let end = server::store::now();

    let page = table.page(None, 10).await.unwrap();
    assert_eq!(page.older, None, "everything fits");
    assert_eq!(page.entries.len(), 2, "{page:?}");
    let (view, search) = (&page.entries[0], &page.entries[1]);
    assert_eq!(view.kind, LookupKind::View, "the newest first");
    assert_eq!(view.subject, "Olivia Smith");
    assert_eq!(view.person_id.as_deref(), Some("p-olivia"));
    assert_eq!(search.kind, LookupKind::Search);
    assert_eq!(search.subject, "olivia");
    assert_eq!(search.person_id, None);
    for entry in [view, search] {
        assert_eq!(entry.actor_user, "helen.helpdesk");
        assert_eq!(entry.actor_name, "Helen Helpdesk");
        assert_eq!(entry.actor_role, "helpdesk");
        assert!((start..=end).contains(&entry.at), "{entry:?}");
    }

    // One at a time: the same two, then the end.
    let first = table.page(None, 1).await.unwrap();
    assert_eq!(subjects(&first.entries), ["Olivia Smith"]);
    let older = first.older.expect("an older page");
    let second = table.page(Some(older), 1).await.unwrap();
    assert_eq!(subjects(&second.entries), ["olivia"]);
    assert_eq!(second.older, None, "nothing older");
}

async fn pages_have_no_gaps_or_repeats_within_a_second(db: Database) {
    let table = LookupTable::new(db.clone());
    // 31 known rows over 4 seconds, inserted out of time order (ids do not follow the time),
    // most of them sharing their second with others; and one of a kind from a newer version.
    let base = 1_700_000_000;
    let mut expected = Vec::new();
    for i in 0..31_i64 {
        let at = base + (i * 3) % 4;
        let subject = format!("s{i:02}");
        insert_raw(&db, at, "search", &subject).await;
        expected.push((at, i, subject));
    }
    insert_raw(&db, base + 2, "export", "from a newer version").await;
    // Newest first: by time, then by insertion.
    expected.sort_by_key(|&(at, i, _)| std::cmp::Reverse((at, i)));
    let expected: Vec<&str> = expected.iter().map(|(_, _, s)| s.as_str()).collect();

    for page_size in [1, 3, 4, 7, 31, 32, 100] {
        let entries = all_pages(&table, page_size).await;
        assert_eq!(subjects(&entries), expected, "pages of {page_size}");
    }
    let times: Vec<i64> = all_pages(&table, 5).await.iter().map(|e| e.at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    // 32 rows, 4 a page: the last page is full and says there is nothing older; the page with
    // the unknown kind holds one entry fewer but goes on.
    let mut before = None;
    let mut sizes = Vec::new();
    loop {
        let page = table.page(before, 4).await.unwrap();
        sizes.push(page.entries.len());
        match page.older {
            Some(older) => before = Some(older),
            None => break,
        }
    }
    assert_eq!(sizes.len(), 8, "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), 31, "{sizes:?}");
    assert_eq!(sizes.iter().filter(|&&n| n == 3).count(), 1, "{sizes:?}");
    assert_eq!(sizes.last(), Some(&4), "{sizes:?}");

    // Lookups recorded while someone reads the record do not shift the pages being read. (The
    // first 10 rows hold the unknown kind: 9 entries.)
    let first = table.page(None, 10).await.unwrap();
    assert_eq!(subjects(&first.entries), expected[..9]);
    for n in 0..3 {
        table
            .record(&lookup(LookupKind::Search, &format!("meanwhile {n}"), None))
            .await
            .unwrap();
    }
    let mut rest = Vec::new();
    let mut before = first.older;
    while let Some(cursor) = before {
        let page = table.page(Some(cursor), 10).await.unwrap();
        rest.extend(page.entries);
        before = page.older;
    }
    assert_eq!(subjects(&rest), expected[9..]);
    let newest = table.page(None, 3).await.unwrap();
    assert_eq!(
        subjects(&newest.entries),
        ["meanwhile 2", "meanwhile 1", "meanwhile 0"]
    );

    // A cursor that is no entry's id gives nothing; a limit of 0 is taken as 1.
    let nowhere = table.page(Some(1_000_000), 10).await.unwrap();
    assert!(nowhere.entries.is_empty() && nowhere.older.is_none());
    assert_eq!(table.page(None, 0).await.unwrap().entries.len(), 1);
}

async fn subjects_are_cleaned_and_capped(db: Database) {
    let table = LookupTable::new(db);
    let long = format!("  \u{1b}[31m{}\n\r\t", "Ü".repeat(SUBJECT_MAX_CHARS + 100));
    table
        .record(&lookup(LookupKind::Search, &long, None))
        .await
        .unwrap();
    table
        .record(&lookup(
            LookupKind::View,
            "Ann\u{0}a\u{7f} Lee",
            Some("p-anna"),
        ))
        .await
        .unwrap();
    let page = table.page(None, 10).await.unwrap();
    assert_eq!(page.entries[0].subject, "Anna Lee");
    let stored = &page.entries[1].subject;
    assert_eq!(stored.chars().count(), SUBJECT_MAX_CHARS, "{stored}");
    assert!(
        stored.starts_with("[31mÜÜ"),
        "the escape character is gone: {stored}"
    );
    assert!(stored.chars().all(|c| !c.is_control()), "{stored:?}");
    assert_eq!(
        stored,
        &format!("[31m{}", "Ü".repeat(SUBJECT_MAX_CHARS - 4))
    );
}

async fn the_lookup_record_is_append_only(db: Database) {
    let table = LookupTable::new(db.clone());
    table
        .record(&lookup(LookupKind::Search, "olivia", None))
        .await
        .unwrap();
    table
        .record(&lookup(LookupKind::View, "Olivia Smith", Some("p-olivia")))
        .await
        .unwrap();
    let before = table.page(None, 10).await.unwrap();
    assert_eq!(before.entries.len(), 2);

    let mut statements = vec![
        "UPDATE console_lookups SET subject = 'nobody'",
        "UPDATE console_lookups SET actor_user = 'someone.else' WHERE kind = 'view'",
        "DELETE FROM console_lookups",
        "DELETE FROM console_lookups WHERE kind = 'search'",
    ];
    if db.dialect() == Dialect::Postgres {
        statements.push("TRUNCATE console_lookups");
    }
    for statement in statements {
        let refused = sqlx::query(statement)
            .execute(db.pool())
            .await
            .expect_err(statement);
        assert!(
            refused.to_string().contains("append-only"),
            "{statement}: {refused}"
        );
    }
    assert_eq!(table.page(None, 10).await.unwrap(), before, "unchanged");
}

// --- SQLite ---

#[tokio::test]
async fn sqlite_recorded_lookups_come_back_newest_first() {
    let (_dir, db) = sqlite().await;
    recorded_lookups_come_back_newest_first(db).await;
}

#[tokio::test]
async fn sqlite_pages_have_no_gaps_or_repeats_within_a_second() {
    let (_dir, db) = sqlite().await;
    pages_have_no_gaps_or_repeats_within_a_second(db).await;
}

#[tokio::test]
async fn sqlite_subjects_are_cleaned_and_capped() {
    let (_dir, db) = sqlite().await;
    subjects_are_cleaned_and_capped(db).await;
}

#[tokio::test]
async fn sqlite_the_lookup_record_is_append_only() {
    let (_dir, db) = sqlite().await;
    the_lookup_record_is_append_only(db).await;
}

#[tokio::test]
async fn sqlite_the_record_survives_reopening() {
    let (dir, db) = sqlite().await;
    LookupTable::new(db.clone())
        .record(&lookup(LookupKind::View, "Olivia Smith", Some("p-olivia")))
        .await
        .unwrap();
    db.pool().close().await;
    let location = Location::Sqlite {
        data_dir: dir.path().join("data"),
    };
    let reopened = Database::open(&location).await.expect("reopen SQLite");
    let page = LookupTable::new(reopened).page(None, 10).await.unwrap();
    assert_eq!(subjects(&page.entries), ["Olivia Smith"]);
}

// --- PostgreSQL (a throwaway cluster; one database per scenario) ---

#[tokio::test]
async fn postgres_keeps_the_same_record() {
    let pg = PgCluster::start().await;
    recorded_lookups_come_back_newest_first(postgres_database(&pg, "newest_first").await).await;
    pages_have_no_gaps_or_repeats_within_a_second(postgres_database(&pg, "paging").await).await;
    subjects_are_cleaned_and_capped(postgres_database(&pg, "subjects").await).await;
    the_lookup_record_is_append_only(postgres_database(&pg, "append_only").await).await;
    // The schema: the same columns, append-only triggers and the paging index.
    let triggers = pg
        .superuser_psql_in(
            "append_only",
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'console_lookups'::regclass \
             ORDER BY tgname",
        )
        .await;
    assert_eq!(
        triggers,
        "console_lookups_no_change\nconsole_lookups_no_truncate"
    );
    let index = pg
        .superuser_psql_in(
            "append_only",
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'console_lookups_recorded'",
        )
        .await;
    assert!(index.ends_with("(recorded_at, id)"), "{index}");
}
