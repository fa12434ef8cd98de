-- The process that holds a job's claim (engine.instance): a process that restarts
-- takes back its own claims at once, while those of other processes sharing a
-- PostgreSQL queue wait out their lease (see store::jobs::interrupted).
ALTER TABLE job ADD COLUMN claimed_by TEXT;
