-- Check-in prompts: each group's deck of prompts, its rotation (a stored shuffle bag),
-- and its schedule. Every post itself is a job in the outbox, as everything else is.

CREATE TABLE prompt (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id     INTEGER NOT NULL REFERENCES meeting_group (id),
    text         TEXT NOT NULL,
    content_note TEXT,
    state        TEXT NOT NULL CHECK (state IN ('approved', 'pending', 'retired')),
    -- 'group': added by a facilitator or coordinator; 'default': from hearth's own deck;
    -- 'member': submitted by a member and reviewed.
    source       TEXT NOT NULL DEFAULT 'group' CHECK (source IN ('group', 'default', 'member')),
    -- Who submitted it, only to tell them privately when it is approved: never shown
    -- with the prompt.
    submitted_by TEXT,
    reviewed_by  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX prompt_group_state ON prompt (group_id, state);

-- A group's deck settings and its rotation. `remaining` and `drawn` are comma lists of
-- prompt ids: the rest of this cycle in draw order, and what the cycle has drawn.
CREATE TABLE prompt_deck (
    group_id     INTEGER PRIMARY KEY REFERENCES meeting_group (id),
    use_default  INTEGER NOT NULL DEFAULT 0,
    remaining    TEXT NOT NULL DEFAULT '',
    drawn        TEXT NOT NULL DEFAULT '',
    last_prompt  INTEGER,
    cycle        INTEGER NOT NULL DEFAULT 0,
    rng          INTEGER NOT NULL,
    -- Set when an empty deck has been reported to the alerts channel, cleared when a
    -- prompt is approved: one note per empty spell, not one per tick.
    empty_noted  INTEGER NOT NULL DEFAULT 0
);

-- When a group's prompts are posted: a 5-field crontab line in the group's zone, or
-- 'session-start'; with a thread on each post or not; paused or not.
CREATE TABLE prompt_schedule (
    group_id   INTEGER PRIMARY KEY REFERENCES meeting_group (id),
    timing     TEXT NOT NULL,
    thread     INTEGER NOT NULL DEFAULT 0,
    paused     INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
