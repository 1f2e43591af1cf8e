//! Imports in the store: the batches and their items (what each row made or changed), the savepoints
//! an import runs in, and what an undo needs (who refers to a record, whether it changed since, and
//! the deletes).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Time, ts};
use crate::error::{Error, Result};
use crate::model::{ClientId, Contact, ImportBatch, ImportId, ImportKind, OrderId};

/// Opens the savepoint the whole import runs in (rolled back for a dry run, a cancel, or an
/// all-or-nothing failure).
pub(crate) fn begin_all(conn: &Connection) -> Result<()> {
    conn.prepare_cached("SAVEPOINT import_all")?.execute([])?;
    Ok(())
}

/// Ends the import's savepoint, keeping (`keep`) or discarding what it wrote.
pub(crate) fn end_all(conn: &Connection, keep: bool) -> Result<()> {
    if !keep {
        conn.prepare_cached("ROLLBACK TO import_all")?.execute([])?;
    }
    conn.prepare_cached("RELEASE import_all")?.execute([])?;
    Ok(())
}

/// Opens the savepoint of one row.
pub(crate) fn begin_row(conn: &Connection) -> Result<()> {
    conn.prepare_cached("SAVEPOINT import_row")?.execute([])?;
    Ok(())
}

/// Ends the savepoint of one row, keeping (`keep`) or discarding what the row wrote.
pub(crate) fn end_row(conn: &Connection, keep: bool) -> Result<()> {
    if !keep {
        conn.prepare_cached("ROLLBACK TO import_row")?.execute([])?;
    }
    conn.prepare_cached("RELEASE import_row")?.execute([])?;
    Ok(())
}

/// The figures of a batch, in the order of its columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub total: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Records a new batch (its figures come with [`finish_batch`]) and returns its id.
pub(crate) fn insert_batch(
    conn: &Connection,
    kind: ImportKind,
    file_name: Option<&str>,
    at: &DateTime<Utc>,
    actor: &str,
    options: &str,
) -> Result<ImportId> {
    conn.prepare_cached(
        "INSERT INTO import_batches (kind, file_name, at, actor, options) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![kind.as_str(), file_name, ts(at), actor, options])?;
    Ok(ImportId(conn.last_insert_rowid()))
}

/// Stores a batch's figures and the sequence number of its `import` event.
pub(crate) fn finish_batch(
    conn: &Connection,
    id: ImportId,
    c: &Counts,
    last_seq: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE import_batches SET total = ?2, created = ?3, updated = ?4, unchanged = ?5, skipped = ?6,
                                   failed = ?7, last_seq = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        id.0,
        int(c.total),
        int(c.created),
        int(c.updated),
        int(c.unchanged),
        int(c.skipped),
        int(c.failed),
        last_seq
    ])?;
    Ok(())
}

/// Records what one row made (`created`) or changed (`updated`, with the record as it was before).
pub(crate) fn insert_item(
    conn: &Connection,
    batch: ImportId,
    row: u64,
    entity: &str,
    entity_id: i64,
    action: &str,
    before: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO import_items (batch_id, row, entity, entity_id, action, before)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        batch.0,
        int(row),
        entity,
        entity_id,
        action,
        before
    ])?;
    Ok(())
}

/// One item of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub row: u64,
    pub entity: String,
    pub entity_id: i64,
    pub created: bool,
    pub before: Option<String>,
}

