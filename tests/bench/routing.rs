//! Routing of captured leads on a large store: `cargo bench --bench routing` (options after `--`:
//! `--clients N`, default 1,000,000; `--leads K`, default 20,000; `--quick` for 2,000 leads (or
//! `ROUTING_BENCH_LEADS=K`); `--dir DIR`, default `target/bench-routing`; `--only routed|plain|raw`
//! runs one side alone, for profiling). Prints one JSON object.
//!
//! **The store.** A base of N clients on disk (WAL, opened with `Crm::open` as users get it). When the
//! dedup bench has cached a store of N clients (`target/bench-dedup/<N>/store.crm`, a schema no newer
//! than this crm-core's) a copy of it is used (opening it migrates it); otherwise a plainer base is built
//! here through the public API and cached in `DIR/<N>`. On it: 20 active managers of team `sales`
//! (managers 1–20, set up with `update_manager`: four with a capacity, one with a daily cap, weights 1–3,
//! skills `b2b`/`wholesale`, a few regions); any other manager (the dedup store has 50 owning its
//! clients) is made inactive, so a known client's request goes to its owner when the owner is one of the
//! 20, and by the rules otherwise. A store calendar (Europe/Kyiv, Mon–Fri 09:00–18:00), an absence of
//! manager 5, three routing rules (`region = 'Kyiv'` → least loaded over skill `b2b`; `interest =
//! 'wholesale'` → weighted, matching regions, in working hours only; a round-robin catch-all), and a
//! first-response policy of 2 working hours.
//!
//! **The leads.** K seeded requests, ~30 % from known clients (their phone or e-mail as stored, some
//! with the name), the rest from new people; arrival times 1–120 s apart from a Monday 06:00 UTC, so
//! they run through working hours, nights and a weekend. Each is one `capture_lead` call (one
//! transaction: match, route, deadline, commit), timed.
//!
//! **In the same run, in turn** (each lead on each side, the side that goes first rotating, so that
//! whatever else the machine does weighs on all alike): crmkit with routing and SLA; crmkit on a second
//! copy of the same store with the rules and the policy removed (capture + match + owner only: the
//! difference is what routing and the deadline cost); and raw SQLite — a separate file with crm-core's
//! pragmas and a leads-like table, one single-row `INSERT` transaction per lead (the physical floor).
//! Rates are leads per second of time spent in the calls.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use crm_core::calendar::CalendarSpec;
use crm_core::{
    AssignedVia, Channel, ClientKind, Crm, ManagerId, ManagerPatch, NewAbsence, NewClient, NewLead,
    NewManager, NewRoutingRule, NewSlaPolicy, Strategy,
};
use crmkit_suite::Rng;
use crmkit_suite::measure::{quantile, round1, round3};
use rusqlite::{Connection, OpenFlags, params};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const SEED: u64 = 0x0007_2026;
/// The version of the base built here (when the dedup bench's is not there).
const FORMAT_VERSION: u32 = 1;
const MANAGERS: i64 = 20;
const TEAM: &str = "sales";
/// Leads captured on every side before the measured ones, not counted.
const WARMUP: usize = 200;
/// Clients per transaction while building a base here.
const CHUNK: usize = 20_000;
/// A lead comes from a known client this many times in 100.
const KNOWN_PER_100: u64 = 30;
const REGIONS: &[(&str, u32)] = &[
    ("Kyiv", 35),
    ("Lviv", 12),
    ("Odesa", 10),
    ("Kharkiv", 10),
    ("Dnipro", 10),
];
const FIRST: &[&str] = &[
    "Олена",
    "Іван",
    "Андрій",
    "Оксана",
    "Сергій",
    "Тетяна",
    "Дмитро",
    "Ольга",
    "Максим",
    "Юлія",
    "Taras",
    "Iryna",
    "Bohdan",
    "Sofiia",
];
const LAST: &[&str] = &[
    "Мельник",
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Бойко",
    "Ткаченко",
    "Kravchenko",
    "Oliinyk",
    "Lysenko",
    "Moroz",
];
const NEEDS: &[&str] = &[
    "Потрібна консультація щодо оптових цін",
    "Прошу передзвонити",
    "Цікавить доставка до Львова",
    "Need a quote for 200 units",
    "Хочу стати дилером",
];

