-- Users, roles per namespace, scoped and expiring tokens.

-- A user may sign in with a password (an argon2id PHC string). Anonymizing a user
-- blanks the personal fields but keeps the row, so their assets stay attributed.
ALTER TABLE user ADD COLUMN email TEXT;
ALTER TABLE user ADD COLUMN password_hash TEXT;
ALTER TABLE user ADD COLUMN anonymized_at INTEGER;
CREATE UNIQUE INDEX user_email ON user (email) WHERE email IS NOT NULL;

-- One role per user and namespace; the instance owner (user.is_owner) needs none.
CREATE TABLE membership (
    user_id      INTEGER NOT NULL REFERENCES user(id),
    namespace_id INTEGER NOT NULL REFERENCES namespace(id),
    role         TEXT    NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, namespace_id)
) WITHOUT ROWID;
CREATE INDEX membership_by_namespace ON membership (namespace_id, user_id);

-- Tokens made before scopes existed were the admin's: they keep every scope.
ALTER TABLE api_token ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write,admin';
ALTER TABLE api_token ADD COLUMN expires_at INTEGER;
ALTER TABLE api_token ADD COLUMN revoked_at INTEGER;
CREATE INDEX api_token_by_user ON api_token (user_id, id);

INSERT INTO membership (user_id, namespace_id, role, created_at)
SELECT id, 1, 'admin', created_at FROM user WHERE is_owner = 1;
