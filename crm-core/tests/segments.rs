#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Segments through the public API: expressions over real client records and orders, saved segments,
//! membership events, CSV export, and the errors a person reads.

mod common;

use chrono::{DateTime, Utc};
use common::{at, mem, on, units};
use crm_core::{
    Channel, ClientId, ClientKind, Crm, Error, ErrorKind, Money, NewClient, NewContact, NewLead,
    NewManager, NewOrder, NewSource, OrderStatus, Subject,
};
use serde_json::json;

struct Shop {
    crm: Crm,
    /// Київ company, vip, 3 orders, last in September.
    romashka: ClientId,
    /// Lviv person, 1 order in March.
    ivan: ClientId,
    /// Kyiv person without orders or region case: "kyiv".
    olena: ClientId,
    /// No region, wholesale, 2 orders (one cancelled), attributes.
    petro: ClientId,
}

fn order(crm: &Crm, client: ClientId, total: &str, when: DateTime<Utc>) -> crm_core::Order {
    crm.record_order(
        NewOrder {
            client_id: client,
            total: Money::parse(total).unwrap(),
            ..Default::default()
        },
        when,
    )
    .unwrap()
}

fn shop() -> Shop {
    let crm = mem();
    let t0 = on(1, 5, 9);
    let olena_k = crm
        .add_manager(
            NewManager {
                name: "Olena Koval".into(),
                ..Default::default()
            },
            t0,
        )
        .unwrap();
    let ads = crm
        .add_source(
            NewSource {
                name: "Google Ads".into(),
                channel: Channel::Ads,
                campaign: None,
            },
            t0,
        )
        .unwrap();
    let client = |kind, name: &str, region: Option<&str>, tags: &[&str], attributes| {
        let mut c = NewClient::new(kind, name);
        c.region = region.map(str::to_string);
        c.tags = tags.iter().map(|t| t.to_string()).collect();
        c.attributes = attributes;
        c.email = Some(format!("{}@example.com", name.len()));
        crm.add_client(c, t0).unwrap().id
    };
    let romashka = client(
        ClientKind::Company,
        "ТОВ «Ромашка»",
        Some("Київ"),
        &["VIP", "wholesale"],
        json!({"loyalty": "gold", "employees": 120}),
    );
    let ivan = client(
        ClientKind::Person,
        "Ivan Petrenko",
        Some("Lviv"),
        &[],
        json!(null),
    );
    let olena = client(
        ClientKind::Person,
        "Olena Shevchenko",
        Some("kyiv"),
        &["newsletter"],
        json!({"loyalty": "silver"}),
    );
    let petro = client(
        ClientKind::Person,
        "Petro O'Brien",
        None,
        &["wholesale"],
        json!({"loyalty card": true, "employees": 7.5}),
    );
    crm.update_client(
        romashka,
        crm_core::ClientPatch {
            owner_id: Some(Some(olena_k.id)),
            ..Default::default()
        },
        t0,
    )
    .unwrap();
    // Romashka came from Google Ads.
    let mut lead = NewLead::new(Channel::Ads);
    lead.client_id = Some(romashka);
    lead.source_id = Some(ads.id);
    crm.capture_lead(lead, on(1, 6, 9)).unwrap();

    order(&crm, romashka, "1000.00", on(3, 1, 10));
    order(&crm, romashka, "2500.50", on(6, 1, 10));
    order(&crm, romashka, "499.50", on(9, 1, 10));
    order(&crm, ivan, "120", on(3, 15, 10));
    order(&crm, petro, "300", on(8, 20, 10));
    let cancelled = order(&crm, petro, "5000", on(10, 1, 10));
    crm.set_order_status(cancelled.id, OrderStatus::Cancelled, on(10, 2, 10))
        .unwrap();
    crm.add_contact(
        NewContact {
            client_id: romashka,
            name: "Марія Бондар".into(),
            emails: vec!["maria@romashka.ua".into()],
            phones: vec!["+380671234567".into()],
            ..Default::default()
        },
        t0,
    )
    .unwrap();
    Shop {
        crm,
        romashka,
        ivan,
        olena,
        petro,
    }
}

fn ids(shop: &Shop, expr: &str, as_of: DateTime<Utc>) -> Vec<ClientId> {
    match shop.crm.segment(expr, as_of) {
        Ok(ids) => {
            assert_eq!(
                shop.crm.segment_count(expr, as_of).unwrap(),
                ids.len() as u64,
                "{expr}"
            );
            // The in-memory evaluator agrees on every client.
            for id in [shop.romashka, shop.ivan, shop.olena, shop.petro] {
                assert_eq!(
                    shop.crm.client_matches(expr, id, as_of).unwrap(),
                    ids.contains(&id),
                    "{expr} on client {id}"
                );
            }
            ids
        }
        Err(e) => panic!("{expr}: {e}"),
    }
}

