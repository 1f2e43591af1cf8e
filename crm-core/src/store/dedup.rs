//! Duplicates in the store: the matching keys, the settings, moving a client's records and the merge log.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::clients::{self, CLIENT_COLUMNS, MatchKeys};
use super::convert::{Json, Time, json, ts};
use crate::dedup::matching::Profile;
use crate::dedup::normalize;
use crate::error::{Error, Result};
use crate::model::{Client, ClientId, Contact, ContactId, DedupSettings, Merge, MergeId, Moved};

const SETTINGS_KEY: &str = "dedup";

/// The stored settings (the defaults until they are set).
pub(crate) fn settings(conn: &Connection) -> Result<DedupSettings> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([SETTINGS_KEY], |r| r.get(0))
        .optional()?;
    match text {
        None => Ok(DedupSettings::default()),
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("dedup settings: {e}")))
        }
    }
}

/// Stores the settings.
pub(crate) fn save_settings(conn: &Connection, s: &DedupSettings) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")?
        .execute(params![SETTINGS_KEY, json(s)?])?;
    Ok(())
}

/// Replaces a client's matching keys.
pub(crate) fn replace_keys(conn: &Connection, id: ClientId, keys: &[String]) -> Result<()> {
    conn.prepare_cached("DELETE FROM client_keys WHERE client_id = ?1")?
        .execute([id])?;
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO client_keys (key, client_id) VALUES (?1, ?2)")?;
    for key in keys {
        stmt.execute(params![key, id])?;
    }
    Ok(())
}

/// The clients that have `key`, ascending; `None` when more than `limit` have it (a common key).
pub(crate) fn clients_with_key(
    conn: &Connection,
    key: &str,
    limit: u32,
) -> Result<Option<Vec<ClientId>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id FROM client_keys WHERE key = ?1 ORDER BY client_id LIMIT ?2",
    )?;
    let ids = stmt
        .query_map(params![key, i64::from(limit) + 1], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<ClientId>>>()?;
    Ok((ids.len() <= limit as usize).then_some(ids))
}

/// Calls `f` with every key and the clients that have it (ascending), key by key in order.
pub(crate) fn each_key_group(
    conn: &Connection,
    mut f: impl FnMut(&str, &[ClientId]),
) -> Result<()> {
    let mut stmt =
        conn.prepare("SELECT key, client_id FROM client_keys ORDER BY key, client_id")?;
    let mut rows = stmt.query([])?;
    let mut key = String::new();
    let mut ids: Vec<ClientId> = Vec::new();
    while let Some(row) = rows.next()? {
        let k = row.get_ref(0)?.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?;
        if k != key {
            if !ids.is_empty() {
                f(&key, &ids);
            }
            key.clear();
            key.push_str(k);
            ids.clear();
        }
        ids.push(row.get(1)?);
    }
    if !ids.is_empty() {
        f(&key, &ids);
    }
    Ok(())
}

/// Every client with its contacts, by id.
pub(crate) fn each_client(
    conn: &Connection,
    mut f: impl FnMut(Client, &[Contact]) -> Result<()>,
) -> Result<()> {
    let mut contacts: HashMap<ClientId, Vec<Contact>> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT id, client_id, name, position, phones, emails, created_at FROM contacts ORDER BY id",
        )?;
        for c in stmt.query_map([], clients::contact)? {
            let c = c?;
            contacts.entry(c.client_id).or_default().push(c);
        }
    }
    let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients ORDER BY id");
    let mut stmt = conn.prepare(&sql)?;
    for c in stmt.query_map([], clients::client)? {
        let c = c?;
        let list = contacts.get(&c.id).map(Vec::as_slice).unwrap_or_default();
        f(c, list)?;
    }
    Ok(())
}

