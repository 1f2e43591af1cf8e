#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Records through the public API: validation, not-found, capture rules, idempotency, listings, the event
//! log, rollups, a file store reopened, and concurrent writers.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use common::{at, expect_err, mem, on, qualify, units, web_lead};
use crm_core::{
    ActivityKind, ActivityQuery, Channel, ClientId, ClientKind, ClientQuery, ConvertLead, Crm,
    DealId, DealQuery, DealStatus, Direction, ErrorKind, LeadId, LeadQuery, LeadStatus, ManagerId,
    Money, NewActivity, NewClient, NewDeal, NewLead, NewManager, NewOrder, NewSource, NewSpend,
    NewStage, OrderId, OrderLine, OrderQuery, OrderStatus, Page, Quality, SourceId,
};
use serde_json::json;

fn order(client_id: ClientId, total: Money, lines: Vec<OrderLine>) -> NewOrder {
    NewOrder {
        client_id,
        total,
        lines,
        ..Default::default()
    }
}

fn company(crm: &Crm, name: &str) -> ClientId {
    crm.add_client(NewClient::new(ClientKind::Company, name), at(1, 9, 0))
        .unwrap()
        .id
}

#[test]
fn validation_errors_name_the_field_and_the_rule() {
    let crm = mem();
    let client = company(&crm, "Acme");
    let seq = crm.last_seq().unwrap();

    let err = expect_err(
        crm.add_client(NewClient::new(ClientKind::Company, "   "), at(2, 9, 0)),
        ErrorKind::Validation,
        Some("name"),
    );
    assert_eq!(err.to_string(), "name: must not be empty");

    let lines = vec![
        OrderLine::new("SKU-1", 2, units(10)),
        OrderLine::new("SKU-2", -1, units(5)),
    ];
    let err = expect_err(
        crm.record_order(order(client, units(15), lines), at(2, 9, 0)),
        ErrorKind::Validation,
        Some("lines[1].quantity"),
    );
    assert!(err.to_string().starts_with("lines[1].quantity: "), "{err}");

    let lines = vec![OrderLine::new("SKU-1", 0, units(10))];
    expect_err(
        crm.record_order(order(client, units(0), lines), at(2, 9, 0)),
        ErrorKind::Validation,
        Some("lines[0].quantity"),
    );

    let lines = vec![
        OrderLine::new("SKU-1", 2, Money::parse("100.00").unwrap()),
        OrderLine::new("SKU-7", 1, Money::parse("45.90").unwrap()),
    ];
    let err = expect_err(
        crm.record_order(
            order(client, Money::parse("245.00").unwrap(), lines),
            at(2, 9, 0),
        ),
        ErrorKind::Validation,
        Some("total"),
    );
    assert!(err.to_string().contains("245.90"), "names the sum: {err}");

    expect_err(
        crm.record_order(order(client, Money::from_minor(-1), vec![]), at(2, 9, 0)),
        ErrorKind::Validation,
        Some("total"),
    );
    let lines = vec![OrderLine::new("SKU-1", 1, Money::from_minor(-500))];
    expect_err(
        crm.record_order(order(client, Money::ZERO, lines), at(2, 9, 0)),
        ErrorKind::Validation,
        Some("lines[0].unit_price"),
    );
    let lines = vec![OrderLine::new(" ", 1, units(1))];
    expect_err(
        crm.record_order(order(client, units(1), lines), at(2, 9, 0)),
        ErrorKind::Validation,
        Some("lines[0].sku"),
    );

    let src = crm
        .add_source(
            NewSource {
                name: "Google Ads".into(),
                channel: Channel::Ads,
                campaign: None,
            },
            at(1, 9, 0),
        )
        .unwrap();
    let seq_after_source = crm.last_seq().unwrap();
    expect_err(
        crm.add_spend(
            NewSpend {
                source_id: src.id,
                on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                amount: Money::from_minor(-100),
                note: None,
            },
            at(2, 9, 0),
        ),
        ErrorKind::Validation,
        Some("amount"),
    );
    expect_err(
        crm.open_deal(
            NewDeal {
                client_id: client,
                title: "Desks".into(),
                amount: Money::from_minor(-1),
                ..Default::default()
            },
            at(2, 9, 0),
        ),
        ErrorKind::Validation,
        Some("amount"),
    );
    let mut lead = web_lead("Ivan", "0671234567");
    lead.estimated_value = Some(Money::from_minor(-1));
    expect_err(
        crm.capture_lead(lead, at(2, 9, 0)),
        ErrorKind::Validation,
        Some("estimated_value"),
    );

    for bad in [json!([1, 2]), json!("vip"), json!(7)] {
        let mut new = NewClient::new(ClientKind::Person, "Maria");
        new.attributes = bad;
        expect_err(
            crm.add_client(new, at(2, 9, 0)),
            ErrorKind::Validation,
            Some("attributes"),
        );
    }
    // An object is fine, and comes back as given.
    let mut new = NewClient::new(ClientKind::Person, "Maria");
    new.attributes = json!({"loyalty": "gold", "visits": 3});
    let maria = crm.add_client(new, at(2, 9, 0)).unwrap();
    assert_eq!(
        crm.get_client(maria.id).unwrap().attributes,
        json!({"loyalty": "gold", "visits": 3})
    );

    // Nothing was written by any refused command (the source and Maria are the only new events).
    assert_eq!(seq_after_source, seq + 1);
    let events = crm.changes_since(seq, 0).unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.entity.as_str()).collect();
    assert_eq!(kinds, ["source", "client"]);
    assert!(crm.list_orders(&OrderQuery::default()).unwrap().is_empty());
    assert!(crm.list_deals(&DealQuery::default()).unwrap().is_empty());
    assert!(crm.list_leads(&LeadQuery::default()).unwrap().is_empty());
}

