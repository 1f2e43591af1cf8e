//! Retention rules, their fires, what a fire reads about a client, and what the retention report
//! reads. Times compare as text (fixed-width RFC 3339 in UTC, see [`super::convert`]).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Json, Time, json, ts};
use crate::error::Result;
use crate::model::{ClientId, ManagerId, RetentionRule, RetentionRuleId, TaskId};
use crate::segment;

const RULE_COLUMNS: &str =
    "id, name, condition, action, cooldown_days, active, created_at, updated_at, daily_limit";

fn rule(row: &Row<'_>) -> rusqlite::Result<RetentionRule> {
    Ok(RetentionRule {
        id: row.get(0)?,
        name: row.get(1)?,
        condition: row.get(2)?,
        action: row.get::<_, Json<_>>(3)?.0,
        cooldown_days: row.get(4)?,
        active: row.get(5)?,
        created_at: row.get::<_, Time>(6)?.0,
        updated_at: row.get::<_, Time>(7)?.0,
        daily_limit: row.get(8)?,
    })
}

/// The settings key of the time the rules were last evaluated by `run_due`.
const RULES_RUN_KEY: &str = "retention_rules_run";

/// When `run_due` last evaluated the rules (none: never, or a rule changed since).
pub(crate) fn rules_run_at(conn: &Connection) -> Result<Option<DateTime<Utc>>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([RULES_RUN_KEY], |r| r.get(0))
        .optional()?;
    Ok(text
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc)))
}

/// Records when the rules were evaluated; `None` forgets it, so the next run evaluates them.
pub(crate) fn set_rules_run_at(conn: &Connection, at: Option<DateTime<Utc>>) -> Result<()> {
    match at {
        Some(at) => conn
            .prepare_cached("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")?
            .execute(params![RULES_RUN_KEY, ts(&at)])?,
        None => conn
            .prepare_cached("DELETE FROM settings WHERE key = ?1")?
            .execute([RULES_RUN_KEY])?,
    };
    Ok(())
}

/// The rules in force (not removed), by id.
pub(crate) fn rules(conn: &Connection) -> Result<Vec<RetentionRule>> {
    let sql =
        format!("SELECT {RULE_COLUMNS} FROM retention_rules WHERE removed_at IS NULL ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], rule)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The rule in force of this name.
pub(crate) fn rule_by_name(conn: &Connection, name: &str) -> Result<Option<RetentionRule>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM retention_rules WHERE name = ?1 AND removed_at IS NULL"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([name], rule)
        .optional()?)
}

/// Inserts a rule; returns its id.
pub(crate) fn insert_rule(conn: &Connection, r: &RetentionRule) -> Result<RetentionRuleId> {
    conn.prepare_cached(
        "INSERT INTO retention_rules (name, condition, action, cooldown_days, active, created_at,
                                      updated_at, daily_limit)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        r.name,
        r.condition,
        json(&r.action)?,
        r.cooldown_days,
        r.active,
        ts(&r.created_at),
        ts(&r.updated_at),
        r.daily_limit,
    ])?;
    Ok(RetentionRuleId(conn.last_insert_rowid()))
}

/// Writes every field of a stored rule.
pub(crate) fn update_rule(conn: &Connection, r: &RetentionRule) -> Result<()> {
    conn.prepare_cached(
        "UPDATE retention_rules SET name = ?2, condition = ?3, action = ?4, cooldown_days = ?5,
                                    active = ?6, updated_at = ?7, daily_limit = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        r.id,
        r.name,
        r.condition,
        json(&r.action)?,
        r.cooldown_days,
        r.active,
        ts(&r.updated_at),
        r.daily_limit,
    ])?;
    Ok(())
}

/// Marks a rule removed (its tasks and fires keep naming it).
pub(crate) fn remove_rule(conn: &Connection, id: RetentionRuleId, at: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE retention_rules SET removed_at = ?2, active = 0, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, ts(&at)])?;
    Ok(())
}

