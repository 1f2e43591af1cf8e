//! The web-shop and ERP ports: web orders (idempotency, client matching, UTM sources, the lead of a
//! first order in the reports), counterparty and order upserts, the change feed's pinned JSON shape, and
//! a round trip of the feed from one store into another.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use common::{at, expect_err, mem, units};
use crm_core::*;
use serde_json::{Map, Value, json};

fn web_order(id: &str, name: &str, phone: &str, email: &str) -> WebOrder {
    serde_json::from_value(json!({
        "id": id,
        "customer": {"name": name, "phone": phone, "email": email},
        "lines": [
            {"sku": "TEA-1", "name": "Green tea", "quantity": 2, "price": "150.00"},
            {"sku": "CUP-7", "quantity": 1, "price": "99.50"}
        ],
        "shipping": "50.00",
        "total": "449.50",
        "currency": "UAH",
        "utm": {"source": "google", "medium": "cpc", "campaign": "winter"}
    }))
    .unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

// --- web shop --------------------------------------------------------------------------------------------

#[test]
fn a_web_order_is_recorded_once_by_its_shop_id() {
    let crm = mem();
    let mut order = web_order(
        "1001",
        "Olena Kovalenko",
        "+380 67 123 4567",
        "olena@example.com",
    );
    order.shop = Some("tea-shop".into());
    let first = crm.record_web_order(order.clone(), at(2, 10, 0)).unwrap();
    assert!(!first.duplicate);
    assert!(first.client_created);
    assert_eq!(first.order.external_ref.as_deref(), Some("tea-shop:1001"));
    assert_eq!(first.order.total, Money::parse("449.50").unwrap());
    assert_eq!(
        first.order.lines,
        vec![
            OrderLine::new("TEA-1", 2, units(150)),
            OrderLine::new("CUP-7", 1, Money::parse("99.50").unwrap()),
            OrderLine::new("shipping", 1, units(50)),
        ]
    );
    let seq = crm.last_seq().unwrap();

    let again = crm.record_web_order(order.clone(), at(2, 10, 5)).unwrap();
    assert!(again.duplicate);
    assert!(!again.client_created);
    assert_eq!(again.order, first.order);
    assert_eq!(again.client_id, first.client_id);
    assert_eq!(again.lead_id, first.lead_id);
    assert_eq!(again.deal_id, first.deal_id);
    assert_eq!(again.source_id, first.source_id);
    assert_eq!(crm.last_seq().unwrap(), seq, "a repeat writes nothing");
    assert_eq!(crm.list_orders(&OrderQuery::default()).unwrap().len(), 1);
    assert_eq!(crm.list_clients(&ClientQuery::default()).unwrap().len(), 1);
    assert_eq!(crm.list_leads(&LeadQuery::default()).unwrap().len(), 1);

    // The same id from another shop is another order (of the same, now known, customer).
    let mut other_shop = order.clone();
    other_shop.shop = Some("cup-shop".into());
    let other = crm.record_web_order(other_shop, at(2, 11, 0)).unwrap();
    assert!(!other.duplicate);
    assert_eq!(other.client_id, first.client_id);
    assert_ne!(other.order.id, first.order.id);

    // A repeat with a new status applies it; with another total it is a conflict.
    let mut returned = order.clone();
    returned.status = Some(OrderStatus::Returned);
    let changed = crm.record_web_order(returned, at(3, 9, 0)).unwrap();
    assert!(changed.duplicate);
    assert_eq!(changed.order.status, OrderStatus::Returned);
    let last = crm.changes_since(crm.last_seq().unwrap() - 1, 10).unwrap();
    assert_eq!(
        (last[0].entity.as_str(), last[0].kind.as_str()),
        ("order", "status_changed")
    );
    assert_eq!(
        crm.client_rollup(first.client_id).unwrap().revenue,
        Money::parse("449.50").unwrap(),
        "only the other shop's order counts now"
    );
    let mut cheaper = order;
    cheaper.lines.pop();
    cheaper.total = units(350);
    expect_err(
        crm.record_web_order(cheaper, at(3, 9, 5)),
        ErrorKind::Conflict,
        None,
    );
}

#[test]
fn the_utm_tags_map_to_a_source_created_once() {
    let crm = mem();
    let a = crm
        .record_web_order(
            web_order("1", "Olena Kovalenko", "+380671234567", "olena@example.com"),
            at(2, 10, 0),
        )
        .unwrap();
    let b = crm
        .record_web_order(
            web_order(
                "2",
                "Petro Shevchenko",
                "+380501112233",
                "petro@example.com",
            ),
            at(2, 11, 0),
        )
        .unwrap();
    assert_eq!(a.source_id, b.source_id);
    let sources = crm.list_sources().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(
        (
            sources[0].name.as_str(),
            sources[0].campaign.as_deref(),
            sources[0].channel
        ),
        ("google", Some("winter"), Channel::Ads)
    );

    // Other media give other channels; an existing source keeps its own.
    let mut mail = web_order("3", "Iryna Bondar", "+380931234567", "iryna@example.com");
    mail.utm = Some(Utm {
        source: "newsletter".into(),
        medium: Some("email".into()),
        campaign: None,
    });
    let mail = crm.record_web_order(mail, at(2, 12, 0)).unwrap();
    let mut social = web_order("4", "Taras Melnyk", "+380661234567", "taras@example.com");
    social.utm = Some(Utm {
        source: "instagram".into(),
        medium: Some("social".into()),
        campaign: Some("spring".into()),
    });
    let social = crm.record_web_order(social, at(2, 13, 0)).unwrap();
    // No tags: the shop's own source (or "web shop").
    let mut plain = web_order("5", "Anna Lysenko", "+380971234567", "anna@example.com");
    plain.utm = None;
    let plain = crm.record_web_order(plain, at(2, 14, 0)).unwrap();
    let mut named = web_order("6", "Oleh Tkachenko", "+380631234567", "oleh@example.com");
    named.utm = None;
    named.shop = Some("tea-shop".into());
    let named = crm.record_web_order(named, at(2, 15, 0)).unwrap();

    let source = |id: Option<SourceId>| crm.get_source(id.unwrap()).unwrap();
    assert_eq!(source(mail.source_id).channel, Channel::Email);
    assert_eq!(source(social.source_id).channel, Channel::Other);
    assert_eq!(
        (
            source(plain.source_id).name,
            source(plain.source_id).channel
        ),
        ("web shop".to_string(), Channel::Shop)
    );
    assert_eq!(source(named.source_id).name, "tea-shop");
    assert_eq!(crm.list_sources().unwrap().len(), 5);
    // Every lead is the shop channel's, with the order's source.
    let leads = crm.list_leads(&LeadQuery::default()).unwrap();
    assert_eq!(leads.len(), 6);
    assert!(leads.iter().all(|l| l.channel == Channel::Shop));
    assert_eq!(leads[0].source_id, a.source_id);
    assert_eq!(leads[4].source_id, plain.source_id);
}

#[test]
fn a_first_order_of_an_unknown_customer_is_a_converted_lead_the_reports_see() {
    let crm = mem();
    let mut order = web_order(
        "1001",
        "Olena Kovalenko",
        "+380671234567",
        "olena@example.com",
    );
    order.note = Some("please call before delivery".into());
    let result = crm.record_web_order(order, at(2, 10, 0)).unwrap();
    let client = crm.get_client(result.client_id).unwrap();
    assert_eq!(client.kind, ClientKind::Person);
    assert_eq!(client.name, "Olena Kovalenko");
    assert_eq!(client.phone.as_deref(), Some("+380671234567"));

    let lead = crm.get_lead(result.lead_id.unwrap()).unwrap();
    assert_eq!(lead.status, LeadStatus::Converted);
    assert_eq!(lead.client_id, Some(result.client_id));
    assert_eq!(lead.need.as_deref(), Some("please call before delivery"));
    assert_eq!(lead.received_at, at(2, 10, 0));
    let deal = crm.get_deal(result.deal_id.unwrap()).unwrap();
    assert_eq!(deal.status, DealStatus::Won);
    assert_eq!(deal.amount, Money::parse("449.50").unwrap());
    assert_eq!(deal.title, "Web order 1001");
    assert_eq!(result.order.deal_id, Some(deal.id));

    let funnel = crm.funnel(&FunnelQuery::new(day(1), day(30))).unwrap();
    let entered: Vec<(&str, u64)> = funnel
        .steps
        .iter()
        .map(|s| (s.code.as_str(), s.entered))
        .collect();
    assert_eq!(entered.first(), Some(&("received", 1)));
    assert!(entered.contains(&("qualified", 1)), "{entered:?}");
    assert!(entered.contains(&("converted", 1)), "{entered:?}");
    assert_eq!(entered.last(), Some(&("won", 1)));

    let rows = crm
        .source_report(&SourceQuery::new(day(1), day(30)))
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.source_id, result.source_id);
    assert_eq!(
        (
            row.leads,
            row.qualified,
            row.converted,
            row.clients,
            row.clients_won
        ),
        (1, 1, 1, 1, 1)
    );
    assert_eq!(row.revenue, Money::parse("449.50").unwrap());
}

