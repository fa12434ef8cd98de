-- Sessions mirrored as Discord scheduled events (`/group edit events:yes|no`, on at
-- first): each session's own one-off EXTERNAL event, made when its card goes up.
ALTER TABLE meeting_group ADD COLUMN events INTEGER NOT NULL DEFAULT 1 CHECK (events IN (0, 1));

-- The event hearth made for a session, and a summary of what it says (so a change is
-- noticed). No foreign key: a session deleted while its event is up leaves the row
-- behind, so the sync still finds the event and removes it.
CREATE TABLE discord_event (
    session_id   INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX discord_event_community ON discord_event (community_id);

-- Why Discord last refused a community's events (a missing permission, its limit of
-- 100), shown in /status until an event goes through again.
CREATE TABLE event_problem (
    community_id TEXT PRIMARY KEY,
    problem      TEXT NOT NULL CHECK (problem IN ('permission', 'limit', 'refused')),
    detail       TEXT NOT NULL,
    since        INTEGER NOT NULL
);
