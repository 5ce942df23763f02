-- Documents submitted for a plan ("sync groups as code", PostgreSQL, for replicas). The SQLite
-- migration beside this one creates the same table; keep them in step.

-- `id` is random (not a counter): a plan's address reveals nothing about others. `document` is
-- the text as submitted (at most 1 MB, checked before storing); the plan itself is computed
-- again on every view, against the tenant as it is then. `started_at` is set by the one apply
-- that runs (a second click finds it set); `report_json` is the `ApplyReport` it produced.
CREATE TABLE console_plans (
    id TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    document TEXT NOT NULL,
    started_at BIGINT,
    applied_at BIGINT,
    applied_by_name TEXT,
    report_json TEXT
);
-- For finding (and one day removing) plans by age.
CREATE INDEX console_plans_created ON console_plans (created_at);
