-- The dispatcher's "when is the next job due?" must stay a single index probe with
-- 100,000 jobs waiting: index exactly the jobs it asks about.
CREATE INDEX job_due_first_try ON job (due_at) WHERE state = 'pending' AND next_attempt_at IS NULL;
