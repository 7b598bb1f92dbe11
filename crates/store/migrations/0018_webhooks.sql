-- Webhooks: endpoints per namespace, the event outbox, and one delivery per event and
-- endpoint.
--
-- The outbox is filled by triggers, so an event is written in the same transaction as
-- the change it reports, whichever code path makes it: a crash loses none, and a
-- rolled-back change sends none. The server's dispatcher turns outbox rows into
-- deliveries (one per subscribed endpoint) and sends those at least once.

CREATE TABLE webhook (
    id              INTEGER PRIMARY KEY,
    namespace_id    INTEGER NOT NULL REFERENCES namespace(id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    -- The event types it receives, as a JSON array of strings.
    events          TEXT    NOT NULL,
    description     TEXT,
    -- `whsec_` and the base64 key (Standard Webhooks).
    secret          TEXT    NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    -- When its deliveries started failing without a success since; NULL when healthy.
    failing_since   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX webhook_by_namespace ON webhook (namespace_id);

CREATE TABLE event_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_type   TEXT    NOT NULL,
    namespace_id INTEGER NOT NULL,
    asset_id     BLOB    NOT NULL,
    job_id       BLOB,
    created_at   INTEGER NOT NULL
);

CREATE TABLE webhook_delivery (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      INTEGER NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
    -- `webhook-id`: the same on every attempt, so receivers can drop repeats.
    message_id      TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    -- pending, delivered or failed.
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    response_status INTEGER,
    last_error      TEXT,
    duration_ms     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (status, next_attempt_at);
CREATE INDEX webhook_delivery_by_webhook ON webhook_delivery (webhook_id, id);

-- Milliseconds since the Unix epoch, as the other tables store time.
CREATE TRIGGER asset_created_event AFTER INSERT ON asset BEGIN
    INSERT INTO event_outbox (event_type, namespace_id, asset_id, created_at)
    VALUES ('asset.created', NEW.namespace_id, NEW.id,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER asset_status_event AFTER UPDATE OF status ON asset
WHEN NEW.status IN ('ready', 'failed') AND OLD.status IS NOT NEW.status BEGIN
    INSERT INTO event_outbox (event_type, namespace_id, asset_id, created_at)
    VALUES ('asset.' || NEW.status, NEW.namespace_id, NEW.id,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER asset_trash_event AFTER UPDATE OF deleted_at ON asset
WHEN (OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL) BEGIN
    INSERT INTO event_outbox (event_type, namespace_id, asset_id, created_at)
    VALUES (CASE WHEN NEW.deleted_at IS NULL THEN 'asset.restored' ELSE 'asset.trashed' END,
            NEW.namespace_id, NEW.id,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER asset_updated_event
AFTER UPDATE OF title, description, alt_text, is_public, focal_x, focal_y ON asset
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description
  OR OLD.alt_text IS NOT NEW.alt_text OR OLD.is_public IS NOT NEW.is_public
  OR OLD.focal_x IS NOT NEW.focal_x OR OLD.focal_y IS NOT NEW.focal_y BEGIN
    INSERT INTO event_outbox (event_type, namespace_id, asset_id, created_at)
    VALUES ('asset.updated', NEW.namespace_id, NEW.id,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER asset_purged_event AFTER DELETE ON asset BEGIN
    INSERT INTO event_outbox (event_type, namespace_id, asset_id, created_at)
    VALUES ('asset.purged', OLD.namespace_id, OLD.id,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER job_end_event AFTER UPDATE OF status ON job
WHEN NEW.status IN ('succeeded', 'failed') AND OLD.status IS NOT NEW.status BEGIN
    INSERT INTO event_outbox (event_type, namespace_id, asset_id, job_id, created_at)
    SELECT 'job.' || NEW.status, a.namespace_id, NEW.asset_id, NEW.id,
           CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    FROM asset a WHERE a.id = NEW.asset_id;
END;

CREATE TRIGGER upload_completed_event AFTER UPDATE OF asset_id ON upload_session
WHEN OLD.asset_id IS NULL AND NEW.asset_id IS NOT NULL BEGIN
    INSERT INTO event_outbox (event_type, namespace_id, asset_id, created_at)
    VALUES ('upload.completed', NEW.namespace_id, NEW.asset_id,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
