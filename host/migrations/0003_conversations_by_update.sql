-- The conversation list is newest first and pages by update time.
CREATE INDEX conversations_by_update ON conversations (updated_at);
