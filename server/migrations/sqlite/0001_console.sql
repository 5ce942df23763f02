-- Sessions, sealed ISC tokens and the audit record of the console (SQLite, the embedded default).
-- The PostgreSQL migration beside this one creates the same tables; keep them in step.

-- Browser sessions (tower-sessions records as JSON; no tokens in them).
CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);

-- A signed-in user's ISC tokens, sealed (see store::sealing). `refreshing_until`: a replica that
-- is refreshing them holds this lease, so the others wait for its result instead of spending
-- the refresh token a second time.
CREATE TABLE console_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    access_sealed BLOB NOT NULL,
    refresh_sealed BLOB,
    -- The console role ISC's user levels gave at the last check (`admin`, `helpdesk`).
    role TEXT NOT NULL,
    renew_at INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    refreshing_until INTEGER
);
CREATE INDEX console_tokens_ends_at ON console_tokens (ends_at);

-- Every change made through the console: an intent before the call to ISC, an outcome after it
-- (an intent without an outcome: the console stopped in between, outcome unknown).
CREATE TABLE console_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at INTEGER NOT NULL,
    entry TEXT NOT NULL,
    intent_id INTEGER REFERENCES console_audit (id),
    request_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    group_id TEXT,
    group_name TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    outcome TEXT,
    error TEXT,
    tracking_id TEXT
);
CREATE INDEX console_audit_group ON console_audit (group_id, id);

-- Append-only, whatever code or SQL console tries otherwise.
CREATE TRIGGER console_audit_no_update BEFORE UPDATE ON console_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit record is append-only');
END;
CREATE TRIGGER console_audit_no_delete BEFORE DELETE ON console_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit record is append-only');
END;
