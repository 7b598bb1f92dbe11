-- Stored results of on-the-fly transforms (SQLite's 0015): one row per rendered file,
-- keyed by what the result depends on, with its last access for eviction.

CREATE TABLE derivative (
    asset_id       UUID   NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    cache_key      TEXT   NOT NULL,
    ops            TEXT   NOT NULL,
    format         TEXT   NOT NULL,
    width          BIGINT NOT NULL,
    height         BIGINT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         BYTEA  NOT NULL CHECK (octet_length(sha256) = 32),
    storage_key    TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    last_access_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, cache_key)
);

CREATE INDEX derivative_by_access ON derivative (last_access_at);
