//! Leads and their status transitions.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::clients::MatchKeys;
use super::convert::{Time, ts};
use super::filter::Filter;
use crate::error::Result;
use crate::model::{Lead, LeadId, LeadQuery, LeadTransition};

const LEAD_COLUMNS: &str = "id, status, channel, source_id, received_at, name, company, phone, phone_quality,
    email, email_quality, messenger, need, interest, region, language, estimated_value, owner_id, client_id,
    deal_id, first_response_due, first_response_at, first_response_by, lost_reason, junk_kind, close_note,
    external_ref, status_changed_at, updated_at, sla_policy, sla_breached_at, queued_reason";

fn lead(row: &Row<'_>) -> rusqlite::Result<Lead> {
    Ok(Lead {
        id: row.get(0)?,
        status: row.get(1)?,
        channel: row.get(2)?,
        source_id: row.get(3)?,
        received_at: row.get::<_, Time>(4)?.0,
        name: row.get(5)?,
        company: row.get(6)?,
        phone: row.get(7)?,
        phone_quality: row.get(8)?,
        email: row.get(9)?,
        email_quality: row.get(10)?,
        messenger: row.get(11)?,
        need: row.get(12)?,
        interest: row.get(13)?,
        region: row.get(14)?,
        language: row.get(15)?,
        estimated_value: row.get(16)?,
        owner_id: row.get(17)?,
        client_id: row.get(18)?,
        deal_id: row.get(19)?,
        first_response_due: row.get::<_, Option<Time>>(20)?.map(|t| t.0),
        first_response_at: row.get::<_, Option<Time>>(21)?.map(|t| t.0),
        first_response_by: row.get(22)?,
        lost_reason: row.get(23)?,
        junk_kind: row.get(24)?,
        close_note: row.get(25)?,
        external_ref: row.get(26)?,
        status_changed_at: row.get::<_, Time>(27)?.0,
        updated_at: row.get::<_, Time>(28)?.0,
        sla_policy: row.get(29)?,
        sla_breached_at: row.get::<_, Option<Time>>(30)?.map(|t| t.0),
        queued_reason: row.get(31)?,
    })
}

/// Inserts a lead (its id is ignored) and returns the new id.
pub(crate) fn insert(conn: &Connection, l: &Lead, keys: &MatchKeys) -> Result<LeadId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO leads (status, channel, source_id, received_at, name, company, phone, phone_norm,
                            phone_quality, email, email_norm, email_quality, messenger, need, interest, region,
                            language, estimated_value, owner_id, client_id, deal_id, first_response_due,
                            first_response_at, first_response_by, lost_reason, junk_kind, close_note,
                            external_ref, status_changed_at, updated_at, sla_policy, sla_breached_at,
                            queued_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                 ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
    )?;
    stmt.execute(params![
        l.status,
        l.channel,
        l.source_id,
        ts(&l.received_at),
        l.name,
        l.company,
        l.phone,
        keys.phone,
        l.phone_quality,
        l.email,
        keys.email,
        l.email_quality,
        l.messenger,
        l.need,
        l.interest,
        l.region,
        l.language,
        l.estimated_value,
        l.owner_id,
        l.client_id,
        l.deal_id,
        l.first_response_due.as_ref().map(ts),
        l.first_response_at.as_ref().map(ts),
        l.first_response_by,
        l.lost_reason,
        l.junk_kind,
        l.close_note,
        l.external_ref,
        ts(&l.status_changed_at),
        ts(&l.updated_at),
        l.sla_policy,
        l.sla_breached_at.as_ref().map(ts),
        l.queued_reason,
    ])?;
    Ok(LeadId(conn.last_insert_rowid()))
}

/// Writes the fields commands change: status and its details, owner, links, first response.
pub(crate) fn update(conn: &Connection, l: &Lead) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE leads SET status = ?2, owner_id = ?3, client_id = ?4, deal_id = ?5, first_response_due = ?6,
                          first_response_at = ?7, first_response_by = ?8, lost_reason = ?9, junk_kind = ?10,
                          close_note = ?11, status_changed_at = ?12, updated_at = ?13, sla_policy = ?14,
                          sla_breached_at = ?15, queued_reason = ?16
         WHERE id = ?1",
    )?;
    stmt.execute(params![
        l.id,
        l.status,
        l.owner_id,
        l.client_id,
        l.deal_id,
        l.first_response_due.as_ref().map(ts),
        l.first_response_at.as_ref().map(ts),
        l.first_response_by,
        l.lost_reason,
        l.junk_kind,
        l.close_note,
        ts(&l.status_changed_at),
        ts(&l.updated_at),
        l.sla_policy,
        l.sla_breached_at.as_ref().map(ts),
        l.queued_reason,
    ])?;
    Ok(())
}

/// One lead.
pub(crate) fn by_id(conn: &Connection, id: LeadId) -> Result<Option<Lead>> {
    let sql = format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], lead)
        .optional()?)
}

/// The lead with this external reference.
pub(crate) fn by_external_ref(conn: &Connection, external_ref: &str) -> Result<Option<Lead>> {
    let sql = format!("SELECT {LEAD_COLUMNS} FROM leads WHERE external_ref = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([external_ref], lead)
        .optional()?)
}

/// The statement and values of a lead listing.
pub(crate) fn filter(q: &LeadQuery) -> Filter<'_> {
    Filter::new("leads", LEAD_COLUMNS, q.page)
        .key("external_ref = ?", q.external_ref.as_deref())
        .key("client_id = ?", q.client_id)
        .key("owner_id = ?", q.owner_id)
        .key("source_id = ?", q.source_id)
        .key("status = ?", q.status)
        .range(
            "leads_by_received",
            "received_at >= ?",
            q.received_from.as_ref().map(ts),
        )
        .range(
            "leads_by_received",
            "received_at < ?",
            q.received_to.as_ref().map(ts),
        )
}

/// A page of leads matching the query, by id.
pub(crate) fn list(conn: &Connection, q: &LeadQuery) -> Result<Vec<Lead>> {
    filter(q).rows(conn, lead)
}

/// Records a status transition.
pub(crate) fn insert_transition(conn: &Connection, t: &LeadTransition) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO lead_transitions (lead_id, from_status, to_status, at, actor, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        t.lead_id,
        t.from,
        t.to,
        ts(&t.at),
        t.actor,
        t.reason
    ])?;
    Ok(())
}

/// A lead's transitions, oldest first.
pub(crate) fn transitions_of(conn: &Connection, id: LeadId) -> Result<Vec<LeadTransition>> {
    let mut stmt = conn.prepare_cached(
        "SELECT lead_id, from_status, to_status, at, actor, reason FROM lead_transitions
         WHERE lead_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(LeadTransition {
            lead_id: r.get(0)?,
            from: r.get(1)?,
            to: r.get(2)?,
            at: r.get::<_, Time>(3)?.0,
            actor: r.get(4)?,
            reason: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
