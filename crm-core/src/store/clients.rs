//! Clients and their contact persons.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{Day, Json, Time, json, ts};
use super::filter::Filter;
use crate::error::Result;
use crate::model::{Client, ClientId, ClientQuery, Contact, ContactId};
use crate::segment;

/// The normal forms of a record's phone, e-mail and tax id (only of valid values): its matching keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MatchKeys {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub tax_id: Option<String>,
}

pub(crate) const CLIENT_COLUMNS: &str = "id, kind, name, tax_id, tax_id_quality, phone, phone_quality, email, email_quality,
    website, industry, region, address, birth_date, owner_id, tags, attributes, external_ref, created_at,
    updated_at";

pub(crate) fn client(row: &Row<'_>) -> rusqlite::Result<Client> {
    Ok(Client {
        id: row.get(0)?,
        kind: row.get(1)?,
        name: row.get(2)?,
        tax_id: row.get(3)?,
        tax_id_quality: row.get(4)?,
        phone: row.get(5)?,
        phone_quality: row.get(6)?,
        email: row.get(7)?,
        email_quality: row.get(8)?,
        website: row.get(9)?,
        industry: row.get(10)?,
        region: row.get(11)?,
        address: row.get(12)?,
        birth_date: row.get::<_, Option<Day>>(13)?.map(|d| d.0),
        owner_id: row.get(14)?,
        tags: row.get::<_, Json<_>>(15)?.0,
        attributes: row.get::<_, Json<_>>(16)?.0,
        external_ref: row.get(17)?,
        created_at: row.get::<_, Time>(18)?.0,
        updated_at: row.get::<_, Time>(19)?.0,
    })
}

/// Inserts a client and returns its id. A client with id 0 gets a new id, above every id a client has
/// had, merged ones included (so an undone merge can always bring its client back under its old id);
/// any other id is used as given (an undone merge restoring a client).
pub(crate) fn insert(conn: &Connection, c: &Client, keys: &MatchKeys) -> Result<ClientId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO clients (kind, name, tax_id, tax_id_norm, tax_id_quality, phone, phone_norm, phone_quality,
                              email, email_norm, email_quality, website, industry, region, address, birth_date,
                              owner_id, tags, attributes, external_ref, created_at, updated_at, id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                 ?22, CASE WHEN ?23 > 0 THEN ?23 ELSE 1 + max(
                     coalesce((SELECT max(id) FROM clients), 0),
                     coalesce((SELECT max(merged_id) FROM client_merges), 0)) END)",
    )?;
    stmt.execute(params![
        c.kind,
        c.name,
        c.tax_id,
        keys.tax_id,
        c.tax_id_quality,
        c.phone,
        keys.phone,
        c.phone_quality,
        c.email,
        keys.email,
        c.email_quality,
        c.website,
        c.industry,
        c.region,
        c.address,
        c.birth_date.map(Day),
        c.owner_id,
        json(&c.tags)?,
        json(&c.attributes)?,
        c.external_ref,
        ts(&c.created_at),
        ts(&c.updated_at),
        c.id,
    ])?;
    let id = ClientId(conn.last_insert_rowid());
    replace_tags(conn, id, &c.tags)?;
    Ok(id)
}

/// Keeps `client_tags` (folded tags, for `has tag` lookups) in step with the client's tag list.
fn replace_tags(conn: &Connection, id: ClientId, tags: &[String]) -> Result<()> {
    conn.prepare_cached("DELETE FROM client_tags WHERE client_id = ?1")?
        .execute([id])?;
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO client_tags (tag, client_id) VALUES (?1, ?2)")?;
    for tag in tags {
        stmt.execute(params![segment::fold(tag), id])?;
    }
    Ok(())
}

/// Writes every field of a stored client.
pub(crate) fn update(conn: &Connection, c: &Client, keys: &MatchKeys) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE clients SET kind = ?2, name = ?3, tax_id = ?4, tax_id_norm = ?5, tax_id_quality = ?6, phone = ?7,
                            phone_norm = ?8, phone_quality = ?9, email = ?10, email_norm = ?11,
                            email_quality = ?12, website = ?13, industry = ?14, region = ?15, address = ?16,
                            birth_date = ?17, owner_id = ?18, tags = ?19, attributes = ?20, external_ref = ?21,
                            updated_at = ?22, created_at = ?23
         WHERE id = ?1",
    )?;
    stmt.execute(params![
        c.id,
        c.kind,
        c.name,
        c.tax_id,
        keys.tax_id,
        c.tax_id_quality,
        c.phone,
        keys.phone,
        c.phone_quality,
        c.email,
        keys.email,
        c.email_quality,
        c.website,
        c.industry,
        c.region,
        c.address,
        c.birth_date.map(Day),
        c.owner_id,
        json(&c.tags)?,
        json(&c.attributes)?,
        c.external_ref,
        ts(&c.updated_at),
        ts(&c.created_at),
    ])?;
    replace_tags(conn, c.id, &c.tags)?;
    Ok(())
}

/// One client.
pub(crate) fn by_id(conn: &Connection, id: ClientId) -> Result<Option<Client>> {
    let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], client)
        .optional()?)
}

/// The client with this ERP reference.
pub(crate) fn id_by_external_ref(
    conn: &Connection,
    external_ref: &str,
) -> Result<Option<ClientId>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM clients WHERE external_ref = ?1")?;
    Ok(stmt.query_row([external_ref], |r| r.get(0)).optional()?)
}

/// Whether the client exists.
pub(crate) fn exists(conn: &Connection, id: ClientId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM clients WHERE id = ?1")?
        .exists([id])?)
}

/// The statement and values of a client listing.
pub(crate) fn filter(q: &ClientQuery) -> Filter<'_> {
    Filter::new("clients", CLIENT_COLUMNS, q.page)
        .key("owner_id = ?", q.owner_id)
        .key("external_ref = ?", q.external_ref.as_deref())
        .check("kind = ?", q.kind)
        .check(
            "EXISTS (SELECT 1 FROM json_each(clients.tags) WHERE value = ?)",
            q.tag.as_deref(),
        )
}

/// A page of clients matching the query, by id.
pub(crate) fn list(conn: &Connection, q: &ClientQuery) -> Result<Vec<Client>> {
    filter(q).rows(conn, client)
}

pub(crate) fn contact(row: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: row.get(0)?,
        client_id: row.get(1)?,
        name: row.get(2)?,
        position: row.get(3)?,
        phones: row.get::<_, Json<_>>(4)?.0,
        emails: row.get::<_, Json<_>>(5)?.0,
        created_at: row.get::<_, Time>(6)?.0,
    })
}

/// Inserts a contact and returns the new id.
pub(crate) fn insert_contact(conn: &Connection, c: &Contact) -> Result<ContactId> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO contacts (client_id, name, position, phones, emails, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        c.client_id,
        c.name,
        c.position,
        json(&c.phones)?,
        json(&c.emails)?,
        ts(&c.created_at)
    ])?;
    Ok(ContactId(conn.last_insert_rowid()))
}

/// One contact.
pub(crate) fn contact_by_id(conn: &Connection, id: ContactId) -> Result<Option<Contact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, client_id, name, position, phones, emails, created_at FROM contacts WHERE id = ?1",
    )?;
    Ok(stmt.query_row([id], contact).optional()?)
}

/// A client's contacts, by id.
pub(crate) fn contacts_of(conn: &Connection, client_id: ClientId) -> Result<Vec<Contact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, client_id, name, position, phones, emails, created_at FROM contacts
         WHERE client_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([client_id], contact)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
