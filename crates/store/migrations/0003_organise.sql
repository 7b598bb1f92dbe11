-- Finding and organising: tags, collections, usage, full-text search, near-duplicates and
-- delivery statistics.

CREATE TABLE tag (
    id           INTEGER PRIMARY KEY,
    namespace_id INTEGER NOT NULL REFERENCES namespace(id),
    name         TEXT    NOT NULL,
    slug         TEXT    NOT NULL,
    color        TEXT,
    description  TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (namespace_id, slug)
);

CREATE TABLE asset_tag (
    asset_id   BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
    source     TEXT    NOT NULL,  -- user, auto, exif
    confidence REAL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (asset_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX asset_tag_by_tag ON asset_tag (tag_id, asset_id);

CREATE TABLE collection (
    id             INTEGER PRIMARY KEY,
    namespace_id   INTEGER NOT NULL REFERENCES namespace(id),
    title          TEXT    NOT NULL,
    slug           TEXT    NOT NULL,
    description    TEXT,
    kind           TEXT    NOT NULL,
    color          TEXT,
    is_public      INTEGER NOT NULL DEFAULT 0,
    cover_asset_id BLOB    REFERENCES asset(id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (namespace_id, slug)
);

CREATE TABLE collection_item (
    collection_id INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
    asset_id      BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,  -- 0-based, dense: renumbered on every change
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (collection_id, asset_id)
) WITHOUT ROWID;
CREATE INDEX collection_item_by_asset ON collection_item (asset_id);
CREATE INDEX collection_item_order ON collection_item (collection_id, position);

CREATE TABLE usage (
    asset_id     BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    entity_type  TEXT    NOT NULL,
    entity_id    TEXT    NOT NULL,
    usage_type   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    PRIMARY KEY (asset_id, entity_type, entity_id, usage_type)
) WITHOUT ROWID;

-- Views and bytes served per asset and UTC day (days since the epoch), written in batches.
CREATE TABLE delivery_stat (
    asset_id BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    views    INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    PRIMARY KEY (asset_id, day)
) WITHOUT ROWID;
CREATE INDEX delivery_stat_by_day ON delivery_stat (day);

-- 64-bit perceptual hash of the asset's picture (signed in SQLite's INTEGER).
ALTER TABLE asset ADD COLUMN phash INTEGER;
-- Whether the metadata has a GPS position: a column, so the filter needs no JSON parsing.
ALTER TABLE asset ADD COLUMN has_gps INTEGER NOT NULL DEFAULT 0;
UPDATE asset SET has_gps = json_extract(metadata, '$.gps') IS NOT NULL WHERE metadata IS NOT NULL;
-- The asset's row in the full-text index. The asset table's own rowid cannot serve:
-- without an INTEGER PRIMARY KEY, VACUUM may renumber it.
ALTER TABLE asset ADD COLUMN search_rowid INTEGER;
UPDATE asset SET search_rowid = rowid;
CREATE UNIQUE INDEX asset_by_search_rowid ON asset (search_rowid);

-- Indexes for the filters and sort orders of the search API.
CREATE INDEX asset_by_taken ON asset (namespace_id, coalesce(taken_at, created_at), id);
CREATE INDEX asset_by_kind ON asset (namespace_id, kind, created_at, id);
CREATE INDEX asset_by_deleted ON asset (deleted_at) WHERE deleted_at IS NOT NULL;

-- Full-text index: one row per asset, four columns weighted by the relevance score.
-- Prefix indexes make search-as-you-type prefix queries (`sun*`) index lookups.
CREATE VIRTUAL TABLE asset_fts USING fts5 (
    title, tags, meta, body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- The indexed text of each asset. Every trigger below rebuilds rows from here, so the
-- index is always written in the same transaction as the rows it reflects.
CREATE VIEW asset_search_doc AS
SELECT a.id AS asset_id,
       a.search_rowid AS search_rowid,
       a.title AS title,
       (SELECT group_concat(t.name, ' ')
        FROM asset_tag at JOIN tag t ON t.id = at.tag_id
        WHERE at.asset_id = a.id) AS tags,
       concat_ws(' ', a.original_filename, a.alt_text,
                 json_extract(a.metadata, '$.camera_make'),
                 json_extract(a.metadata, '$.camera_model')) AS meta,
       concat_ws(' ', a.description, a.extracted_text) AS body
FROM asset a;

INSERT INTO asset_fts (rowid, title, tags, meta, body)
SELECT search_rowid, title, tags, meta, body FROM asset_search_doc;

CREATE TRIGGER asset_fts_insert AFTER INSERT ON asset BEGIN
    INSERT INTO asset_fts (rowid, title, tags, meta, body)
    SELECT search_rowid, title, tags, meta, body FROM asset_search_doc WHERE asset_id = NEW.id;
END;

CREATE TRIGGER asset_fts_update
AFTER UPDATE OF title, original_filename, alt_text, description, extracted_text, metadata
ON asset BEGIN
    DELETE FROM asset_fts WHERE rowid = OLD.search_rowid;
    INSERT INTO asset_fts (rowid, title, tags, meta, body)
    SELECT search_rowid, title, tags, meta, body FROM asset_search_doc WHERE asset_id = NEW.id;
END;

CREATE TRIGGER asset_fts_delete AFTER DELETE ON asset BEGIN
    DELETE FROM asset_fts WHERE rowid = OLD.search_rowid;
END;

CREATE TRIGGER asset_tag_fts_insert AFTER INSERT ON asset_tag BEGIN
    DELETE FROM asset_fts WHERE rowid = (SELECT search_rowid FROM asset WHERE id = NEW.asset_id);
    INSERT INTO asset_fts (rowid, title, tags, meta, body)
    SELECT search_rowid, title, tags, meta, body FROM asset_search_doc
    WHERE asset_id = NEW.asset_id;
END;

CREATE TRIGGER asset_tag_fts_delete AFTER DELETE ON asset_tag BEGIN
    DELETE FROM asset_fts WHERE rowid = (SELECT search_rowid FROM asset WHERE id = OLD.asset_id);
    INSERT INTO asset_fts (rowid, title, tags, meta, body)
    SELECT search_rowid, title, tags, meta, body FROM asset_search_doc
    WHERE asset_id = OLD.asset_id;
END;

CREATE TRIGGER tag_fts_rename AFTER UPDATE OF name ON tag BEGIN
    DELETE FROM asset_fts WHERE rowid IN (
        SELECT a.search_rowid FROM asset a JOIN asset_tag at ON at.asset_id = a.id
        WHERE at.tag_id = NEW.id);
    INSERT INTO asset_fts (rowid, title, tags, meta, body)
    SELECT search_rowid, title, tags, meta, body FROM asset_search_doc
    WHERE asset_id IN (SELECT asset_id FROM asset_tag WHERE tag_id = NEW.id);
END;
