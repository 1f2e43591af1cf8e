//! The client analytics through the C ABI: ABC, XYZ, the ABC×XYZ matrix, RFM, P(alive) (the BG/NBD
//! model), repeat sales, product pairs and cross-sell suggestions. Readers like those of
//! [`crate::readers`]: a query goes in as a JSON object, the report comes back as JSON.
//!
//! The core's reports carry some amounts as integer minor units (an ABC row's value, an RFM row's
//! monetary, XYZ's mean per month as a float); across the C boundary every amount of money is decimal
//! text, as the header's contract says, so those reports are written through the records below, which
//! keep the core's field order and turn those amounts into text. An RFM query's monetary thresholds go
//! in as money too. A query object with a field the query does not have is refused, as everywhere.

use std::ffi::c_char;

use chrono::NaiveDate;
use crm_core::analytics::abc::{AbcClass, AbcClassSummary};
use crm_core::analytics::rfm::{RfmSegment, RfmThresholds, RfmTieRule};
use crm_core::analytics::xyz::XyzClass;
use crm_core::{
    AbcMeasure, AbcQuery, AbcReport, AbcXyzQuery, ClientId, Money, PAliveQuery, PairQuery, Period,
    RfmQuery, RfmReport, RfmSegmentSize, XyzQuery, XyzReport,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::boundary::{Outcome, json_failure, optional_text, parse_json, text};
use crate::handle::{crm_t, on};
use crate::readers::read;
use crate::status::crm_status_t;

/// A query argument: a JSON object read as `T`, refusing any field `T` does not have. NULL is `T`'s
/// defaults when it has them (`default` given), else CRM_STATUS_NULL_ARGUMENT.
///
/// # Safety
/// As [`optional_text`].
unsafe fn query<T: DeserializeOwned + Serialize>(
    ptr: *const c_char,
    name: &str,
    default: Option<fn() -> T>,
) -> Outcome<T> {
    // SAFETY: as promised by the caller.
    let text = match default {
        Some(make) => match unsafe { optional_text(ptr, name) }? {
            Some(text) => text,
            None => return Ok(make()),
        },
        None => unsafe { text(ptr, name) }?,
    };
    let typed: T = parse_json(text, name)?;
    // The core's queries take defaults for what is left out and ignore what they do not know; a typo
    // (`"mesure"`) would pass unnoticed, so a field the typed query does not write back is refused.
    if let (Ok(input), Ok(shape)) = (
        serde_json::from_str::<serde_json::Value>(text),
        serde_json::to_value(&typed),
    ) && let Some((path, key)) = unknown_field(&input, &shape, String::new())
    {
        return Err(json_failure(name, &path, format!("unknown field `{key}`")));
    }
    Ok(typed)
}

/// The path and name of the first key of `input` that `typed` (what it was read as) lacks.
fn unknown_field(
    input: &serde_json::Value,
    typed: &serde_json::Value,
    path: String,
) -> Option<(String, String)> {
    use serde_json::Value::{Array, Object};
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (input, typed) {
        (Object(input), Object(typed)) => {
            input.iter().find_map(|(key, value)| match typed.get(key) {
                None => Some((join(key), key.clone())),
                Some(typed) => unknown_field(value, typed, join(key)),
            })
        }
        (Array(input), Array(typed)) => input
            .iter()
            .zip(typed)
            .enumerate()
            .find_map(|(i, (input, typed))| unknown_field(input, typed, format!("{path}[{i}]"))),
        _ => None,
    }
}

/// Minor units as decimal text with two decimals (`24590` → `"245.90"`), as [`Money`] writes itself;
/// wide enough for a sum over every client.
fn money_text(minor: i128) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A figure that is money or a count, by what was asked for: ABC by revenue or by orders.
#[derive(Serialize)]
#[serde(untagged)]
enum Figure {
    Money(String),
    Count(i128),
}

impl Figure {
    fn of(measure: AbcMeasure, value: i128) -> Figure {
        match measure {
            AbcMeasure::Revenue => Figure::Money(money_text(value)),
            AbcMeasure::Orders => Figure::Count(value),
        }
    }
}

/// [`crm_core::analytics::abc::AbcRow`] with its value as money or a count.
#[derive(Serialize)]
struct AbcRowOut {
    client_id: ClientId,
    value: Figure,
    share: f64,
    cumulative_share: f64,
    class: AbcClass,
}

/// [`AbcClassSummary`] with its value as money or a count.
#[derive(Serialize)]
struct AbcClassOut {
    count: usize,
    value: Figure,
    share: f64,
}

#[derive(Serialize)]
struct AbcSummaryOut {
    a: AbcClassOut,
    b: AbcClassOut,
    c: AbcClassOut,
}

#[derive(Serialize)]
struct AbcReportOut {
    rows: Vec<AbcRowOut>,
    summary: AbcSummaryOut,
}

impl AbcReportOut {
    fn new(report: AbcReport, measure: AbcMeasure) -> Self {
        let class = |c: AbcClassSummary| AbcClassOut {
            count: c.count,
            value: Figure::of(measure, c.value),
            share: c.share,
        };
        AbcReportOut {
            rows: report
                .rows
                .into_iter()
                .map(|r| AbcRowOut {
                    client_id: r.client_id,
                    value: Figure::of(measure, i128::from(r.value)),
                    share: r.share,
                    cumulative_share: r.cumulative_share,
                    class: r.class,
                })
                .collect(),
            summary: AbcSummaryOut {
                a: class(report.summary.a),
                b: class(report.summary.b),
                c: class(report.summary.c),
            },
        }
    }
}

/// [`crm_core::analytics::xyz::XyzRow`] with the mean as money (rounded to the minor unit).
#[derive(Serialize)]
struct XyzRowOut {
    client_id: ClientId,
    periods: usize,
    mean: String,
    cv: Option<f64>,
    class: Option<XyzClass>,
}

#[derive(Serialize)]
struct XyzReportOut {
    months: Vec<String>,
    rows: Vec<XyzRowOut>,
}

impl From<XyzReport> for XyzReportOut {
    fn from(report: XyzReport) -> Self {
        XyzReportOut {
            months: report.months,
            rows: report
                .rows
                .into_iter()
                .map(|r| XyzRowOut {
                    client_id: r.client_id,
                    periods: r.periods,
                    // Half away from zero; a mean is never beyond i128 (it is one of i64 sums).
                    mean: money_text(r.mean.round() as i128),
                    cv: r.cv,
                    class: r.class,
                })
                .collect(),
        }
    }
}

/// [`crm_core::analytics::rfm::RfmRow`] with monetary as money.
#[derive(Serialize)]
struct RfmRowOut {
    client_id: ClientId,
    recency_days: i64,
    frequency: i64,
    monetary: Money,
    r_score: u8,
    f_score: u8,
    m_score: u8,
    segment: RfmSegment,
}

#[derive(Serialize)]
struct RfmReportOut {
    as_of: NaiveDate,
    rows: Vec<RfmRowOut>,
    segments: Vec<RfmSegmentSize>,
}

impl From<RfmReport> for RfmReportOut {
    fn from(report: RfmReport) -> Self {
        RfmReportOut {
            as_of: report.as_of,
            rows: report
                .rows
                .into_iter()
                .map(|r| RfmRowOut {
                    client_id: r.client_id,
                    recency_days: r.recency_days,
                    frequency: r.frequency,
                    monetary: Money::from_minor(r.monetary),
                    r_score: r.r_score,
                    f_score: r.f_score,
                    m_score: r.m_score,
                    segment: r.segment,
                })
                .collect(),
            segments: report.segments,
        }
    }
}

/// [`RfmThresholds`] as a host writes them: monetary bounds as money.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RfmThresholdsIn {
    recency_days: [i64; 4],
    frequency: [i64; 4],
    monetary: [Money; 4],
}

