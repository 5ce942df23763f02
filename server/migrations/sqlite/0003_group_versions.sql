-- What the console knows of each sync group's version in ISC, to notice changes made outside it
-- (SQLite, the embedded default). The PostgreSQL migration beside this one creates the same
-- tables; keep them in step. Only additions: a replica of the previous version keeps working.

-- The last version of each group the console knows: read from ISC, or written by the console.
-- `version` is `GroupDetail::version()`, `group_json` the `GroupDetail`, `modified_at` its
-- `modified` in Unix seconds (a read older than what is known is a stale read, not a change),
-- `known_since` when this version (or the deletion) became known, `seen_at` when the console
-- last read this one group (lists count in `console_reads`), `deleted_at` when it was seen gone.
-- Mutable state, not a record: what happened goes to `console_audit` (entry `observed`).
CREATE TABLE console_group_versions (
    group_id TEXT PRIMARY KEY NOT NULL,
    version TEXT NOT NULL,
    group_json TEXT NOT NULL,
    modified_at INTEGER,
    known_since INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    deleted_at INTEGER
);

-- When the console last read something whole from ISC: `what` = `list` for the complete list
-- of groups (its first read is the baseline: before it, no group counts as created outside).
CREATE TABLE console_reads (
    what TEXT PRIMARY KEY NOT NULL,
    read_at INTEGER NOT NULL
);

-- Changes noticed outside the console are rows of the append-only `console_audit` with
-- `entry` = `observed` (no actor: ISC does not say who). Its triggers stay as they are.
-- Finding a change's outcome, and the console's recent changes, without reading it all:
CREATE INDEX console_audit_intent ON console_audit (intent_id);
CREATE INDEX console_audit_recorded ON console_audit (recorded_at);
