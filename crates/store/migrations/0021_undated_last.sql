-- Sorting by capture time puts assets without one after every dated asset, newest
-- first (each keeps its upload time, shifted 10^15 ms, about 31 700 years, into the
-- past), rather than among photos taken when they were uploaded.
DROP INDEX asset_live_by_taken;
CREATE INDEX asset_live_by_taken
    ON asset (namespace_id, coalesce(taken_at, created_at - 1000000000000000), id)
    WHERE deleted_at IS NULL;
