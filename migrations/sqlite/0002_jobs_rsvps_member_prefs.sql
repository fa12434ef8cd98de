-- The outbox: everything hearth will post later is a job row first. Plus the
-- minimum the reminders need to know about members: RSVPs and DM preferences.

CREATE TABLE job (
    id                INTEGER PRIMARY KEY,
    community_id      TEXT NOT NULL,
    kind              TEXT NOT NULL,             -- reminder | dm-reminder | notice | cancellation
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
    updated_at        INTEGER NOT NULL
);
-- The dispatcher's questions: what is due next, and what is due now.
CREATE INDEX job_pending_due ON job (state, due_at);
CREATE INDEX job_session ON job (session_id);
CREATE INDEX job_community_updated ON job (community_id, updated_at);

CREATE TABLE rsvp (
    session_id       INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('going', 'maybe', 'not-going', 'waitlisted')),
    waitlist_position INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

CREATE TABLE member_prefs (
    community_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    dm_reminders INTEGER NOT NULL DEFAULT 0,
    timezone     TEXT,
    PRIMARY KEY (community_id, user_id)
);

-- Retries wait for next_attempt_at; the dispatcher asks for the earliest of them.
CREATE INDEX job_retry ON job (next_attempt_at) WHERE state = 'pending' AND next_attempt_at IS NOT NULL;
