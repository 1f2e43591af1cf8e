//! Sales plans, and what the manager report reads: per-manager counts and sums, grouped in SQL, and the
//! response times of answered leads (the quantiles are computed in Rust).
//!
//! Times compare as text: they are stored fixed-width RFC 3339 in UTC (see [`super::convert`]), so
//! `a <= b` on the text is `a <= b` on the instants.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Time, ts};
use crate::analytics::managers::{LeadCounts, PromiseCounts, SalesTotals};
use crate::error::Result;
use crate::model::{ManagerId, Money, Plan};

/// Per owner, the counts over the leads received in `[?1, ?2)`; `?2` also decides passed deadlines.
const LEAD_COUNTS: &str = "
    SELECT owner_id,
           count(*),
           count(*) FILTER (WHERE first_response_at IS NOT NULL),
           count(*) FILTER (WHERE status = 'converted'),
           count(*) FILTER (WHERE status = 'lost'),
           count(*) FILTER (WHERE status = 'junk'),
           count(*) FILTER (WHERE first_response_due IS NOT NULL
                              AND (first_response_at IS NOT NULL OR first_response_due <= ?2)),
           count(*) FILTER (WHERE first_response_at <= first_response_due)
    FROM leads
    WHERE received_at >= ?1 AND received_at < ?2 AND owner_id IS NOT NULL
    GROUP BY owner_id";

/// The answered leads received in `[?1, ?2)`, with their times.
const ANSWERED_LEADS: &str = "
    SELECT owner_id, received_at, first_response_at
    FROM leads
    WHERE received_at >= ?1 AND received_at < ?2 AND owner_id IS NOT NULL
      AND first_response_at IS NOT NULL
    ORDER BY owner_id, id";

/// Per owner and month, the deals won in `[?1, ?2)`. The unary `+` keeps SQLite off the status index
/// (every won deal ever) and on `deals_by_closed` (the period's closed deals).
const WON_BY_MONTH: &str = "
    SELECT owner_id, substr(closed_at, 1, 7), count(*), sum(amount)
    FROM deals
    WHERE +status = 'won' AND closed_at >= ?1 AND closed_at < ?2 AND owner_id IS NOT NULL
    GROUP BY owner_id, substr(closed_at, 1, 7)";

/// Per owner of the client and month, the completed orders placed in `[?1, ?2)`.
const ORDERS_BY_MONTH: &str = "
    SELECT c.owner_id, substr(o.ordered_at, 1, 7), count(*), sum(o.total)
    FROM orders o JOIN clients c ON c.id = o.client_id
    WHERE o.status = 'completed' AND o.ordered_at >= ?1 AND o.ordered_at < ?2
      AND c.owner_id IS NOT NULL
    GROUP BY c.owner_id, substr(o.ordered_at, 1, 7)";

fn plan(row: &Row<'_>) -> rusqlite::Result<Plan> {
    Ok(Plan {
        manager_id: row.get(0)?,
        month: row.get(1)?,
        revenue: row.get(2)?,
        deals: row.get(3)?,
    })
}

/// The plan of a manager for a month.
pub(crate) fn get(conn: &Connection, manager: ManagerId, month: &str) -> Result<Option<Plan>> {
    let mut stmt = conn.prepare_cached(
        "SELECT manager_id, month, revenue, deals FROM sales_plans
         WHERE manager_id = ?1 AND month = ?2",
    )?;
    Ok(stmt.query_row(params![manager, month], plan).optional()?)
}

/// Inserts a plan or replaces the month's one.
pub(crate) fn upsert(conn: &Connection, p: &Plan) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO sales_plans (manager_id, month, revenue, deals) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (manager_id, month) DO UPDATE SET revenue = excluded.revenue, deals = excluded.deals",
    )?;
    stmt.execute(params![p.manager_id, p.month, p.revenue, p.deals])?;
    Ok(())
}

/// Deletes the plan of a manager for a month (nothing when there is none).
pub(crate) fn delete(conn: &Connection, manager: ManagerId, month: &str) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("DELETE FROM sales_plans WHERE manager_id = ?1 AND month = ?2")?;
    stmt.execute(params![manager, month])?;
    Ok(())
}

