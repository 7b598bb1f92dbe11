-- The namespace and trash state of each asset become a token in the full-text index
-- (`ns1live`, `ns1trash`), so that a text search counts and ranks its hits inside FTS5,
-- without joining every hit to the asset table. FTS5 tables cannot gain a column: the
-- index, its view and its triggers are rebuilt.

DROP TRIGGER asset_fts_insert;
DROP TRIGGER asset_fts_update;
DROP TRIGGER asset_fts_delete;
DROP TRIGGER asset_tag_fts_insert;
DROP TRIGGER asset_tag_fts_delete;
DROP TRIGGER tag_fts_rename;
DROP VIEW asset_search_doc;
DROP TABLE asset_fts;

CREATE VIRTUAL TABLE asset_fts USING fts5 (
    title, tags, meta, body, scope,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

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
       concat_ws(' ', a.description, a.extracted_text) AS body,
       'ns' || a.namespace_id || CASE WHEN a.deleted_at IS NULL THEN 'live' ELSE 'trash' END
           AS scope
FROM asset a;

INSERT INTO asset_fts (rowid, title, tags, meta, body, scope)
SELECT search_rowid, title, tags, meta, body, scope FROM asset_search_doc;

CREATE TRIGGER asset_fts_insert AFTER INSERT ON asset BEGIN
    INSERT INTO asset_fts (rowid, title, tags, meta, body, scope)
    SELECT search_rowid, title, tags, meta, body, scope FROM asset_search_doc
    WHERE asset_id = NEW.id;
END;

CREATE TRIGGER asset_fts_update
AFTER UPDATE OF title, original_filename, alt_text, description, extracted_text, metadata,
    deleted_at
ON asset BEGIN
    DELETE FROM asset_fts WHERE rowid = OLD.search_rowid;
    INSERT INTO asset_fts (rowid, title, tags, meta, body, scope)
    SELECT search_rowid, title, tags, meta, body, scope FROM asset_search_doc
    WHERE asset_id = NEW.id;
END;

CREATE TRIGGER asset_fts_delete AFTER DELETE ON asset BEGIN
    DELETE FROM asset_fts WHERE rowid = OLD.search_rowid;
END;

CREATE TRIGGER asset_tag_fts_insert AFTER INSERT ON asset_tag BEGIN
    DELETE FROM asset_fts WHERE rowid = (SELECT search_rowid FROM asset WHERE id = NEW.asset_id);
    INSERT INTO asset_fts (rowid, title, tags, meta, body, scope)
    SELECT search_rowid, title, tags, meta, body, scope FROM asset_search_doc
    WHERE asset_id = NEW.asset_id;
END;

CREATE TRIGGER asset_tag_fts_delete AFTER DELETE ON asset_tag BEGIN
    DELETE FROM asset_fts WHERE rowid = (SELECT search_rowid FROM asset WHERE id = OLD.asset_id);
    INSERT INTO asset_fts (rowid, title, tags, meta, body, scope)
    SELECT search_rowid, title, tags, meta, body, scope FROM asset_search_doc
    WHERE asset_id = OLD.asset_id;
END;

CREATE TRIGGER tag_fts_rename AFTER UPDATE OF name ON tag BEGIN
    DELETE FROM asset_fts WHERE rowid IN (
        SELECT a.search_rowid FROM asset a JOIN asset_tag at ON at.asset_id = a.id
        WHERE at.tag_id = NEW.id);
    INSERT INTO asset_fts (rowid, title, tags, meta, body, scope)
    SELECT search_rowid, title, tags, meta, body, scope FROM asset_search_doc
    WHERE asset_id IN (SELECT asset_id FROM asset_tag WHERE tag_id = NEW.id);
END;
