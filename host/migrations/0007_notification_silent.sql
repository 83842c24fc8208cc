-- Delivered during quiet hours: clients show it without a sound. System events are always silent.
ALTER TABLE notifications ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;
