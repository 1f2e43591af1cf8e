//! The analytics reports and the bulk order load: `cargo bench --bench analytics` (options after `--`:
//! `--clients N`, default 1,000,000; `--orders M`, default 10,000,000; `--dir DIR`, default
//! `target/bench-analytics/<N>x<M>`; `--runs R`, default 5; `--batch B` orders per `record_orders`
//! call, default 50,000; `--single S` orders recorded one at a time, default 20,000; `--leads L`,
//! default N / 10; `--rebuild`). Driven by `scripts/bench.sh`, which compares with DuckDB and pandas
//! (`tests/bench/analytics_compare.py`). Prints one JSON object per line.
//!
//! The store is built through crm-core's public API from a seeded generator, so every run builds the
//! same store: clients in transactions of 20,000, then the orders in time order — all but the last S in
//! `record_orders` batches of B, the last S one `record_order` call each — then L leads captured and
//! moved through the funnel in transactions. In the same run, the floor: raw rusqlite inserting the
//! same order rows into a table shaped like crm-core's `orders` (its indexes, its UNIQUE external
//! reference, the same timestamp text) in one transaction with one prepared statement, on a connection
//! set up as crm-core sets up its own (WAL, synchronous NORMAL, 64 MiB cache, foreign keys).
//!
//! The store is cached in DIR with a manifest (keyed by the data format, the sizes, the seed and the
//! schema) and CSV exports for the Python side (`orders.csv`: client_id, ordered_at's UTC date, total in
//! minor units, read back from the store; `lead_steps.csv`: the funnel steps each lead took, from the
//! generator); a later run with the same key reuses it and only times the reports (the load figures
//! then come from the manifest, marked `"measured_this_run": false`).
//!
//! Each report runs on a store opened fresh from its file: one warm-up, then the median of R runs. Its
//! answer is written to `DIR/results/` for the Python side to compare row by row.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crm_core::{
    Channel, ClientId, ClientKind, ConvertLead, Crm, LeadId, Money, NewClient, NewLead, NewOrder,
    OrderStatus,
};
use crmkit_suite::Rng;
use crmkit_suite::measure::round3;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The version of the generated data and of the exports: change it whenever either changes, so that
/// cached stores are rebuilt.
const FORMAT_VERSION: u32 = 1;
const SEED: u64 = 0xA1A_2026;
/// Clients per transaction, leads per transaction.
const CHUNK: usize = 20_000;
const DAY: i64 = 86_400;

// --- time ------------------------------------------------------------------------------------------------

fn utc(y: i32, m: u32, d: u32) -> BoxResult<DateTime<Utc>> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .ok_or_else(|| format!("bad date {y}-{m}-{d}").into())
}

fn at(secs: i64) -> BoxResult<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("bad time {secs}").into())
}

fn date(y: i32, m: u32, d: u32) -> BoxResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("bad date {y}-{m}-{d}").into())
}

/// A time as crm-core stores it: `2026-11-27T09:00:00.000000000Z`.
fn crm_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The simulated history: orders from 2025-01-01 to 2026-10-31 (22 calendar months), reports as of
/// 2026-11-01.
struct Clock {
    start: i64,
    end: i64,
    clients_at: i64,
    leads_from: i64,
    leads_to: i64,
}

impl Clock {
    fn new() -> BoxResult<Clock> {
        Ok(Clock {
            start: utc(2025, 1, 1)?.timestamp(),
            end: utc(2026, 11, 1)?.timestamp() - 1,
            clients_at: utc(2024, 12, 1)?.timestamp(),
            leads_from: utc(2026, 1, 1)?.timestamp(),
            leads_to: utc(2026, 10, 1)?.timestamp(),
        })
    }
}

const MONTHS: i64 = 22;

/// The Unix time of the first second of month `k` of the window (0 = January 2025).
fn month_start(k: i64) -> BoxResult<i64> {
    let y = 2025 + i32::try_from(k / 12)?;
    let m = u32::try_from(k % 12)? + 1;
    Ok(utc(y, m, 1)?.timestamp())
}

// --- the generator ---------------------------------------------------------------------------------------