#[test]
fn a_known_customer_is_found_however_the_phone_is_written() {
    let crm = mem();
    let mut known = NewClient::new(ClientKind::Person, "Olena Kovalenko");
    known.phone = Some("+380 67 123 45 67".into());
    let known = crm.add_client(known, at(1, 9, 0)).unwrap();
    let result = crm
        .record_web_order(
            web_order("7", "Олена Коваленко", "067-123-45-67", "new@example.com"),
            at(2, 10, 0),
        )
        .unwrap();
    assert_eq!(result.client_id, known.id);
    assert!(!result.client_created);
    assert_eq!((result.lead_id, result.deal_id), (None, None));
    assert!(result.source_id.is_some());
    assert_eq!(crm.list_clients(&ClientQuery::default()).unwrap().len(), 1);
    assert!(crm.list_leads(&LeadQuery::default()).unwrap().is_empty());
    assert_eq!(
        crm.client_rollup(known.id).unwrap().revenue,
        Money::parse("449.50").unwrap()
    );

    // Phone and e-mail pointing at two different clients, and a name like neither: a new client.
    let mut by_email = NewClient::new(ClientKind::Person, "Petro Shevchenko");
    by_email.email = Some("petro@example.com".into());
    let by_email = crm.add_client(by_email, at(1, 9, 5)).unwrap();
    let torn = crm
        .record_web_order(
            web_order("8", "Iryna Bondar", "+380671234567", "petro@example.com"),
            at(2, 11, 0),
        )
        .unwrap();
    assert!(torn.client_created);
    assert_ne!(torn.client_id, known.id);
    assert_ne!(torn.client_id, by_email.id);

    // A company customer: a company client with the customer as its contact person.
    let mut firm = web_order("9", "Taras Melnyk", "+380661234567", "taras@romashka.ua");
    firm.customer.company = Some("Romashka LLC".into());
    let firm = crm.record_web_order(firm, at(2, 12, 0)).unwrap();
    let client = crm.get_client(firm.client_id).unwrap();
    assert_eq!(
        (client.kind, client.name.as_str()),
        (ClientKind::Company, "Romashka LLC")
    );
    let contacts = crm.list_contacts(firm.client_id).unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].name, "Taras Melnyk");
    assert_eq!(contacts[0].phones, vec!["+380661234567".to_string()]);
}