#[test]
fn unknown_ids_are_not_found() {
    let crm = mem();
    let client = company(&crm, "Acme");
    let seq = crm.last_seq().unwrap();
    let nf = ErrorKind::NotFound;
    expect_err(crm.get_client(ClientId(999)), nf, None);
    expect_err(crm.get_lead(LeadId(999)), nf, None);
    expect_err(crm.get_deal(DealId(999)), nf, None);
    expect_err(crm.get_manager(ManagerId(999)), nf, None);
    expect_err(crm.get_source(SourceId(999)), nf, None);
    expect_err(crm.get_order(OrderId(999)), nf, None);
    let err = expect_err(crm.get_client(ClientId(999)), nf, None);
    assert_eq!(err.to_string(), "client 999 not found");

    // Commands that point at something unknown are refused the same way, writing nothing.
    let t = at(2, 9, 0);
    expect_err(crm.qualify_lead(LeadId(999), t), nf, None);
    expect_err(crm.move_deal(DealId(999), "proposal", t), nf, None);
    expect_err(crm.win_deal(DealId(999), t), nf, None);
    expect_err(
        crm.set_order_status(OrderId(999), OrderStatus::Cancelled, t),
        nf,
        None,
    );
    expect_err(
        crm.record_order(order(ClientId(999), units(1), vec![]), t),
        nf,
        None,
    );
    expect_err(crm.client_rollup(ClientId(999)), nf, None);
    expect_err(crm.lead_transitions(LeadId(999)), nf, None);
    expect_err(crm.deal_history(DealId(999)), nf, None);
    // A captured request is the exception: it is kept (see below); strict mode refuses it.
    crm.set_strict(true);
    let mut lead = web_lead("Ivan", "0671234567");
    lead.source_id = Some(SourceId(999));
    expect_err(crm.capture_lead(lead, t), nf, None);
    let mut lead = web_lead("Ivan", "0671234567");
    lead.client_id = Some(ClientId(999));
    expect_err(crm.capture_lead(lead, t), nf, None);
    let mut lead = web_lead("Ivan", "0671234567");
    lead.owner_id = Some(ManagerId(999));
    expect_err(crm.capture_lead(lead, t), nf, None);
    crm.set_strict(false);
    let mut new = NewClient::new(ClientKind::Company, "Beta");
    new.owner_id = Some(ManagerId(999));
    expect_err(crm.add_client(new, t), nf, None);
    let mut call = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call.lead_id = Some(LeadId(999));
    expect_err(crm.log_activity(call, t), nf, None);
    let mut call = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call.client_id = Some(client);
    call.manager_id = Some(ManagerId(999));
    expect_err(crm.log_activity(call, t), nf, None);
    expect_err(
        crm.add_spend(
            NewSpend {
                source_id: SourceId(999),
                on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                amount: units(10),
                note: None,
            },
            t,
        ),
        nf,
        None,
    );
    assert_eq!(crm.last_seq().unwrap(), seq);

    // Without strict mode a request with stale references is kept without them, with a warning each.
    let mut lead = web_lead("Ivan", "0671234567");
    lead.source_id = Some(SourceId(999));
    lead.client_id = Some(ClientId(998));
    lead.owner_id = Some(ManagerId(997));
    let kept = crm.capture_lead(lead, t).unwrap();
    assert_eq!(
        (kept.lead.source_id, kept.lead.client_id, kept.lead.owner_id),
        (None, None, None)
    );
    let fields: Vec<&str> = kept.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(fields, ["source_id", "owner_id", "client_id"]);
    // ... unless the client was the only way to reach the person.
    let mut only_client = NewLead::new(Channel::Phone);
    only_client.client_id = Some(ClientId(998));
    expect_err(
        crm.capture_lead(only_client, t),
        ErrorKind::Validation,
        Some("contact"),
    );
}

#[test]
fn capture_refuses_only_a_request_with_no_way_to_reach_the_person() {
    let crm = mem();
    let t = at(2, 9, 0);
    let mut nameless = NewLead::new(Channel::Phone);
    nameless.name = Some("Ivan".into());
    nameless.need = Some("chairs".into());
    nameless.phone = Some("   ".into());
    let err = expect_err(
        crm.capture_lead(nameless, t),
        ErrorKind::Validation,
        Some("contact"),
    );
    assert!(err.to_string().starts_with("contact: "), "{err}");
    assert_eq!(crm.last_seq().unwrap(), 0);

    let mut by_messenger = NewLead::new(Channel::Messenger);
    by_messenger.messenger = Some("@ivan_p".into());
    let lead = crm.capture_lead(by_messenger, t).unwrap().lead;
    assert_eq!(lead.messenger.as_deref(), Some("@ivan_p"));

    let client = company(&crm, "Acme");
    let mut known = NewLead::new(Channel::WalkIn);
    known.client_id = Some(client);
    let lead = crm.capture_lead(known, t).unwrap().lead;
    assert_eq!(lead.client_id, Some(client));

    let mut by_email = NewLead::new(Channel::Email);
    by_email.email = Some("ivan@romashka.ua".into());
    let captured = crm.capture_lead(by_email, t).unwrap();
    assert!(captured.warnings.is_empty());
    assert_eq!(captured.lead.email_quality, Some(Quality::Valid));
    assert_eq!(captured.lead.phone_quality, None);
}

