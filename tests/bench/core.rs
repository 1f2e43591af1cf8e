//! Measures the core commands against raw SQLite doing the same writes, in the same run, and prints one
//! JSON object: `cargo bench --bench core` (add `-- --quick` for a short run).
//!
//! The comparison is honest about what each side does: raw SQLite inserts one bare row per transaction
//! with the same connection settings (WAL, synchronous=NORMAL); crmkit validates, checks references,
//! writes the lead, its first transition and an event. The ratio is the price of that bookkeeping.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crm_core::{Channel, ClientKind, Crm, Money, NewClient, NewLead, NewOrder};
use rusqlite::{Connection, params};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> BoxResult<Scratch> {
        let dir = std::env::temp_dir().join(format!("crmkit-bench-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start() -> BoxResult<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0)
        .single()
        .ok_or_else(|| "bad time".into())
}

fn lead(i: u64) -> NewLead {
    let mut lead = NewLead::new(Channel::Web);
    lead.name = Some(format!("Client {i}"));
    lead.phone = Some(format!("+38067{:07}", i % 10_000_000));
    lead.email = Some(format!("client{i}@example.com"));
    lead.need = Some("office chairs".into());
    lead
}

/// Leads per second through `capture_lead`, one transaction each, into a file store.
fn crm_capture(path: &Path, n: u64) -> BoxResult<f64> {
    let crm = Crm::open(path)?;
    let t0 = start()?;
    let started = Instant::now();
    for i in 0..n {
        let at = t0 + Duration::seconds(i64::try_from(i)?);
        crm.capture_lead(lead(i), at)?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

fn raw_connection(path: &Path) -> BoxResult<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE leads (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, name TEXT, phone TEXT, email TEXT,
                             need TEXT, received_at TEXT NOT NULL) STRICT;
         CREATE TABLE orders (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL, total INTEGER NOT NULL,
                              ordered_at TEXT NOT NULL, external_ref TEXT UNIQUE) STRICT;",
    )?;
    Ok(conn)
}

/// Rows per second of raw SQLite: one bare lead row per transaction, same settings.
fn raw_single(path: &Path, n: u64) -> BoxResult<f64> {
    let mut conn = raw_connection(path)?;
    let started = Instant::now();
    for i in 0..n {
        let tx = conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO leads (channel, name, phone, email, need, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            "web",
            format!("Client {i}"),
            format!("+38067{:07}", i % 10_000_000),
            format!("client{i}@example.com"),
            "office chairs",
            "2026-07-01T09:00:00.000000000Z"
        ])?;
        tx.commit()?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Leads per second of raw SQLite writing what `capture_lead` writes — the lead row (with its indexes),
/// its first transition and its event — into a store with crmkit's schema: the cost of the schema alone,
/// without validation, reference checks or serialisation.
fn raw_same_rows(path: &Path, n: u64) -> BoxResult<f64> {
    drop(Crm::open(path)?);
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let started = Instant::now();
    for i in 0..n {
        let tx = conn.transaction()?;
        let at = "2026-07-01T09:00:00.000000000Z";
        tx.prepare_cached(
            "INSERT INTO leads (status, channel, received_at, name, phone, phone_norm, phone_quality, email,
                                email_norm, email_quality, need, status_changed_at, updated_at)
             VALUES ('new', 'web', ?1, ?2, ?3, ?3, 'valid', ?4, ?4, 'valid', 'office chairs', ?1, ?1)",
        )?
        .execute(params![
            at,
            format!("Client {i}"),
            format!("+38067{:07}", i % 10_000_000),
            format!("client{i}@example.com")
        ])?;
        let id = tx.last_insert_rowid();
        tx.prepare_cached(
            "INSERT INTO lead_transitions (lead_id, from_status, to_status, at, actor)
             VALUES (?1, NULL, 'new', ?2, 'system')",
        )?
        .execute(params![id, at])?;
        tx.prepare_cached(
            "INSERT INTO events (at, actor, entity, entity_id, kind, data)
             VALUES (?1, 'system', 'lead', ?2, 'captured', '{}')",
        )?
        .execute(params![at, id])?;
        tx.commit()?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Orders per second through `record_orders` (one transaction for the batch; rollups and events kept).
fn crm_batch_orders(path: &Path, n: u64) -> BoxResult<f64> {
    let crm = Crm::open(path)?;
    let t0 = start()?;
    let clients: Vec<_> = (0..100)
        .map(|i| {
            crm.add_client(
                NewClient::new(ClientKind::Person, format!("Client {i}")),
                t0,
            )
        })
        .collect::<Result<_, _>>()?;
    let batch: Vec<_> = (0..n)
        .map(|i| {
            let order = NewOrder {
                client_id: clients[usize::try_from(i % 100).unwrap_or(0)].id,
                total: Money::from_minor(1_000 + i64::try_from(i % 5_000).unwrap_or(0)),
                external_ref: Some(format!("WEB-{i}")),
                ..Default::default()
            };
            (order, t0 + Duration::minutes(i64::try_from(i).unwrap_or(0)))
        })
        .collect();
    let started = Instant::now();
    let results = crm.record_orders(batch)?;
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        return Err(format!("an order failed: {e}").into());
    }
    Ok(n as f64 / elapsed)
}

/// Rows per second of raw SQLite: bare order rows in one transaction.
fn raw_bulk_orders(path: &Path, n: u64) -> BoxResult<f64> {
    let mut conn = raw_connection(path)?;
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO orders (client_id, total, ordered_at, external_ref) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for i in 0..n {
            stmt.execute(params![
                i64::try_from(i % 100)?,
                1_000 + i64::try_from(i % 5_000)?,
                "2026-07-01T09:00:00.000000000Z",
                format!("WEB-{i}")
            ])?;
        }
    }
    tx.commit()?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

fn main() -> BoxResult<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (n_single, n_bulk) = if quick {
        (2_000, 20_000)
    } else {
        (20_000, 200_000)
    };
    let scratch = Scratch::new("core")?;

    // `--only capture` or `--only orders` runs one part (for a profiler); the other reads as zero.
    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let (mut raw_tx, mut raw_rows, mut crm_tx, mut raw_bulk, mut crm_bulk) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    if run("capture") {
        raw_tx = raw_single(&scratch.file("raw1.db"), n_single)?;
        raw_rows = raw_same_rows(&scratch.file("raw3.crm"), n_single)?;
        crm_tx = crm_capture(&scratch.file("crm1.crm"), n_single)?;
    }
    if run("orders") {
        raw_bulk = raw_bulk_orders(&scratch.file("raw2.db"), n_bulk)?;
        crm_bulk = crm_batch_orders(&scratch.file("crm2.crm"), n_bulk)?;
    }

    let report = serde_json::json!({
        "benchmark": "crm-core commands vs raw SQLite, same run, file stores in WAL mode",
        "capture_lead": {
            "n": n_single,
            "crmkit_per_s": crm_tx.round(),
            "raw_sqlite_single_row_tx_per_s": raw_tx.round(),
            "raw_sqlite_same_rows_and_schema_tx_per_s": raw_rows.round(),
            "ratio_raw_over_crmkit": (raw_tx / crm_tx * 100.0).round() / 100.0,
            "ratio_raw_same_rows_over_crmkit": (raw_rows / crm_tx * 100.0).round() / 100.0,
        },
        "record_orders_batch": {
            "n": n_bulk,
            "crmkit_per_s": crm_bulk.round(),
            "raw_sqlite_bulk_insert_per_s": raw_bulk.round(),
            "ratio_raw_over_crmkit": (raw_bulk / crm_bulk * 100.0).round() / 100.0,
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
