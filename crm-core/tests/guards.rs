#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The guards that keep the store readable and its histories sound: times in range, amounts that
//! cannot overflow, changes that do not go back in time, links that agree, no events for non-changes.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::{at, capture, expect_err, mem, qualify, units};
use crm_core::{
    ActivityKind, ClientKind, ConvertLead, Direction, ErrorKind, LeadStatus, Money, NewActivity,
    NewClient, NewDeal, NewOrder, NewStage, OrderStatus,
};

#[test]
fn a_time_outside_the_years_1_to_9999_is_refused_and_the_feed_stays_readable() {
    let crm = mem();
    let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
    expect_err(
        crm.add_client(NewClient::new(ClientKind::Person, "Ivan"), far),
        ErrorKind::Validation,
        Some("at"),
    );
    let client = crm
        .add_client(NewClient::new(ClientKind::Person, "Ivan"), at(1, 9, 0))
        .unwrap();
    let order = NewOrder {
        client_id: client.id,
        total: units(5),
        ..Default::default()
    };
    let results = crm
        .record_orders(vec![(order.clone(), far), (order, at(1, 10, 0))])
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap_err().field(), Some("at"));
    assert!(results[1].is_ok());
    let mut birthday = NewClient::new(ClientKind::Person, "Old");
    birthday.birth_date = chrono::NaiveDate::from_ymd_opt(0, 1, 1);
    expect_err(
        crm.add_client(birthday, at(1, 9, 0)),
        ErrorKind::Validation,
        Some("birth_date"),
    );
    assert_eq!(
        crm.changes_since(0, 0).unwrap().len(),
        2,
        "the feed reads back"
    );
}

#[test]
fn an_amount_that_could_overflow_is_a_validation_error_not_a_storage_failure() {
    let crm = mem();
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "Big"), at(1, 9, 0))
        .unwrap();
    let huge = Money::from_minor(i64::MAX);
    let order = NewOrder {
        client_id: client.id,
        total: huge,
        ..Default::default()
    };
    expect_err(
        crm.record_order(order, at(1, 10, 0)),
        ErrorKind::Validation,
        Some("total"),
    );

    // Orders at the cap add up for a long time; the one that would overflow is refused alone.
    let cap = Money::parse("10000000000000.00").unwrap();
    let batch: Vec<_> = (0..9_300)
        .map(|i| {
            let order = NewOrder {
                client_id: client.id,
                total: cap,
                ..Default::default()
            };
            (order, at(2, 9, 0) + Duration::seconds(i))
        })
        .collect();
    let results = crm.record_orders(batch).unwrap();
    let refused = results.iter().filter(|r| r.is_err()).count();
    assert!(refused > 0, "some orders must be refused");
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(r.kind(), ErrorKind::Validation);
        assert_eq!(r.field(), Some("total"));
    }
    let rollup = crm.client_rollup(client.id).unwrap();
    assert_eq!(rollup.orders, i64::try_from(9_300 - refused).unwrap());
    assert_eq!(rollup.revenue.minor(), cap.minor() * rollup.orders);
}

#[test]
fn changes_may_not_be_dated_before_the_last_change() {
    let crm = mem();
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 12, 0));
    expect_err(
        crm.start_lead(lead.id, at(2, 11, 0)),
        ErrorKind::Validation,
        Some("at"),
    );
    qualify(&crm, lead.id, at(2, 13, 0));
    expect_err(
        crm.convert_lead(lead.id, ConvertLead::default(), at(2, 12, 30)),
        ErrorKind::Validation,
        Some("at"),
    );
    let conv = crm
        .convert_lead(lead.id, ConvertLead::default(), at(3, 7, 0))
        .unwrap();
    expect_err(
        crm.move_deal(conv.deal_id, "proposal", at(3, 5, 0)),
        ErrorKind::Validation,
        Some("at"),
    );
    expect_err(
        crm.win_deal(conv.deal_id, at(3, 5, 0)),
        ErrorKind::Validation,
        Some("at"),
    );
    let history = crm.deal_history(conv.deal_id).unwrap();
    assert_eq!(history.len(), 1);
}

