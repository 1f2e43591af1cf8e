//! The schema, versioned with `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` takes a database from version `i` to `i + 1`. Released migrations are never edited:
//! a change is a new entry at the end. All pending migrations run in one transaction, so a file is either
//! fully upgraded or untouched. A file with a version above `MIGRATIONS.len()` was written by a newer
//! crmkit and is refused, never altered.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// The migrations, oldest first.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7];

/// The schema version this library writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Marks a SQLite file as a crmkit store (`PRAGMA application_id`, "CRMK"), so that another
/// application's database is never taken for an empty store and filled with tables.
pub const APPLICATION_ID: i64 = 0x4352_4D4B;

/// Refuses a file that belongs to another application: one marked with another application id, or an
/// unmarked one that already has tables.
fn check_owner(conn: &Connection) -> Result<()> {
    let id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    if id != 0 {
        return Err(Error::NotACrmStore(format!(
            "its application id is {id:#x}"
        )));
    }
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if tables > 0 {
        return Err(Error::NotACrmStore(
            "it has tables but no crmkit mark".into(),
        ));
    }
    Ok(())
}

/// Brings the database to `target` (tests use it to build fixtures of older versions).
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    check_owner(conn)?;
    // Migrations may call crmkit's SQL functions (version 2 folds tags with `crm_fold`).
    super::register_functions(conn)?;
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
        if version == 2 {
            // Version 3 changes the normal forms (phones to E.164, canonical mailboxes) and adds the
            // matching keys: both are computed in Rust, for every stored client and lead.
            super::dedup::rebuild(&tx)?;
        }
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(())
}

/// Version 5: analytics. The rollups learn distinct purchase days (what BG/NBD counts) and each month's
/// last order (so RFM and P(alive) as of a past date read months, not orders); sales plans per manager
/// and month; an activity may carry the offer sent, the objection met and the argument used, as codes.
/// Version 6: retention. Promises and complaints (`v6/care.sql`), each client's buying rhythm and place
/// on the dormancy ladder (`v6/rhythm.sql`), retention rules and what they did (`v6/rules.sql`), and
/// tasks that say which promise, complaint or rule made them and what came of them.
const V6: &str = concat!(
    include_str!("v6/care.sql"),
    include_str!("v6/rhythm.sql"),
    include_str!("v6/rules.sql"),
    r#"
ALTER TABLE tasks ADD COLUMN rule_id INTEGER REFERENCES retention_rules (id);
ALTER TABLE tasks ADD COLUMN promise_id INTEGER REFERENCES promises (id);
ALTER TABLE tasks ADD COLUMN complaint_id INTEGER REFERENCES complaints (id);
ALTER TABLE tasks ADD COLUMN outcome TEXT;
ALTER TABLE tasks ADD COLUMN activity_id INTEGER REFERENCES activities (id);
CREATE INDEX tasks_by_rule ON tasks (rule_id, created_at);
CREATE INDEX tasks_by_promise ON tasks (promise_id);
CREATE INDEX tasks_by_complaint ON tasks (complaint_id);
CREATE INDEX tasks_by_activity ON tasks (activity_id);
CREATE INDEX tasks_open_by_due ON tasks (due_at) WHERE status = 'open';
"#
);

/// Version 7: the ports. Import batches and what each row did, so an import can be undone
/// (`v7/imports.sql`); telephone calls, lines and extensions (`v7/calls.sql`); web-shop orders and the
/// ERP exchange (`v7/ports.sql`).
const V7: &str = concat!(
    include_str!("v7/imports.sql"),
    include_str!("v7/calls.sql"),
    include_str!("v7/ports.sql"),
);

const V5: &str = r#"
ALTER TABLE client_rollups ADD COLUMN purchase_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE client_month_revenue ADD COLUMN days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE client_month_revenue ADD COLUMN last_order_at TEXT;
UPDATE client_rollups SET purchase_days = (
    SELECT count(DISTINCT substr(o.ordered_at, 1, 10)) FROM orders o
    WHERE o.client_id = client_rollups.client_id AND o.status = 'completed');
UPDATE client_month_revenue SET
    days = (SELECT count(DISTINCT substr(o.ordered_at, 1, 10)) FROM orders o
            WHERE o.client_id = client_month_revenue.client_id AND o.status = 'completed'
              AND substr(o.ordered_at, 1, 7) = client_month_revenue.month),
    last_order_at = (SELECT max(o.ordered_at) FROM orders o
            WHERE o.client_id = client_month_revenue.client_id AND o.status = 'completed'
              AND substr(o.ordered_at, 1, 7) = client_month_revenue.month);

CREATE TABLE sales_plans (
    manager_id INTEGER NOT NULL REFERENCES managers (id),
    month      TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    revenue    INTEGER NOT NULL DEFAULT 0 CHECK (revenue >= 0),
    deals      INTEGER NOT NULL DEFAULT 0 CHECK (deals >= 0),
    PRIMARY KEY (manager_id, month)
) STRICT, WITHOUT ROWID;

ALTER TABLE activities ADD COLUMN offer TEXT;
ALTER TABLE activities ADD COLUMN objection TEXT;
ALTER TABLE activities ADD COLUMN argument TEXT;
CREATE INDEX activities_by_offer ON activities (offer) WHERE offer IS NOT NULL;
CREATE INDEX activities_by_objection ON activities (objection) WHERE objection IS NOT NULL;
CREATE INDEX deals_by_closed ON deals (closed_at);
-- XYZ reads a window of months for every client: with the revenue in the index (which also holds the
-- key, client and month) the window is one range of the index, never a lookup per row.
DROP INDEX client_month_revenue_by_month;
CREATE INDEX client_month_revenue_by_month ON client_month_revenue (month, revenue);
"#;