// --- helpers ---------------------------------------------------------------------------------------------

/// Rate and latency of one side, from the per-call microseconds.
fn figures(us: &[f64]) -> Value {
    let mut sorted = us.to_vec();
    sorted.sort_by(f64::total_cmp);
    let total: f64 = sorted.iter().sum();
    json!({
        "per_s": (sorted.len() as f64 / (total / 1e6)).round(),
        "p50_us": round1(quantile(&sorted, 0.5)),
        "p90_us": round1(quantile(&sorted, 0.9)),
        "p99_us": round1(quantile(&sorted, 0.99)),
        "p999_us": round1(quantile(&sorted, 0.999)),
        "mean_us": round1(total / sorted.len().max(1) as f64),
        "max_us": round1(sorted.last().copied().unwrap_or(f64::NAN)),
    })
}

fn get(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn remove_store(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Copies a closed store (with its log, if one was left) and flushes the copy to disk, so that the first
/// checkpoint does not write the whole copy back inside a measured call.
fn copy_store(from: &Path, to: &Path) -> BoxResult<()> {
    remove_store(to);
    std::fs::copy(from, to)?;
    File::open(to)?.sync_all()?;
    let wal = PathBuf::from(format!("{}-wal", from.display()));
    if wal.is_file() {
        let dest = PathBuf::from(format!("{}-wal", to.display()));
        std::fs::copy(&wal, &dest)?;
        File::open(&dest)?.sync_all()?;
    }
    Ok(())
}

// --- the base ----------------------------------------------------------------------------------------------

/// The dedup bench's cached store of `n` clients, if it is there and no newer than this schema.
fn dedup_store(n: usize) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-dedup")
        .join(n.to_string());
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    let key = manifest.get("key")?;
    let clients = key.get("clients")?.as_u64()?;
    let schema = key.get("schema_version")?.as_i64()?;
    let store = dir.join("store.crm");
    (clients == n as u64 && schema <= crm_core::SCHEMA_VERSION && store.is_file()).then_some(store)
}

/// A plainer base built here: 20 managers, `n` clients (a quarter companies; phones, e-mails, regions,
/// owners for 90 %), cached in `root/<n>`.
fn own_store(root: &Path, n: usize) -> BoxResult<PathBuf> {
    let dir = root.join(n.to_string());
    let store = dir.join("store.crm");
    let key = json!({"format_version": FORMAT_VERSION, "clients": n, "seed": SEED});
    let manifest = dir.join("manifest.json");
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        let cached: Value = serde_json::from_str(&text)?;
        if cached.get("key") == Some(&key) && store.is_file() {
            return Ok(store);
        }
    }
    std::fs::create_dir_all(&dir)?;
    let _ = std::fs::remove_file(&manifest);
    remove_store(&store);
    eprintln!(
        "routing bench: building a store of {n} clients in {}",
        dir.display()
    );
    let t0 = Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()
        .ok_or("bad date")?;
    let crm = Crm::open(&store)?;
    for m in 1..=MANAGERS {
        crm.add_manager(NewManager::new(format!("Manager {m}")), t0)?;
    }
    let mut rng = Rng::new(SEED);
    let started = Instant::now();
    let mut done = 0_usize;
    while done < n {
        let end = (done + CHUNK).min(n);
        crm.transaction(|tx| {
            for i in done..end {
                let company = rng.chance(25, 100);
                let name = if company {
                    format!("ТОВ Компанія {i}")
                } else {
                    format!("{} {} {i}", rng.pick(LAST), rng.pick(FIRST))
                };
                let kind = if company {
                    ClientKind::Company
                } else {
                    ClientKind::Person
                };
                let mut c = NewClient::new(kind, name);
                if rng.chance(85, 100) {
                    c.phone = Some(format!("+38050{:07}", i));
                }
                if rng.chance(70, 100) {
                    c.email = Some(format!("client{i}@mail.example.ua"));
                }
                if rng.chance(85, 100) {
                    let r = rng.weighted(&REGIONS.iter().map(|r| r.1).collect::<Vec<_>>());
                    c.region = Some(REGIONS[r].0.to_string());
                }
                if rng.chance(90, 100) {
                    c.owner_id = Some(ManagerId(rng.range(1, MANAGERS)));
                }
                let at = t0 + Duration::seconds(i64::try_from(i)? * 30);
                tx.add_client(c, at)?;
            }
            Ok::<_, Box<dyn std::error::Error>>(())
        })?;
        done = end;
        eprint!(
            "\rrouting bench: clients {done}/{n} ({:.0}/s)",
            done as f64 / started.elapsed().as_secs_f64()
        );
    }
    eprintln!();
    crm.close()?;
    std::fs::write(
        &manifest,
        serde_json::to_string_pretty(&json!({"key": key}))?,
    )?;
    Ok(store)
}

