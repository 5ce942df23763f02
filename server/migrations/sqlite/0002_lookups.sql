-- Who looked up whom (SQLite, the embedded default): every person search and every person page
-- a console user opened, shown to administrators. The PostgreSQL migration beside this one
-- creates the same table; keep them in step.

-- `kind` is `search` (`subject`: the text searched for) or `view` (`subject`: the person's
-- display name, `person_id`: their identity id). No CHECK on `kind`: a newer version may record
-- a kind this version does not know (rolling upgrade); readers skip such rows.
CREATE TABLE console_lookups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_user TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    person_id TEXT
);
-- Pages of the record, newest first: keyset on (recorded_at, id).
CREATE INDEX console_lookups_recorded ON console_lookups (recorded_at, id);

-- Append-only, whatever code or SQL console tries otherwise.
CREATE TRIGGER console_lookups_no_update BEFORE UPDATE ON console_lookups
BEGIN
    SELECT RAISE(ABORT, 'the lookup record is append-only');
END;
CREATE TRIGGER console_lookups_no_delete BEFORE DELETE ON console_lookups
BEGIN
    SELECT RAISE(ABORT, 'the lookup record is append-only');
END;