#[test]
fn malformed_contacts_are_kept_with_a_warning_or_refused_in_strict_mode() {
    let crm = mem();
    let t = at(2, 9, 0);
    let mut new = web_lead("Ivan", "+38 0");
    new.email = Some("ivan@romashka".into());
    let captured = crm.capture_lead(new.clone(), t).unwrap();
    let lead = &captured.lead;
    assert_eq!(lead.phone.as_deref(), Some("+38 0"), "kept as given");
    assert_eq!(lead.phone_quality, Some(Quality::Invalid));
    assert_eq!(lead.email.as_deref(), Some("ivan@romashka"));
    assert_eq!(lead.email_quality, Some(Quality::Invalid));
    let fields: Vec<_> = captured.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(fields, ["phone", "email"]);
    assert_eq!(crm.get_lead(lead.id).unwrap(), *lead);

    crm.set_strict(true);
    assert!(crm.is_strict());
    let seq = crm.last_seq().unwrap();
    expect_err(
        crm.capture_lead(web_lead("Ivan", "+38 0"), t),
        ErrorKind::Validation,
        Some("phone"),
    );
    let mut bad_email = NewLead::new(Channel::Web);
    bad_email.email = Some("ivan at romashka.ua".into());
    expect_err(
        crm.capture_lead(bad_email, t),
        ErrorKind::Validation,
        Some("email"),
    );
    let mut bad_tax = NewClient::new(ClientKind::Company, "Acme");
    bad_tax.tax_id = Some("12".into());
    expect_err(
        crm.add_client(bad_tax.clone(), t),
        ErrorKind::Validation,
        Some("tax_id"),
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(crm.list_leads(&LeadQuery::default()).unwrap().len(), 1);

    // Well-formed values pass in strict mode too.
    let ok = crm
        .capture_lead(web_lead("Ivan", "+38 067 123 45 67"), t)
        .unwrap();
    assert_eq!(ok.lead.phone_quality, Some(Quality::Valid));
    assert!(ok.warnings.is_empty());

    crm.set_strict(false);
    let client = crm.add_client(bad_tax, t).unwrap();
    assert_eq!(client.tax_id_quality, Some(Quality::Invalid));
}

#[test]
fn the_same_external_ref_captured_twice_is_one_lead() {
    let crm = mem();
    let mut form = web_lead("Ivan", "0671234567");
    form.need = Some("50 chairs".into());
    form.region = Some("Kyiv".into());
    form.external_ref = Some("FORM-1".into());
    let first = crm.capture_lead(form.clone(), at(2, 9, 0)).unwrap();
    let seq = crm.last_seq().unwrap();

    let again = crm.capture_lead(form.clone(), at(2, 9, 1)).unwrap();
    assert_eq!(again.lead, first.lead);
    assert_eq!(again.warnings.len(), 1);
    assert_eq!(again.warnings[0].field, "external_ref");
    assert_eq!(crm.last_seq().unwrap(), seq, "nothing new written");
    assert_eq!(crm.list_leads(&LeadQuery::default()).unwrap().len(), 1);

    let mut other = form.clone();
    other.need = Some("10 desks".into());
    let err = expect_err(
        crm.capture_lead(other, at(2, 9, 2)),
        ErrorKind::Conflict,
        None,
    );
    assert!(err.to_string().contains("external_ref"), "{err}");
    let mut other = form.clone();
    other.phone = Some("0501112233".into());
    expect_err(
        crm.capture_lead(other, at(2, 9, 2)),
        ErrorKind::Conflict,
        None,
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(crm.get_lead(first.lead.id).unwrap(), first.lead);
}

#[test]
fn the_same_external_ref_with_another_region_is_a_conflict() {
    // Documented: "the same reference with other details is a conflict". The region is a detail of the
    // request as captured; silently returning the stored lead loses the new region.
    let crm = mem();
    let mut form = web_lead("Ivan", "0671234567");
    form.region = Some("Kyiv".into());
    form.external_ref = Some("FORM-1".into());
    crm.capture_lead(form.clone(), at(2, 9, 0)).unwrap();
    let seq = crm.last_seq().unwrap();
    form.region = Some("Lviv".into());
    expect_err(
        crm.capture_lead(form, at(2, 9, 1)),
        ErrorKind::Conflict,
        None,
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
}

#[test]
fn record_order_is_idempotent_by_external_ref() {
    let crm = mem();
    let client = company(&crm, "Acme");
    let lines = vec![
        OrderLine::new("SKU-1", 2, Money::parse("100.00").unwrap()),
        OrderLine::new("SKU-7", 1, Money::parse("45.90").unwrap()),
    ];
    let mut new = order(client, Money::parse("245.90").unwrap(), lines);
    new.external_ref = Some("WEB-5531".into());
    let t = at(3, 12, 0);
    let first = crm.record_order(new.clone(), t).unwrap();
    let seq = crm.last_seq().unwrap();

    let again = crm.record_order(new.clone(), t).unwrap();
    assert_eq!(again, first);
    assert_eq!(crm.last_seq().unwrap(), seq, "no new event");
    assert_eq!(crm.list_orders(&OrderQuery::default()).unwrap().len(), 1);
    let rollup = crm.client_rollup(client).unwrap();
    assert_eq!(rollup.orders, 1, "counted once");
    assert_eq!(rollup.revenue, Money::parse("245.90").unwrap());

    let mut other = new.clone();
    other.total = Money::parse("100.00").unwrap();
    other.lines = vec![OrderLine::new("SKU-1", 1, Money::parse("100.00").unwrap())];
    expect_err(crm.record_order(other, t), ErrorKind::Conflict, None);
    // A retry may come later (documented): still the stored order, placed at its first time.
    let retry = crm.record_order(new.clone(), at(4, 12, 0)).unwrap();
    assert_eq!(retry, first);
    assert_eq!(retry.ordered_at, t);
    assert_eq!(crm.last_seq().unwrap(), seq);
    let other_client = company(&crm, "Beta");
    let seq = crm.last_seq().unwrap();
    let mut moved = new.clone();
    moved.client_id = other_client;
    expect_err(crm.record_order(moved, t), ErrorKind::Conflict, None);
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(crm.client_rollup(client).unwrap(), rollup);
}

#[test]
fn client_external_ref_is_unique() {
    let crm = mem();
    let mut new = NewClient::new(ClientKind::Company, "Acme");
    new.external_ref = Some("1C-000123".into());
    let first = crm.add_client(new.clone(), at(1, 9, 0)).unwrap();
    let seq = crm.last_seq().unwrap();
    new.name = "Acme Two".into();
    expect_err(
        crm.add_client(new.clone(), at(1, 9, 5)),
        ErrorKind::Conflict,
        None,
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
    let found = crm
        .list_clients(&ClientQuery {
            external_ref: Some("1C-000123".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found, vec![first]);
}

#[test]
fn source_name_and_campaign_are_unique() {
    let crm = mem();
    let src = |name: &str, campaign: Option<&str>| NewSource {
        name: name.into(),
        channel: Channel::Ads,
        campaign: campaign.map(Into::into),
    };
    let t = at(1, 9, 0);
    crm.add_source(src("Google Ads", Some("winter")), t)
        .unwrap();
    crm.add_source(src("Google Ads", Some("summer")), t)
        .unwrap();
    crm.add_source(src("Google Ads", None), t).unwrap();
    crm.add_source(src("Meta", Some("winter")), t).unwrap();
    let seq = crm.last_seq().unwrap();
    expect_err(
        crm.add_source(src("Google Ads", Some("winter")), t),
        ErrorKind::Conflict,
        None,
    );
    expect_err(
        crm.add_source(src("Google Ads", None), t),
        ErrorKind::Conflict,
        None,
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(crm.list_sources().unwrap().len(), 4);
}

#[test]
fn an_inactive_manager_cannot_own_new_work() {
    let crm = mem();
    let m = crm
        .add_manager(NewManager::new("Petro"), at(1, 9, 0))
        .unwrap();
    let client = company(&crm, "Acme");
    let off = crm.set_manager_active(m.id, false, at(1, 10, 0)).unwrap();
    assert!(!off.active);
    assert!(!crm.get_manager(m.id).unwrap().active);
    let seq = crm.last_seq().unwrap();

    let mut lead = web_lead("Ivan", "0671234567");
    lead.owner_id = Some(m.id);
    // Strict mode refuses a request for an inactive owner ...
    crm.set_strict(true);
    let err = expect_err(
        crm.capture_lead(lead.clone(), at(2, 9, 0)),
        ErrorKind::Validation,
        Some("owner_id"),
    );
    assert!(err.to_string().contains("not active"), "{err}");
    crm.set_strict(false);
    expect_err(
        crm.open_deal(
            NewDeal {
                client_id: client,
                title: "Desks".into(),
                amount: units(10),
                owner_id: Some(m.id),
                ..Default::default()
            },
            at(2, 9, 0),
        ),
        ErrorKind::Validation,
        Some("owner_id"),
    );
    let mut owned_client = NewClient::new(ClientKind::Company, "Beta");
    owned_client.owner_id = Some(m.id);
    expect_err(
        crm.add_client(owned_client, at(2, 9, 0)),
        ErrorKind::Validation,
        Some("owner_id"),
    );
    assert_eq!(crm.last_seq().unwrap(), seq);

    // ... while normally the request is kept, unassigned, with a warning: it must not be lost.
    let kept = crm.capture_lead(lead.clone(), at(2, 9, 0)).unwrap();
    assert_eq!(kept.lead.owner_id, None);
    assert_eq!(kept.warnings.len(), 1);
    assert_eq!(kept.warnings[0].field, "owner_id");

    crm.set_manager_active(m.id, true, at(3, 9, 0)).unwrap();
    let owned = crm.capture_lead(lead, at(3, 9, 5)).unwrap().lead;
    assert_eq!(owned.owner_id, Some(m.id));
}

/// Walks every page of a listing with keyset paging and checks that the pages join up.
fn walk<T>(limit: u32, list: impl Fn(Page) -> Vec<T>, id: impl Fn(&T) -> i64) -> Vec<i64> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = list(Page { after, limit });
        assert!(page.len() <= limit as usize, "page longer than its limit");
        let Some(last) = page.last() else { break };
        after = Some(id(last));
        all.extend(page.iter().map(&id));
    }
    all
}

fn strictly_increasing(ids: &[i64]) -> bool {
    ids.windows(2).all(|w| w[0] < w[1])
}

#[test]
fn lists_filter_and_page_in_id_order() {
    let crm = mem();
    let m1 = crm
        .add_manager(NewManager::new("Olena"), at(1, 9, 0))
        .unwrap();
    let m2 = crm
        .add_manager(NewManager::new("Petro"), at(1, 9, 0))
        .unwrap();
    let ads = crm
        .add_source(
            NewSource {
                name: "Ads".into(),
                channel: Channel::Ads,
                campaign: None,
            },
            at(1, 9, 0),
        )
        .unwrap();

    let mut lead_ids = Vec::new();
    for i in 0..23u32 {
        let mut new = web_lead(&format!("Lead {i}"), &format!("06712345{i:02}"));
        new.source_id = (i % 3 == 0).then_some(ads.id);
        new.owner_id = Some(if i % 2 == 0 { m1.id } else { m2.id });
        let lead = crm.capture_lead(new, at(2 + i % 5, 9, i)).unwrap().lead;
        if i % 4 == 0 {
            crm.start_lead(lead.id, at(8, 9, 0)).unwrap();
        }
        lead_ids.push(lead.id.0);
    }

    let leads = |q: LeadQuery| crm.list_leads(&q).unwrap();
    let all = walk(
        5,
        |page| {
            leads(LeadQuery {
                page,
                ..Default::default()
            })
        },
        |l| l.id.0,
    );
    assert_eq!(all, lead_ids, "every lead once, by id");
    assert!(strictly_increasing(&all));
    // A limit of 0 means the default page of 100, which holds them all.
    assert_eq!(leads(LeadQuery::default()).len(), 23);

    let from_ads = walk(
        2,
        |page| {
            leads(LeadQuery {
                source_id: Some(ads.id),
                page,
                ..Default::default()
            })
        },
        |l| l.id.0,
    );
    let expected: Vec<i64> = lead_ids.iter().copied().step_by(3).collect();
    assert_eq!(from_ads, expected);

    let started = leads(LeadQuery {
        status: Some(LeadStatus::InProgress),
        owner_id: Some(m1.id),
        ..Default::default()
    });
    let expected: Vec<i64> = lead_ids.iter().copied().step_by(4).collect();
    assert_eq!(started.iter().map(|l| l.id.0).collect::<Vec<_>>(), expected);
    assert!(
        started
            .iter()
            .all(|l| l.status == LeadStatus::InProgress && l.owner_id == Some(m1.id))
    );

    let received = leads(LeadQuery {
        received_from: Some(at(3, 0, 0)),
        received_to: Some(at(4, 0, 0)),
        ..Default::default()
    });
    assert!(!received.is_empty());
    assert!(
        received
            .iter()
            .all(|l| l.received_at >= at(3, 0, 0) && l.received_at < at(4, 0, 0))
    );
    assert_eq!(received.len(), 5, "i = 1, 6, 11, 16, 21");

    // Clients: kind and tag filters, paging.
    let mut client_ids = Vec::new();
    for i in 0..17 {
        let kind = if i % 2 == 0 {
            ClientKind::Company
        } else {
            ClientKind::Person
        };
        let mut new = NewClient::new(kind, format!("Client {i}"));
        if i % 5 == 0 {
            new.tags = vec!["vip".into(), "b2b".into()];
        }
        client_ids.push(crm.add_client(new, at(2, 10, 0)).unwrap().id);
    }
    let clients = |q: ClientQuery| crm.list_clients(&q).unwrap();
    let all = walk(
        4,
        |page| {
            clients(ClientQuery {
                page,
                ..Default::default()
            })
        },
        |c| c.id.0,
    );
    assert_eq!(all, client_ids.iter().map(|c| c.0).collect::<Vec<_>>());
    let vip = clients(ClientQuery {
        tag: Some("vip".into()),
        ..Default::default()
    });
    assert_eq!(
        vip.iter().map(|c| c.id).collect::<Vec<_>>(),
        [client_ids[0], client_ids[5], client_ids[10], client_ids[15]]
    );
    assert_eq!(vip[0].tags, ["b2b", "vip"], "tags are sorted");
    let persons = walk(
        3,
        |page| {
            clients(ClientQuery {
                kind: Some(ClientKind::Person),
                page,
                ..Default::default()
            })
        },
        |c| c.id.0,
    );
    assert_eq!(persons.len(), 8);
    assert!(strictly_increasing(&persons));

    // Deals: status filter.
    let mut deal_ids = Vec::new();
    for (i, &client) in client_ids.iter().enumerate() {
        let deal = crm
            .open_deal(
                NewDeal {
                    client_id: client,
                    title: format!("Deal {i}"),
                    amount: units(10),
                    ..Default::default()
                },
                at(3, 9, 0),
            )
            .unwrap();
        if i % 3 == 0 {
            crm.win_deal(deal.id, at(4, 9, 0)).unwrap();
        }
        deal_ids.push(deal.id.0);
    }
    let deals = |q: DealQuery| crm.list_deals(&q).unwrap();
    let won = walk(
        2,
        |page| {
            deals(DealQuery {
                status: Some(DealStatus::Won),
                page,
                ..Default::default()
            })
        },
        |d| d.id.0,
    );
    assert_eq!(won, deal_ids.iter().copied().step_by(3).collect::<Vec<_>>());
    let open = deals(DealQuery {
        status: Some(DealStatus::Open),
        stage: Some("qualification".into()),
        ..Default::default()
    });
    assert_eq!(open.len(), deal_ids.len() - won.len());

    // Orders: client and status filters.
    let mut order_ids = Vec::new();
    for i in 0..12 {
        let client = client_ids[i % 2];
        let o = crm
            .record_order(order(client, units(5), vec![]), on(10, 1 + i as u32, 9))
            .unwrap();
        order_ids.push(o.id.0);
    }
    let orders = |q: OrderQuery| crm.list_orders(&q).unwrap();
    let first_client = walk(
        4,
        |page| {
            orders(OrderQuery {
                client_id: Some(client_ids[0]),
                page,
                ..Default::default()
            })
        },
        |o| o.id.0,
    );
    assert_eq!(
        first_client,
        order_ids.iter().copied().step_by(2).collect::<Vec<_>>()
    );
    let all = walk(
        5,
        |page| {
            orders(OrderQuery {
                page,
                ..Default::default()
            })
        },
        |o| o.id.0,
    );
    assert_eq!(all, order_ids);
    let early = orders(OrderQuery {
        from: Some(on(10, 1, 0)),
        to: Some(on(10, 4, 0)),
        ..Default::default()
    });
    assert_eq!(early.len(), 3);

    // Activities: manager filter.
    for (i, &lead) in (0u32..).zip(&lead_ids[..9]) {
        let mut a = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
        a.lead_id = Some(LeadId(lead));
        a.manager_id = Some(if i % 3 == 0 { m2.id } else { m1.id });
        crm.log_activity(a, at(9, 9, i)).unwrap();
    }
    let by_m2 = walk(
        1,
        |page| {
            crm.list_activities(&ActivityQuery {
                manager_id: Some(m2.id),
                page,
                ..Default::default()
            })
            .unwrap()
        },
        |a| a.id.0,
    );
    assert_eq!(by_m2.len(), 3);
    assert!(strictly_increasing(&by_m2));
}

#[test]
fn history_and_change_feed_are_in_seq_order_with_actor_and_time() {
    let crm = mem();
    assert_eq!(crm.actor(), crm_core::DEFAULT_ACTOR);
    crm.set_actor("olena");
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "Acme"), at(1, 9, 0))
        .unwrap();
    let lead = {
        let mut new = web_lead("Ivan", "0671234567");
        new.client_id = Some(client.id);
        crm.capture_lead(new, at(2, 9, 0)).unwrap().lead
    };
    crm.set_actor("1C exchange");
    let o = crm
        .record_order(order(client.id, units(100), vec![]), at(3, 9, 0))
        .unwrap();
    crm.set_actor("petro");
    let mut call = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call.lead_id = Some(lead.id);
    crm.log_activity(call, at(4, 9, 0)).unwrap();
    crm.set_order_status(o.id, OrderStatus::Returned, at(5, 9, 0))
        .unwrap();
    crm.set_actor("  ");
    assert_eq!(crm.actor(), crm_core::DEFAULT_ACTOR, "blank means system");
    crm.qualify_lead(lead.id, at(6, 9, 0)).unwrap();

    let client_history = crm.history("client", client.id.0).unwrap();
    assert_eq!(client_history.len(), 1);
    assert_eq!(client_history[0].kind, "created");
    assert_eq!(client_history[0].actor, "olena");
    assert_eq!(client_history[0].at, at(1, 9, 0));

    let lead_history: Vec<_> = crm
        .history("lead", lead.id.0)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.actor, e.at))
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        lead_history,
        vec![
            (s("captured"), s("olena"), at(2, 9, 0)),
            (s("status_changed"), s("petro"), at(4, 9, 0)),
            (s("first_response"), s("petro"), at(4, 9, 0)),
            (s("status_changed"), s("system"), at(6, 9, 0)),
        ]
    );
    let order_history: Vec<_> = crm
        .history("order", o.id.0)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.actor))
        .collect();
    assert_eq!(
        order_history,
        vec![
            (s("recorded"), s("1C exchange")),
            (s("status_changed"), s("petro"))
        ]
    );
    assert!(crm.history("client", 999).unwrap().is_empty());

    // The feed: everything, in seq order, and polling with the last seq seen gives the rest exactly.
    let feed = crm.changes_since(0, 0).unwrap();
    let seqs: Vec<i64> = feed.iter().map(|e| e.seq).collect();
    assert!(strictly_increasing(&seqs));
    assert_eq!(seqs.last().copied(), Some(crm.last_seq().unwrap()));
    let entities: Vec<&str> = feed.iter().map(|e| e.entity.as_str()).collect();
    assert_eq!(
        entities,
        [
            "client", "lead", "order", "activity", "lead", "lead", "order", "lead"
        ]
    );
    let mut polled = Vec::new();
    let mut seen = 0;
    loop {
        let batch = crm.changes_since(seen, 3).unwrap();
        assert!(batch.len() <= 3);
        let Some(last) = batch.last() else { break };
        seen = last.seq;
        polled.extend(batch);
    }
    assert_eq!(polled, feed);
    assert!(
        crm.changes_since(crm.last_seq().unwrap(), 0)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        crm.changes_since(feed[4].seq, 0).unwrap(),
        feed[5..].to_vec()
    );
}

