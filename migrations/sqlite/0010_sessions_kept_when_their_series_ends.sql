-- A session after its series' end is kept, cancelled and marked `ended`, instead of
-- being deleted: its members' answers stay with it, so if the coordinator extends the
-- series again the session comes back as it was (same number, same answers), and its
-- posted card can be redrawn to say it won't happen.
ALTER TABLE session ADD COLUMN ended INTEGER NOT NULL DEFAULT 0;
