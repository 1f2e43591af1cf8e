-- Retention rules: a condition about clients, an action, a cool-down.
CREATE TABLE retention_rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    condition  TEXT NOT NULL,
    action     TEXT NOT NULL,
    cooldown_days INTEGER NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