/// [`RfmQuery`] as a host writes it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RfmQueryIn {
    as_of: NaiveDate,
    #[serde(default)]
    tie_rule: RfmTieRule,
    #[serde(default)]
    thresholds: Option<RfmThresholdsIn>,
}

impl From<RfmQueryIn> for RfmQuery {
    fn from(query: RfmQueryIn) -> Self {
        RfmQuery {
            as_of: query.as_of,
            tie_rule: query.tie_rule,
            thresholds: query.thresholds.map(|t| RfmThresholds {
                recency_days: t.recency_days,
                frequency: t.frequency,
                monetary: t.monetary.map(Money::minor),
            }),
        }
    }
}

/// ABC analysis of the clients who bought in a period: ranked by revenue (or by the number of orders),
/// largest first (equal values by client id), each classed A, B or C by the cumulative share of the
/// total. Completed orders only; a client without one in the period is not listed. Over all history, or
/// a period of whole months, it reads the rollups, not the orders.
///
/// @param query_json   `{"start": "2026-01-01", "end": "2026-12-31", "measure": "revenue", "a": 0.80,
///                     "b": 0.95, "rule": "inclusive"}`, every field optional; NULL means `{}`.
///                     `start` and `end` are UTC days, inclusive (left out: from the first order, to
///                     the last). `measure` is `revenue` (the default) or `orders`. `a` and `b` are
///                     where classes A and B end, as shares of the total (numbers from 0 to 1, `a` at
///                     most `b`; 0.80 and 0.95 by default), else CRM_STATUS_VALIDATION with field `a` or
///                     `b`; `end` before `start` is CRM_STATUS_VALIDATION with field `end`. `rule` says
///                     which cumulative share decides a row's class: `inclusive` (the default: the share
///                     up to and including the row, so the row that crosses 80 % is B), `exclusive` (the
///                     share before the row: the row that crosses a threshold stays in the upper class)
///                     or `tie_group` (the share at the end of the row's group of equal values: equal
///                     values, equal class)
/// @param report_json  receives `{"rows": [{"client_id": 7, "value": "13990.93", "share": 0.0056,
///                     "cumulative_share": 0.0056, "class": "A"}, ...], "summary": {"a": {"count": 2,
///                     "value": "1200.00", "share": 0.8}, "b": {...}, "c": {...}}}`: rows in rank order;
///                     `value` is the revenue as decimal text with measure `revenue`, the number of
///                     orders (a JSON integer) with measure `orders`; shares are JSON numbers from 0 to 1
///                     (0 when the total is 0); `class` is `"A"`, `"B"` or `"C"`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_abc(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: AbcQuery = query(query_json, "query_json", Some(AbcQuery::default))?;
            Ok(Box::new(move |t| {
                on!(t, abc(&query)).map(|r| AbcReportOut::new(r, query.measure))
            }))
        })
    }
}

