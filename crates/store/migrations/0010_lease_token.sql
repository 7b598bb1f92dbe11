-- Fencing tokens: every claim of a job takes a larger token, and every write a worker
-- makes for the job names its token, so a worker whose lease expired (and whose job
-- another worker claimed) can no longer record anything.
ALTER TABLE job ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
