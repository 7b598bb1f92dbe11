-- An editor's focal point (SQLite's 0016): where the subject is, as fractions of the
-- upright picture; transforms crop around it (`g_auto`). Both NULL when unset.

ALTER TABLE asset
    ADD COLUMN focal_x DOUBLE PRECISION,
    ADD COLUMN focal_y DOUBLE PRECISION;