/// XYZ analysis: how steady each client's demand is, by the coefficient of variation (population
/// standard deviation over the mean) of its revenue per calendar month (UTC) over a window; a month
/// without an order counts as 0. A client whose first order falls inside the window is measured from
/// that month on; one measured over fewer than 3 months, or without revenue in the window, gets no
/// class. A CV up to `x` is X (steady), up to `y` Y (fluctuating), above Z (irregular).
///
/// @param query_json   `{"start": "2026-01-01", "end": "2026-12-31", "x": 0.10, "y": 0.25}`, every field
///                     optional; NULL means `{}`. The window is the calendar months from `start`'s to
///                     `end`'s, each counted whole (left out: the twelve months ending with the month of
///                     the last order). `x` must be at least 0 and `y` at least `x`, else
///                     CRM_STATUS_VALIDATION with field `x` or `y`
/// @param report_json  receives `{"months": ["2026-01", ..., "2026-12"], "rows": [{"client_id": 1,
///                     "periods": 12, "mean": "1250.00", "cv": 0.083, "class": "X"}, ...]}`: every
///                     client with revenue in the window, by id; `periods` the months it was measured
///                     over, `mean` its mean revenue per month (decimal text, rounded to the cent),
///                     `cv` a JSON number (null without revenue), `class` `"X"`, `"Y"`, `"Z"` or null
///                     (too little to say). An empty store gives `{"months": [], "rows": []}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_xyz(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: XyzQuery = query(query_json, "query_json", Some(XyzQuery::default))?;
            Ok(Box::new(move |t| {
                on!(t, xyz(&query)).map(XyzReportOut::from)
            }))
        })
    }
}