/// Plans of one manager or of all, in the months `from..=to` (either end open when `None`), by month
/// then manager id.
pub(crate) fn list(
    conn: &Connection,
    manager: Option<ManagerId>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<Plan>> {
    let mut stmt = conn.prepare_cached(
        "SELECT manager_id, month, revenue, deals FROM sales_plans
         WHERE (?1 IS NULL OR manager_id = ?1)
           AND (?2 IS NULL OR month >= ?2)
           AND (?3 IS NULL OR month <= ?3)
         ORDER BY month, manager_id",
    )?;
    let rows = stmt.query_map(params![manager, from, to], plan)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per owner, the counts of the leads received in `[from, to)`; the SLA counts take `to` as the instant
/// by which a passed deadline is decided. Unowned leads are left out.
pub(crate) fn lead_counts(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<BTreeMap<ManagerId, LeadCounts>> {
    let mut stmt = conn.prepare_cached(LEAD_COUNTS)?;
    let rows = stmt.query_map(params![ts(&from), ts(&to)], |row| {
        Ok((
            row.get::<_, ManagerId>(0)?,
            LeadCounts {
                received: row.get(1)?,
                answered: row.get(2)?,
                converted: row.get(3)?,
                lost: row.get(4)?,
                junk: row.get(5)?,
                sla_counted: row.get(6)?,
                sla_met: row.get(7)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per manager, the promises due in `[from, to)` that were kept and broken (cancelled and open ones
/// are not counted); managers with none are left out.
pub(crate) fn promise_counts(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<BTreeMap<ManagerId, PromiseCounts>> {
    let mut stmt = conn.prepare_cached(
        "SELECT manager_id, sum(status = 'kept'), sum(status = 'broken')
         FROM promises INDEXED BY promises_by_due
         WHERE due_at >= ?1 AND due_at < ?2 AND manager_id IS NOT NULL
           AND status IN ('kept', 'broken')
         GROUP BY manager_id",
    )?;
    let rows = stmt.query_map(params![ts(&from), ts(&to)], |row| {
        Ok((
            row.get::<_, ManagerId>(0)?,
            PromiseCounts {
                kept: row.get(1)?,
                broken: row.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An answered lead: its owner, when it came in, when it was first answered.
pub(crate) type AnsweredLead = (ManagerId, DateTime<Utc>, DateTime<Utc>);

/// Owner, received and first-response times of the answered leads received in `[from, to)`, by owner
/// then lead id. Unowned leads are left out.
pub(crate) fn answered_leads(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AnsweredLead>> {
    let mut stmt = conn.prepare_cached(ANSWERED_LEADS)?;
    let rows = stmt.query_map(params![ts(&from), ts(&to)], |row| {
        Ok((
            row.get(0)?,
            row.get::<_, Time>(1)?.0,
            row.get::<_, Time>(2)?.0,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per owner and calendar month (`YYYY-MM`, UTC), the deals won in `[from, to)` and the completed orders
/// placed in `[from, to)` by the clients each manager owns. A whole period is one call with its own
/// bounds; the caller sums the months.
pub(crate) fn sales_by_month(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<BTreeMap<(ManagerId, String), SalesTotals>> {
    let (from, to) = (ts(&from), ts(&to));
    let mut totals: BTreeMap<(ManagerId, String), SalesTotals> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(WON_BY_MONTH)?;
    let rows = stmt.query_map(params![from, to], |row| {
        Ok((
            row.get::<_, ManagerId>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, u32>(2)?,
            row.get::<_, Money>(3)?,
        ))
    })?;
    for row in rows {
        let (manager, month, count, amount) = row?;
        let t = totals.entry((manager, month)).or_default();
        t.deals_won = count;
        t.won_amount = amount;
    }
    let mut stmt = conn.prepare_cached(ORDERS_BY_MONTH)?;
    let rows = stmt.query_map(params![from, to], |row| {
        Ok((
            row.get::<_, ManagerId>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, u32>(2)?,
            row.get::<_, Money>(3)?,
        ))
    })?;
    for row in rows {
        let (manager, month, count, revenue) = row?;
        let t = totals.entry((manager, month)).or_default();
        t.orders = count;
        t.revenue = revenue;
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan SQLite makes for a statement, its detail lines joined.
    fn query_plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let lines = stmt
            .query_map(params!["2026-11-01", "2026-12-01"], |row| {
                row.get::<_, String>(3)
            })
            .unwrap_or_else(|e| panic!("{e}"));
        lines
            .map(|l| l.unwrap_or_else(|e| panic!("{e}")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The report reads a period through the time indexes, never by scanning every lead, deal or
    /// order.
    #[test]
    fn the_report_queries_read_the_period_by_index() {
        let conn = super::super::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
        for (sql, index) in [
            (LEAD_COUNTS, "leads_by_received"),
            (ANSWERED_LEADS, "leads_by_received"),
            (WON_BY_MONTH, "deals_by_closed"),
            (ORDERS_BY_MONTH, "orders_by_date"),
        ] {
            let plan = query_plan(&conn, sql);
            assert!(plan.contains(index), "{index} not used: {plan}");
        }
    }
}
