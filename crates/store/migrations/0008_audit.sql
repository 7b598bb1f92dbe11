-- The audit log: one row per write through the API (or the command line), kept apart
-- from the rows it describes so that deleting them leaves the record.
CREATE TABLE audit_event (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id INTEGER NOT NULL REFERENCES namespace(id),
    user_id      INTEGER REFERENCES user(id),
    action       TEXT    NOT NULL,
    target       TEXT,
    status       INTEGER NOT NULL,
    ip           TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX audit_by_namespace ON audit_event (namespace_id, id);
CREATE INDEX audit_by_user ON audit_event (user_id, id);