fn message(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
            e.to_string()
        }
    }
}

#[test]
fn expressions_select_the_clients_they_describe() {
    let s = shop();
    let now = at(1, 0, 0);
    let (r, i, o, p) = (s.romashka, s.ivan, s.olena, s.petro);
    let cases: Vec<(&str, Vec<ClientId>)> = vec![
        ("region = 'Київ'", vec![r]),
        ("region in ('Київ', 'Lviv')", vec![r, i]),
        ("region != 'Lviv'", vec![r, o]), // a client without a region is not "not Lviv"
        ("region != 'Lviv' or region is null", vec![r, o, p]),
        ("not region = 'Lviv'", vec![r, o]),
        ("region is null", vec![p]),
        (
            "region contains 'КИЇВ' or region contains 'kyiv'",
            vec![r, o],
        ),
        ("name starts with 'тов'", vec![r]),
        ("name contains 'o''brien'", vec![p]),
        ("name not contains 'o'", vec![r]),
        ("kind = 'company'", vec![r]),
        ("has tag 'vip'", vec![r]),
        ("has tag 'Wholesale' and not has tag 'vip'", vec![p]),
        ("orders >= 2", vec![r]),
        ("orders = 0", vec![o]),
        ("orders < 1 or revenue < 200", vec![i, o]),
        ("revenue > 1000", vec![r]),
        ("revenue between 120 and 300", vec![i, p]),
        ("revenue = 4000", vec![r]),
        ("average_order = 1333.33", vec![r]),
        ("average_order is null", vec![o]),
        ("last_order < 2026-06-01", vec![i]),
        ("last_order = 2026-09-01", vec![r]),
        ("last_order between 2026-08-20 and 2026-09-01", vec![r, p]),
        ("first_order in (2026-03-01, 2026-03-15)", vec![r, i]),
        ("days_since_last_order > 90", vec![i]),
        ("days_since_last_order <= 61", vec![r]),
        ("days_since_last_order between 61 and 73", vec![r, p]),
        ("days_since_last_order > 11w", vec![i]),
        ("days_since_last_order > 10w", vec![i, p]),
        ("last_order > 90d ago", vec![r, p]),
        ("revenue_90d > 0", vec![r, p]),
        ("revenue_365d >= 4000", vec![r]),
        ("owner = 'olena koval'", vec![r]),
        ("owner is null", vec![i, o, p]),
        ("source = 'Google Ads'", vec![r]),
        (
            "created >= 2026-01-05 and created < 2026-01-06",
            vec![r, i, o, p],
        ),
        ("attributes.loyalty = 'gold'", vec![r]),
        ("attributes.loyalty in ('gold', 'silver')", vec![r, o]),
        ("attributes.employees > 100", vec![r]),
        ("attributes.employees < 10.5", vec![p]),
        ("attributes.\"loyalty card\" = true", vec![p]),
        ("attributes.loyalty is null", vec![i, p]),
        ("attributes.loyalty > 5", vec![]), // text compared with a number: missing
        (
            "(region = 'Київ' or region = 'Lviv') and orders >= 1 and not has tag 'vip'",
            vec![i],
        ),
        ("name = 'x''); DROP TABLE clients; --'", vec![]),
    ];
    for (expr, expected) in cases {
        assert_eq!(ids(&s, expr, now), expected, "{expr}");
    }
    assert_eq!(s.crm.list_clients(&Default::default()).unwrap().len(), 4);
}

#[test]
fn a_past_as_of_counts_only_what_had_happened() {
    let s = shop();
    // On 2026-05-01 Romashka had one order (March) and Petro none.
    let may = on(5, 1, 0);
    assert_eq!(ids(&s, "orders = 1", may), vec![s.romashka, s.ivan]);
    assert_eq!(ids(&s, "revenue = 1000", may), vec![s.romashka]);
    assert_eq!(ids(&s, "last_order is null", may), vec![s.olena, s.petro]);
    assert_eq!(ids(&s, "days_since_last_order = 61", may), vec![s.romashka]);
    // Before anybody was a client, nobody is.
    assert_eq!(ids(&s, "orders = 0", on(1, 1, 0)), Vec::<ClientId>::new());
}