#[test]
fn the_first_response_is_the_earliest_outbound_contact() {
    let crm = mem();
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    let call = |when| {
        let mut a = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
        a.lead_id = Some(lead.id);
        crm.log_activity(a, when).unwrap();
    };
    call(at(2, 8, 0)); // before the request came in: not an answer to it
    assert_eq!(crm.get_lead(lead.id).unwrap().first_response_at, None);
    call(at(2, 11, 0));
    call(at(2, 10, 0)); // synced late, but earlier: it is the first response
    call(at(2, 12, 0));
    let stored = crm.get_lead(lead.id).unwrap();
    assert_eq!(stored.first_response_at, Some(at(2, 10, 0)));
    assert_eq!(stored.status, LeadStatus::InProgress);
}

#[test]
fn an_activity_needs_a_direction_and_links_that_agree() {
    let crm = mem();
    let a = crm
        .add_client(NewClient::new(ClientKind::Company, "A"), at(1, 9, 0))
        .unwrap();
    let b = crm
        .add_client(NewClient::new(ClientKind::Company, "B"), at(1, 9, 0))
        .unwrap();
    let deal_of_b = crm
        .open_deal(
            NewDeal {
                client_id: b.id,
                title: "Desks".into(),
                amount: units(1),
                ..Default::default()
            },
            at(1, 9, 0),
        )
        .unwrap();
    let seq = crm.last_seq().unwrap();

    let mut undirected = NewActivity::new(ActivityKind::Call, None);
    undirected.client_id = Some(a.id);
    expect_err(
        crm.log_activity(undirected, at(2, 9, 0)),
        ErrorKind::Validation,
        Some("direction"),
    );
    let mut crossed = NewActivity::new(ActivityKind::Meeting, Some(Direction::Out));
    crossed.client_id = Some(a.id);
    crossed.deal_id = Some(deal_of_b.id);
    expect_err(
        crm.log_activity(crossed, at(2, 9, 0)),
        ErrorKind::Validation,
        Some("deal_id"),
    );
    assert_eq!(crm.last_seq().unwrap(), seq);

    let mut offer = NewActivity::new(ActivityKind::Document, None);
    offer.deal_id = Some(deal_of_b.id);
    offer.document_ref = Some("KP-2026-117".into());
    let stored = crm.log_activity(offer, at(2, 9, 0)).unwrap();
    assert_eq!(
        stored.direction,
        Some(Direction::Out),
        "a document is sent unless said otherwise"
    );
    assert_eq!(stored.client_id, Some(b.id), "the deal's client");
}

#[test]
fn setting_what_is_already_there_logs_nothing() {
    let crm = mem();
    let seq = crm.last_seq().unwrap();
    crm.add_lost_reason("price", "Price too high", at(1, 9, 0))
        .unwrap();
    let same: Vec<NewStage> = crm
        .pipeline()
        .unwrap()
        .into_iter()
        .map(|s| NewStage::new(s.code, s.label, s.probability))
        .collect();
    crm.set_pipeline(same, at(1, 9, 0)).unwrap();
    assert_eq!(crm.last_seq().unwrap(), seq);
    crm.add_lost_reason("price", "Too expensive", at(1, 9, 0))
        .unwrap();
    assert_eq!(crm.last_seq().unwrap(), seq + 1);
}

#[test]
fn using_the_store_inside_its_own_transaction_is_an_error_not_a_deadlock() {
    let crm = mem();
    let result: crm_core::Result<i64> = crm.transaction(|_tx| crm.last_seq());
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    // The store is usable afterwards.
    assert_eq!(crm.last_seq().unwrap(), 0);
}

