//! Import of spreadsheets into the store: upsert through the duplicates machinery, conflicts, dry run,
//! all-or-nothing, undo, progress and cancel, every kind, and a Windows-1251 file end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{at, expect_err, mem, units};
use crm_core::*;

fn no_progress() -> impl FnMut(u64, u64) -> bool {
    |_, _| true
}

fn import(crm: &Crm, csv: &str, options: &ImportOptions) -> ImportReport {
    crm.import(csv.as_bytes(), options, at(2, 10, 0), &mut no_progress())
        .unwrap()
}

fn statuses(report: &ImportReport) -> Vec<(u64, RowStatus)> {
    report.rows.iter().map(|r| (r.row, r.status)).collect()
}

fn client_count(crm: &Crm) -> usize {
    crm.list_clients(&ClientQuery::default()).unwrap().len()
}

/// A store with one client, Romashka, reachable by `+380671234567` and `Info@Romashka.ua`.
fn store_with_romashka() -> (Crm, ClientId) {
    let crm = mem();
    let mut new = NewClient::new(ClientKind::Company, "Romashka");
    new.phone = Some("+380671234567".into());
    new.email = Some("Info@Romashka.ua".into());
    new.region = Some("Kyiv".into());
    let id = crm.add_client(new, at(1, 9, 0)).unwrap().id;
    (crm, id)
}

/// Duplicates against the store (the phone written differently, the e-mail in other case) and
/// inside the file, a conflicting region, and a row whose keys point at two different clients.
const CLIENTS: &str = "Name,Phone,Email,Region,Tax ID
Romashka,067 123 45 67,,Kyiv,31234568
Romashka,,info@romashka.ua,Lviv,
Lileya,050 111 22 33,lileya@example.com,Odesa,
Lileya,+380501112233,,Odesa,
Sonyashnyk,093 000 00 01,,Kharkiv,
Mix,050 111 22 33,info@romashka.ua,,
";

#[test]
fn clients_are_upserted_with_exact_counts_and_conflicts() {
    let (crm, romashka) = store_with_romashka();
    let report = import(&crm, CLIENTS, &ImportOptions::new(ImportKind::Clients));
    assert_eq!(
        statuses(&report),
        [
            (2, RowStatus::Updated),
            (3, RowStatus::Unchanged),
            (4, RowStatus::Created),
            (5, RowStatus::Unchanged),
            (6, RowStatus::Created),
            (7, RowStatus::Failed),
        ]
    );
    assert_eq!(
        (
            report.total,
            report.created,
            report.updated,
            report.unchanged,
            report.skipped,
            report.failed
        ),
        (6, 2, 1, 2, 0, 1)
    );
    assert!(report.committed);
    assert!(!report.cancelled);
    let batch = report.batch_id.expect("a batch");
    // Row 2 matched Romashka by its phone written differently and filled its tax id.
    assert_eq!(report.rows[0].id, Some(romashka.0));
    assert_eq!(
        crm.get_client(romashka).unwrap().tax_id.as_deref(),
        Some("31234568")
    );
    // Row 3 matched by e-mail in other case; its region differs: reported, stored value kept.
    assert_eq!(
        report.conflicts,
        [RowConflict {
            row: 3,
            entity: "client".into(),
            id: romashka.0,
            field: "region".into(),
            stored: "Kyiv".into(),
            incoming: "Lviv".into(),
        }]
    );
    assert_eq!(
        crm.get_client(romashka).unwrap().region.as_deref(),
        Some("Kyiv")
    );
    // Row 5 is the client row 4 created.
    assert_eq!(report.rows[3].id, report.rows[2].id);
    // Row 7 points at two different clients: failed, naming both, nothing merged.
    assert_eq!(report.errors.len(), 1);
    let error = &report.errors[0];
    assert_eq!(error.row, 7);
    let lileya = report.rows[2].id.unwrap();
    assert!(
        error
            .message
            .contains(&format!("client {romashka} by email")),
        "{}",
        error.message
    );
    assert!(
        error.message.contains(&format!("client {lileya} by phone")),
        "{}",
        error.message
    );
    assert_eq!(client_count(&crm), 3);
    // The columns were guessed.
    let fields: Vec<Option<&str>> = report.columns.iter().map(|c| c.field.as_deref()).collect();
    assert_eq!(
        fields,
        [
            Some("name"),
            Some("phone"),
            Some("email"),
            Some("region"),
            Some("tax_id")
        ]
    );
    assert!(report.columns.iter().all(|c| c.guessed));
    // The batch and its event.
    let stored = crm.get_import(batch).unwrap();
    assert_eq!(
        (
            stored.total,
            stored.created,
            stored.updated,
            stored.unchanged,
            stored.failed
        ),
        (6, 2, 1, 2, 1)
    );
    assert_eq!(crm.list_imports().unwrap(), [stored]);
    let history = crm.history("import", batch.0).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, "created");
    assert_eq!(history[0].data["created"], 2);
}

