//! Distribution in the store: calendars, absences, routing rules and their memory, response policies,
//! assignments, the queue, the response clock, tasks, and the facts routing reads about managers.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Day, Json, Time, json, ts};
use crate::calendar::CalendarSpec;
use crate::distribution::RuleState;
use crate::error::{Error, Result};
use crate::model::{
    Absence, AbsenceId, Assignment, AssignmentId, ClientId, LeadId, ManagerId, OwnershipSettings,
    RoutingRule, RuleId, SlaPolicy, SlaPolicyId, Task, TaskId,
};

// --- settings ----------------------------------------------------------------------------------------

fn setting<T: serde::de::DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<T>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| Error::Corrupt(format!("{key} setting: {e}")))
    })
    .transpose()
}

fn put_setting<T: serde::Serialize>(conn: &Connection, key: &str, value: Option<&T>) -> Result<()> {
    match value {
        Some(v) => {
            conn.prepare_cached("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")?
                .execute(params![key, json(v)?])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM settings WHERE key = ?1")?
                .execute([key])?;
        }
    }
    Ok(())
}

/// The token that changes with every change of what routing caches (see the schema).
pub(crate) fn routing_token(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT token FROM routing_token WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

/// The store's calendar, when one is set.
pub(crate) fn store_calendar(conn: &Connection) -> Result<Option<CalendarSpec>> {
    setting(conn, "calendar")
}

/// Sets (or with `None` removes) the store's calendar.
pub(crate) fn set_store_calendar(conn: &Connection, spec: Option<&CalendarSpec>) -> Result<()> {
    put_setting(conn, "calendar", spec)
}

/// Every manager's own calendar.
pub(crate) fn manager_calendars(conn: &Connection) -> Result<BTreeMap<ManagerId, CalendarSpec>> {
    let mut stmt = conn.prepare_cached("SELECT manager_id, spec FROM manager_calendars")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, ManagerId>(0)?,
            r.get::<_, Json<CalendarSpec>>(1)?.0,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sets (or with `None` removes) a manager's own calendar.
pub(crate) fn set_manager_calendar(
    conn: &Connection,
    id: ManagerId,
    spec: Option<&CalendarSpec>,
) -> Result<()> {
    match spec {
        Some(spec) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO manager_calendars (manager_id, spec) VALUES (?1, ?2)",
            )?
            .execute(params![id, json(spec)?])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM manager_calendars WHERE manager_id = ?1")?
                .execute([id])?;
        }
    }
    Ok(())
}

/// The ownership rules (the defaults until set).
pub(crate) fn ownership(conn: &Connection) -> Result<OwnershipSettings> {
    Ok(setting(conn, "ownership")?.unwrap_or_default())
}

/// Stores the ownership rules.
pub(crate) fn set_ownership(conn: &Connection, s: &OwnershipSettings) -> Result<()> {
    put_setting(conn, "ownership", Some(s))
}

// --- absences ----------------------------------------------------------------------------------------

fn absence(row: &Row<'_>) -> rusqlite::Result<Absence> {
    Ok(Absence {
        id: row.get(0)?,
        manager_id: row.get(1)?,
        start: row.get::<_, Day>(2)?.0,
        end: row.get::<_, Day>(3)?.0,
        reason: row.get(4)?,
        created_at: row.get::<_, Time>(5)?.0,
    })
}

const ABSENCE_COLUMNS: &str = "id, manager_id, start_day, end_day, reason, created_at";

/// Inserts an absence and returns its id.
pub(crate) fn insert_absence(conn: &Connection, a: &Absence) -> Result<AbsenceId> {
    conn.prepare_cached(
        "INSERT INTO absences (manager_id, start_day, end_day, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        a.manager_id,
        Day(a.start),
        Day(a.end),
        a.reason,
        ts(&a.created_at)
    ])?;
    Ok(AbsenceId(conn.last_insert_rowid()))
}

/// One absence.
pub(crate) fn absence_by_id(conn: &Connection, id: AbsenceId) -> Result<Option<Absence>> {
    let sql = format!("SELECT {ABSENCE_COLUMNS} FROM absences WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], absence)
        .optional()?)
}