/// A uniform float in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - unit(rng); // (0, 1]
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Minor units from a float amount of major units, at least 1.00 and at most 10 million.
fn minor(units: f64) -> i64 {
    // A float only draws the amount; the money itself is an integer of minor units.
    (units * 100.0).round().clamp(100.0, 1e9) as i64
}

/// How a client buys.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Habit {
    Never,
    Once,
    /// Every month from a start month on, about the same amount (noise in per cent).
    Monthly {
        from: i64,
        day: i64,
        noise: u32,
    },
    /// A Pareto-distributed number of orders at random times.
    Irregular,
}

/// One order as generated: the client is an index (0-based) into the clients.
#[derive(Clone, Copy)]
struct Planned {
    at: i64,
    client: u32,
    total: i64,
}

/// The orders of `n` clients, `m` in all, sorted by time (ties by generation order).
fn plan_orders(n: usize, m: usize, clock: &Clock) -> BoxResult<Vec<Planned>> {
    let mut rng = Rng::new(SEED);
    let span = clock.end - clock.start;
    // Habits and the client's typical amount (log-normal, median 120.00, a long right tail).
    let mut habits = Vec::with_capacity(n);
    let mut base = Vec::with_capacity(n);
    for _ in 0..n {
        let habit = match rng.below(100) {
            0..=7 => Habit::Never,
            8..=37 => Habit::Once,
            38..=52 => Habit::Monthly {
                from: rng.range(0, MONTHS - 1),
                day: rng.range(0, 27),
                noise: *rng.pick(&[3, 5, 15, 40]),
            },
            _ => Habit::Irregular,
        };
        habits.push(habit);
        base.push(120.0 * (1.1 * normal(&mut rng)).exp());
    }
    // Orders per client: fixed for the once and monthly buyers; the rest of `m` shared out among the
    // irregular ones in proportion to a Pareto weight (alpha 1.2, capped), at least one each.
    let mut counts = vec![0_i64; n];
    let mut irregular = Vec::new();
    let mut weights = Vec::new();
    for (i, habit) in habits.iter().enumerate() {
        match habit {
            Habit::Never => {}
            Habit::Once => counts[i] = 1,
            Habit::Monthly { from, .. } => counts[i] = MONTHS - from,
            Habit::Irregular => {
                irregular.push(i);
                let u = 1.0 - unit(&mut rng);
                weights.push(u.powf(-1.0 / 1.2).min(2_000.0));
            }
        }
    }
    let fixed: i64 = counts.iter().sum();
    let budget = i64::try_from(m)? - fixed;
    if irregular.is_empty() || budget < i64::try_from(irregular.len())? {
        return Err(format!(
            "{m} orders are too few for {n} clients (at least {})",
            fixed + irregular.len() as i64
        )
        .into());
    }
    let scale = budget as f64 / weights.iter().sum::<f64>();
    for (&i, w) in irregular.iter().zip(&weights) {
        counts[i] = ((w * scale).floor() as i64).clamp(1, 5_000);
    }
    let mut diff = budget - irregular.iter().map(|&i| counts[i]).sum::<i64>();
    while diff != 0 {
        let i = *rng.pick(&irregular);
        if diff > 0 && counts[i] < 5_000 {
            counts[i] += 1;
            diff -= 1;
        } else if diff < 0 && counts[i] > 1 {
            counts[i] -= 1;
            diff += 1;
        }
    }

    let mut orders = Vec::with_capacity(m);
    let months: Vec<i64> = (0..=MONTHS).map(month_start).collect::<BoxResult<_>>()?;
    for (i, habit) in habits.iter().enumerate() {
        let client = u32::try_from(i)?;
        let b = base[i];
        match *habit {
            Habit::Never => {}
            Habit::Once => orders.push(Planned {
                at: clock.start + rng.range(0, span),
                client,
                total: minor(b * (0.5 * normal(&mut rng)).exp()),
            }),
            Habit::Monthly { from, day, noise } => {
                let steady = b * 4.0; // a regular buyer orders more at a time
                for k in from..MONTHS {
                    let t = months[k as usize] + day * DAY + rng.range(8 * 3_600, 20 * 3_600);
                    let wobble = 1.0 + f64::from(noise) / 100.0 * normal(&mut rng);
                    orders.push(Planned {
                        at: t.min(clock.end),
                        client,
                        total: minor(steady * wobble.max(0.05)),
                    });
                }
            }
            Habit::Irregular => {
                let c = counts[i];
                // The first purchase anywhere in the first 90 % of the window; the others after it.
                let first = clock.start + rng.range(0, span * 9 / 10);
                orders.push(Planned {
                    at: first,
                    client,
                    total: minor(b * (0.6 * normal(&mut rng)).exp()),
                });
                for _ in 1..c {
                    orders.push(Planned {
                        at: first + rng.range(0, clock.end - first),
                        client,
                        total: minor(b * (0.6 * normal(&mut rng)).exp()),
                    });
                }
            }
        }
    }
    if orders.len() != m {
        return Err(format!("planned {} orders, not {m}", orders.len()).into());
    }
    // Stable: equal times keep the generation order.
    orders.sort_by_key(|o| o.at);
    Ok(orders)
}

