-- The job queue's claim reads two small ordered sets instead of one index over every
-- job (`postgres/jobs.rs`, `claim`): the queued jobs by due time, and the running jobs,
-- whose expired leases it takes over first. Partial indexes hold only those rows, so
-- the thousands of jobs that have ended cost a claim nothing. The running jobs are few
-- (one per busy worker), so their index holds a column no heartbeat changes, and a
-- heartbeat rewrites no index entry.
DROP INDEX job_due;
CREATE INDEX job_queued ON job (run_after, id) WHERE status = 'queued';
CREATE INDEX job_running ON job (id) WHERE status = 'running';