/// The ABC×XYZ matrix over one period: ABC by revenue in the period, XYZ over the period's months, and
/// per cell the clients and their revenue in the period.
///
/// @param query_json   `{"abc": {"start": "2026-01-01", "end": "2026-12-31", "a": 0.8, "b": 0.95,
///                     "rule": "inclusive"}, "xyz": {"x": 0.1, "y": 0.25}}`, every field optional;
///                     NULL means `{}`. The fields are those of crm_abc() and crm_xyz(); the period is
///                     `abc`'s `start` and `end` (the XYZ window is its months: `xyz`'s own `start` and
///                     `end` are ignored), and the measure is always revenue
/// @param matrix_json  receives `{"months": ["2026-01", ...], "cells": [{"abc": "A", "xyz": "X",
///                     "clients": 3, "revenue": "15000.00"}, ...]}`: twelve cells, always all of them,
///                     in the order A-X, A-Y, A-Z, A-null, B-X, ... C-null; `xyz` null is the column of
///                     the clients XYZ cannot class (too few months); `revenue` decimal text
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_abc_xyz(
    crm: *const crm_t,
    query_json: *const c_char,
    matrix_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, matrix_json, "matrix_json", || {
            let query: AbcXyzQuery = query(query_json, "query_json", Some(AbcXyzQuery::default))?;
            Ok(Box::new(move |t| on!(t, abc_xyz(&query))))
        })
    }
}

/// RFM analysis as of a day: for every client with a completed order by then, recency (days from the
/// UTC day of its last completed order to `as_of`), frequency (completed orders) and monetary (their
/// revenue), a score 1..5 for each (5 the best: the most recent, the most frequent, the most), and the
/// named segment of the R and F scores. Orders after `as_of` are not seen.
///
/// @param query_json   `{"as_of": "2026-12-31", "tie_rule": "ntile", "thresholds": null}`; `as_of`
///                     (`YYYY-MM-DD`) is required, so the query is too (NULL is
///                     CRM_STATUS_NULL_ARGUMENT). Scores are quintiles of the clients by default, with
///                     `tie_rule` `ntile` (SQL `NTILE(5)`: every score the same size ±1, equal values
///                     split by client id; the default) or `tie_shared` (equal values share a score).
///                     `thresholds` gives fixed bounds instead, four ascending per measure:
///                     `{"recency_days": [30, 90, 180, 365], "frequency": [2, 3, 5, 10], "monetary":
///                     ["100.00", "500.00", "1000.00", "5000.00"]}` (recency at most the first bound
///                     scores 5, more than the last 1; frequency and monetary below the first bound
///                     score 1, at least the last 5; monetary bounds are money)
/// @param report_json  receives `{"as_of": "2026-12-31", "rows": [{"client_id": 1, "recency_days": 12,
///                     "frequency": 3, "monetary": "745.90", "r_score": 5, "f_score": 4, "m_score": 4,
///                     "segment": "champions"}, ...], "segments": [{"segment": "champions", "clients":
///                     4, "monetary": "9000.00"}, ...]}`: rows by client id; `segments` lists all eight,
///                     best first, even empty ones: `champions`, `loyal`, `potential`, `new`, `at_risk`,
///                     `cant_lose`, `hibernating`, `lost`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_rfm(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query = RfmQuery::from(query::<RfmQueryIn>(query_json, "query_json", None)?);
            Ok(Box::new(move |t| {
                on!(t, rfm(&query)).map(RfmReportOut::from)
            }))
        })
    }
}

/// The probability that each client is still active, and the purchases it is expected to make: the
/// BG/NBD model (Fader, Hardie and Lee, 2005) fitted by maximum likelihood on the store's own history of
/// completed orders up to `as_of`. A purchase is a distinct UTC day with a completed order; time is in
/// days.
///
/// @param query_json   `{"as_of": "2026-12-31", "horizon_days": 90}`; `as_of` (`YYYY-MM-DD`, the end of
///                     the observation, inclusive) is required, so the query is too (NULL is
///                     CRM_STATUS_NULL_ARGUMENT); `horizon_days` (90 by default) is the period after
///                     `as_of` that `expected` counts purchases over. No completed order by `as_of`, or a
///                     history the model cannot be fitted on, is CRM_STATUS_VALIDATION with field `as_of`
/// @param report_json  receives `{"as_of": "2026-12-31", "horizon_days": 90, "params": {"r": 0.27,
///                     "alpha": 41.9, "a": 0.48, "b": 2.11}, "log_likelihood": -9582.4, "rows":
///                     [{"client_id": 1, "x": 2, "t_x": 30.0, "age": 120.0, "p_alive": 0.83, "expected":
///                     0.41}, ...]}`: the fitted parameters (`alpha` in days) and one row per client with
///                     a purchase by `as_of`, by id: `x` repeat purchases (purchase days − 1), `t_x` days
///                     from the first purchase to the last, `age` days from the first purchase to
///                     `as_of`, `p_alive` from 0 to 1, `expected` purchase days in the horizon; all JSON
///                     numbers
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_p_alive(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: PAliveQuery = query(query_json, "query_json", None)?;
            Ok(Box::new(move |t| on!(t, p_alive(&query))))
        })
    }
}

