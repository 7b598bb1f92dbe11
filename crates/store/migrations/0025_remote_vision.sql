-- Requests each namespace made to the remote vision API, per calendar month (UTC): the
-- budget `analysis.remote_max_requests` is checked and taken in one statement.
CREATE TABLE remote_vision_usage (
    namespace_id INTEGER NOT NULL REFERENCES namespace(id) ON DELETE CASCADE,
    month        TEXT    NOT NULL,
    requests     INTEGER NOT NULL,
    PRIMARY KEY (namespace_id, month)
);
