//! What the client analytics read: rollups per client and per client-month, and orders only for the
//! part of a period that does not cover a whole month. A report over all history, or up to today, reads
//! one row per client (`client_rollups`); a period of whole months reads `client_month_revenue`; only
//! the partial first and last months of a period touch `orders`, by its date index.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{Connection, params};

use super::convert::{Time, ts};
use crate::error::Result;
use crate::model::ClientId;

/// One client's purchases up to a day: completed orders only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientHistory {
    pub client_id: ClientId,
    /// Revenue, minor units.
    pub revenue: i64,
    /// Completed orders.
    pub orders: i64,
    /// Distinct UTC days with a completed order.
    pub days: i64,
    /// The UTC day of the first order.
    pub first: NaiveDate,
    /// The UTC day of the last order.
    pub last: NaiveDate,
}

/// A UTC day from its number of days since 1970-01-01 (what the queries below compute in SQL, which is
/// far cheaper than parsing a million timestamps in Rust).
fn epoch_day(days: i64) -> NaiveDate {
    NaiveDate::default() + chrono::Days::new(u64::try_from(days).unwrap_or(0))
}

/// The first and last order times in the store (any status), by the date index.
pub(crate) fn order_span(conn: &Connection) -> Result<Option<(NaiveDate, NaiveDate)>> {
    let (first, last): (Option<Time>, Option<Time>) = conn
        // Two subqueries: SQLite answers a lone min() or max() from the index's end, but both in one
        // SELECT scan the whole index (ten million entries on a large store).
        .prepare_cached(
            "SELECT (SELECT min(ordered_at) FROM orders), (SELECT max(ordered_at) FROM orders)",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(first
        .zip(last)
        .map(|(f, l)| (f.0.date_naive(), l.0.date_naive())))
}

/// `YYYY-MM` of a day.
pub(crate) fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The first day of a day's month.
fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the next month.
fn next_month(day: NaiveDate) -> NaiveDate {
    let start = month_start(day);
    start
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(start)
}

/// Midnight UTC of a day, as stored text.
fn day_key(day: NaiveDate) -> String {
    ts(&day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// Every client's history from the rollups (clients with at least one completed order), by id.
fn histories_from_rollups(conn: &Connection) -> Result<Vec<ClientHistory>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id, revenue, orders, purchase_days,
                unixepoch(substr(first_order_at, 1, 10)) / 86400,
                unixepoch(substr(last_order_at, 1, 10)) / 86400
         FROM client_rollups WHERE orders > 0 ORDER BY client_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ClientHistory {
            client_id: r.get(0)?,
            revenue: r.get(1)?,
            orders: r.get(2)?,
            days: r.get(3)?,
            first: epoch_day(r.get(4)?),
            last: epoch_day(r.get(5)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every client's history up to and including the UTC day `upto`, by id. When no order is dated after
/// that day the rollups are the answer; otherwise the whole months before `upto`'s month come from
/// the monthly rollups and only `upto`'s own month from the orders.
pub(crate) fn histories(conn: &Connection, upto: NaiveDate) -> Result<Vec<ClientHistory>> {
    let Some((_, last)) = order_span(conn)? else {
        return Ok(Vec::new());
    };
    if last <= upto {
        return histories_from_rollups(conn);
    }
    let mut by_client: BTreeMap<ClientId, ClientHistory> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT m.client_id, sum(m.revenue), sum(m.orders), sum(m.days),
                unixepoch(substr(r.first_order_at, 1, 10)) / 86400,
                unixepoch(substr(max(m.last_order_at), 1, 10)) / 86400
         FROM client_month_revenue m JOIN client_rollups r ON r.client_id = m.client_id
         WHERE m.month < ?1
         GROUP BY m.client_id",
    )?;
    let rows = stmt.query_map([month_of(upto)], |r| {
        Ok(ClientHistory {
            client_id: r.get(0)?,
            revenue: r.get(1)?,
            orders: r.get(2)?,
            days: r.get(3)?,
            first: epoch_day(r.get(4)?),
            last: epoch_day(r.get(5)?),
        })
    })?;
    for row in rows {
        let row = row?;
        by_client.insert(row.client_id, row);
    }
    let mut seen_days: BTreeSet<(ClientId, NaiveDate)> = BTreeSet::new();
    for (client_id, total, at) in orders_between(conn, month_start(upto), upto)? {
        let at = at.date_naive();
        let new_day = seen_days.insert((client_id, at));
        let h = by_client.entry(client_id).or_insert(ClientHistory {
            client_id,
            revenue: 0,
            orders: 0,
            days: 0,
            first: at,
            last: at,
        });
        h.revenue = h.revenue.saturating_add(total);
        h.orders += 1;
        h.days += i64::from(new_day);
        h.first = h.first.min(at);
        h.last = h.last.max(at);
    }
    Ok(by_client.into_values().collect())
}

/// Completed orders placed on the UTC days `from` to `to` inclusive: (client, total, time), by time.
pub(crate) fn orders_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(ClientId, i64, DateTime<Utc>)>> {
    let Some(after_to) = to.succ_opt() else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT client_id, total, ordered_at FROM orders
         WHERE ordered_at >= ?1 AND ordered_at < ?2 AND status = 'completed'
         ORDER BY ordered_at, id",
    )?;
    let rows = stmt.query_map(params![day_key(from), day_key(after_to)], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get::<_, Time>(2)?.0))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every client's revenue and completed orders on the UTC days `start` to `end` inclusive (`None`: open),
/// by id; clients without an order in the period are absent. Whole months are read from the monthly
/// rollups, a period covering every order from the client rollups, and only partial months from orders.
pub(crate) fn period_totals(
    conn: &Connection,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> Result<Vec<(ClientId, i64, i64)>> {
    let Some((first, last)) = order_span(conn)? else {
        return Ok(Vec::new());
    };
    let start = start.unwrap_or(first).max(first);
    let end = end.unwrap_or(last).min(last);
    if start > end {
        return Ok(Vec::new());
    }
    if start == first && end == last {
        let mut stmt = conn.prepare_cached(
            "SELECT client_id, revenue, orders FROM client_rollups WHERE orders > 0 ORDER BY client_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        return Ok(rows.collect::<rusqlite::Result<_>>()?);
    }
    let mut totals: BTreeMap<ClientId, (i64, i64)> = BTreeMap::new();
    // Whole months: from the first month that starts on or after `start` to the last that ends on or
    // before `end`.
    let full_from = if start.day() == 1 {
        start
    } else {
        next_month(start)
    };
    let end_next = end.succ_opt().unwrap_or(end);
    let full_to_next = month_start(end_next); // exclusive: the first day not in a whole month
    if full_from < full_to_next {
        let last_full = full_to_next.pred_opt().unwrap_or(full_to_next);
        let mut stmt = conn.prepare_cached(
            "SELECT client_id, sum(revenue), sum(orders) FROM client_month_revenue
             WHERE month >= ?1 AND month <= ?2
             GROUP BY client_id",
        )?;
        let rows = stmt.query_map(params![month_of(full_from), month_of(last_full)], |r| {
            Ok((
                r.get::<_, ClientId>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (client, revenue, orders) = row?;
            totals.insert(client, (revenue, orders));
        }
        let mut partial = Vec::new();
        if start < full_from {
            partial.push((start, full_from.pred_opt().unwrap_or(full_from)));
        }
        if full_to_next <= end {
            partial.push((full_to_next, end));
        }
        for (from, to) in partial {
            add_orders(&mut totals, orders_between(conn, from, to)?);
        }
    } else {
        add_orders(&mut totals, orders_between(conn, start, end)?);
    }
    Ok(totals
        .into_iter()
        .map(|(client, (revenue, orders))| (client, revenue, orders))
        .collect())
}

fn add_orders(
    totals: &mut BTreeMap<ClientId, (i64, i64)>,
    orders: Vec<(ClientId, i64, DateTime<Utc>)>,
) {
    for (client, total, _) in orders {
        let t = totals.entry(client).or_insert((0, 0));
        t.0 = t.0.saturating_add(total);
        t.1 += 1;
    }
}

/// A month as a number: `year × 12 + month − 1`, so consecutive months are consecutive numbers.
pub(crate) fn month_number(day: NaiveDate) -> i64 {
    i64::from(day.year()) * 12 + i64::from(day.month0())
}

/// One client's revenue per month of a window, and the month of its first order ever (months as
/// [`month_number`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientMonths {
    pub client_id: ClientId,
    /// (month, revenue) for the months of the window with revenue, oldest first.
    pub months: Vec<(i64, i64)>,
    /// The month of the client's first completed order.
    pub first_month: i64,
}

/// The monthly revenue of every client with revenue in the months of `from` to `to` (days of the
/// first and last month), by id, read from the monthly rollups. The window is one range of the
/// covering month index (months turned into numbers in SQL, no sort in SQL: a report over a million
/// clients reads several million month rows); the rows are ordered here and merged with the clients'
/// first months, read in one pass over the rollups.
pub(crate) fn month_revenue(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ClientMonths>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id,
                CAST(substr(month, 1, 4) AS INTEGER) * 12 + CAST(substr(month, 6, 2) AS INTEGER) - 1,
                revenue
         FROM client_month_revenue INDEXED BY client_month_revenue_by_month
         WHERE month >= ?1 AND month <= ?2",
    )?;
    let mut rows: Vec<(ClientId, i64, i64)> = stmt
        .query_map(params![month_of(from), month_of(to)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.sort_unstable_by_key(|&(client, month, _)| (client, month));
    let mut out: Vec<ClientMonths> = Vec::new();
    for (client_id, month, revenue) in rows {
        match out.last_mut() {
            Some(last) if last.client_id == client_id => last.months.push((month, revenue)),
            _ => out.push(ClientMonths {
                client_id,
                months: vec![(month, revenue)],
                first_month: month,
            }),
        }
    }
    // The first month ever, from the rollups, in client order: a merge with `out`.
    let mut stmt = conn.prepare_cached(
        "SELECT client_id,
                CAST(substr(first_order_at, 1, 4) AS INTEGER) * 12
                    + CAST(substr(first_order_at, 6, 2) AS INTEGER) - 1
         FROM client_rollups WHERE orders > 0 ORDER BY client_id",
    )?;
    let mut firsts = stmt.query([])?;
    let mut i = 0;
    while let Some(r) = firsts.next()? {
        let client: ClientId = r.get(0)?;
        while out.get(i).is_some_and(|c| c.client_id < client) {
            i += 1;
        }
        let Some(c) = out.get_mut(i) else { break };
        if c.client_id == client {
            c.first_month = c.first_month.min(r.get(1)?);
            i += 1;
        }
    }
    Ok(out)
}

/// The distinct products (SKUs) each client bought in completed orders on the UTC days `start` to
/// `end` (`None`: open), by client id then SKU.
pub(crate) fn client_products(
    conn: &Connection,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    client: Option<ClientId>,
) -> Result<Vec<(ClientId, String)>> {
    let from = start.map(day_key).unwrap_or_default();
    let to = match end.and_then(|e| e.succ_opt()) {
        Some(next) => day_key(next),
        None => "9999".to_string(),
    };
    // One client: its orders by the client index. Every client: driven by the order lines (each line's
    // order found by its id), never by an index on the orders' dates — a store with millions of orders
    // and few lines would otherwise look up every order in the period.
    let sql = if client.is_some() {
        "SELECT DISTINCT o.client_id, l.sku
         FROM orders o JOIN order_lines l ON l.order_id = o.id
         WHERE o.status = 'completed' AND o.ordered_at >= ?1 AND o.ordered_at < ?2
           AND o.client_id = ?3
         ORDER BY o.client_id, l.sku"
    } else {
        "SELECT DISTINCT o.client_id, l.sku
         FROM order_lines l CROSS JOIN orders o ON o.id = l.order_id
         WHERE o.status = 'completed' AND o.ordered_at >= ?1 AND o.ordered_at < ?2
           AND ?3 IS NULL
         ORDER BY o.client_id, l.sku"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to, client], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One client's analytic scores, as the segment language reads them.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ScoreRow {
    pub client_id: ClientId,
    pub abc: Option<&'static str>,
    pub xyz: Option<&'static str>,
    pub rfm_segment: Option<&'static str>,
    pub p_alive: Option<f64>,
    pub r_score: Option<u8>,
    pub f_score: Option<u8>,
    pub m_score: Option<u8>,
}

/// Replaces the connection's temporary `client_scores` table (it lives only on this connection, for
/// the segment statement that follows) with `rows`.
pub(crate) fn write_scores(conn: &Connection, rows: &[ScoreRow]) -> Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS client_scores (
             client_id   INTEGER PRIMARY KEY,
             abc         TEXT,
             xyz         TEXT,
             rfm_segment TEXT,
             p_alive     REAL,
             r_score     INTEGER,
             f_score     INTEGER,
             m_score     INTEGER
         );
         DELETE FROM temp.client_scores;",
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO temp.client_scores
             (client_id, abc, xyz, rfm_segment, p_alive, r_score, f_score, m_score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for row in rows {
        stmt.execute(params![
            row.client_id,
            row.abc,
            row.xyz,
            row.rfm_segment,
            row.p_alive,
            row.r_score,
            row.f_score,
            row.m_score
        ])?;
    }
    Ok(())
}
