#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The BG/NBD model against the CDNOW data (`tests/data/cdnow`): the published calibration fit in weeks
//! (Fader, Hardie & Lee 2005) and a fit on the full history in days, compared per customer with the
//! `lifetimes` package's answers.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use crm_core::analytics::bgnbd::{
    Fit, Params, Summary, TimeUnit, expected_purchases, fit, log_likelihood, p_alive,
    summarize_rows,
};

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cdnow")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Rows of a CSV file with a header, as `(header, rows)`.
fn csv(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = data(name);
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tolerance {tol})"
    );
}

/// Fits, prints the fit and its time, and checks r, α, a, b and the log-likelihood against `want`
/// within `tol` (in that order); returns the fit.
fn fit_close(label: &str, summaries: &[Summary], want: [f64; 5], tol: [f64; 5]) -> Fit {
    let started = Instant::now();
    let fitted = fit(summaries).unwrap();
    eprintln!(
        "{label}: {:?} LL {} in {} iterations, {:?}",
        fitted.params,
        fitted.log_likelihood,
        fitted.iterations,
        started.elapsed()
    );
    let p = fitted.params;
    let got = [p.r, p.alpha, p.a, p.b, fitted.log_likelihood];
    for (((got, want), tol), what) in got
        .iter()
        .zip(want)
        .zip(tol)
        .zip(["r", "alpha", "a", "b", "LL"])
    {
        close(*got, want, tol, &format!("{label}: {what}"));
    }
    fitted
}

/// The published calibration summary: `(sample_id, summary)`.
fn calibration() -> Vec<(u32, Summary)> {
    let (header, rows) = csv("cdnow_sample_calib_rfm_weeks.csv");
    let (id, f, r, t) = (
        column(&header, "sample_id"),
        column(&header, "frequency"),
        column(&header, "recency"),
        column(&header, "T"),
    );
    rows.iter()
        .map(|row| {
            let x: f64 = row[f].parse().unwrap();
            let summary = Summary {
                x: x as u32,
                t_x: row[r].parse().unwrap(),
                age: row[t].parse().unwrap(),
            };
            (row[id].parse().unwrap(), summary)
        })
        .collect()
}

#[test]
fn calibration_fit_in_weeks_matches_the_paper() {
    let customers = calibration();
    assert_eq!(customers.len(), 2_357);
    // The published summary (lifetimes' `load_cdnow_summary`, which the reference fit used) gives
    // t_x and T to 2 decimals; the CSV recomputes them from the transactions (days / 7, 6 decimals).
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    let published: Vec<Summary> = customers
        .iter()
        .map(|(_, s)| Summary {
            x: s.x,
            t_x: round2(s.t_x),
            age: round2(s.age),
        })
        .collect();
    let fitted = fit_close(
        "weeks fit (2 decimals)",
        &published,
        [0.242593, 4.413532, 0.792886, 2.425752, -9582.4256],
        [1e-5, 1e-4, 1e-5, 1e-4, 1e-3],
    );
    let p = fitted.params;
    close(
        log_likelihood(&p, &published),
        fitted.log_likelihood,
        1e-9,
        "LL recomputed",
    );

    // On the exact CSV values the optimum moves by less than 1e-4 (the LL by 0.0036).
    let summaries: Vec<Summary> = customers.iter().map(|(_, s)| *s).collect();
    let exact = fit(&summaries).unwrap();
    eprintln!(
        "weeks fit (exact): {:?} LL {}",
        exact.params, exact.log_likelihood
    );
    close(exact.params.r, p.r, 1e-4, "r (exact)");
    close(exact.params.alpha, p.alpha, 1e-3, "alpha (exact)");
    close(exact.params.a, p.a, 1e-4, "a (exact)");
    close(exact.params.b, p.b, 1e-3, "b (exact)");
    close(exact.log_likelihood, -9582.4292, 1e-3, "LL (exact)");

    // The paper's customers, with the exact CSV values: P(alive) to 1e-4.
    let exact_by_id: BTreeMap<u32, Summary> = customers.iter().copied().collect();
    for (id, alive) in [(1, 0.726609), (1516, 0.968920)] {
        let s = exact_by_id[&id];
        close(
            p_alive(&p, s.x, s.t_x, s.age),
            alive,
            1e-4,
            "P(alive), exact",
        );
    }

    // (id, P(alive), expected purchases in the next 39 weeks), from lifetimes 0.11.3 on the published
    // (2-decimal) summary.
    let by_id: BTreeMap<u32, Summary> = customers
        .iter()
        .map(|(id, _)| *id)
        .zip(published.iter().copied())
        .collect();
    let reference = [
        (1, 0.7266091367990596, 1.2259104241744068),
        (2, 0.21222738807220765, 0.20325062425618798),
        (3, 1.0, 0.19478085793947836),
        (18, 0.31091528096614635, 0.2977642307205725),
        (1516, 0.9689197159692114, 20.750570498762993),
    ];
    for (id, alive, expected) in reference {
        let s = by_id[&id];
        close(p_alive(&p, s.x, s.t_x, s.age), alive, 1e-5, "P(alive)");
        let e = expected_purchases(&p, 39.0, s.x, s.t_x, s.age);
        close(e, expected, 1e-5 * expected.max(1.0), "expected purchases");
    }
    let s = by_id[&1516];
    close(
        expected_purchases(&p, 52.0, s.x, s.t_x, s.age),
        25.75947471712361,
        1e-3,
        "expected purchases of 1516 in 52 weeks",
    );
    // A new customer (x = 0, T = 0) in 39 weeks.
    close(
        expected_purchases(&p, 39.0, 0, 0.0, 0.0),
        1.195016228446194,
        1e-4,
        "expected purchases of a new customer",
    );
}