#[test]
fn cancelled_and_returned_orders_leave_the_rollups() {
    let crm = mem();
    let client = company(&crm, "Acme");
    let record = |total: i64, when, status: Option<OrderStatus>| {
        let mut new = order(client, units(total), vec![]);
        new.status = status;
        crm.record_order(new, when).unwrap()
    };
    let a = record(100, on(11, 5, 9), None);
    let b = record(250, on(12, 3, 9), None);
    let _c = record(40, on(11, 20, 9), None);
    let _never = record(999, on(10, 1, 9), Some(OrderStatus::Cancelled));

    let months = |crm: &Crm| {
        crm.client_monthly_revenue(client)
            .unwrap()
            .into_iter()
            .map(|m| (m.month, m.revenue, m.orders))
            .collect::<Vec<_>>()
    };
    let r = crm.client_rollup(client).unwrap();
    assert_eq!(
        (r.revenue, r.orders, r.first_order_at, r.last_order_at),
        (units(390), 3, Some(on(11, 5, 9)), Some(on(12, 3, 9)))
    );
    assert_eq!(
        months(&crm),
        vec![
            ("2026-11".to_string(), units(140), 2),
            ("2026-12".to_string(), units(250), 1)
        ]
    );

    let cancelled = crm
        .set_order_status(b.id, OrderStatus::Cancelled, at(20, 9, 0))
        .unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(crm.get_order(b.id).unwrap().status, OrderStatus::Cancelled);
    let r = crm.client_rollup(client).unwrap();
    assert_eq!(
        (r.revenue, r.orders, r.last_order_at),
        (units(140), 2, Some(on(11, 20, 9)))
    );
    assert_eq!(months(&crm), vec![("2026-11".to_string(), units(140), 2)]);

    crm.set_order_status(a.id, OrderStatus::Returned, at(21, 9, 0))
        .unwrap();
    let r = crm.client_rollup(client).unwrap();
    assert_eq!(
        (r.revenue, r.orders, r.first_order_at),
        (units(40), 1, Some(on(11, 20, 9)))
    );
    assert_eq!(months(&crm), vec![("2026-11".to_string(), units(40), 1)]);

    // Back to completed restores it; setting the status it has writes nothing.
    crm.set_order_status(b.id, OrderStatus::Completed, at(22, 9, 0))
        .unwrap();
    let seq = crm.last_seq().unwrap();
    crm.set_order_status(b.id, OrderStatus::Completed, at(23, 9, 0))
        .unwrap();
    assert_eq!(crm.last_seq().unwrap(), seq);
    let r = crm.client_rollup(client).unwrap();
    assert_eq!((r.revenue, r.orders), (units(290), 2));
    assert_eq!(
        months(&crm),
        vec![
            ("2026-11".to_string(), units(40), 1),
            ("2026-12".to_string(), units(250), 1)
        ]
    );
    assert_eq!(crm.list_rollups(Page::default()).unwrap(), vec![r]);

    // Everything cancelled: zeros, and the client drops out of the rollup listing.
    for id in [b.id, _c.id] {
        crm.set_order_status(id, OrderStatus::Cancelled, at(24, 9, 0))
            .unwrap();
    }
    let r = crm.client_rollup(client).unwrap();
    assert_eq!(
        (r.revenue, r.orders, r.last_order_at),
        (Money::ZERO, 0, None)
    );
    assert!(months(&crm).is_empty());
    assert!(crm.list_rollups(Page::default()).unwrap().is_empty());
}

