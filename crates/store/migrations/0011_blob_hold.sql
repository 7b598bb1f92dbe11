-- Holds on originals, so that an upload and a purge of the same bytes, in any two
-- processes, never lose them. An upload holds the key from before it writes the bytes
-- until its asset row exists; a purge that freed a blob row holds the key until the bytes
-- are deleted. A purge leaves a blob held by an upload alone, and an upload waits while a
-- purge holds the key. A hold past `until` belongs to a process that died.
CREATE TABLE blob_hold (
    id          INTEGER PRIMARY KEY,
    storage_key TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('upload', 'purge')),
    until       INTEGER NOT NULL
);
CREATE INDEX blob_hold_by_key ON blob_hold (storage_key, kind);
