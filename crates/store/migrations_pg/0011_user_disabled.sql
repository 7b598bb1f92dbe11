-- Disabled users (see the SQLite migration 0020_user_disabled.sql).
ALTER TABLE "user" ADD COLUMN disabled_at BIGINT;
