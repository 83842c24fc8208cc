-- Paired devices. Each has its own token, of which only the SHA-256 (hex) is kept: a copy of the
-- database does not let anyone in.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER
);
