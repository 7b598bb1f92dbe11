-- Foundation schema: namespaces, users, tokens, blobs, assets, variants, jobs.
-- Timestamps are INTEGER milliseconds since the Unix epoch (UTC): cheap to compare and
-- to page over. Ids of assets and jobs are UUIDv7 stored as 16-byte BLOBs, which sort
-- by creation time.

CREATE TABLE namespace (
    id           INTEGER PRIMARY KEY,
    slug         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    quota_bytes  INTEGER,
    quota_assets INTEGER,
    created_at   INTEGER NOT NULL
);
INSERT INTO namespace (id, slug, name, created_at)
VALUES (1, 'default', 'Default', CAST(unixepoch('subsec') * 1000 AS INTEGER));

CREATE TABLE user (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    is_owner   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE api_token (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES user(id),
    namespace_id INTEGER NOT NULL REFERENCES namespace(id),
    name         TEXT    NOT NULL,
    -- SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough and
    -- the token itself is never stored.
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

-- One row per stored original. Dedup is per namespace, so one tenant cannot probe
-- another's content.
CREATE TABLE blob (
    id           INTEGER PRIMARY KEY,
    namespace_id INTEGER NOT NULL REFERENCES namespace(id),
    sha256       BLOB    NOT NULL,
    size         INTEGER NOT NULL,
    storage_key  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    UNIQUE (namespace_id, sha256)
);

CREATE TABLE asset (
    id                BLOB    PRIMARY KEY,
    namespace_id      INTEGER NOT NULL REFERENCES namespace(id),
    blob_id           INTEGER NOT NULL REFERENCES blob(id),
    kind              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    mime              TEXT    NOT NULL,
    size              INTEGER NOT NULL,
    sha256            BLOB    NOT NULL,
    original_filename TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    description       TEXT,
    alt_text          TEXT,
    is_public         INTEGER NOT NULL DEFAULT 0,
    width             INTEGER,
    height            INTEGER,
    frame_count       INTEGER,
    metadata          TEXT,   -- JSON: ImageMetadata
    placeholder       TEXT,   -- JSON: Placeholder
    error             TEXT,
    uploaded_by       INTEGER REFERENCES user(id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    taken_at          INTEGER,
    deleted_at        INTEGER
);
-- Dedup: at most one live asset per content hash and namespace.
CREATE UNIQUE INDEX asset_live_sha256 ON asset (namespace_id, sha256) WHERE deleted_at IS NULL;
CREATE INDEX asset_by_created ON asset (namespace_id, created_at, id);
CREATE INDEX asset_by_size ON asset (namespace_id, size, id);
CREATE INDEX asset_by_title ON asset (namespace_id, title COLLATE NOCASE, id);
CREATE INDEX asset_by_blob ON asset (blob_id);

CREATE TABLE variant (
    asset_id    BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    sha256      BLOB    NOT NULL,
    storage_key TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (asset_id, name, format)
);

CREATE TABLE job (
    id           BLOB    PRIMARY KEY,
    asset_id     BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    progress     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_after    INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    error        TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX job_due ON job (status, run_after);
CREATE INDEX job_by_asset ON job (asset_id, created_at);