// --- the set-up ----------------------------------------------------------------------------------------------

fn rules() -> Vec<NewRoutingRule> {
    let mut kyiv = NewRoutingRule::new("Kyiv b2b", Strategy::LeastLoaded);
    kyiv.priority = 10;
    kyiv.when = Some("region = 'Kyiv'".into());
    kyiv.team = Some(TEAM.into());
    kyiv.skills = vec!["b2b".into()];
    let mut wholesale = NewRoutingRule::new("wholesale", Strategy::Weighted);
    wholesale.priority = 20;
    wholesale.when = Some("interest = 'wholesale'".into());
    wholesale.team = Some(TEAM.into());
    wholesale.match_region = true;
    wholesale.working_hours_only = true;
    let mut everyone = NewRoutingRule::new("everyone", Strategy::RoundRobin);
    everyone.priority = 100;
    everyone.team = Some(TEAM.into());
    vec![kyiv, wholesale, everyone]
}

/// Managers 1–20 become the sales team, any other is made inactive; the calendar, the absence, the
/// rules and the policy. Returns the number of managers made inactive.
fn set_up(crm: &Crm, at: DateTime<Utc>, start: NaiveDate) -> BoxResult<usize> {
    let existing = crm.list_managers()?;
    for m in 1..=MANAGERS {
        if !existing.iter().any(|x| x.id == ManagerId(m)) {
            let id = crm
                .add_manager(NewManager::new(format!("Manager {m}")), at)?
                .id;
            if id != ManagerId(m) {
                return Err(format!("manager {m} got id {id}").into());
            }
        }
        let mut skills = Vec::new();
        if m <= 8 {
            skills.push("b2b".to_string());
        }
        if (7..=12).contains(&m) {
            skills.push("wholesale".to_string());
        }
        let p = ManagerPatch {
            team: Some(Some(TEAM.into())),
            capacity: Some((m <= 4).then_some(600)),
            daily_cap: Some((m == 20).then_some(40)),
            weight: Some(u32::try_from(m % 3 + 1)?),
            skills: Some(skills),
            regions: Some(match m {
                9..=12 => vec!["Lviv".into()],
                13 | 14 => vec!["Odesa".into(), "Kharkiv".into()],
                _ => Vec::new(),
            }),
            ..ManagerPatch::default()
        };
        crm.update_manager(ManagerId(m), p, at)?;
        crm.set_manager_active(ManagerId(m), true, at)?;
    }
    let mut deactivated = 0;
    for m in existing.iter().filter(|m| m.id.0 > MANAGERS && m.active) {
        crm.set_manager_active(m.id, false, at)?;
        deactivated += 1;
    }
    crm.set_calendar(
        None,
        Some(CalendarSpec::new("Europe/Kyiv").hours("mon-fri", &[("09:00", "18:00")])),
        at,
    )?;
    crm.add_absence(
        NewAbsence {
            manager_id: ManagerId(5),
            start: start + Duration::days(1),
            end: start + Duration::days(4),
            reason: Some("vacation".into()),
        },
        at,
    )?;
    for rule in rules() {
        crm.add_routing_rule(rule, at)?;
    }
    crm.set_response_sla(NewSlaPolicy::new("default", "2h"), at)?;
    Ok(deactivated)
}

