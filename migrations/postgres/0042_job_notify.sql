-- Processes sharing this database wake each other: a job that is (again) waiting to
-- be sent notifies `hearth_jobs`, which every dispatcher listens on (store::jobs::
-- wake_on_changes). PostgreSQL only: on SQLite one process owns the file and wakes
-- its own dispatcher. Notifications go out as the transaction commits, and the same
-- one is sent once per transaction however many rows it touched.
CREATE FUNCTION hearth_job_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hearth_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER job_waiting AFTER INSERT OR UPDATE ON job
    FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION hearth_job_waiting();
