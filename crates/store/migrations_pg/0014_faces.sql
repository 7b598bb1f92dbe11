-- How many faces the faces analyser found in the asset's picture: NULL until it has run
-- (or when it was skipped), so searches by face count only see analysed assets.
ALTER TABLE asset ADD COLUMN face_count INTEGER;