#[test]
fn saved_segments_record_who_entered_and_who_left() {
    let s = shop();
    let t = at(1, 9, 0);
    let seg = s
        .crm
        .save_segment("sleeping", "orders >= 1 and days_since_last_order > 60", t)
        .unwrap();
    assert_eq!(seg.name, "sleeping");
    assert_eq!(
        s.crm.segment("sleeping", t).unwrap(),
        vec![s.romashka, s.ivan, s.petro]
    );
    let first = s.crm.refresh_segment("sleeping", t).unwrap();
    assert_eq!(first.entered, vec![s.romashka, s.ivan, s.petro]);
    assert!(first.left.is_empty());
    // Romashka buys again; Olena buys for the first time (not sleeping yet).
    order(&s.crm, s.romashka, "10", at(2, 10, 0));
    order(&s.crm, s.olena, "10", at(2, 11, 0));
    let second = s.crm.refresh_segment("sleeping", at(3, 9, 0)).unwrap();
    assert_eq!(second.entered, Vec::<ClientId>::new());
    assert_eq!(second.left, vec![s.romashka]);
    assert_eq!(second.members, 2);
    let history = s.crm.history("client", s.romashka.0).unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"segment_entered") && kinds.contains(&"segment_left"),
        "{kinds:?}"
    );
    // A refresh dated before the last one is refused.
    assert!(message(s.crm.refresh_segment("sleeping", t)).starts_with("as_of:"));
    // Saving the name again replaces the expression; listing and deleting.
    let replaced = s
        .crm
        .save_segment("sleeping", "orders >= 2", at(4, 9, 0))
        .unwrap();
    assert_eq!(replaced.expression, "orders >= 2");
    assert_eq!(replaced.id, seg.id);
    assert_eq!(s.crm.list_segments().unwrap().len(), 1);
    s.crm.delete_segment("sleeping", at(4, 10, 0)).unwrap();
    assert_eq!(
        s.crm.get_segment("sleeping").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        s.crm.segment("sleeping", t).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        s.crm
            .segment("lapsed vip buyers", t)
            .unwrap_err()
            .to_string(),
        "segment lapsed vip buyers not found"
    );
    // A name that reads as an expression could not be told apart from one.
    assert_eq!(
        message(s.crm.save_segment("orders > 1", "orders > 1", t)),
        "name: reads as an expression; choose a name that does not (e.g. without operators)"
    );
    // A broken expression is refused with its position.
    assert!(
        message(s.crm.save_segment("bad", "regoin = 'x'", t)).contains("did you mean 'region'?")
    );
}

#[test]
fn export_writes_members_with_contact_details() {
    let s = shop();
    let mut out = Vec::new();
    let n = s
        .crm
        .export_segment("has tag 'wholesale'", at(1, 0, 0), &mut out)
        .unwrap();
    assert_eq!(n, 2);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "client_id,name,kind,email,phone,contact_name,contact_email,contact_phone,region,industry,owner_id,tags"
    );
    assert_eq!(
        lines[1],
        format!(
            "{},ТОВ «Ромашка»,company,25@example.com,,Марія Бондар,maria@romashka.ua,+380671234567,Київ,,1,VIP;wholesale",
            s.romashka
        )
    );
    assert_eq!(
        lines[2],
        format!(
            "{},Petro O'Brien,person,13@example.com,,,,,,,,wholesale",
            s.petro
        )
    );
    assert_eq!(lines[3], "");
}

#[test]
fn errors_say_what_where_and_what_to_write_instead() {
    let s = shop();
    let now = at(1, 0, 0);
    let cases = [
        (
            "regoin = 'Kyiv'",
            "expression: unknown field 'regoin' for clients at 1:1; did you mean 'region'?",
        ),
        (
            "revenue > 'abc'",
            "expression: revenue is money and cannot be compared with text 'abc' at 1:11",
        ),
        (
            "orders >= 2 and\n  kind = 'compny'",
            "expression: 'compny' is not a kind: expected one of company, person at 2:10; did you mean 'company'?",
        ),
        (
            "revenue > 10.005",
            "expression: 10.005 is not an amount of money: at most two decimal places and 10^13 units at 1:11",
        ),
        (
            "orders > 1.5",
            "expression: orders is a whole number; 1.5 is not at 1:10",
        ),
        (
            "last_order < 90d",
            "expression: last_order is a date; a duration alone is not at 1:14; write 90d ago for the date 90d before the evaluation date",
        ),
        (
            "kind contains 'comp'",
            "expression: 'contains' does not apply to kind (a choice); use =, !=, in, not in or is null at 1:1",
        ),
        (
            "tags = 'vip'",
            "expression: tags are tested with has tag 'vip' at 1:8",
        ),
        (
            "attributes.\"a\\b\" = 1",
            "expression: an attribute key cannot contain a double quote or a backslash at 1:1",
        ),
        (
            "owner = 'Olena Koal'",
            "expression: no manager is named 'Olena Koal' at 1:9; did you mean 'Olena Koval'?",
        ),
        (
            "name = 'open",
            "expression: text is not closed: a closing ' is missing (write '' for a quote inside text) at 1:8",
        ),
        (
            "region = 'Kyiv' and",
            "expression: expected a condition (a field name, 'not', 'has tag' or '('), found the end of the expression at 1:20",
        ),
        (
            "interest = 'wholesale'",
            "expression: unknown field 'interest' for clients at 1:1; the fields of clients are listed by fields(\"clients\")",
        ),
    ];
    for (expr, expected) in cases {
        assert_eq!(message(s.crm.segment(expr, now)), expected, "{expr}");
    }
    let err = s
        .crm
        .segment("orders >= 2 and\n  kind = 'compny'", now)
        .unwrap_err();
    assert_eq!(err.position(), Some((2, 10)));
    assert_eq!(err.field(), Some("expression"));
}

