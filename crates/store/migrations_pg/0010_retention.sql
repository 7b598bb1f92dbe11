-- Retention for unused media (see the SQLite migration 0019_retention.sql).
ALTER TABLE namespace ADD COLUMN retention_days BIGINT;