/// Recomputes the normal forms of every client's and lead's phone, e-mail and tax id and every
/// client's matching keys, with the stored settings (after a migration, or a change of the default
/// country). Returns how many clients it went through.
pub(crate) fn rebuild(conn: &Connection) -> Result<u64> {
    let country = settings(conn)?.default_country;
    let mut count = 0;
    let mut clients_done = Vec::new();
    each_client(conn, |c, contacts| {
        let keys = Profile::of_client(&c, contacts, &country).keys();
        clients_done.push((c.id, norms(&c.phone, &c.email, &c.tax_id, &country), keys));
        Ok(())
    })?;
    conn.execute("DELETE FROM client_keys", [])?;
    {
        let mut update = conn.prepare(
            "UPDATE clients SET phone_norm = ?2, email_norm = ?3, tax_id_norm = ?4 WHERE id = ?1",
        )?;
        let mut insert =
            conn.prepare("INSERT OR IGNORE INTO client_keys (key, client_id) VALUES (?1, ?2)")?;
        for (id, n, keys) in &clients_done {
            update.execute(params![id, n.phone, n.email, n.tax_id])?;
            for key in keys {
                insert.execute(params![key, id])?;
            }
            count += 1;
        }
    }
    let leads: Vec<(i64, Option<String>, Option<String>)> = conn
        .prepare("SELECT id, phone, email FROM leads")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update =
        conn.prepare("UPDATE leads SET phone_norm = ?2, email_norm = ?3 WHERE id = ?1")?;
    for (id, phone, email) in leads {
        let n = norms(&phone, &email, &None, &country);
        update.execute(params![id, n.phone, n.email])?;
    }
    Ok(count)
}

/// The normal forms a phone, an e-mail and a tax id are stored with (phones read in `country`).
pub(crate) fn norms(
    phone: &Option<String>,
    email: &Option<String>,
    tax_id: &Option<String>,
    country: &str,
) -> MatchKeys {
    MatchKeys {
        phone: phone
            .as_deref()
            .and_then(|p| normalize::phone_in(p, country).normal),
        email: email.as_deref().and_then(|e| normalize::email(e).normal),
        tax_id: tax_id.as_deref().and_then(|t| normalize::tax_id(t).normal),
    }
}

