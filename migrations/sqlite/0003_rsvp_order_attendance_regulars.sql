-- RSVPs keep the order they were accepted in (first come, first served), the name
-- to show where a group's privacy allows it, and attendance. Regulars can answer for
-- every session of a series at once.

ALTER TABLE rsvp ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE rsvp ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rsvp ADD COLUMN attended INTEGER NOT NULL DEFAULT 0;
CREATE INDEX rsvp_session_state_seq ON rsvp (session_id, state, seq);
CREATE INDEX rsvp_user ON rsvp (user_id);

CREATE TABLE series_rsvp (
    series_id    INTEGER NOT NULL REFERENCES series (id),
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (series_id, user_id)
);
