-- The quarterly "what has this group meant to you?", optional per community (off until
-- a coordinator turns it on with /setup quarterly:yes).
--
-- A round is one quarter's question going out, with when its answers close. An answer
-- is kept with its community, quarter and day only: no member id, no name. So that a
-- member answers once, a separate table keeps a one-way marker per member who answered
-- (a keyed hash of the quarter and the member under the community's secret), with no
-- answer and no time and no rowid; the markers go when the round closes. Words of a
-- member's own are for coordinators only, and go with the retention run.
ALTER TABLE community ADD COLUMN quarterly INTEGER NOT NULL DEFAULT 0 CHECK (quarterly IN (0, 1));

CREATE TABLE quarterly_round (
    community_id TEXT NOT NULL REFERENCES community (id),
    quarter      TEXT NOT NULL,
    sent_at      INTEGER NOT NULL,
    closes_at    INTEGER NOT NULL,
    PRIMARY KEY (community_id, quarter)
);

CREATE TABLE quarterly_answer (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES community (id),
    quarter      TEXT NOT NULL,
    confident    TEXT CHECK (confident IN ('yes', 'a-little', 'no')),
    in_control   TEXT CHECK (in_control IN ('yes', 'a-little', 'no')),
    hopeful      TEXT CHECK (hopeful IN ('yes', 'a-little', 'no')),
    words        TEXT,
    -- The day (UTC midnight) it came, not the moment: nothing to match with a DM's time.
    answered_on  INTEGER NOT NULL
);
CREATE INDEX quarterly_answer_quarter ON quarterly_answer (community_id, quarter);

CREATE TABLE quarterly_marker (
    community_id TEXT NOT NULL,
    quarter      TEXT NOT NULL,
    marker       TEXT NOT NULL,
    PRIMARY KEY (community_id, quarter, marker)
) WITHOUT ROWID;
