//! The schema, versioned with `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` takes a database from version `i` to `i + 1`. Released migrations are never edited:
//! a change is a new entry at the end. All pending migrations run in one transaction, so a file is either
//! fully upgraded or untouched. A file with a version above `MIGRATIONS.len()` was written by a newer
//! crmkit and is refused, never altered.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// The migrations, oldest first.
pub(crate) const MIGRATIONS: &[&str] = &[V1];

/// The schema version this library writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Brings the database to `target` (tests use it to build fixtures of older versions).
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found >= target {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another connection may have migrated while we waited for the write lock.
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for version in found..target {
        let index =
            usize::try_from(version).map_err(|_| Error::Corrupt("negative user_version".into()))?;
        if let Some(sql) = MIGRATIONS.get(index) {
            tx.execute_batch(sql)?;
        }
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(())
}

/// Version 1: the client, lead, deal and order model, rollups and the event log.
const V1: &str = r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE managers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT,
    team       TEXT,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    capacity   INTEGER CHECK (capacity >= 0),
    weight     INTEGER NOT NULL DEFAULT 1 CHECK (weight >= 1),
    skills     TEXT NOT NULL DEFAULT '[]',
    regions    TEXT NOT NULL DEFAULT '[]',
    languages  TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE sources (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    campaign   TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (name, campaign)
) STRICT;

CREATE TABLE spend (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES sources (id),
    on_date    TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    note       TEXT,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX spend_by_source ON spend (source_id, on_date);
CREATE INDEX spend_by_date ON spend (on_date);

CREATE TABLE lost_reasons (
    id     INTEGER PRIMARY KEY,
    code   TEXT NOT NULL UNIQUE,
    label  TEXT NOT NULL
) STRICT;
INSERT INTO lost_reasons (code, label) VALUES
    ('price', 'Price too high'),
    ('competitor', 'Chose a competitor'),
    ('no_budget', 'No budget'),
    ('no_need', 'No need'),
    ('no_answer', 'No answer'),
    ('timing', 'Bad timing'),
    ('other', 'Other');

CREATE TABLE pipeline_stages (
    code        TEXT PRIMARY KEY NOT NULL,
    label       TEXT NOT NULL,
    position    INTEGER NOT NULL UNIQUE,
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100)
) STRICT;
INSERT INTO pipeline_stages (code, label, position, probability) VALUES
    ('qualification', 'Qualification', 0, 10),
    ('proposal', 'Proposal sent', 1, 30),
    ('negotiation', 'Negotiation', 2, 60),
    ('contract', 'Contract', 3, 80);

CREATE TABLE clients (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('company', 'person')),
    name           TEXT NOT NULL,
    tax_id         TEXT,
    tax_id_norm    TEXT,
    tax_id_quality TEXT,
    phone          TEXT,
    phone_norm     TEXT,
    phone_quality  TEXT,
    email          TEXT,
    email_norm     TEXT,
    email_quality  TEXT,
    website        TEXT,
    industry       TEXT,
    region         TEXT,
    address        TEXT,
    birth_date     TEXT,
    owner_id       INTEGER REFERENCES managers (id),
    tags           TEXT NOT NULL DEFAULT '[]',
    attributes     TEXT NOT NULL DEFAULT 'null',
    external_ref   TEXT UNIQUE,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX clients_by_owner ON clients (owner_id);
CREATE INDEX clients_by_phone ON clients (phone_norm) WHERE phone_norm IS NOT NULL;
CREATE INDEX clients_by_email ON clients (email_norm) WHERE email_norm IS NOT NULL;
CREATE INDEX clients_by_tax_id ON clients (tax_id_norm) WHERE tax_id_norm IS NOT NULL;

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    client_id  INTEGER NOT NULL REFERENCES clients (id),
    name       TEXT NOT NULL,
    position   TEXT,
    phones     TEXT NOT NULL DEFAULT '[]',
    emails     TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX contacts_by_client ON contacts (client_id);

CREATE TABLE deals (
    id               INTEGER PRIMARY KEY,
    client_id        INTEGER NOT NULL REFERENCES clients (id),
    lead_id          INTEGER REFERENCES leads (id),
    title            TEXT NOT NULL,
    amount           INTEGER NOT NULL CHECK (amount >= 0),
    stage            TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    owner_id         INTEGER REFERENCES managers (id),
    expected_close   TEXT,
    lost_reason      TEXT REFERENCES lost_reasons (code),
    lost_note        TEXT,
    created_at       TEXT NOT NULL,
    closed_at        TEXT,
    stage_changed_at TEXT NOT NULL
) STRICT;
CREATE INDEX deals_by_client ON deals (client_id);
CREATE INDEX deals_by_lead ON deals (lead_id);
CREATE INDEX deals_by_owner ON deals (owner_id);
CREATE INDEX deals_by_lost_reason ON deals (lost_reason);
CREATE INDEX deals_by_status_stage ON deals (status, stage);

CREATE TABLE deal_stage_history (
    id      INTEGER PRIMARY KEY,
    deal_id INTEGER NOT NULL REFERENCES deals (id),
    stage   TEXT NOT NULL,
    status  TEXT NOT NULL,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL
) STRICT;
CREATE INDEX deal_stage_history_by_deal ON deal_stage_history (deal_id, id);

CREATE TABLE leads (
    id                 INTEGER PRIMARY KEY,
    status             TEXT NOT NULL,
    channel            TEXT NOT NULL,
    source_id          INTEGER REFERENCES sources (id),
    received_at        TEXT NOT NULL,
    name               TEXT,
    company            TEXT,
    phone              TEXT,
    phone_norm         TEXT,
    phone_quality      TEXT,
    email              TEXT,
    email_norm         TEXT,
    email_quality      TEXT,
    messenger          TEXT,
    need               TEXT,
    interest           TEXT,
    region             TEXT,
    language           TEXT,
    estimated_value    INTEGER CHECK (estimated_value >= 0),
    owner_id           INTEGER REFERENCES managers (id),
    client_id          INTEGER REFERENCES clients (id),
    deal_id            INTEGER REFERENCES deals (id),
    first_response_due TEXT,
    first_response_at  TEXT,
    first_response_by  INTEGER REFERENCES managers (id),
    lost_reason        TEXT REFERENCES lost_reasons (code),
    junk_kind          TEXT,
    close_note         TEXT,
    external_ref       TEXT UNIQUE,
    status_changed_at  TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX leads_by_status ON leads (status);
CREATE INDEX leads_by_source ON leads (source_id);
CREATE INDEX leads_by_received ON leads (received_at);
CREATE INDEX leads_by_owner ON leads (owner_id);
CREATE INDEX leads_by_client ON leads (client_id);
CREATE INDEX leads_by_deal ON leads (deal_id);
CREATE INDEX leads_by_first_response_by ON leads (first_response_by);
CREATE INDEX leads_by_lost_reason ON leads (lost_reason);
CREATE INDEX leads_by_phone ON leads (phone_norm) WHERE phone_norm IS NOT NULL;
CREATE INDEX leads_by_email ON leads (email_norm) WHERE email_norm IS NOT NULL;

CREATE TABLE lead_transitions (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads (id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT
) STRICT;
CREATE INDEX lead_transitions_by_lead ON lead_transitions (lead_id, id);

CREATE TABLE activities (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    direction        TEXT,
    lead_id          INTEGER REFERENCES leads (id),
    client_id        INTEGER REFERENCES clients (id),
    deal_id          INTEGER REFERENCES deals (id),
    manager_id       INTEGER REFERENCES managers (id),
    at               TEXT NOT NULL,
    subject          TEXT,
    body             TEXT,
    outcome          TEXT,
    document_ref     TEXT,
    duration_seconds INTEGER CHECK (duration_seconds >= 0),
    CHECK (lead_id IS NOT NULL OR client_id IS NOT NULL OR deal_id IS NOT NULL)
) STRICT;
CREATE INDEX activities_by_lead ON activities (lead_id);
CREATE INDEX activities_by_client ON activities (client_id);
CREATE INDEX activities_by_deal ON activities (deal_id);
CREATE INDEX activities_by_manager ON activities (manager_id, at);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    client_id    INTEGER NOT NULL REFERENCES clients (id),
    ordered_at   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('completed', 'cancelled', 'returned')),
    total        INTEGER NOT NULL CHECK (total >= 0),
    deal_id      INTEGER REFERENCES deals (id),
    external_ref TEXT UNIQUE
) STRICT;
CREATE INDEX orders_by_client ON orders (client_id, ordered_at);
CREATE INDEX orders_by_date ON orders (ordered_at);
CREATE INDEX orders_by_deal ON orders (deal_id);

CREATE TABLE order_lines (
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    line_no    INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;
CREATE INDEX order_lines_by_sku ON order_lines (sku);

CREATE TABLE client_rollups (
    client_id      INTEGER PRIMARY KEY REFERENCES clients (id),
    revenue        INTEGER NOT NULL DEFAULT 0,
    orders         INTEGER NOT NULL DEFAULT 0,
    first_order_at TEXT,
    last_order_at  TEXT
) STRICT;

CREATE TABLE client_month_revenue (
    client_id INTEGER NOT NULL REFERENCES clients (id),
    month     TEXT NOT NULL,
    revenue   INTEGER NOT NULL DEFAULT 0,
    orders    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, month)
) STRICT, WITHOUT ROWID;
CREATE INDEX client_month_revenue_by_month ON client_month_revenue (month);

CREATE TABLE events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    data      TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX events_by_entity ON events (entity, entity_id, seq);
"#;