/// Moves every contact, lead, deal, activity, order, task and assignment record of `from` to `to`;
/// returns what moved.
pub(crate) fn move_records(conn: &Connection, from: ClientId, to: ClientId) -> Result<Moved> {
    fn ids<T: rusqlite::types::FromSql>(
        conn: &Connection,
        table: &str,
        from: ClientId,
    ) -> Result<Vec<T>> {
        let sql = format!("SELECT id FROM {table} WHERE client_id = ?1 ORDER BY id");
        Ok(conn
            .prepare_cached(&sql)?
            .query_map([from], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }
    let moved = Moved {
        contacts: ids(conn, "contacts", from)?,
        leads: ids(conn, "leads", from)?,
        deals: ids(conn, "deals", from)?,
        activities: ids(conn, "activities", from)?,
        orders: ids(conn, "orders", from)?,
        tasks: ids(conn, "tasks", from)?,
        assignments: ids(conn, "assignments", from)?,
        promises: ids(conn, "promises", from)?,
        complaints: ids(conn, "complaints", from)?,
    };
    for table in MOVED_TABLES {
        let sql = format!("UPDATE {table} SET client_id = ?2 WHERE client_id = ?1");
        conn.prepare_cached(&sql)?.execute([from, to])?;
    }
    // What the retention rules did to the merged client counts for the kept one (their cool-down);
    // these rows have no id, so an undo leaves them with the kept client.
    if table_exists(conn, "retention_fires")? {
        conn.prepare_cached("UPDATE retention_fires SET client_id = ?2 WHERE client_id = ?1")?
            .execute([from, to])?;
    }
    Ok(moved)
}

/// Whether the schema has a table (for tables that a store may lack while it is being built).
fn table_exists(conn: &Connection, table: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
        .query_row([table], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The tables whose rows belong to a client and move with a merge. A new table with a `client_id`
/// must be added here and to [`Moved`].
const MOVED_TABLES: [&str; 9] = [
    "contacts",
    "leads",
    "deals",
    "activities",
    "orders",
    "tasks",
    "assignments",
    "promises",
    "complaints",
];

/// Moves the records a merge moved back from `kept` to `merged` (those still on `kept`).
pub(crate) fn move_back(
    conn: &Connection,
    moved: &Moved,
    kept: ClientId,
    merged: ClientId,
) -> Result<()> {
    let lists: [(&str, Vec<i64>); 9] = [
        ("contacts", moved.contacts.iter().map(|i| i.0).collect()),
        ("leads", moved.leads.iter().map(|i| i.0).collect()),
        ("deals", moved.deals.iter().map(|i| i.0).collect()),
        ("activities", moved.activities.iter().map(|i| i.0).collect()),
        ("orders", moved.orders.iter().map(|i| i.0).collect()),
        ("tasks", moved.tasks.iter().map(|i| i.0).collect()),
        (
            "assignments",
            moved.assignments.iter().map(|i| i.0).collect(),
        ),
        ("promises", moved.promises.iter().map(|i| i.0).collect()),
        ("complaints", moved.complaints.iter().map(|i| i.0).collect()),
    ];
    for (table, ids) in lists {
        let sql = format!("UPDATE {table} SET client_id = ?3 WHERE id = ?1 AND client_id = ?2");
        let mut stmt = conn.prepare_cached(&sql)?;
        for id in ids {
            stmt.execute(params![id, kept, merged])?;
        }
    }
    Ok(())
}

/// A client's segment memberships: (segment id, since).
pub(crate) fn memberships(conn: &Connection, id: ClientId) -> Result<Vec<(i64, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT segment_id, since FROM segment_members WHERE client_id = ?1 ORDER BY segment_id",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Puts memberships back (of segments that still exist).
pub(crate) fn restore_memberships(
    conn: &Connection,
    id: ClientId,
    rows: &[(i64, String)],
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO segment_members (segment_id, client_id, since)
         SELECT id, ?2, ?3 FROM segments WHERE id = ?1",
    )?;
    for (segment, since) in rows {
        stmt.execute(params![segment, id, since])?;
    }
    Ok(())
}

/// Deletes a client that has nothing left (its records were moved): its rows in the derived tables
/// and the client itself.
pub(crate) fn delete_client(conn: &Connection, id: ClientId) -> Result<()> {
    for table in [
        "client_keys",
        "client_tags",
        "client_rollups",
        "client_month_revenue",
        "segment_members",
    ] {
        let sql = format!("DELETE FROM {table} WHERE client_id = ?1");
        conn.prepare_cached(&sql)?.execute([id])?;
    }
    // The buying rhythm is derived from the orders (which moved): the kept client's is recomputed.
    if table_exists(conn, "client_rhythm")? {
        conn.prepare_cached("DELETE FROM client_rhythm WHERE client_id = ?1")?
            .execute([id])?;
    }
    conn.prepare_cached("DELETE FROM clients WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Deletes a contact (the one a merge made, when the merge is undone).
pub(crate) fn delete_contact(conn: &Connection, id: ContactId) -> Result<()> {
    conn.prepare_cached("DELETE FROM contacts WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// What an undo needs besides the public record: both clients as they were, the kept one as the merge
/// left it, and the merged one's segment memberships.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub kept_before: Client,
    pub kept_after: Client,
    pub merged: Client,
    pub memberships: Vec<(i64, String)>,
}

/// Records a merge and returns its id.
pub(crate) fn insert_merge(conn: &Connection, m: &Merge, snapshot: &Snapshot) -> Result<MergeId> {
    conn.prepare_cached(
        "INSERT INTO client_merges (kept_id, merged_id, at, record, snapshot) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        m.kept_id,
        m.merged_id,
        ts(&m.at),
        json(m)?,
        json(snapshot)?
    ])?;
    Ok(MergeId(conn.last_insert_rowid()))
}

fn merge_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Merge, Snapshot)> {
    let id: MergeId = row.get(0)?;
    let mut merge = row.get::<_, Json<Merge>>(1)?.0;
    merge.id = id;
    merge.undone_at = row.get::<_, Option<Time>>(3)?.map(|t| t.0);
    Ok((merge, row.get::<_, Json<Snapshot>>(2)?.0))
}

/// One merge with its snapshot.
pub(crate) fn merge_by_id(conn: &Connection, id: MergeId) -> Result<Option<(Merge, Snapshot)>> {
    Ok(conn
        .prepare_cached("SELECT id, record, snapshot, undone_at FROM client_merges WHERE id = ?1")?
        .query_row([id], merge_row)
        .optional()?)
}

/// Marks a merge undone.
pub(crate) fn set_undone(
    conn: &Connection,
    id: MergeId,
    at: &chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    conn.prepare_cached("UPDATE client_merges SET undone_at = ?2 WHERE id = ?1")?
        .execute(params![id, ts(at)])?;
    Ok(())
}

/// The merges a client took part in (kept or merged), or all; by id.
pub(crate) fn merges(conn: &Connection, client: Option<ClientId>) -> Result<Vec<Merge>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, record, snapshot, undone_at FROM client_merges
         WHERE ?1 IS NULL OR kept_id = ?1 OR merged_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([client], merge_row)?;
    Ok(rows
        .map(|r| r.map(|(m, _)| m))
        .collect::<rusqlite::Result<_>>()?)
}

/// The merge (not undone) that took this client away, if any.
pub(crate) fn merged_into(conn: &Connection, id: ClientId) -> Result<Option<(MergeId, ClientId)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, kept_id FROM client_merges WHERE merged_id = ?1 AND undone_at IS NULL
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}