/// A unique scratch directory, removed when dropped (even when the test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("crmkit-records-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_reopened_file_store_finds_all_the_data() {
    let dir = TempDir::new("reopen");
    let file = dir.path().join("shop.crm");
    let (client, lead, deal, ord, feed, pipeline, reasons, transitions, visits, manager, source) = {
        let crm = Crm::open(&file).unwrap();
        crm.set_actor("olena");
        let manager = crm
            .add_manager(NewManager::new("Olena Koval"), at(1, 9, 0))
            .unwrap();
        let source = crm
            .add_source(
                NewSource {
                    name: "Google Ads".into(),
                    channel: Channel::Ads,
                    campaign: Some("winter".into()),
                },
                at(1, 9, 0),
            )
            .unwrap();
        crm.add_lost_reason("delivery", "Delivery too slow", at(1, 9, 0))
            .unwrap();
        crm.set_pipeline(
            vec![
                NewStage::new("intro", "Intro", 10),
                NewStage::new("offer", "Offer", 50),
            ],
            at(1, 9, 0),
        )
        .unwrap();
        let mut new = web_lead("Ivan Petrenko", "067 123 45 67");
        new.company = Some("ТОВ Ромашка".into());
        new.source_id = Some(source.id);
        new.owner_id = Some(manager.id);
        new.need = Some("50 chairs".into());
        let lead = crm.capture_lead(new, at(2, 9, 0)).unwrap().lead;
        qualify(&crm, lead.id, at(2, 9, 30));
        let conv = crm
            .convert_lead(
                lead.id,
                ConvertLead {
                    amount: Some(units(1_000)),
                    ..Default::default()
                },
                at(2, 10, 0),
            )
            .unwrap();
        crm.move_deal(conv.deal_id, "offer", at(3, 9, 0)).unwrap();
        crm.win_deal(conv.deal_id, at(4, 9, 0)).unwrap();
        let mut new_order = order(
            conv.client_id,
            units(1_000),
            vec![OrderLine::new("CHAIR", 50, units(20))],
        );
        new_order.deal_id = Some(conv.deal_id);
        new_order.external_ref = Some("WEB-1".into());
        let ord = crm.record_order(new_order, at(5, 9, 0)).unwrap();
        (
            crm.get_client(conv.client_id).unwrap(),
            crm.get_lead(lead.id).unwrap(),
            crm.get_deal(conv.deal_id).unwrap(),
            ord,
            crm.changes_since(0, 0).unwrap(),
            crm.pipeline().unwrap(),
            crm.lost_reasons().unwrap(),
            crm.lead_transitions(lead.id).unwrap(),
            crm.deal_history(conv.deal_id).unwrap(),
            manager,
            source,
        )
    };

    let crm = Crm::open(&file).unwrap();
    assert_eq!(crm.schema_version().unwrap(), crm_core::SCHEMA_VERSION);
    assert_eq!(crm.integrity_check().unwrap(), ["ok"]);
    assert_eq!(crm.get_client(client.id).unwrap(), client);
    assert_eq!(crm.get_lead(lead.id).unwrap(), lead);
    assert_eq!(crm.get_deal(deal.id).unwrap(), deal);
    assert_eq!(crm.get_order(ord.id).unwrap(), ord);
    assert_eq!(crm.get_manager(manager.id).unwrap(), manager);
    assert_eq!(crm.get_source(source.id).unwrap(), source);
    assert_eq!(crm.list_contacts(client.id).unwrap().len(), 1);
    assert_eq!(crm.pipeline().unwrap(), pipeline);
    assert_eq!(crm.lost_reasons().unwrap(), reasons);
    assert_eq!(crm.lead_transitions(lead.id).unwrap(), transitions);
    assert_eq!(crm.deal_history(deal.id).unwrap(), visits);
    assert_eq!(crm.changes_since(0, 0).unwrap(), feed);
    assert_eq!(crm.client_rollup(client.id).unwrap().revenue, units(1_000));
    // The idempotency key survives the reopen too.
    let mut again = order(
        client.id,
        units(1_000),
        vec![OrderLine::new("CHAIR", 50, units(20))],
    );
    again.deal_id = Some(deal.id);
    again.external_ref = Some("WEB-1".into());
    assert_eq!(crm.record_order(again, at(5, 9, 0)).unwrap(), ord);
    drop(crm);

    // ":memory:" is a private store, not a file.
    let scratch = Crm::open(":memory:").unwrap();
    assert!(
        scratch
            .list_leads(&LeadQuery::default())
            .unwrap()
            .is_empty()
    );
}

