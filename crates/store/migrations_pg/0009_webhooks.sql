-- Webhooks: endpoints per namespace, the event outbox, and one delivery per event and
-- endpoint (see the SQLite migration 0018_webhooks.sql, which this mirrors).
--
-- The outbox is filled by triggers, so an event is written in the same transaction as
-- the change it reports: a crash loses none, and a rolled-back change sends none.

CREATE TABLE webhook (
    id              BIGSERIAL PRIMARY KEY,
    namespace_id    BIGINT  NOT NULL REFERENCES namespace (id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    description     TEXT,
    secret          TEXT    NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    failing_since   BIGINT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX webhook_by_namespace ON webhook (namespace_id);

CREATE TABLE event_outbox (
    id           BIGSERIAL PRIMARY KEY,
    event_type   TEXT   NOT NULL,
    namespace_id BIGINT NOT NULL,
    asset_id     UUID   NOT NULL,
    job_id       UUID,
    created_at   BIGINT NOT NULL
);

CREATE TABLE webhook_delivery (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
    message_id      TEXT   NOT NULL,
    event_type      TEXT   NOT NULL,
    payload         TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    response_status BIGINT,
    last_error      TEXT,
    duration_ms     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (status, next_attempt_at);
CREATE INDEX webhook_delivery_by_webhook ON webhook_delivery (webhook_id, id);

CREATE FUNCTION medialib_event(kind TEXT, namespace BIGINT, asset UUID, job UUID)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO event_outbox (event_type, namespace_id, asset_id, job_id, created_at)
    VALUES (kind, namespace, asset, job, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
$$;

CREATE FUNCTION medialib_asset_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM medialib_event('asset.created', NEW.namespace_id, NEW.id, NULL);
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM medialib_event('asset.purged', OLD.namespace_id, OLD.id, NULL);
        RETURN NULL;
    END IF;
    IF NEW.status IN ('ready', 'failed') AND OLD.status IS DISTINCT FROM NEW.status THEN
        PERFORM medialib_event('asset.' || NEW.status, NEW.namespace_id, NEW.id, NULL);
    END IF;
    IF (OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL) THEN
        PERFORM medialib_event(
            CASE WHEN NEW.deleted_at IS NULL THEN 'asset.restored' ELSE 'asset.trashed' END,
            NEW.namespace_id, NEW.id, NULL);
    END IF;
    IF OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description
       OR OLD.alt_text IS DISTINCT FROM NEW.alt_text OR OLD.is_public IS DISTINCT FROM NEW.is_public
       OR OLD.focal_x IS DISTINCT FROM NEW.focal_x OR OLD.focal_y IS DISTINCT FROM NEW.focal_y THEN
        PERFORM medialib_event('asset.updated', NEW.namespace_id, NEW.id, NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER asset_events AFTER INSERT OR UPDATE OR DELETE ON asset
    FOR EACH ROW EXECUTE FUNCTION medialib_asset_events();

CREATE FUNCTION medialib_job_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('succeeded', 'failed') AND OLD.status IS DISTINCT FROM NEW.status THEN
        -- Nothing when the asset is gone (its purge reports it).
        PERFORM medialib_event('job.' || NEW.status, a.namespace_id, NEW.asset_id, NEW.id)
        FROM asset a WHERE a.id = NEW.asset_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER job_events AFTER UPDATE OF status ON job
    FOR EACH ROW EXECUTE FUNCTION medialib_job_events();

CREATE FUNCTION medialib_upload_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.asset_id IS NULL AND NEW.asset_id IS NOT NULL THEN
        PERFORM medialib_event('upload.completed', NEW.namespace_id, NEW.asset_id, NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER upload_events AFTER UPDATE OF asset_id ON upload_session
    FOR EACH ROW EXECUTE FUNCTION medialib_upload_events();
