-- When each job was last handed to Discord (unix milliseconds) and on which lane (a
-- channel id, or dm:USER). Written in the same transaction that claims the job, before
-- the request goes out, so a restarted dispatcher knows what the last few seconds sent
-- and keeps inside Discord's windows instead of starting them afresh.
ALTER TABLE job ADD COLUMN attempted_at_ms INTEGER;
ALTER TABLE job ADD COLUMN lane TEXT;
CREATE INDEX job_recent_attempts ON job (attempted_at_ms) WHERE attempted_at_ms IS NOT NULL;
