-- Browser sessions (password login to the web UI). The cookie holds a random id; only
-- its SHA-256 is kept, like API tokens.
CREATE TABLE ui_session (
    id_hash      BLOB    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES user(id),
    namespace_id INTEGER NOT NULL REFERENCES namespace(id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ui_session_by_user ON ui_session (user_id);
