//! The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting your customers" the easy
//! way): how many purchases a customer will make, and whether they are still a customer at all.
//!
//! # Model
//!
//! While alive, a customer buys as a Poisson process with rate λ; λ varies across customers as
//! Gamma(shape `r`, rate `α`). After each purchase the customer drops out with probability p; p varies
//! across customers as Beta(`a`, `b`). All a customer's history that matters is the [`Summary`]
//! `(x, t_x, T)`: `x` repeat purchases, the last at `t_x`, observed for `T`, both measured from the first
//! purchase.
//!
//! # Units
//!
//! Time is in a unit the caller chooses ([`TimeUnit`]: days or weeks); `r`, `a`, `b` do not depend on it,
//! `α` scales with it (a fit in days has `α` seven times the fit in weeks), and so does the horizon `t`
//! of [`expected_purchases`]. The log-likelihood shifts by a constant with the unit.
//!
//! # Summaries from purchase dates
//!
//! [`summarize`] and [`summarize_rows`] merge purchases on the same day into one (as the literature and
//! the `lifetimes` package do), ignore dates after the observation end, and measure in whole days
//! (divided by 7 for weeks): `x` = distinct purchase days − 1, `t_x` = last − first, `T` = end − first.
//!
//! # Formulas
//!
//! Per customer, the log-likelihood (FHL 2005, eq. 6) is
//! `ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b) + ln[(α+T)^−(r+x) + δ(x>0) a/(b+x−1) (α+t_x)^−(r+x)]`,
//! the last term computed as a log-sum-exp. Customers with the same `x` share the Γ and B terms, so
//! each evaluation computes those once per distinct `x`.
//!
//! P(alive) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), so 1 when `x` = 0.
//!
//! The expected number of purchases in the next `t` (FHL 2005, eq. 10) is
//! `(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)] / [1 + δ(x>0) a/(b+x−1) ((α+T)/(α+t_x))^(r+x)]`
//! with `z = t/(α+T+t)`; it needs `a ≠ 1`.
//!
//! # Convergence rules
//!
//! - **Fit.** Maximum likelihood by Nelder–Mead over `(ln r, ln α, ln a, ln b)`, so every parameter stays
//!   positive. Start: `r = a = b = 1` and `α` = the largest `T` (the time scale of the data, which makes
//!   the start point the same whatever the unit). Initial simplex: the start and each log moved by +1.
//!   Coefficients: reflection 1, expansion 2, contraction ½, shrink ½. A run stops when the simplex's
//!   values of −LL differ by at most 1e-10 · (1 + |−LL|) and its vertices by at most 1e-9 in every log
//!   parameter; it is then restarted from its best vertex with a fresh simplex (steps 0.1), until a
//!   restart improves −LL by at most 1e-9 · (1 + |−LL|) (at most 20 restarts). More than 20,000
//!   iterations in a run is [`FitError::NotConverged`]. Deterministic: no randomness, no clock.
//! - **₂F₁.** The Gauss series Σ (p)ₙ(q)ₙ/((c)ₙ n!) zⁿ, summed until a term is below 1e-16 of the sum
//!   while the terms shrink (at most 1,000,000 terms, else NaN). When `p + q − c > 0` (the series'
//!   terms grow like n^(p+q−c−1) zⁿ and converge slowly near z = 1; for BG/NBD whenever r + x + 1 > a)
//!   Euler's transformation ₂F₁(p, q; c; z) = (1−z)^(c−p−q) ₂F₁(c−p, c−q; c; z) is used instead, as
//!   `lifetimes` does when the direct value overflows; its terms decay like n^(c−p−q−1) zⁿ.
//! - **ln Γ.** Lanczos (g = 7, 9 coefficients), with the reflection formula below ½; relative error
//!   about 1e-15.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

/// One customer's purchase history, as the model sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Repeat purchases: distinct purchase days − 1.
    pub x: u32,
    /// Time of the last purchase, from the first (0 when `x` = 0).
    pub t_x: f64,
    /// Age: time from the first purchase to the observation end (`T` in the paper).
    pub age: f64,
}

