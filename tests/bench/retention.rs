//! `run_due` on a big store: `cargo bench --bench retention` (options after `--`: `--dir DIR`, default
//! `target/bench-analytics/1000000x10000000`, the store the analytics bench builds and caches there;
//! `--runs R`, default 3). Driven by `scripts/bench.sh` after the analytics bench; compared with DuckDB
//! and pandas by `tests/bench/retention_compare.py`. Prints one JSON object per line.
//!
//! Every run starts from a fresh copy of the analytics store (`DIR/retention.crm`; the copy is not
//! timed), so the first `run_due` always meets a store that never had one: every client with a
//! completed order is placed on the dormancy ladder for the first time and every default retention
//! rule looks at every client. Then, on the same store:
//! - `run_due` again at the same instant (must do nothing: idempotent),
//! - a minute later (the host's cron every minute),
//! - the next day (the daily run: the clients whose next rung falls on that day move),
//! - the day after a day of business: 10,000 new orders of random clients, recorded in one batch, then
//!   `run_due` (the clients whose orders changed are read again).
//!
//! The like-for-like comparison is the dormancy report (`dormancy_report` as of the first run's time:
//! every client's state from its purchase days, read-only): DuckDB and pandas compute the same states
//! from the same orders (`orders.csv`, exported by the analytics bench); each answer is written to
//! `DIR/results/dormancy_states.csv` and compared row by row on the Python side.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use crm_core::{ClientId, Crm, DormancyQuery, DueRun, Money, NewOrder};
use crmkit_suite::Rng;
use crmkit_suite::measure::round3;
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The first run's time: the morning after the analytics store's last order day (2026-10-31).
fn now() -> BoxResult<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0)
        .single()
        .ok_or_else(|| "bad time".into())
}

struct Args {
    dir: PathBuf,
    runs: usize,
}

