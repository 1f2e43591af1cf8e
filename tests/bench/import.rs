//! Import of a client spreadsheet: `cargo bench --bench import` (options after `--`: `--rows N`, default
//! 1,000,000; `--dir DIR`, default `target/bench-import`). Prints one JSON object per step.
//!
//! Two CSV files of N rows each are generated with a fixed seed (semicolons, Ukrainian headers, as a
//! 1C export would be; UTF-8): `base.csv`, N distinct clients (name, e-mail, phone in E.164, region),
//! and `update.csv`, where half the rows are clients of the base written the way another export writes
//! them (the phone in a national format such as `(067) 123-45-67`, the e-mail in capitals; a third of
//! them with a new region), and the other half new clients. Then, timed:
//!
//! 1. **load**: `import_file` of `base.csv` into an empty store (every row created);
//! 2. **upsert**: `import_file` of `update.csv` into that store of N clients with `match_on = [email,
//!    phone]` (rows of the base found through the duplicate machinery's normal forms and updated or left
//!    unchanged, new rows created; the region stored differently is reported as a conflict, not
//!    overwritten).
//!
//! In the same run, raw SQLite does the same two steps on the same files: the rows parsed with the same
//! CSV reader, then inserted into a four-column table (load), and upserted (update): the e-mail
//! lowercased and the phone reduced to digits with the country code, looked up through an index on
//! each, then one `UPDATE` or `INSERT`, in one transaction. It has no validation, no events, no
//! matching keys, no per-row report and no undo; the ratio is the price of those.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{TimeZone, Utc};
use crm_core::{Crm, ImportKind, ImportOptions, MatchKey};
use crmkit_suite::Rng;
use crmkit_suite::measure::round3;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const SEED: u64 = 20_261_127;
const REGIONS: [&str; 8] = [
    "Київ",
    "Львів",
    "Дніпро",
    "Одеса",
    "Харків",
    "Вінниця",
    "Полтава",
    "Черкаси",
];
const FIRST: [&str; 12] = [
    "Олена",
    "Іван",
    "Марія",
    "Петро",
    "Оксана",
    "Андрій",
    "Наталія",
    "Сергій",
    "Ірина",
    "Тарас",
    "Юлія",
    "Богдан",
];
const LAST: [&str; 12] = [
    "Коваль",
    "Петренко",
    "Шевченко",
    "Бондар",
    "Ткаченко",
    "Мельник",
    "Кравченко",
    "Олійник",
    "Лисенко",
    "Руденко",
    "Савченко",
    "Мороз",
];
const CODES: [u32; 8] = [50, 63, 66, 67, 68, 73, 93, 97];

struct Args {
    rows: u64,
    dir: PathBuf,
}

fn args() -> BoxResult<Args> {
    let mut args = Args {
        rows: 1_000_000,
        dir: PathBuf::from("target/bench-import"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rows" => args.rows = it.next().ok_or("--rows needs a number")?.parse()?,
            "--dir" => args.dir = PathBuf::from(it.next().ok_or("--dir needs a path")?),
            "--bench" => {}
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(args)
}

/// One generated client: the i-th of the base (or of the new half of the update).
struct Person {
    name: String,
    email: String,
    code: u32,
    number: u64,
    region: &'static str,
}

fn person(rng: &mut Rng, i: u64, prefix: &str) -> Person {
    Person {
        name: format!("{} {}", rng.pick(&LAST), rng.pick(&FIRST)),
        email: format!("{prefix}{i}@example.com"),
        code: *rng.pick(&CODES),
        // Distinct per client: the index spread over seven digits, per prefix.
        number: (i * 7 + u64::from(prefix == "new")) % 10_000_000,
        region: REGIONS[rng.below(REGIONS.len() as u64) as usize],
    }
}

fn e164(p: &Person) -> String {
    format!("+380{}{:07}", p.code, p.number)
}

fn national(p: &Person) -> String {
    let n = p.number;
    format!(
        "(0{}) {:03}-{:02}-{:02}",
        p.code,
        n / 10_000,
        n / 100 % 100,
        n % 100
    )
}

const HEADER: &str = "Клієнт;E-mail;Телефон;Область\n";

fn write_files(dir: &Path, rows: u64) -> BoxResult<(PathBuf, PathBuf)> {
    let base_path = dir.join("base.csv");
    let update_path = dir.join("update.csv");
    let mut rng = Rng::new(SEED);
    let mut base = BufWriter::new(File::create(&base_path)?);
    base.write_all(HEADER.as_bytes())?;
    let mut people = Vec::with_capacity(rows as usize);
    for i in 0..rows {
        let p = person(&mut rng, i, "client");
        writeln!(base, "{};{};{};{}", p.name, p.email, e164(&p), p.region)?;
        people.push(p);
    }
    base.flush()?;
    let mut update = BufWriter::new(File::create(&update_path)?);
    update.write_all(HEADER.as_bytes())?;
    for i in 0..rows {
        if i % 2 == 0 {
            let p = &people[rng.below(rows) as usize];
            let email = if rng.chance(1, 2) {
                p.email.to_uppercase()
            } else {
                String::new()
            };
            let region = if rng.chance(1, 3) {
                *rng.pick(&REGIONS)
            } else {
                p.region
            };
            writeln!(update, "{};{};{};{}", p.name, email, national(p), region)?;
        } else {
            let p = person(&mut rng, i, "new");
            writeln!(
                update,
                "{};{};{};{}",
                p.name,
                p.email,
                national(&p),
                p.region
            )?;
        }
    }
    update.flush()?;
    Ok((base_path, update_path))
}

fn crmkit_import(crm: &Crm, path: &Path, match_on: Vec<MatchKey>) -> BoxResult<serde_json::Value> {
    let options = ImportOptions {
        kind: ImportKind::Clients,
        match_on,
        ..ImportOptions::default()
    };
    let at = Utc
        .with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
        .single()
        .ok_or("time")?;
    let mut calls = 0u64;
    let started = Instant::now();
    let report = crm.import_file(path, &options, at, &mut |_, _| {
        calls += 1;
        true
    })?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "seconds": round3(seconds),
        "rows_per_s": (report.total as f64 / seconds).round(),
        "total": report.total,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "failed": report.failed,
        "conflicts": report.conflicts.len(),
        "progress_calls": calls,
    }))
}