/// The unit time is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Days.
    Days,
    /// Weeks of 7 days (fractional).
    Weeks,
}

impl TimeUnit {
    fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
        }
    }
}

/// Fitted BG/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Rate (scale in time) of the Gamma distribution of purchase rates, in the data's time unit.
    pub alpha: f64,
    /// First shape of the Beta distribution of drop-out probabilities.
    pub a: f64,
    /// Second shape of the Beta distribution of drop-out probabilities.
    pub b: f64,
}

/// A fit's result: the parameters and what it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The maximum-likelihood parameters.
    pub params: Params,
    /// The log-likelihood at `params` (FHL 2005 eq. 6, summed over customers, in the data's unit).
    pub log_likelihood: f64,
    /// Nelder–Mead iterations, over all restarts.
    pub iterations: u32,
}

/// Why a fit failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// No customers to fit.
    #[error("bgnbd: no customers to fit")]
    Empty,
    /// A summary breaks `0 ≤ t_x ≤ T`, finite (or has `t_x` > 0 with `x` = 0).
    #[error("bgnbd: summary {index} is invalid: need finite 0 <= t_x <= T, and t_x = 0 when x = 0")]
    InvalidSummary {
        /// Position of the summary in the input.
        index: usize,
    },
    /// The optimiser hit its iteration limit, or the likelihood is not finite at the start.
    #[error("bgnbd: the fit did not converge")]
    NotConverged,
}

/// The summary of one customer's purchase dates, for an observation end: same-day purchases merged,
/// dates after `end` ignored. `None` when no date is on or before `end`.
pub fn summarize(dates: &[NaiveDate], end: NaiveDate, unit: TimeUnit) -> Option<Summary> {
    let days: BTreeSet<NaiveDate> = dates.iter().copied().filter(|d| *d <= end).collect();
    from_days(&days, end, unit)
}

/// Summaries of `(customer, purchase date)` rows, one per customer with a purchase on or before `end`
/// (see [`summarize`]), in customer order.
pub fn summarize_rows<K: Ord + Clone>(
    rows: &[(K, NaiveDate)],
    end: NaiveDate,
    unit: TimeUnit,
) -> BTreeMap<K, Summary> {
    let mut days: BTreeMap<K, BTreeSet<NaiveDate>> = BTreeMap::new();
    for (customer, date) in rows {
        if *date <= end {
            days.entry(customer.clone()).or_default().insert(*date);
        }
    }
    days.into_iter()
        .filter_map(|(customer, set)| Some((customer, from_days(&set, end, unit)?)))
        .collect()
}

/// The summary of a set of distinct purchase days, all on or before `end`.
fn from_days(days: &BTreeSet<NaiveDate>, end: NaiveDate, unit: TimeUnit) -> Option<Summary> {
    let first = *days.first()?;
    let last = *days.last()?;
    let scale = unit.days();
    Some(Summary {
        x: u32::try_from(days.len() - 1).unwrap_or(u32::MAX),
        t_x: (last - first).num_days() as f64 / scale,
        age: (end - first).num_days() as f64 / scale,
    })
}

/// Lanczos coefficients (g = 7, n = 9).
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln |Γ(z)| by the Lanczos approximation (reflection below ½).
pub fn ln_gamma(z: f64) -> f64 {
    if z < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * z).sin()).abs().ln() - ln_gamma(1.0 - z);
    }
    let z = z - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (z + i as f64);
    }
    let t = z + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (z + 0.5) * t.ln() - t + sum.ln()
}

/// ln B(p, q) = ln Γ(p) + ln Γ(q) − ln Γ(p + q).
pub fn ln_beta(p: f64, q: f64) -> f64 {
    ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q)
}

