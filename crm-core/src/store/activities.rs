//! Activities: calls, e-mails, meetings, messages, notes, documents sent.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Time, ts};
use super::filter::Filter;
use crate::error::Result;
use crate::model::{Activity, ActivityId, ActivityQuery};

const ACTIVITY_COLUMNS: &str =
    "id, kind, direction, lead_id, client_id, deal_id, manager_id, at, subject, body,
    outcome, document_ref, duration_seconds, offer, objection, argument";

fn activity(row: &Row<'_>) -> rusqlite::Result<Activity> {
    Ok(Activity {
        id: row.get(0)?,
        kind: row.get(1)?,
        direction: row.get(2)?,
        lead_id: row.get(3)?,
        client_id: row.get(4)?,
        deal_id: row.get(5)?,
        manager_id: row.get(6)?,
        at: row.get::<_, Time>(7)?.0,
        subject: row.get(8)?,
        body: row.get(9)?,
        outcome: row.get(10)?,
        document_ref: row.get(11)?,
        duration_seconds: row.get(12)?,
        offer: row.get(13)?,
        objection: row.get(14)?,
        argument: row.get(15)?,
    })
}

/// Inserts an activity (its id is ignored) and returns the new id.
pub(crate) fn insert(conn: &Connection, a: &Activity) -> Result<ActivityId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO activities (kind, direction, lead_id, client_id, deal_id, manager_id, at, subject, body,
                                 outcome, document_ref, duration_seconds, offer, objection, argument)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    stmt.execute(params![
        a.kind,
        a.direction,
        a.lead_id,
        a.client_id,
        a.deal_id,
        a.manager_id,
        ts(&a.at),
        a.subject,
        a.body,
        a.outcome,
        a.document_ref,
        a.duration_seconds,
        a.offer,
        a.objection,
        a.argument,
    ])?;
    Ok(ActivityId(conn.last_insert_rowid()))
}

/// One activity.
pub(crate) fn by_id(conn: &Connection, id: ActivityId) -> Result<Option<Activity>> {
    let sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], activity)
        .optional()?)
}

/// The statement and values of an activity listing.
pub(crate) fn filter(q: &ActivityQuery) -> Filter<'_> {
    Filter::new("activities", ACTIVITY_COLUMNS, q.page)
        .key("lead_id = ?", q.lead_id)
        .key("deal_id = ?", q.deal_id)
        .key("client_id = ?", q.client_id)
        .key("manager_id = ?", q.manager_id)
}

/// A page of activities matching the query, by id.
pub(crate) fn list(conn: &Connection, q: &ActivityQuery) -> Result<Vec<Activity>> {
    filter(q).rows(conn, activity)
}
