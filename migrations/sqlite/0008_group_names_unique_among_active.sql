-- no-transaction
-- A group's name is unique among the community's active groups only, so a group
-- that is starting again can take the name of one that was archived (whose history
-- is kept under its old row). SQLite can't drop a table constraint, so the table is
-- rebuilt by SQLite's own recipe: foreign keys off, outside a transaction (the pragma
-- is ignored inside one), the rebuild in one transaction, then foreign keys back on.

PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

CREATE TABLE meeting_group_rebuilt (
    id                    INTEGER PRIMARY KEY,
    community_id          TEXT NOT NULL REFERENCES community (id),
    name                  TEXT NOT NULL,
    name_key              TEXT NOT NULL,        -- lower-cased name: unique among active groups
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
    created_at            INTEGER NOT NULL
);

INSERT INTO meeting_group_rebuilt (id, community_id, name, name_key, description, kind, channel,
        timezone, capacity, facilitators_needed, privacy, reminder_offsets, announce_lead_minutes,
        archived_at, created_at)
    SELECT id, community_id, name, name_key, description, kind, channel,
        timezone, capacity, facilitators_needed, privacy, reminder_offsets, announce_lead_minutes,
        archived_at, created_at
    FROM meeting_group;

DROP TABLE meeting_group;

ALTER TABLE meeting_group_rebuilt RENAME TO meeting_group;

-- One active group per name; archived ones keep theirs, any number of times over.
CREATE UNIQUE INDEX meeting_group_active_name ON meeting_group (community_id, name_key)
    WHERE archived_at IS NULL;

-- Finding a group by name, archived ones too (the active one is preferred).
CREATE INDEX meeting_group_name ON meeting_group (community_id, name_key, archived_at);

COMMIT;

PRAGMA foreign_keys = ON;