fn validate(summaries: &[Summary]) -> Result<(), FitError> {
    if summaries.is_empty() {
        return Err(FitError::Empty);
    }
    for (index, s) in summaries.iter().enumerate() {
        let ok = s.t_x.is_finite()
            && s.age.is_finite()
            && s.t_x >= 0.0
            && s.t_x <= s.age
            && (s.x > 0 || s.t_x == 0.0);
        if !ok {
            return Err(FitError::InvalidSummary { index });
        }
    }
    Ok(())
}

/// Customers with the same `(t_x, T)`: `(t_x, T, count)`.
type Cell = (f64, f64, f64);

/// The summaries grouped by `x` (for the shared Γ and B terms), customers with the same `(t_x, T)`
/// merged into a count.
struct Grouped {
    /// `(x, cells)`.
    groups: Vec<(u32, Vec<Cell>)>,
}

impl Grouped {
    fn new(summaries: &[Summary]) -> Self {
        // Keyed by the bits of (t_x, T): exact equality, and a total order.
        type Cells = BTreeMap<(u64, u64), f64>;
        let mut by_x: BTreeMap<u32, Cells> = BTreeMap::new();
        for s in summaries {
            *by_x
                .entry(s.x)
                .or_default()
                .entry((s.t_x.to_bits(), s.age.to_bits()))
                .or_insert(0.0) += 1.0;
        }
        let groups = by_x
            .into_iter()
            .map(|(x, cells)| {
                let rows = cells
                    .into_iter()
                    .map(|((t_x, age), n)| (f64::from_bits(t_x), f64::from_bits(age), n))
                    .collect();
                (x, rows)
            })
            .collect();
        Grouped { groups }
    }

    fn log_likelihood(&self, p: &Params) -> f64 {
        let Params { r, alpha, a, b } = *p;
        let common = -ln_gamma(r) + r * alpha.ln() - ln_beta(a, b);
        let mut total = 0.0;
        for (x, rows) in &self.groups {
            let xf = f64::from(*x);
            let per_x = common + ln_gamma(r + xf) + ln_beta(a, b + xf);
            let ln_ratio = if *x > 0 {
                Some(a.ln() - (b + xf - 1.0).ln())
            } else {
                None
            };
            for &(t_x, age, n) in rows {
                let a3 = -(r + xf) * (alpha + age).ln();
                let tail = match ln_ratio {
                    Some(lr) => {
                        let a4 = lr - (r + xf) * (alpha + t_x).ln();
                        let m = a3.max(a4);
                        m + ((a3 - m).exp() + (a4 - m).exp()).ln()
                    }
                    None => a3,
                };
                total += n * (per_x + tail);
            }
        }
        total
    }
}

/// The log-likelihood of the summaries under `params` (FHL 2005 eq. 6, summed).
pub fn log_likelihood(params: &Params, summaries: &[Summary]) -> f64 {
    Grouped::new(summaries).log_likelihood(params)
}

