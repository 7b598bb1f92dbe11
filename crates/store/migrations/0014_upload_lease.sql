-- Upload sessions that any API node can continue: a row lease (the token of the
-- request writing the session, and when its lease ends) serialises writers across
-- processes, and chunked uploads record their chunk size.

ALTER TABLE upload_session ADD COLUMN chunk_size INTEGER;
ALTER TABLE upload_session ADD COLUMN lease_token BLOB;
ALTER TABLE upload_session ADD COLUMN lease_until INTEGER;
