-- What the operator decided about a skill, kept across restarts.
CREATE TABLE skill_state (
    name      TEXT PRIMARY KEY,
    disabled  INTEGER NOT NULL DEFAULT 0
);