#[test]
fn overwrite_writes_the_incoming_value_and_still_reports_it() {
    let (crm, romashka) = store_with_romashka();
    let mut options = ImportOptions::new(ImportKind::Clients);
    options.on_conflict = OnConflict::Overwrite;
    let report = import(
        &crm,
        "Name,Email,Region\nRomashka,info@romashka.ua,Lviv\n",
        &options,
    );
    assert_eq!(statuses(&report), [(2, RowStatus::Updated)]);
    assert_eq!(report.conflicts.len(), 1);
    assert_eq!(report.conflicts[0].stored, "Kyiv");
    assert_eq!(
        crm.get_client(romashka).unwrap().region.as_deref(),
        Some("Lviv")
    );
}

#[test]
fn match_on_limits_the_keys() {
    let (crm, _) = store_with_romashka();
    let mut options = ImportOptions::new(ImportKind::Clients);
    options.match_on = vec![MatchKey::TaxId];
    let report = import(&crm, "Name,Phone\nRomashka,067 123 45 67\n", &options);
    // Not matched by phone: a new client (the duplicates finder will see it).
    assert_eq!(statuses(&report), [(2, RowStatus::Created)]);
    assert_eq!(client_count(&crm), 2);
}

#[test]
fn a_dry_run_writes_nothing_and_reports_what_the_import_does() {
    let (crm, _) = store_with_romashka();
    let seq = crm.last_seq().unwrap();
    let mut options = ImportOptions::new(ImportKind::Clients);
    options.dry_run = true;
    let dry = import(&crm, CLIENTS, &options);
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(client_count(&crm), 1);
    assert!(crm.list_imports().unwrap().is_empty());
    assert!(dry.dry_run && !dry.committed && dry.batch_id.is_none());

    options.dry_run = false;
    let real = import(&crm, CLIENTS, &options);
    assert!(real.committed);
    let mut expected = real.clone();
    expected.dry_run = true;
    expected.committed = false;
    expected.batch_id = None;
    assert_eq!(dry, expected);
}

#[test]
fn all_or_nothing_rolls_everything_back_on_one_bad_row() {
    let (crm, romashka) = store_with_romashka();
    let seq = crm.last_seq().unwrap();
    let mut options = ImportOptions::new(ImportKind::Clients);
    options.all_or_nothing = true;
    let report = import(&crm, CLIENTS, &options);
    assert!(!report.committed);
    assert_eq!(report.batch_id, None);
    assert_eq!((report.created, report.failed), (2, 1));
    assert_eq!(report.errors.len(), 1);
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(client_count(&crm), 1);
    assert_eq!(crm.get_client(romashka).unwrap().tax_id, None);
}