/// A lead's path through the funnel, as planned: times are offsets from its arrival.
struct LeadPlan {
    received: i64,
    /// 0 received, 1 in progress, 2 qualified, 3 converted, 4 proposal, 5 negotiation, 6 won.
    furthest: u8,
    /// Lost at the furthest step (with this reason), or still open there (or won).
    lost: Option<&'static str>,
}

const REASONS: &[&str] = &[
    "price",
    "competitor",
    "no_budget",
    "no_need",
    "no_answer",
    "timing",
];

fn plan_leads(l: usize, clock: &Clock) -> Vec<LeadPlan> {
    let mut rng = Rng::new(SEED ^ 0x1EAD);
    let mut leads = Vec::with_capacity(l);
    for _ in 0..l {
        let received = clock.leads_from + rng.range(0, clock.leads_to - clock.leads_from - 1);
        // Each step passed with its own odds; at the step it stops, a lead is lost or stays open.
        let odds = [75, 60, 55, 70, 60, 55];
        let mut furthest = 0_u8;
        while usize::from(furthest) < odds.len() && rng.chance(odds[usize::from(furthest)], 100) {
            furthest += 1;
        }
        let lost = (furthest < 6 && rng.chance(60, 100)).then(|| *rng.pick(REASONS));
        // A lead lost while new cannot be lost (only a lead in work is); it stays open.
        let lost = if furthest == 0 { None } else { lost };
        leads.push(LeadPlan {
            received,
            furthest,
            lost,
        });
    }
    leads.sort_by_key(|p| p.received);
    leads
}

// --- building the store ----------------------------------------------------------------------------------

struct Built {
    load: Value,
    single: Value,
    clients_s: f64,
    leads_s: f64,
    export_s: f64,
    data: Value,
}

fn remove_store(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn external_ref(k: usize) -> String {
    format!("ERP-{:010}", k + 1)
}

/// The floor: the same order rows into an `orders` table of crm-core's shape, raw.
fn raw_sqlite(path: &Path, n: usize, orders: &[Planned]) -> BoxResult<f64> {
    remove_store(path);
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "wal_autocheckpoint", 8_000)?;
    conn.execute_batch(
        "CREATE TABLE clients (id INTEGER PRIMARY KEY) STRICT;
         CREATE TABLE deals (id INTEGER PRIMARY KEY) STRICT;
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
         CREATE INDEX orders_by_deal ON orders (deal_id);",
    )?;
    {
        let tx = conn.transaction()?;
        let mut stmt = tx.prepare("INSERT INTO clients (id) VALUES (?1)")?;
        for id in 1..=n {
            stmt.execute([i64::try_from(id)?])?;
        }
        drop(stmt);
        tx.commit()?;
    }
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO orders (client_id, ordered_at, status, total, deal_id, external_ref)
             VALUES (?1, ?2, 'completed', ?3, NULL, ?4)",
        )?;
        for (k, o) in orders.iter().enumerate() {
            stmt.execute(params![
                i64::from(o.client) + 1,
                crm_ts(at(o.at)?),
                o.total,
                external_ref(k)
            ])?;
        }
    }
    tx.commit()?;
    let secs = started.elapsed().as_secs_f64();
    drop(conn);
    remove_store(path);
    Ok(secs)
}

