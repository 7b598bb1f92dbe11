-- Retention for unused media: a namespace's own number of days after which an asset that
-- is used nowhere and was not viewed goes to the trash; NULL follows the server's
-- `retention.unused_days`, 0 turns it off for the namespace.
ALTER TABLE namespace ADD COLUMN retention_days INTEGER;
