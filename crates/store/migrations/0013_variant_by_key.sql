-- Variants in storage-key order, for walking every blob the metadata references
-- (`stored_blobs`: `medialib verify`, copies to another store) a page at a time.
CREATE INDEX variant_by_key ON variant (storage_key);
