//! What the pipeline reports read: leads, deals, transitions, stage history, spend, activities.
//!
//! Periods are half-open ranges of stored times (`from <= t < to`): stored times are fixed-width
//! RFC 3339 text in UTC, so text comparison is time comparison and the indexes on `received_at`,
//! `closed_at` and the offer/objection columns serve the ranges.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};

use super::convert::{Day, Time, ts};
use crate::analytics::forecast::{OpenDeal, StageOutcome};
use crate::analytics::funnel::{DealPath, DealVisit, LeadPath, StatusChange};
use crate::analytics::offers::CodedActivity;
use crate::analytics::sources::{ClientOrder, SourceLead};
use crate::error::Result;
use crate::model::{LeadId, Money, SourceId};

/// The leads received in `[from, to)` with their transitions and their deals' stage histories, by id.
pub(crate) fn funnel_leads(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<LeadPath>> {
    let (from, to) = (ts(&from), ts(&to));
    let mut leads: Vec<LeadPath> = conn
        .prepare_cached(
            "SELECT id, received_at, owner_id, source_id, channel FROM leads
             WHERE received_at >= ?1 AND received_at < ?2
             ORDER BY id",
        )?
        .query_map(params![from, to], |r| {
            Ok(LeadPath {
                lead_id: r.get(0)?,
                received_at: r.get::<_, Time>(1)?.0,
                owner_id: r.get(2)?,
                source_id: r.get(3)?,
                channel: r.get(4)?,
                transitions: Vec::new(),
                deal: None,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let index: HashMap<LeadId, usize> = leads
        .iter()
        .enumerate()
        .map(|(i, l)| (l.lead_id, i))
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT t.lead_id, t.to_status, t.at, t.reason
         FROM leads l JOIN lead_transitions t ON t.lead_id = l.id
         WHERE l.received_at >= ?1 AND l.received_at < ?2
         ORDER BY t.lead_id, t.id",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        let lead_id: LeadId = r.get(0)?;
        if let Some(&i) = index.get(&lead_id) {
            leads[i].transitions.push(StatusChange {
                to: r.get(1)?,
                at: r.get::<_, Time>(2)?.0,
                reason: r.get(3)?,
            });
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, d.lost_reason, h.stage, h.status, h.at
         FROM leads l
         JOIN deals d ON d.id = l.deal_id
         JOIN deal_stage_history h ON h.deal_id = d.id
         WHERE l.received_at >= ?1 AND l.received_at < ?2
         ORDER BY l.id, h.id",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        let lead_id: LeadId = r.get(0)?;
        if let Some(&i) = index.get(&lead_id) {
            let deal = leads[i].deal.get_or_insert_with(|| DealPath {
                visits: Vec::new(),
                lost_reason: None,
            });
            deal.lost_reason = r.get(1)?;
            deal.visits.push(DealVisit {
                stage: r.get(2)?,
                status: r.get(3)?,
                at: r.get::<_, Time>(4)?.0,
            });
        }
    }
    Ok(leads)
}

/// The leads received in `[from, to)` as the source report reads them, by id.
pub(crate) fn source_leads(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<SourceLead>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.source_id, l.status, l.client_id,
                EXISTS (SELECT 1 FROM lead_transitions t
                        WHERE t.lead_id = l.id AND t.to_status = 'qualified'),
                (SELECT min(t.at) FROM lead_transitions t
                 WHERE t.lead_id = l.id AND t.to_status = 'converted'),
                coalesce(d.status = 'won', 0)
         FROM leads l LEFT JOIN deals d ON d.id = l.deal_id
         WHERE l.received_at >= ?1 AND l.received_at < ?2
         ORDER BY l.id",
    )?;
    let rows = stmt.query_map(params![ts(&from), ts(&to)], |r| {
        Ok(SourceLead {
            source_id: r.get(0)?,
            status: r.get(1)?,
            client_id: r.get(2)?,
            qualified: r.get(3)?,
            converted_at: r.get::<_, Option<Time>>(4)?.map(|t| t.0),
            deal_won: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Each source's spend booked from `start` to `end` inclusive, by source id; one row per source.
pub(crate) fn spend_by_source(
    conn: &Connection,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<(SourceId, Money)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source_id, sum(amount) FROM spend
         WHERE on_date BETWEEN ?1 AND ?2
         GROUP BY source_id
         ORDER BY source_id",
    )?;
    let rows = stmt.query_map(params![Day(start), Day(end)], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The completed orders placed at or after `from` by the clients of the leads converted among those
/// received in `[from, to)`, by client and time.
pub(crate) fn converted_clients_orders(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ClientOrder>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.client_id, o.ordered_at, o.total FROM orders o
         WHERE o.status = 'completed' AND o.ordered_at >= ?1
           AND o.client_id IN (SELECT l.client_id FROM leads l
                               WHERE l.received_at >= ?1 AND l.received_at < ?2
                                 AND l.status = 'converted' AND l.client_id IS NOT NULL)
         ORDER BY o.client_id, o.ordered_at, o.id",
    )?;
    let rows = stmt.query_map(params![ts(&from), ts(&to)], |r| {
        Ok(ClientOrder {
            client_id: r.get(0)?,
            ordered_at: r.get::<_, Time>(1)?.0,
            total: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every open deal, by id.
pub(crate) fn open_deals(conn: &Connection) -> Result<Vec<OpenDeal>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, stage, amount, expected_close FROM deals
         WHERE status = 'open'
         ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OpenDeal {
            deal_id: r.get(0)?,
            stage: r.get(1)?,
            amount: r.get(2)?,
            expected_close: r.get::<_, Option<Day>>(3)?.map(|d| d.0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every stage each deal closed in `[from, to)` was ever in, with whether it was won; by deal, then
/// stage, each pair once.
pub(crate) fn closed_deal_stages(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StageOutcome>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT d.id, h.stage, d.status = 'won'
         FROM deals d JOIN deal_stage_history h ON h.deal_id = d.id
         WHERE d.closed_at >= ?1 AND d.closed_at < ?2 AND d.status IN ('won', 'lost')
         ORDER BY d.id, h.stage",
    )?;
    let rows = stmt.query_map(params![ts(&from), ts(&to)], |r| {
        Ok(StageOutcome {
            deal_id: r.get(0)?,
            stage: r.get(1)?,
            won: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The activities in `[from, to)` that carry an offer (`objections` false) or an objection (true), with
/// when their lead converted and their deal was won; by code, then id.
pub(crate) fn coded_activities(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    objections: bool,
) -> Result<Vec<CodedActivity>> {
    // Two statements rather than one with a flag, so that each is served by its partial index (which
    // also gives the rows by code, then id: ordered so, the plan needs no sort and no table scan).
    let sql = if objections {
        "SELECT a.at, a.lead_id, a.deal_id, a.offer, a.objection, a.argument,
                (SELECT min(t.at) FROM lead_transitions t
                 WHERE t.lead_id = a.lead_id AND t.to_status = 'converted'),
                (SELECT d.closed_at FROM deals d WHERE d.id = a.deal_id AND d.status = 'won')
         FROM activities a
         WHERE a.objection IS NOT NULL AND a.at >= ?1 AND a.at < ?2
         ORDER BY a.objection, a.id"
    } else {
        "SELECT a.at, a.lead_id, a.deal_id, a.offer, a.objection, a.argument,
                (SELECT min(t.at) FROM lead_transitions t
                 WHERE t.lead_id = a.lead_id AND t.to_status = 'converted'),
                (SELECT d.closed_at FROM deals d WHERE d.id = a.deal_id AND d.status = 'won')
         FROM activities a
         WHERE a.offer IS NOT NULL AND a.at >= ?1 AND a.at < ?2
         ORDER BY a.offer, a.id"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![ts(&from), ts(&to)], |r| {
        Ok(CodedActivity {
            at: r.get::<_, Time>(0)?.0,
            lead_id: r.get(1)?,
            deal_id: r.get(2)?,
            offer: r.get(3)?,
            objection: r.get(4)?,
            argument: r.get(5)?,
            lead_converted_at: r.get::<_, Option<Time>>(6)?.map(|t| t.0),
            deal_won_at: r.get::<_, Option<Time>>(7)?.map(|t| t.0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
