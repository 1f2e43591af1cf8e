//! Orders, their lines, and the per-client rollups kept in step with them.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Time, ts};
use super::filter::Filter;
use crate::error::Result;
use crate::model::{
    ClientId, ClientRollup, MonthRevenue, Order, OrderId, OrderLine, OrderQuery, OrderStatus, Page,
};

const ORDER_COLUMNS: &str = "id, client_id, ordered_at, status, total, deal_id, external_ref";

fn order_head(row: &Row<'_>) -> rusqlite::Result<Order> {
    Ok(Order {
        id: row.get(0)?,
        client_id: row.get(1)?,
        ordered_at: row.get::<_, Time>(2)?.0,
        status: row.get(3)?,
        total: row.get(4)?,
        deal_id: row.get(5)?,
        external_ref: row.get(6)?,
        lines: Vec::new(),
    })
}

fn with_lines(conn: &Connection, mut order: Order) -> Result<Order> {
    let mut stmt = conn.prepare_cached(
        "SELECT sku, quantity, unit_price FROM order_lines WHERE order_id = ?1 ORDER BY line_no",
    )?;
    let rows = stmt.query_map([order.id], |r| {
        Ok(OrderLine {
            sku: r.get(0)?,
            quantity: r.get(1)?,
            unit_price: r.get(2)?,
        })
    })?;
    order.lines = rows.collect::<rusqlite::Result<_>>()?;
    Ok(order)
}

/// Inserts an order with its lines (its id is ignored) and returns the new id.
pub(crate) fn insert(conn: &Connection, o: &Order) -> Result<OrderId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO orders (client_id, ordered_at, status, total, deal_id, external_ref)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        o.client_id,
        ts(&o.ordered_at),
        o.status,
        o.total,
        o.deal_id,
        o.external_ref
    ])?;
    let id = OrderId(conn.last_insert_rowid());
    let mut line_stmt = conn.prepare_cached(
        "INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (line_no, line) in (0_i64..).zip(&o.lines) {
        line_stmt.execute(params![
            id,
            line_no,
            line.sku,
            line.quantity,
            line.unit_price
        ])?;
    }
    Ok(id)
}

/// Sets an order's status.
pub(crate) fn set_status(conn: &Connection, id: OrderId, status: OrderStatus) -> Result<()> {
    conn.prepare_cached("UPDATE orders SET status = ?2 WHERE id = ?1")?
        .execute(params![id, status])?;
    Ok(())
}

/// One order with its lines.
pub(crate) fn by_id(conn: &Connection, id: OrderId) -> Result<Option<Order>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?1");
    match conn
        .prepare_cached(&sql)?
        .query_row([id], order_head)
        .optional()?
    {
        Some(order) => Ok(Some(with_lines(conn, order)?)),
        None => Ok(None),
    }
}

/// The order with this external reference, with its lines.
pub(crate) fn by_external_ref(conn: &Connection, external_ref: &str) -> Result<Option<Order>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE external_ref = ?1");
    match conn
        .prepare_cached(&sql)?
        .query_row([external_ref], order_head)
        .optional()?
    {
        Some(order) => Ok(Some(with_lines(conn, order)?)),
        None => Ok(None),
    }
}

/// The statement and values of an order listing.
pub(crate) fn filter(q: &OrderQuery) -> Filter<'_> {
    Filter::new("orders", ORDER_COLUMNS, q.page)
        .key("external_ref = ?", q.external_ref.as_deref())
        .key("client_id = ?", q.client_id)
        .check("status = ?", q.status)
        .range("orders_by_date", "ordered_at >= ?", q.from.as_ref().map(ts))
        .range("orders_by_date", "ordered_at < ?", q.to.as_ref().map(ts))
}

/// A page of orders matching the query, by id, with their lines.
pub(crate) fn list(conn: &Connection, q: &OrderQuery) -> Result<Vec<Order>> {
    let heads = filter(q).rows(conn, order_head)?;
    heads.into_iter().map(|o| with_lines(conn, o)).collect()
}

