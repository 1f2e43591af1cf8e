//! Telephony in the store: extensions, lines, calls, the events applied to them, and what the
//! call-back rules and the call report look up.

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Time, ts};
use super::filter::Filter;
use crate::error::Result;
use crate::model::{
    Call, CallEventKind, CallId, CallQuery, CallStatus, ClientId, LeadId, ManagerId,
    PhoneExtension, PhoneLine,
};

impl ToSql for CallStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for CallStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: crate::error::Error| FromSqlError::Other(Box::new(e)))
    }
}

// --- extensions and lines ------------------------------------------------------------------------------

fn extension(row: &Row<'_>) -> rusqlite::Result<PhoneExtension> {
    Ok(PhoneExtension {
        extension: row.get(0)?,
        manager_id: row.get(1)?,
        set_at: row.get::<_, Time>(2)?.0,
    })
}

/// One extension.
pub(crate) fn extension_by(conn: &Connection, ext: &str) -> Result<Option<PhoneExtension>> {
    Ok(conn
        .prepare_cached(
            "SELECT extension, manager_id, set_at FROM phone_extensions WHERE extension = ?1",
        )?
        .query_row([ext], extension)
        .optional()?)
}

/// Sets (or moves) an extension.
pub(crate) fn put_extension(conn: &Connection, e: &PhoneExtension) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO phone_extensions (extension, manager_id, set_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![e.extension, e.manager_id, ts(&e.set_at)])?;
    Ok(())
}

/// Removes an extension.
pub(crate) fn delete_extension(conn: &Connection, ext: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM phone_extensions WHERE extension = ?1")?
        .execute([ext])?;
    Ok(())
}

/// Every extension, by extension.
pub(crate) fn extensions(conn: &Connection) -> Result<Vec<PhoneExtension>> {
    let mut stmt = conn.prepare_cached(
        "SELECT extension, manager_id, set_at FROM phone_extensions ORDER BY extension",
    )?;
    let rows = stmt.query_map([], extension)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn line(row: &Row<'_>) -> rusqlite::Result<PhoneLine> {
    Ok(PhoneLine {
        line: row.get(0)?,
        source_id: row.get(1)?,
        callback_within: row.get(2)?,
        set_at: row.get::<_, Time>(3)?.0,
    })
}

/// One line.
pub(crate) fn line_by(conn: &Connection, name: &str) -> Result<Option<PhoneLine>> {
    Ok(conn
        .prepare_cached(
            "SELECT line, source_id, callback_within, set_at FROM phone_lines WHERE line = ?1",
        )?
        .query_row([name], line)
        .optional()?)
}

/// Sets (or replaces) a line.
pub(crate) fn put_line(conn: &Connection, l: &PhoneLine) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO phone_lines (line, source_id, callback_within, set_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        l.line,
        l.source_id,
        l.callback_within,
        ts(&l.set_at)
    ])?;
    Ok(())
}

/// Every line, by name.
pub(crate) fn lines(conn: &Connection) -> Result<Vec<PhoneLine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT line, source_id, callback_within, set_at FROM phone_lines ORDER BY line",
    )?;
    let rows = stmt.query_map([], line)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// --- calls ---------------------------------------------------------------------------------------------

const CALL_COLUMNS: &str =
    "id, call_id, direction, caller, line, extension, manager_id, status, started_at,
    answered_at, ended_at, duration_seconds, recording, client_id, lead_id, activity_id, task_id,
    callback_due, called_back_at, linked_to";

fn time_opt(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(row.get::<_, Option<Time>>(i)?.map(|t| t.0))
}