fn capture_many(crm: &Crm, worker: u32, n: u32) -> Vec<LeadId> {
    (0..n)
        .map(|i| {
            let mut new = web_lead(&format!("W{worker} L{i}"), "0671234567");
            new.external_ref = Some(format!("w{worker}-{i}"));
            let when = at(2, 9, 0) + Duration::seconds(i64::from(i));
            crm.capture_lead(new, when).unwrap().lead.id
        })
        .collect()
}

fn all_lead_ids(crm: &Crm) -> Vec<LeadId> {
    crm.list_leads(&LeadQuery {
        page: Page::first(10_000),
        ..Default::default()
    })
    .unwrap()
    .into_iter()
    .map(|l| l.id)
    .collect()
}

#[test]
fn one_handle_shared_by_four_threads_loses_nothing() {
    let crm = mem();
    let returned: Vec<LeadId> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let crm = &crm;
                s.spawn(move || capture_many(crm, w, 250))
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(returned.len(), 1_000);
    let distinct: BTreeSet<LeadId> = returned.iter().copied().collect();
    assert_eq!(distinct.len(), 1_000);
    let stored = all_lead_ids(&crm);
    assert_eq!(stored.len(), 1_000);
    assert_eq!(stored.into_iter().collect::<BTreeSet<_>>(), distinct);
    assert_eq!(crm.last_seq().unwrap(), 1_000, "one event per capture");
}