fn new_order(o: &Planned, k: usize, ids: &[ClientId]) -> NewOrder {
    NewOrder {
        client_id: ids[o.client as usize],
        total: Money::from_minor(o.total),
        status: Some(OrderStatus::Completed),
        external_ref: Some(external_ref(k)),
        ..Default::default()
    }
}

fn build(dir: &Path, args: &Args, clock: &Clock) -> BoxResult<Built> {
    let store = dir.join("store.crm");
    remove_store(&store);
    let started = Instant::now();
    let orders = plan_orders(args.clients, args.orders, clock)?;
    eprintln!(
        "analytics bench: planned {} orders for {} clients in {:.1} s",
        orders.len(),
        args.clients,
        started.elapsed().as_secs_f64()
    );

    // The floor first, on its own file, with the same rows.
    eprintln!("analytics bench: raw SQLite floor ...");
    let raw_s = raw_sqlite(&dir.join("floor.sqlite"), args.clients, &orders)?;
    eprintln!(
        "analytics bench: raw SQLite: {} rows in {raw_s:.1} s",
        orders.len()
    );

    let crm = Crm::open(&store)?;
    let started = Instant::now();
    let mut ids = Vec::with_capacity(args.clients);
    for lo in (0..args.clients).step_by(CHUNK) {
        let hi = (lo + CHUNK).min(args.clients);
        let got = crm.transaction(|tx| {
            let mut got = Vec::with_capacity(hi - lo);
            for i in lo..hi {
                let kind = if i % 5 == 0 {
                    ClientKind::Company
                } else {
                    ClientKind::Person
                };
                let client = NewClient::new(kind, format!("Client {}", i + 1));
                got.push(tx.add_client(client, at(clock.clients_at + i as i64)?)?.id);
            }
            Ok::<_, Box<dyn std::error::Error>>(got)
        })?;
        ids.extend(got);
        eprint!("\ranalytics bench: clients {}/{}", ids.len(), args.clients);
    }
    let clients_s = started.elapsed().as_secs_f64();
    eprintln!(" in {clients_s:.1} s");

    let single = args.single.min(orders.len());
    let bulk = orders.len() - single;
    let started = Instant::now();
    let mut done = 0;
    while done < bulk {
        let end = (done + args.batch).min(bulk);
        let batch = orders[done..end]
            .iter()
            .enumerate()
            .map(|(j, o)| Ok((new_order(o, done + j, &ids), at(o.at)?)))
            .collect::<BoxResult<Vec<_>>>()?;
        for (j, result) in crm.record_orders(batch)?.into_iter().enumerate() {
            if let Err(e) = result {
                return Err(format!("order {} refused: {e}", done + j).into());
            }
        }
        done = end;
        eprint!("\ranalytics bench: orders {done}/{bulk}");
    }
    let bulk_s = started.elapsed().as_secs_f64();
    eprintln!(" in {bulk_s:.1} s");

    let started = Instant::now();
    let mut single_us = Vec::with_capacity(single);
    for (k, o) in orders.iter().enumerate().skip(bulk) {
        let t = Instant::now();
        crm.record_order(new_order(o, k, &ids), at(o.at)?)?;
        single_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let single_s = started.elapsed().as_secs_f64();
    eprintln!("analytics bench: {single} orders one at a time in {single_s:.1} s");
    let total_orders = orders.len();
    drop(orders);

    let leads = plan_leads(args.leads.unwrap_or(0), clock);
    let started = Instant::now();
    let lead_ids = record_leads(&crm, &leads)?;
    let leads_s = started.elapsed().as_secs_f64();
    eprintln!("analytics bench: {} leads in {leads_s:.1} s", leads.len());
    crm.close()?;

    let started = Instant::now();
    let data = export(&store, dir, &leads, &lead_ids)?;
    let export_s = started.elapsed().as_secs_f64();
    eprintln!("analytics bench: CSV export in {export_s:.1} s");

    let crm_rows_s = bulk as f64 / bulk_s;
    let raw_rows_s = total_orders as f64 / raw_s;
    single_us.sort_by(f64::total_cmp);
    let load = json!({
        "orders": bulk,
        "batch": args.batch,
        "crmkit_s": round3(bulk_s),
        "crmkit_rows_s": crm_rows_s.round(),
        "raw_sqlite_rows": total_orders,
        "raw_sqlite_s": round3(raw_s),
        "raw_sqlite_rows_s": raw_rows_s.round(),
        "ratio": round3(crm_rows_s / raw_rows_s),
        "target_ratio": 0.5,
    });
    let single = json!({
        "orders": single,
        "crmkit_s": round3(single_s),
        "crmkit_rows_s": if single_s > 0.0 { (single as f64 / single_s).round() } else { 0.0 },
        "p50_us": round3(crmkit_suite::measure::quantile(&single_us, 0.5)),
        "p99_us": round3(crmkit_suite::measure::quantile(&single_us, 0.99)),
    });
    Ok(Built {
        load,
        single,
        clients_s,
        leads_s,
        export_s,
        data,
    })
}

/// Captures the leads and moves each as far as planned, in transactions of CHUNK leads.
fn record_leads(crm: &Crm, leads: &[LeadPlan]) -> BoxResult<Vec<LeadId>> {
    let mut ids = Vec::with_capacity(leads.len());
    for (c, chunk) in leads.chunks(CHUNK).enumerate() {
        let got = crm.transaction(|tx| {
            let mut got = Vec::with_capacity(chunk.len());
            for (j, p) in chunk.iter().enumerate() {
                let k = c * CHUNK + j;
                let mut lead = NewLead::new(if k.is_multiple_of(3) {
                    Channel::Referral
                } else {
                    Channel::Web
                });
                lead.name = Some(format!("Lead {}", k + 1));
                lead.email = Some(format!("lead{}@bench.example", k + 1));
                let t = |hours: i64| at(p.received + hours * 3_600);
                let id = tx.capture_lead(lead, t(0)?)?.lead.id;
                got.push(id);
                if p.furthest >= 1 {
                    tx.start_lead(id, t(2)?)?;
                }
                if p.furthest >= 2 {
                    tx.qualify_lead(id, t(26)?)?;
                }
                if p.furthest < 3 {
                    if let Some(reason) = p.lost {
                        tx.lose_lead(id, reason, None, t(50)?)?;
                    }
                    continue;
                }
                let conv = tx.convert_lead(id, ConvertLead::default(), t(30)?)?;
                let deal = conv.deal_id;
                if p.furthest >= 4 {
                    tx.move_deal(deal, "proposal", t(72)?)?;
                }
                if p.furthest >= 5 {
                    tx.move_deal(deal, "negotiation", t(120)?)?;
                }
                if p.furthest >= 6 {
                    tx.win_deal(deal, t(200)?)?;
                } else if let Some(reason) = p.lost {
                    tx.lose_deal(deal, reason, None, t(220)?)?;
                }
            }
            Ok::<_, Box<dyn std::error::Error>>(got)
        })?;
        ids.extend(got);
        eprint!("\ranalytics bench: leads {}/{}", ids.len(), leads.len());
    }
    eprintln!();
    Ok(ids)
}

// --- CSV export --------------------------------------------------------------------------------------------

/// `orders.csv` from the store (completed orders: client_id, UTC date, total in minor units) and
/// `lead_steps.csv` from the plan (lead_id, received date, furthest step index, lost reason or empty).
fn export(store: &Path, dir: &Path, leads: &[LeadPlan], lead_ids: &[LeadId]) -> BoxResult<Value> {
    let conn = Connection::open(store)?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(dir.join("orders.csv"))?);
    writeln!(out, "client_id,ordered_at,total")?;
    let mut stmt = conn.prepare(
        "SELECT client_id, substr(ordered_at, 1, 10), total FROM orders WHERE status = 'completed' ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut n_orders = 0_u64;
    while let Some(row) = rows.next()? {
        let client: i64 = row.get(0)?;
        let day = row.get_ref(1)?.as_str()?;
        let total: i64 = row.get(2)?;
        writeln!(out, "{client},{day},{total}")?;
        n_orders += 1;
    }
    out.flush()?;
    let mut out = BufWriter::new(File::create(dir.join("lead_steps.csv"))?);
    writeln!(out, "lead_id,received,furthest,lost_reason")?;
    for (p, id) in leads.iter().zip(lead_ids) {
        let day = at(p.received)?.date_naive();
        writeln!(
            out,
            "{},{day},{},{}",
            id.0,
            p.furthest,
            p.lost.unwrap_or("")
        )?;
    }
    out.flush()?;
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
    Ok(json!({
        "orders_csv_rows": n_orders,
        "lead_steps_csv_rows": leads.len(),
        "clients": count("SELECT count(*) FROM clients")?,
        "clients_with_orders": count("SELECT count(*) FROM client_rollups")?,
        "orders": count("SELECT count(*) FROM orders")?,
        "events": count("SELECT count(*) FROM events")?,
    }))
}

// --- the cache ---------------------------------------------------------------------------------------------

const FILES: &[&str] = &["store.crm", "orders.csv", "lead_steps.csv"];

/// The cached store's manifest when it was built from the same data. The schema version it was built
/// with does not matter: opening the store migrates it, as it would a user's file (older manifests
/// carried the version in the key; it is ignored there).
fn cached(dir: &Path, key: &Value) -> Option<Value> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    let complete = FILES.iter().all(|f| dir.join(f).is_file());
    let mut built = manifest.get("key")?.clone();
    if let Some(fields) = built.as_object_mut() {
        fields.remove("schema_version");
    }
    (complete && &built == key).then_some(manifest)
}

