#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Batches keep their good items; patches change only what they name.

use chrono::{DateTime, TimeZone, Utc};
use crm_core::{
    Channel, ClientId, ClientKind, ClientPatch, Crm, ErrorKind, Money, NewClient, NewLead,
    NewManager, NewOrder, OrderLine, Quality,
};

fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

fn money(text: &str) -> Money {
    Money::parse(text).unwrap()
}

fn order(client_id: ClientId, total: &str, external_ref: &str) -> NewOrder {
    NewOrder {
        client_id,
        total: money(total),
        external_ref: Some(external_ref.into()),
        ..Default::default()
    }
}

#[test]
fn a_batch_keeps_good_orders_and_reports_bad_ones_at_their_position() {
    let crm = Crm::open_in_memory().unwrap();
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "Romashka"), t(1, 9))
        .unwrap();
    let seq_before = crm.last_seq().unwrap();
    let mut bad_lines = order(client.id, "10.00", "B-2");
    bad_lines.lines = vec![OrderLine::new("SKU-1", 1, money("9.00"))];
    let batch = vec![
        (order(client.id, "100.00", "B-1"), t(2, 10)),
        (bad_lines, t(2, 11)),
        (order(ClientId(999), "5.00", "B-3"), t(2, 12)),
        (order(client.id, "50.50", "B-4"), t(3, 10)),
        (order(client.id, "100.00", "B-1"), t(4, 10)), // a retry of the first: the same order
        (order(client.id, "1.00", "B-1"), t(4, 11)),   // the same reference, other content
    ];
    let results = crm.record_orders(batch).unwrap();
    assert_eq!(results.len(), 6);
    let kinds: Vec<Option<ErrorKind>> = results
        .iter()
        .map(|r| r.as_ref().err().map(|e| e.kind()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            None,
            Some(ErrorKind::Validation),
            Some(ErrorKind::NotFound),
            None,
            None,
            Some(ErrorKind::Conflict)
        ]
    );
    assert_eq!(results[1].as_ref().unwrap_err().field(), Some("total"));
    let first = results[0].as_ref().unwrap();
    assert_eq!(
        results[4].as_ref().unwrap().id,
        first.id,
        "a retry returns the stored order"
    );

    let rollup = crm.client_rollup(client.id).unwrap();
    assert_eq!(rollup.revenue, money("150.50"));
    assert_eq!(rollup.orders, 2);
    assert_eq!(rollup.first_order_at, Some(t(2, 10)));
    assert_eq!(rollup.last_order_at, Some(t(3, 10)));
    assert_eq!(
        crm.last_seq().unwrap(),
        seq_before + 2,
        "one event per stored order, none for failures"
    );
}

#[test]
fn a_patch_changes_only_what_it_names_and_records_the_change() {
    let crm = Crm::open_in_memory().unwrap();
    let olena = crm
        .add_manager(NewManager::new("Olena Koval"), t(1, 8))
        .unwrap();
    let mut new = NewClient::new(ClientKind::Company, "ТОВ Ромашка");
    new.phone = Some("067 123 45 67".into());
    new.email = Some("office@romashka.ua".into());
    new.region = Some("Kyiv".into());
    new.external_ref = Some("1C-000123".into());
    let client = crm.add_client(new, t(1, 9)).unwrap();

    let patch = ClientPatch {
        phone: Some(Some("+38 067 999 00 11".into())),
        region: Some(None),
        owner_id: Some(Some(olena.id)),
        tags: Some(vec!["vip".into(), "wholesale".into()]),
        ..Default::default()
    };
    let updated = crm.update_client(client.id, patch, t(2, 9)).unwrap();
    assert_eq!(updated.phone.as_deref(), Some("+38 067 999 00 11"));
    assert_eq!(updated.region, None);
    assert_eq!(updated.owner_id, Some(olena.id));
    assert_eq!(updated.email, client.email, "untouched fields stay");
    assert_eq!(updated.updated_at, t(2, 9));
    assert_eq!(updated.created_at, client.created_at);
    assert_eq!(crm.get_client(client.id).unwrap(), updated);

    let history = crm.history("client", client.id.0).unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.kind, "updated");
    let changed: Vec<&String> = last.data.as_object().unwrap().keys().collect();
    assert_eq!(changed, ["owner_id", "phone", "region", "tags"]);

    // A patch that changes nothing writes nothing.
    let seq = crm.last_seq().unwrap();
    let same = ClientPatch {
        name: Some("ТОВ Ромашка".into()),
        ..Default::default()
    };
    assert_eq!(
        crm.update_client(client.id, same, t(3, 9)).unwrap(),
        updated
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
}

