-- Drop-ins: each opening window is a weekly series of its group (so the horizon roll
-- materialises it as sessions and the rota staffs them unchanged), remembered here
-- with the weekday and wall times it was given; closed days (a bank holiday); and
-- who is on duty now (/dropin here until the window ends or /dropin leave).

CREATE TABLE dropin_window (
    series_id  INTEGER PRIMARY KEY REFERENCES series (id),
    group_id   INTEGER NOT NULL REFERENCES meeting_group (id),
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- Monday = 0
    from_local TEXT NOT NULL,                                      -- 14:00
    to_local   TEXT NOT NULL,                                      -- 16:00; at or before from_local: next day
    cleared_at INTEGER                                             -- /dropin hours clear:yes
);
CREATE INDEX dropin_window_group ON dropin_window (group_id) WHERE cleared_at IS NULL;

CREATE TABLE dropin_closed_day (
    group_id   INTEGER NOT NULL REFERENCES meeting_group (id),
    local_date TEXT NOT NULL,
    reason     TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, local_date)
);

-- One row per stint on duty, [from_at, until_at); a leave sets until_at to then.
CREATE TABLE dropin_duty (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER NOT NULL REFERENCES meeting_group (id),
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    from_at      INTEGER NOT NULL,
    until_at     INTEGER NOT NULL CHECK (until_at > from_at)
);
CREATE INDEX dropin_duty_group ON dropin_duty (group_id, until_at);
