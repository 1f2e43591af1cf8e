//! Deals and their stage history.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Day, Time, ts};
use super::filter::Filter;
use crate::error::Result;
use crate::model::{Deal, DealId, DealQuery, StageVisit};

const DEAL_COLUMNS: &str =
    "id, client_id, lead_id, title, amount, stage, status, owner_id, expected_close,
    lost_reason, lost_note, created_at, closed_at, stage_changed_at";

fn deal(row: &Row<'_>) -> rusqlite::Result<Deal> {
    Ok(Deal {
        id: row.get(0)?,
        client_id: row.get(1)?,
        lead_id: row.get(2)?,
        title: row.get(3)?,
        amount: row.get(4)?,
        stage: row.get(5)?,
        status: row.get(6)?,
        owner_id: row.get(7)?,
        expected_close: row.get::<_, Option<Day>>(8)?.map(|d| d.0),
        lost_reason: row.get(9)?,
        lost_note: row.get(10)?,
        created_at: row.get::<_, Time>(11)?.0,
        closed_at: row.get::<_, Option<Time>>(12)?.map(|t| t.0),
        stage_changed_at: row.get::<_, Time>(13)?.0,
    })
}

/// Inserts a deal (its id is ignored) and returns the new id.
pub(crate) fn insert(conn: &Connection, d: &Deal) -> Result<DealId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO deals (client_id, lead_id, title, amount, stage, status, owner_id, expected_close,
                            lost_reason, lost_note, created_at, closed_at, stage_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    stmt.execute(params![
        d.client_id,
        d.lead_id,
        d.title,
        d.amount,
        d.stage,
        d.status,
        d.owner_id,
        d.expected_close.map(Day),
        d.lost_reason,
        d.lost_note,
        ts(&d.created_at),
        d.closed_at.as_ref().map(ts),
        ts(&d.stage_changed_at),
    ])?;
    Ok(DealId(conn.last_insert_rowid()))
}

/// Writes every field of a deal that commands change.
pub(crate) fn update(conn: &Connection, d: &Deal) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE deals SET title = ?2, amount = ?3, owner_id = ?4, expected_close = ?5, stage = ?6, status = ?7,
                          lost_reason = ?8, lost_note = ?9, closed_at = ?10, stage_changed_at = ?11
         WHERE id = ?1",
    )?;
    stmt.execute(params![
        d.id,
        d.title,
        d.amount,
        d.owner_id,
        d.expected_close.map(Day),
        d.stage,
        d.status,
        d.lost_reason,
        d.lost_note,
        d.closed_at.as_ref().map(ts),
        ts(&d.stage_changed_at)
    ])?;
    Ok(())
}

/// One deal.
pub(crate) fn by_id(conn: &Connection, id: DealId) -> Result<Option<Deal>> {
    let sql = format!("SELECT {DEAL_COLUMNS} FROM deals WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], deal)
        .optional()?)
}

/// The statement and values of a deal listing.
pub(crate) fn filter(q: &DealQuery) -> Filter<'_> {
    Filter::new("deals", DEAL_COLUMNS, q.page)
        .key("client_id = ?", q.client_id)
        .key("owner_id = ?", q.owner_id)
        .key("status = ?", q.status)
        // The second column of `deals_by_status_stage`: narrowed by the index together with a status.
        .check("stage = ?", q.stage.as_deref())
}

/// A page of deals matching the query, by id.
pub(crate) fn list(conn: &Connection, q: &DealQuery) -> Result<Vec<Deal>> {
    filter(q).rows(conn, deal)
}

/// Records that a deal entered a stage or status.
pub(crate) fn insert_visit(conn: &Connection, v: &StageVisit) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO deal_stage_history (deal_id, stage, status, at, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    stmt.execute(params![v.deal_id, v.stage, v.status, ts(&v.at), v.actor])?;
    Ok(())
}

/// A deal's stage history, oldest first.
pub(crate) fn visits_of(conn: &Connection, id: DealId) -> Result<Vec<StageVisit>> {
    let mut stmt = conn.prepare_cached(
        "SELECT deal_id, stage, status, at, actor FROM deal_stage_history WHERE deal_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(StageVisit {
            deal_id: r.get(0)?,
            stage: r.get(1)?,
            status: r.get(2)?,
            at: r.get::<_, Time>(3)?.0,
            actor: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
