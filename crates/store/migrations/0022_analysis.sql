-- Media intelligence: each analyser's latest result per asset, and the automatic tags
-- editors rejected, which analysis never puts on that asset again.

CREATE TABLE asset_analysis (
    asset_id    BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    analyser    TEXT    NOT NULL,
    model       TEXT,
    -- AnalysisOutcome as JSON: {"status": "ok", "output": …} | {"status": "skipped" |
    -- "failed", "reason": …}
    outcome     TEXT    NOT NULL,
    analysed_at INTEGER NOT NULL,
    PRIMARY KEY (asset_id, analyser)
) WITHOUT ROWID;

CREATE TABLE asset_tag_rejection (
    asset_id    BLOB    NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
    rejected_at INTEGER NOT NULL,
    PRIMARY KEY (asset_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX asset_tag_rejection_by_tag ON asset_tag_rejection (tag_id);

-- A picture's embedding (the labels model's pooled features, one byte each), for
-- similar-media search; replaced on every analysis that makes one.
CREATE TABLE asset_embedding (
    asset_id   BLOB    PRIMARY KEY REFERENCES asset(id) ON DELETE CASCADE,
    model      TEXT    NOT NULL,
    vector     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