/// The rollup month of a time: `YYYY-MM` in UTC.
fn month(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

/// The UTC day of a time and the next one, as the text bounds of a range over `ordered_at`.
fn day_bounds(at: &DateTime<Utc>) -> (String, String) {
    let day = at.date_naive();
    let next = day.succ_opt().unwrap_or(day);
    (day.to_string(), next.to_string())
}

/// Whether the client has another completed order on the same UTC day as `o` with an id below
/// `below` (the orders that were there before `o`, or before a batch).
fn day_taken(
    conn: &Connection,
    client_id: ClientId,
    at: &DateTime<Utc>,
    below: OrderId,
) -> Result<bool> {
    let (day, next) = day_bounds(at);
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM orders
         WHERE client_id = ?1 AND ordered_at >= ?2 AND ordered_at < ?3 AND status = 'completed'
           AND id < ?4)",
    )?;
    Ok(stmt.query_row(params![client_id, day, next, below], |r| r.get(0))?)
}

/// Adds one completed order, just stored, to its client's rollups (every other order of the client
/// has a lower id).
pub(crate) fn add_to_rollups(conn: &Connection, o: &Order) -> Result<()> {
    let new_day = !day_taken(conn, o.client_id, &o.ordered_at, o.id)?;
    let mut fold = RollupFold::default();
    fold.add(o, new_day);
    fold.apply(conn)
}

/// One client's (or one client-month's) change of figures.
#[derive(Debug, Clone, Default)]
struct Figures {
    revenue: i64,
    orders: i64,
    days: i64,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl Figures {
    fn add(&mut self, o: &Order, new_day: bool) {
        self.revenue = self.revenue.saturating_add(o.total.minor());
        self.orders += 1;
        self.days += i64::from(new_day);
        self.first = Some(self.first.map_or(o.ordered_at, |f| f.min(o.ordered_at)));
        self.last = Some(self.last.map_or(o.ordered_at, |l| l.max(o.ordered_at)));
    }
}

/// The rollup changes of many completed orders, folded per client and per client-month, so that a
/// batch writes each client's rollup row once instead of once per order (the difference between
/// 0.26 M and well over 1 M orders a second on a bulk load).
#[derive(Debug, Default)]
pub(crate) struct RollupFold {
    clients: std::collections::BTreeMap<ClientId, Figures>,
    months: std::collections::BTreeMap<(ClientId, String), Figures>,
    /// The UTC days already counted in this fold, per client.
    days: std::collections::HashSet<(ClientId, chrono::NaiveDate)>,
}

impl RollupFold {
    /// Revenue this fold adds to a client (not yet written).
    pub(crate) fn pending_revenue(&self, client_id: ClientId) -> i64 {
        self.clients.get(&client_id).map_or(0, |f| f.revenue)
    }

    /// Adds a completed order; `new_day` says whether its UTC day had no completed order of the
    /// client before the fold.
    fn add(&mut self, o: &Order, new_day: bool) {
        let new_day = new_day && self.days.insert((o.client_id, o.ordered_at.date_naive()));
        self.clients.entry(o.client_id).or_default().add(o, new_day);
        self.months
            .entry((o.client_id, month(&o.ordered_at)))
            .or_default()
            .add(o, new_day);
    }

    /// Adds a completed order of a batch whose first order id is `batch_start`: its day is new unless
    /// an order from before the batch, or an earlier one of the batch, has it.
    pub(crate) fn add_from_batch(
        &mut self,
        conn: &Connection,
        o: &Order,
        batch_start: OrderId,
        client_had_orders: bool,
    ) -> Result<()> {
        // A day the fold counted already needs no look: `add` will not count it again.
        let counted = self
            .days
            .contains(&(o.client_id, o.ordered_at.date_naive()));
        let new_day = !counted
            && (!client_had_orders || !day_taken(conn, o.client_id, &o.ordered_at, batch_start)?);
        self.add(o, new_day);
        Ok(())
    }

