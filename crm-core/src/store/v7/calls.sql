-- Telephony: which extension is which manager, what each line is, the calls and the events applied.
CREATE TABLE phone_extensions (
    extension  TEXT PRIMARY KEY,
    manager_id INTEGER NOT NULL REFERENCES managers (id),
    set_at     TEXT NOT NULL
) STRICT;
CREATE INDEX phone_extensions_by_manager ON phone_extensions (manager_id);

CREATE TABLE phone_lines (
    line            TEXT PRIMARY KEY,
    source_id       INTEGER REFERENCES sources (id),
    callback_within TEXT NOT NULL DEFAULT '1h',
    set_at          TEXT NOT NULL
) STRICT;
CREATE INDEX phone_lines_by_source ON phone_lines (source_id);

CREATE TABLE calls (
    id               INTEGER PRIMARY KEY,
    call_id          TEXT NOT NULL UNIQUE,
    direction        TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    caller           TEXT NOT NULL,
    caller_norm      TEXT,
    line             TEXT,
    extension        TEXT,
    manager_id       INTEGER REFERENCES managers (id),
    status           TEXT NOT NULL DEFAULT 'ringing'
                     CHECK (status IN ('ringing', 'answered', 'missed', 'completed')),
    started_at       TEXT NOT NULL,
    answered_at      TEXT,
    ended_at         TEXT,
    duration_seconds INTEGER,
    recording        TEXT,
    client_id        INTEGER REFERENCES clients (id),
    lead_id          INTEGER REFERENCES leads (id),
    activity_id      INTEGER REFERENCES activities (id),
    task_id          INTEGER REFERENCES tasks (id),
    callback_due     TEXT,
    called_back_at   TEXT,
    linked_to        INTEGER REFERENCES calls (id)
) STRICT;
CREATE INDEX calls_by_client ON calls (client_id);
CREATE INDEX calls_by_lead ON calls (lead_id);
CREATE INDEX calls_by_manager ON calls (manager_id);
CREATE INDEX calls_by_activity ON calls (activity_id);
CREATE INDEX calls_by_task ON calls (task_id);
CREATE INDEX calls_by_linked ON calls (linked_to);
-- The call report reads a period of inbound calls; call-backs look for missed calls waiting by number.
CREATE INDEX calls_inbound_by_start ON calls (started_at) WHERE direction = 'in';
CREATE INDEX calls_waiting_by_number ON calls (caller_norm, started_at)
    WHERE direction = 'in' AND status = 'missed' AND called_back_at IS NULL;

-- Each (call, event) is applied once: a repeat changes nothing.
CREATE TABLE call_events (
    call     INTEGER NOT NULL REFERENCES calls (id),
    event    TEXT NOT NULL CHECK (event IN ('started', 'answered', 'missed', 'finished')),
    at       TEXT NOT NULL,
    PRIMARY KEY (call, event)
) STRICT;

-- A missed call looks for an open lead with the caller's number.
CREATE INDEX leads_open_by_phone ON leads (phone_norm)
    WHERE phone_norm IS NOT NULL AND status IN ('new', 'in_progress', 'qualified');
