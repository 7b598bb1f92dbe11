-- A collection may name a watermark preset (`[transforms.watermarks.NAME]`) that every
-- public transform of its assets carries.
ALTER TABLE collection ADD COLUMN watermark TEXT;