fn digits(phone: &str) -> String {
    let d: String = phone.chars().filter(char::is_ascii_digit).collect();
    if d.len() == 10 && d.starts_with('0') {
        format!("38{d}")
    } else {
        d
    }
}

fn raw_load(conn: &mut Connection, path: &Path) -> BoxResult<f64> {
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_path(path)?;
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO clients (name, email, phone, region) VALUES (?1, lower(?2), ?3, ?4)",
        )?;
        for record in reader.records() {
            let r = record?;
            insert.execute(params![&r[0], &r[1], digits(&r[2]), &r[3]])?;
        }
    }
    tx.commit()?;
    Ok(started.elapsed().as_secs_f64())
}

fn raw_upsert(conn: &mut Connection, path: &Path) -> BoxResult<(f64, u64, u64)> {
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_path(path)?;
    let (mut created, mut updated) = (0, 0);
    let tx = conn.transaction()?;
    {
        let mut by_email = tx.prepare("SELECT id FROM clients WHERE email = ?1")?;
        let mut by_phone = tx.prepare("SELECT id FROM clients WHERE phone = ?1")?;
        let mut update = tx.prepare(
            "UPDATE clients SET name = ?2, email = coalesce(nullif(?3, ''), email), region = ?4
             WHERE id = ?1",
        )?;
        let mut insert =
            tx.prepare("INSERT INTO clients (name, email, phone, region) VALUES (?1, ?2, ?3, ?4)")?;
        for record in reader.records() {
            let r = record?;
            let email = r[1].to_lowercase();
            let phone = digits(&r[2]);
            let mut id: Option<i64> = None;
            if !email.is_empty() {
                id = by_email.query_row([&email], |row| row.get(0)).optional()?;
            }
            if id.is_none() {
                id = by_phone.query_row([&phone], |row| row.get(0)).optional()?;
            }
            match id {
                Some(id) => {
                    update.execute(params![id, &r[0], email, &r[3]])?;
                    updated += 1;
                }
                None => {
                    insert.execute(params![&r[0], email, phone, &r[3]])?;
                    created += 1;
                }
            }
        }
    }
    tx.commit()?;
    Ok((started.elapsed().as_secs_f64(), created, updated))
}

fn fresh(path: &Path) -> BoxResult<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(p)?;
        }
    }
    Ok(())
}

fn main() -> BoxResult<()> {
    let args = args()?;
    let dir = args.dir.join(args.rows.to_string());
    std::fs::create_dir_all(&dir)?;
    eprintln!(
        "import bench: writing {} rows twice into {}",
        args.rows,
        dir.display()
    );
    let (base, update) = write_files(&dir, args.rows)?;

    let store = dir.join("store.crm");
    fresh(&store)?;
    let crm = Crm::open(&store)?;
    crm.set_actor("bench");
    eprintln!("import bench: crmkit load");
    let load = crmkit_import(&crm, &base, Vec::new())?;
    eprintln!("import bench: crmkit upsert by email and phone");
    let upsert = crmkit_import(&crm, &update, vec![MatchKey::Email, MatchKey::Phone])?;
    crm.close()?;

    let raw_path = dir.join("raw.db");
    fresh(&raw_path)?;
    let mut raw = Connection::open(&raw_path)?;
    raw.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE clients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, phone TEXT,
                               region TEXT);
         CREATE INDEX clients_email ON clients (email);
         CREATE INDEX clients_phone ON clients (phone);",
    )?;
    eprintln!("import bench: raw SQLite load and upsert");
    let raw_load_s = raw_load(&mut raw, &base)?;
    let (raw_upsert_s, raw_created, raw_updated) = raw_upsert(&mut raw, &update)?;

    let rows = args.rows as f64;
    let ratio = |crm_s: &serde_json::Value, raw_s: f64| {
        crm_s["seconds"].as_f64().map(|s| round3(raw_s / s))
    };
    println!(
        "{}",
        json!({
            "bench": "import",
            "rows": args.rows,
            "crmkit_load": load,
            "crmkit_upsert": upsert,
            "raw_load": {"seconds": round3(raw_load_s), "rows_per_s": (rows / raw_load_s).round()},
            "raw_upsert": {"seconds": round3(raw_upsert_s), "rows_per_s": (rows / raw_upsert_s).round(),
                           "created": raw_created, "updated": raw_updated},
            "load_ratio_vs_raw": ratio(&load, raw_load_s),
            "upsert_ratio_vs_raw": ratio(&upsert, raw_upsert_s),
        })
    );
    Ok(())
}