#[test]
fn a_web_order_whose_total_does_not_add_up_is_refused() {
    let crm = mem();
    let mut order = web_order("1", "Olena Kovalenko", "+380671234567", "olena@example.com");
    order.total = Money::parse("440.00").unwrap();
    let err = expect_err(
        crm.record_web_order(order.clone(), at(2, 10, 0)),
        ErrorKind::Validation,
        Some("total"),
    );
    assert!(err.to_string().contains("differs by -9.50"), "{err}");
    order.total = Money::parse("449.50").unwrap();
    order.lines[1].quantity = 0;
    expect_err(
        crm.record_web_order(order.clone(), at(2, 10, 0)),
        ErrorKind::Validation,
        Some("lines[1].quantity"),
    );
    order.lines[1].quantity = 1;
    order.currency = Some("гривня".into());
    expect_err(
        crm.record_web_order(order.clone(), at(2, 10, 0)),
        ErrorKind::Validation,
        Some("currency"),
    );
    order.currency = None;
    order.customer.name = " ".into();
    expect_err(
        crm.record_web_order(order, at(2, 10, 0)),
        ErrorKind::Validation,
        Some("customer.name"),
    );
    let unknown = serde_json::from_value::<WebOrder>(json!({
        "id": "1", "customer": {"name": "X"}, "total": "1.00", "discount": "1.00"
    }));
    assert!(unknown.is_err(), "unknown fields are refused");
    assert_eq!(crm.last_seq().unwrap(), 0, "nothing was written");
}

