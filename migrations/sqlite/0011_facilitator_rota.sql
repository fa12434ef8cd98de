-- The facilitator rota: each group's pool, time away, who holds each session's
-- places, offers of a shift to the pool, and the group's rota settings. A member's
-- choice to be named on cards as a facilitator lives with their preferences.

CREATE TABLE rota_facilitator (
    group_id     INTEGER NOT NULL REFERENCES meeting_group (id),
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    lead         INTEGER NOT NULL DEFAULT 0,
    monthly_cap  INTEGER CHECK (monthly_cap IS NULL OR monthly_cap > 0),
    active       INTEGER NOT NULL DEFAULT 1,
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX rota_facilitator_user ON rota_facilitator (user_id);

-- Time away, [from_at, to_at); group_id NULL means every group.
CREATE TABLE rota_away (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    group_id     INTEGER REFERENCES meeting_group (id),
    from_at      INTEGER NOT NULL,
    to_at        INTEGER NOT NULL CHECK (to_at > from_at),
    created_at   INTEGER NOT NULL
);
CREATE INDEX rota_away_user ON rota_away (community_id, user_id);

CREATE TABLE rota_assignment (
    session_id   INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'assigned'
                 CHECK (state IN ('assigned', 'confirmed', 'declined', 'swap-offered')),
    how          TEXT NOT NULL CHECK (how IN ('auto', 'manual', 'swap')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX rota_assignment_user ON rota_assignment (user_id);

-- A shift offered to the pool: a swap (the offerer keeps it until taken) or a place
-- released by "Can't do it" (open now). Taking is one conditional UPDATE on state.
CREATE TABLE rota_offer (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id   INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    from_user    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('swap', 'release')),
    state        TEXT NOT NULL DEFAULT 'open'
                 CHECK (state IN ('open', 'awaiting-approval', 'taken', 'withdrawn')),
    taken_by     TEXT,
    taken_name   TEXT,
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER
);
CREATE INDEX rota_offer_session ON rota_offer (session_id, state);

CREATE TABLE rota_settings (
    group_id      INTEGER PRIMARY KEY REFERENCES meeting_group (id),
    auto_fill     INTEGER NOT NULL DEFAULT 1,
    swap_approval TEXT NOT NULL DEFAULT 'none' CHECK (swap_approval IN ('none', 'coordinator')),
    rota_channel  TEXT
);

ALTER TABLE member_prefs ADD COLUMN show_name_on_rota INTEGER NOT NULL DEFAULT 1;