// --- the reports -------------------------------------------------------------------------------------------

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// Times `f` on a store opened fresh from `store`: one warm-up, then the median of `runs`. Returns the
/// warm-up's answer and the timings.
fn timed<T>(
    store: &Path,
    runs: usize,
    f: impl Fn(&Crm) -> crm_core::Result<T>,
) -> BoxResult<(T, Value)> {
    let started = Instant::now();
    let crm = Crm::open(store)?;
    let open_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let answer = f(&crm)?;
    let first_s = started.elapsed().as_secs_f64();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let again = f(&crm)?;
        times.push(started.elapsed().as_secs_f64());
        drop(again);
    }
    let min = times.iter().copied().fold(f64::INFINITY, f64::min);
    Ok((
        answer,
        json!({
            "crmkit_s": round3(median(times)),
            "crmkit_min_s": round3(min),
            "crmkit_first_s": round3(first_s),
            "crmkit_open_s": round3(open_s),
            "runs": runs,
        }),
    ))
}

fn write_lines(path: &Path, header: &str, lines: impl Iterator<Item = String>) -> BoxResult<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(out, "{header}")?;
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// Reports, each one JSON object (or an error object when the report failed or does not exist yet).
fn reports(store: &Path, dir: &Path, runs: usize, suffix: &str) -> Vec<Value> {
    let results = dir.join("results");
    let _ = std::fs::create_dir_all(&results);
    let mut out = Vec::new();
    let mut run = |name: String, f: &dyn Fn() -> BoxResult<Value>| {
        eprintln!("analytics bench: {name}");
        let line = match f() {
            Ok(mut v) => {
                v["bench"] = json!(name);
                v
            }
            Err(e) => json!({ "bench": name, "error": e.to_string() }),
        };
        out.push(line);
    };
    run(format!("abc_{suffix}"), &|| abc(store, &results, runs));
    run(format!("rfm_{suffix}"), &|| rfm(store, &results, runs));
    run(format!("xyz_{suffix}"), &|| xyz(store, &results, runs));
    run("funnel".to_string(), &|| funnel(store, &results, runs));
    run(format!("p_alive_{suffix}"), &|| {
        p_alive(store, &results, runs)
    });
    out
}

