-- Promises: who promised what to which client, due when, made in which activity; kept / broken / cancelled.
CREATE TABLE promises (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients (id),
    manager_id  INTEGER REFERENCES managers (id),
    what        TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    activity_id INTEGER REFERENCES activities (id),
    status      TEXT NOT NULL CHECK (status IN ('open', 'kept', 'broken', 'cancelled')),
    closed_at   TEXT,
    note        TEXT
) STRICT;
CREATE INDEX promises_open_by_due ON promises (due_at) WHERE status = 'open';
CREATE INDEX promises_by_client ON promises (client_id);
CREATE INDEX promises_by_manager ON promises (manager_id, due_at);
CREATE INDEX promises_by_activity ON promises (activity_id);

-- Complaints: SLA milestones in working time, paused while waiting for the client.
CREATE TABLE complaints (
    id                     INTEGER PRIMARY KEY,
    client_id              INTEGER NOT NULL REFERENCES clients (id),
    order_id               INTEGER REFERENCES orders (id),
    subject                TEXT NOT NULL,
    body                   TEXT,
    priority               TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    status                 TEXT NOT NULL
                           CHECK (status IN ('open', 'in_progress', 'resolved', 'closed', 'rejected')),
    owner_id               INTEGER REFERENCES managers (id),
    opened_at              TEXT NOT NULL,
    response_due           TEXT,
    responded_at           TEXT,
    response_breached_at   TEXT,
    resolution_due         TEXT,
    resolved_at            TEXT,
    resolution_breached_at TEXT,
    paused_at              TEXT,
    resolution             TEXT,
    closed_at              TEXT,
    updated_at             TEXT NOT NULL
) STRICT;
CREATE INDEX complaints_by_client ON complaints (client_id, resolved_at);
CREATE INDEX complaints_by_owner ON complaints (owner_id, status);
CREATE INDEX complaints_by_order ON complaints (order_id);
