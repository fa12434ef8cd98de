-- What difference the group makes, and care for those who facilitate.
--
-- A check-out answer ("How are you leaving today?") is kept with its session and time
-- only: no member id, no name. So that one member counts once, a separate table keeps
-- a one-way marker per member who answered (a keyed hash of the session and the
-- member, under a secret per community), with no answer and no time; it has no rowid,
-- so the order of its rows can't be matched with the answers'. The markers go once the
-- check-out has closed (24 hours after the session ends).

-- Per group: whether its ended cards ask how members are leaving, and whether its
-- facilitators get a debrief DM after each session. A group with no row has both on.
CREATE TABLE outcome_settings (
    group_id INTEGER PRIMARY KEY REFERENCES meeting_group (id),
    checkout INTEGER NOT NULL DEFAULT 1 CHECK (checkout IN (0, 1)),
    debrief  INTEGER NOT NULL DEFAULT 1 CHECK (debrief IN (0, 1))
);

-- The key of each community's markers, made once, never shown.
CREATE TABLE outcome_secret (
    community_id TEXT PRIMARY KEY,
    secret       TEXT NOT NULL
);

CREATE TABLE checkout_answer (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    answer      TEXT NOT NULL CHECK (answer IN ('better', 'same', 'not-so-good')),
    answered_at INTEGER NOT NULL
);
CREATE INDEX checkout_answer_session ON checkout_answer (session_id);

CREATE TABLE checkout_marker (
    session_id INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    marker     TEXT NOT NULL,
    PRIMARY KEY (session_id, marker)
) WITHOUT ROWID;

-- A facilitator's answer to "How did it go?" after a session: all fine, or something
-- to flag with a note for coordinators. Theirs: in their export, gone when they are
-- forgotten, and removed with attendance by the retention run.
CREATE TABLE debrief (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    answer      TEXT NOT NULL CHECK (answer IN ('fine', 'flag')),
    note        TEXT,
    answered_at INTEGER NOT NULL,
    UNIQUE (session_id, user_id)
);

-- How many facilitators flagged something after each session: counted as the flag is
-- made, so a report's "sessions flagged" outlives the notes (retention, forget).
ALTER TABLE session_tally ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
