//! Import of spreadsheets into the store: rows become clients, contacts, leads or orders through the
//! usual commands (so validation, matching keys and events are the usual ones), each row in a
//! savepoint of its own, the whole import in one transaction, as one batch that can be undone.
//!
//! Reading the file (encoding, delimiter, header row, column guesses, local dates and decimals) is
//! [`crate::import`]'s; this file decides what each row does to the store.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::json;

use super::{Crm, Session, Transaction, load_client, log, refresh_keys};
use crate::dedup::{matching, normalize};
use crate::error::{Error, ErrorKind, Result};
use crate::import::{Table, mapping, read, values};
use crate::model::{
    Channel, Client, ClientId, ClientKind, ClientPatch, ColumnMapping, Contact, ContactId,
    ImportBatch, ImportId, ImportKind, ImportOptions, ImportReport, JunkKind, LeadId, LeadStatus,
    ManagerId, MatchKey, Money, NewClient, NewContact, NewLead, NewOrder, NewSource, OnConflict,
    Order, OrderId, OrderLine, OrderStatus, RowConflict, RowError, RowOutcome, RowStatus, SourceId,
    UndoBlock, UndoReport,
};
use crate::store::{catalog, clients, dedup, imports as store, leads, orders};
use crate::validate;

super::facade! {
    writes {
        /// Undoes an import: removes the clients, contacts and orders it created (the clients'
        /// rollups recomputed), closes the leads it created as junk (`test`; a lead's history is
        /// append-only), and gives the records it updated back their values from before (through
        /// the normal update, so events and matching keys follow). Sources it created stay (the
        /// closed leads keep them). When later changes depend on the import — a record it made that
        /// something else now refers to, or a record it touched that changed after it — nothing is
        /// undone and the report lists each blocking record (`undone: false`). The event is `undone`
        /// on `import`. Undoing an undone import is an invalid transition; an unknown id is not found.
        fn undo_import(id: ImportId, at: DateTime<Utc>) -> UndoReport;
    }
    reads {
        /// One import batch.
        fn get_import(id: ImportId) -> ImportBatch;
        /// Every import batch, by id.
        fn list_imports() -> Vec<ImportBatch>;
    }
}

