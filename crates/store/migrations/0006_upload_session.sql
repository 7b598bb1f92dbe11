-- Resumable (tus) upload sessions. The bytes are in a file named after the id, outside
-- the database; a row says how many have arrived, who may add more, and until when.

CREATE TABLE upload_session (
    id            BLOB    PRIMARY KEY,
    namespace_id  INTEGER NOT NULL REFERENCES namespace(id),
    user_id       INTEGER NOT NULL REFERENCES user(id),
    upload_length INTEGER NOT NULL,
    upload_offset INTEGER NOT NULL DEFAULT 0,
    -- Upload-Metadata, decoded, as a JSON object of strings.
    metadata      TEXT    NOT NULL,
    -- NULL, 'partial', or the JSON array of the partial uploads' ids of a final upload.
    concat        TEXT,
    asset_id      BLOB    REFERENCES asset(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    CHECK (upload_offset BETWEEN 0 AND upload_length)
);

CREATE INDEX upload_session_by_expiry ON upload_session (expires_at);