#[test]
fn a_patch_is_checked_like_new_input() {
    let crm = Crm::open_in_memory().unwrap();
    let a = crm
        .add_client(
            NewClient {
                external_ref: Some("A".into()),
                ..NewClient::new(ClientKind::Person, "A")
            },
            t(1, 9),
        )
        .unwrap();
    let b = crm
        .add_client(NewClient::new(ClientKind::Person, "B"), t(1, 9))
        .unwrap();

    let err = crm
        .update_client(
            b.id,
            ClientPatch {
                name: Some("  ".into()),
                ..Default::default()
            },
            t(2, 9),
        )
        .unwrap_err();
    assert_eq!(err.field(), Some("name"));
    let err = crm
        .update_client(
            b.id,
            ClientPatch {
                external_ref: Some(Some("A".into())),
                ..Default::default()
            },
            t(2, 9),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let err = crm
        .update_client(ClientId(77), ClientPatch::default(), t(2, 9))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);

    // A malformed phone is flagged, or refused in strict mode.
    let flagged = crm
        .update_client(
            a.id,
            ClientPatch {
                phone: Some(Some("12".into())),
                ..Default::default()
            },
            t(2, 9),
        )
        .unwrap();
    assert_eq!(flagged.phone_quality, Some(Quality::Invalid));
    crm.set_strict(true);
    let err = crm
        .update_client(
            b.id,
            ClientPatch {
                phone: Some(Some("12".into())),
                ..Default::default()
            },
            t(2, 9),
        )
        .unwrap_err();
    assert_eq!(err.field(), Some("phone"));
    // ... but strict mode does not block a change to another field of a client with an old flagged phone.
    crm.update_client(
        a.id,
        ClientPatch {
            industry: Some(Some("retail".into())),
            ..Default::default()
        },
        t(3, 9),
    )
    .unwrap();
}