// --- ERP -------------------------------------------------------------------------------------------------

fn counterparty(value: Value) -> Counterparty {
    serde_json::from_value(value).unwrap()
}

#[test]
fn upsert_counterparty_creates_updates_and_leaves_alone() {
    let crm = mem();
    let created = crm
        .upsert_counterparty(
            counterparty(json!({
                "external_ref": "1C-0001", "name": "Romashka LLC", "tax_id": "12345678",
                "phone": "+380441234567", "email": "office@romashka.ua", "region": "Kyiv",
                "tags": ["wholesale"], "attributes": {"price_list": "B"}
            })),
            at(2, 9, 0),
        )
        .unwrap();
    assert_eq!(created.action, UpsertAction::Created);
    assert_eq!(created.record.kind, ClientKind::Company);
    assert_eq!(created.record.external_ref.as_deref(), Some("1C-0001"));
    let id = created.record.id;

    let same = crm
        .upsert_counterparty(
            counterparty(
                json!({"external_ref": "1C-0001", "name": "Romashka LLC", "region": "Kyiv"}),
            ),
            at(2, 10, 0),
        )
        .unwrap();
    assert_eq!(same.action, UpsertAction::Unchanged);
    assert_eq!(same.record, created.record);

    let seq = crm.last_seq().unwrap();
    let updated = crm
        .upsert_counterparty(
            counterparty(
                json!({"external_ref": "1C-0001", "region": null, "phone": "+380441112233",
                                "attributes": null}),
            ),
            at(2, 11, 0),
        )
        .unwrap();
    assert_eq!(updated.action, UpsertAction::Updated);
    assert_eq!(updated.record.id, id);
    assert_eq!(updated.record.region, None);
    assert_eq!(updated.record.phone.as_deref(), Some("+380441112233"));
    assert_eq!(updated.record.attributes, Value::Null);
    assert_eq!(
        updated.record.email.as_deref(),
        Some("office@romashka.ua"),
        "left out: kept"
    );
    let events = crm.changes_since(seq, 10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "updated");
    assert_eq!(
        events[0].data,
        json!({"region": null, "phone": "+380441112233", "attributes": null})
    );

    // A new counterparty needs a name.
    expect_err(
        crm.upsert_counterparty(
            counterparty(json!({"external_ref": "1C-0002"})),
            at(2, 12, 0),
        ),
        ErrorKind::Validation,
        Some("name"),
    );
    expect_err(
        crm.upsert_counterparty(
            counterparty(json!({"external_ref": " ", "name": "X"})),
            at(2, 12, 0),
        ),
        ErrorKind::Validation,
        Some("external_ref"),
    );
}

#[test]
fn the_first_erp_sync_links_a_client_by_its_tax_id() {
    let crm = mem();
    let mut by_hand = NewClient::new(ClientKind::Company, "Romashka");
    by_hand.tax_id = Some("12345678".into());
    let by_hand = crm.add_client(by_hand, at(1, 9, 0)).unwrap();
    let linked = crm
        .upsert_counterparty(
            counterparty(
                json!({"external_ref": "1C-0001", "name": "Romashka LLC", "tax_id": "12345678"}),
            ),
            at(2, 9, 0),
        )
        .unwrap();
    assert_eq!(linked.action, UpsertAction::Updated);
    assert_eq!(linked.record.id, by_hand.id);
    assert_eq!(linked.record.external_ref.as_deref(), Some("1C-0001"));
    assert_eq!(linked.record.name, "Romashka LLC");
    assert_eq!(crm.list_clients(&ClientQuery::default()).unwrap().len(), 1);

    // A client that has a reference already is not taken over: another reference is another client.
    let other = crm
        .upsert_counterparty(
            counterparty(
                json!({"external_ref": "1C-0009", "name": "Romashka branch", "tax_id": "12345678"}),
            ),
            at(2, 10, 0),
        )
        .unwrap();
    assert_eq!(other.action, UpsertAction::Created);
    assert_ne!(other.record.id, by_hand.id);

    // Two clients by hand with the same tax id: which one is meant is for a person to say.
    let mut twin = NewClient::new(ClientKind::Company, "Vasylok");
    twin.tax_id = Some("87654321".into());
    crm.add_client(twin.clone(), at(1, 9, 0)).unwrap();
    twin.name = "Vasylok Ltd".into();
    crm.add_client(twin, at(1, 9, 0)).unwrap();
    expect_err(
        crm.upsert_counterparty(
            counterparty(
                json!({"external_ref": "1C-0002", "name": "Vasylok", "tax_id": "87654321"}),
            ),
            at(2, 11, 0),
        ),
        ErrorKind::Conflict,
        None,
    );
}

