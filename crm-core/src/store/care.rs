//! Promises and complaints in the store: the records, what `run_due` must look at (read by index: only
//! the rows due), the settings, and the facts the complaint report counts.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Time, json, ts};
use crate::error::{Error, Result};
use crate::model::{
    Complaint, ComplaintId, ComplaintQuery, ComplaintSla, Promise, PromiseId, PromiseQuery,
    PromiseSettings,
};
use crate::retention::complaints::ComplaintFacts;

// --- settings ----------------------------------------------------------------------------------------

fn setting<T: serde::de::DeserializeOwned + Default>(conn: &Connection, key: &str) -> Result<T> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match text {
        Some(t) => {
            serde_json::from_str(&t).map_err(|e| Error::Corrupt(format!("{key} setting: {e}")))
        }
        None => Ok(T::default()),
    }
}

fn put_setting<T: serde::Serialize>(conn: &Connection, key: &str, value: &T) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")?
        .execute(params![key, json(value)?])?;
    Ok(())
}

/// The complaint deadlines (the defaults until set).
pub(crate) fn complaint_sla(conn: &Connection) -> Result<ComplaintSla> {
    setting(conn, "complaint_sla")
}

/// Stores the complaint deadlines.
pub(crate) fn set_complaint_sla(conn: &Connection, sla: &ComplaintSla) -> Result<()> {
    put_setting(conn, "complaint_sla", sla)
}

/// How promises are followed up (the defaults until set).
pub(crate) fn promise_settings(conn: &Connection) -> Result<PromiseSettings> {
    setting(conn, "promise_settings")
}

/// Stores how promises are followed up.
pub(crate) fn set_promise_settings(conn: &Connection, s: &PromiseSettings) -> Result<()> {
    put_setting(conn, "promise_settings", s)
}

// --- promises ----------------------------------------------------------------------------------------

const PROMISE_COLUMNS: &str =
    "id, client_id, manager_id, what, made_at, due_at, activity_id, status,
    closed_at, note, reminded_at";

fn promise(row: &Row<'_>) -> rusqlite::Result<Promise> {
    Ok(Promise {
        id: row.get(0)?,
        client_id: row.get(1)?,
        manager_id: row.get(2)?,
        what: row.get(3)?,
        made_at: row.get::<_, Time>(4)?.0,
        due_at: row.get::<_, Time>(5)?.0,
        activity_id: row.get(6)?,
        status: row.get(7)?,
        closed_at: row.get::<_, Option<Time>>(8)?.map(|t| t.0),
        note: row.get(9)?,
        reminded_at: row.get::<_, Option<Time>>(10)?.map(|t| t.0),
    })
}

/// Inserts a promise (its id is ignored) and returns the new id.
pub(crate) fn insert_promise(conn: &Connection, p: &Promise) -> Result<PromiseId> {
    conn.prepare_cached(
        "INSERT INTO promises (client_id, manager_id, what, made_at, due_at, activity_id, status, closed_at,
                               note, reminded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        p.client_id,
        p.manager_id,
        p.what,
        ts(&p.made_at),
        ts(&p.due_at),
        p.activity_id,
        p.status,
        p.closed_at.as_ref().map(ts),
        p.note,
        p.reminded_at.as_ref().map(ts),
    ])?;
    Ok(PromiseId(conn.last_insert_rowid()))
}

/// Writes a promise's changing fields: status, when closed, note, reminder.
pub(crate) fn update_promise(conn: &Connection, p: &Promise) -> Result<()> {
    conn.prepare_cached(
        "UPDATE promises SET status = ?2, closed_at = ?3, note = ?4, reminded_at = ?5 WHERE id = ?1",
    )?
    .execute(params![
        p.id,
        p.status,
        p.closed_at.as_ref().map(ts),
        p.note,
        p.reminded_at.as_ref().map(ts),
    ])?;
    Ok(())
}

/// One promise.
pub(crate) fn promise_by_id(conn: &Connection, id: PromiseId) -> Result<Option<Promise>> {
    let sql = format!("SELECT {PROMISE_COLUMNS} FROM promises WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], promise)
        .optional()?)
}

