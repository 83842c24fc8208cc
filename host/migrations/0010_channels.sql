-- Chats on a messenger (Telegram, WhatsApp) that may talk to Bantz; each is one conversation.
CREATE TABLE channel_links (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    name            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    locale          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (channel, chat_id)
);

-- Everything a channel received, kept before it is acknowledged to the sender (Telegram's
-- offset moves on, WhatsApp gets its 200) and answered in `id` order. `key` is the sender's own
-- id (Telegram's update_id, WhatsApp's message id), so a redelivery is dropped. `reply` is what
-- to send back (JSON), fixed before the first part of it goes out; `sent` counts the parts sent,
-- so that a restart sends only the rest; `done_at` marks the end.
CREATE TABLE channel_inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT NOT NULL,
    key         TEXT NOT NULL,
    payload     TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    reply       TEXT,
    sent        INTEGER NOT NULL DEFAULT 0,
    done_at     INTEGER,
    UNIQUE (channel, key)
);
CREATE INDEX channel_inbox_pending ON channel_inbox (id) WHERE done_at IS NULL;

-- Positions that must survive a restart: Telegram's next offset, the last notification sent on.
CREATE TABLE channel_cursors (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