fn erp_order(value: Value) -> ErpOrder {
    serde_json::from_value(value).unwrap()
}

#[test]
fn upsert_order_records_corrects_and_moves_orders() {
    let crm = mem();
    for (r, name) in [("1C-A", "Romashka"), ("1C-B", "Vasylok")] {
        crm.upsert_counterparty(
            counterparty(json!({"external_ref": r, "name": name})),
            at(1, 9, 0),
        )
        .unwrap();
    }
    let a = crm.list_clients(&ClientQuery::default()).unwrap()[0].id;
    let b = crm.list_clients(&ClientQuery::default()).unwrap()[1].id;
    let sent = json!({
        "external_ref": "SO-1", "counterparty_ref": "1C-A", "placed_at": "2026-11-02T10:00:00Z",
        "total": "300.00", "lines": [{"sku": "TEA-1", "quantity": 2, "unit_price": "150.00"}]
    });
    let created = crm
        .upsert_order(erp_order(sent.clone()), at(2, 12, 0))
        .unwrap();
    assert_eq!(created.action, UpsertAction::Created);
    assert_eq!(created.record.ordered_at, at(2, 10, 0));
    assert_eq!(crm.client_rollup(a).unwrap().revenue, units(300));

    let seq = crm.last_seq().unwrap();
    let same = crm
        .upsert_order(erp_order(sent.clone()), at(2, 13, 0))
        .unwrap();
    assert_eq!(same.action, UpsertAction::Unchanged);
    assert_eq!(crm.last_seq().unwrap(), seq);

    // The ERP corrects the order: three packs, not two, and later that day.
    let mut corrected = sent.clone();
    corrected["total"] = json!("450.00");
    corrected["lines"][0]["quantity"] = json!(3);
    corrected["placed_at"] = json!("2026-11-02T15:00:00Z");
    let fixed = crm
        .upsert_order(erp_order(corrected.clone()), at(3, 9, 0))
        .unwrap();
    assert_eq!(fixed.action, UpsertAction::Updated);
    assert_eq!(fixed.record.id, created.record.id);
    assert_eq!(fixed.record.total, units(450));
    assert_eq!(crm.get_order(created.record.id).unwrap(), fixed.record);
    let rollup = crm.client_rollup(a).unwrap();
    assert_eq!((rollup.revenue, rollup.orders), (units(450), 1));
    assert_eq!(rollup.last_order_at, Some(at(2, 15, 0)));
    let events = crm.changes_since(seq, 10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].entity.as_str(), events[0].kind.as_str()),
        ("order", "updated")
    );
    assert_eq!(
        events[0].data,
        json!({"ordered_at": "2026-11-02T15:00:00Z", "total": "450.00",
               "lines": [{"sku": "TEA-1", "quantity": 3, "unit_price": "150.00"}]})
    );

    // Only the status: a status change.
    let mut cancelled = corrected.clone();
    cancelled["status"] = json!("cancelled");
    let status = crm
        .upsert_order(erp_order(cancelled), at(3, 10, 0))
        .unwrap();
    assert_eq!(status.action, UpsertAction::Updated);
    assert_eq!(status.record.status, OrderStatus::Cancelled);
    assert_eq!(crm.client_rollup(a).unwrap().revenue, Money::ZERO);
    let last = crm.changes_since(crm.last_seq().unwrap() - 1, 1).unwrap();
    assert_eq!(last[0].kind, "status_changed");

    // Completed again, and moved to the other counterparty: both rollups follow.
    let mut moved = corrected;
    moved["counterparty_ref"] = json!("1C-B");
    moved["status"] = json!("completed");
    let moved = crm.upsert_order(erp_order(moved), at(3, 11, 0)).unwrap();
    assert_eq!(moved.record.client_id, b);
    assert_eq!(crm.client_rollup(a).unwrap().revenue, Money::ZERO);
    assert_eq!(crm.client_rollup(a).unwrap().orders, 0);
    assert_eq!(crm.client_rollup(b).unwrap().revenue, units(450));

    // Lines that do not add up, an unknown counterparty.
    let mut bad = sent.clone();
    bad["total"] = json!("1.00");
    expect_err(
        crm.upsert_order(erp_order(bad), at(4, 9, 0)),
        ErrorKind::Validation,
        Some("total"),
    );
    let mut nobody = sent;
    nobody["counterparty_ref"] = json!("1C-X");
    nobody["external_ref"] = json!("SO-2");
    expect_err(
        crm.upsert_order(erp_order(nobody), at(4, 9, 0)),
        ErrorKind::NotFound,
        None,
    );
}

