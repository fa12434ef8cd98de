-- Calendar feeds a member can subscribe to, and the version number each session's
-- calendar event carries.
--
-- A feed is a community's (group_id NULL) or one group's, reached by an unguessable
-- token in its URL. Resetting a feed gives it a new token, so the old URL stops
-- working at once; there is one live token per community or group.
CREATE TABLE calendar_feed (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES community (id),
    group_id     INTEGER REFERENCES meeting_group (id),
    token        TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX calendar_feed_one_per_scope ON calendar_feed (community_id, COALESCE(group_id, 0));

-- RFC 5545 SEQUENCE: calendars replace an event only when it rises, so it is bumped
-- on every change of a session's time or status (moved, moved back, re-timed,
-- cancelled, restored). The UID never changes.
ALTER TABLE session ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