// --- the leads -------------------------------------------------------------------------------------------------

struct Known {
    name: String,
    phone: Option<String>,
    email: Option<String>,
    region: Option<String>,
}

/// A client drawn at random that can be reached by phone or e-mail (as stored).
fn known_client(conn: &Connection, rng: &mut Rng, n: usize) -> BoxResult<Known> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, CASE WHEN phone_norm IS NOT NULL THEN phone END,
                CASE WHEN email_norm IS NOT NULL THEN email END, region
         FROM clients WHERE id = ?1",
    )?;
    for _ in 0..1_000 {
        let id = rng.range(1, i64::try_from(n)?);
        let k = stmt.query_row([id], |r| {
            Ok(Known {
                name: r.get(0)?,
                phone: r.get(1)?,
                email: r.get(2)?,
                region: r.get(3)?,
            })
        })?;
        if k.phone.is_some() || k.email.is_some() {
            return Ok(k);
        }
    }
    Err("no reachable client found".into())
}

struct Case {
    lead: NewLead,
    at: DateTime<Utc>,
    known: bool,
}

fn cases(store: &Path, n: usize, k: usize, start: DateTime<Utc>) -> BoxResult<Vec<Case>> {
    let conn = Connection::open_with_flags(store, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut rng = Rng::new(SEED ^ 0x1EAD);
    let weights: Vec<u32> = REGIONS.iter().map(|r| r.1).collect();
    let mut at = start;
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        at += Duration::seconds(rng.range(1, 120));
        let known = rng.chance(KNOWN_PER_100, 100);
        let mut lead = NewLead::new(Channel::Phone);
        if known {
            let c = known_client(&conn, &mut rng, n)?;
            let by_phone = c.phone.is_some() && (c.email.is_none() || rng.chance(60, 100));
            if by_phone {
                lead.phone = c.phone.map(|p| p.replace([' ', '-', '(', ')'], ""));
                if rng.chance(50, 100) {
                    lead.name = Some(c.name);
                }
            } else {
                lead.channel = Channel::Email;
                lead.email = c.email.map(|e| {
                    if rng.chance(30, 100) {
                        e.to_uppercase()
                    } else {
                        e
                    }
                });
                lead.name = Some(c.name);
            }
            if rng.chance(70, 100) {
                lead.region = c.region;
            }
        } else {
            lead.channel = if rng.chance(50, 100) {
                Channel::Web
            } else {
                Channel::Phone
            };
            lead.name = Some(format!("{} {}", rng.pick(FIRST), rng.pick(LAST)));
            let with_phone = rng.chance(80, 100);
            if with_phone {
                lead.phone = Some(format!("+38067{:07}", rng.below(10_000_000)));
            }
            if !with_phone || rng.chance(60, 100) {
                lead.email = Some(format!("lead{i}.{}@gmail.com", rng.below(1_000_000)));
            }
            if rng.chance(80, 100) {
                lead.region = Some(REGIONS[rng.weighted(&weights)].0.to_string());
            }
        }
        lead.interest = Some(
            if rng.chance(20, 100) {
                "wholesale"
            } else {
                "retail"
            }
            .to_string(),
        );
        lead.need = Some((*rng.pick(NEEDS)).to_string());
        out.push(Case { lead, at, known });
    }
    Ok(out)
}

// --- the raw floor ------------------------------------------------------------------------------------------------

