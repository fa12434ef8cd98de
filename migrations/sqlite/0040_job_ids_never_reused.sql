-- no-transaction
-- A job's number is never given to another job. The number is the job's nonce
-- (`hearth-{id}`), which Discord uses to drop a repeat of the same message. Without
-- AUTOINCREMENT SQLite hands out the highest id plus one, so when the newest jobs were
-- removed (forgetting a facilitator removes the jobs addressed to them) the next job took
-- a number already sent with, and Discord could drop it as a repeat: a cancellation
-- notice lost without a trace (found by the simulator, seed 5075). SQLite can't add
-- AUTOINCREMENT to a table, so it is rebuilt by SQLite's own recipe, as the sessions were
-- in 0009: foreign keys off outside a transaction, the rebuild in one transaction, then
-- foreign keys back on.

PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

CREATE TABLE job_rebuilt (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id      TEXT NOT NULL,
    kind              TEXT NOT NULL,
    dedupe_key        TEXT NOT NULL UNIQUE,      -- one job per purpose, ever
    session_id        INTEGER,                   -- the session it is about, if any
    target            TEXT,                      -- channel id, or user id for a DM
    payload           TEXT NOT NULL DEFAULT '{}',
    due_at            INTEGER NOT NULL,
    expires_at        INTEGER,                   -- not posted after this; skipped instead
    state             TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER,                   -- after a transient failure
    last_error        TEXT,
    fell_back         INTEGER NOT NULL DEFAULT 0,-- delivered another way (a DM became a notice)
    delivered_channel TEXT,
    delivered_message TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    attempted_at_ms   INTEGER,
    lane              TEXT,
    unsure_since_ms   INTEGER
);

INSERT INTO job_rebuilt (id, community_id, kind, dedupe_key, session_id, target, payload,
        due_at, expires_at, state, attempts, next_attempt_at, last_error, fell_back,
        delivered_channel, delivered_message, created_at, updated_at, attempted_at_ms,
        lane, unsure_since_ms)
    SELECT id, community_id, kind, dedupe_key, session_id, target, payload,
        due_at, expires_at, state, attempts, next_attempt_at, last_error, fell_back,
        delivered_channel, delivered_message, created_at, updated_at, attempted_at_ms,
        lane, unsure_since_ms
    FROM job;

DROP TABLE job;

ALTER TABLE job_rebuilt RENAME TO job;

CREATE INDEX job_pending_due ON job (state, due_at);
CREATE INDEX job_session ON job (session_id);
CREATE INDEX job_community_updated ON job (community_id, updated_at);
CREATE INDEX job_retry ON job (next_attempt_at) WHERE state = 'pending' AND next_attempt_at IS NOT NULL;
CREATE INDEX job_due_first_try ON job (due_at) WHERE state = 'pending' AND next_attempt_at IS NULL;
CREATE INDEX job_expiry ON job (expires_at) WHERE state IN ('pending', 'sending') AND expires_at IS NOT NULL;
CREATE INDEX job_recent_attempts ON job (attempted_at_ms) WHERE attempted_at_ms IS NOT NULL;

-- New jobs start above every number already used.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'job', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'job');
UPDATE sqlite_sequence
    SET seq = MAX(seq, (SELECT COALESCE(MAX(id), 0) FROM job))
    WHERE name = 'job';

COMMIT;

PRAGMA foreign_keys = ON;
