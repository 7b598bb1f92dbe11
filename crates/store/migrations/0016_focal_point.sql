-- An editor's focal point: where the subject is, as fractions of the upright picture;
-- transforms crop around it (`g_auto`). Both NULL when unset.

ALTER TABLE asset ADD COLUMN focal_x REAL;
ALTER TABLE asset ADD COLUMN focal_y REAL;
