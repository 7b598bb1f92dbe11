-- Stored results of on-the-fly transforms (derivatives): one row per rendered file,
-- keyed by what the result depends on, with its last access for eviction.

CREATE TABLE derivative (
    asset_id       BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    cache_key      TEXT    NOT NULL,
    ops            TEXT    NOT NULL,
    format         TEXT    NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    sha256         BLOB    NOT NULL,
    storage_key    TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    last_access_at INTEGER NOT NULL,
    PRIMARY KEY (asset_id, cache_key)
);

CREATE INDEX derivative_by_access ON derivative (last_access_at);
