-- Search at 100 000 assets and more: indexes over live assets only (the trash has its
-- own), so that counts and pages read indexes instead of rows.

DROP INDEX asset_by_created;
DROP INDEX asset_by_size;
DROP INDEX asset_by_title;
DROP INDEX asset_by_taken;
DROP INDEX asset_by_kind;

-- One per sort order: a page walks its index and stops after the page.
CREATE INDEX asset_live_by_created ON asset (namespace_id, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX asset_live_by_taken ON asset (namespace_id, coalesce(taken_at, created_at), id)
    WHERE deleted_at IS NULL;
CREATE INDEX asset_live_by_size ON asset (namespace_id, size, id)
    WHERE deleted_at IS NULL;
CREATE INDEX asset_live_by_title ON asset (namespace_id, title COLLATE NOCASE, id)
    WHERE deleted_at IS NULL;

-- Three covering indexes with every filter column, so that counts and filtered scans never
-- read a row. `deleted_at` is listed (always NULL here) because SQLite counts an index as
-- covering only when it holds every column the query names, its WHERE clause included.
-- By namespace: counts and filters without text.
CREATE INDEX asset_live_facets ON asset (namespace_id, kind, status, has_gps, width, height,
    size, created_at, taken_at, mime, uploaded_by, id, search_rowid, deleted_at)
    WHERE deleted_at IS NULL;
-- By full-text row: text matches joined to live assets.
CREATE INDEX asset_live_search ON asset (search_rowid, namespace_id, kind, status, has_gps,
    width, height, size, created_at, taken_at, mime, uploaded_by, id, deleted_at)
    WHERE deleted_at IS NULL;
-- By id: tag members joined to live assets.
CREATE INDEX asset_live_by_id ON asset (id, namespace_id, kind, status, has_gps, width,
    height, size, created_at, taken_at, mime, uploaded_by, search_rowid, deleted_at)
    WHERE deleted_at IS NULL;

-- The trash: listed by namespace, purged by age.
DROP INDEX asset_by_deleted;
CREATE INDEX asset_trash ON asset (deleted_at, namespace_id) WHERE deleted_at IS NOT NULL;