// `import` and `import_file` are written out rather than listed in `facade!`: on `Crm` the import is
// the transaction itself (a dry run or a cancel rolls it back), while inside a caller's `Transaction` it
// needs a savepoint of its own around the rows' savepoints. SQLite releases a row's savepoint in time
// that grows with everything written since the outer savepoint opened, so the first form is the one
// for big files (a million rows); the second is quadratic and meant for small ones.
impl Crm {
    /// Imports a spreadsheet (CSV in UTF-8 or Windows-1251, any common delimiter; or XLSX) of
    /// `options.kind`: one command, one transaction, each row in a savepoint of its own so a bad row
    /// leaves nothing of itself and never stops the good ones (unless `all_or_nothing`).
    ///
    /// Columns are mapped by `options.mapping` (header → field), the rest guessed from their
    /// headers; a mapping naming an unknown field or a header not in the file, or a file of clients
    /// or contacts without a `name` column, is a validation error on `mapping` before anything is
    /// written. Clients are upserted by the `match_on` keys (normalised as duplicates are: the
    /// phone `067 123 45 67` is `+380671234567`): an existing client gets the fields it lacks, a
    /// different stored value is reported as a conflict (and written only with
    /// `on_conflict: overwrite`); a row whose keys point at different clients fails and names
    /// them. Contacts and orders find their client by `client_ref`, tax id, e-mail, phone or a
    /// unique name; leads go through [`Crm::capture_lead`] (idempotent by `external_ref`); orders
    /// through [`Crm::record_order`] (rows with the same `external_ref` make one order).
    ///
    /// `progress(done, total)` is called after each chunk of rows (about every 1%, at least every
    /// 10 000 rows) and once at the end with `(total, total)`; returning `false` cancels: nothing
    /// is written and the report says `cancelled`. A dry run reports exactly what the import would
    /// do and writes nothing. A committed import is a batch ([`Crm::get_import`]) with an `import`
    /// event (`created`) carrying its figures; [`Crm::undo_import`] takes it back.
    pub fn import(
        &self,
        data: &[u8],
        options: &ImportOptions,
        at: DateTime<Utc>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<ImportReport> {
        self.write_keep(|s| s.import_run(data, options, options.file_name.as_deref(), at, progress))
    }

    /// [`Crm::import`] of a file; the batch's `file_name` is the file's name unless
    /// `options.file_name` is given. An unreadable file is [`Error::Io`].
    pub fn import_file(
        &self,
        path: &Path,
        options: &ImportOptions,
        at: DateTime<Utc>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<ImportReport> {
        let (data, name) = read_file(path, options)?;
        self.write_keep(|s| s.import_run(&data, options, name.as_deref(), at, progress))
    }
}

impl Transaction<'_> {
    /// [`Crm::import`] inside the caller's transaction (in a savepoint of its own, so a dry run, a
    /// cancel or an all-or-nothing failure leaves the rest of the transaction as it was). Its time grows
    /// with the square of the rows: for big files use [`Crm::import`].
    pub fn import(
        &self,
        data: &[u8],
        options: &ImportOptions,
        at: DateTime<Utc>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<ImportReport> {
        self.command(|s| s.import_nested(data, options, options.file_name.as_deref(), at, progress))
    }

    /// [`Crm::import_file`] inside the caller's transaction (see [`Transaction::import`]).
    pub fn import_file(
        &self,
        path: &Path,
        options: &ImportOptions,
        at: DateTime<Utc>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<ImportReport> {
        let (data, name) = read_file(path, options)?;
        self.command(|s| s.import_nested(&data, options, name.as_deref(), at, progress))
    }
}

/// A file's bytes and the name its batch gets (`options.file_name`, else the file's own name).
fn read_file(path: &Path, options: &ImportOptions) -> Result<(Vec<u8>, Option<String>)> {
    if path.as_os_str().is_empty() {
        return Err(Error::validation("path", "must not be empty"));
    }
    let data = std::fs::read(path)?;
    let name = options
        .file_name
        .clone()
        .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()));
    Ok((data, name))
}

/// Rows between two progress calls at most.
const MAX_CHUNK: u64 = 10_000;

impl Session<'_> {
    /// The import as one run: its report, and whether what it wrote is to be kept (not for a dry
    /// run, a cancel or an all-or-nothing failure). The caller commits or rolls back.
    fn import_run(
        &self,
        data: &[u8],
        options: &ImportOptions,
        file_name: Option<&str>,
        at: DateTime<Utc>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<(ImportReport, bool)> {
        let at = validate::time("at", at)?;
        let kind = options.kind;
        let known = mapping::fields(kind);
        for (header, field) in &options.mapping {
            if !field.is_empty() && !known.contains(&field.as_str()) {
                return Err(Error::validation(
                    "mapping",
                    format!(
                        "column {header:?}: {field:?} is not a field of {kind} (fields: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        let table = read::read_table(
            data,
            kind,
            &read::ReadOptions {
                encoding: options.encoding.clone(),
                delimiter: options.delimiter,
                sheet: options.sheet.clone(),
                header_row: options.header_row,
            },
        )?;
        let columns = map_columns(kind, &table, options)?;
        let mut engine = Engine::new(self, options, &table, columns, at)?;
        let keep = engine.run(file_name, progress)?;
        Ok((engine.report, keep))
    }

    /// [`Self::import_run`] in a savepoint of its own: for an import inside a caller's transaction.
    fn import_nested(
        &self,
        data: &[u8],
        options: &ImportOptions,
        file_name: Option<&str>,
        at: DateTime<Utc>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<ImportReport> {
        store::begin_all(self.conn)?;
        match self.import_run(data, options, file_name, at, progress) {
            Ok((report, keep)) => {
                store::end_all(self.conn, keep)?;
                Ok(report)
            }
            Err(e) => {
                if crate::store::in_transaction(self.conn) {
                    let _ = store::end_all(self.conn, false);
                }
                Err(e)
            }
        }
    }

    pub(crate) fn get_import(&self, id: ImportId) -> Result<ImportBatch> {
        store::batch_by_id(self.conn, id)?
            .map(|(b, _)| b)
            .ok_or_else(|| Error::not_found("import", id))
    }

    pub(crate) fn list_imports(&self) -> Result<Vec<ImportBatch>> {
        store::batches(self.conn)
    }

    pub(crate) fn undo_import(&self, id: ImportId, at: DateTime<Utc>) -> Result<UndoReport> {
        let at = validate::time("at", at)?;
        let tx = self.conn;
        let (batch, last_seq) =
            store::batch_by_id(tx, id)?.ok_or_else(|| Error::not_found("import", id))?;
        if batch.undone_at.is_some() {
            return Err(Error::InvalidTransition {
                entity: "import",
                from: "undone".into(),
                to: "undone".into(),
            });
        }
        let items = store::items_of(tx, id)?;
        let created: HashSet<(&str, i64)> = items
            .iter()
            .filter(|i| i.created)
            .map(|i| (i.entity.as_str(), i.entity_id))
            .collect();
        let blocked = self.undo_blocks(&items, &created, last_seq)?;
        let mut report = UndoReport {
            batch_id: id,
            undone: false,
            removed: 0,
            restored: 0,
            blocked,
        };
        if !report.blocked.is_empty() {
            return Ok(report);
        }
        let country = dedup::settings(tx)?.default_country;
        let mut rollups: BTreeSet<ClientId> = BTreeSet::new();
        let mut rekey: BTreeSet<ClientId> = BTreeSet::new();
        let mut doomed: Vec<ClientId> = Vec::new();
        let data = json!({ "import": id.0 });
        for item in items.iter().rev() {
            let entity_id = item.entity_id;
            match (item.entity.as_str(), item.created) {
                ("order", true) => {
                    if let Some(order) = orders::by_id(tx, OrderId(entity_id))? {
                        store::delete_order(tx, order.id)?;
                        rollups.insert(order.client_id);
                        log(tx, at, self.actor, "order", entity_id, "deleted", &data)?;
                        report.removed += 1;
                    }
                }
                ("contact", true) => {
                    if let Some(contact) = clients::contact_by_id(tx, ContactId(entity_id))? {
                        dedup::delete_contact(tx, contact.id)?;
                        rekey.insert(contact.client_id);
                        log(tx, at, self.actor, "contact", entity_id, "deleted", &data)?;
                        report.removed += 1;
                    }
                }
                ("lead", true) => {
                    let lead = self.get_lead(LeadId(entity_id))?;
                    if !matches!(
                        lead.status,
                        LeadStatus::Junk | LeadStatus::Lost | LeadStatus::Converted
                    ) {
                        let note = format!("import {id} undone");
                        self.junk_lead(lead.id, JunkKind::Test, Some(&note), at)?;
                    }
                    report.removed += 1;
                }
                ("client", true) => doomed.push(ClientId(entity_id)),
                ("client", false) if !created.contains(&("client", entity_id)) => {
                    let before: Client = from_json(item.before.as_deref())?;
                    self.update_client(before.id, patch_back(before), at)?;
                    report.restored += 1;
                }
                ("contact", false) if !created.contains(&("contact", entity_id)) => {
                    let before: Contact = from_json(item.before.as_deref())?;
                    store::update_contact(tx, &before)?;
                    rekey.insert(before.client_id);
                    log(tx, at, self.actor, "contact", entity_id, "updated", &before)?;
                    report.restored += 1;
                }
                _ => {}
            }
        }
        for client in &doomed {
            rollups.remove(client);
            rekey.remove(client);
            store::delete_client(tx, *client)?;
            log(tx, at, self.actor, "client", client.0, "deleted", &data)?;
            report.removed += 1;
        }
        for client in rollups {
            orders::rebuild_rollups(tx, client)?;
        }
        for client in rekey {
            if let Some(client) = clients::by_id(tx, client)? {
                refresh_keys(tx, &client, &country)?;
            }
        }
        store::set_undone(tx, id, &at)?;
        report.undone = true;
        log(tx, at, self.actor, "import", id.0, "undone", &report)?;
        Ok(report)
    }

    /// What keeps an import from being undone: records it touched that changed after it, and
    /// records it made that something outside it refers to. Sorted by entity, then id.
    fn undo_blocks(
        &self,
        items: &[store::Item],
        created: &HashSet<(&str, i64)>,
        last_seq: i64,
    ) -> Result<Vec<UndoBlock>> {
        let tx = self.conn;
        let mut refs: HashMap<&str, Vec<(String, String)>> = HashMap::new();
        let mut blocked: BTreeSet<(String, i64, String)> = BTreeSet::new();
        let mut seen: HashSet<(&str, i64)> = HashSet::new();
        for item in items {
            let entity = item.entity.as_str();
            if entity == "source" || !seen.insert((entity, item.entity_id)) {
                continue;
            }
            if let Some(seq) = store::event_after(tx, entity, item.entity_id, last_seq)? {
                blocked.insert((
                    entity.to_string(),
                    item.entity_id,
                    format!("changed after the import (event {seq})"),
                ));
                continue;
            }
            if !created.contains(&(entity, item.entity_id)) {
                continue;
            }
            let (table, derived): (&str, &[&str]) = match entity {
                "client" => (
                    "clients",
                    &[
                        "client_keys",
                        "client_tags",
                        "client_rollups",
                        "client_month_revenue",
                        "segment_members",
                        "client_rhythm",
                        "assignments",
                    ],
                ),
                "contact" => ("contacts", &[]),
                "lead" => ("leads", &["lead_transitions", "assignments"]),
                "order" => ("orders", &["order_lines"]),
                _ => continue,
            };
            if !refs.contains_key(table) {
                refs.insert(table, store::references_to(tx, table)?);
            }
            for (other, column) in refs.get(table).into_iter().flatten() {
                if derived.contains(&other.as_str()) {
                    continue;
                }
                let own = match other.as_str() {
                    "clients" => "client",
                    "contacts" => "contact",
                    "leads" => "lead",
                    "orders" => "order",
                    _ => "",
                };
                let rows = store::referring_rows(tx, other, column, item.entity_id)?;
                if let Some(row) = rows.iter().find(|r| !created.contains(&(own, **r))) {
                    blocked.insert((
                        entity.to_string(),
                        item.entity_id,
                        format!("{other} {row} refers to it ({column})"),
                    ));
                }
            }
        }
        Ok(blocked
            .into_iter()
            .map(|(entity, id, reason)| UndoBlock { entity, id, reason })
            .collect())
    }
}

fn from_json<T: serde::de::DeserializeOwned>(text: Option<&str>) -> Result<T> {
    serde_json::from_str(text.unwrap_or("null"))
        .map_err(|e| Error::Corrupt(format!("import item: {e}")))
}

/// A patch that gives a client every value it had.
fn patch_back(c: Client) -> ClientPatch {
    ClientPatch {
        kind: Some(c.kind),
        name: Some(c.name),
        tax_id: Some(c.tax_id),
        phone: Some(c.phone),
        email: Some(c.email),
        website: Some(c.website),
        industry: Some(c.industry),
        region: Some(c.region),
        address: Some(c.address),
        birth_date: Some(c.birth_date),
        owner_id: Some(c.owner_id),
        tags: Some(c.tags),
        attributes: Some(c.attributes),
        external_ref: Some(c.external_ref),
    }
}

/// The column mapping: the given one first, the rest guessed; each field read from one column only
/// (a given column wins, then the leftmost guess).
fn map_columns(
    kind: ImportKind,
    table: &Table,
    options: &ImportOptions,
) -> Result<Vec<ColumnMapping>> {
    let known = mapping::fields(kind);
    for header in options.mapping.keys() {
        if !table.headers.iter().any(|h| h == header) {
            return Err(Error::validation(
                "mapping",
                format!(
                    "the file has no column {header:?} (its headers: {})",
                    quoted(&table.headers)
                ),
            ));
        }
    }
    let guessed = mapping::guess(kind, &table.headers);
    let given: HashSet<&str> = options
        .mapping
        .values()
        .map(String::as_str)
        .filter(|f| !f.is_empty())
        .collect();
    let mut taken: HashSet<&str> = HashSet::new();
    let mut columns = Vec::with_capacity(table.headers.len());
    for (i, header) in table.headers.iter().enumerate() {
        let (field, was_guessed) = match options.mapping.get(header) {
            Some(field) => (known.iter().find(|k| **k == field.as_str()).copied(), false),
            None => (
                guessed
                    .get(i)
                    .copied()
                    .flatten()
                    .filter(|f| !given.contains(f)),
                true,
            ),
        };
        let field = field.filter(|f| taken.insert(f));
        columns.push(ColumnMapping {
            column: u32::try_from(i).unwrap_or(u32::MAX),
            header: header.clone(),
            field: field.map(str::to_string),
            guessed: was_guessed && field.is_some(),
        });
    }
    if matches!(kind, ImportKind::Clients | ImportKind::Contacts)
        && !columns.iter().any(|c| c.field.as_deref() == Some("name"))
    {
        return Err(Error::validation(
            "mapping",
            format!(
                "no column for the name of the {kind} (headers seen: {}); map one to \"name\"",
                quoted(&table.headers)
            ),
        ));
    }
    Ok(columns)
}

fn quoted(headers: &[String]) -> String {
    headers
        .iter()
        .map(|h| format!("{h:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row's cells as the fields they fill.
struct Cells<'t> {
    row: u64,
    cells: &'t [String],
}

/// The import of one table: what it reads once (managers, sources, settings) and the report so far.
struct Engine<'a, 's> {
    s: &'a Session<'s>,
    table: &'a Table,
    options: &'a ImportOptions,
    at: DateTime<Utc>,
    batch: ImportId,
    country: String,
    /// The most clients one matching key may point at before it is taken as ambiguous (the
    /// duplicate settings' `key_limit`).
    key_limit: u32,
    keys: Vec<MatchKey>,
    /// field → column.
    col: HashMap<&'static str, usize>,
    /// Managers by folded name, and their ids.
    managers: HashMap<String, ManagerId>,
    manager_ids: HashSet<ManagerId>,
    /// Sources by folded name (those created by rows not yet kept are in `new_sources`).
    sources: HashMap<String, SourceId>,
    new_sources: Vec<(String, SourceId)>,
    /// Clients by folded name, read when first needed.
    names: Option<HashMap<String, Vec<ClientId>>>,
    report: ImportReport,
}

/// What a row came to, when it did not fail.
struct Done {
    status: RowStatus,
    id: Option<i64>,
}

fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}

impl<'a, 's> Engine<'a, 's> {
    fn new(
        s: &'a Session<'s>,
        options: &'a ImportOptions,
        table: &'a Table,
        columns: Vec<ColumnMapping>,
        at: DateTime<Utc>,
    ) -> Result<Self> {
        let known = mapping::fields(options.kind);
        let mut col = HashMap::new();
        for c in &columns {
            if let Some(field) = c.field.as_deref() {
                if let Some(k) = known.iter().find(|k| **k == field) {
                    col.insert(*k, c.column as usize);
                }
            }
        }
        let mut managers = HashMap::new();
        let mut manager_ids = HashSet::new();
        for m in catalog::managers(s.conn)? {
            managers.entry(fold(&m.name)).or_insert(m.id);
            manager_ids.insert(m.id);
        }
        let mut sources = HashMap::new();
        if options.kind == ImportKind::Leads {
            for source in catalog::sources(s.conn)? {
                sources.entry(fold(&source.name)).or_insert(source.id);
            }
        }
        let report = ImportReport {
            batch_id: None,
            kind: options.kind,
            dry_run: options.dry_run,
            committed: false,
            cancelled: false,
            total: table.rows.len() as u64,
            created: 0,
            updated: 0,
            unchanged: 0,
            skipped: 0,
            failed: 0,
            rows: Vec::with_capacity(table.rows.len()),
            errors: Vec::new(),
            conflicts: Vec::new(),
            columns,
            encoding: table.encoding.clone(),
            delimiter: table.delimiter,
            header_row: table.header_row,
        };
        let settings = dedup::settings(s.conn)?;
        Ok(Engine {
            s,
            table,
            options,
            at,
            batch: ImportId(0),
            country: settings.default_country,
            key_limit: settings.key_limit,
            keys: options.match_keys(),
            col,
            managers,
            manager_ids,
            sources,
            new_sources: Vec::new(),
            names: None,
            report,
        })
    }

    /// Imports every row; returns whether to keep what was written.
    fn run(
        &mut self,
        file_name: Option<&str>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<bool> {
        let options_json =
            serde_json::to_string(self.options).map_err(|e| Error::Corrupt(e.to_string()))?;
        self.batch = store::insert_batch(
            self.s.conn,
            self.options.kind,
            file_name,
            &self.at,
            self.s.actor,
            &options_json,
        )?;
        let total = self.report.total;
        let chunk = (total / 100).clamp(1, MAX_CHUNK);
        let mut next = chunk;
        let mut done = 0_u64;
        let groups = self.groups();
        for group in groups {
            done += group.len() as u64;
            if self.options.kind == ImportKind::Orders {
                self.order(&group)?;
            } else {
                self.single(group[0])?;
            }
            if done >= next && done < total {
                next = done + chunk;
                if !progress(done, total) {
                    return Ok(self.cancel());
                }
            }
        }
        if !progress(total, total) {
            return Ok(self.cancel());
        }
        // Orders report their rows together; the report lists them in file order (stable sorts).
        self.report.rows.sort_by_key(|r| r.row);
        self.report.errors.sort_by_key(|e| e.row);
        self.report.conflicts.sort_by_key(|c| c.row);
        let r = &self.report;
        let counts = store::Counts {
            total: r.total,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            skipped: r.skipped,
            failed: r.failed,
        };
        let seq = log(
            self.s.conn,
            self.at,
            self.s.actor,
            "import",
            self.batch.0,
            "created",
            &json!({
                "kind": self.options.kind,
                "file_name": file_name,
                "total": counts.total,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "skipped": counts.skipped,
                "failed": counts.failed,
            }),
        )?;
        store::finish_batch(self.s.conn, self.batch, &counts, seq)?;
        let keep =
            !(self.options.dry_run || (self.options.all_or_nothing && self.report.failed > 0));
        self.report.committed = keep;
        self.report.batch_id = keep.then_some(self.batch);
        Ok(keep)
    }

    fn cancel(&mut self) -> bool {
        self.report.cancelled = true;
        self.report.committed = false;
        self.report.batch_id = None;
        false
    }

    /// The rows to import together, as indexes into the table, in file order: one row each, except
    /// orders, whose rows with the same `external_ref` form one group (at the first one's place).
    fn groups(&self) -> Vec<Vec<usize>> {
        let rows = &self.table.rows;
        if self.options.kind != ImportKind::Orders {
            return (0..rows.len()).map(|i| vec![i]).collect();
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut by_ref: HashMap<String, usize> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            let key = self
                .col
                .get("external_ref")
                .and_then(|c| row.cells.get(*c))
                .and_then(|t| values::clean(t));
            match key {
                Some(key) => match by_ref.get(&key) {
                    Some(g) => groups[*g].push(i),
                    None => {
                        by_ref.insert(key, groups.len());
                        groups.push(vec![i]);
                    }
                },
                None => groups.push(vec![i]),
            }
        }
        groups
    }

    fn entity(&self) -> &'static str {
        match self.options.kind {
            ImportKind::Clients => "client",
            ImportKind::Contacts => "contact",
            ImportKind::Leads => "lead",
            ImportKind::Orders => "order",
        }
    }

    fn header_of(&self, field: &str) -> Option<String> {
        self.col
            .get(field)
            .and_then(|c| self.table.headers.get(*c))
            .cloned()
    }

    fn text(&self, c: &Cells<'_>, field: &str) -> Option<String> {
        self.col
            .get(field)
            .and_then(|i| c.cells.get(*i))
            .and_then(|t| values::clean(t))
    }

    /// Reads a cell with `parse`; a cell that does not parse is an error of the row.
    fn parsed<T>(
        &self,
        c: &Cells<'_>,
        field: &str,
        errors: &mut Vec<RowError>,
        parse: impl FnOnce(&Self, &str) -> std::result::Result<T, String>,
    ) -> Option<T> {
        let text = self.text(c, field)?;
        match parse(self, &text) {
            Ok(v) => Some(v),
            Err(message) => {
                errors.push(RowError {
                    row: c.row,
                    column: self.header_of(field),
                    field: Some(field.to_string()),
                    message,
                });
                None
            }
        }
    }

    fn manager(&self, text: &str) -> std::result::Result<ManagerId, String> {
        if let Ok(id) = text.parse::<i64>() {
            if self.manager_ids.contains(&ManagerId(id)) {
                return Ok(ManagerId(id));
            }
        }
        self.managers
            .get(&fold(text))
            .copied()
            .ok_or_else(|| format!("no manager named {text:?}"))
    }

    fn push(&mut self, row: u64, status: RowStatus, id: Option<i64>) {
        match status {
            RowStatus::Created => self.report.created += 1,
            RowStatus::Updated => self.report.updated += 1,
            RowStatus::Unchanged => self.report.unchanged += 1,
            RowStatus::Skipped => self.report.skipped += 1,
            RowStatus::Failed => self.report.failed += 1,
        }
        let entity = self.entity().to_string();
        self.report.rows.push(RowOutcome {
            row,
            status,
            entity,
            id,
        });
    }

    fn error_of(&self, row: u64, e: &Error) -> RowError {
        let field = e.field().map(str::to_string);
        let column = field
            .as_deref()
            .and_then(|f| self.header_of(f.split('[').next().unwrap_or(f)));
        // The field is its own member: the message is the rule alone, as for a cell that did not parse.
        let message = match e {
            Error::Validation { rule, .. } => rule.clone(),
            Error::Expression { message, .. } => message.clone(),
            other => other.to_string(),
        };
        RowError {
            row,
            column,
            field,
            message,
        }
    }

    /// Runs `write` in a savepoint of its own: kept when it succeeds, rolled back when it fails (a
    /// storage failure stops the import).
    fn in_savepoint(
        &mut self,
        row: u64,
        write: impl FnOnce(&mut Self, &mut Vec<RowConflict>) -> Result<Done>,
    ) -> Result<std::result::Result<(Done, Vec<RowConflict>), RowError>> {
        store::begin_row(self.s.conn)?;
        let mut conflicts = Vec::new();
        match write(self, &mut conflicts) {
            Ok(done) => {
                store::end_row(self.s.conn, true)?;
                for (name, id) in self.new_sources.drain(..) {
                    self.sources.insert(name, id);
                }
                Ok(Ok((done, conflicts)))
            }
            Err(e) if e.kind() == ErrorKind::Storage => Err(e),
            Err(e) => {
                store::end_row(self.s.conn, false)?;
                self.new_sources.clear();
                Ok(Err(self.error_of(row, &e)))
            }
        }
    }

    /// Imports one row of clients, contacts or leads.
    fn single(&mut self, index: usize) -> Result<()> {
        let table = self.table;
        let row = &table.rows[index];
        let cells = Cells {
            row: row.row,
            cells: &row.cells,
        };
        let mut errors = Vec::new();
        let outcome = match self.options.kind {
            ImportKind::Clients => {
                let r = self.client_row(&cells, &mut errors);
                if !errors.is_empty() {
                    None
                } else {
                    Some(self.in_savepoint(cells.row, |e, c| e.write_client(cells.row, &r, c))?)
                }
            }
            ImportKind::Contacts => {
                let r = self.contact_row(&cells, &mut errors);
                if !errors.is_empty() {
                    None
                } else {
                    Some(self.in_savepoint(cells.row, |e, c| e.write_contact(cells.row, &r, c))?)
                }
            }
            ImportKind::Leads | ImportKind::Orders => {
                let r = self.lead_row(&cells, &mut errors);
                if !errors.is_empty() {
                    None
                } else {
                    Some(self.in_savepoint(cells.row, |e, _| e.write_lead(cells.row, r))?)
                }
            }
        };
        self.finish_rows(&[cells.row], errors, outcome);
        Ok(())
    }

    /// Records what came of rows imported together.
    fn finish_rows(
        &mut self,
        rows: &[u64],
        errors: Vec<RowError>,
        outcome: Option<std::result::Result<(Done, Vec<RowConflict>), RowError>>,
    ) {
        match outcome {
            None => {
                let failed: HashSet<u64> = errors.iter().map(|e| e.row).collect();
                self.report.errors.extend(errors);
                for row in rows {
                    if !failed.contains(row) {
                        self.report.errors.push(RowError {
                            row: *row,
                            column: None,
                            field: None,
                            message: "another row of the same order failed".into(),
                        });
                    }
                    self.push(*row, RowStatus::Failed, None);
                }
            }
            Some(Err(error)) => {
                for row in rows {
                    let mut e = error.clone();
                    e.row = *row;
                    self.report.errors.push(e);
                    self.push(*row, RowStatus::Failed, None);
                }
            }
            Some(Ok((done, conflicts))) => {
                self.report.conflicts.extend(conflicts);
                for row in rows {
                    self.push(*row, done.status, done.id);
                }
            }
        }
    }

    // --- clients ---------------------------------------------------------------------------------

    fn client_row(&self, c: &Cells<'_>, errors: &mut Vec<RowError>) -> ClientRow {
        ClientRow {
            external_ref: self.text(c, "external_ref"),
            kind: self.parsed(c, "kind", errors, |_, t| client_kind(t)),
            name: self.text(c, "name"),
            tax_id: self.text(c, "tax_id"),
            phone: self.text(c, "phone"),
            email: self.text(c, "email"),
            website: self.text(c, "website"),
            industry: self.text(c, "industry"),
            region: self.text(c, "region"),
            address: self.text(c, "address"),
            birth_date: self.parsed(c, "birth_date", errors, |_, t| values::parse_date(t)),
            owner: self.parsed(c, "owner", errors, Self::manager),
            tags: self
                .text(c, "tags")
                .map(|t| {
                    t.split([',', ';'])
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            contact_name: self.text(c, "contact_name"),
            contact_position: self.text(c, "contact_position"),
        }
    }

    /// The clients a matching key points at (`None`: no such key in the row).
    fn by_key(&self, key: Option<String>) -> Result<Vec<ClientId>> {
        let Some(key) = key else {
            return Ok(Vec::new());
        };
        match dedup::clients_with_key(self.s.conn, &key, self.key_limit)? {
            Some(ids) => Ok(ids),
            None => Err(Error::Conflict(format!(
                "the key {key} is shared by more than {} clients",
                self.key_limit
            ))),
        }
    }

    fn tax_key(&self, t: Option<&str>) -> Option<String> {
        t.and_then(|t| normalize::tax_id(t).normal)
            .map(|n| matching::tax_key(&n))
    }

    fn email_key(&self, e: Option<&str>) -> Option<String> {
        e.and_then(|e| normalize::email(e).normal)
            .map(|n| matching::email_key(&n))
    }

    fn phone_key(&self, p: Option<&str>) -> Option<String> {
        p.and_then(|p| normalize::phone_in(p, &self.country).normal)
            .map(|n| matching::phone_key(&n))
    }

    /// The stored client a row describes, by the match keys in order; a row whose keys point at
    /// different clients is a conflict naming them.
    fn find_client(&self, r: &ClientRow) -> Result<Option<ClientId>> {
        let mut found: Vec<(ClientId, MatchKey)> = Vec::new();
        for key in &self.keys {
            let ids = match key {
                MatchKey::ExternalRef => match r.external_ref.as_deref() {
                    Some(x) => clients::id_by_external_ref(self.s.conn, x)?
                        .into_iter()
                        .collect(),
                    None => Vec::new(),
                },
                MatchKey::TaxId => self.by_key(self.tax_key(r.tax_id.as_deref()))?,
                MatchKey::Email => self.by_key(self.email_key(r.email.as_deref()))?,
                MatchKey::Phone => self.by_key(self.phone_key(r.phone.as_deref()))?,
            };
            for id in ids {
                if !found.iter().any(|(f, _)| *f == id) {
                    found.push((id, *key));
                }
            }
        }
        match found.as_slice() {
            [] => Ok(None),
            [(id, _)] => Ok(Some(*id)),
            _ => Err(Error::Conflict(format!(
                "the row matches different clients: {} (not merged; merge them first or fix the row)",
                found
                    .iter()
                    .map(|(id, key)| format!("client {id} by {key}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn write_client(
        &mut self,
        row: u64,
        r: &ClientRow,
        conflicts: &mut Vec<RowConflict>,
    ) -> Result<Done> {
        let Some(name) = r.name.clone() else {
            return Err(Error::validation("name", "is required"));
        };
        let (tx, at) = (self.s.conn, self.at);
        let Some(id) = self.find_client(r)? else {
            let client = self.s.add_client(
                NewClient {
                    kind: r.kind,
                    name,
                    tax_id: r.tax_id.clone(),
                    phone: r.phone.clone(),
                    email: r.email.clone(),
                    website: r.website.clone(),
                    industry: r.industry.clone(),
                    region: r.region.clone(),
                    address: r.address.clone(),
                    birth_date: r.birth_date,
                    owner_id: r.owner,
                    tags: r.tags.clone(),
                    attributes: serde_json::Value::Null,
                    external_ref: r.external_ref.clone(),
                },
                at,
            )?;
            store::insert_item(tx, self.batch, row, "client", client.id.0, "created", None)?;
            if let Some(contact) = &r.contact_name {
                self.add_contact(row, client.id, contact, r)?;
            }
            return Ok(Done {
                status: RowStatus::Created,
                id: Some(client.id.0),
            });
        };
        let old = load_client(tx, id)?;
        let mut d = Diff {
            row,
            id: id.0,
            overwrite: self.options.on_conflict == OnConflict::Overwrite,
            conflicts,
            changed: false,
        };
        let country = self.country.clone();
        let mut patch = ClientPatch::default();
        if d.text("name", Some(&old.name), Some(&name), same_name) {
            patch.name = Some(name);
        }
        let kind = r.kind.map(ClientKind::as_str);
        if d.text("kind", Some(old.kind.as_str()), kind, same_text) {
            patch.kind = r.kind;
        }
        let fill = |d: &mut Diff<'_>,
                    field: &str,
                    stored: &Option<String>,
                    incoming: &Option<String>,
                    same: &dyn Fn(&str, &str) -> bool| {
            d.text(field, stored.as_deref(), incoming.as_deref(), same)
                .then(|| incoming.clone())
        };
        patch.tax_id = fill(&mut d, "tax_id", &old.tax_id, &r.tax_id, &|a, b| {
            same_norm(a, b, |t| normalize::tax_id(t).normal)
        });
        patch.phone = fill(&mut d, "phone", &old.phone, &r.phone, &|a, b| {
            same_norm(a, b, |t| normalize::phone_in(t, &country).normal)
        });
        patch.email = fill(&mut d, "email", &old.email, &r.email, &|a, b| {
            same_norm(a, b, |t| normalize::email(t).normal)
        });
        patch.website = fill(&mut d, "website", &old.website, &r.website, &same_text);
        patch.industry = fill(&mut d, "industry", &old.industry, &r.industry, &same_text);
        patch.region = fill(&mut d, "region", &old.region, &r.region, &same_text);
        patch.address = fill(&mut d, "address", &old.address, &r.address, &same_text);
        patch.external_ref = fill(
            &mut d,
            "external_ref",
            &old.external_ref,
            &r.external_ref,
            &same_text,
        );
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
        if d.text(
            "birth_date",
            day(old.birth_date).as_deref(),
            day(r.birth_date).as_deref(),
            same_text,
        ) {
            patch.birth_date = Some(r.birth_date);
        }
        let owner = |o: Option<ManagerId>| o.map(|o| o.to_string());
        if d.text(
            "owner",
            owner(old.owner_id).as_deref(),
            owner(r.owner).as_deref(),
            same_text,
        ) {
            patch.owner_id = Some(r.owner);
        }
        let folded: HashSet<String> = old.tags.iter().map(|t| fold(t)).collect();
        let extra: Vec<String> = r
            .tags
            .iter()
            .filter(|t| !folded.contains(&fold(t)))
            .cloned()
            .collect();
        if !extra.is_empty() {
            let mut tags = old.tags.clone();
            tags.extend(extra);
            patch.tags = Some(tags);
            d.changed = true;
        }
        let mut changed = d.changed;
        if changed {
            let before = serde_json::to_string(&old).map_err(|e| Error::Corrupt(e.to_string()))?;
            self.s.update_client(id, patch, at)?;
            store::insert_item(
                tx,
                self.batch,
                row,
                "client",
                id.0,
                "updated",
                Some(&before),
            )?;
        }
        if let Some(contact) = &r.contact_name {
            let exists = clients::contacts_of(tx, id)?
                .iter()
                .any(|c| fold(&c.name) == fold(contact));
            if !exists {
                self.add_contact(row, id, contact, r)?;
                changed = true;
            }
        }
        Ok(Done {
            status: if changed {
                RowStatus::Updated
            } else {
                RowStatus::Unchanged
            },
            id: Some(id.0),
        })
    }

    fn add_contact(&mut self, row: u64, client: ClientId, name: &str, r: &ClientRow) -> Result<()> {
        let contact = self
            .s
            .add_contact(
                NewContact {
                    client_id: client,
                    name: name.to_string(),
                    position: r.contact_position.clone(),
                    phones: Vec::new(),
                    emails: Vec::new(),
                },
                self.at,
            )
            .map_err(|e| match e {
                Error::Validation { field, rule } if field == "name" => Error::Validation {
                    field: "contact_name".into(),
                    rule,
                },
                e => e,
            })?;
        store::insert_item(
            self.s.conn,
            self.batch,
            row,
            "contact",
            contact.id.0,
            "created",
            None,
        )
    }

    // --- contacts --------------------------------------------------------------------------------

    fn contact_row(&self, c: &Cells<'_>, _errors: &mut Vec<RowError>) -> ContactRow {
        ContactRow {
            client: Probe {
                client_ref: self.text(c, "client_ref"),
                client_tax_id: self.text(c, "client_tax_id"),
                client_email: None,
                client_phone: None,
                client_name: self.text(c, "client_name"),
            },
            name: self.text(c, "name"),
            position: self.text(c, "position"),
            phone: self.text(c, "phone"),
            email: self.text(c, "email"),
        }
    }

    /// The client a contact or an order row names: by reference, tax id, e-mail, phone, then a
    /// unique name (case-insensitive), the first that finds exactly one.
    fn client_of(&mut self, p: &Probe) -> Result<ClientId> {
        let tx = self.s.conn;
        if let Some(x) = &p.client_ref {
            if let Some(id) = clients::id_by_external_ref(tx, x)? {
                return Ok(id);
            }
        }
        for key in [
            self.tax_key(p.client_tax_id.as_deref()),
            self.email_key(p.client_email.as_deref()),
            self.phone_key(p.client_phone.as_deref()),
        ] {
            if let [id] = self.by_key(key)?.as_slice() {
                return Ok(*id);
            }
        }
        if let Some(name) = &p.client_name {
            if self.names.is_none() {
                let mut names: HashMap<String, Vec<ClientId>> = HashMap::new();
                for (id, n) in store::client_names(tx)? {
                    names.entry(fold(&n)).or_default().push(id);
                }
                self.names = Some(names);
            }
            if let Some([id]) = self
                .names
                .as_ref()
                .and_then(|n| n.get(&fold(name)))
                .map(Vec::as_slice)
            {
                return Ok(*id);
            }
        }
        let (field, value) = [
            ("client_ref", &p.client_ref),
            ("client_tax_id", &p.client_tax_id),
            ("client_email", &p.client_email),
            ("client_phone", &p.client_phone),
            ("client_name", &p.client_name),
        ]
        .into_iter()
        .find_map(|(f, v)| v.as_ref().map(|v| (f, v.clone())))
        .ok_or_else(|| Error::validation("client_ref", "the row names no client"))?;
        Err(Error::validation(
            field,
            format!("no client (or more than one) found by {field} {value:?}"),
        ))
    }

    fn write_contact(
        &mut self,
        row: u64,
        r: &ContactRow,
        conflicts: &mut Vec<RowConflict>,
    ) -> Result<Done> {
        let Some(name) = r.name.clone() else {
            return Err(Error::validation("name", "is required"));
        };
        let client_id = self.client_of(&r.client)?;
        let (tx, at) = (self.s.conn, self.at);
        let country = self.country.clone();
        let phone_norm = |p: &str| normalize::phone_in(p, &country).normal;
        let email_norm = |e: &str| normalize::email(e).normal;
        let contacts = clients::contacts_of(tx, client_id)?;
        let same_phone = |c: &Contact| {
            r.phone
                .as_deref()
                .and_then(phone_norm)
                .is_some_and(|n| c.phones.iter().any(|p| phone_norm(p).as_ref() == Some(&n)))
        };
        let same_email = |c: &Contact| {
            r.email
                .as_deref()
                .and_then(email_norm)
                .is_some_and(|n| c.emails.iter().any(|e| email_norm(e).as_ref() == Some(&n)))
        };
        let found = contacts
            .iter()
            .find(|c| fold(&c.name) == fold(&name))
            .or_else(|| contacts.iter().find(|c| same_phone(c) || same_email(c)));
        let Some(old) = found else {
            let contact = self.s.add_contact(
                NewContact {
                    client_id,
                    name,
                    position: r.position.clone(),
                    phones: r.phone.iter().cloned().collect(),
                    emails: r.email.iter().cloned().collect(),
                },
                at,
            )?;
            store::insert_item(
                tx,
                self.batch,
                row,
                "contact",
                contact.id.0,
                "created",
                None,
            )?;
            return Ok(Done {
                status: RowStatus::Created,
                id: Some(contact.id.0),
            });
        };
        let mut new = old.clone();
        let mut d = Diff {
            row,
            id: old.id.0,
            overwrite: self.options.on_conflict == OnConflict::Overwrite,
            conflicts,
            changed: false,
        };
        d.entity_contact();
        if d.text("name", Some(&old.name), Some(&name), same_name) {
            new.name = name;
        }
        if d.text(
            "position",
            old.position.as_deref(),
            r.position.as_deref(),
            same_text,
        ) {
            new.position = r.position.clone();
        }
        if let Some(phone) = &r.phone {
            if !same_phone(old) && !old.phones.contains(phone) {
                new.phones.push(phone.clone());
                d.changed = true;
            }
        }
        if let Some(email) = &r.email {
            if !same_email(old) && !old.emails.contains(email) {
                new.emails.push(email.clone());
                d.changed = true;
            }
        }
        if !d.changed {
            return Ok(Done {
                status: RowStatus::Unchanged,
                id: Some(old.id.0),
            });
        }
        new.name = validate::required("name", &new.name)?;
        let before = serde_json::to_string(old).map_err(|e| Error::Corrupt(e.to_string()))?;
        store::update_contact(tx, &new)?;
        let client = load_client(tx, client_id)?;
        refresh_keys(tx, &client, &self.country)?;
        log(tx, at, self.s.actor, "contact", new.id.0, "updated", &new)?;
        store::insert_item(
            tx,
            self.batch,
            row,
            "contact",
            new.id.0,
            "updated",
            Some(&before),
        )?;
        Ok(Done {
            status: RowStatus::Updated,
            id: Some(new.id.0),
        })
    }

    // --- leads -----------------------------------------------------------------------------------

    fn lead_row(&self, c: &Cells<'_>, errors: &mut Vec<RowError>) -> LeadRow {
        LeadRow {
            external_ref: self.text(c, "external_ref"),
            name: self.text(c, "name"),
            company: self.text(c, "company"),
            phone: self.text(c, "phone"),
            email: self.text(c, "email"),
            need: self.text(c, "need"),
            source: self
                .text(c, "source")
                .or_else(|| self.options.default_source.clone()),
            channel: self.parsed(c, "channel", errors, |_, t| {
                channel(t).ok_or_else(|| {
                    let all: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
                    format!("must be one of: {}", all.join(", "))
                })
            }),
            region: self.text(c, "region"),
            owner: self.parsed(c, "owner", errors, Self::manager),
            created_at: self.parsed(c, "created_at", errors, |_, t| moment(t)),
        }
    }

    fn source(&mut self, row: u64, name: &str, channel: Channel) -> Result<SourceId> {
        let key = fold(name);
        if let Some(id) = self.sources.get(&key) {
            return Ok(*id);
        }
        if let Some((_, id)) = self.new_sources.iter().find(|(k, _)| *k == key) {
            return Ok(*id);
        }
        let source = self.s.add_source(
            NewSource {
                name: name.to_string(),
                channel,
                campaign: None,
            },
            self.at,
        )?;
        store::insert_item(
            self.s.conn,
            self.batch,
            row,
            "source",
            source.id.0,
            "created",
            None,
        )?;
        self.new_sources.push((key, source.id));
        Ok(source.id)
    }

    fn write_lead(&mut self, row: u64, r: LeadRow) -> Result<Done> {
        let channel = r.channel.unwrap_or(Channel::Other);
        let source_id = match &r.source {
            Some(name) => Some(self.source(row, name, channel)?),
            None => None,
        };
        let known = match &r.external_ref {
            Some(x) => leads::by_external_ref(self.s.conn, x)?.is_some(),
            None => false,
        };
        let capture = self.s.capture_lead(
            NewLead {
                channel,
                source_id,
                name: r.name,
                company: r.company,
                phone: r.phone,
                email: r.email,
                messenger: None,
                need: r.need,
                interest: None,
                region: r.region,
                language: None,
                estimated_value: None,
                owner_id: r.owner,
                client_id: None,
                external_ref: r.external_ref,
            },
            r.created_at.unwrap_or(self.at),
        )?;
        if known {
            return Ok(Done {
                status: RowStatus::Unchanged,
                id: Some(capture.lead.id.0),
            });
        }
        store::insert_item(
            self.s.conn,
            self.batch,
            row,
            "lead",
            capture.lead.id.0,
            "created",
            None,
        )?;
        Ok(Done {
            status: RowStatus::Created,
            id: Some(capture.lead.id.0),
        })
    }

    // --- orders ----------------------------------------------------------------------------------

    /// Imports the rows of one order.
    fn order(&mut self, group: &[usize]) -> Result<()> {
        let table = self.table;
        let mut errors = Vec::new();
        let mut head = OrderHead::default();
        let mut lines = Vec::new();
        let rows: Vec<u64> = group.iter().map(|i| table.rows[*i].row).collect();
        for i in group {
            let row = &table.rows[*i];
            let c = Cells {
                row: row.row,
                cells: &row.cells,
            };
            let first = |slot: &mut Option<String>, value: Option<String>| {
                if slot.is_none() {
                    *slot = value;
                }
            };
            first(&mut head.external_ref, self.text(&c, "external_ref"));
            first(&mut head.probe.client_ref, self.text(&c, "client_ref"));
            first(
                &mut head.probe.client_tax_id,
                self.text(&c, "client_tax_id"),
            );
            first(&mut head.probe.client_email, self.text(&c, "client_email"));
            first(&mut head.probe.client_phone, self.text(&c, "client_phone"));
            first(&mut head.probe.client_name, self.text(&c, "client_name"));
            let placed = self.parsed(&c, "placed_at", &mut errors, |_, t| moment(t));
            head.placed_at = head.placed_at.or(placed);
            let total = self.parsed(&c, "total", &mut errors, |_, t| values::parse_money(t));
            head.total = head.total.or(total);
            let status = self.parsed(&c, "status", &mut errors, |_, t| order_status(t));
            head.status = head.status.or(status);
            let sku = self.text(&c, "sku").or_else(|| self.text(&c, "product"));
            let quantity = self.parsed(&c, "quantity", &mut errors, |_, t| {
                values::parse_quantity(t)
            });
            let price = self.parsed(&c, "price", &mut errors, |_, t| values::parse_money(t));
            if let Some(sku) = sku {
                lines.push(OrderLine {
                    sku,
                    quantity: quantity.unwrap_or(1),
                    unit_price: price.unwrap_or(Money::ZERO),
                });
            } else if price.is_some() || quantity.is_some() {
                errors.push(RowError {
                    row: c.row,
                    column: None,
                    field: Some("sku".into()),
                    message: "a line with a price or quantity needs a sku or product".into(),
                });
            }
        }
        let outcome = if errors.is_empty() {
            let first = rows.first().copied().unwrap_or(0);
            Some(self.in_savepoint(first, |e, c| e.write_order(first, head, lines, c))?)
        } else {
            None
        };
        self.finish_rows(&rows, errors, outcome);
        Ok(())
    }

    fn write_order(
        &mut self,
        row: u64,
        head: OrderHead,
        lines: Vec<OrderLine>,
        conflicts: &mut Vec<RowConflict>,
    ) -> Result<Done> {
        let client_id = self.client_of(&head.probe)?;
        let mut sum = Money::ZERO;
        for line in &lines {
            sum = line
                .unit_price
                .checked_mul(line.quantity)
                .and_then(|a| sum.checked_add(a))
                .ok_or_else(|| Error::validation("total", "the lines add up beyond range"))?;
        }
        let total = head.total.unwrap_or(sum);
        let status = head.status.unwrap_or(OrderStatus::Completed);
        if let Some(x) = &head.external_ref {
            if let Some(stored) = orders::by_external_ref(self.s.conn, x)? {
                let mut differs = |field: &str, stored_v: String, incoming: String| {
                    if stored_v != incoming {
                        conflicts.push(RowConflict {
                            row,
                            entity: "order".into(),
                            id: stored.id.0,
                            field: field.into(),
                            stored: stored_v,
                            incoming,
                        });
                    }
                };
                differs(
                    "client_id",
                    stored.client_id.to_string(),
                    client_id.to_string(),
                );
                differs("total", stored.total.to_string(), total.to_string());
                differs("lines", lines_text(&stored.lines), lines_text(&lines));
                let status = if conflicts.is_empty() {
                    RowStatus::Unchanged
                } else {
                    RowStatus::Skipped
                };
                return Ok(Done {
                    status,
                    id: Some(stored.id.0),
                });
            }
        }
        let order: Order = self.s.record_order(
            NewOrder {
                client_id,
                total,
                lines,
                status: Some(status),
                deal_id: None,
                external_ref: head.external_ref,
            },
            head.placed_at.unwrap_or(self.at),
        )?;
        store::insert_item(
            self.s.conn,
            self.batch,
            row,
            "order",
            order.id.0,
            "created",
            None,
        )?;
        Ok(Done {
            status: RowStatus::Created,
            id: Some(order.id.0),
        })
    }
}

fn lines_text(lines: &[OrderLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{} x{} @ {}", l.sku, l.quantity, l.unit_price))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Compares a stored value with an incoming one and records a conflict when they differ.
struct Diff<'c> {
    row: u64,
    id: i64,
    overwrite: bool,
    conflicts: &'c mut Vec<RowConflict>,
    changed: bool,
}

impl Diff<'_> {
    /// Marks the conflicts recorded from now on as a contact's.
    fn entity_contact(&mut self) {
        self.id = -self.id - 1;
    }

    /// Whether to write `incoming`: the store has nothing there, or (overwriting) something else.
    fn text(
        &mut self,
        field: &str,
        stored: Option<&str>,
        incoming: Option<&str>,
        same: impl Fn(&str, &str) -> bool,
    ) -> bool {
        match (stored, incoming) {
            (_, None) => false,
            (None, Some(_)) => {
                self.changed = true;
                true
            }
            (Some(s), Some(i)) if same(s, i) => false,
            (Some(s), Some(i)) => {
                let (entity, id) = if self.id < 0 {
                    ("contact", -self.id - 1)
                } else {
                    ("client", self.id)
                };
                self.conflicts.push(RowConflict {
                    row: self.row,
                    entity: entity.into(),
                    id,
                    field: field.into(),
                    stored: s.into(),
                    incoming: i.into(),
                });
                if self.overwrite {
                    self.changed = true;
                }
                self.overwrite
            }
        }
    }
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

fn same_name(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

fn same_norm(a: &str, b: &str, norm: impl Fn(&str) -> Option<String>) -> bool {
    match (norm(a), norm(b)) {
        (Some(x), Some(y)) => x == y,
        _ => same_text(a, b),
    }
}

fn client_kind(text: &str) -> std::result::Result<ClientKind, String> {
    let t = fold(text);
    if let Ok(kind) = t.parse() {
        return Ok(kind);
    }
    const COMPANY: &[&str] = &["юр", "комп", "тов", "ооо", "org", "firm", "legal", "b2b"];
    const PERSON: &[&str] = &["фіз", "физ", "фоп", "priv", "indiv", "b2c", "particular"];
    if COMPANY.iter().any(|p| t.starts_with(p)) {
        Ok(ClientKind::Company)
    } else if PERSON.iter().any(|p| t.starts_with(p)) {
        Ok(ClientKind::Person)
    } else {
        Err(format!("{text:?} is neither a company nor a person"))
    }
}

fn channel(text: &str) -> Option<Channel> {
    let t = fold(text).replace([' ', '-'], "_");
    if let Ok(c) = t.parse() {
        return Some(c);
    }
    Some(match t.as_str() {
        "телефон" | "дзвінок" | "звонок" | "call" => Channel::Phone,
        "сайт" | "website" | "form" | "форма" => Channel::Web,
        "пошта" | "почта" | "e_mail" | "mail" => Channel::Email,
        "магазин" | "store" => Channel::Shop,
        "реклама" | "advertising" => Channel::Ads,
        "рекомендація" | "рекомендация" => Channel::Referral,
        "інше" | "другое" => Channel::Other,
        _ => return None,
    })
}

fn order_status(text: &str) -> std::result::Result<OrderStatus, String> {
    let t = fold(text);
    if let Ok(s) = t.parse() {
        return Ok(s);
    }
    match t.as_str() {
        "виконано" | "выполнен" | "выполнено" | "done" | "paid" | "оплачено" => {
            Ok(OrderStatus::Completed)
        }
        "скасовано" | "отменен" | "отменён" | "canceled" => {
            Ok(OrderStatus::Cancelled)
        }
        "повернено" | "возврат" | "return" => Ok(OrderStatus::Returned),
        _ => Err(format!(
            "must be one of: completed, cancelled, returned (not {text:?})"
        )),
    }
}

/// A date and time (UTC), or a date (midnight UTC).
fn moment(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    match values::parse_datetime(text) {
        Ok(t) => Ok(t.and_utc()),
        Err(e) => match values::parse_date(text) {
            Ok(d) => Ok(d.and_time(NaiveTime::MIN).and_utc()),
            Err(_) => Err(e),
        },
    }
}

/// A client row's typed values.
struct ClientRow {
    external_ref: Option<String>,
    kind: Option<ClientKind>,
    name: Option<String>,
    tax_id: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    website: Option<String>,
    industry: Option<String>,
    region: Option<String>,
    address: Option<String>,
    birth_date: Option<NaiveDate>,
    owner: Option<ManagerId>,
    tags: Vec<String>,
    contact_name: Option<String>,
    contact_position: Option<String>,
}

/// How a contact or order row names its client.
#[derive(Default)]
struct Probe {
    client_ref: Option<String>,
    client_tax_id: Option<String>,
    client_email: Option<String>,
    client_phone: Option<String>,
    client_name: Option<String>,
}

struct ContactRow {
    client: Probe,
    name: Option<String>,
    position: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

struct LeadRow {
    external_ref: Option<String>,
    name: Option<String>,
    company: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    need: Option<String>,
    source: Option<String>,
    channel: Option<Channel>,
    region: Option<String>,
    owner: Option<ManagerId>,
    created_at: Option<DateTime<Utc>>,
}

/// What the rows of one order say about the order itself (the first value given wins).
#[derive(Default)]
struct OrderHead {
    external_ref: Option<String>,
    probe: Probe,
    placed_at: Option<DateTime<Utc>>,
    total: Option<Money>,
    status: Option<OrderStatus>,
}