/// Deletes an absence.
pub(crate) fn delete_absence(conn: &Connection, id: AbsenceId) -> Result<()> {
    conn.prepare_cached("DELETE FROM absences WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Absences of one manager or of all, by start day then id.
pub(crate) fn absences(conn: &Connection, manager: Option<ManagerId>) -> Result<Vec<Absence>> {
    let sql = format!(
        "SELECT {ABSENCE_COLUMNS} FROM absences WHERE ?1 IS NULL OR manager_id = ?1
         ORDER BY start_day, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([manager], absence)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Absences that touch the days `from..=to` (every manager's), by manager.
pub(crate) fn absences_around(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Absence>> {
    let sql = format!(
        "SELECT {ABSENCE_COLUMNS} FROM absences WHERE end_day >= ?1 AND start_day <= ?2
         ORDER BY manager_id, start_day"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![Day(from), Day(to)], absence)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// --- routing rules -----------------------------------------------------------------------------------

const RULE_COLUMNS: &str =
    "id, name, priority, condition, team, managers, strategy, skills, match_region,
    match_language, working_hours_only, created_at, updated_at";

fn rule(row: &Row<'_>) -> rusqlite::Result<RoutingRule> {
    Ok(RoutingRule {
        id: row.get(0)?,
        name: row.get(1)?,
        priority: row.get(2)?,
        when: row.get(3)?,
        team: row.get(4)?,
        managers: row.get::<_, Json<_>>(5)?.0,
        strategy: row.get(6)?,
        skills: row.get::<_, Json<_>>(7)?.0,
        match_region: row.get(8)?,
        match_language: row.get(9)?,
        working_hours_only: row.get(10)?,
        created_at: row.get::<_, Time>(11)?.0,
        updated_at: row.get::<_, Time>(12)?.0,
    })
}

/// Every routing rule in the order they are tried: priority, then id.
pub(crate) fn rules(conn: &Connection) -> Result<Vec<RoutingRule>> {
    let sql = format!("SELECT {RULE_COLUMNS} FROM routing_rules ORDER BY priority, id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], rule)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One rule by name.
pub(crate) fn rule_by_name(conn: &Connection, name: &str) -> Result<Option<RoutingRule>> {
    let sql = format!("SELECT {RULE_COLUMNS} FROM routing_rules WHERE name = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([name], rule)
        .optional()?)
}

/// Inserts a rule (its id is ignored) and returns the new id.
pub(crate) fn insert_rule(conn: &Connection, r: &RoutingRule) -> Result<RuleId> {
    conn.prepare_cached(
        "INSERT INTO routing_rules (name, priority, condition, team, managers, strategy, skills, match_region,
                                    match_language, working_hours_only, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        r.name,
        r.priority,
        r.when,
        r.team,
        json(&r.managers)?,
        r.strategy,
        json(&r.skills)?,
        r.match_region,
        r.match_language,
        r.working_hours_only,
        ts(&r.created_at),
        ts(&r.updated_at),
    ])?;
    Ok(RuleId(conn.last_insert_rowid()))
}

/// Rewrites a rule; its rotation memory starts afresh (the target or the strategy may have changed).
pub(crate) fn update_rule(conn: &Connection, r: &RoutingRule) -> Result<()> {
    conn.prepare_cached(
        "UPDATE routing_rules SET priority = ?2, condition = ?3, team = ?4, managers = ?5, strategy = ?6,
                                  skills = ?7, match_region = ?8, match_language = ?9,
                                  working_hours_only = ?10, updated_at = ?11, pointer = NULL
         WHERE id = ?1",
    )?
    .execute(params![
        r.id,
        r.priority,
        r.when,
        r.team,
        json(&r.managers)?,
        r.strategy,
        json(&r.skills)?,
        r.match_region,
        r.match_language,
        r.working_hours_only,
        ts(&r.updated_at),
    ])?;
    conn.prepare_cached("DELETE FROM routing_credits WHERE rule_id = ?1")?
        .execute([r.id])?;
    Ok(())
}

/// Deletes a rule and its memory (assignments keep its name).
pub(crate) fn delete_rule(conn: &Connection, id: RuleId) -> Result<()> {
    conn.prepare_cached("DELETE FROM routing_credits WHERE rule_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM routing_rules WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// A rule's rotation pointer and weighted credits.
pub(crate) fn rule_state(conn: &Connection, id: RuleId) -> Result<RuleState> {
    let pointer: Option<ManagerId> = conn
        .prepare_cached("SELECT pointer FROM routing_rules WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten();
    let mut stmt =
        conn.prepare_cached("SELECT manager_id, credit FROM routing_credits WHERE rule_id = ?1")?;
    let credit = stmt
        .query_map([id], |r| {
            Ok((r.get::<_, ManagerId>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(RuleState { pointer, credit })
}

/// Stores a rule's memory after a decision (only what changed is written).
pub(crate) fn save_rule_state(
    conn: &Connection,
    id: RuleId,
    before: &RuleState,
    after: &RuleState,
) -> Result<()> {
    if before.pointer != after.pointer {
        conn.prepare_cached("UPDATE routing_rules SET pointer = ?2 WHERE id = ?1")?
            .execute(params![id, after.pointer])?;
    }
    for (manager, credit) in &after.credit {
        if before.credit.get(manager) != Some(credit) {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO routing_credits (rule_id, manager_id, credit) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![id, manager, credit])?;
        }
    }
    Ok(())
}

// --- response policies -------------------------------------------------------------------------------

const POLICY_COLUMNS: &str =
    "id, name, priority, condition, first_response, at_risk_bp, escalation,
    escalate_to, created_at, updated_at";

fn policy(row: &Row<'_>) -> rusqlite::Result<SlaPolicy> {
    let secs: i64 = row.get(4)?;
    Ok(SlaPolicy {
        id: row.get(0)?,
        name: row.get(1)?,
        priority: row.get(2)?,
        when: row.get(3)?,
        first_response: crate::calendar::format_duration(chrono::TimeDelta::seconds(secs)),
        first_response_secs: secs,
        at_risk_bp: row.get(5)?,
        escalation: row.get(6)?,
        escalate_to: row.get(7)?,
        created_at: row.get::<_, Time>(8)?.0,
        updated_at: row.get::<_, Time>(9)?.0,
    })
}

/// Every policy in the order they are tried: those with a condition by priority then id, the defaults
/// (no condition) last.
pub(crate) fn policies(conn: &Connection) -> Result<Vec<SlaPolicy>> {
    let sql = format!(
        "SELECT {POLICY_COLUMNS} FROM sla_policies ORDER BY condition IS NULL, priority, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], policy)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One policy by name.
pub(crate) fn policy_by_name(conn: &Connection, name: &str) -> Result<Option<SlaPolicy>> {
    let sql = format!("SELECT {POLICY_COLUMNS} FROM sla_policies WHERE name = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([name], policy)
        .optional()?)
}

/// Inserts or rewrites a policy (by name); returns its id.
pub(crate) fn upsert_policy(conn: &Connection, p: &SlaPolicy) -> Result<SlaPolicyId> {
    conn.prepare_cached(
        "INSERT INTO sla_policies (name, priority, condition, first_response, at_risk_bp, escalation,
                                   escalate_to, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (name) DO UPDATE SET priority = excluded.priority, condition = excluded.condition,
             first_response = excluded.first_response, at_risk_bp = excluded.at_risk_bp,
             escalation = excluded.escalation, escalate_to = excluded.escalate_to,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        p.name,
        p.priority,
        p.when,
        p.first_response_secs,
        p.at_risk_bp,
        p.escalation,
        p.escalate_to,
        ts(&p.created_at),
        ts(&p.updated_at),
    ])?;
    let id: SlaPolicyId = conn
        .prepare_cached("SELECT id FROM sla_policies WHERE name = ?1")?
        .query_row([&p.name], |r| r.get(0))?;
    Ok(id)
}

/// Deletes a policy.
pub(crate) fn delete_policy(conn: &Connection, id: SlaPolicyId) -> Result<()> {
    conn.prepare_cached("DELETE FROM sla_policies WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

// --- what routing reads about managers ----------------------------------------------------------------

/// What routing reads about a manager (kept by triggers; see the schema).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Load {
    /// Open leads (new, in progress, qualified).
    pub(crate) open_leads: u32,
    /// The latest assignment of a lead.
    pub(crate) last_assigned: Option<DateTime<Utc>>,
    /// The latest local day that got an assignment.
    pub(crate) day: Option<NaiveDate>,
    /// How many assignments that day got.
    pub(crate) day_count: u32,
}

/// Every manager's load, for those who have one.
pub(crate) fn loads(conn: &Connection) -> Result<HashMap<ManagerId, Load>> {
    let mut stmt = conn.prepare_cached(
        "SELECT manager_id, open_leads, last_assigned_at, day, day_count FROM manager_load",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, ManagerId>(0)?,
            Load {
                open_leads: r.get(1)?,
                last_assigned: r.get::<_, Option<Time>>(2)?.map(|t| t.0),
                day: r.get::<_, Option<Day>>(3)?.map(|d| d.0),
                day_count: r.get(4)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Leads assigned to a manager in `[from, to)`: the daily count of a day other than the latest one
/// the manager's load remembers (a command dated in the past).
pub(crate) fn assigned_between(
    conn: &Connection,
    manager: ManagerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM assignments
             WHERE manager_id = ?1 AND lead_id IS NOT NULL AND at >= ?2 AND at < ?3",
        )?
        .query_row(params![manager, ts(&from), ts(&to)], |r| r.get(0))?)
}

/// When a client was last in meaningful contact: the latest call, e-mail, meeting, message or document
/// (notes do not count) on the client, its leads or its deals, and its latest completed order.
pub(crate) fn last_contact(conn: &Connection, client: ClientId) -> Result<Option<DateTime<Utc>>> {
    let t: Option<Time> = conn
        .prepare_cached(
            "SELECT max(t) FROM (
                 SELECT max(at) AS t FROM activities WHERE client_id = ?1 AND kind != 'note'
                 UNION ALL
                 SELECT max(a.at) FROM activities a JOIN leads l ON l.id = a.lead_id
                 WHERE l.client_id = ?1 AND a.kind != 'note'
                 UNION ALL
                 SELECT max(ordered_at) FROM orders WHERE client_id = ?1 AND status = 'completed')",
        )?
        .query_row([client], |r| r.get(0))?;
    Ok(t.map(|t| t.0))
}

// --- assignments -------------------------------------------------------------------------------------

fn assignment(row: &Row<'_>) -> rusqlite::Result<Assignment> {
    Ok(Assignment {
        id: Some(row.get(11)?),
        lead_id: row.get(0)?,
        client_id: row.get(1)?,
        at: row.get::<_, Time>(2)?.0,
        manager_id: row.get(3)?,
        previous_id: row.get(4)?,
        via: row.get(5)?,
        rule_id: row.get(6)?,
        rule: row.get(7)?,
        strategy: row.get(8)?,
        reason: row.get(9)?,
        skipped: row.get::<_, Json<_>>(10)?.0,
    })
}

const ASSIGNMENT_COLUMNS: &str =
    "lead_id, client_id, at, manager_id, previous_id, via, rule_id, rule, strategy,
    reason, skipped, id";

/// Records a decision and sets its id; `local_day` is the chosen manager's calendar day at the time,
/// which the daily count of the manager's load follows.
pub(crate) fn insert_assignment(
    conn: &Connection,
    a: &mut Assignment,
    local_day: Option<NaiveDate>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO assignments (lead_id, client_id, at, manager_id, previous_id, via, rule_id, rule, strategy,
                                  reason, skipped, local_day)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        a.lead_id,
        a.client_id,
        ts(&a.at),
        a.manager_id,
        a.previous_id,
        a.via,
        a.rule_id,
        a.rule,
        a.strategy,
        a.reason,
        json(&a.skipped)?,
        local_day.map(Day),
    ])?;
    a.id = Some(AssignmentId(conn.last_insert_rowid()));
    Ok(())
}

/// The decisions about a lead, oldest first.
pub(crate) fn lead_assignments(conn: &Connection, lead: LeadId) -> Result<Vec<Assignment>> {
    let sql =
        format!("SELECT {ASSIGNMENT_COLUMNS} FROM assignments WHERE lead_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([lead], assignment)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The decisions about a client's ownership, oldest first.
pub(crate) fn client_assignments(conn: &Connection, client: ClientId) -> Result<Vec<Assignment>> {
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM assignments WHERE client_id = ?1 AND lead_id IS NULL ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([client], assignment)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// --- queue and the response clock --------------------------------------------------------------------

/// Leads waiting for a manager, oldest first (then by id).
pub(crate) fn queued(conn: &Connection) -> Result<Vec<LeadId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM leads WHERE queued_reason IS NOT NULL ORDER BY received_at, id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open leads whose first-response deadline is at or before `now`, unanswered and not yet marked
/// breached; by deadline, then id.
pub(crate) fn overdue(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<LeadId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM leads
         WHERE first_response_at IS NULL AND sla_breached_at IS NULL AND first_response_due <= ?1
           AND status IN ('new', 'in_progress', 'qualified')
         ORDER BY first_response_due, id",
    )?;
    let rows = stmt.query_map([ts(&now)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open leads of a manager, by id.
pub(crate) fn open_leads_of(conn: &Connection, manager: ManagerId) -> Result<Vec<LeadId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM leads WHERE owner_id = ?1 AND status IN ('new', 'in_progress', 'qualified')
         ORDER BY id",
    )?;
    let rows = stmt.query_map([manager], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Clients a manager owns (merged clients excluded), by id.
pub(crate) fn clients_of(conn: &Connection, manager: ManagerId) -> Result<Vec<ClientId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM clients WHERE owner_id = ?1
           AND id NOT IN (SELECT merged_id FROM client_merges WHERE undone_at IS NULL)
         ORDER BY id",
    )?;
    let rows = stmt.query_map([manager], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest lead of a client (any status), the one whose details route the client.
pub(crate) fn latest_lead_of(conn: &Connection, client: ClientId) -> Result<Option<LeadId>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM leads WHERE client_id = ?1 ORDER BY received_at DESC, id DESC LIMIT 1",
        )?
        .query_row([client], |r| r.get(0))
        .optional()?)
}

/// Sets a client's owner.
pub(crate) fn set_client_owner(
    conn: &Connection,
    client: ClientId,
    owner: Option<ManagerId>,
    at: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached("UPDATE clients SET owner_id = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![client, owner, ts(&at)])?;
    Ok(())
}

/// Moves a manager's open deals of a client to another owner; returns the deals moved.
pub(crate) fn move_open_deals(
    conn: &Connection,
    client: ClientId,
    from: ManagerId,
    to: ManagerId,
) -> Result<Vec<crate::model::DealId>> {
    let mut stmt = conn.prepare_cached(
        "UPDATE deals SET owner_id = ?3
         WHERE client_id = ?1 AND owner_id = ?2 AND status = 'open' RETURNING id",
    )?;
    let mut ids: Vec<crate::model::DealId> = stmt
        .query_map(params![client, from, to], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.sort();
    Ok(ids)
}

// --- tasks -------------------------------------------------------------------------------------------

const TASK_COLUMNS: &str =
    "id, kind, title, manager_id, client_id, lead_id, deal_id, due_at, status, origin,
    created_at, closed_at, rule_id, promise_id, complaint_id, outcome, activity_id";

fn task(row: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: row.get(0)?,
        kind: row.get(1)?,
        title: row.get(2)?,
        manager_id: row.get(3)?,
        client_id: row.get(4)?,
        lead_id: row.get(5)?,
        deal_id: row.get(6)?,
        due_at: row.get::<_, Option<Time>>(7)?.map(|t| t.0),
        status: row.get(8)?,
        origin: row.get(9)?,
        created_at: row.get::<_, Time>(10)?.0,
        closed_at: row.get::<_, Option<Time>>(11)?.map(|t| t.0),
        rule_id: row.get(12)?,
        promise_id: row.get(13)?,
        complaint_id: row.get(14)?,
        outcome: row.get(15)?,
        activity_id: row.get(16)?,
    })
}

/// One task.
pub(crate) fn task_by_id(conn: &Connection, id: TaskId) -> Result<Option<Task>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], task)
        .optional()?)
}

/// The task made by `origin`, if any.
pub(crate) fn task_by_origin(conn: &Connection, origin: &str) -> Result<Option<Task>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE origin = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([origin], task)
        .optional()?)
}

/// Sets a task's status, when it was closed, and its outcome.
pub(crate) fn close_task(conn: &Connection, t: &Task) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tasks SET status = ?2, closed_at = ?3, outcome = ?4, activity_id = ?5 WHERE id = ?1",
    )?
    .execute(params![
        t.id,
        t.status,
        t.closed_at.as_ref().map(ts),
        t.outcome,
        t.activity_id
    ])?;
    Ok(())
}

/// Inserts a task unless one with the same origin exists; returns the new id, or `None` when it existed.
pub(crate) fn insert_task(conn: &Connection, t: &Task) -> Result<Option<TaskId>> {
    let changed = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO tasks (kind, title, manager_id, client_id, lead_id, deal_id, due_at, status,
                                          origin, created_at, rule_id, promise_id, complaint_id, outcome,
                                          activity_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            t.kind,
            t.title,
            t.manager_id,
            t.client_id,
            t.lead_id,
            t.deal_id,
            t.due_at.as_ref().map(ts),
            t.status,
            t.origin,
            ts(&t.created_at),
            t.rule_id,
            t.promise_id,
            t.complaint_id,
            t.outcome,
            t.activity_id,
        ])?;
    Ok((changed > 0).then(|| TaskId(conn.last_insert_rowid())))
}

/// Tasks of one manager or of all, open ones only or every one; by id.
pub(crate) fn tasks(
    conn: &Connection,
    manager: Option<ManagerId>,
    open_only: bool,
) -> Result<Vec<Task>> {
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE (?1 IS NULL OR manager_id = ?1)
           AND (?2 = 0 OR status = 'open') ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![manager, open_only], task)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A manager's open tasks on the agenda: those due before `until` (by `tasks_by_manager`, a range
/// after the key) and those with no due time; in no particular order.
pub(crate) fn agenda_tasks(
    conn: &Connection,
    manager: ManagerId,
    until: &DateTime<Utc>,
) -> Result<Vec<Task>> {
    let dated = format!(
        "SELECT {TASK_COLUMNS} FROM tasks INDEXED BY tasks_by_manager
         WHERE manager_id = ?1 AND status = 'open' AND due_at < ?2"
    );
    let mut stmt = conn.prepare_cached(&dated)?;
    let mut out: Vec<Task> = stmt
        .query_map(params![manager, ts(until)], task)?
        .collect::<rusqlite::Result<_>>()?;
    let undated = format!(
        "SELECT {TASK_COLUMNS} FROM tasks INDEXED BY tasks_by_manager
         WHERE manager_id = ?1 AND status = 'open' AND due_at IS NULL"
    );
    let mut stmt = conn.prepare_cached(&undated)?;
    let rows = stmt.query_map(params![manager], task)?;
    for row in rows {
        out.push(row?);
    }
    Ok(out)
}

/// Sets a task's due time.
pub(crate) fn set_task_due(
    conn: &Connection,
    id: TaskId,
    due_at: Option<&DateTime<Utc>>,
) -> Result<()> {
    conn.prepare_cached("UPDATE tasks SET due_at = ?2 WHERE id = ?1")?
        .execute(params![id, due_at.map(ts)])?;
    Ok(())
}
