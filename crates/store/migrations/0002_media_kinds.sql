-- Video, audio, documents and 3D models: per-kind metadata, playing time, pages, extracted
-- text, renditions without pixel sizes, and transcode jobs that name their profile.

ALTER TABLE asset ADD COLUMN duration_s REAL;
ALTER TABLE asset ADD COLUMN page_count INTEGER;
-- Text for search (PDF text, text files), capped by the processing job.
ALTER TABLE asset ADD COLUMN extracted_text TEXT;
-- Metadata JSON is now tagged by kind; every row so far is an image.
UPDATE asset SET metadata = json_set(metadata, '$.kind', 'image') WHERE metadata IS NOT NULL;

-- Width and height become optional (audio renditions and waveform data have none), and
-- renditions record their playing time. SQLite cannot drop NOT NULL in place.
CREATE TABLE variant_new (
    asset_id    BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    width       INTEGER,
    height      INTEGER,
    duration_s  REAL,
    size        INTEGER NOT NULL,
    sha256      BLOB    NOT NULL,
    storage_key TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (asset_id, name, format)
);
INSERT INTO variant_new (asset_id, name, format, position, width, height, size, sha256,
                         storage_key, created_at)
SELECT asset_id, name, format, position, width, height, size, sha256, storage_key, created_at
FROM variant;
DROP TABLE variant;
ALTER TABLE variant_new RENAME TO variant;

-- The transcode profile of a `transcode` job; NULL for processing jobs.
ALTER TABLE job ADD COLUMN profile TEXT;