/// A connection with crm-core's pragmas (`store::configure` and `use_wal`).
fn raw_connection(path: &Path) -> BoxResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "wal_autocheckpoint", 8_000)?;
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS leads (
             id          INTEGER PRIMARY KEY,
             status      TEXT NOT NULL,
             channel     TEXT NOT NULL,
             received_at TEXT NOT NULL,
             name        TEXT,
             phone       TEXT,
             email       TEXT,
             need        TEXT,
             interest    TEXT,
             region      TEXT,
             owner_id    INTEGER,
             client_id   INTEGER,
             first_response_due TEXT
         ) STRICT;
         CREATE INDEX IF NOT EXISTS leads_by_owner ON leads (owner_id);",
    )?;
    Ok(conn)
}

fn raw_insert(conn: &mut Connection, case: &Case) -> BoxResult<f64> {
    let when = case.at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let lead = &case.lead;
    let started = Instant::now();
    let tx = conn.transaction()?;
    tx.prepare_cached(
        "INSERT INTO leads (status, channel, received_at, name, phone, email, need, interest, region,
                            owner_id, client_id, first_response_due)
         VALUES ('new', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL, NULL)",
    )?
    .execute(params![
        lead.channel.as_str(),
        when,
        lead.name,
        lead.phone,
        lead.email,
        lead.need,
        lead.interest,
        lead.region,
    ])?;
    tx.commit()?;
    Ok(started.elapsed().as_secs_f64() * 1e6)
}

// --- measuring ----------------------------------------------------------------------------------------------------

#[derive(Default)]
struct Tally {
    us: Vec<f64>,
    known_us: Vec<f64>,
    new_us: Vec<f64>,
    auto_linked: usize,
    with_matches: usize,
    with_deadline: usize,
    queued: usize,
    via: BTreeMap<String, usize>,
    /// Per rule (or `owner`), per manager.
    per_manager: BTreeMap<String, BTreeMap<i64, usize>>,
}

fn capture(crm: &Crm, case: &Case, tally: Option<&mut Tally>) -> BoxResult<()> {
    let lead = case.lead.clone();
    let started = Instant::now();
    let c = crm.capture_lead(lead, case.at)?;
    let us = started.elapsed().as_secs_f64() * 1e6;
    let Some(t) = tally else {
        return Ok(());
    };
    t.us.push(us);
    if case.known {
        t.known_us.push(us);
    } else {
        t.new_us.push(us);
    }
    t.auto_linked += usize::from(c.auto_linked);
    t.with_matches += usize::from(!c.matches.is_empty());
    t.with_deadline += usize::from(c.lead.first_response_due.is_some());
    if let Some(a) = &c.assignment {
        *t.via.entry(a.via.as_str().to_string()).or_default() += 1;
        match a.manager_id {
            Some(m) => {
                let key = match (&a.rule, a.via) {
                    (Some(rule), _) => rule.clone(),
                    (None, AssignedVia::Owner) => "owner".to_string(),
                    (None, via) => via.as_str().to_string(),
                };
                *t.per_manager
                    .entry(key)
                    .or_default()
                    .entry(m.0)
                    .or_default() += 1;
            }
            None => t.queued += 1,
        }
    }
    Ok(())
}

fn side(t: &Tally) -> Value {
    let mut v = figures(&t.us);
    if let Value::Object(map) = &mut v {
        map.insert("known_client_leads".into(), figures(&t.known_us));
        map.insert("new_person_leads".into(), figures(&t.new_us));
        map.insert("auto_linked".into(), t.auto_linked.into());
        map.insert("with_matches".into(), t.with_matches.into());
        map.insert("with_deadline".into(), t.with_deadline.into());
        map.insert("queued".into(), t.queued.into());
        map.insert("via".into(), json!(t.via));
        let mut rules = serde_json::Map::new();
        for (rule, counts) in &t.per_manager {
            let min = counts.values().min().copied().unwrap_or(0);
            let max = counts.values().max().copied().unwrap_or(0);
            let total: usize = counts.values().sum();
            let counts: BTreeMap<String, usize> =
                counts.iter().map(|(m, n)| (m.to_string(), *n)).collect();
            rules.insert(
                rule.clone(),
                json!({"leads": total, "managers": counts.len(), "min_per_manager": min,
                       "max_per_manager": max, "per_manager": counts}),
            );
        }
        map.insert("routed_by".into(), Value::Object(rules));
    }
    v
}

