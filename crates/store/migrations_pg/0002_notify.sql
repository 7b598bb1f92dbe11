-- Processes sharing this database learn of each other's changes at once, through
-- LISTEN/NOTIFY, instead of by polling (`postgres/notify.rs` listens):
--
-- * `medialib_jobs`: a job was queued, so idle workers in every process try to claim it.
--   Retries are not announced: their `run_after` lies in the future, which the workers'
--   polling finds.
-- * `medialib_assets`: an asset or its variants changed, so every process's delivery
--   cache stops trusting the facts it holds (`MetadataStore::asset_generation`).
--
-- One notification per statement: PostgreSQL folds identical notifications of one
-- transaction into one, and delivers them at commit, never for a rolled-back change.
-- The payload is the writer's `application_name`, unique per process (`PgStore::open`
-- sets it), so a process can tell its own changes, which it has counted already.

CREATE FUNCTION medialib_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('medialib_jobs', '');
    RETURN NULL;
END
$$;

CREATE FUNCTION medialib_notify_assets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('medialib_assets', current_setting('application_name'));
    RETURN NULL;
END
$$;

CREATE TRIGGER job_queued AFTER INSERT ON job
    FOR EACH STATEMENT EXECUTE FUNCTION medialib_notify_jobs();

CREATE TRIGGER asset_changed AFTER INSERT OR UPDATE OR DELETE ON asset
    FOR EACH STATEMENT EXECUTE FUNCTION medialib_notify_assets();

CREATE TRIGGER variant_changed AFTER INSERT OR UPDATE OR DELETE ON variant
    FOR EACH STATEMENT EXECUTE FUNCTION medialib_notify_assets();
