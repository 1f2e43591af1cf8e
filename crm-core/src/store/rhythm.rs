//! The dormancy ladder in the store: each client's rhythm (`client_rhythm`), the clients whose purchases
//! changed since the last run (`rhythm_dirty`, kept by triggers on `client_rollups`), purchase days, and
//! the ladder's settings.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Day, Time, json, ts};
use crate::error::{Error, Result};
use crate::model::{ClientId, DormancyCounts, DormancySettings, DormancyState};

/// One client's stored rhythm.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stored {
    pub client_id: ClientId,
    pub state: DormancyState,
    pub since: DateTime<Utc>,
    pub expected_gap: Option<f64>,
    pub last_purchase: NaiveDate,
    pub purchase_days: i64,
    pub next_state: Option<DormancyState>,
    pub next_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "h.client_id, h.state, h.since, h.expected_gap, h.last_purchase, h.purchase_days, h.next_state, h.next_at";

fn stored(row: &Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        client_id: row.get(0)?,
        state: row.get(1)?,
        since: row.get::<_, Time>(2)?.0,
        expected_gap: row.get(3)?,
        last_purchase: row.get::<_, Day>(4)?.0,
        purchase_days: row.get(5)?,
        next_state: row.get(6)?,
        next_at: row.get::<_, Option<Time>>(7)?.map(|t| t.0),
    })
}

const SETTINGS_KEY: &str = "dormancy";

/// The ladder's settings (the defaults until set).
pub(crate) fn settings(conn: &Connection) -> Result<DormancySettings> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([SETTINGS_KEY], |r| r.get(0))
        .optional()?;
    match text {
        None => Ok(DormancySettings::default()),
        Some(t) => serde_json::from_str(&t)
            .map_err(|e| Error::Corrupt(format!("{SETTINGS_KEY} setting: {e}"))),
    }
}

/// Stores the settings and marks every placed client for recomputation by the next run.
pub(crate) fn set_settings(conn: &Connection, s: &DormancySettings) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")?
        .execute(params![SETTINGS_KEY, json(s)?])?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO rhythm_dirty (client_id) SELECT client_id FROM client_rhythm",
    )?
    .execute([])?;
    Ok(())
}

/// A `YYYY-MM-DD…` text's date, read without a format parser (this runs once per order in a bulk pass).
fn date_of(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &[u8]| -> Option<u32> {
        s.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, num(&b[5..7])?, num(&b[8..10])?)
}

fn day_column(row: &Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let text: String = row.get(i)?;
    date_of(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("not a stored time: {text:?}").into(),
        )
    })
}