fn call(row: &Row<'_>) -> rusqlite::Result<Call> {
    Ok(Call {
        id: CallId(row.get(0)?),
        call_id: row.get(1)?,
        direction: row.get(2)?,
        caller: row.get(3)?,
        line: row.get(4)?,
        extension: row.get(5)?,
        manager_id: row.get(6)?,
        status: row.get(7)?,
        started_at: row.get::<_, Time>(8)?.0,
        answered_at: time_opt(row, 9)?,
        ended_at: time_opt(row, 10)?,
        duration_seconds: row.get(11)?,
        recording: row.get(12)?,
        client_id: row.get(13)?,
        lead_id: row.get(14)?,
        activity_id: row.get(15)?,
        task_id: row.get(16)?,
        callback_due: time_opt(row, 17)?,
        called_back_at: time_opt(row, 18)?,
        linked_to: row.get::<_, Option<i64>>(19)?.map(CallId),
    })
}

/// One call by the store's id.
pub(crate) fn by_id(conn: &Connection, id: CallId) -> Result<Option<Call>> {
    let sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.0], call)
        .optional()?)
}

/// One call by the PBX's id.
pub(crate) fn by_call_id(conn: &Connection, call_id: &str) -> Result<Option<Call>> {
    let sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE call_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([call_id], call)
        .optional()?)
}

/// Inserts a call with the normal form of its number; returns its id.
pub(crate) fn insert(conn: &Connection, c: &Call, caller_norm: Option<&str>) -> Result<CallId> {
    conn.prepare_cached(
        "INSERT INTO calls (call_id, direction, caller, caller_norm, line, extension, manager_id, status,
                            started_at, client_id, lead_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        c.call_id,
        c.direction,
        c.caller,
        caller_norm,
        c.line,
        c.extension,
        c.manager_id,
        c.status,
        ts(&c.started_at),
        c.client_id,
        c.lead_id,
    ])?;
    Ok(CallId(conn.last_insert_rowid()))
}

/// Writes what events change on a call.
pub(crate) fn update(conn: &Connection, c: &Call) -> Result<()> {
    conn.prepare_cached(
        "UPDATE calls SET line = ?2, extension = ?3, manager_id = ?4, status = ?5, started_at = ?6,
                          answered_at = ?7, ended_at = ?8, duration_seconds = ?9, recording = ?10,
                          client_id = ?11, lead_id = ?12, activity_id = ?13, task_id = ?14,
                          callback_due = ?15, called_back_at = ?16, linked_to = ?17
         WHERE id = ?1",
    )?
    .execute(params![
        c.id.0,
        c.line,
        c.extension,
        c.manager_id,
        c.status,
        ts(&c.started_at),
        c.answered_at.as_ref().map(ts),
        c.ended_at.as_ref().map(ts),
        c.duration_seconds,
        c.recording,
        c.client_id,
        c.lead_id,
        c.activity_id,
        c.task_id,
        c.callback_due.as_ref().map(ts),
        c.called_back_at.as_ref().map(ts),
        c.linked_to.map(|l| l.0),
    ])?;
    Ok(())
}

/// A page of calls, by id.
pub(crate) fn list(conn: &Connection, q: &CallQuery) -> Result<Vec<Call>> {
    Filter::new("calls", CALL_COLUMNS, q.page)
        .key("client_id = ?", q.client_id)
        .key("lead_id = ?", q.lead_id)
        .check("line = ?", q.line.clone())
        .check("status = ?", q.status)
        .rows(conn, call)
}

/// Whether `event` was applied to the call already.
pub(crate) fn event_seen(conn: &Connection, id: CallId, event: CallEventKind) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM call_events WHERE call = ?1 AND event = ?2")?
        .query_row(params![id.0, event.as_str()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Records that `event` was applied to the call.
pub(crate) fn mark_event(
    conn: &Connection,
    id: CallId,
    event: CallEventKind,
    at: &DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached("INSERT INTO call_events (call, event, at) VALUES (?1, ?2, ?3)")?
        .execute(params![id.0, event.as_str(), ts(at)])?;
    Ok(())
}

/// The newest open lead (new, in progress, qualified) with this phone.
pub(crate) fn open_lead_by_phone(conn: &Connection, phone_norm: &str) -> Result<Option<LeadId>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM leads INDEXED BY leads_open_by_phone
             WHERE phone_norm = ?1 AND status IN ('new', 'in_progress', 'qualified')
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([phone_norm], |r| r.get(0))
        .optional()?)
}