#[test]
fn lead_conditions_and_the_catalogue() {
    let crm = mem();
    let mut lead = NewLead::new(Channel::Web);
    lead.interest = Some("wholesale".into());
    lead.region = Some("Kyiv".into());
    lead.phone = Some("+380671234567".into());
    lead.estimated_value = Some(units(18_000));
    // A Friday, 17:30 UTC.
    let lead = crm.capture_lead(lead, at(27, 17, 30)).unwrap().lead;
    let yes = [
        "interest = 'wholesale' and region in ('Kyiv', 'Lviv')",
        "channel = 'web' and estimate >= 10000",
        "weekday = 'fri' and hour >= 17",
        "weekday = 5 and status = 'new' and owner is null",
        "received = 2026-11-27",
    ];
    for expr in yes {
        assert!(
            crm.lead_matches(expr, lead.id, at(27, 18, 0)).unwrap(),
            "{expr}"
        );
    }
    assert!(
        !crm.lead_matches("weekday in ('sat', 'sun')", lead.id, at(27, 18, 0))
            .unwrap()
    );
    assert!(
        message(crm.lead_matches("orders > 1", lead.id, at(27, 18, 0)))
            .contains("unknown field 'orders' for leads")
    );
    assert!(
        message(crm.lead_matches("hour = 24", lead.id, at(27, 18, 0)))
            .contains("24 is not an hour")
    );
    assert!(
        message(crm.lead_matches("channel = 'webb'", lead.id, at(27, 18, 0)))
            .contains("did you mean 'web'?")
    );

    let fields = crm.fields(Subject::Clients).unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    for required in [
        "name",
        "kind",
        "region",
        "industry",
        "owner",
        "tags",
        "created",
        "source",
        "revenue",
        "revenue_90d",
        "revenue_365d",
        "orders",
        "first_order",
        "last_order",
        "days_since_last_order",
        "average_order",
        "attributes.<key>",
    ] {
        assert!(
            names.contains(&required),
            "{required} missing from {names:?}"
        );
    }
    let lead_fields: Vec<&str> = crm
        .fields(Subject::Leads)
        .unwrap()
        .iter()
        .map(|f| f.name)
        .collect();
    for required in [
        "source", "channel", "region", "language", "interest", "estimate", "status", "owner",
        "hour", "weekday",
    ] {
        assert!(lead_fields.contains(&required), "{required} missing");
    }
    assert_eq!(
        crm.check_expression(Subject::Leads, "Interest = 'x' AND (hour < 9 OR hour > 18)")
            .unwrap(),
        "interest = 'x' and (hour < 9 or hour > 18)"
    );
}

#[test]
fn segments_work_inside_a_transaction_and_on_a_file() {
    let dir = std::env::temp_dir().join(format!("crmkit-seg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("seg.crm");
    let _ = std::fs::remove_file(&path);
    {
        let crm = Crm::open(&path).unwrap();
        crm.transaction(|tx| {
            let c = tx.add_client(NewClient::new(ClientKind::Person, "A"), at(1, 0, 0))?;
            tx.record_order(
                NewOrder {
                    client_id: c.id,
                    total: units(5),
                    ..Default::default()
                },
                at(1, 1, 0),
            )?;
            assert_eq!(tx.segment("orders = 1", at(2, 0, 0))?, vec![c.id]);
            tx.save_segment("buyers", "orders >= 1", at(2, 0, 0))?;
            Ok::<_, Error>(())
        })
        .unwrap();
        crm.close().unwrap();
    }
    let crm = Crm::open(&path).unwrap();
    assert_eq!(crm.segment_count("buyers", at(3, 0, 0)).unwrap(), 1);
    drop(crm);
    let _ = std::fs::remove_dir_all(&dir);
}