/// A page of promises, by id.
pub(crate) fn promises(conn: &Connection, q: &PromiseQuery) -> Result<Vec<Promise>> {
    let sql = format!(
        "SELECT {PROMISE_COLUMNS} FROM promises
         WHERE id > ?1 AND (?2 IS NULL OR client_id = ?2) AND (?3 IS NULL OR manager_id = ?3)
           AND (?4 IS NULL OR status = ?4)
         ORDER BY id LIMIT ?5"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            q.page.after.unwrap_or(i64::MIN),
            q.client_id,
            q.manager_id,
            q.status,
            q.page.effective_limit()
        ],
        promise,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open promises due at or before `until` that have had no reminder; by due time, then id.
pub(crate) fn promises_to_remind(conn: &Connection, until: DateTime<Utc>) -> Result<Vec<Promise>> {
    let sql = format!(
        "SELECT {PROMISE_COLUMNS} FROM promises INDEXED BY promises_to_remind
         WHERE status = 'open' AND reminded_at IS NULL AND due_at <= ?1
         ORDER BY due_at, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([ts(&until)], promise)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open promises due before `now`; by due time, then id.
pub(crate) fn promises_overdue(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Promise>> {
    let sql = format!(
        "SELECT {PROMISE_COLUMNS} FROM promises INDEXED BY promises_open_by_due
         WHERE status = 'open' AND due_at < ?1
         ORDER BY due_at, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([ts(&now)], promise)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// --- complaints --------------------------------------------------------------------------------------

const COMPLAINT_COLUMNS: &str =
    "id, client_id, order_id, subject, body, priority, status, owner_id,
    opened_at, response_due, responded_at, response_breached_at, resolution_due, resolved_at,
    resolution_breached_at, paused_at, paused_secs, resolve_secs, resolution, rejection, closed_at,
    updated_at";

fn complaint(row: &Row<'_>) -> rusqlite::Result<Complaint> {
    let time = |i: usize| row.get::<_, Option<Time>>(i).map(|t| t.map(|t| t.0));
    Ok(Complaint {
        id: row.get(0)?,
        client_id: row.get(1)?,
        order_id: row.get(2)?,
        subject: row.get(3)?,
        body: row.get(4)?,
        priority: row.get(5)?,
        status: row.get(6)?,
        owner_id: row.get(7)?,
        opened_at: row.get::<_, Time>(8)?.0,
        response_due: row.get::<_, Time>(9)?.0,
        responded_at: time(10)?,
        response_breached_at: time(11)?,
        resolution_due: row.get::<_, Time>(12)?.0,
        resolved_at: time(13)?,
        resolution_breached_at: time(14)?,
        paused_at: time(15)?,
        paused_secs: row.get(16)?,
        resolve_secs: row.get(17)?,
        resolution: row.get(18)?,
        rejection: row.get(19)?,
        closed_at: time(20)?,
        updated_at: row.get::<_, Time>(21)?.0,
    })
}

/// Inserts a complaint (its id is ignored) and returns the new id.
pub(crate) fn insert_complaint(conn: &Connection, c: &Complaint) -> Result<ComplaintId> {
    conn.prepare_cached(
        "INSERT INTO complaints (client_id, order_id, subject, body, priority, status, owner_id, opened_at,
                                 response_due, resolution_due, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        c.client_id,
        c.order_id,
        c.subject,
        c.body,
        c.priority,
        c.status,
        c.owner_id,
        ts(&c.opened_at),
        ts(&c.response_due),
        ts(&c.resolution_due),
        ts(&c.updated_at),
    ])?;
    Ok(ComplaintId(conn.last_insert_rowid()))
}

/// Writes a complaint's changing fields (all but the client, order, subject, body, priority, opening).
pub(crate) fn update_complaint(conn: &Connection, c: &Complaint) -> Result<()> {
    conn.prepare_cached(
        "UPDATE complaints SET status = ?2, owner_id = ?3, response_due = ?4, responded_at = ?5,
                response_breached_at = ?6, resolution_due = ?7, resolved_at = ?8,
                resolution_breached_at = ?9, paused_at = ?10, paused_secs = ?11, resolve_secs = ?12,
                resolution = ?13, rejection = ?14, closed_at = ?15, updated_at = ?16
         WHERE id = ?1",
    )?
    .execute(params![
        c.id,
        c.status,
        c.owner_id,
        ts(&c.response_due),
        c.responded_at.as_ref().map(ts),
        c.response_breached_at.as_ref().map(ts),
        ts(&c.resolution_due),
        c.resolved_at.as_ref().map(ts),
        c.resolution_breached_at.as_ref().map(ts),
        c.paused_at.as_ref().map(ts),
        c.paused_secs,
        c.resolve_secs,
        c.resolution,
        c.rejection,
        c.closed_at.as_ref().map(ts),
        ts(&c.updated_at),
    ])?;
    Ok(())
}

/// One complaint.
pub(crate) fn complaint_by_id(conn: &Connection, id: ComplaintId) -> Result<Option<Complaint>> {
    let sql = format!("SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], complaint)
        .optional()?)
}

/// A page of complaints, by id.
pub(crate) fn complaints(conn: &Connection, q: &ComplaintQuery) -> Result<Vec<Complaint>> {
    let sql = format!(
        "SELECT {COMPLAINT_COLUMNS} FROM complaints
         WHERE id > ?1 AND (?2 IS NULL OR client_id = ?2) AND (?3 IS NULL OR owner_id = ?3)
           AND (?4 IS NULL OR status = ?4)
         ORDER BY id LIMIT ?5"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            q.page.after.unwrap_or(i64::MIN),
            q.client_id,
            q.owner_id,
            q.status,
            q.page.effective_limit()
        ],
        complaint,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Complaints without a first response whose deadline is at or before `now`, not yet marked breached;
/// by deadline, then id.
pub(crate) fn responses_overdue(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Complaint>> {
    let sql = format!(
        "SELECT {COMPLAINT_COLUMNS} FROM complaints INDEXED BY complaints_response_due
         WHERE responded_at IS NULL AND response_breached_at IS NULL AND response_due <= ?1
         ORDER BY response_due, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([ts(&now)], complaint)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Unresolved complaints, not paused, whose resolution deadline is at or before `now`, not yet marked
/// breached; by deadline, then id.
pub(crate) fn resolutions_overdue(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Complaint>> {
    let sql = format!(
        "SELECT {COMPLAINT_COLUMNS} FROM complaints INDEXED BY complaints_resolution_due
         WHERE status IN ('open', 'in_progress') AND paused_at IS NULL
           AND resolution_breached_at IS NULL AND resolution_due <= ?1
         ORDER BY resolution_due, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([ts(&now)], complaint)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What the report counts of every complaint opened, resolved, closed or rejected in `[from, to)`,
/// each read by its own index; by id.
pub(crate) fn report_facts(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ComplaintFacts>> {
    let mut stmt = conn.prepare_cached(
        "SELECT priority, owner_id, status, opened_at, response_due, responded_at, resolution_due,
                resolved_at, resolve_secs, closed_at
         FROM complaints
         WHERE id IN (SELECT id FROM complaints WHERE opened_at >= ?1 AND opened_at < ?2
                      UNION SELECT id FROM complaints WHERE resolved_at >= ?1 AND resolved_at < ?2
                      UNION SELECT id FROM complaints WHERE closed_at >= ?1 AND closed_at < ?2)
         ORDER BY id",
    )?;
    let rows = stmt.query_map([ts(&from), ts(&to)], |r| {
        let time = |i: usize| r.get::<_, Option<Time>>(i).map(|t| t.map(|t| t.0));
        Ok(ComplaintFacts {
            priority: r.get(0)?,
            owner_id: r.get(1)?,
            status: r.get(2)?,
            opened_at: r.get::<_, Time>(3)?.0,
            response_due: r.get::<_, Time>(4)?.0,
            responded_at: time(5)?,
            resolution_due: r.get::<_, Time>(6)?.0,
            resolved_at: time(7)?,
            resolve_secs: r.get(8)?,
            closed_at: time(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::open_in_memory;

    fn plan(conn: &rusqlite::Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        rows.join("\n")
    }

    #[test]
    fn run_due_reads_only_the_rows_due_by_index() {
        let conn = open_in_memory().unwrap();
        let now = "'2026-11-02T00:00:00.000000000Z'";
        for (sql, index) in [
            (
                format!(
                    "SELECT id FROM complaints WHERE responded_at IS NULL AND response_breached_at IS NULL
                     AND response_due <= {now}"
                ),
                "complaints_response_due",
            ),
            (
                format!(
                    "SELECT id FROM complaints WHERE status IN ('open', 'in_progress') AND paused_at IS NULL
                     AND resolution_breached_at IS NULL AND resolution_due <= {now}"
                ),
                "complaints_resolution_due",
            ),
            (
                format!(
                    "SELECT id FROM promises WHERE status = 'open' AND reminded_at IS NULL AND due_at <= {now}"
                ),
                "promises_to_remind",
            ),
        ] {
            let p = plan(&conn, &sql);
            assert!(p.contains(index), "{sql}: {p}");
            assert!(!p.contains("SCAN"), "{sql}: {p}");
        }
    }

    #[test]
    fn the_report_reads_the_period_by_index() {
        let conn = open_in_memory().unwrap();
        let from = chrono::DateTime::UNIX_EPOCH;
        let to = from + chrono::TimeDelta::days(7);
        // It runs (the statement is valid) and reads no table from end to end.
        super::report_facts(&conn, from, to).unwrap();
        let sql = "SELECT priority FROM complaints
             WHERE id IN (SELECT id FROM complaints WHERE opened_at >= '1' AND opened_at < '2'
                          UNION SELECT id FROM complaints WHERE resolved_at >= '1' AND resolved_at < '2'
                          UNION SELECT id FROM complaints WHERE closed_at >= '1' AND closed_at < '2')";
        let p = plan(&conn, sql);
        assert!(!p.contains("SCAN complaints"), "{p}");
    }
}
