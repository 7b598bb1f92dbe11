-- The job queue's claim reads two small ordered sets instead of one index over every
-- job (`sqlite/jobs.rs`, `claim`): the queued jobs by due time, and the running jobs,
-- whose expired leases it takes over first. Partial indexes hold only those rows, so
-- the thousands of jobs that have ended cost a claim nothing.
DROP INDEX job_due;
CREATE INDEX job_queued ON job (run_after, id) WHERE status = 'queued';
CREATE INDEX job_running ON job (lease_until) WHERE status = 'running';