/// Version 4: distribution. Managers get a daily cap and may have a calendar of their own (the store's
/// is in `settings`); absences; routing rules with their rotation pointer and weighted credits; response
/// (SLA) policies; every assignment with its explanation; a lead keeps its policy, its breach and, while
/// nobody can take it, the reason it waits; tasks (escalations now, more kinds later), one per origin.
const V4: &str = r#"
ALTER TABLE managers ADD COLUMN daily_cap INTEGER CHECK (daily_cap >= 0);

CREATE TABLE manager_calendars (
    manager_id INTEGER PRIMARY KEY REFERENCES managers (id),
    spec       TEXT NOT NULL
) STRICT;

CREATE TABLE absences (
    id         INTEGER PRIMARY KEY,
    manager_id INTEGER NOT NULL REFERENCES managers (id),
    start_day  TEXT NOT NULL,
    end_day    TEXT NOT NULL,
    reason     TEXT,
    created_at TEXT NOT NULL,
    CHECK (start_day <= end_day)
) STRICT;
CREATE INDEX absences_by_manager ON absences (manager_id, end_day);

CREATE TABLE routing_rules (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    priority           INTEGER NOT NULL,
    condition          TEXT,
    team               TEXT,
    managers           TEXT NOT NULL DEFAULT '[]',
    strategy           TEXT NOT NULL CHECK (strategy IN ('round_robin', 'least_loaded', 'weighted')),
    skills             TEXT NOT NULL DEFAULT '[]',
    match_region       INTEGER NOT NULL DEFAULT 0 CHECK (match_region IN (0, 1)),
    match_language     INTEGER NOT NULL DEFAULT 0 CHECK (match_language IN (0, 1)),
    working_hours_only INTEGER NOT NULL DEFAULT 0 CHECK (working_hours_only IN (0, 1)),
    pointer            INTEGER,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;

CREATE TABLE routing_credits (
    rule_id    INTEGER NOT NULL REFERENCES routing_rules (id),
    manager_id INTEGER NOT NULL REFERENCES managers (id),
    credit     INTEGER NOT NULL,
    PRIMARY KEY (rule_id, manager_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX routing_credits_by_manager ON routing_credits (manager_id);

CREATE TABLE sla_policies (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    priority        INTEGER NOT NULL,
    condition       TEXT,
    first_response  INTEGER NOT NULL CHECK (first_response > 0),
    at_risk_bp      INTEGER NOT NULL CHECK (at_risk_bp BETWEEN 1 AND 10000),
    escalation      TEXT NOT NULL CHECK (escalation IN ('none', 'reassign', 'task')),
    escalate_to     INTEGER REFERENCES managers (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX sla_policies_by_escalate_to ON sla_policies (escalate_to);

ALTER TABLE leads ADD COLUMN sla_policy TEXT;
ALTER TABLE leads ADD COLUMN sla_breached_at TEXT;
ALTER TABLE leads ADD COLUMN queued_reason TEXT;
CREATE INDEX leads_awaiting_response ON leads (first_response_due)
    WHERE first_response_at IS NULL AND sla_breached_at IS NULL;
CREATE INDEX leads_queued ON leads (received_at) WHERE queued_reason IS NOT NULL;
CREATE INDEX leads_open_by_owner ON leads (owner_id) WHERE status IN ('new', 'in_progress', 'qualified');

-- What routing reads about each manager, kept by triggers in the same transaction as every change of
-- a lead and every assignment, so a capture reads one row per manager instead of counting open leads
-- and today's assignments: open leads; the latest assignment; the latest local day (in the manager's
-- calendar, written by crmkit on the assignment) that got an assignment, and how many it got.
CREATE TABLE manager_load (
    manager_id       INTEGER PRIMARY KEY REFERENCES managers (id),
    open_leads       INTEGER NOT NULL CHECK (open_leads >= 0),
    last_assigned_at TEXT,
    day              TEXT,
    day_count        INTEGER NOT NULL DEFAULT 0 CHECK (day_count >= 0)
) STRICT;
INSERT INTO manager_load (manager_id, open_leads)
    SELECT owner_id, count(*) FROM leads
    WHERE owner_id IS NOT NULL AND status IN ('new', 'in_progress', 'qualified') GROUP BY owner_id;
CREATE TRIGGER manager_load_on_insert AFTER INSERT ON leads
    WHEN NEW.owner_id IS NOT NULL AND NEW.status IN ('new', 'in_progress', 'qualified')
BEGIN
    INSERT INTO manager_load (manager_id, open_leads) VALUES (NEW.owner_id, 1)
        ON CONFLICT (manager_id) DO UPDATE SET open_leads = open_leads + 1;
END;
CREATE TRIGGER manager_load_on_update AFTER UPDATE OF owner_id, status ON leads
    WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE manager_load SET open_leads = open_leads - 1
        WHERE manager_id = OLD.owner_id AND OLD.status IN ('new', 'in_progress', 'qualified');
    INSERT INTO manager_load (manager_id, open_leads)
        SELECT NEW.owner_id, 1 WHERE NEW.owner_id IS NOT NULL AND NEW.status IN ('new', 'in_progress', 'qualified')
        ON CONFLICT (manager_id) DO UPDATE SET open_leads = open_leads + 1;
END;
CREATE TRIGGER manager_load_on_delete AFTER DELETE ON leads
    WHEN OLD.owner_id IS NOT NULL AND OLD.status IN ('new', 'in_progress', 'qualified')
BEGIN
    UPDATE manager_load SET open_leads = open_leads - 1 WHERE manager_id = OLD.owner_id;
END;

CREATE TABLE assignments (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER REFERENCES leads (id),
    client_id   INTEGER REFERENCES clients (id),
    at          TEXT NOT NULL,
    manager_id  INTEGER REFERENCES managers (id),
    previous_id INTEGER REFERENCES managers (id),
    via         TEXT NOT NULL,
    rule_id     INTEGER,
    rule        TEXT,
    strategy    TEXT,
    reason      TEXT NOT NULL,
    skipped     TEXT NOT NULL DEFAULT '[]',
    local_day   TEXT
) STRICT;
CREATE INDEX assignments_by_lead ON assignments (lead_id);
CREATE INDEX assignments_by_client ON assignments (client_id);
CREATE INDEX assignments_by_manager ON assignments (manager_id, at);
CREATE INDEX assignments_by_previous ON assignments (previous_id);
CREATE TRIGGER manager_load_on_assignment AFTER INSERT ON assignments
    WHEN NEW.manager_id IS NOT NULL AND NEW.lead_id IS NOT NULL
BEGIN
    INSERT INTO manager_load (manager_id, open_leads, last_assigned_at, day, day_count)
        VALUES (NEW.manager_id, 0, NEW.at, NEW.local_day, 1)
        ON CONFLICT (manager_id) DO UPDATE SET
            last_assigned_at = max(coalesce(last_assigned_at, ''), NEW.at),
            day_count = CASE WHEN day = NEW.local_day THEN day_count + 1
                             WHEN day IS NULL OR NEW.local_day > day THEN 1
                             ELSE day_count END,
            day = CASE WHEN day IS NULL OR NEW.local_day > day THEN NEW.local_day ELSE day END;
END;

-- A random token that changes with every change of what routing caches between commands (managers,
-- their calendars, the store's calendar, sources' names, routing rules but not their rotation,
-- response policies). A random value, not a counter: a rolled-back change restores the old token, and
-- the next change must not produce a token some handle has cached from the rolled-back one.
CREATE TABLE routing_token (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    token INTEGER NOT NULL
) STRICT;
INSERT INTO routing_token (id, token) VALUES (1, random());
CREATE TRIGGER routing_token_managers_insert AFTER INSERT ON managers
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_managers_update AFTER UPDATE ON managers
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_managers_delete AFTER DELETE ON managers
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_manager_calendars_insert AFTER INSERT ON manager_calendars
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_manager_calendars_update AFTER UPDATE ON manager_calendars
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_manager_calendars_delete AFTER DELETE ON manager_calendars
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_sla_policies_insert AFTER INSERT ON sla_policies
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_sla_policies_update AFTER UPDATE ON sla_policies
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_sla_policies_delete AFTER DELETE ON sla_policies
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_sources_insert AFTER INSERT ON sources
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_sources_update AFTER UPDATE ON sources
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_sources_delete AFTER DELETE ON sources
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_routing_rules_insert AFTER INSERT ON routing_rules
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_routing_rules_delete AFTER DELETE ON routing_rules
BEGIN
    UPDATE routing_token SET token = random();
END;
-- Not on the rotation pointer, which changes with every round-robin decision.
CREATE TRIGGER routing_token_routing_rules_update
    AFTER UPDATE OF name, priority, condition, team, managers, strategy, skills, match_region,
                    match_language, working_hours_only ON routing_rules
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_calendar_insert AFTER INSERT ON settings WHEN NEW.key = 'calendar'
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_calendar_update AFTER UPDATE ON settings WHEN NEW.key = 'calendar'
BEGIN
    UPDATE routing_token SET token = random();
END;
CREATE TRIGGER routing_token_calendar_delete AFTER DELETE ON settings WHEN OLD.key = 'calendar'
BEGIN
    UPDATE routing_token SET token = random();
END;

CREATE TABLE tasks (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    manager_id INTEGER REFERENCES managers (id),
    client_id  INTEGER REFERENCES clients (id),
    lead_id    INTEGER REFERENCES leads (id),
    deal_id    INTEGER REFERENCES deals (id),
    due_at     TEXT,
    status     TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    origin     TEXT UNIQUE,
    created_at TEXT NOT NULL,
    closed_at  TEXT
) STRICT;
CREATE INDEX tasks_by_manager ON tasks (manager_id, status, due_at);
CREATE INDEX tasks_by_client ON tasks (client_id);
CREATE INDEX tasks_by_lead ON tasks (lead_id);
CREATE INDEX tasks_by_deal ON tasks (deal_id);
"#;

/// Version 3: duplicates. Every client's matching keys (see `dedup::matching`), indexed so that a check
/// on capture reads only the clients that share a key; the record of every merge, with what it needs to
/// be undone. The normal forms of phones and e-mails are recomputed (E.164, canonical mailboxes) by
/// `dedup::rebuild` right after this script.
const V3: &str = r#"
CREATE TABLE client_keys (
    key       TEXT NOT NULL,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    PRIMARY KEY (key, client_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX client_keys_by_client ON client_keys (client_id);

CREATE TABLE client_merges (
    id        INTEGER PRIMARY KEY,
    kept_id   INTEGER NOT NULL,
    merged_id INTEGER NOT NULL,
    at        TEXT NOT NULL,
    record    TEXT NOT NULL,
    snapshot  TEXT NOT NULL,
    undone_at TEXT
) STRICT;
CREATE INDEX client_merges_by_kept ON client_merges (kept_id);
CREATE INDEX client_merges_by_merged ON client_merges (merged_id);
"#;

/// Version 2: what segments need. Indexes behind the client fields a segment tests most (region,
/// industry, creation date, last order, revenue); tags in a table of their own, folded to lower case
/// (`crm_fold`, Unicode lower case, registered on every connection), so `has tag 'vip'` is an index
/// lookup; saved segments and their last computed members.
const V2: &str = r#"
CREATE INDEX clients_by_region ON clients (region);
CREATE INDEX clients_by_industry ON clients (industry);
CREATE INDEX clients_by_created ON clients (created_at);
CREATE INDEX client_rollups_by_last_order ON client_rollups (last_order_at);
CREATE INDEX client_rollups_by_revenue ON client_rollups (revenue);

CREATE TABLE client_tags (
    tag       TEXT NOT NULL,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    PRIMARY KEY (tag, client_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX client_tags_by_client ON client_tags (client_id);
INSERT OR IGNORE INTO client_tags (tag, client_id)
    SELECT crm_fold(value), clients.id FROM clients, json_each(clients.tags);

CREATE TABLE segments (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    expression   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    refreshed_at TEXT,
    members      INTEGER NOT NULL DEFAULT 0 CHECK (members >= 0)
) STRICT;

CREATE TABLE segment_members (
    segment_id INTEGER NOT NULL REFERENCES segments (id),
    client_id  INTEGER NOT NULL REFERENCES clients (id),
    since      TEXT NOT NULL,
    PRIMARY KEY (segment_id, client_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX segment_members_by_client ON segment_members (client_id);
"#;

/// Version 1: the client, lead, deal and order model, rollups and the event log.
const V1: &str = r#"
PRAGMA application_id = 1129467211;

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
    channel    TEXT NOT NULL CHECK (channel IN ('phone', 'web', 'email', 'shop', 'ads', 'referral', 'cold_call', 'walk_in', 'messenger', 'other')),
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
    status             TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'qualified', 'converted',
                                                          'lost', 'junk')),
    channel            TEXT NOT NULL CHECK (channel IN ('phone', 'web', 'email', 'shop', 'ads', 'referral', 'cold_call', 'walk_in', 'messenger', 'other')),
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
    kind             TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'message', 'note', 'document')),
    direction        TEXT CHECK (direction IN ('in', 'out')),
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

-- The history is append-only: the audit trail must not be rewritten, not even by hand.
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER lead_transitions_are_append_only_update BEFORE UPDATE ON lead_transitions
BEGIN SELECT RAISE(ABORT, 'lead transitions are append-only'); END;
CREATE TRIGGER lead_transitions_are_append_only_delete BEFORE DELETE ON lead_transitions
BEGIN SELECT RAISE(ABORT, 'lead transitions are append-only'); END;
CREATE TRIGGER deal_stage_history_is_append_only_update BEFORE UPDATE ON deal_stage_history
BEGIN SELECT RAISE(ABORT, 'deal stage history is append-only'); END;
CREATE TRIGGER deal_stage_history_is_append_only_delete BEFORE DELETE ON deal_stage_history
BEGIN SELECT RAISE(ABORT, 'deal stage history is append-only'); END;
"#;

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU32, Ordering};

    use chrono::{TimeZone, Utc};
    use rusqlite::Connection;
    use rusqlite::types::Value;

    use super::{SCHEMA_VERSION, migrate, migrate_to};
    use crate::error::{Error, ErrorKind};
    use crate::model::{ClientKind, Money, NewClient, NewOrder, OrderLine};
    use crate::store::configure;

    /// `sqlite_schema` rows (type, name, table, sql), sorted, and `PRAGMA user_version`.
    type Schema = (Vec<(String, String, String, Option<String>)>, i64);

    /// An in-memory connection set up the way the library sets up every connection.
    fn configured() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        configure(&conn).unwrap();
        conn
    }

    /// A database created at the current version.
    fn fresh() -> Connection {
        let mut conn = configured();
        migrate(&mut conn).unwrap();
        conn
    }

    fn user_version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    fn schema_of(conn: &Connection) -> Schema {
        let mut stmt = conn
            .prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        (rows, user_version(conn))
    }

    /// The user tables (not SQLite's own), by name.
    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM pragma_table_list
                 WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'
                 ORDER BY name",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// Every row of a table, each as text, sorted (so two databases compare regardless of row order).
    fn contents(conn: &Connection, table: &str) -> Vec<String> {
        // A table name cannot be a bound parameter; it comes from the schema itself, quoted.
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))
            .unwrap();
        let width = stmt.column_count();
        let mut rows = stmt
            .query_map([], |r| {
                (0..width)
                    .map(|i| r.get::<_, Value>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|values| format!("{values:?}"))
            })
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        rows.sort();
        rows
    }

    /// What `PRAGMA foreign_key_check` reports: rows that point at nothing.
    fn dangling_references(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("PRAGMA foreign_key_check").unwrap();
        stmt.query_map([], |r| {
            Ok(format!(
                "{} row {:?} -> {}",
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    /// Foreign keys whose (first) column does not lead any full index nor the primary key, so that
    /// deleting or looking up a parent row scans the child table: `table.column -> parent`.
    fn unindexed_foreign_keys(conn: &Connection) -> Vec<String> {
        let mut missing = Vec::new();
        for table in tables(conn) {
            let mut leading: Vec<String> = Vec::new();
            let mut pk = conn
                .prepare("SELECT name FROM pragma_table_info(?1) WHERE pk = 1")
                .unwrap();
            leading.extend(
                pk.query_map([&table], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(Result::unwrap),
            );
            // A partial index does not serve every lookup, so it does not count.
            let mut indexes = conn
                .prepare("SELECT name FROM pragma_index_list(?1) WHERE partial = 0")
                .unwrap();
            let names: Vec<String> = indexes
                .query_map([&table], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let mut first = conn
                .prepare("SELECT name FROM pragma_index_info(?1) WHERE seqno = 0")
                .unwrap();
            for index in names {
                // An expression index has no column name at position 0.
                let column: Option<String> = first.query_row([&index], |r| r.get(0)).unwrap();
                leading.extend(column);
            }
            let mut fks = conn
                .prepare(
                    "SELECT \"table\", \"from\" FROM pragma_foreign_key_list(?1) WHERE seq = 0
                     ORDER BY id",
                )
                .unwrap();
            let keys: Vec<(String, String)> = fks
                .query_map([&table], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for (parent, column) in keys {
                if !leading.contains(&column) {
                    missing.push(format!("{table}.{column} -> {parent}"));
                }
            }
        }
        missing.sort();
        missing
    }

    /// Tables declared without STRICT.
    fn non_strict_tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM pragma_table_list
                 WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'
                   AND strict = 0
                 ORDER BY name",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// Puts a little data, consistent with every constraint, in the tables that exist at `version`.
    /// A migration that adds tables adds its rows here under `version >= N`, so the next upgrade test
    /// carries data through it.
    fn seed(conn: &Connection, version: i64) {
        if version >= 1 {
            conn.execute_batch(SEED_V1).unwrap();
        }
        if version >= 2 {
            conn.execute_batch(SEED_V2).unwrap();
        }
        if version >= 3 {
            conn.execute_batch(SEED_V3).unwrap();
        }
        if version >= 4 {
            conn.execute_batch(SEED_V4).unwrap();
        }
        if version >= 5 {
            conn.execute_batch(SEED_V5).unwrap();
        }
    }

    const SEED_V4: &str = r#"
        INSERT OR IGNORE INTO absences (id, manager_id, start_day, end_day, reason, created_at)
        VALUES (1, 1, '2025-03-01', '2025-03-14', 'vacation', '2025-02-01T09:00:00.000000000Z');
        INSERT OR IGNORE INTO routing_rules (id, name, priority, strategy, created_at, updated_at)
        VALUES (1, 'all', 100, 'round_robin', '2025-02-01T09:00:00.000000000Z', '2025-02-01T09:00:00.000000000Z');
        INSERT OR IGNORE INTO assignments (id, lead_id, at, manager_id, via, rule_id, rule, strategy, reason)
        VALUES (1, 1, '2025-02-01T09:00:00.000000000Z', 1, 'rule', 1, 'all', 'round_robin', 'first in turn');
    "#;

    const SEED_V5: &str = r#"
        INSERT OR IGNORE INTO sales_plans (manager_id, month, revenue, deals) VALUES (1, '2025-02', 5000000, 4);
        UPDATE activities SET offer = 'KP-2025', objection = 'too_expensive', argument = 'payment_terms';
    "#;

    const SEED_V3: &str = r#"
        INSERT OR IGNORE INTO client_keys (key, client_id) VALUES ('c:romashka', 1);
    "#;

    #[test]
    fn version_3_normalises_and_keys_what_a_version_2_file_holds() {
        let mut conn = configured();
        migrate_to(&mut conn, 2).unwrap();
        seed(&conn, 2);
        // Version 2 kept a national number's digits as its normal form.
        conn.execute_batch(
            "UPDATE clients SET phone = '044 123 45 67', phone_norm = '0441234567',
                                email = 'Office+erp@Romashka.UA', email_norm = 'office+erp@romashka.ua';
             UPDATE leads SET phone = '(044) 123-45-67', phone_norm = '0441234567';",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let norms: (String, String) = conn
            .query_row(
                "SELECT phone_norm, email_norm FROM clients WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(norms, ("+380441234567".into(), "office@romashka.ua".into()));
        let lead: String = conn
            .query_row("SELECT phone_norm FROM leads WHERE id = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(lead, "+380441234567");
        let keys: Vec<String> = conn
            .prepare("SELECT key FROM client_keys WHERE client_id = 1 ORDER BY key")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for key in [
            "c:romashka",
            "d:romashka.ua",
            "e:office@romashka.ua",
            "p:+380441234567",
        ] {
            assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
        }
        assert!(
            keys.iter().any(|k| k.starts_with("n:ivan")),
            "the contact's name: {keys:?}"
        );
    }

    #[test]
    fn version_4_counts_the_open_leads_a_version_3_file_holds_and_keeps_counting() {
        let mut conn = configured();
        migrate_to(&mut conn, 3).unwrap();
        seed(&conn, 3);
        conn.execute_batch(
            "INSERT INTO leads (id, status, channel, received_at, name, owner_id, status_changed_at, updated_at)
             VALUES (7, 'new', 'web', '2025-03-01T09:00:00.000000000Z', 'Open', 1,
                     '2025-03-01T09:00:00.000000000Z', '2025-03-01T09:00:00.000000000Z'),
                    (8, 'lost', 'web', '2025-03-01T09:00:00.000000000Z', 'Closed', 1,
                     '2025-03-01T09:00:00.000000000Z', '2025-03-01T09:00:00.000000000Z');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let load = |conn: &Connection| -> i64 {
            conn.query_row(
                "SELECT coalesce((SELECT open_leads FROM manager_load WHERE manager_id = 1), 0)",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(load(&conn), 1);
        conn.execute_batch("UPDATE leads SET status = 'in_progress' WHERE id = 8")
            .unwrap();
        assert_eq!(load(&conn), 2);
        conn.execute_batch("UPDATE leads SET owner_id = NULL WHERE id = 7")
            .unwrap();
        assert_eq!(load(&conn), 1);
        conn.execute_batch("UPDATE leads SET status = 'converted' WHERE id = 8")
            .unwrap();
        assert_eq!(load(&conn), 0);
        // Assignments keep the latest local day's count and the latest time.
        let assign = |at: &str, day: &str| {
            conn.execute(
                "INSERT INTO assignments (lead_id, at, manager_id, via, reason, local_day)
                 VALUES (7, ?1, 1, 'reassign', 'test', ?2)",
                [at, day],
            )
            .unwrap();
        };
        let day = |conn: &Connection| -> (String, i64, String) {
            conn.query_row(
                "SELECT day, day_count, last_assigned_at FROM manager_load WHERE manager_id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        let (t9, t10) = (
            "2025-03-02T09:00:00.000000000Z",
            "2025-03-02T10:00:00.000000000Z",
        );
        assign(t9, "2025-03-02");
        assign(t10, "2025-03-02");
        assert_eq!(day(&conn), ("2025-03-02".into(), 2, t10.into()));
        assign("2025-03-01T10:00:00.000000000Z", "2025-03-01");
        assert_eq!(day(&conn), ("2025-03-02".into(), 2, t10.into()));
        let t = "2025-03-03T08:00:00.000000000Z";
        assign(t, "2025-03-03");
        assert_eq!(day(&conn), ("2025-03-03".into(), 1, t.into()));
    }

    #[test]
    fn version_5_counts_the_purchase_days_a_version_4_file_holds() {
        let mut conn = configured();
        migrate_to(&mut conn, 4).unwrap();
        seed(&conn, 4);
        // Two more completed orders: one on the day of order 1, one in March; the rollups as version 4
        // kept them (without days).
        conn.execute_batch(
            "INSERT INTO orders (id, client_id, ordered_at, status, total)
             VALUES (3, 1, '2025-01-03T18:00:00.000000000Z', 'completed', 1000),
                    (4, 1, '2025-03-05T10:00:00.000000000Z', 'completed', 2000);
             UPDATE client_rollups SET revenue = 27590, orders = 3,
                    last_order_at = '2025-03-05T10:00:00.000000000Z' WHERE client_id = 1;
             UPDATE client_month_revenue SET revenue = 25590, orders = 2 WHERE client_id = 1;
             INSERT INTO client_month_revenue (client_id, month, revenue, orders)
             VALUES (1, '2025-03', 2000, 1);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let days: i64 = conn
            .query_row(
                "SELECT purchase_days FROM client_rollups WHERE client_id = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            days, 2,
            "2025-01-03 (twice) and 2025-03-05; the cancelled order does not count"
        );
        let months: Vec<(String, i64, Option<String>)> = conn
            .prepare("SELECT month, days, last_order_at FROM client_month_revenue ORDER BY month")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            months,
            vec![
                (
                    "2025-01".into(),
                    1,
                    Some("2025-01-03T18:00:00.000000000Z".into())
                ),
                (
                    "2025-03".into(),
                    1,
                    Some("2025-03-05T10:00:00.000000000Z".into())
                ),
            ]
        );
    }

    const SEED_V2: &str = r#"
        INSERT INTO segments (id, name, expression, created_at, updated_at, refreshed_at, members)
        VALUES (1, 'vip', 'has tag ''vip''', '2025-02-01T09:00:00.000000000Z',
                '2025-02-01T09:00:00.000000000Z', '2025-02-01T09:00:00.000000000Z', 1);
        INSERT INTO segment_members (segment_id, client_id, since)
        VALUES (1, 1, '2025-02-01T09:00:00.000000000Z');
    "#;

    #[test]
    fn version_2_folds_the_tags_a_version_1_file_holds() {
        let mut conn = configured();
        migrate_to(&mut conn, 1).unwrap();
        seed(&conn, 1);
        migrate(&mut conn).unwrap();
        let tags: Vec<(String, i64)> = conn
            .prepare("SELECT tag, client_id FROM client_tags ORDER BY tag")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(tags, vec![("vip".to_string(), 1), ("опт".to_string(), 1)]);
    }

    const SEED_V1: &str = r#"
        INSERT INTO settings (key, value) VALUES ('fixture', 'v1');
        INSERT INTO managers (id, name, email, team, active, capacity, weight, skills, regions, languages, created_at)
        VALUES (1, 'Olena', 'olena@example.com', 'b2b', 1, 10, 2, '["b2b"]', '["kyiv"]', '["uk"]',
                '2025-01-02T09:00:00.000000000Z');
        INSERT INTO sources (id, name, channel, campaign, created_at)
        VALUES (1, 'Search ads', 'ads', 'spring', '2025-01-02T09:00:00.000000000Z');
        INSERT INTO spend (id, source_id, on_date, amount, note, created_at)
        VALUES (1, 1, '2025-01-02', 150000, NULL, '2025-01-02T09:00:00.000000000Z');
        INSERT INTO clients (id, kind, name, phone, phone_norm, phone_quality, owner_id, tags, external_ref,
                             created_at, updated_at)
        VALUES (1, 'company', 'Romashka', '+380 44 123 45 67', '+380441234567', 'valid', 1, '["VIP", "Опт"]',
                'ERP-1', '2025-01-02T09:00:00.000000000Z', '2025-01-02T09:00:00.000000000Z');
        INSERT INTO contacts (id, client_id, name, phones, created_at)
        VALUES (1, 1, 'Ivan', '["+380441234567"]', '2025-01-02T09:00:00.000000000Z');
        INSERT INTO leads (id, status, channel, source_id, received_at, name, owner_id, client_id,
                           status_changed_at, updated_at)
        VALUES (1, 'converted', 'web', 1, '2025-01-02T08:00:00.000000000Z', 'Ivan', 1, 1,
                '2025-01-02T09:00:00.000000000Z', '2025-01-02T09:00:00.000000000Z');
        INSERT INTO deals (id, client_id, lead_id, title, amount, stage, status, owner_id, created_at,
                           closed_at, stage_changed_at)
        VALUES (1, 1, 1, 'Chairs', 24590, 'contract', 'won', 1, '2025-01-02T09:00:00.000000000Z',
                '2025-01-03T09:00:00.000000000Z', '2025-01-03T09:00:00.000000000Z');
        UPDATE leads SET deal_id = 1 WHERE id = 1;
        INSERT INTO deals (id, client_id, title, amount, stage, status, lost_reason, created_at, closed_at,
                           stage_changed_at)
        VALUES (2, 1, 'Tables', 9900, 'proposal', 'lost', 'price', '2025-01-02T09:00:00.000000000Z',
                '2025-01-04T09:00:00.000000000Z', '2025-01-04T09:00:00.000000000Z');
        INSERT INTO deal_stage_history (deal_id, stage, status, at, actor)
        VALUES (1, 'qualification', 'open', '2025-01-02T09:00:00.000000000Z', 'olena'),
               (1, 'contract', 'won', '2025-01-03T09:00:00.000000000Z', 'olena');
        INSERT INTO lead_transitions (lead_id, from_status, to_status, at, actor)
        VALUES (1, NULL, 'new', '2025-01-02T08:00:00.000000000Z', 'system'),
               (1, 'new', 'converted', '2025-01-02T09:00:00.000000000Z', 'olena');
        INSERT INTO activities (kind, direction, client_id, deal_id, manager_id, at, subject)
        VALUES ('call', 'out', 1, 1, 1, '2025-01-02T09:30:00.000000000Z', 'First call');
        INSERT INTO orders (id, client_id, ordered_at, status, total, deal_id, external_ref)
        VALUES (1, 1, '2025-01-03T10:00:00.000000000Z', 'completed', 24590, 1, 'WEB-1'),
               (2, 1, '2025-02-03T10:00:00.000000000Z', 'cancelled', 500, NULL, NULL);
        INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price)
        VALUES (1, 0, 'SKU-1', 2, 10000), (1, 1, 'SKU-7', 1, 4590), (2, 0, 'SKU-2', 1, 500);
        INSERT INTO client_rollups (client_id, revenue, orders, first_order_at, last_order_at)
        VALUES (1, 24590, 1, '2025-01-03T10:00:00.000000000Z', '2025-01-03T10:00:00.000000000Z');
        INSERT INTO client_month_revenue (client_id, month, revenue, orders) VALUES (1, '2025-01', 24590, 1);
        INSERT INTO events (at, actor, entity, entity_id, kind, data)
        VALUES ('2025-01-03T10:00:00.000000000Z', 'olena', 'order', 1, 'recorded', '{}');
    "#;

    /// A directory of its own under the system temp dir, removed when dropped (also when a test fails).
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let path = std::env::temp_dir().join(format!(
                "crmkit-schema-{name}-{}-{nanos}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            // `create_dir` fails if the directory exists, so two tests never share one.
            std::fs::create_dir(&path).unwrap();
            TempDir(path)
        }

        /// The names of the files in the directory, sorted (to see stray `-wal` or `-shm` files).
        fn files(&self) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Everything a user could see in a file.
    #[derive(Debug, PartialEq)]
    struct Snapshot {
        schema: Schema,
        /// Each table's name and rows.
        rows: Vec<(String, Vec<String>)>,
        dangling: Vec<String>,
    }

    fn snapshot(path: &Path) -> Snapshot {
        let conn = Connection::open(path).unwrap();
        let rows = tables(&conn)
            .into_iter()
            .map(|t| {
                let rows = contents(&conn, &t);
                (t, rows)
            })
            .collect();
        Snapshot {
            schema: schema_of(&conn),
            rows,
            dangling: dangling_references(&conn),
        }
    }

    #[test]
    fn an_upgraded_database_equals_a_fresh_one() {
        let fresh = fresh();
        let expected = schema_of(&fresh);
        assert_eq!(expected.1, SCHEMA_VERSION);
        assert!(!expected.0.is_empty());

        for version in 0..SCHEMA_VERSION {
            // Straight from `version` to the current one, as a user's old file is opened.
            let mut conn = configured();
            migrate_to(&mut conn, version).unwrap();
            assert_eq!(user_version(&conn), version);
            seed(&conn, version);
            let before: Vec<(String, usize)> = tables(&conn)
                .into_iter()
                .map(|t| {
                    let n = contents(&conn, &t).len();
                    (t, n)
                })
                .collect();
            migrate(&mut conn).unwrap();
            assert_eq!(
                schema_of(&conn),
                expected,
                "upgraded from version {version}"
            );
            for (table, n) in before {
                assert_eq!(
                    contents(&conn, &table).len(),
                    n,
                    "rows of {table} kept when upgrading from version {version}"
                );
            }
            // The rows migrations insert (the lost-reason catalogue, the default pipeline) are the same as
            // in a fresh database.
            // (The routing token is random by design: only that it exists is compared.)
            for table in tables(&fresh) {
                let rows = contents(&fresh, &table);
                if table == "routing_token" {
                    assert_eq!(
                        contents(&conn, &table).len(),
                        1,
                        "routing_token from version {version}"
                    );
                } else if !rows.is_empty() {
                    assert_eq!(
                        contents(&conn, &table),
                        rows,
                        "{table} from version {version}"
                    );
                }
            }
            assert_eq!(dangling_references(&conn), Vec::<String>::new());

            // One version at a time, with data added at every step.
            let mut stepped = configured();
            migrate_to(&mut stepped, version).unwrap();
            seed(&stepped, version);
            for next in version + 1..=SCHEMA_VERSION {
                migrate_to(&mut stepped, next).unwrap();
                assert_eq!(user_version(&stepped), next);
            }
            assert_eq!(
                schema_of(&stepped),
                expected,
                "stepped up from version {version}"
            );
        }
    }

    #[test]
    fn the_seed_fits_the_current_schema() {
        // The upgrade test only seeds versions below the current one; this keeps the newest seed honest
        // before a migration needs it.
        let conn = fresh();
        seed(&conn, SCHEMA_VERSION);
        assert_eq!(dangling_references(&conn), Vec::<String>::new());
    }

    #[test]
    fn migrating_a_current_database_is_a_no_op() {
        let mut conn = fresh();
        seed(&conn, SCHEMA_VERSION);
        let schema = schema_of(&conn);
        let rows: Vec<Vec<String>> = tables(&conn).iter().map(|t| contents(&conn, t)).collect();
        migrate(&mut conn).unwrap();
        migrate_to(&mut conn, 0).unwrap();
        assert_eq!(schema_of(&conn), schema);
        let again: Vec<Vec<String>> = tables(&conn).iter().map(|t| contents(&conn, t)).collect();
        assert_eq!(again, rows);
    }

    /// Writes a file as a newer crmkit would leave it: the current schema with data, one more table and
    /// a higher `user_version`. `wal` says whether the file is in WAL mode (crmkit's) or SQLite's default
    /// rollback-journal mode (a file made by another tool).
    fn write_newer_file(path: &Path, wal: bool) {
        let mut conn = Connection::open(path).unwrap();
        if wal {
            configure(&conn).unwrap();
        }
        migrate(&mut conn).unwrap();
        seed(&conn, SCHEMA_VERSION);
        conn.execute_batch("CREATE TABLE from_the_future (id INTEGER PRIMARY KEY) STRICT;")
            .unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        conn.close().map_err(|(_, e)| e).unwrap();
    }

    fn assert_newer_file_refused_untouched(wal: bool) {
        let dir = TempDir::new("newer");
        let path = dir.0.join("newer.crm");
        write_newer_file(&path, wal);
        assert_eq!(dir.files(), ["newer.crm"]);
        let bytes = std::fs::read(&path).unwrap();

        for _ in 0..2 {
            match crate::Crm::open(&path) {
                Err(Error::SchemaTooNew { found, supported }) => {
                    assert_eq!(found, SCHEMA_VERSION + 1);
                    assert_eq!(supported, SCHEMA_VERSION);
                }
                Err(other) => panic!("expected SchemaTooNew, got {other:?}"),
                Ok(_) => panic!("a file from a newer crmkit was opened"),
            }
        }
        let err = crate::Crm::open(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SchemaTooNew);
        assert_eq!(dir.files(), ["newer.crm"], "no journal is left behind");
        assert!(
            std::fs::read(&path).unwrap() == bytes,
            "the refused file's bytes changed"
        );
    }

    #[test]
    fn a_file_from_a_newer_crmkit_is_refused_and_left_untouched() {
        assert_newer_file_refused_untouched(true);
    }

    #[test]
    fn a_newer_file_in_rollback_journal_mode_is_left_untouched() {
        assert_newer_file_refused_untouched(false);
    }

    #[test]
    fn opening_a_file_again_changes_nothing_and_keeps_the_data() {
        let dir = TempDir::new("reopen");
        let path = dir.0.join("shop.crm");
        let t = Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap();
        let total = Money::parse("245.90").unwrap();
        let (client_id, order_id, seq) = {
            let crm = crate::Crm::open(&path).unwrap();
            let client = crm
                .add_client(NewClient::new(ClientKind::Company, "Romashka"), t)
                .unwrap();
            let order = NewOrder {
                client_id: client.id,
                total,
                lines: vec![
                    OrderLine::new("SKU-1", 2, Money::parse("100").unwrap()),
                    OrderLine::new("SKU-7", 1, Money::parse("45.90").unwrap()),
                ],
                external_ref: Some("WEB-5531".into()),
                ..Default::default()
            };
            let order = crm.record_order(order, t).unwrap();
            (client.id, order.id, crm.last_seq().unwrap())
        };
        let before = snapshot(&path);
        assert_eq!(before.schema.1, SCHEMA_VERSION);
        assert_eq!(
            before.dangling,
            Vec::<String>::new(),
            "no dangling references"
        );
        assert!(
            before
                .rows
                .iter()
                .any(|(t, rows)| t == "orders" && rows.len() == 1)
        );
        let bytes = std::fs::read(&path).unwrap();

        for _ in 0..2 {
            let crm = crate::Crm::open(&path).unwrap();
            assert_eq!(crm.schema_version().unwrap(), SCHEMA_VERSION);
            assert_eq!(crm.get_client(client_id).unwrap().name, "Romashka");
            assert_eq!(crm.get_order(order_id).unwrap().lines.len(), 2);
            assert_eq!(crm.client_rollup(client_id).unwrap().revenue, total);
            assert_eq!(crm.last_seq().unwrap(), seq);
            drop(crm);
            assert_eq!(dir.files(), ["shop.crm"]);
            assert!(
                std::fs::read(&path).unwrap() == bytes,
                "opening the file again changed its bytes"
            );
            assert_eq!(snapshot(&path), before);
        }
    }

    #[test]
    fn every_foreign_key_has_an_index() {
        let conn = fresh();
        assert_eq!(unindexed_foreign_keys(&conn), Vec::<String>::new());
        seed(&conn, SCHEMA_VERSION);
        assert_eq!(dangling_references(&conn), Vec::<String>::new());

        // The check finds a gap when there is one, and a partial index does not close it.
        conn.execute_batch(
            "CREATE TABLE probe (
                 id        INTEGER PRIMARY KEY,
                 client_id INTEGER REFERENCES clients (id),
                 deal_id   INTEGER REFERENCES deals (id)
             ) STRICT;
             CREATE INDEX probe_by_client ON probe (client_id) WHERE client_id IS NOT NULL;
             INSERT INTO probe (id, client_id) VALUES (1, 1);",
        )
        .unwrap();
        assert_eq!(
            unindexed_foreign_keys(&conn),
            ["probe.client_id -> clients", "probe.deal_id -> deals"]
        );
        // And `foreign_key_check` finds a dangling row.
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        conn.execute("INSERT INTO probe (id, deal_id) VALUES (2, 999)", [])
            .unwrap();
        assert_eq!(dangling_references(&conn).len(), 1);
    }

    #[test]
    fn every_table_is_strict() {
        let conn = fresh();
        assert!(tables(&conn).len() > 10);
        assert_eq!(non_strict_tables(&conn), Vec::<String>::new());
        conn.execute_batch("CREATE TABLE loose (id INTEGER PRIMARY KEY, x)")
            .unwrap();
        assert_eq!(non_strict_tables(&conn), ["loose"]);
    }
}
