-- Moderation: each namespace's policy for pictures scored as not safe for work, and where
-- each asset stands (NULL until the moderation analyser has scored it).
ALTER TABLE namespace ADD COLUMN moderation TEXT NOT NULL DEFAULT 'off';
ALTER TABLE asset ADD COLUMN moderation TEXT;

-- Recommendations look usage up by the entity that uses the assets.
CREATE INDEX usage_by_entity ON usage (entity_type, entity_id);
