-- Care and privacy: how long the audit trail is kept, whether reports hide small
-- numbers, and the counts that outlive the details they were made from.
--
-- When a member's answers are forgotten, or attendance older than the community's
-- retention period is purged, the rows go but what they added to the figures stays:
-- per session (attendances, first-time attendances, facilitator shifts held) and per
-- group and month (distinct attendees), so a report over the period reads the same.

ALTER TABLE community ADD COLUMN audit_retention_days INTEGER NOT NULL DEFAULT 730
    CHECK (audit_retention_days > 0);
-- Reports show counts from 1 to 4 as "fewer than 5" unless this is 0.
ALTER TABLE community ADD COLUMN suppress_small_counts INTEGER NOT NULL DEFAULT 1;

-- Set on a member's remaining answers in a group when earlier ones were purged: they
-- have been before, so a later attendance is not counted as their first.
ALTER TABLE rsvp ADD COLUMN seen_before INTEGER NOT NULL DEFAULT 0;

CREATE TABLE session_tally (
    session_id  INTEGER PRIMARY KEY REFERENCES session (id) ON DELETE CASCADE,
    attended    INTEGER NOT NULL DEFAULT 0,
    first_time  INTEGER NOT NULL DEFAULT 0,
    shifts_held INTEGER NOT NULL DEFAULT 0
);

-- month: 'YYYY-MM' in the group's zone.
CREATE TABLE month_tally (
    group_id  INTEGER NOT NULL REFERENCES meeting_group (id),
    month     TEXT NOT NULL,
    attendees INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, month)
);

-- Each run of the daily retention job, for /status: when, and what it removed.
CREATE TABLE retention_run (
    id                 INTEGER PRIMARY KEY,
    community_id       TEXT NOT NULL,
    ran_at             INTEGER NOT NULL,
    answers_removed    INTEGER NOT NULL DEFAULT 0,
    shifts_removed     INTEGER NOT NULL DEFAULT 0,
    messages_removed   INTEGER NOT NULL DEFAULT 0,
    audit_removed      INTEGER NOT NULL DEFAULT 0,
    error              TEXT
);
CREATE INDEX retention_run_community ON retention_run (community_id, ran_at);