/// How many clients a rule acted on from `since` on, per current owner of the client (the daily limit).
pub(crate) fn fired_by_owner(
    conn: &Connection,
    rule: RetentionRuleId,
    since: DateTime<Utc>,
) -> Result<std::collections::HashMap<Option<ManagerId>, u32>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.owner_id, count(*) FROM retention_fires f JOIN clients c ON c.id = f.client_id
         WHERE f.rule_id = ?1 AND f.fired_at >= ?2 GROUP BY c.owner_id",
    )?;
    let rows = stmt.query_map(params![rule, ts(&since)], |r| {
        Ok((r.get::<_, Option<ManagerId>>(0)?, r.get::<_, u32>(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The clients a rule fired on after `since` (at any later time too): those in its cool-down; in no
/// particular order (the index's), repeats possible.
pub(crate) fn cooling(
    conn: &Connection,
    rule: RetentionRuleId,
    since: DateTime<Utc>,
) -> Result<Vec<ClientId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id FROM retention_fires WHERE rule_id = ?1 AND fired_at > ?2",
    )?;
    let rows = stmt.query_map(params![rule, ts(&since)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a fire.
pub(crate) fn insert_fire(
    conn: &Connection,
    rule: RetentionRuleId,
    client: ClientId,
    at: DateTime<Utc>,
    task: Option<TaskId>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO retention_fires (rule_id, client_id, fired_at, task_id) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![rule, client, ts(&at), task])?;
    Ok(())
}

/// What a fire reads about one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientContext {
    pub name: String,
    pub owner_id: Option<ManagerId>,
    pub tags: Vec<String>,
    pub last_order_at: Option<DateTime<Utc>>,
    /// The dormancy ladder says `lost`.
    pub lost: bool,
}

/// One client's context, or `None` when it is not a client (merged away).
pub(crate) fn client_context(conn: &Connection, id: ClientId) -> Result<Option<ClientContext>> {
    Ok(conn
        .prepare_cached(
            "SELECT c.name, c.owner_id, c.tags, r.last_order_at, coalesce(h.state = 'lost', 0)
             FROM clients c
             LEFT JOIN client_rollups r ON r.client_id = c.id
             LEFT JOIN client_rhythm h ON h.client_id = c.id
             WHERE c.id = ?1",
        )?
        .query_row([id], |r| {
            Ok(ClientContext {
                name: r.get(0)?,
                owner_id: r.get(1)?,
                tags: r.get::<_, Json<_>>(2)?.0,
                last_order_at: r.get::<_, Option<Time>>(3)?.map(|t| t.0),
                lost: r.get(4)?,
            })
        })
        .optional()?)
}

/// Sets a client's tag list (and its folded lookup rows) without touching `updated_at`: a rule's tag is
/// not a change of the client's details.
pub(crate) fn set_tags(conn: &Connection, id: ClientId, tags: &[String]) -> Result<()> {
    conn.prepare_cached("UPDATE clients SET tags = ?2 WHERE id = ?1")?
        .execute(params![id, json(tags)?])?;
    conn.prepare_cached("DELETE FROM client_tags WHERE client_id = ?1")?
        .execute([id])?;
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO client_tags (tag, client_id) VALUES (?1, ?2)")?;
    for tag in tags {
        stmt.execute(params![segment::fold(tag), id])?;
    }
    Ok(())
}

/// The stored text of midnight UTC starting `day` (a time compares with it as text).
fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The text just after every time of `day` (the next day's key, or `9999` for the last day).
fn after_day_key(day: NaiveDate) -> String {
    day.succ_opt()
        .map_or_else(|| "9999-99".to_string(), day_key)
}

/// A rule's task created on the UTC days `start..=end`, with its client's first completed order placed
/// after the task was made.
pub(crate) struct TaskFact {
    pub rule_id: RetentionRuleId,
    pub rule: String,
    pub manager_id: Option<ManagerId>,
    pub done: bool,
    pub created_at: DateTime<Utc>,
    pub next_order_at: Option<DateTime<Utc>>,
}

/// The tasks made by retention rules on the UTC days `start..=end`, by id.
pub(crate) fn rule_tasks(
    conn: &Connection,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<TaskFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.rule_id, r.name, t.manager_id, t.status = 'done', t.created_at,
                (SELECT min(o.ordered_at) FROM orders o
                  WHERE o.client_id = t.client_id AND o.status = 'completed'
                    AND o.ordered_at > t.created_at)
         FROM tasks t JOIN retention_rules r ON r.id = t.rule_id
         WHERE t.rule_id IS NOT NULL AND t.created_at >= ?1 AND t.created_at < ?2
         ORDER BY t.id",
    )?;
    let rows = stmt.query_map(params![day_key(start), after_day_key(end)], |r| {
        Ok(TaskFact {
            rule_id: r.get(0)?,
            rule: r.get(1)?,
            manager_id: r.get(2)?,
            done: r.get(3)?,
            created_at: r.get::<_, Time>(4)?.0,
            next_order_at: r.get::<_, Option<Time>>(5)?.map(|t| t.0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A complaint resolved on the UTC days `start..=end`.
pub(crate) struct ResolvedFact {
    pub complaint_id: i64,
    pub client_id: ClientId,
    pub resolved_at: DateTime<Utc>,
    pub within_sla: bool,
    pub next_order_at: Option<DateTime<Utc>>,
}

/// The complaints resolved on the UTC days `start..=end`, by id, with the client's first completed order
/// placed after the resolution.
pub(crate) fn resolved_complaints(
    conn: &Connection,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<ResolvedFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.id, k.client_id, k.resolved_at,
                k.response_breached_at IS NULL AND k.resolution_breached_at IS NULL
                AND coalesce(k.responded_at, k.resolved_at) <= k.response_due
                AND k.resolved_at <= k.resolution_due,
                (SELECT min(o.ordered_at) FROM orders o
                  WHERE o.client_id = k.client_id AND o.status = 'completed'
                    AND o.ordered_at > k.resolved_at)
         FROM complaints k
         WHERE k.resolved_at >= ?1 AND k.resolved_at < ?2
         ORDER BY k.id",
    )?;
    let rows = stmt.query_map(params![day_key(start), after_day_key(end)], |r| {
        Ok(ResolvedFact {
            complaint_id: r.get(0)?,
            client_id: r.get(1)?,
            resolved_at: r.get::<_, Time>(2)?.0,
            within_sla: r.get(3)?,
            next_order_at: r.get::<_, Option<Time>>(4)?.map(|t| t.0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
