//! Managers, sources, spend, the lost-reason catalogue and the pipeline.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Day, Json, Time, json, ts};
use crate::error::Result;
use crate::model::{LostReason, Manager, ManagerId, Source, SourceId, Spend, SpendId, Stage};

const MANAGER_COLUMNS: &str = "id, name, email, team, active, capacity, weight, skills, regions, languages, created_at, daily_cap";

fn manager(row: &Row<'_>) -> rusqlite::Result<Manager> {
    Ok(Manager {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
        team: row.get(3)?,
        active: row.get(4)?,
        capacity: row.get(5)?,
        weight: row.get(6)?,
        skills: row.get::<_, Json<_>>(7)?.0,
        regions: row.get::<_, Json<_>>(8)?.0,
        languages: row.get::<_, Json<_>>(9)?.0,
        created_at: row.get::<_, Time>(10)?.0,
        daily_cap: row.get(11)?,
    })
}

/// Inserts a manager (its id is ignored) and returns the new id.
pub(crate) fn insert_manager(conn: &Connection, m: &Manager) -> Result<ManagerId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO managers (name, email, team, active, capacity, weight, skills, regions, languages,
                               created_at, daily_cap)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    stmt.execute(params![
        m.name,
        m.email,
        m.team,
        m.active,
        m.capacity,
        m.weight,
        json(&m.skills)?,
        json(&m.regions)?,
        json(&m.languages)?,
        ts(&m.created_at),
        m.daily_cap,
    ])?;
    Ok(ManagerId(conn.last_insert_rowid()))
}

/// Writes a manager's details (all but the id and the creation time).
pub(crate) fn update_manager(conn: &Connection, m: &Manager) -> Result<()> {
    conn.prepare_cached(
        "UPDATE managers SET name = ?2, email = ?3, team = ?4, active = ?5, capacity = ?6, weight = ?7,
                             skills = ?8, regions = ?9, languages = ?10, daily_cap = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        m.id,
        m.name,
        m.email,
        m.team,
        m.active,
        m.capacity,
        m.weight,
        json(&m.skills)?,
        json(&m.regions)?,
        json(&m.languages)?,
        m.daily_cap,
    ])?;
    Ok(())
}

/// Sets whether a manager is active.
pub(crate) fn set_manager_active(conn: &Connection, id: ManagerId, active: bool) -> Result<()> {
    conn.prepare_cached("UPDATE managers SET active = ?2 WHERE id = ?1")?
        .execute(params![id, active])?;
    Ok(())
}

/// One manager.
pub(crate) fn manager_by_id(conn: &Connection, id: ManagerId) -> Result<Option<Manager>> {
    let sql = format!("SELECT {MANAGER_COLUMNS} FROM managers WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], manager)
        .optional()?)
}

/// Every manager, by id.
pub(crate) fn managers(conn: &Connection) -> Result<Vec<Manager>> {
    let sql = format!("SELECT {MANAGER_COLUMNS} FROM managers ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], manager)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn source(row: &Row<'_>) -> rusqlite::Result<Source> {
    let campaign: String = row.get(3)?;
    Ok(Source {
        id: row.get(0)?,
        name: row.get(1)?,
        channel: row.get(2)?,
        campaign: (!campaign.is_empty()).then_some(campaign),
        created_at: row.get::<_, Time>(4)?.0,
    })
}

/// Inserts a source and returns the new id.
pub(crate) fn insert_source(conn: &Connection, s: &Source) -> Result<SourceId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO sources (name, channel, campaign, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    stmt.execute(params![
        s.name,
        s.channel,
        s.campaign.as_deref().unwrap_or(""),
        ts(&s.created_at)
    ])?;
    Ok(SourceId(conn.last_insert_rowid()))
}

/// The id of the source with this name and campaign, if any.
pub(crate) fn source_id_by_name(
    conn: &Connection,
    name: &str,
    campaign: Option<&str>,
) -> Result<Option<SourceId>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM sources WHERE name = ?1 AND campaign = ?2")?;
    Ok(stmt
        .query_row(params![name, campaign.unwrap_or("")], |r| r.get(0))
        .optional()?)
}

/// One source.
pub(crate) fn source_by_id(conn: &Connection, id: SourceId) -> Result<Option<Source>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, channel, campaign, created_at FROM sources WHERE id = ?1",
    )?;
    Ok(stmt.query_row([id], source).optional()?)
}

/// Every source, by id.
pub(crate) fn sources(conn: &Connection) -> Result<Vec<Source>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, channel, campaign, created_at FROM sources ORDER BY id",
    )?;
    let rows = stmt.query_map([], source)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Inserts a spend entry and returns the new id.
pub(crate) fn insert_spend(conn: &Connection, s: &Spend) -> Result<SpendId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO spend (source_id, on_date, amount, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    stmt.execute(params![
        s.source_id,
        Day(s.on),
        s.amount,
        s.note,
        ts(&s.created_at)
    ])?;
    Ok(SpendId(conn.last_insert_rowid()))
}

