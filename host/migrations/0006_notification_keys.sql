-- notify-once: a key that a skill's notification may carry, unique per source.
ALTER TABLE notifications ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX notifications_by_key ON notifications (source, dedupe_key) WHERE dedupe_key IS NOT NULL;
-- Whether the user has read a notification (the inbox).
ALTER TABLE notifications ADD COLUMN read_at INTEGER;