#[test]
fn full_history_in_days_matches_lifetimes_per_customer() {
    let (header, rows) = csv("cdnow_transactions.csv");
    let (c, d) = (column(&header, "customer_id"), column(&header, "date"));
    let purchases: Vec<(u32, NaiveDate)> = rows
        .iter()
        .map(|row| (row[c].parse().unwrap(), row[d].parse().unwrap()))
        .collect();
    let end = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
    let summaries = summarize_rows(&purchases, end, TimeUnit::Days);
    assert_eq!(summaries.len(), 23_570);

    // The summaries are lifetimes' (frequency, recency, T).
    let (header, rows) = csv("cdnow_rfm_truth.csv");
    let (id, f, r, t) = (
        column(&header, "customer_id"),
        column(&header, "frequency"),
        column(&header, "recency"),
        column(&header, "T"),
    );
    for row in &rows {
        let s = summaries[&row[id].parse::<u32>().unwrap()];
        assert_eq!(f64::from(s.x), row[f].parse::<f64>().unwrap());
        assert_eq!(s.t_x, row[r].parse::<f64>().unwrap());
        assert_eq!(s.age, row[t].parse::<f64>().unwrap());
    }

    let list: Vec<Summary> = summaries.values().copied().collect();
    let fitted = fit_close(
        "days fit",
        &list,
        [0.267128, 41.905448, 0.483517, 2.111608, -259086.827],
        [1e-4, 1e-3, 1e-4, 1e-4, 1e-3],
    );
    let p = fitted.params;

    // Per customer, against lifetimes' fit (its own parameters; ours agree to about 1e-5).
    let (header, rows) = csv("cdnow_bgnbd_master_days_palive.csv");
    let (id, pa, ep) = (
        column(&header, "customer_id"),
        column(&header, "p_alive"),
        column(&header, "expected_purchases_next_90d"),
    );
    assert_eq!(rows.len(), 23_570);
    let mut sum_alive = 0.0;
    let (mut worst_alive, mut worst_expected) = (0.0_f64, 0.0_f64);
    for row in &rows {
        let s = summaries[&row[id].parse::<u32>().unwrap()];
        let alive = p_alive(&p, s.x, s.t_x, s.age);
        let expected = expected_purchases(&p, 90.0, s.x, s.t_x, s.age);
        let want_alive: f64 = row[pa].parse().unwrap();
        let want_expected: f64 = row[ep].parse().unwrap();
        close(alive, want_alive, 1e-4, "P(alive)");
        close(
            expected,
            want_expected,
            1e-4 * want_expected.max(1.0),
            "expected purchases in 90 days",
        );
        worst_alive = worst_alive.max((alive - want_alive).abs());
        worst_expected = worst_expected.max((expected - want_expected).abs());
        sum_alive += alive;
    }
    eprintln!("days: worst |ΔP(alive)| {worst_alive:e}, worst |Δexpected| {worst_expected:e}");
    close(
        sum_alive / rows.len() as f64,
        0.796959,
        1e-5,
        "mean P(alive)",
    );

    // With lifetimes' own parameters, the LL is the published one.
    let reference = Params {
        r: 0.267128,
        alpha: 41.905448,
        a: 0.483517,
        b: 2.111608,
    };
    close(
        log_likelihood(&reference, &list),
        -259086.827,
        1e-2,
        "LL at the reference",
    );
}
