-- A drop-in's cards offer one answer, "I might come" (answers:yes), or none at all
-- (answers:no, the default: a drop-in needs no RSVP). A group with no row has no.

CREATE TABLE dropin_settings (
    group_id INTEGER PRIMARY KEY REFERENCES meeting_group (id),
    answers  INTEGER NOT NULL DEFAULT 0 CHECK (answers IN (0, 1))
);