/// Nelder–Mead state: a simplex of 5 points in 4 dimensions and their values.
fn nelder_mead(
    f: &dyn Fn(&[f64; 4]) -> f64,
    start: [f64; 4],
    step: f64,
    iterations: &mut u32,
) -> Result<([f64; 4], f64), FitError> {
    const MAX_ITER: u32 = 20_000;
    let mut pts: Vec<[f64; 4]> = vec![start];
    for i in 0..4 {
        let mut p = start;
        p[i] += step;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(f).collect();
    let mut iter = 0;
    loop {
        // Order best to worst (NaN last).
        let mut idx: Vec<usize> = (0..5).collect();
        idx.sort_by(|&i, &j| vals[i].total_cmp(&vals[j]));
        pts = idx.iter().map(|&i| pts[i]).collect();
        vals = idx.iter().map(|&i| vals[i]).collect();
        let best = vals[0];
        let worst = vals[4];
        let spread_f = worst - best;
        let spread_x = pts
            .iter()
            .skip(1)
            .flat_map(|p| p.iter().zip(pts[0].iter()).map(|(u, v)| (u - v).abs()))
            .fold(0.0, f64::max);
        if best.is_finite() && spread_f <= 1e-10 * (1.0 + best.abs()) && spread_x <= 1e-9 {
            *iterations += iter;
            return Ok((pts[0], best));
        }
        if iter >= MAX_ITER {
            return Err(FitError::NotConverged);
        }
        iter += 1;
        let mut centroid = [0.0; 4];
        for p in pts.iter().take(4) {
            for k in 0..4 {
                centroid[k] += p[k] / 4.0;
            }
        }
        let along = |coef: f64| -> [f64; 4] {
            let mut q = [0.0; 4];
            for k in 0..4 {
                q[k] = centroid[k] + coef * (pts[4][k] - centroid[k]);
            }
            q
        };
        let fin = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
        let xr = along(-1.0);
        let fr = fin(f(&xr));
        if fr < vals[0] {
            let xe = along(-2.0);
            let fe = fin(f(&xe));
            if fe < fr {
                pts[4] = xe;
                vals[4] = fe;
            } else {
                pts[4] = xr;
                vals[4] = fr;
            }
            continue;
        }
        if fr < vals[3] {
            pts[4] = xr;
            vals[4] = fr;
            continue;
        }
        // Contraction: outside if the reflection beat the worst, inside otherwise.
        let (xc, fc) = if fr < vals[4] {
            let xc = along(-0.5);
            (xc, fin(f(&xc)))
        } else {
            let xc = along(0.5);
            (xc, fin(f(&xc)))
        };
        if fc < vals[4].min(fr) {
            pts[4] = xc;
            vals[4] = fc;
            continue;
        }
        // Shrink towards the best.
        let best_pt = pts[0];
        for i in 1..5 {
            for k in 0..4 {
                pts[i][k] = best_pt[k] + 0.5 * (pts[i][k] - best_pt[k]);
            }
            vals[i] = fin(f(&pts[i]));
        }
    }
}

/// Fits the model by maximum likelihood (see the module docs for the start point and stopping rule).
pub fn fit(summaries: &[Summary]) -> Result<Fit, FitError> {
    validate(summaries)?;
    let grouped = Grouped::new(summaries);
    let scale = summaries.iter().map(|s| s.age).fold(0.0, f64::max);
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let to_params = |th: &[f64; 4]| Params {
        r: th[0].exp(),
        alpha: th[1].exp() * scale,
        a: th[2].exp(),
        b: th[3].exp(),
    };
    let objective = |th: &[f64; 4]| {
        let v = -grouped.log_likelihood(&to_params(th));
        if v.is_nan() { f64::INFINITY } else { v }
    };
    if !objective(&[0.0; 4]).is_finite() {
        return Err(FitError::NotConverged);
    }
    let mut iterations = 0;
    let (mut theta, mut value) = nelder_mead(&objective, [0.0; 4], 1.0, &mut iterations)?;
    for _ in 0..20 {
        let (t2, v2) = nelder_mead(&objective, theta, 0.1, &mut iterations)?;
        let gain = value - v2;
        if v2 < value {
            theta = t2;
            value = v2;
        }
        if gain <= 1e-9 * (1.0 + value.abs()) {
            break;
        }
    }
    Ok(Fit {
        params: to_params(&theta),
        log_likelihood: -value,
        iterations,
    })
}

/// `a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)` for `x` > 0, else 0.
fn dropout_odds(p: &Params, x: u32, t_x: f64, age: f64) -> f64 {
    if x == 0 {
        return 0.0;
    }
    let xf = f64::from(x);
    let ln = p.a.ln() - (p.b + xf - 1.0).ln()
        + (p.r + xf) * ((p.alpha + age).ln() - (p.alpha + t_x).ln());
    ln.exp()
}

/// The probability that a customer with history `(x, t_x, T)` is still alive at `T`; 1 when `x` = 0.
pub fn p_alive(params: &Params, x: u32, t_x: f64, age: f64) -> f64 {
    1.0 / (1.0 + dropout_odds(params, x, t_x, age))
}

/// The Gauss hypergeometric function ₂F₁(p, q; c; z) for 0 ≤ z < 1 (see the module docs for the
/// series, its stopping rule and Euler's transformation). NaN when the series does not converge.
pub fn hyp2f1(p: f64, q: f64, c: f64, z: f64) -> f64 {
    if p + q - c > 0.0 {
        (1.0 - z).powf(c - p - q) * gauss_series(c - p, c - q, c, z)
    } else {
        gauss_series(p, q, c, z)
    }
}

fn gauss_series(p: f64, q: f64, c: f64, z: f64) -> f64 {
    const MAX_TERMS: u32 = 1_000_000;
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    for n in 0..MAX_TERMS {
        let nf = f64::from(n);
        let next = term * (p + nf) * (q + nf) / ((c + nf) * (nf + 1.0)) * z;
        sum += next;
        let shrinking = next.abs() <= term.abs();
        term = next;
        if !sum.is_finite() {
            return f64::NAN;
        }
        if term == 0.0 || (shrinking && term.abs() <= 1e-16 * sum.abs()) {
            return sum;
        }
    }
    f64::NAN
}

/// The expected number of purchases in the next `t` (same unit as the fit) of a customer with history
/// `(x, t_x, T)` (FHL 2005 eq. 10). NaN when `a` = 1 or the ₂F₁ series does not converge.
pub fn expected_purchases(params: &Params, t: f64, x: u32, t_x: f64, age: f64) -> f64 {
    let Params { r, alpha, a, b } = *params;
    let xf = f64::from(x);
    let z = t / (alpha + age + t);
    let hyp = hyp2f1(r + xf, b + xf, a + b + xf - 1.0, z);
    let head = (a + b + xf - 1.0) / (a - 1.0);
    let ln_front = (r + xf) * ((alpha + age).ln() - (alpha + age + t).ln());
    let inner = 1.0 - ln_front.exp() * hyp;
    head * inner / (1.0 + dropout_odds(params, x, t_x, age))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_known_values() {
        assert!((ln_gamma(1.0)).abs() < 1e-13);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
        assert!((ln_gamma(100.5) - 361.435_540_467_777_6).abs() < 1e-11);
    }

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // 2F1(1, 1; 2; z) = −ln(1−z)/z.
        for z in [0.1_f64, 0.5, 0.9, 0.99] {
            let want = -(1.0_f64 - z).ln() / z;
            assert!(
                (hyp2f1(1.0, 1.0, 2.0, z) - want).abs() < 1e-9 * want,
                "z={z}"
            );
        }
        // 2F1(p, q; q; z) = (1−z)^−p (takes the Euler branch).
        let want = (1.0 - 0.7f64).powf(-3.5);
        assert!((hyp2f1(3.5, 2.0, 2.0, 0.7) - want).abs() < 1e-10 * want);
    }

    #[test]
    fn summaries_merge_same_day_and_ignore_later_dates() {
        let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap_or_default();
        let dates = [d(1, 1), d(1, 1), d(1, 15), d(2, 5), d(12, 1)];
        let s = summarize(&dates, d(3, 1), TimeUnit::Weeks);
        assert_eq!(
            s,
            Some(Summary {
                x: 2,
                t_x: 35.0 / 7.0,
                age: 59.0 / 7.0
            })
        );
        assert_eq!(summarize(&[d(12, 1)], d(3, 1), TimeUnit::Days), None);
    }

    #[test]
    fn p_alive_is_one_without_repeats() {
        let p = Params {
            r: 0.24,
            alpha: 4.4,
            a: 0.79,
            b: 2.4,
        };
        assert_eq!(p_alive(&p, 0, 0.0, 30.0), 1.0);
        assert!(p_alive(&p, 3, 5.0, 30.0) < 1.0);
    }

    #[test]
    fn fit_rejects_bad_input() {
        assert_eq!(fit(&[]), Err(FitError::Empty));
        let bad = Summary {
            x: 1,
            t_x: 5.0,
            age: 4.0,
        };
        assert_eq!(fit(&[bad]), Err(FitError::InvalidSummary { index: 0 }));
    }
}
