-- Skipping expired jobs runs before every dispatcher step: index the jobs it looks at,
-- so it is a range probe and not a scan of every waiting job.
CREATE INDEX job_expiry ON job (expires_at) WHERE state IN ('pending', 'sending') AND expires_at IS NOT NULL;