// --- the change feed ------------------------------------------------------------------------------------

#[test]
fn the_change_feed_json_of_a_client_is_pinned() {
    let crm = mem();
    let mut new = NewClient::new(ClientKind::Company, "Romashka LLC");
    new.tax_id = Some("12345678".into());
    new.phone = Some("+380 44 123 45 67".into());
    new.tags = vec!["wholesale".into()];
    new.attributes = json!({"price_list": "B"});
    new.external_ref = Some("1C-0001".into());
    let client = crm.add_client(new, at(2, 9, 30)).unwrap();
    let patch: ClientPatch = serde_json::from_value(
        json!({"phone": null, "email": "office@romashka.ua", "tags": ["retail"]}),
    )
    .unwrap();
    crm.update_client(client.id, patch, at(2, 10, 0)).unwrap();

    let events = crm.changes_since(0, 0).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        serde_json::to_value(&events[0]).unwrap(),
        json!({
            "seq": 1, "at": "2026-11-02T09:30:00Z", "actor": "system",
            "entity": "client", "entity_id": 1, "kind": "created",
            "data": {
                "id": 1, "kind": "company", "name": "Romashka LLC",
                "tax_id": "12345678", "tax_id_quality": "valid",
                "phone": "+380 44 123 45 67", "phone_quality": "valid",
                "email": null, "email_quality": null,
                "website": null, "industry": null, "region": null, "address": null,
                "birth_date": null, "owner_id": null, "tags": ["wholesale"],
                "attributes": {"price_list": "B"}, "external_ref": "1C-0001",
                "created_at": "2026-11-02T09:30:00Z", "updated_at": "2026-11-02T09:30:00Z"
            }
        })
    );
    assert_eq!(
        serde_json::to_value(&events[1]).unwrap(),
        json!({
            "seq": 2, "at": "2026-11-02T10:00:00Z", "actor": "system",
            "entity": "client", "entity_id": 1, "kind": "updated",
            "data": {
                "phone": null, "phone_quality": null,
                "email": "office@romashka.ua", "email_quality": "valid",
                "tags": ["retail"]
            }
        })
    );
}

/// The client fields a counterparty carries (what the adapter copies from the feed).
const CLIENT_FIELDS: [&str; 13] = [
    "kind",
    "name",
    "tax_id",
    "phone",
    "email",
    "website",
    "industry",
    "region",
    "address",
    "birth_date",
    "tags",
    "attributes",
    "external_ref",
];

/// A small ERP adapter: reads the change feed of `from` page by page, folds each client's and order's
/// events into its latest state, and sends them to `to` through the ERP port. Clients without an ERP
/// reference are keyed `A-{id}`, orders without one `A-order-{id}`.
#[derive(Default)]
struct Adapter {
    /// A's client id → the reference the other side knows it by.
    refs: HashMap<i64, String>,
}

