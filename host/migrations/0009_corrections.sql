-- The user's corrections: "this message means that command". Each is a training example for the
-- classifier and routes its own message at once. `key` is the message normalised (folded words
-- joined by spaces): a newer correction of the same message replaces the older one.
CREATE TABLE corrections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT NOT NULL UNIQUE,
    utterance   TEXT NOT NULL,
    command     TEXT NOT NULL,
    args        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
