-- The last command each conversation ran, so that a follow-up ("ya yarın?", "and tomorrow?")
-- can run it again with one slot changed.
CREATE TABLE conversation_context (
    conversation_id  TEXT PRIMARY KEY,
    skill            TEXT NOT NULL,
    command          TEXT NOT NULL,
    args             TEXT NOT NULL,
    locale           TEXT NOT NULL,
    updated_at       INTEGER NOT NULL
);
