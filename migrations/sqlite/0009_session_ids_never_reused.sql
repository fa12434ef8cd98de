-- no-transaction
-- A session's number is never given to another session. Without AUTOINCREMENT SQLite
-- hands out the highest id plus one, so when the latest sessions are removed (a series
-- ended) the next series' sessions took their numbers, and with them their jobs' keys
-- (`card:12`): the new sessions found those jobs already skipped and got no card and
-- no reminders, and the audit trail's "session #12" meant two sessions. SQLite can't
-- add AUTOINCREMENT to a table, so it is rebuilt by SQLite's own recipe: foreign keys
-- off, outside a transaction (the pragma is ignored inside one), the rebuild in one
-- transaction, then foreign keys back on.

PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

CREATE TABLE session_rebuilt (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id    INTEGER NOT NULL REFERENCES series (id),
    local_date   TEXT NOT NULL,                 -- the rule's local date: the stable key
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled', 'moved')),
    note         TEXT,                          -- cancellation reason or move note
    card_channel TEXT,
    card_message TEXT,
    plan_jobs_at INTEGER,                       -- when the roll plans its jobs; NULL once planned
    UNIQUE (series_id, local_date)
);

INSERT INTO session_rebuilt (id, series_id, local_date, starts_at, ends_at, status, note,
        card_channel, card_message, plan_jobs_at)
    SELECT id, series_id, local_date, starts_at, ends_at, status, note,
        card_channel, card_message, plan_jobs_at
    FROM session;

DROP TABLE session;

ALTER TABLE session_rebuilt RENAME TO session;

CREATE INDEX session_starts_at ON session (starts_at);
CREATE INDEX session_plan_jobs_at ON session (plan_jobs_at) WHERE plan_jobs_at IS NOT NULL;

-- Numbers already used by sessions that were removed live on in their jobs' keys:
-- new sessions start above those too.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'session', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'session');
UPDATE sqlite_sequence
    SET seq = MAX(seq,
                  (SELECT COALESCE(MAX(id), 0) FROM session),
                  (SELECT COALESCE(MAX(session_id), 0) FROM job))
    WHERE name = 'session';

COMMIT;

PRAGMA foreign_keys = ON;