/// Spend entries booked from `start` to `end` inclusive, optionally of one source; by date, then id.
pub(crate) fn spend(
    conn: &Connection,
    source_id: Option<SourceId>,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<Spend>> {
    // One statement per case: with `(?1 IS NULL OR source_id = ?1)` SQLite cannot use
    // `spend_by_source` and reads every source's entries in the range. Each index already holds its
    // entries by date, then id, so neither statement sorts.
    let rows = match source_id {
        Some(source_id) => conn
            .prepare_cached(
                "SELECT id, source_id, on_date, amount, note, created_at FROM spend
                 WHERE source_id = ?1 AND on_date BETWEEN ?2 AND ?3
                 ORDER BY on_date, id",
            )?
            .query_map(params![source_id, Day(start), Day(end)], spend_entry)?
            .collect::<rusqlite::Result<_>>()?,
        None => conn
            .prepare_cached(
                "SELECT id, source_id, on_date, amount, note, created_at FROM spend
                 WHERE on_date BETWEEN ?1 AND ?2
                 ORDER BY on_date, id",
            )?
            .query_map(params![Day(start), Day(end)], spend_entry)?
            .collect::<rusqlite::Result<_>>()?,
    };
    Ok(rows)
}

fn spend_entry(row: &Row<'_>) -> rusqlite::Result<Spend> {
    Ok(Spend {
        id: row.get(0)?,
        source_id: row.get(1)?,
        on: row.get::<_, Day>(2)?.0,
        amount: row.get(3)?,
        note: row.get(4)?,
        created_at: row.get::<_, Time>(5)?.0,
    })
}

/// Adds a lost reason, or relabels it when the code exists.
pub(crate) fn upsert_lost_reason(conn: &Connection, code: &str, label: &str) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO lost_reasons (code, label) VALUES (?1, ?2)
         ON CONFLICT (code) DO UPDATE SET label = excluded.label",
    )?;
    stmt.execute(params![code, label])?;
    Ok(())
}

/// Whether the code is in the catalogue.
pub(crate) fn lost_reason_exists(conn: &Connection, code: &str) -> Result<bool> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM lost_reasons WHERE code = ?1")?;
    Ok(stmt.exists([code])?)
}

/// The catalogue, in the order the reasons were added.
pub(crate) fn lost_reasons(conn: &Connection) -> Result<Vec<LostReason>> {
    let mut stmt = conn.prepare_cached("SELECT code, label FROM lost_reasons ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(LostReason {
            code: r.get(0)?,
            label: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The pipeline, in order.
pub(crate) fn stages(conn: &Connection) -> Result<Vec<Stage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, label, probability, position FROM pipeline_stages ORDER BY position",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Stage {
            code: r.get(0)?,
            label: r.get(1)?,
            probability: r.get(2)?,
            position: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Replaces the pipeline.
pub(crate) fn replace_stages(conn: &Connection, stages: &[Stage]) -> Result<()> {
    conn.prepare_cached("DELETE FROM pipeline_stages")?
        .execute([])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO pipeline_stages (code, label, position, probability) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for s in stages {
        stmt.execute(params![s.code, s.label, s.position, s.probability])?;
    }
    Ok(())
}

/// The stage codes open deals are in, sorted.
pub(crate) fn stages_in_use(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT DISTINCT stage FROM deals WHERE status = 'open' ORDER BY stage")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use crate::Crm;
    use crate::model::{Channel, Money, NewSource, NewSpend, SourceId, SpendId};

    #[test]
    fn spend_lists_one_source_or_all_by_date_then_id() {
        let crm = Crm::open_in_memory().unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let source = |name: &str| {
            let new = NewSource {
                name: name.into(),
                channel: Channel::Ads,
                campaign: None,
            };
            crm.add_source(new, t).unwrap().id
        };
        let (ads, mail) = (source("Ads"), source("Mail"));
        let book = |source_id: SourceId, d: u32| {
            let new = NewSpend {
                source_id,
                on: day(d),
                amount: Money::from_units(10).unwrap(),
                note: None,
            };
            crm.add_spend(new, t).unwrap().id
        };
        let ids: Vec<SpendId> = [(ads, 5), (mail, 3), (ads, 3), (mail, 9), (ads, 1)]
            .into_iter()
            .map(|(s, d)| book(s, d))
            .collect();
        let listed = |source_id, start, end| -> Vec<SpendId> {
            let spend = crm.list_spend(source_id, day(start), day(end)).unwrap();
            spend.iter().map(|s| s.id).collect()
        };
        assert_eq!(
            listed(None, 1, 30),
            [ids[4], ids[1], ids[2], ids[0], ids[3]]
        );
        assert_eq!(
            listed(None, 3, 5),
            [ids[1], ids[2], ids[0]],
            "both ends count"
        );
        assert_eq!(listed(Some(ads), 1, 30), [ids[4], ids[2], ids[0]]);
        assert_eq!(listed(Some(mail), 4, 30), [ids[3]]);
        assert_eq!(listed(Some(ads), 6, 30), []);
    }
}