// The report calls are in `api` below, kept apart because the analytics API is young.
use api::{abc, funnel, p_alive, rfm, xyz};

mod api {
    use super::*;
    use crm_core::analytics::abc::AbcRule;
    use crm_core::analytics::rfm::RfmTieRule;
    use crm_core::{AbcMeasure, AbcQuery, FunnelQuery, PAliveQuery, RfmQuery, XyzQuery};

    /// The day RFM and P(alive) are computed as of.
    pub fn as_of() -> BoxResult<NaiveDate> {
        date(2026, 11, 1)
    }

    pub fn abc(store: &Path, results: &Path, runs: usize) -> BoxResult<Value> {
        let query = AbcQuery {
            start: None,
            end: None,
            measure: AbcMeasure::Revenue,
            a: 0.80,
            b: 0.95,
            rule: AbcRule::Inclusive,
        };
        let (report, mut line) = timed(store, runs, |crm| crm.abc(&query))?;
        let mut rows: Vec<_> = report.rows.iter().collect();
        rows.sort_by_key(|r| r.client_id);
        write_lines(
            &results.join("abc.csv"),
            "client_id,class",
            rows.iter()
                .map(|r| format!("{},{}", r.client_id.0, r.class.as_str())),
        )?;
        let s = &report.summary;
        line["rows"] = json!(report.rows.len());
        line["crmkit_classes"] = json!({ "A": s.a.count, "B": s.b.count, "C": s.c.count });
        Ok(line)
    }

