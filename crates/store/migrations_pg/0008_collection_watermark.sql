-- A collection may name a watermark preset (`[transforms.watermarks.NAME]`) that every
-- public transform of its assets carries. Delivery keeps it with an asset's facts, so a
-- change of a collection or of its items is an asset change for the other processes'
-- caches too (see 0002_notify.sql).
ALTER TABLE collection ADD COLUMN watermark TEXT;

CREATE TRIGGER collection_changed AFTER UPDATE OR DELETE ON collection
    FOR EACH STATEMENT EXECUTE FUNCTION medialib_notify_assets();

CREATE TRIGGER collection_item_changed AFTER INSERT OR UPDATE OR DELETE ON collection_item
    FOR EACH STATEMENT EXECUTE FUNCTION medialib_notify_assets();
