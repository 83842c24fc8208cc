-- A command that waits for the user's yes or no, one per conversation.
CREATE TABLE pending_confirmations (
    conversation_id  TEXT PRIMARY KEY,
    skill            TEXT NOT NULL,
    command          TEXT NOT NULL,
    args             TEXT NOT NULL,
    locale           TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