    pub fn rfm(store: &Path, results: &Path, runs: usize) -> BoxResult<Value> {
        let query = RfmQuery {
            as_of: as_of()?,
            tie_rule: RfmTieRule::Ntile,
            thresholds: None,
        };
        let (report, mut line) = timed(store, runs, |crm| crm.rfm(&query))?;
        let mut rows: Vec<_> = report.rows.iter().collect();
        rows.sort_by_key(|r| r.client_id);
        write_lines(
            &results.join("rfm.csv"),
            "client_id,recency_days,frequency,monetary,r,f,m,segment",
            rows.iter().map(|r| {
                format!(
                    "{},{},{},{},{},{},{},{}",
                    r.client_id.0,
                    r.recency_days,
                    r.frequency,
                    r.monetary,
                    r.r_score,
                    r.f_score,
                    r.m_score,
                    r.segment.as_str()
                )
            }),
        )?;
        line["rows"] = json!(report.rows.len());
        Ok(line)
    }

    pub fn xyz(store: &Path, results: &Path, runs: usize) -> BoxResult<Value> {
        let query = XyzQuery {
            start: Some(date(2025, 11, 1)?),
            end: Some(date(2026, 10, 31)?),
            x: 0.10,
            y: 0.25,
        };
        let (report, mut line) = timed(store, runs, |crm| crm.xyz(&query))?;
        let mut rows: Vec<_> = report.rows.iter().collect();
        rows.sort_by_key(|r| r.client_id);
        write_lines(
            &results.join("xyz.csv"),
            "client_id,periods,class",
            rows.iter().map(|r| {
                let class = r.class.map(|c| format!("{c:?}")).unwrap_or_default();
                format!("{},{},{class}", r.client_id.0, r.periods)
            }),
        )?;
        line["rows"] = json!(report.rows.len());
        line["months"] = json!(report.months.len());
        Ok(line)
    }

    pub fn funnel(store: &Path, results: &Path, runs: usize) -> BoxResult<Value> {
        let query = FunnelQuery::new(date(2026, 1, 1)?, date(2026, 9, 30)?);
        let (report, mut line) = timed(store, runs, |crm| crm.funnel(&query))?;
        let mut figures = serde_json::Map::new();
        for step in &report.steps {
            figures.insert(step.code.clone(), json!(step.entered));
        }
        for step in &report.steps {
            if step.code != "won" && step.code != "converted" && step.code != "contract" {
                figures.insert(format!("lost_{}", step.code), json!(step.lost));
            }
        }
        std::fs::write(
            results.join("funnel.json"),
            Value::Object(figures).to_string(),
        )?;
        line["steps"] = json!(report.steps.len());
        Ok(line)
    }

    pub fn p_alive(store: &Path, _results: &Path, runs: usize) -> BoxResult<Value> {
        let query = PAliveQuery::as_of(as_of()?);
        let (report, mut line) = timed(store, runs, |crm| crm.p_alive(&query))?;
        line["rows"] = json!(report.rows.len());
        line["params"] = serde_json::to_value(report.params)?;
        line["log_likelihood"] = json!(report.log_likelihood);
        let mean =
            report.rows.iter().map(|r| r.p_alive).sum::<f64>() / report.rows.len().max(1) as f64;
        line["mean_p_alive"] = json!(round3(mean));
        line["note"] =
            json!("crmkit only: BG/NBD fit by maximum likelihood; no DuckDB or pandas counterpart");
        Ok(line)
    }
}

// --- main --------------------------------------------------------------------------------------------------

struct Args {
    clients: usize,
    orders: usize,
    dir: Option<PathBuf>,
    runs: usize,
    batch: usize,
    single: usize,
    leads: Option<usize>,
    rebuild: bool,
}