impl Adapter {
    fn sync(&mut self, from: &Crm, to: &Crm, since: i64, now: DateTime<Utc>) -> i64 {
        let mut seq = since;
        let mut clients: BTreeMap<i64, Map<String, Value>> = BTreeMap::new();
        let mut orders: BTreeMap<i64, Map<String, Value>> = BTreeMap::new();
        loop {
            let page = from.changes_since(seq, 3).unwrap();
            if page.is_empty() {
                break;
            }
            for event in page {
                assert!(event.seq > seq, "the feed is in seq order");
                seq = event.seq;
                let Value::Object(data) = event.data else {
                    panic!("event data is an object")
                };
                match (event.entity.as_str(), event.kind.as_str()) {
                    ("client", "created" | "updated") => {
                        let state = clients.entry(event.entity_id).or_default();
                        for (field, value) in data {
                            if CLIENT_FIELDS.contains(&field.as_str()) {
                                state.insert(field, value);
                            }
                        }
                    }
                    ("order", "recorded" | "updated") => {
                        orders.entry(event.entity_id).or_default().extend(data);
                    }
                    ("order", "status_changed") => {
                        let state = orders.entry(event.entity_id).or_default();
                        state.insert("status".into(), data["to"].clone());
                    }
                    _ => {}
                }
            }
        }
        for (id, mut state) in clients {
            let key = match state.get("external_ref") {
                Some(Value::String(r)) => r.clone(),
                _ => self.refs.get(&id).cloned().unwrap_or(format!("A-{id}")),
            };
            self.refs.insert(id, key.clone());
            state.insert("external_ref".into(), Value::String(key));
            to.upsert_counterparty(serde_json::from_value(Value::Object(state)).unwrap(), now)
                .unwrap();
        }
        for (id, state) in orders {
            let client = state["client_id"].as_i64().unwrap();
            let key = match state.get("external_ref") {
                Some(Value::String(r)) => r.clone(),
                _ => format!("A-order-{id}"),
            };
            let order = json!({
                "external_ref": key,
                "counterparty_ref": self.refs[&client],
                "placed_at": state["ordered_at"],
                "total": state["total"],
                "lines": state["lines"],
                "status": state["status"],
            });
            to.upsert_order(serde_json::from_value(order).unwrap(), now)
                .unwrap();
        }
        seq
    }
}

/// A client's fields as the other side should have them.
fn fields(client: &Client) -> Value {
    let mut value = serde_json::to_value(client).unwrap();
    let map = value.as_object_mut().unwrap();
    for gone in ["id", "owner_id", "created_at", "updated_at", "external_ref"] {
        map.remove(gone);
    }
    value
}

