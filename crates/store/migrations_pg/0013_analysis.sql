-- Media intelligence (SQLite's 0022_analysis.sql): each analyser's latest result per
-- asset, and the automatic tags editors rejected.

CREATE TABLE asset_analysis (
    asset_id    UUID   NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    analyser    TEXT   NOT NULL,
    model       TEXT,
    outcome     JSONB  NOT NULL,
    analysed_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, analyser)
);

CREATE TABLE asset_tag_rejection (
    asset_id    UUID   NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    tag_id      BIGINT NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
    rejected_at BIGINT NOT NULL,
    PRIMARY KEY (asset_id, tag_id)
);
CREATE INDEX asset_tag_rejection_by_tag ON asset_tag_rejection (tag_id);

CREATE TABLE asset_embedding (
    asset_id   UUID   PRIMARY KEY REFERENCES asset(id) ON DELETE CASCADE,
    model      TEXT   NOT NULL,
    vector     BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);
