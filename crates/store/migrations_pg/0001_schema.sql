-- The PostgreSQL schema: the final state of the SQLite schema after its migrations
-- 0001..0011 (crates/store/migrations), in one step. Tables, columns, constraints and
-- indexes keep their SQLite names; where they differ, it is said here and beside them.
--
-- Mapping decisions:
--
-- * Integers are BIGINT everywhere, so every column decodes as i64 as in the SQLite row
--   mapping (sqlx's PostgreSQL driver does not widen INT4 to i64). SQLite's INTEGER
--   PRIMARY KEY ids are BIGSERIAL; AUTOINCREMENT (audit_event) needs nothing more, since
--   a sequence never hands out a value twice.
-- * Timestamps are BIGINT milliseconds since the Unix epoch (UTC), as in SQLite
--   (`sqlite/rows.rs`: `to_ms`/`from_ms`); days (delivery_stat.day) are days since the
--   epoch, as there.
-- * Asset, job and upload ids (UUIDv7, 16-byte BLOBs in SQLite) are UUID: PostgreSQL
--   compares UUIDs bytewise, as SQLite compares the BLOBs, so keyset pages ending with
--   the id order the same way. SHA-256 digests (sha256, token_hash, id_hash) are BYTEA,
--   checked to be 32 bytes.
-- * SQLite's 0/1 flags are BOOLEAN; REAL is DOUBLE PRECISION (f64).
-- * JSON stored as text is JSONB (asset.metadata, asset.placeholder,
--   upload_session.metadata). upload_session.concat stays TEXT: it holds `partial`,
--   which is not JSON, or a JSON array. api_token.scopes stays the comma-separated TEXT.
-- * PostgreSQL refuses U+0000 in TEXT and `\u0000` in JSONB, which SQLite stores:
--   writers must drop NUL characters from text that comes from files or clients.
-- * `user` is a reserved word: the table is `"user"`, always quoted (`FROM user`
--   parses and means CURRENT_USER).
-- * Title order is SQLite's `COLLATE NOCASE` (ASCII case folding, then byte order):
--   `lower(title COLLATE "C")`, which folds ASCII only and compares bytes.
-- * Seed rows: the default namespace (id 1). Data updates of the SQLite migrations
--   (0002 metadata kinds, 0003 has_gps, 0007 owner memberships) apply to rows that a new
--   database does not have.
-- * The covering indexes of SQLite's 0004 become B-tree keys plus INCLUDE columns, which
--   PostgreSQL's index-only scans use; `asset_live_search` (full-text rowid to asset)
--   has no counterpart, because the search document is a column of the asset row.
-- * PostgreSQL does not index the referencing side of a foreign key: the two
--   `ON DELETE SET NULL` references to asset get partial indexes, so a purge does not
--   scan their tables.
--
-- Full-text search (SQLite: the FTS5 table asset_fts, filled by triggers from the view
-- asset_search_doc, with a `scope` token per namespace and live/trash state):
--
-- * asset.search_doc is a tsvector written only by the triggers below, in the
--   transaction of the change: an asset inserted, its title, filename, alt text,
--   description, extracted text or metadata changed, a tag put on or taken off (also by
--   cascades), a tag renamed. No code path writes it; a rebuild is
--   `UPDATE asset SET search_body = search_body_vector(description, extracted_text);`
--   then `UPDATE asset a SET search_doc = asset_search_vector(a);`.
-- * The four groups of SQLite's view are the four tsvector weights, so relevance can ask
--   which group a word matched in (`'sun':*A`):
--     A title; B tag names; C filename, alt text, camera make and model (metadata);
--     D description and extracted text.
-- * Words are what FTS5's unicode61 and `medialib_core::store::search_words` take: runs
--   of letters and digits (`search_words` below splits on everything else before the
--   text-search parser sees it, so `IMG_0042.jpg` is img, 0042, jpg), lower-cased, with
--   accents removed (the `medialib_search` configuration: unaccent, then simple; no
--   stemming, no stop words). Queries must use the same configuration:
--   `to_tsquery('medialib_search', 'sun:* & beach:*')`. Prefix queries are served by the
--   GIN index, so pg_trgm is not needed.
-- * The body (D) is kept on its own in asset.search_body, so a tag or title change does
--   not parse the extracted text (up to 1 MiB) again. A tsvector holds at most 1 MB of
--   lexemes and positions: a body over 200 000 bytes is indexed as its distinct words,
--   in order of first appearance, up to 400 000 bytes of them (whole documents of prose
--   fit; a megabyte of distinct numbers does not).
-- * `scope` becomes the partial GIN indexes asset_live_text and asset_trash_text over
--   (namespace_id, search_doc) (btree_gin): `namespace_id = $1 AND deleted_at IS NULL
--   AND search_doc @@ $2` is answered from one index, and the user's words can never
--   match a scope token because there is none.
-- * Concurrency: SQLite runs one writer at a time; PostgreSQL does not. The document
--   function reads tag names with a fresh snapshot (it is VOLATILE) and `FOR SHARE`, so
--   two transactions tagging one asset, or one tagging it while another renames the
--   tag, cannot leave a document that misses the other's committed change.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE namespace (
    id           BIGSERIAL PRIMARY KEY,
    slug         TEXT   NOT NULL UNIQUE,
    name         TEXT   NOT NULL,
    quota_bytes  BIGINT,
    quota_assets BIGINT,
    created_at   BIGINT NOT NULL
);
INSERT INTO namespace (id, slug, name, created_at)
VALUES (1, 'default', 'Default', floor(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
-- The row above named its id: the sequence must start after it.
SELECT setval(pg_get_serial_sequence('namespace', 'id'), (SELECT max(id) FROM namespace));

-- A user may sign in with a password (an argon2id PHC string). Anonymizing a user blanks
-- the personal fields but keeps the row, so their assets stay attributed.
CREATE TABLE "user" (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    is_owner      BOOLEAN NOT NULL DEFAULT false,
    created_at    BIGINT  NOT NULL,
    email         TEXT,
    password_hash TEXT,
    anonymized_at BIGINT
);
CREATE UNIQUE INDEX user_email ON "user" (email) WHERE email IS NOT NULL;

CREATE TABLE api_token (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES "user" (id),
    namespace_id BIGINT NOT NULL REFERENCES namespace (id),
    name         TEXT   NOT NULL,
    -- SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough and the
    -- token itself is never stored.
    token_hash   BYTEA  NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    scopes       TEXT   NOT NULL DEFAULT 'read,write,admin',
    expires_at   BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_token_by_user ON api_token (user_id, id);

-- One role per user and namespace; the instance owner ("user".is_owner) needs none.
CREATE TABLE membership (
    user_id      BIGINT NOT NULL REFERENCES "user" (id),
    namespace_id BIGINT NOT NULL REFERENCES namespace (id),
    role         TEXT   NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, namespace_id)
);
CREATE INDEX membership_by_namespace ON membership (namespace_id, user_id);

-- One row per stored original. Dedup is per namespace, so one tenant cannot probe
-- another's content.
CREATE TABLE blob (
    id           BIGSERIAL PRIMARY KEY,
    namespace_id BIGINT NOT NULL REFERENCES namespace (id),
    sha256       BYTEA  NOT NULL CHECK (octet_length(sha256) = 32),
    size         BIGINT NOT NULL,
    storage_key  TEXT   NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    UNIQUE (namespace_id, sha256)
);

CREATE TABLE asset (
    id                UUID    PRIMARY KEY,
    namespace_id      BIGINT  NOT NULL REFERENCES namespace (id),
    blob_id           BIGINT  NOT NULL REFERENCES blob (id),
    kind              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    mime              TEXT    NOT NULL,
    size              BIGINT  NOT NULL,
    sha256            BYTEA   NOT NULL CHECK (octet_length(sha256) = 32),
    original_filename TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    description       TEXT,
    alt_text          TEXT,
    is_public         BOOLEAN NOT NULL DEFAULT false,
    width             BIGINT,
    height            BIGINT,
    frame_count       BIGINT,
    duration_s        DOUBLE PRECISION,
    page_count        BIGINT,
    -- Text for search (PDF text, text files), capped by the processing job.
    extracted_text    TEXT,
    metadata          JSONB,  -- Metadata, tagged by kind
    placeholder       JSONB,  -- Placeholder
    error             TEXT,
    uploaded_by       BIGINT  REFERENCES "user" (id),
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    taken_at          BIGINT,
    deleted_at        BIGINT,
    -- 64-bit perceptual hash of the asset's picture, as a signed integer.
    phash             BIGINT,
    -- Whether the metadata has a GPS position: a column, so the filter reads no JSON.
    has_gps           BOOLEAN NOT NULL DEFAULT false,
    -- The upload order: relevance pages rank equal scores by it. Taken from a sequence
    -- when the row is inserted; inserts leave it out.
    search_rowid      BIGSERIAL,
    -- Written by triggers only (see the header).
    search_body       TSVECTOR NOT NULL DEFAULT ''::TSVECTOR,
    search_doc        TSVECTOR NOT NULL DEFAULT ''::TSVECTOR
);
-- Dedup: at most one live asset per content hash and namespace. An insert racing
-- another upload of the same bytes names it:
-- `ON CONFLICT (namespace_id, sha256) WHERE deleted_at IS NULL DO NOTHING`.
CREATE UNIQUE INDEX asset_live_sha256 ON asset (namespace_id, sha256) WHERE deleted_at IS NULL;
CREATE INDEX asset_by_blob ON asset (blob_id);
CREATE UNIQUE INDEX asset_by_search_rowid ON asset (search_rowid);

-- One per sort order: a page walks its index and stops after the page.
CREATE INDEX asset_live_by_created ON asset (namespace_id, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX asset_live_by_taken ON asset (namespace_id, coalesce(taken_at, created_at), id)
    WHERE deleted_at IS NULL;
CREATE INDEX asset_live_by_size ON asset (namespace_id, size, id)
    WHERE deleted_at IS NULL;
-- Queries must sort by the same expression: `lower(asset.title COLLATE "C")`.
CREATE INDEX asset_live_by_title ON asset (namespace_id, lower(title COLLATE "C"), id)
    WHERE deleted_at IS NULL;

-- Covering indexes holding every filter column, for counts and filtered scans that
-- read no row (index-only scans): by namespace, and by id (tag members joined to live
-- assets).
CREATE INDEX asset_live_facets ON asset (namespace_id, kind, status)
    INCLUDE (has_gps, width, height, size, created_at, taken_at, mime, uploaded_by, id,
             search_rowid)
    WHERE deleted_at IS NULL;
CREATE INDEX asset_live_by_id ON asset (id)
    INCLUDE (namespace_id, kind, status, has_gps, width, height, size, created_at, taken_at,
             mime, uploaded_by, search_rowid)
    WHERE deleted_at IS NULL;

-- The trash: listed by namespace, purged by age.
CREATE INDEX asset_trash ON asset (deleted_at, namespace_id) WHERE deleted_at IS NOT NULL;

-- Full-text matches per namespace, live or in the trash: SQLite's `scope` token.
-- fastupdate off: a burst of uploads would otherwise queue its entries in a pending list
-- that every search reads through until vacuum merges it; searches must stay fast while
-- uploads arrive, so each insert pays its share at once instead.
CREATE INDEX asset_live_text ON asset USING gin (namespace_id, search_doc)
    WITH (fastupdate = off) WHERE deleted_at IS NULL;
CREATE INDEX asset_trash_text ON asset USING gin (namespace_id, search_doc)
    WITH (fastupdate = off) WHERE deleted_at IS NOT NULL;

CREATE TABLE variant (
    asset_id    UUID   NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    name        TEXT   NOT NULL,
    format      TEXT   NOT NULL,
    position    BIGINT NOT NULL,
    width       BIGINT,
    height      BIGINT,
    duration_s  DOUBLE PRECISION,
    size        BIGINT NOT NULL,
    sha256      BYTEA  NOT NULL CHECK (octet_length(sha256) = 32),
    storage_key TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (asset_id, name, format)
);

CREATE TABLE job (
    id           UUID   PRIMARY KEY,
    asset_id     UUID   NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    kind         TEXT   NOT NULL,
    -- The transcode profile of a `transcode` job; NULL for processing jobs.
    profile      TEXT,
    status       TEXT   NOT NULL,
    progress     BIGINT NOT NULL DEFAULT 0,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_after    BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT,
    -- Fencing token: every claim takes a larger one, and every write a worker makes for
    -- the job names it, so a worker whose lease expired can no longer record anything.
    lease_token  BIGINT NOT NULL DEFAULT 0,
    error        TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX job_due ON job (status, run_after, id);
CREATE INDEX job_by_asset ON job (asset_id, created_at);

-- Holds on originals, so that an upload and a purge of the same bytes, in any two
-- processes, never lose them (see SQLite's 0011). A hold past `until` belongs to a
-- process that died.
CREATE TABLE blob_hold (
    id          BIGSERIAL PRIMARY KEY,
    storage_key TEXT   NOT NULL,
    kind        TEXT   NOT NULL CHECK (kind IN ('upload', 'purge')),
    until       BIGINT NOT NULL
);
CREATE INDEX blob_hold_by_key ON blob_hold (storage_key, kind);

-- Resumable (tus) upload sessions. The bytes are in a file named after the id, outside
-- the database; a row says how many have arrived, who may add more, and until when.
CREATE TABLE upload_session (
    id            UUID   PRIMARY KEY,
    namespace_id  BIGINT NOT NULL REFERENCES namespace (id),
    user_id       BIGINT NOT NULL REFERENCES "user" (id),
    upload_length BIGINT NOT NULL,
    upload_offset BIGINT NOT NULL DEFAULT 0,
    -- Upload-Metadata, decoded, as a JSON object of strings.
    metadata      JSONB  NOT NULL,
    -- NULL, 'partial', or the JSON array of the partial uploads' ids of a final upload.
    concat        TEXT,
    asset_id      UUID   REFERENCES asset (id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    CHECK (upload_offset BETWEEN 0 AND upload_length)
);
CREATE INDEX upload_session_by_expiry ON upload_session (expires_at);
CREATE INDEX upload_session_by_asset ON upload_session (asset_id) WHERE asset_id IS NOT NULL;

CREATE TABLE tag (
    id           BIGSERIAL PRIMARY KEY,
    namespace_id BIGINT NOT NULL REFERENCES namespace (id),
    name         TEXT   NOT NULL,
    slug         TEXT   NOT NULL,
    color        TEXT,
    description  TEXT,
    created_at   BIGINT NOT NULL,
    UNIQUE (namespace_id, slug)
);

CREATE TABLE asset_tag (
    asset_id   UUID   NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    tag_id     BIGINT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    source     TEXT   NOT NULL,  -- user, auto, exif
    confidence DOUBLE PRECISION,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, tag_id)
);
CREATE INDEX asset_tag_by_tag ON asset_tag (tag_id, asset_id);

CREATE TABLE collection (
    id             BIGSERIAL PRIMARY KEY,
    namespace_id   BIGINT  NOT NULL REFERENCES namespace (id),
    title          TEXT    NOT NULL,
    slug           TEXT    NOT NULL,
    description    TEXT,
    kind           TEXT    NOT NULL,
    color          TEXT,
    is_public      BOOLEAN NOT NULL DEFAULT false,
    cover_asset_id UUID    REFERENCES asset (id) ON DELETE SET NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (namespace_id, slug)
);
CREATE INDEX collection_by_cover ON collection (cover_asset_id) WHERE cover_asset_id IS NOT NULL;

CREATE TABLE collection_item (
    collection_id BIGINT NOT NULL REFERENCES collection (id) ON DELETE CASCADE,
    asset_id      UUID   NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    position      BIGINT NOT NULL,  -- 0-based, dense: renumbered on every change
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (collection_id, asset_id)
);
CREATE INDEX collection_item_by_asset ON collection_item (asset_id);
CREATE INDEX collection_item_order ON collection_item (collection_id, position);

CREATE TABLE usage (
    asset_id     UUID   NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    entity_type  TEXT   NOT NULL,
    entity_id    TEXT   NOT NULL,
    usage_type   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, entity_type, entity_id, usage_type)
);

-- Views and bytes served per asset and UTC day (days since the epoch), written in batches.
CREATE TABLE delivery_stat (
    asset_id UUID   NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    day      BIGINT NOT NULL,
    views    BIGINT NOT NULL,
    bytes    BIGINT NOT NULL,
    PRIMARY KEY (asset_id, day)
);
CREATE INDEX delivery_stat_by_day ON delivery_stat (day);

-- The audit log: one row per write through the API (or the command line), kept apart
-- from the rows it describes so that deleting them leaves the record.
CREATE TABLE audit_event (
    id           BIGSERIAL PRIMARY KEY,
    namespace_id BIGINT NOT NULL REFERENCES namespace (id),
    user_id      BIGINT REFERENCES "user" (id),
    action       TEXT   NOT NULL,
    target       TEXT,
    status       BIGINT NOT NULL,
    ip           TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX audit_by_namespace ON audit_event (namespace_id, id);
CREATE INDEX audit_by_user ON audit_event (user_id, id);

-- Browser sessions (password login to the web UI). The cookie holds a random id; only
-- its SHA-256 is kept, like API tokens.
CREATE TABLE ui_session (
    id_hash      BYTEA  PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    user_id      BIGINT NOT NULL REFERENCES "user" (id),
    namespace_id BIGINT NOT NULL REFERENCES namespace (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX ui_session_by_user ON ui_session (user_id);

-- Full-text search (see the header).

-- Lower-case, accents removed, no stemming and no stop words.
CREATE TEXT SEARCH CONFIGURATION medialib_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION medialib_search
    ALTER MAPPING FOR word, numword, hword, hword_part, numhword WITH unaccent, simple;

-- The words of a text as FTS5's unicode61 tokenizer splits them: runs of letters and
-- digits, separated by spaces. (Which characters are letters follows the database's
-- LC_CTYPE: a UTF-8 locale, not C, is needed for words beyond ASCII.)
CREATE FUNCTION search_words(t TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT regexp_replace(coalesce(t, ''), '[^[:alnum:]]+', ' ', 'g') $$;

-- The body group (D) of a search document: description and extracted text. Over 200 000
-- bytes, its distinct words in order of first appearance, up to 400 000 bytes, so that
-- the tsvector stays within PostgreSQL's 1 MB limit.
CREATE FUNCTION search_body_vector(description TEXT, extracted TEXT) RETURNS TSVECTOR
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT setweight(to_tsvector('medialib_search'::regconfig, CASE
    WHEN octet_length(body) <= 200000 THEN search_words(body)
    ELSE (SELECT coalesce(string_agg(word, ' ' ORDER BY first), '')
          FROM (SELECT word, first,
                       sum(octet_length(word) + 1) OVER (ORDER BY first) AS upto
                FROM (SELECT word, min(n) AS first
                      FROM regexp_split_to_table(lower(body), '[^[:alnum:]]+')
                           WITH ORDINALITY AS split (word, n)
                      WHERE word <> ''
                      GROUP BY word) AS distinct_words) AS counted
          WHERE upto <= 400000)
    END), 'D')
FROM (SELECT concat_ws(' ', description, extracted) AS body) AS b
$$;

-- The search document of an asset row: title (A), tag names (B), filename, alt text and
-- camera (C), and the row's search_body (D).
--
-- VOLATILE and PL/pgSQL on purpose: its query takes a fresh snapshot when it runs (after
-- the caller waited for any lock on the row), and it locks the tags it reads, so a
-- concurrent rename waits for this transaction, or this for the rename.
CREATE FUNCTION asset_search_vector(a asset) RETURNS TSVECTOR
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    tags TEXT;
BEGIN
    SELECT string_agg(name, ' ') INTO tags
    FROM (SELECT t.name FROM asset_tag AS at JOIN tag AS t ON t.id = at.tag_id
          WHERE at.asset_id = a.id
          FOR SHARE OF t) AS named;
    RETURN setweight(to_tsvector('medialib_search', search_words(a.title)), 'A')
        || setweight(to_tsvector('medialib_search', search_words(tags)), 'B')
        || setweight(to_tsvector('medialib_search', search_words(concat_ws(' ',
               a.original_filename, a.alt_text,
               a.metadata ->> 'camera_make', a.metadata ->> 'camera_model'))), 'C')
        || a.search_body;
END
$$;

-- An asset inserted, or its indexed text changed: its document, before the row is written.
CREATE FUNCTION asset_search_write() RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.search_body := search_body_vector(NEW.description, NEW.extracted_text);
    ELSIF NEW.description IS DISTINCT FROM OLD.description
          OR NEW.extracted_text IS DISTINCT FROM OLD.extracted_text THEN
        NEW.search_body := search_body_vector(NEW.description, NEW.extracted_text);
    END IF;
    NEW.search_doc := asset_search_vector(NEW);
    RETURN NEW;
END
$$;

CREATE TRIGGER asset_search_insert BEFORE INSERT ON asset
FOR EACH ROW EXECUTE FUNCTION asset_search_write();

CREATE TRIGGER asset_search_update BEFORE UPDATE ON asset
FOR EACH ROW
WHEN (OLD.title IS DISTINCT FROM NEW.title
      OR OLD.original_filename IS DISTINCT FROM NEW.original_filename
      OR OLD.alt_text IS DISTINCT FROM NEW.alt_text
      OR OLD.description IS DISTINCT FROM NEW.description
      OR OLD.extracted_text IS DISTINCT FROM NEW.extracted_text
      OR OLD.metadata IS DISTINCT FROM NEW.metadata)
EXECUTE FUNCTION asset_search_write();

-- Tags put on or taken off assets (directly, or by deleting a tag or an asset): the
-- documents of those assets, once per statement. `changed_tags` is the transition table
-- each trigger names.
CREATE FUNCTION asset_tag_search_refresh() RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE asset AS a SET search_doc = asset_search_vector(a)
    WHERE a.id IN (SELECT asset_id FROM changed_tags);
    RETURN NULL;
END
$$;

CREATE TRIGGER asset_tag_search_insert AFTER INSERT ON asset_tag
REFERENCING NEW TABLE AS changed_tags
FOR EACH STATEMENT EXECUTE FUNCTION asset_tag_search_refresh();

CREATE TRIGGER asset_tag_search_delete AFTER DELETE ON asset_tag
REFERENCING OLD TABLE AS changed_tags
FOR EACH STATEMENT EXECUTE FUNCTION asset_tag_search_refresh();

-- A tagging moved to another asset or tag (SQLite's schema has no such update; this
-- keeps documents right should one happen).
CREATE FUNCTION asset_tag_search_move() RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE asset AS a SET search_doc = asset_search_vector(a)
    WHERE a.id IN (OLD.asset_id, NEW.asset_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER asset_tag_search_move AFTER UPDATE ON asset_tag
FOR EACH ROW
WHEN (OLD.asset_id IS DISTINCT FROM NEW.asset_id OR OLD.tag_id IS DISTINCT FROM NEW.tag_id)
EXECUTE FUNCTION asset_tag_search_move();

-- A tag renamed: the documents of the assets that carry it.
CREATE FUNCTION tag_search_rename() RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE asset AS a SET search_doc = asset_search_vector(a)
    WHERE a.id IN (SELECT asset_id FROM asset_tag WHERE tag_id = NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER tag_search_rename AFTER UPDATE OF name ON tag
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
EXECUTE FUNCTION tag_search_rename();
