-- A session's jobs (card, card edits, reminders) are planned only once its first job
-- is near; until then this says when the horizon roll should plan them (unix seconds),
-- and it is NULL once they are planned or when the session needs none. Sessions
-- already stored have their jobs, so they start NULL. The partial index keeps the
-- roll's "whose jobs are due to be planned?" a range probe over the waiting few.
ALTER TABLE session ADD COLUMN plan_jobs_at INTEGER;
CREATE INDEX session_plan_jobs_at ON session (plan_jobs_at) WHERE plan_jobs_at IS NOT NULL;