/// A batch's items, in the order they were recorded.
pub(crate) fn items_of(conn: &Connection, batch: ImportId) -> Result<Vec<Item>> {
    let mut stmt = conn.prepare_cached(
        "SELECT row, entity, entity_id, action, before FROM import_items WHERE batch_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([batch.0], |r| {
        Ok(Item {
            row: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
            entity: r.get(1)?,
            entity_id: r.get(2)?,
            created: r.get::<_, String>(3)? == "created",
            before: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const BATCH_COLUMNS: &str =
    "id, kind, file_name, at, actor, total, created, updated, unchanged, skipped, failed,
    undone_at, last_seq";

fn count(r: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    Ok(u64::try_from(r.get::<_, i64>(i)?).unwrap_or(0))
}

fn batch(r: &Row<'_>) -> rusqlite::Result<(ImportBatch, i64)> {
    let kind: String = r.get(1)?;
    let kind = kind.parse().map_err(|e: Error| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok((
        ImportBatch {
            id: ImportId(r.get(0)?),
            kind,
            file_name: r.get(2)?,
            at: r.get::<_, Time>(3)?.0,
            actor: r.get(4)?,
            total: count(r, 5)?,
            created: count(r, 6)?,
            updated: count(r, 7)?,
            unchanged: count(r, 8)?,
            skipped: count(r, 9)?,
            failed: count(r, 10)?,
            undone_at: r.get::<_, Option<Time>>(11)?.map(|t| t.0),
        },
        r.get(12)?,
    ))
}

/// One batch and the sequence number of its `import` event.
pub(crate) fn batch_by_id(conn: &Connection, id: ImportId) -> Result<Option<(ImportBatch, i64)>> {
    let sql = format!("SELECT {BATCH_COLUMNS} FROM import_batches WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.0], batch)
        .optional()?)
}

/// Every batch, by id.
pub(crate) fn batches(conn: &Connection) -> Result<Vec<ImportBatch>> {
    let sql = format!("SELECT {BATCH_COLUMNS} FROM import_batches ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], batch)?;
    rows.map(|r| r.map(|(b, _)| b).map_err(Error::from))
        .collect()
}

/// Marks a batch undone.
pub(crate) fn set_undone(conn: &Connection, id: ImportId, at: &DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE import_batches SET undone_at = ?2 WHERE id = ?1")?
        .execute(params![id.0, ts(at)])?;
    Ok(())
}

/// The first event on a record after `seq`, if any.
pub(crate) fn event_after(
    conn: &Connection,
    entity: &str,
    id: i64,
    seq: i64,
) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT seq FROM events WHERE entity = ?1 AND entity_id = ?2 AND seq > ?3 ORDER BY seq LIMIT 1",
        )?
        .query_row(params![entity, id, seq], |r| r.get(0))
        .optional()?)
}

/// Every (table, column) with a foreign key to `table`, sorted.
pub(crate) fn references_to(conn: &Connection, table: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.name, f.\"from\" FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f
         WHERE m.type = 'table' AND f.\"table\" = ?1 ORDER BY m.name, f.\"from\"",
    )?;
    let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The rowids (at most 20) of the rows of `table` whose `column` is `id`. `table` and `column` come
/// from [`references_to`], never from input.
pub(crate) fn referring_rows(
    conn: &Connection,
    table: &str,
    column: &str,
    id: i64,
) -> Result<Vec<i64>> {
    let sql =
        format!("SELECT rowid FROM \"{table}\" WHERE \"{column}\" = ?1 ORDER BY rowid LIMIT 20");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes an order and its lines (the caller rebuilds its client's rollups).
pub(crate) fn delete_order(conn: &Connection, id: OrderId) -> Result<()> {
    conn.prepare_cached("DELETE FROM order_lines WHERE order_id = ?1")?
        .execute([id.0])?;
    conn.prepare_cached("DELETE FROM orders WHERE id = ?1")?
        .execute([id.0])?;
    Ok(())
}

/// Deletes a client an import created: its assignments and derived rows, then the client (its
/// contacts and orders are deleted before).
pub(crate) fn delete_client(conn: &Connection, id: ClientId) -> Result<()> {
    conn.prepare_cached("DELETE FROM assignments WHERE client_id = ?1")?
        .execute([id.0])?;
    super::dedup::delete_client(conn, id)
}

/// Writes a contact's name, position, phones and e-mails.
pub(crate) fn update_contact(conn: &Connection, c: &Contact) -> Result<()> {
    conn.prepare_cached(
        "UPDATE contacts SET name = ?2, position = ?3, phones = ?4, emails = ?5 WHERE id = ?1",
    )?
    .execute(params![
        c.id.0,
        c.name,
        c.position,
        super::convert::json(&c.phones)?,
        super::convert::json(&c.emails)?
    ])?;
    Ok(())
}

/// Every client's id and name, by id (for matching by name, read once per import).
pub(crate) fn client_names(conn: &Connection) -> Result<Vec<(ClientId, String)>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM clients ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((ClientId(r.get(0)?), r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
