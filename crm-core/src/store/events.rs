//! The append-only event log.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, params};

use super::convert::{Json, Time, ts};
use crate::error::Result;
use crate::model::Event;

/// Appends an event and returns its sequence number.
pub(crate) fn append(
    conn: &Connection,
    at: &DateTime<Utc>,
    actor: &str,
    entity: &str,
    entity_id: i64,
    kind: &str,
    data: &serde_json::Value,
) -> Result<i64> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (at, actor, entity, entity_id, kind, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        ts(at),
        actor,
        entity,
        entity_id,
        kind,
        data.to_string()
    ])?;
    Ok(conn.last_insert_rowid())
}

fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        seq: row.get(0)?,
        at: row.get::<_, Time>(1)?.0,
        actor: row.get(2)?,
        entity: row.get(3)?,
        entity_id: row.get(4)?,
        kind: row.get(5)?,
        data: row.get::<_, Json<serde_json::Value>>(6)?.0,
    })
}

/// Every event of one record, oldest first.
pub(crate) fn history(conn: &Connection, entity: &str, entity_id: i64) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, actor, entity, entity_id, kind, data FROM events
         WHERE entity = ?1 AND entity_id = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![entity, entity_id], event)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Events after `seq`, oldest first, at most `limit`.
pub(crate) fn since(conn: &Connection, seq: i64, limit: u32) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, actor, entity, entity_id, kind, data FROM events
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![seq, limit], event)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest sequence number, 0 for an empty log.
pub(crate) fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?)
}
