-- Imports: one batch per imported file, and what each of its rows made or changed (for undo).
CREATE TABLE import_batches (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('clients', 'contacts', 'leads', 'orders')),
    file_name TEXT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    options   TEXT NOT NULL DEFAULT '{}',
    total     INTEGER NOT NULL DEFAULT 0,
    created   INTEGER NOT NULL DEFAULT 0,
    updated   INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    skipped   INTEGER NOT NULL DEFAULT 0,
    failed    INTEGER NOT NULL DEFAULT 0,
    -- The sequence number of the batch's own `import` event: a change to one of its records after
    -- it blocks the undo.
    last_seq  INTEGER NOT NULL DEFAULT 0,
    undone_at TEXT
) STRICT;

-- One record a batch created or updated; `before` is the record as it was before the update (JSON).
CREATE TABLE import_items (
    id        INTEGER PRIMARY KEY,
    batch_id  INTEGER NOT NULL REFERENCES import_batches (id),
    row       INTEGER NOT NULL,
    entity    TEXT NOT NULL CHECK (entity IN ('client', 'contact', 'lead', 'order', 'source')),
    entity_id INTEGER NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('created', 'updated')),
    before    TEXT
) STRICT;
CREATE INDEX import_items_by_batch ON import_items (batch_id, id);