/// Inbound missed calls not yet called back, from this number, client or lead, started at or before
/// `until`; oldest first.
pub(crate) fn waiting(
    conn: &Connection,
    caller_norm: Option<&str>,
    client: Option<ClientId>,
    lead: Option<LeadId>,
    until: &DateTime<Utc>,
) -> Result<Vec<Call>> {
    let mut out: Vec<Call> = Vec::new();
    let by_number = format!(
        "SELECT {CALL_COLUMNS} FROM calls INDEXED BY calls_waiting_by_number
         WHERE caller_norm = ?1 AND direction = 'in' AND status = 'missed' AND called_back_at IS NULL
           AND started_at <= ?2"
    );
    let by_client = format!(
        "SELECT {CALL_COLUMNS} FROM calls WHERE client_id = ?1 AND direction = 'in' AND status = 'missed'
           AND called_back_at IS NULL AND started_at <= ?2"
    );
    let by_lead = format!(
        "SELECT {CALL_COLUMNS} FROM calls WHERE lead_id = ?1 AND direction = 'in' AND status = 'missed'
           AND called_back_at IS NULL AND started_at <= ?2"
    );
    let until = ts(until);
    if let Some(norm) = caller_norm {
        let mut stmt = conn.prepare_cached(&by_number)?;
        for row in stmt.query_map(params![norm, until], call)? {
            out.push(row?);
        }
    }
    if let Some(client) = client {
        let mut stmt = conn.prepare_cached(&by_client)?;
        for row in stmt.query_map(params![client, until], call)? {
            out.push(row?);
        }
    }
    if let Some(lead) = lead {
        let mut stmt = conn.prepare_cached(&by_lead)?;
        for row in stmt.query_map(params![lead, until], call)? {
            out.push(row?);
        }
    }
    out.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
    out.dedup_by_key(|c| c.id);
    Ok(out)
}

/// The first outbound call activity on this client or lead at or after `since`.
pub(crate) fn first_callback_activity(
    conn: &Connection,
    client: Option<ClientId>,
    lead: Option<LeadId>,
    since: &DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let mut first: Option<DateTime<Utc>> = None;
    let since = ts(since);
    let queries = [
        (
            "SELECT MIN(at) FROM activities WHERE client_id = ?1 AND kind = 'call' AND direction = 'out'
               AND at >= ?2",
            client.map(|c| c.0),
        ),
        (
            "SELECT MIN(at) FROM activities WHERE lead_id = ?1 AND kind = 'call' AND direction = 'out'
               AND at >= ?2",
            lead.map(|l| l.0),
        ),
    ];
    for (sql, key) in queries {
        let Some(key) = key else { continue };
        let found: Option<Time> = conn
            .prepare_cached(sql)?
            .query_row(params![key, since], |r| r.get(0))?;
        if let Some(Time(t)) = found {
            first = Some(first.map_or(t, |f| f.min(t)));
        }
    }
    Ok(first)
}

/// The inbound calls started in `[start, end)`, on one line or all; by start, then id.
pub(crate) fn inbound_between(
    conn: &Connection,
    start: &DateTime<Utc>,
    end: &DateTime<Utc>,
    line: Option<&str>,
) -> Result<Vec<Call>> {
    let sql = format!(
        "SELECT {CALL_COLUMNS} FROM calls INDEXED BY calls_inbound_by_start
         WHERE direction = 'in' AND started_at >= ?1 AND started_at < ?2 AND (?3 IS NULL OR line = ?3)
         ORDER BY started_at, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![ts(start), ts(end), line], call)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The manager an extension belongs to.
pub(crate) fn manager_of(conn: &Connection, ext: &str) -> Result<Option<ManagerId>> {
    Ok(extension_by(conn, ext)?.map(|e| e.manager_id))
}