#[test]
fn a_patch_reads_null_as_clear_and_absence_as_keep() {
    let patch: ClientPatch = serde_json::from_str(r#"{"region": null, "name": "X"}"#).unwrap();
    assert_eq!(patch.region, Some(None));
    assert_eq!(patch.name.as_deref(), Some("X"));
    assert_eq!(patch.phone, None);
}

#[test]
fn a_known_clients_request_goes_to_its_owner() {
    let crm = Crm::open_in_memory().unwrap();
    let olena = crm
        .add_manager(NewManager::new("Olena Koval"), t(1, 8))
        .unwrap();
    let client = crm
        .add_client(
            NewClient {
                owner_id: Some(olena.id),
                ..NewClient::new(ClientKind::Company, "Romashka")
            },
            t(1, 9),
        )
        .unwrap();
    let mut lead = NewLead::new(Channel::Phone);
    lead.client_id = Some(client.id);
    let capture = crm.capture_lead(lead.clone(), t(2, 9)).unwrap();
    assert_eq!(capture.lead.owner_id, Some(olena.id));

    // An inactive owner gets no new work: the lead stays unassigned.
    crm.set_manager_active(olena.id, false, t(3, 8)).unwrap();
    let capture = crm.capture_lead(lead, t(3, 9)).unwrap();
    assert_eq!(capture.lead.owner_id, None);
}

#[test]
fn a_transaction_commits_all_its_commands_or_none() {
    let crm = Crm::open_in_memory().unwrap();
    let seq = crm.last_seq().unwrap();

    // An error returned from the closure rolls everything back.
    let result: Result<(), crm_core::Error> = crm.transaction(|tx| {
        let client = tx.add_client(NewClient::new(ClientKind::Company, "Romashka"), t(1, 9))?;
        tx.record_order(order(client.id, "10.00", "T-1"), t(1, 10))?;
        Err(crm_core::Error::Conflict(
            "the host changed its mind".into(),
        ))
    });
    assert!(result.is_err());
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert!(crm.list_clients(&Default::default()).unwrap().is_empty());

    // A command failing inside leaves nothing of itself; the closure may go on, and readers see the
    // transaction's own writes.
    let client_id = crm
        .transaction(|tx| {
            let client = tx.add_client(NewClient::new(ClientKind::Company, "Romashka"), t(1, 9))?;
            let mut bad = order(client.id, "10.00", "T-2");
            bad.lines = vec![OrderLine::new("SKU", 1, money("9.99"))];
            assert_eq!(
                tx.record_order(bad, t(1, 10)).unwrap_err().field(),
                Some("total")
            );
            tx.record_order(order(client.id, "10.00", "T-2"), t(1, 11))?;
            assert_eq!(tx.client_rollup(client.id)?.orders, 1);
            Ok::<_, crm_core::Error>(client.id)
        })
        .unwrap();
    assert_eq!(
        crm.client_rollup(client_id).unwrap().revenue,
        money("10.00")
    );
    assert_eq!(crm.last_seq().unwrap(), seq + 2);
}

/// A scratch directory, removed when dropped (also when a test fails).
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("crmkit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn close_writes_the_log_back_even_while_another_handle_is_open() {
    let dir = Scratch::new("close");
    let path = dir.0.join("shop.crm");
    let wal = dir.0.join("shop.crm-wal");
    let writer = Crm::open(&path).unwrap();
    // A second handle keeps the log alive: only a checkpoint empties it.
    let reader = Crm::open(&path).unwrap();
    let client = writer
        .add_client(NewClient::new(ClientKind::Person, "Ivan"), t(1, 9))
        .unwrap();
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "the write sits in the log"
    );
    writer.close().unwrap();
    assert_eq!(
        std::fs::metadata(&wal).unwrap().len(),
        0,
        "close wrote the log back"
    );
    assert_eq!(reader.get_client(client.id).unwrap().name, "Ivan");
}

#[test]
fn a_command_failing_after_its_first_write_leaves_nothing_inside_a_transaction() {
    let dir = Scratch::new("savepoint");
    let path = dir.0.join("shop.crm");
    let crm = Crm::open(&path).unwrap();
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "Romashka"), t(1, 9))
        .unwrap();
    // Make the order's event fail: by then the order row and the rollups are written.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER fail_order_events BEFORE INSERT ON events WHEN NEW.entity = 'order'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    drop(raw);

    let contact_name = crm
        .transaction(|tx| {
            let err = tx
                .record_order(order(client.id, "10.00", "F-1"), t(1, 10))
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Storage);
            // The failed command left nothing; the transaction goes on and commits the rest.
            assert!(tx.list_orders(&Default::default())?.is_empty());
            let contact = crm_core::NewContact {
                client_id: client.id,
                name: "Ivan".into(),
                ..Default::default()
            };
            Ok::<_, crm_core::Error>(tx.add_contact(contact, t(1, 11))?.name)
        })
        .unwrap();
    assert_eq!(contact_name, "Ivan");
    assert!(crm.list_orders(&Default::default()).unwrap().is_empty());
    assert_eq!(crm.client_rollup(client.id).unwrap().orders, 0);
    assert!(crm.client_monthly_revenue(client.id).unwrap().is_empty());
    assert_eq!(crm.list_contacts(client.id).unwrap().len(), 1);
}

#[test]
fn a_transaction_can_name_its_own_actor() {
    let crm = Crm::open_in_memory().unwrap();
    crm.set_actor("front desk");
    let client = crm
        .transaction_as("olena", |tx| {
            tx.add_client(NewClient::new(ClientKind::Person, "Ivan"), t(1, 9))
        })
        .unwrap();
    let other = crm
        .add_client(NewClient::new(ClientKind::Person, "Maria"), t(1, 9))
        .unwrap();
    assert_eq!(
        crm.history("client", client.id.0).unwrap()[0].actor,
        "olena"
    );
    assert_eq!(
        crm.history("client", other.id.0).unwrap()[0].actor,
        "front desk"
    );
}