#[test]
fn a_cancelled_order_completed_later_joins_the_rollup() {
    let crm = mem();
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "Big"), at(1, 9, 0))
        .unwrap();
    let cap = Money::parse("10000000000000.00").unwrap();
    let first = crm
        .record_order(
            NewOrder {
                client_id: client.id,
                total: cap,
                status: Some(OrderStatus::Cancelled),
                ..Default::default()
            },
            at(1, 10, 0),
        )
        .unwrap();
    assert_eq!(crm.client_rollup(client.id).unwrap().orders, 0);
    crm.set_order_status(first.id, OrderStatus::Completed, at(1, 11, 0))
        .unwrap();
    assert_eq!(crm.client_rollup(client.id).unwrap().revenue, cap);
}

#[test]
fn another_applications_database_is_refused_and_left_alone() {
    let dir = std::env::temp_dir().join(format!("crmkit-foreign-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("accounting.db");
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER); INSERT INTO invoices VALUES (1, 5);")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = crm_core::Crm::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert!(err.to_string().contains("not a crmkit store"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is untouched"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_history_cannot_be_rewritten_even_by_hand() {
    let dir = std::env::temp_dir().join(format!("crmkit-append-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shop.crm");
    let crm = crm_core::Crm::open(&path).unwrap();
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "A"), at(2, 9, 0))
        .unwrap();
    let deal = NewDeal {
        client_id: client.id,
        title: "Desks".into(),
        ..Default::default()
    };
    crm.open_deal(deal, at(2, 9, 0)).unwrap();
    drop(crm);
    let raw = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE events SET actor = 'someone else'",
        "DELETE FROM events",
        "DELETE FROM lead_transitions",
        "UPDATE deal_stage_history SET stage = 'x'",
    ] {
        let err = raw.execute_batch(sql).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    drop(raw);
    let crm = crm_core::Crm::open(&path).unwrap();
    assert_eq!(crm.history("lead", lead.id.0).unwrap().len(), 1);
    drop(crm);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_open_deal_can_be_edited_and_a_closed_one_cannot() {
    let crm = mem();
    let olena = crm
        .add_manager(crm_core::NewManager::new("Olena"), at(1, 8, 0))
        .unwrap();
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "A"), at(1, 9, 0))
        .unwrap();
    let deal = crm
        .open_deal(
            NewDeal {
                client_id: client.id,
                title: "Desks".into(),
                amount: units(100),
                ..Default::default()
            },
            at(1, 9, 0),
        )
        .unwrap();
    let patch = crm_core::DealPatch {
        amount: Some(units(80)),
        owner_id: Some(Some(olena.id)),
        expected_close: Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 15)),
        ..Default::default()
    };
    let edited = crm.update_deal(deal.id, patch, at(2, 9, 0)).unwrap();
    assert_eq!(
        (edited.amount, edited.owner_id),
        (units(80), Some(olena.id))
    );
    assert_eq!(crm.get_deal(deal.id).unwrap(), edited);
    let last = crm.history("deal", deal.id.0).unwrap().pop().unwrap();
    assert_eq!(last.kind, "updated");
    let changed: Vec<&String> = last.data.as_object().unwrap().keys().collect();
    assert_eq!(changed, ["amount", "expected_close", "owner_id"]);

    let seq = crm.last_seq().unwrap();
    let same = crm_core::DealPatch {
        amount: Some(units(80)),
        ..Default::default()
    };
    crm.update_deal(deal.id, same, at(2, 10, 0)).unwrap();
    assert_eq!(crm.last_seq().unwrap(), seq, "no change, no event");
    let negative = crm_core::DealPatch {
        amount: Some(Money::from_minor(-1)),
        ..Default::default()
    };
    expect_err(
        crm.update_deal(deal.id, negative, at(2, 10, 0)),
        ErrorKind::Validation,
        Some("amount"),
    );

    crm.win_deal(deal.id, at(3, 9, 0)).unwrap();
    let late = crm_core::DealPatch {
        amount: Some(units(1)),
        ..Default::default()
    };
    expect_err(
        crm.update_deal(deal.id, late, at(4, 9, 0)),
        ErrorKind::Conflict,
        None,
    );
}