    /// Writes the folded changes: one upsert per client and per client-month.
    pub(crate) fn apply(&self, conn: &Connection) -> Result<()> {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO client_rollups (client_id, revenue, orders, first_order_at, last_order_at, purchase_days)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (client_id) DO UPDATE SET
                 revenue = revenue + excluded.revenue,
                 orders = orders + excluded.orders,
                 first_order_at = min(coalesce(first_order_at, excluded.first_order_at), excluded.first_order_at),
                 last_order_at = max(coalesce(last_order_at, excluded.last_order_at), excluded.last_order_at),
                 purchase_days = purchase_days + excluded.purchase_days",
        )?;
        for (client, f) in &self.clients {
            stmt.execute(params![
                client,
                f.revenue,
                f.orders,
                f.first.as_ref().map(ts),
                f.last.as_ref().map(ts),
                f.days
            ])?;
        }
        let mut stmt = conn.prepare_cached(
            "INSERT INTO client_month_revenue (client_id, month, revenue, orders, days, last_order_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (client_id, month) DO UPDATE SET
                 revenue = revenue + excluded.revenue,
                 orders = orders + excluded.orders,
                 days = days + excluded.days,
                 last_order_at = max(coalesce(last_order_at, excluded.last_order_at), excluded.last_order_at)",
        )?;
        for ((client, month), f) in &self.months {
            stmt.execute(params![
                client,
                month,
                f.revenue,
                f.orders,
                f.days,
                f.last.as_ref().map(ts)
            ])?;
        }
        Ok(())
    }
}

/// Rebuilds one client's rollups from its completed orders (after a status change takes one out or puts
/// one back; first and last dates cannot be un-done incrementally).
pub(crate) fn rebuild_rollups(conn: &Connection, client_id: ClientId) -> Result<()> {
    conn.prepare_cached("DELETE FROM client_month_revenue WHERE client_id = ?1")?
        .execute([client_id])?;
    conn.prepare_cached("DELETE FROM client_rollups WHERE client_id = ?1")?
        .execute([client_id])?;
    conn.prepare_cached(
        "INSERT INTO client_rollups (client_id, revenue, orders, first_order_at, last_order_at, purchase_days)
         SELECT client_id, sum(total), count(*), min(ordered_at), max(ordered_at),
                count(DISTINCT substr(ordered_at, 1, 10))
         FROM orders
         WHERE client_id = ?1 AND status = 'completed'
         GROUP BY client_id",
    )?
    .execute([client_id])?;
    conn.prepare_cached(
        "INSERT INTO client_month_revenue (client_id, month, revenue, orders, days, last_order_at)
         SELECT client_id, substr(ordered_at, 1, 7), sum(total), count(*),
                count(DISTINCT substr(ordered_at, 1, 10)), max(ordered_at)
         FROM orders
         WHERE client_id = ?1 AND status = 'completed'
         GROUP BY client_id, substr(ordered_at, 1, 7)",
    )?
    .execute([client_id])?;
    Ok(())
}

fn rollup(row: &Row<'_>) -> rusqlite::Result<ClientRollup> {
    Ok(ClientRollup {
        client_id: row.get(0)?,
        revenue: row.get(1)?,
        orders: row.get(2)?,
        first_order_at: row.get::<_, Option<Time>>(3)?.map(|t| t.0),
        last_order_at: row.get::<_, Option<Time>>(4)?.map(|t| t.0),
        purchase_days: row.get(5)?,
    })
}

/// One client's rollup, if the client ever had a completed order.
pub(crate) fn rollup_of(conn: &Connection, client_id: ClientId) -> Result<Option<ClientRollup>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id, revenue, orders, first_order_at, last_order_at, purchase_days FROM client_rollups
         WHERE client_id = ?1",
    )?;
    Ok(stmt.query_row([client_id], rollup).optional()?)
}

/// A page of rollups, by client id.
pub(crate) fn rollups(conn: &Connection, page: &Page) -> Result<Vec<ClientRollup>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id, revenue, orders, first_order_at, last_order_at, purchase_days FROM client_rollups
         WHERE client_id > coalesce(?1, 0) ORDER BY client_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![page.after, page.effective_limit()], rollup)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One client's revenue per month, oldest month first.
pub(crate) fn months_of(conn: &Connection, client_id: ClientId) -> Result<Vec<MonthRevenue>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id, month, revenue, orders, days, last_order_at FROM client_month_revenue
         WHERE client_id = ?1 ORDER BY month",
    )?;
    let rows = stmt.query_map([client_id], |r| {
        Ok(MonthRevenue {
            client_id: r.get(0)?,
            month: r.get(1)?,
            revenue: r.get(2)?,
            orders: r.get(3)?,
            days: r.get(4)?,
            last_order_at: r.get::<_, Option<Time>>(5)?.map(|t| t.0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
