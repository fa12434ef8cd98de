-- The foundation: communities, groups, meeting series, their materialised sessions,
-- and the audit trail of every change a facilitator or coordinator makes.
-- Instants are unix seconds (UTC); local wall times are ISO text in the group's zone.

CREATE TABLE community (
    id               TEXT PRIMARY KEY,          -- Discord guild id, or 'console'
    timezone         TEXT,                      -- default IANA zone for new groups
    coordinator_role TEXT,                      -- role id that counts as coordinator
    alerts_channel   TEXT,
    support_text     TEXT,
    retention_days   INTEGER NOT NULL DEFAULT 365 CHECK (retention_days > 0),
    created_at       INTEGER NOT NULL
);

CREATE TABLE meeting_group (
    id                    INTEGER PRIMARY KEY,
    community_id          TEXT NOT NULL REFERENCES community (id),
    name                  TEXT NOT NULL,
    name_key              TEXT NOT NULL,        -- lower-cased name: unique per community
    description           TEXT,
    kind                  TEXT NOT NULL DEFAULT 'meeting' CHECK (kind IN ('meeting', 'drop-in')),
    channel               TEXT NOT NULL,
    timezone              TEXT NOT NULL,
    capacity              INTEGER CHECK (capacity IS NULL OR capacity > 0),
    facilitators_needed   INTEGER NOT NULL DEFAULT 1 CHECK (facilitators_needed >= 0),
    privacy               TEXT NOT NULL DEFAULT 'headcount' CHECK (privacy IN ('private', 'headcount', 'public')),
    reminder_offsets      TEXT NOT NULL DEFAULT '24h,1h',
    announce_lead_minutes INTEGER NOT NULL DEFAULT 10080,
    archived_at           INTEGER,
    created_at            INTEGER NOT NULL,
    UNIQUE (community_id, name_key)
);

CREATE TABLE series (
    id               INTEGER PRIMARY KEY,
    group_id         INTEGER NOT NULL REFERENCES meeting_group (id),
    repeat           TEXT NOT NULL,             -- how the coordinator described it
    rrule            TEXT NOT NULL,             -- RFC 5545 RRULE body, evaluated in local wall time
    start_local      TEXT NOT NULL,             -- first session, local wall time: 2026-03-10T18:30:00
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    location         TEXT,
    ended_after      TEXT,                      -- local date: no sessions after it (/meeting end)
    created_by       TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX series_group ON series (group_id);

CREATE TABLE session (
    id          INTEGER PRIMARY KEY,
    series_id   INTEGER NOT NULL REFERENCES series (id),
    local_date  TEXT NOT NULL,                  -- the rule's local date: the stable key
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled', 'moved')),
    note        TEXT,                           -- cancellation reason or move note
    card_channel TEXT,
    card_message TEXT,
    UNIQUE (series_id, local_date)
);
CREATE INDEX session_starts_at ON session (starts_at);

CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    detail       TEXT,
    at           INTEGER NOT NULL
);
CREATE INDEX audit_community_at ON audit (community_id, at);