/// Repeat purchases over a period: the clients with a completed order in it, those with two or more,
/// the rate, the orders, their revenue and the average order.
///
/// @param period_json  `{"start": "2026-01-01", "end": "2026-12-31"}` (UTC days, inclusive), either
///                     optional (open); NULL means `{}` (all history). `end` before `start` is
///                     CRM_STATUS_VALIDATION with field `end`
/// @param report_json  receives `{"clients": 10, "repeat_clients": 4, "repeat_rate": 0.4, "orders": 17,
///                     "revenue": "8200.00", "average_order": "482.35"}`: `repeat_rate` a JSON number
///                     (null without clients), `revenue` and `average_order` decimal text (the average
///                     rounded half away from zero to the cent; null without orders)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_repeat_sales(
    crm: *const crm_t,
    period_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let period: Period = query(period_json, "period_json", Some(Period::default))?;
            Ok(Box::new(move |t| on!(t, repeat_sales(&period))))
        })
    }
}

/// The product pairs bought by the same clients: from each client's set of products (the `sku` of the
/// lines of its completed orders in the period), every directional rule "bought X → also bought Y"
/// that at least `min_count` clients support, best first.
///
/// @param query_json   `{"period": {"start": "2026-01-01", "end": "2026-12-31"}, "min_count": 2}`, every
///                     field optional; NULL means `{}` (all history, at least 2 clients). A `min_count`
///                     of 0 is taken as 1
/// @param report_json  receives `{"clients": 120, "rules": [{"if_bought": "SKU-1", "then": "SKU-2",
///                     "count": 14, "support": 0.1167, "confidence": 0.7, "lift": 2.9}, ...]}`:
///                     `clients` those with a completed order with lines in the period; per rule `count`
///                     the clients who bought both, `support` = count / clients, `confidence` = count /
///                     the clients who bought `if_bought`, `lift` = confidence / the share of clients
///                     who bought `then` (JSON numbers)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_product_pairs(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: PairQuery = query(query_json, "query_json", Some(PairQuery::default))?;
            Ok(Box::new(move |t| on!(t, product_pairs(&query))))
        })
    }
}

/// What to offer a client next: the products it has never bought (in any completed order, at any
/// time), best first, each with the pair rule that suggests it (rules learned as crm_product_pairs()
/// learns them, from `query_json`'s period).
///
/// @param client_id         the client; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param query_json        as crm_product_pairs()'s; NULL means `{}`
/// @param limit             the most suggestions returned
/// @param suggestions_json  receives `[{"product": "SKU-2", "because": {"if_bought": "SKU-1", "then":
///                          "SKU-2", "count": 14, "support": 0.1167, "confidence": 0.7, "lift": 2.9}},
///                          ...]`, at most `limit`; `[]` when nothing fits
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_cross_sell(
    crm: *const crm_t,
    client_id: i64,
    query_json: *const c_char,
    limit: u32,
    suggestions_json: *mut *mut c_char,
) -> crm_status_t {
    let client = ClientId(client_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, suggestions_json, "suggestions_json", || {
            let query: PairQuery = query(query_json, "query_json", Some(PairQuery::default))?;
            Ok(Box::new(move |t| on!(t, cross_sell(client, &query, limit))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_text_has_two_decimals() {
        assert_eq!(money_text(24_590), "245.90");
        assert_eq!(money_text(-5), "-0.05");
        assert_eq!(money_text(0), "0.00");
        assert_eq!(
            money_text(i128::from(i64::MAX) * 3),
            "276701161105643274.21"
        );
    }

    #[test]
    fn unknown_fields_are_found_with_their_path() {
        let input = serde_json::json!({"abc": {"a": 0.5, "mesure": "orders"}});
        let typed = serde_json::to_value(AbcXyzQuery::default()).unwrap_or_default();
        assert_eq!(
            unknown_field(&input, &typed, String::new()),
            Some(("abc.mesure".to_string(), "mesure".to_string()))
        );
        let input = serde_json::json!({"abc": {"a": 0.5}});
        assert_eq!(unknown_field(&input, &typed, String::new()), None);
    }
}