#[test]
fn the_change_feed_applied_to_another_store_gives_the_same_clients_and_orders() {
    let a = mem();
    let b = mem();
    // Clients: added, updated, a field cleared, tags replaced; one without an ERP reference.
    let mut romashka = NewClient::new(ClientKind::Company, "Romashka LLC");
    romashka.tax_id = Some("12345678".into());
    romashka.phone = Some("+380441234567".into());
    romashka.email = Some("office@romashka.ua".into());
    romashka.tags = vec!["wholesale".into()];
    romashka.attributes = json!({"price_list": "B"});
    romashka.external_ref = Some("1C-0001".into());
    let romashka = a.add_client(romashka, at(1, 9, 0)).unwrap();
    let mut olena = NewClient::new(ClientKind::Person, "Olena Kovalenko");
    olena.region = Some("Lviv".into());
    olena.birth_date = Some(NaiveDate::from_ymd_opt(1990, 5, 17).unwrap());
    let olena = a.add_client(olena, at(1, 9, 5)).unwrap();
    let patch: ClientPatch = serde_json::from_value(json!({
        "email": null, "phone": "+380 44 111 22 33", "tags": ["wholesale", "key"]
    }))
    .unwrap();
    a.update_client(romashka.id, patch, at(1, 10, 0)).unwrap();
    let patch: ClientPatch =
        serde_json::from_value(json!({"region": null, "industry": "tea"})).unwrap();
    a.update_client(olena.id, patch, at(1, 10, 5)).unwrap();

    // Orders: recorded, a status change, an ERP correction, one without a reference, a web order.
    let tea = |q| vec![OrderLine::new("TEA-1", q, units(150))];
    a.record_order(
        NewOrder {
            client_id: romashka.id,
            total: units(300),
            lines: tea(2),
            external_ref: Some("SO-1".into()),
            ..Default::default()
        },
        at(2, 9, 0),
    )
    .unwrap();
    let returned = a
        .record_order(
            NewOrder {
                client_id: olena.id,
                total: units(150),
                lines: tea(1),
                external_ref: Some("SO-2".into()),
                ..Default::default()
            },
            at(2, 10, 0),
        )
        .unwrap();
    a.set_order_status(returned.id, OrderStatus::Returned, at(3, 9, 0))
        .unwrap();
    a.record_order(
        NewOrder {
            client_id: olena.id,
            total: units(99),
            ..Default::default()
        },
        at(3, 10, 0),
    )
    .unwrap();
    a.upsert_order(
        erp_order(json!({
            "external_ref": "SO-1", "counterparty_ref": "1C-0001", "total": "600.00",
            "lines": [{"sku": "TEA-1", "quantity": 4, "unit_price": "150.00"}]
        })),
        at(4, 9, 0),
    )
    .unwrap();
    a.record_web_order(
        web_order(
            "W-1",
            "Petro Shevchenko",
            "+380501112233",
            "petro@example.com",
        ),
        at(4, 12, 0),
    )
    .unwrap();

    let mut adapter = Adapter::default();
    let seq = adapter.sync(&a, &b, 0, at(5, 9, 0));
    assert_eq!(seq, a.last_seq().unwrap());

    // Every client and every order agree.
    let a_clients = a.list_clients(&ClientQuery::default()).unwrap();
    let b_clients = b.list_clients(&ClientQuery::default()).unwrap();
    assert_eq!(a_clients.len(), 3);
    assert_eq!(b_clients.len(), 3);
    let mut b_by_ref = HashMap::new();
    for client in &b_clients {
        b_by_ref.insert(client.external_ref.clone().unwrap(), client);
    }
    for client in &a_clients {
        let key = client
            .external_ref
            .clone()
            .unwrap_or(format!("A-{}", client.id));
        let other = b_by_ref[&key];
        assert_eq!(fields(client), fields(other), "client {key}");
    }
    let a_orders = a.list_orders(&OrderQuery::default()).unwrap();
    let b_orders = b.list_orders(&OrderQuery::default()).unwrap();
    assert_eq!(a_orders.len(), 4);
    assert_eq!(b_orders.len(), 4);
    for order in &a_orders {
        let key = order
            .external_ref
            .clone()
            .unwrap_or(format!("A-order-{}", order.id));
        let other = b_orders
            .iter()
            .find(|o| o.external_ref.as_deref() == Some(&key))
            .unwrap();
        assert_eq!(
            (order.total, &order.lines, order.status, order.ordered_at),
            (other.total, &other.lines, other.status, other.ordered_at),
            "order {key}"
        );
        let a_client = a_clients.iter().find(|c| c.id == order.client_id).unwrap();
        let b_client = b_clients.iter().find(|c| c.id == other.client_id).unwrap();
        assert_eq!(
            fields(a_client),
            fields(b_client),
            "the client of order {key}"
        );
        assert_eq!(
            a.client_rollup(order.client_id).unwrap().revenue,
            b.client_rollup(other.client_id).unwrap().revenue
        );
    }
    let so1 = b_orders
        .iter()
        .find(|o| o.external_ref.as_deref() == Some("SO-1"))
        .unwrap();
    assert_eq!(so1.total, units(600), "the correction came through");

    // At least once: applying the same feed again changes nothing.
    let before = b.last_seq().unwrap();
    adapter.sync(&a, &b, 0, at(6, 9, 0));
    assert_eq!(b.last_seq().unwrap(), before);
    // And from the last seq, there is nothing to do.
    assert_eq!(adapter.sync(&a, &b, seq, at(6, 9, 0)), seq);
    assert_eq!(b.last_seq().unwrap(), before);

    // A later change travels alone: only the changed field is sent.
    let patch: ClientPatch = serde_json::from_value(json!({"website": "romashka.ua"})).unwrap();
    a.update_client(romashka.id, patch, at(7, 9, 0)).unwrap();
    adapter.sync(&a, &b, seq, at(7, 10, 0));
    let synced = b
        .list_clients(&ClientQuery {
            external_ref: Some("1C-0001".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(synced[0].website.as_deref(), Some("romashka.ua"));
    assert_eq!(b.last_seq().unwrap(), before + 1);
}