fn args() -> BoxResult<Args> {
    let mut out = Args {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-analytics/1000000x10000000"),
        runs: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => out.dir = PathBuf::from(it.next().ok_or("--dir needs a value")?),
            "--runs" => out.runs = it.next().ok_or("--runs needs a value")?.parse()?,
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(out)
}

/// What a `run_due` did, in numbers.
fn summary(run: &DueRun) -> Value {
    let mut fired = std::collections::BTreeMap::<String, u64>::new();
    for f in &run.fired {
        *fired.entry(f.rule.clone()).or_default() += 1;
    }
    let mut moves = std::collections::BTreeMap::<String, u64>::new();
    for d in &run.dormancy {
        let from = d.from.map_or("none", |s| s.as_str());
        *moves.entry(format!("{from}->{}", d.to)).or_default() += 1;
    }
    json!({
        "dormancy_moves": run.dormancy.len(),
        "moves": moves,
        "rules_fired": run.fired.len(),
        "fired": fired,
        "tasks": run.tasks.len(),
        "lead_breaches": run.breached.len(),
        "complaints_breached": run.complaints_breached.len(),
        "promises_broken": run.promises_broken.len(),
    })
}

fn timed_run(crm: &Crm, at: DateTime<Utc>) -> BoxResult<(DueRun, f64)> {
    let started = Instant::now();
    let run = crm.run_due(at)?;
    Ok((run, started.elapsed().as_secs_f64()))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn fresh_copy(source: &Path, copy: &Path) -> BoxResult<()> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    if Path::new(&format!("{}-wal", source.display())).exists() {
        // Fold a leftover log into the file first, so the copy is the whole store.
        Crm::open(source)?.close()?;
    }
    std::fs::copy(source, copy)?;
    Ok(())
}

fn main() -> BoxResult<()> {
    let args = args()?;
    let source = args.dir.join("store.crm");
    if !source.is_file() {
        return Err(format!(
            "{} is missing: the analytics bench builds it (scripts/bench.sh)",
            source.display()
        )
        .into());
    }
    let work = args.dir.join("retention.crm");
    let results = args.dir.join("results");
    std::fs::create_dir_all(&results)?;
    eprintln!("retention bench: copying {} (not timed)", source.display());
    fresh_copy(&source, &work)?;

    let started = Instant::now();
    let crm = Crm::open(&work)?;
    let open_s = started.elapsed().as_secs_f64();
    let now = now()?;
    let rules = crm.retention_rules()?;
    println!(
        "{}",
        json!({
            "bench": "retention_env",
            "store": work.display().to_string(),
            "open_and_migrate_s": round3(open_s),
            "schema_version": crm.schema_version()?,
            "rules": rules.iter().filter(|r| r.active).map(|r| r.name.clone()).collect::<Vec<_>>(),
            "now": now,
        })
    );

    // The like-for-like part first, on the untouched store: the states as of `now`, read-only.
    eprintln!("retention bench: dormancy_report");
    let query = DormancyQuery {
        as_of: now,
        with_p_alive: false,
    };
    let report = crm.dormancy_report(&query)?;
    let mut times = Vec::new();
    for _ in 0..args.runs {
        let started = Instant::now();
        drop(crm.dormancy_report(&query)?);
        times.push(started.elapsed().as_secs_f64());
    }
    {
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(results.join("dormancy_states.csv"))?);
        writeln!(out, "client_id,state")?;
        for row in &report.rows {
            writeln!(out, "{},{}", row.client_id, row.state)?;
        }
        out.flush()?;
    }
    println!(
        "{}",
        json!({
            "bench": "dormancy_report",
            "crmkit_s": round3(median(times)),
            "runs": args.runs,
            "clients": report.rows.len(),
            "counts": report.counts,
        })
    );

    eprintln!("retention bench: run_due (first)");
    let (first, first_s) = timed_run(&crm, now)?;
    println!(
        "{}",
        json!({ "bench": "run_due_first", "crmkit_s": round3(first_s), "did": summary(&first) })
    );
    let (again, again_s) = timed_run(&crm, now)?;
    println!(
        "{}",
        json!({
            "bench": "run_due_again", "crmkit_s": round3(again_s),
            "idempotent": again.is_empty(), "did": summary(&again),
        })
    );
    let (minute, minute_s) = timed_run(&crm, now + TimeDelta::minutes(1))?;
    println!(
        "{}",
        json!({ "bench": "run_due_minute_later", "crmkit_s": round3(minute_s), "did": summary(&minute) })
    );
    let (day, day_s) = timed_run(&crm, now + TimeDelta::days(1))?;
    println!(
        "{}",
        json!({ "bench": "run_due_next_day", "crmkit_s": round3(day_s), "did": summary(&day) })
    );

    // A day of business: 10,000 orders of random buyers, then the next morning's run.
    let mut buyers: Vec<ClientId> = Vec::new();
    loop {
        let page = crm_core::Page {
            after: buyers.last().map(|c| c.0),
            limit: 10_000,
        };
        let rows = crm.list_rollups(page)?;
        if rows.is_empty() {
            break;
        }
        buyers.extend(rows.iter().map(|r| r.client_id));
    }
    if buyers.is_empty() {
        return Err("the store has no buyers".into());
    }
    let mut rng = Rng::new(0x5EED_0009);
    let business_day = now + TimeDelta::days(1) + TimeDelta::hours(3);
    let orders: Vec<(NewOrder, DateTime<Utc>)> = (0..10_000_i64)
        .map(|k| {
            let order = NewOrder {
                client_id: buyers[rng.below(buyers.len() as u64) as usize],
                total: Money::from_minor(1_000 + rng.range(0, 50_000)),
                external_ref: Some(format!("RETENTION-BENCH-{k}")),
                ..NewOrder::default()
            };
            (order, business_day + TimeDelta::seconds(k))
        })
        .collect();
    let started = Instant::now();
    for result in crm.record_orders(orders)? {
        result?;
    }
    let orders_s = started.elapsed().as_secs_f64();
    let (after, after_s) = timed_run(&crm, now + TimeDelta::days(2))?;
    println!(
        "{}",
        json!({
            "bench": "run_due_after_10k_orders", "crmkit_s": round3(after_s),
            "record_orders_s": round3(orders_s), "did": summary(&after),
        })
    );
    let counts = crm.dormancy_counts()?;
    println!(
        "{}",
        json!({ "bench": "dormancy_counts", "counts": counts })
    );
    crm.close()?;
    Ok(())
}