fn number(text: &str) -> BoxResult<usize> {
    Ok(text.replace(['_', ','], "").parse()?)
}

fn args() -> BoxResult<Args> {
    let mut args = Args {
        clients: 1_000_000,
        orders: 10_000_000,
        dir: None,
        runs: 5,
        batch: 50_000,
        single: 20_000,
        leads: None,
        rebuild: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--clients" => args.clients = number(&value()?)?,
            "--orders" => args.orders = number(&value()?)?,
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--runs" => args.runs = number(&value()?)?,
            "--batch" => args.batch = number(&value()?)?,
            "--single" => args.single = number(&value()?)?,
            "--leads" => args.leads = Some(number(&value()?)?),
            "--rebuild" => args.rebuild = true,
            _ => {} // `--bench`, which cargo passes, and anything else
        }
    }
    if args.clients == 0 || args.runs == 0 || args.batch == 0 {
        return Err("--clients, --runs and --batch must be at least 1".into());
    }
    Ok(args)
}

/// `1m` for a million, `20k` for 20,000, else the number.
fn scale(n: usize) -> String {
    if n.is_multiple_of(1_000_000) {
        format!("{}m", n / 1_000_000)
    } else if n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

fn main() -> BoxResult<()> {
    let mut args = args()?;
    let leads = args.leads.unwrap_or(args.clients / 10);
    args.leads = Some(leads);
    let clock = Clock::new()?;
    let dir = args.dir.clone().unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/bench-analytics")
            .join(format!("{}x{}", args.clients, args.orders))
    });
    std::fs::create_dir_all(&dir)?;
    let store = dir.join("store.crm");
    let key = json!({
        "format_version": FORMAT_VERSION,
        "clients": args.clients,
        "orders": args.orders,
        "leads": leads,
        "batch": args.batch,
        "single": args.single,
        "seed": SEED,
    });
    let (manifest, built) = match cached(&dir, &key).filter(|_| !args.rebuild) {
        Some(m) => (m, false),
        None => {
            let _ = std::fs::remove_file(dir.join("manifest.json"));
            eprintln!("analytics bench: building the store in {}", dir.display());
            let started = Instant::now();
            let b = build(&dir, &args, &clock)?;
            let manifest = json!({
                "key": key,
                "built_with_schema": crm_core::SCHEMA_VERSION,
                "build_s": round3(started.elapsed().as_secs_f64()),
                "clients_s": round3(b.clients_s),
                "leads_s": round3(b.leads_s),
                "export_s": round3(b.export_s),
                "load": b.load,
                "record_order_single": b.single,
                "data": b.data,
            });
            std::fs::write(
                dir.join("manifest.json"),
                serde_json::to_string_pretty(&manifest)?,
            )?;
            (manifest, true)
        }
    };
    let store_bytes = std::fs::metadata(&store).map(|m| m.len()).unwrap_or(0);
    let env = json!({
        "bench": "env",
        "sqlite": rusqlite::version(),
        "schema_version": crm_core::SCHEMA_VERSION,
        "clients": args.clients,
        "orders": args.orders,
        "leads": leads,
        "dir": dir.display().to_string(),
        "store_bytes": store_bytes,
        "store_built_this_run": built,
        "store_built_with_schema": manifest.get("built_with_schema").cloned().unwrap_or(json!(5)),
        "build": {
            "build_s": manifest.get("build_s"),
            "clients_s": manifest.get("clients_s"),
            "leads_s": manifest.get("leads_s"),
            "export_s": manifest.get("export_s"),
        },
        "data": manifest.get("data"),
    });
    println!("{env}");
    let mut load = manifest.get("load").cloned().unwrap_or(Value::Null);
    load["bench"] = json!("load");
    load["measured_this_run"] = json!(built);
    println!("{load}");
    let mut single = manifest
        .get("record_order_single")
        .cloned()
        .unwrap_or(Value::Null);
    single["bench"] = json!("record_order_single");
    single["measured_this_run"] = json!(built);
    println!("{single}");
    for line in reports(&store, &dir, args.runs, &scale(args.clients)) {
        println!("{line}");
    }
    Ok(())
}
