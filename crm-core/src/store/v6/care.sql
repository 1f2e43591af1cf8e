-- Promises: who promised what to which client, due when, made in which activity; kept / broken / cancelled.
CREATE TABLE promises (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients (id),
    manager_id  INTEGER REFERENCES managers (id),
    what        TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    activity_id INTEGER REFERENCES activities (id),
    status      TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'kept', 'broken', 'cancelled')),
    closed_at   TEXT,
    note        TEXT,
    reminded_at TEXT
) STRICT;
-- run_due reads only what is due: open promises by due time (broken), and those not yet reminded.
CREATE INDEX promises_open_by_due ON promises (due_at) WHERE status = 'open';
CREATE INDEX promises_to_remind ON promises (due_at) WHERE status = 'open' AND reminded_at IS NULL;
CREATE INDEX promises_by_client ON promises (client_id);
CREATE INDEX promises_by_manager ON promises (manager_id, due_at);
-- The manager report reads the promises due in its period.
CREATE INDEX promises_by_due ON promises (due_at);
CREATE INDEX promises_by_activity ON promises (activity_id);

-- Complaints: SLA milestones in working time, paused while waiting for the client.
CREATE TABLE complaints (
    id                     INTEGER PRIMARY KEY,
    client_id              INTEGER NOT NULL REFERENCES clients (id),
    order_id               INTEGER REFERENCES orders (id),
    subject                TEXT NOT NULL,
    body                   TEXT,
    priority               TEXT NOT NULL DEFAULT 'normal'
                           CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    status                 TEXT NOT NULL DEFAULT 'open'
                           CHECK (status IN ('open', 'in_progress', 'resolved', 'closed', 'rejected')),
    owner_id               INTEGER REFERENCES managers (id),
    opened_at              TEXT NOT NULL,
    response_due           TEXT NOT NULL,
    responded_at           TEXT,
    response_breached_at   TEXT,
    resolution_due         TEXT NOT NULL,
    resolved_at            TEXT,
    resolution_breached_at TEXT,
    paused_at              TEXT,
    paused_secs            INTEGER NOT NULL DEFAULT 0,
    resolve_secs           INTEGER,
    resolution             TEXT,
    rejection              TEXT,
    closed_at              TEXT,
    updated_at             TEXT NOT NULL
) STRICT;
CREATE INDEX complaints_by_client ON complaints (client_id, resolved_at);
CREATE INDEX complaints_by_owner ON complaints (owner_id, status);
CREATE INDEX complaints_by_order ON complaints (order_id);
-- run_due reads only the deadlines that can still be breached.
CREATE INDEX complaints_response_due ON complaints (response_due)
    WHERE responded_at IS NULL AND response_breached_at IS NULL;
CREATE INDEX complaints_resolution_due ON complaints (resolution_due)
    WHERE status IN ('open', 'in_progress') AND paused_at IS NULL AND resolution_breached_at IS NULL;
-- The report reads a period by each of its dates.
CREATE INDEX complaints_by_opened ON complaints (opened_at);
CREATE INDEX complaints_by_resolved ON complaints (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX complaints_by_closed ON complaints (closed_at) WHERE closed_at IS NOT NULL;
