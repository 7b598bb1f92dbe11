-- A disabled user's tokens, sessions and password stop working until they are enabled
-- again; unlike anonymizing, nothing is erased. Milliseconds since the epoch, like every
-- other time here.
ALTER TABLE user ADD COLUMN disabled_at INTEGER;