#[test]
fn two_handles_on_one_file_write_concurrently_and_lose_nothing() {
    let dir = TempDir::new("two-handles");
    let file = dir.path().join("shop.crm");
    let a = Crm::open(&file).unwrap();
    let b = Crm::open(&file).unwrap();
    let returned: Vec<LeadId> = std::thread::scope(|s| {
        let handles = [&a, &b, &a, &b];
        let workers: Vec<_> = handles
            .into_iter()
            .zip(0..)
            .map(|(crm, w)| s.spawn(move || capture_many(crm, w, 150)))
            .collect();
        workers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let distinct: BTreeSet<LeadId> = returned.iter().copied().collect();
    assert_eq!(distinct.len(), 600);
    for crm in [&a, &b] {
        let stored = all_lead_ids(crm);
        assert_eq!(stored.len(), 600);
        assert_eq!(stored.into_iter().collect::<BTreeSet<_>>(), distinct);
        assert_eq!(crm.last_seq().unwrap(), 600);
    }
    drop((a, b));
    let c = Crm::open(&file).unwrap();
    assert_eq!(all_lead_ids(&c).len(), 600);
    assert_eq!(c.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn an_order_cannot_close_a_lost_deal() {
    let crm = mem();
    let client = company(&crm, "Acme");
    let deal = crm
        .open_deal(
            NewDeal {
                client_id: client,
                title: "Desks".into(),
                amount: units(10),
                ..Default::default()
            },
            at(1, 9, 0),
        )
        .unwrap();
    crm.lose_deal(deal.id, "price", None, at(2, 9, 0)).unwrap();
    let mut new = order(client, units(10), vec![]);
    new.deal_id = Some(deal.id);
    let seq = crm.last_seq().unwrap();
    expect_err(
        crm.record_order(new, at(3, 9, 0)),
        ErrorKind::Validation,
        Some("deal_id"),
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(crm.client_rollup(client).unwrap().orders, 0);
}

#[test]
fn an_empty_path_is_refused_rather_than_a_store_that_vanishes() {
    // SQLite opens a temporary file for an empty name: everything written would be gone on close.
    expect_err(Crm::open(""), ErrorKind::Validation, Some("path"));
}

#[test]
fn a_page_with_an_unknown_field_is_refused() {
    let err = serde_json::from_value::<Page>(json!({"after": 3, "limt": 5})).unwrap_err();
    assert!(err.to_string().contains("unknown field `limt`"), "{err}");
}

#[test]
fn purchase_days_count_each_day_once_across_single_orders_batches_and_status_changes() {
    let crm = mem();
    let (a, b) = (company(&crm, "Acme"), company(&crm, "Beta"));
    let days = |id: ClientId| crm.client_rollup(id).unwrap().purchase_days;
    // Two orders on one day are one purchase day.
    crm.record_order(order(a, units(10), vec![]), at(2, 9, 0))
        .unwrap();
    let second = crm
        .record_order(order(a, units(20), vec![]), at(2, 15, 0))
        .unwrap();
    assert_eq!((crm.client_rollup(a).unwrap().orders, days(a)), (2, 1));
    // A batch: a's third order on the same day, one on a new day; b twice on one day. The fold
    // writes each client's rollup once, with the days the batch adds.
    let batch = vec![
        (order(a, units(5), vec![]), at(2, 18, 0)),
        (order(a, units(7), vec![]), at(3, 10, 0)),
        (order(b, units(1), vec![]), at(3, 11, 0)),
        (order(b, Money::from_minor(-1), vec![]), at(3, 11, 30)),
        (order(b, units(2), vec![]), at(3, 12, 0)),
    ];
    let results = crm.record_orders(batch).unwrap();
    assert!(
        results[3].is_err(),
        "a bad item is refused at its place, the others kept"
    );
    let ra = crm.client_rollup(a).unwrap();
    assert_eq!((ra.orders, ra.revenue, ra.purchase_days), (4, units(42), 2));
    assert_eq!((crm.client_rollup(b).unwrap().orders, days(b)), (2, 1));
    let months = crm.client_monthly_revenue(a).unwrap();
    assert_eq!(months.len(), 1);
    assert_eq!((months[0].orders, months[0].days), (4, 2));
    assert_eq!(months[0].last_order_at, Some(at(3, 10, 0)));
    // Cancelling one of a day's orders keeps the day; cancelling the day's last one drops it.
    crm.set_order_status(second.id, OrderStatus::Cancelled, at(4, 9, 0))
        .unwrap();
    assert_eq!(days(a), 2);
    let third = results[0].as_ref().unwrap().id;
    let first = crm
        .list_orders(&OrderQuery {
            client_id: Some(a),
            page: Page::first(10),
            ..Default::default()
        })
        .unwrap()[0]
        .id;
    crm.set_order_status(first, OrderStatus::Cancelled, at(4, 9, 0))
        .unwrap();
    crm.set_order_status(third, OrderStatus::Cancelled, at(4, 9, 0))
        .unwrap();
    assert_eq!(days(a), 1);
    crm.set_order_status(second.id, OrderStatus::Completed, at(4, 10, 0))
        .unwrap();
    assert_eq!(days(a), 2);
}