#[test]
fn bad_cells_fail_their_row_and_every_good_row_is_kept() {
    let crm = mem();
    let mut csv = String::from("Name,Phone,Birth date\n");
    for i in 0..50 {
        if i % 10 == 3 {
            csv.push_str(&format!("Bad {i},050 000 {i:04},31.02.1990\n"));
        } else {
            csv.push_str(&format!("Good {i},050 000 {i:04},01.02.1990\n"));
        }
    }
    let report = import(&crm, &csv, &ImportOptions::new(ImportKind::Clients));
    assert_eq!((report.total, report.created, report.failed), (50, 45, 5));
    assert_eq!(report.errors.len(), 5);
    let error = &report.errors[0];
    assert_eq!(
        (error.row, error.column.as_deref(), error.field.as_deref()),
        (5, Some("Birth date"), Some("birth_date"))
    );
    let names: Vec<String> = crm
        .list_clients(&ClientQuery {
            page: Page::first(1000),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    let good: Vec<String> = (0..50)
        .filter(|i| i % 10 != 3)
        .map(|i| format!("Good {i}"))
        .collect();
    assert_eq!(names, good);
}

#[test]
fn the_mapping_is_checked_before_anything_is_read() {
    let crm = mem();
    let mut options = ImportOptions::new(ImportKind::Clients);
    options.mapping = BTreeMap::from([("Name".to_string(), "nmae".to_string())]);
    let err = crm.import(b"Name\nX\n", &options, at(2, 10, 0), &mut no_progress());
    expect_err(err, ErrorKind::Validation, Some("mapping"));
    options.mapping = BTreeMap::from([("Title".to_string(), "name".to_string())]);
    let err = crm.import(b"Name\nX\n", &options, at(2, 10, 0), &mut no_progress());
    expect_err(err, ErrorKind::Validation, Some("mapping"));
    options.mapping = BTreeMap::new();
    let err = crm.import(
        b"Foo,Bar\nX,Y\n",
        &options,
        at(2, 10, 0),
        &mut no_progress(),
    );
    let err = expect_err(err, ErrorKind::Validation, Some("mapping"));
    assert!(err.to_string().contains("\"Foo\", \"Bar\""), "{err}");
    // An explicit mapping wins, and "" ignores a column.
    options.mapping = BTreeMap::from([
        ("Foo".to_string(), "name".to_string()),
        ("Bar".to_string(), String::new()),
    ]);
    let report = crm
        .import(
            b"Foo,Bar\nX,Y\n",
            &options,
            at(2, 10, 0),
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(report.columns[0].field.as_deref(), Some("name"));
    assert!(!report.columns[0].guessed);
    assert_eq!(report.columns[1].field, None);
}

#[test]
fn undo_removes_what_was_created_and_restores_what_was_updated() {
    let (crm, romashka) = store_with_romashka();
    let before = crm.get_client(romashka).unwrap();
    let report = import(&crm, CLIENTS, &ImportOptions::new(ImportKind::Clients));
    let batch = report.batch_id.unwrap();
    let undo = crm.undo_import(batch, at(3, 10, 0)).unwrap();
    assert_eq!(
        undo,
        UndoReport {
            batch_id: batch,
            undone: true,
            removed: 2,
            restored: 1,
            blocked: vec![]
        }
    );
    let after = crm.get_client(romashka).unwrap();
    assert_eq!(
        (after.tax_id, after.phone, after.email),
        (before.tax_id, before.phone, before.email)
    );
    assert_eq!(client_count(&crm), 1);
    assert_eq!(
        crm.find_duplicates(&Probe {
            phone: Some("050 111 22 33".into()),
            ..Default::default()
        })
        .unwrap(),
        []
    );
    assert!(crm.get_import(batch).unwrap().undone_at.is_some());
    expect_err(
        crm.undo_import(batch, at(3, 11, 0)),
        ErrorKind::InvalidTransition,
        None,
    );
    expect_err(
        crm.undo_import(ImportId(99), at(3, 11, 0)),
        ErrorKind::NotFound,
        None,
    );
    assert_eq!(
        crm.history("import", batch.0).unwrap().last().unwrap().kind,
        "undone"
    );
}

#[test]
fn undo_is_blocked_by_a_later_order_of_an_imported_client() {
    let (crm, romashka) = store_with_romashka();
    let report = import(&crm, CLIENTS, &ImportOptions::new(ImportKind::Clients));
    let batch = report.batch_id.unwrap();
    let lileya = ClientId(report.rows[2].id.unwrap());
    let order = crm
        .record_order(
            NewOrder {
                client_id: lileya,
                total: units(10),
                ..Default::default()
            },
            at(2, 12, 0),
        )
        .unwrap();
    let seq = crm.last_seq().unwrap();
    let undo = crm.undo_import(batch, at(3, 10, 0)).unwrap();
    assert!(!undo.undone);
    assert_eq!((undo.removed, undo.restored), (0, 0));
    assert_eq!(
        undo.blocked,
        [UndoBlock {
            entity: "client".into(),
            id: lileya.0,
            reason: format!("orders {} refers to it (client_id)", order.id)
        }]
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(client_count(&crm), 3);
    assert_eq!(
        crm.get_client(romashka).unwrap().tax_id.as_deref(),
        Some("31234568")
    );
    // A later change to the updated client blocks too.
    crm.update_client(
        romashka,
        ClientPatch {
            industry: Some(Some("retail".into())),
            ..Default::default()
        },
        at(2, 13, 0),
    )
    .unwrap();
    let undo = crm.undo_import(batch, at(3, 10, 0)).unwrap();
    assert_eq!(undo.blocked.len(), 2);
    assert_eq!(undo.blocked[0].id, romashka.0);
    assert!(
        undo.blocked[0]
            .reason
            .starts_with("changed after the import")
    );
}

#[test]
fn progress_is_monotonic_and_ends_at_the_total_and_cancel_writes_nothing() {
    let crm = mem();
    let mut csv = String::from("Name,Email\n");
    for i in 0..250 {
        csv.push_str(&format!("Client {i},c{i}@example.com\n"));
    }
    let mut calls = Vec::new();
    let report = crm
        .import(
            csv.as_bytes(),
            &ImportOptions::new(ImportKind::Clients),
            at(2, 10, 0),
            &mut |done, total| {
                calls.push((done, total));
                true
            },
        )
        .unwrap();
    assert_eq!(report.created, 250);
    assert!(calls.len() >= 100, "{} calls", calls.len());
    assert!(calls.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(calls.iter().all(|c| c.1 == 250));
    assert_eq!(calls.last(), Some(&(250, 250)));

    let crm = mem();
    let seq = crm.last_seq().unwrap();
    let mut calls = 0;
    let report = crm
        .import(
            csv.as_bytes(),
            &ImportOptions::new(ImportKind::Clients),
            at(2, 10, 0),
            &mut |_, _| {
                calls += 1;
                calls < 3
            },
        )
        .unwrap();
    assert!(report.cancelled && !report.committed);
    assert_eq!(report.batch_id, None);
    assert_eq!(calls, 3);
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(client_count(&crm), 0);
}

#[test]
fn contacts_find_their_client_and_upsert() {
    let (crm, romashka) = store_with_romashka();
    let mut other = NewClient::new(ClientKind::Company, "Lileya");
    other.external_ref = Some("1C-7".into());
    let lileya = crm.add_client(other, at(1, 9, 0)).unwrap().id;
    let csv = "Client,Client ref,Name,Position,Phone,Email
Romashka,,Ivan Petrenko,director,067 555 44 33,
ROMASHKA,,ivan petrenko,,,ivan@romashka.ua
,1C-7,Olha,,,
,1C-7,Olha,accountant,,
Nobody,,Petro,,,
";
    let mut options = ImportOptions::new(ImportKind::Contacts);
    options.mapping = BTreeMap::from([
        ("Client".to_string(), "client_name".to_string()),
        ("Client ref".to_string(), "client_ref".to_string()),
    ]);
    let report = import(&crm, csv, &options);
    assert_eq!(
        statuses(&report),
        [
            (2, RowStatus::Created),
            (3, RowStatus::Updated),
            (4, RowStatus::Created),
            (5, RowStatus::Updated),
            (6, RowStatus::Failed),
        ]
    );
    let contacts = crm.list_contacts(romashka).unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].emails, ["ivan@romashka.ua"]);
    assert_eq!(contacts[0].position.as_deref(), Some("director"));
    assert_eq!(
        crm.list_contacts(lileya).unwrap()[0].position.as_deref(),
        Some("accountant")
    );
    assert_eq!(report.errors[0].field.as_deref(), Some("client_name"));
    // The contact's phone is a key of the client now.
    let found = crm
        .find_duplicates(&Probe {
            phone: Some("+380675554433".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found[0].client_id, romashka);
    // Undo takes the new contacts away and gives the updated one its old details.
    let undo = crm
        .undo_import(report.batch_id.unwrap(), at(3, 9, 0))
        .unwrap();
    assert!(undo.undone);
    assert!(crm.list_contacts(romashka).unwrap().is_empty());
    assert!(crm.list_contacts(lileya).unwrap().is_empty());
}

#[test]
fn leads_are_captured_with_sources_and_are_idempotent() {
    let crm = mem();
    crm.add_manager(
        NewManager {
            name: "Olena Koval".into(),
            ..Default::default()
        },
        at(1, 8, 0),
    )
    .unwrap();
    let csv = "Ref,Name,Phone,Need,Source,Channel,Manager,Created
L-1,Ivan,067 123 45 67,50 chairs,Old base,phone,Olena Koval,31.12.2025
L-2,Maria,050 765 43 21,tables,Old base,web,,
L-3,Petro,,,,nowhere,,
";
    let mut options = ImportOptions::new(ImportKind::Leads);
    options.mapping = BTreeMap::from([
        ("Ref".to_string(), "external_ref".to_string()),
        ("Manager".to_string(), "owner".to_string()),
        ("Created".to_string(), "created_at".to_string()),
    ]);
    let report = import(&crm, csv, &options);
    assert_eq!(
        statuses(&report),
        [
            (2, RowStatus::Created),
            (3, RowStatus::Created),
            (4, RowStatus::Failed)
        ]
    );
    assert_eq!(report.errors[0].field.as_deref(), Some("channel"));
    let sources = crm.list_sources().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].name, "Old base");
    let lead = crm.get_lead(LeadId(report.rows[0].id.unwrap())).unwrap();
    assert_eq!(lead.source_id, Some(sources[0].id));
    assert_eq!(lead.channel, Channel::Phone);
    assert_eq!(lead.received_at.to_rfc3339(), "2025-12-31T00:00:00+00:00");
    assert!(lead.owner_id.is_some());
    // The same file again changes nothing.
    let again = import(&crm, csv, &options);
    assert_eq!(
        statuses(&again),
        [
            (2, RowStatus::Unchanged),
            (3, RowStatus::Unchanged),
            (4, RowStatus::Failed)
        ]
    );
    assert_eq!(crm.list_leads(&LeadQuery::default()).unwrap().len(), 2);
    // Undo closes the leads as junk.
    let undo = crm
        .undo_import(report.batch_id.unwrap(), at(3, 9, 0))
        .unwrap();
    assert_eq!((undo.undone, undo.removed), (true, 2));
    assert_eq!(crm.get_lead(lead.id).unwrap().status, LeadStatus::Junk);
}

#[test]
fn orders_with_several_lines_local_numbers_and_undo_of_rollups() {
    let (crm, romashka) = store_with_romashka();
    crm.record_order(
        NewOrder {
            client_id: romashka,
            total: units(100),
            ..Default::default()
        },
        at(1, 12, 0),
    )
    .unwrap();
    let rollup_before = crm.client_rollup(romashka).unwrap();
    let csv = "Номер;Клієнт;Телефон клієнта;Дата;Сума;Артикул;Кількість;Ціна
Z-1;Romashka;;31.12.2025;1 234,50;SKU-1;2;500,00
Z-2;;067 123 45 67;01.11.2026;;SKU-9;1;10,00
Z-1;Romashka;;31.12.2025;1 234,50;SKU-2;1;234,50
Z-3;Nobody;;01.11.2026;5,00;SKU-1;1;5,00
Z-4;Romashka;;01.11.2026;12,00;SKU-1;1;bad
";
    let mut options = ImportOptions::new(ImportKind::Orders);
    options.mapping = BTreeMap::from([
        ("Номер".to_string(), "external_ref".to_string()),
        ("Клієнт".to_string(), "client_name".to_string()),
        ("Телефон клієнта".to_string(), "client_phone".to_string()),
        ("Дата".to_string(), "placed_at".to_string()),
        ("Сума".to_string(), "total".to_string()),
        ("Артикул".to_string(), "sku".to_string()),
        ("Кількість".to_string(), "quantity".to_string()),
        ("Ціна".to_string(), "price".to_string()),
    ]);
    let report = import(&crm, csv, &options);
    assert_eq!(report.delimiter, Some(';'));
    assert_eq!(
        statuses(&report),
        [
            (2, RowStatus::Created),
            (3, RowStatus::Created),
            (4, RowStatus::Created),
            (5, RowStatus::Failed),
            (6, RowStatus::Failed),
        ]
    );
    let z1 = crm.get_order(OrderId(report.rows[0].id.unwrap())).unwrap();
    assert_eq!(z1.total, Money::parse("1234.50").unwrap());
    assert_eq!(z1.lines.len(), 2);
    assert_eq!(report.rows[2].id, Some(z1.id.0));
    assert_eq!(z1.ordered_at.to_rfc3339(), "2025-12-31T00:00:00+00:00");
    let z2 = crm.get_order(OrderId(report.rows[1].id.unwrap())).unwrap();
    assert_eq!((z2.client_id, z2.total), (romashka, units(10)));
    assert_eq!(
        report
            .errors
            .iter()
            .map(|e| (e.row, e.field.as_deref()))
            .collect::<Vec<_>>(),
        [(5, Some("client_name")), (6, Some("price"))]
    );
    let rollup = crm.client_rollup(romashka).unwrap();
    assert_eq!(rollup.orders, 3);
    assert_eq!(rollup.revenue, Money::parse("1344.50").unwrap());

    // The same file again: unchanged; with another total for Z-2: a conflict, skipped.
    let again = import(&crm, csv, &options);
    assert_eq!((again.unchanged, again.failed), (3, 2));
    let changed = csv.replace(
        "Z-2;;067 123 45 67;01.11.2026;;SKU-9;1;10,00",
        "Z-2;;067 123 45 67;01.11.2026;;SKU-9;2;10,00",
    );
    let third = import(&crm, &changed, &options);
    assert_eq!(third.skipped, 1);
    assert_eq!(
        third
            .conflicts
            .iter()
            .map(|c| c.field.as_str())
            .collect::<Vec<_>>(),
        ["total", "lines"]
    );

    // Undo of the first import puts the rollups back.
    for batch in [
        third.batch_id.unwrap(),
        again.batch_id.unwrap(),
        report.batch_id.unwrap(),
    ] {
        assert!(crm.undo_import(batch, at(3, 9, 0)).unwrap().undone);
    }
    assert_eq!(crm.client_rollup(romashka).unwrap(), rollup_before);
    expect_err(crm.get_order(z1.id), ErrorKind::NotFound, None);
}

#[test]
fn a_windows_1251_semicolon_file_end_to_end() {
    let crm = mem();
    let text = "Назва;Телефон;ЄДРПОУ;Email;Регіон\r\n\
                ТОВ Ромашка;067 123 45 67;31234568;info@romashka.ua;Київ\r\n\
                ТОВ Лілея;050 111 22 33;;;Одеса\r\n\
                ТОВ Ромашка;+380671234567;;;Київ\r\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!bad);
    let dir = std::env::temp_dir().join(format!("crm-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("клієнти.csv");
    std::fs::write(&path, &bytes).unwrap();
    let report = crm
        .import_file(
            &path,
            &ImportOptions::new(ImportKind::Clients),
            at(2, 10, 0),
            &mut no_progress(),
        )
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(report.encoding, "windows-1251");
    assert_eq!(report.delimiter, Some(';'));
    assert_eq!(
        statuses(&report),
        [
            (2, RowStatus::Created),
            (3, RowStatus::Created),
            (4, RowStatus::Unchanged)
        ]
    );
    let client = crm
        .get_client(ClientId(report.rows[0].id.unwrap()))
        .unwrap();
    assert_eq!(
        (client.name.as_str(), client.region.as_deref()),
        ("ТОВ Ромашка", Some("Київ"))
    );
    let batch = crm.get_import(report.batch_id.unwrap()).unwrap();
    assert_eq!(batch.file_name.as_deref(), Some("клієнти.csv"));
    let missing = crm.import_file(
        std::path::Path::new("/nonexistent/x.csv"),
        &ImportOptions::default(),
        at(2, 10, 0),
        &mut no_progress(),
    );
    expect_err(missing, ErrorKind::Storage, None);
}