struct Args {
    clients: usize,
    leads: usize,
    dir: PathBuf,
    /// Only this side (`routed`, `plain` or `raw`): for profiling one side alone.
    only: Option<String>,
}

fn args() -> BoxResult<Args> {
    let mut args = Args {
        clients: 1_000_000,
        leads: 20_000,
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-routing"),
        only: None,
    };
    if let Ok(k) = std::env::var("ROUTING_BENCH_LEADS") {
        args.leads = k.replace('_', "").parse()?;
    }
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--clients" => args.clients = value()?.replace('_', "").parse()?,
            "--leads" => args.leads = value()?.replace('_', "").parse()?,
            "--dir" => args.dir = PathBuf::from(value()?),
            "--quick" => args.leads = 2_000,
            "--only" => args.only = Some(value()?),
            _ => {} // `--bench`, which cargo passes, and anything else
        }
    }
    if !matches!(
        args.only.as_deref(),
        None | Some("routed" | "plain" | "raw")
    ) {
        return Err("--only takes routed, plain or raw".into());
    }
    if args.clients < 1_000 || args.leads == 0 {
        return Err("--clients must be at least 1000, --leads at least 1".into());
    }
    Ok(args)
}

fn main() -> BoxResult<()> {
    let args = args()?;
    std::fs::create_dir_all(&args.dir)?;
    let (source, from_dedup) = match dedup_store(args.clients) {
        Some(path) => (path, true),
        None => (own_store(&args.dir, args.clients)?, false),
    };

    // Two copies of the base: one routed, one with no rules and no policy. The copies are taken as they
    // are, then set up (the first open migrates an older schema).
    let run = args.dir.join("run");
    let _ = std::fs::remove_dir_all(&run);
    std::fs::create_dir_all(&run)?;
    let (routed_path, plain_path, raw_path) = (
        run.join("routed.crm"),
        run.join("plain.crm"),
        run.join("raw.db"),
    );
    let t = Instant::now();
    copy_store(&source, &routed_path)?;
    let copy_s = t.elapsed().as_secs_f64();

    // A Monday, 06:00 UTC (08:00 in Kyiv), well after every client of the base.
    let start = Utc
        .with_ymd_and_hms(2031, 3, 3, 6, 0, 0)
        .single()
        .ok_or("bad start")?;
    let setup_at = start - Duration::days(1);
    let t = Instant::now();
    let crm = Crm::open(&routed_path)?;
    let open_s = t.elapsed().as_secs_f64();
    let schema_before = {
        // Read from the source, which the open did not touch.
        let conn = Connection::open_with_flags(&source, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?
    };
    let t = Instant::now();
    let deactivated = set_up(&crm, setup_at, start.date_naive())?;
    let setup_s = t.elapsed().as_secs_f64();
    crm.close()?;
    copy_store(&routed_path, &plain_path)?;
    let plain = Crm::open(&plain_path)?;
    for rule in rules() {
        plain.remove_routing_rule(&rule.name, setup_at)?;
    }
    plain.remove_response_sla("default", setup_at)?;
    let crm = Crm::open(&routed_path)?;
    remove_store(&raw_path);
    let mut raw = raw_connection(&raw_path)?;

    let t = Instant::now();
    let all = cases(&routed_path, args.clients, WARMUP + args.leads, start)?;
    let cases_s = t.elapsed().as_secs_f64();
    let (warmup, measured) = all.split_at(WARMUP);
    eprintln!(
        "routing bench: {} leads (+{WARMUP} warm-up) on each of 3 sides, in turn",
        measured.len()
    );
    const SIDES: [&str; 3] = ["routed", "plain", "raw"];
    let runs = |side: usize| args.only.as_deref().is_none_or(|o| o == SIDES[side]);
    for (k, case) in warmup.iter().enumerate() {
        for turn in 0..3 {
            let side = (k + turn) % 3;
            if !runs(side) {
                continue;
            }
            match side {
                0 => capture(&crm, case, None)?,
                1 => capture(&plain, case, None)?,
                _ => {
                    raw_insert(&mut raw, case)?;
                }
            }
        }
    }
    let (mut routed_t, mut plain_t, mut raw_us) = (Tally::default(), Tally::default(), Vec::new());
    let wall = Instant::now();
    for (k, case) in measured.iter().enumerate() {
        for turn in 0..3 {
            let side = (k + turn) % 3;
            if !runs(side) {
                continue;
            }
            match side {
                0 => capture(&crm, case, Some(&mut routed_t))?,
                1 => capture(&plain, case, Some(&mut plain_t))?,
                _ => raw_us.push(raw_insert(&mut raw, case)?),
            }
        }
        if (k + 1) % 1_000 == 0 {
            eprint!("\rrouting bench: leads {}/{}", k + 1, measured.len());
        }
    }
    eprintln!();
    let wall_s = wall.elapsed().as_secs_f64();
    let queue_len = crm.queue()?.len();
    crm.close()?;
    plain.close()?;
    drop(raw);
    let store_bytes = std::fs::metadata(&source)?.len();
    let _ = std::fs::remove_dir_all(&run);

    let crmkit = side(&routed_t);
    let without = side(&plain_t);
    let floor = figures(&raw_us);
    let ratio = get(&crmkit, "per_s") / get(&floor, "per_s");
    let p99 = get(&crmkit, "p99_us");
    let report = json!({
        "bench": "routing",
        "clients": args.clients,
        "managers": MANAGERS,
        "leads": measured.len(),
        "warmup_leads": WARMUP,
        "known_client_leads": measured.iter().filter(|c| c.known).count(),
        "first_lead_at": measured.first().map(|c| c.at.to_rfc3339()),
        "last_lead_at": measured.last().map(|c| c.at.to_rfc3339()),
        "store": {
            "source": source.display().to_string(),
            "from_dedup_bench_cache": from_dedup,
            "bytes": store_bytes,
            "schema_version_of_source": schema_before,
            "schema_version": crm_core::SCHEMA_VERSION,
            "copy_s": round3(copy_s),
            "open_and_migrate_s": round3(open_s),
            "set_up_s": round3(setup_s),
            "other_managers_made_inactive": deactivated,
        },
        "cases_s": round3(cases_s),
        "wall_s_all_sides": round3(wall_s),
        "crmkit": crmkit,
        "queue_after_run": queue_len,
        "crmkit_without_routing_and_sla": without,
        "raw_sqlite": floor,
        "ratio_of_floor": round3(ratio),
        "routing_and_deadline_add_us": {
            "p50": round1(get(&crmkit, "p50_us") - get(&without, "p50_us")),
            "p99": round1(p99 - get(&without, "p99_us")),
            "mean": round1(get(&crmkit, "mean_us") - get(&without, "mean_us")),
        },
        "target": {
            "third_of_floor": ratio >= 1.0 / 3.0,
            "p99_under_1ms": p99 < 1_000.0,
        },
        "rules": ["Kyiv b2b: region = 'Kyiv', least_loaded, skill b2b (managers 1-8)",
                  "wholesale: interest = 'wholesale', weighted, match_region, working hours only",
                  "everyone: round_robin catch-all over team sales"],
        "raw_sqlite_does": "a separate file with crm-core's pragmas; per lead one transaction with one INSERT of the lead's fields into a leads table (rowid key, one index on owner_id)",
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
