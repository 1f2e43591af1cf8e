//! The ports in the store: what a web order's first recording attributed and made, and an ERP's
//! correction of an order in place.

use rusqlite::{Connection, OptionalExtension, params};

use super::convert::ts;
use crate::error::Result;
use crate::model::{DealId, LeadId, Order, OrderId, SourceId};

/// What a web order's first recording attributed and made: the source, the lead and the deal.
pub(crate) type WebOrderLinks = (Option<SourceId>, Option<LeadId>, Option<DealId>);

/// Remembers what a web order's first recording attributed and made.
pub(crate) fn insert_web_order(
    conn: &Connection,
    order: OrderId,
    links: WebOrderLinks,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO web_orders (order_id, source_id, lead_id, deal_id) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![order, links.0, links.1, links.2])?;
    Ok(())
}

/// What a web order's first recording attributed and made; `None` for an order that did not come
/// through the web-shop port.
pub(crate) fn web_order(conn: &Connection, order: OrderId) -> Result<Option<WebOrderLinks>> {
    Ok(conn
        .prepare_cached("SELECT source_id, lead_id, deal_id FROM web_orders WHERE order_id = ?1")?
        .query_row([order], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

/// Replaces a stored order's client, time, status, total, deal and lines with `o`'s (an ERP's
/// correction); the rollups are the caller's to rebuild.
pub(crate) fn replace_order(conn: &Connection, o: &Order) -> Result<()> {
    conn.prepare_cached(
        "UPDATE orders SET client_id = ?2, ordered_at = ?3, status = ?4, total = ?5, deal_id = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        o.id,
        o.client_id,
        ts(&o.ordered_at),
        o.status,
        o.total,
        o.deal_id
    ])?;
    conn.prepare_cached("DELETE FROM order_lines WHERE order_id = ?1")?
        .execute([o.id])?;
    let mut line_stmt = conn.prepare_cached(
        "INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (line_no, line) in (0_i64..).zip(&o.lines) {
        line_stmt.execute(params![
            o.id,
            line_no,
            line.sku,
            line.quantity,
            line.unit_price
        ])?;
    }
    Ok(())
}