/// One client's purchase days (distinct UTC days of completed orders placed by `until`), ascending;
/// by the orders' client index.
pub(crate) fn purchase_days(
    conn: &Connection,
    client: ClientId,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<NaiveDate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT substr(ordered_at, 1, 10) FROM orders
         WHERE client_id = ?1 AND status = 'completed' AND (?2 IS NULL OR ordered_at <= ?2)
         ORDER BY 1",
    )?;
    let rows = stmt.query_map(params![client, until.as_ref().map(ts)], |r| {
        day_column(r, 0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Bits of a packed (client, day) key that hold the day: a day number from the common era fits in 22
/// bits up to the year 9999.
const DAY_BITS: u32 = 22;

/// Every client's purchase days (of orders placed by `until`, when given) in one pass over the orders
/// (no index: a scan in storage order, then one sort of packed keys in memory, 8 bytes an order),
/// calling `each` per client in id order. For clients whose ids do not fit the packing (above 2^41) the
/// per-client reader is used instead.
pub(crate) fn each_client_days(
    conn: &Connection,
    until: Option<DateTime<Utc>>,
    mut each: impl FnMut(ClientId, &[NaiveDate]) -> Result<()>,
) -> Result<()> {
    let mut keys: Vec<u64> = Vec::new();
    let mut wide: Vec<i64> = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT client_id, ordered_at FROM orders NOT INDEXED
             WHERE status = 'completed' AND (?1 IS NULL OR ordered_at <= ?1)",
        )?;
        let mut rows = stmt.query([until.as_ref().map(ts)])?;
        while let Some(row) = rows.next()? {
            let client: i64 = row.get(0)?;
            let day = day_column(row, 1)?;
            let n = u64::try_from(day.num_days_from_ce()).unwrap_or(0);
            match u64::try_from(client) {
                Ok(c) if c < (1 << (63 - DAY_BITS)) && n < (1 << DAY_BITS) => {
                    keys.push((c << DAY_BITS) | n);
                }
                _ => wide.push(client),
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut current: Option<i64> = None;
    let mut flush = |client: Option<i64>, days: &mut Vec<NaiveDate>| -> Result<()> {
        if let Some(c) = client {
            each(ClientId(c), days)?;
        }
        days.clear();
        Ok(())
    };
    for key in keys {
        let client = i64::try_from(key >> DAY_BITS).unwrap_or(i64::MAX);
        let n = i32::try_from(key & ((1 << DAY_BITS) - 1)).unwrap_or(0);
        if current != Some(client) {
            flush(current, &mut days)?;
            current = Some(client);
        }
        if let Some(d) = NaiveDate::from_num_days_from_ce_opt(n) {
            days.push(d);
        }
    }
    flush(current, &mut days)?;
    wide.sort_unstable();
    wide.dedup();
    for client in wide {
        let d = purchase_days(conn, ClientId(client), until)?;
        each(ClientId(client), &d)?;
    }
    Ok(())
}

/// How many clients are marked for recomputation.
pub(crate) fn dirty_count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM rhythm_dirty")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// How many clients are on the ladder.
pub(crate) fn placed(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM client_rhythm")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The marked clients that still exist (a client merged away is skipped), ascending.
pub(crate) fn dirty_clients(conn: &Connection) -> Result<Vec<ClientId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.client_id FROM rhythm_dirty d JOIN clients c ON c.id = d.client_id
         ORDER BY d.client_id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The stored rhythm of the marked clients, by client.
pub(crate) fn dirty_stored(conn: &Connection) -> Result<HashMap<ClientId, Stored>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rhythm_dirty d JOIN client_rhythm h ON h.client_id = d.client_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], stored)?;
    rows.map(|r| r.map(|s| (s.client_id, s)).map_err(Error::from))
        .collect()
}

/// Unmarks every client.
pub(crate) fn clear_dirty(conn: &Connection) -> Result<()> {
    conn.prepare_cached("DELETE FROM rhythm_dirty")?
        .execute([])?;
    Ok(())
}

/// The rows whose next rung starts by `now` (by the index on `next_at`), by client.
pub(crate) fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Stored>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM client_rhythm h INDEXED BY client_rhythm_by_next
         WHERE h.next_at <= ?1 ORDER BY h.client_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([ts(&now)], stored)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One client's stored rhythm.
pub(crate) fn by_client(conn: &Connection, client: ClientId) -> Result<Option<Stored>> {
    let sql = format!("SELECT {COLUMNS} FROM client_rhythm h WHERE h.client_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([client], stored)
        .optional()?)
}

/// Every stored rhythm, by client id.
pub(crate) fn all(conn: &Connection) -> Result<Vec<Stored>> {
    let sql = format!("SELECT {COLUMNS} FROM client_rhythm h ORDER BY h.client_id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], stored)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Writes one client's rhythm (prepared once, so a run writes many with one statement).
pub(crate) fn upsert(conn: &Connection, s: &Stored) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO client_rhythm (client_id, state, since, expected_gap, last_purchase, purchase_days,
                                    next_state, next_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (client_id) DO UPDATE SET
             state = excluded.state, since = excluded.since, expected_gap = excluded.expected_gap,
             last_purchase = excluded.last_purchase, purchase_days = excluded.purchase_days,
             next_state = excluded.next_state, next_at = excluded.next_at",
    )?
    .execute(params![
        s.client_id,
        s.state,
        ts(&s.since),
        s.expected_gap,
        Day(s.last_purchase),
        s.purchase_days,
        s.next_state,
        s.next_at.as_ref().map(ts)
    ])?;
    Ok(())
}

/// Removes a client's rhythm (it has no completed order left).
pub(crate) fn delete(conn: &Connection, client: ClientId) -> Result<()> {
    conn.prepare_cached("DELETE FROM client_rhythm WHERE client_id = ?1")?
        .execute([client])?;
    Ok(())
}

/// Clients per stored state.
pub(crate) fn counts(conn: &Connection) -> Result<DormancyCounts> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, count(*) FROM client_rhythm INDEXED BY client_rhythm_by_state GROUP BY state",
    )?;
    let mut counts = DormancyCounts::default();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let state: DormancyState = row.get(0)?;
        let n = u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0);
        match state {
            DormancyState::Active => counts.active = n,
            DormancyState::Cooling => counts.cooling = n,
            DormancyState::Dormant => counts.dormant = n,
            DormancyState::Lost => counts.lost = n,
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::{date_of, each_client_days, purchase_days};
    use crate::model::{ClientKind, Money, NewClient, NewOrder, OrderStatus};
    use crate::{ClientId, Crm};
    use chrono::{Duration, NaiveDate, TimeZone, Utc};

    #[test]
    fn the_bulk_pass_reads_what_each_client_reads() {
        let crm = Crm::open_in_memory().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 23, 0, 0).unwrap();
        let mut ids = Vec::new();
        for i in 0..30i64 {
            let id = crm
                .add_client(NewClient::new(ClientKind::Person, format!("C{i}")), t0)
                .unwrap()
                .id;
            ids.push(id);
        }
        // Orders out of client order, several a day, some cancelled.
        for k in 0..400i64 {
            let client = ids[usize::try_from((k * 7) % 29).unwrap()];
            let at = t0 + Duration::hours((k * 37) % 2000);
            let order = crm
                .record_order(
                    NewOrder {
                        client_id: client,
                        total: Money::from_minor(100),
                        ..Default::default()
                    },
                    at,
                )
                .unwrap();
            if k % 9 == 0 {
                crm.set_order_status(order.id, OrderStatus::Cancelled, at)
                    .unwrap();
            }
        }
        crm.with_connection(|conn| {
            let mut seen: Vec<(ClientId, Vec<NaiveDate>)> = Vec::new();
            each_client_days(conn, None, |c, days| {
                seen.push((c, days.to_vec()));
                Ok(())
            })?;
            let mut expected = Vec::new();
            for id in &ids {
                let days = purchase_days(conn, *id, None)?;
                if !days.is_empty() {
                    expected.push((*id, days));
                }
            }
            assert_eq!(seen, expected);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn dates_are_read_from_stored_times() {
        assert_eq!(
            date_of("2026-11-26T09:30:00.000000000Z"),
            NaiveDate::from_ymd_opt(2026, 11, 26)
        );
        assert_eq!(date_of("2026-02-30T00:00"), None);
        assert_eq!(date_of("20x6-01-01"), None);
    }
}
