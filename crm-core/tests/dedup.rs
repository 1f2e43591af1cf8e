#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Duplicates through the facade: matching on capture, probes, whole-base pairs, merge and unmerge.

mod common;

use common::{at, expect_err, mem, units};
use crm_core::{
    ActivityKind, ActivityQuery, Channel, ClientId, ClientKind, ClientQuery, Crm, DealQuery,
    DedupSettings, DedupSettingsPatch, Direction, ErrorKind, LeadQuery, NewActivity, NewClient,
    NewContact, NewDeal, NewLead, NewManager, NewOrder, OrderQuery, Probe,
};

fn company(crm: &Crm, name: &str, phone: Option<&str>, email: Option<&str>) -> ClientId {
    let new = NewClient {
        kind: Some(ClientKind::Company),
        name: name.into(),
        phone: phone.map(Into::into),
        email: email.map(Into::into),
        ..NewClient::default()
    };
    crm.add_client(new, at(1, 9, 0)).expect("client").id
}

fn person(crm: &Crm, name: &str, phone: Option<&str>) -> ClientId {
    let new = NewClient {
        kind: Some(ClientKind::Person),
        name: name.into(),
        phone: phone.map(Into::into),
        ..NewClient::default()
    };
    crm.add_client(new, at(1, 9, 0)).expect("client").id
}

fn lead(
    name: Option<&str>,
    company: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> NewLead {
    let mut lead = NewLead::new(Channel::Web);
    lead.name = name.map(Into::into);
    lead.company = company.map(Into::into);
    lead.phone = phone.map(Into::into);
    lead.email = email.map(Into::into);
    lead
}

#[test]
fn a_request_from_a_known_phone_in_another_format_is_linked_to_its_client_and_owner() {
    let crm = mem();
    let olena = crm
        .add_manager(NewManager::new("Olena"), at(1, 8, 0))
        .expect("manager");
    let new = NewClient {
        name: "ТОВ «Ромашка»".into(),
        phone: Some("+380 67 123-45-67".into()),
        owner_id: Some(olena.id),
        ..NewClient::default()
    };
    let romashka = crm.add_client(new, at(1, 9, 0)).expect("client").id;
    let c = crm
        .capture_lead(
            lead(Some("Ivan"), None, Some("0671234567"), None),
            at(2, 10, 0),
        )
        .expect("capture");
    assert!(c.auto_linked);
    assert_eq!(c.lead.client_id, Some(romashka));
    assert_eq!(
        c.lead.owner_id,
        Some(olena.id),
        "a known client's request goes to its owner"
    );
    assert_eq!(c.matches.len(), 1);
    assert_eq!(c.matches[0].client_id, romashka);
    assert!(c.matches[0].score >= 0.9);
    assert_eq!(c.matches[0].keys, ["phone"]);
}

#[test]
fn e_mail_spellings_and_company_names_with_legal_forms_meet() {
    let crm = mem();
    let id = company(&crm, "Romashka LLC", None, Some("Ivan.Petrenko@Gmail.com"));
    let c = crm
        .capture_lead(
            lead(None, None, None, Some("ivanpetrenko+crm@gmail.com")),
            at(2, 10, 0),
        )
        .expect("capture");
    assert_eq!(c.lead.client_id, Some(id));
    assert_eq!(c.matches[0].keys, ["email"]);
    // A company name alone is a suggestion, not a link: a person decides.
    let c = crm
        .capture_lead(
            lead(Some("Petro"), Some("ромашка тов"), Some("0501112233"), None),
            at(2, 11, 0),
        )
        .expect("capture");
    assert!(!c.auto_linked);
    assert_eq!(c.lead.client_id, None);
    assert_eq!(c.matches.len(), 1);
    assert_eq!(c.matches[0].client_id, id);
    assert!(c.matches[0].keys.contains(&"company".to_string()));
    assert!(c.matches[0].score < 0.9 && c.matches[0].score >= 0.5);
}

#[test]
fn a_shared_office_phone_stops_counting_as_a_key() {
    let crm = mem();
    crm.set_dedup_settings(
        DedupSettingsPatch {
            key_limit: Some(3),
            ..DedupSettingsPatch::default()
        },
        at(1, 8, 0),
    )
    .expect("settings");
    for name in [
        "Anna Koval",
        "Boris Lysenko",
        "Vira Shevchuk",
        "Hanna Moroz",
    ] {
        person(&crm, name, Some("044 200 00 00"));
    }
    let c = crm
        .capture_lead(
            lead(Some("Dmytro"), None, Some("+380442000000"), None),
            at(2, 10, 0),
        )
        .expect("capture");
    assert!(c.matches.is_empty(), "{:?}", c.matches);
    assert_eq!(c.lead.client_id, None);
    // Below the limit the same phone is a key again.
    let crm = mem();
    let id = person(&crm, "Anna Koval", Some("044 200 00 00"));
    let c = crm
        .capture_lead(lead(None, None, Some("+380442000000"), None), at(2, 10, 0))
        .expect("capture");
    assert_eq!(c.lead.client_id, Some(id));
}

#[test]
fn two_strong_matches_are_left_for_a_person_to_decide() {
    let crm = mem();
    let a = person(&crm, "Ivan Petrenko", Some("0671234567"));
    let b = person(&crm, "Іван Петренко", Some("067 123 45 67"));
    let c = crm
        .capture_lead(
            lead(Some("Ivan Petrenko"), None, Some("0671234567"), None),
            at(2, 10, 0),
        )
        .expect("capture");
    assert!(!c.auto_linked);
    assert_eq!(c.lead.client_id, None);
    let ids: Vec<ClientId> = c.matches.iter().map(|m| m.client_id).collect();
    assert_eq!(ids, [a, b], "equal scores by id");
    // A request that names its client is not matched at all.
    let mut named = lead(Some("Ivan"), None, Some("0671234567"), None);
    named.client_id = Some(b);
    let c = crm.capture_lead(named, at(2, 11, 0)).expect("capture");
    assert!(c.matches.is_empty());
    assert_eq!(c.lead.client_id, Some(b));
}

#[test]
fn thresholds_are_settings_and_are_checked() {
    let crm = mem();
    assert_eq!(
        crm.dedup_settings().expect("settings"),
        DedupSettings::default()
    );
    let bad = DedupSettingsPatch {
        suggest: Some(0.95),
        ..DedupSettingsPatch::default()
    };
    expect_err(
        crm.set_dedup_settings(bad, at(1, 8, 0)),
        ErrorKind::Validation,
        Some("suggest"),
    );
    let bad = DedupSettingsPatch {
        auto_link: Some(f64::NAN),
        ..DedupSettingsPatch::default()
    };
    expect_err(
        crm.set_dedup_settings(bad, at(1, 8, 0)),
        ErrorKind::Validation,
        Some("auto_link"),
    );
    let bad = DedupSettingsPatch {
        default_country: Some("Narnia".into()),
        ..DedupSettingsPatch::default()
    };
    expect_err(
        crm.set_dedup_settings(bad, at(1, 8, 0)),
        ErrorKind::Validation,
        Some("default_country"),
    );
    let id = person(&crm, "Anna Koval", Some("0671234567"));
    // Never auto-link: the same request is only suggested. The fields left out keep their values.
    let manual = DedupSettingsPatch {
        auto_link: Some(1.0),
        ..DedupSettingsPatch::default()
    };
    let now = crm
        .set_dedup_settings(manual, at(1, 8, 0))
        .expect("settings");
    assert_eq!((now.auto_link, now.suggest, now.key_limit), (1.0, 0.5, 20));
    let c = crm
        .capture_lead(lead(None, None, Some("+380671234567"), None), at(2, 10, 0))
        .expect("capture");
    assert_eq!(c.lead.client_id, None);
    assert_eq!(c.matches[0].client_id, id);
    assert_eq!(crm.history("settings", 0).expect("history").len(), 1);
}

#[test]
fn the_default_country_decides_how_a_local_number_reads_and_a_change_rebuilds_the_keys() {
    let crm = mem();
    let id = person(&crm, "Jan Kowalski", Some("601 234 567"));
    let probe = Probe {
        phone: Some("+48 601 234 567".into()),
        ..Probe::default()
    };
    assert!(
        crm.find_duplicates(&probe).expect("find").is_empty(),
        "read as Ukrainian"
    );
    let pl = DedupSettingsPatch {
        default_country: Some("pl".into()),
        ..DedupSettingsPatch::default()
    };
    assert_eq!(
        crm.set_dedup_settings(pl, at(1, 8, 0))
            .expect("settings")
            .default_country,
        "PL"
    );
    let found = crm.find_duplicates(&probe).expect("find");
    assert_eq!(found[0].client_id, id);
    assert_eq!(crm.rebuild_match_keys(at(1, 9, 0)).expect("rebuild"), 1);
}

#[test]
fn find_duplicates_explains_and_refuses_an_empty_probe() {
    let crm = mem();
    let new = NewClient {
        kind: Some(ClientKind::Company),
        name: "ТОВ «Ромашка»".into(),
        tax_id: Some("14360570".into()),
        ..NewClient::default()
    };
    let id = crm.add_client(new, at(1, 9, 0)).expect("client").id;
    let probe = Probe {
        kind: Some(ClientKind::Company),
        name: Some("Romashka LLC".into()),
        tax_id: Some("1436 0570".into()),
        ..Probe::default()
    };
    let found = crm.find_duplicates(&probe).expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].client_id, id);
    assert_eq!(found[0].keys, ["tax_id", "company"]);
    assert!(found[0].score > 0.99);
    expect_err(
        crm.find_duplicates(&Probe::default()),
        ErrorKind::Validation,
        Some("probe"),
    );
    assert!(
        crm.client_duplicates(id).expect("dups").is_empty(),
        "not its own duplicate"
    );
}

#[test]
fn duplicate_pairs_finds_the_same_party_written_differently() {
    let crm = mem();
    let a = person(&crm, "Ivan Petrenko", Some("+380 67 123-45-67"));
    let b = person(&crm, "Петренко Іван", Some("0671234567"));
    let _other = person(&crm, "Olha Bondar", Some("0509998877"));
    let c = company(&crm, "ТОВ «Ромашка»", None, Some("office@romashka.ua"));
    let d = company(&crm, "Romashka Ltd.", None, Some("Office@Romashka.UA"));
    let pairs = crm.duplicate_pairs(0.9).expect("pairs");
    let found: Vec<(ClientId, ClientId)> = pairs.iter().map(|p| (p.a, p.b)).collect();
    assert_eq!(found, [(c, d), (a, b)], "best first: {pairs:?}");
    assert_eq!(pairs[1].keys, ["phone", "name"]);
    assert_eq!(pairs[0].keys, ["email", "company"]);
    assert_eq!(crm.client_duplicates(a).expect("dups")[0].client_id, b);
    expect_err(
        crm.duplicate_pairs(1.5),
        ErrorKind::Validation,
        Some("min_score"),
    );
}

/// Everything a client has, for comparing before and after.
fn everything(crm: &Crm, id: ClientId) -> String {
    let client = crm.get_client(id).expect("client");
    let contacts = crm.list_contacts(id).expect("contacts");
    let leads = crm
        .list_leads(&LeadQuery {
            client_id: Some(id),
            ..LeadQuery::default()
        })
        .expect("leads");
    let deals = crm
        .list_deals(&DealQuery {
            client_id: Some(id),
            ..DealQuery::default()
        })
        .expect("deals");
    let activities = crm
        .list_activities(&ActivityQuery {
            client_id: Some(id),
            ..ActivityQuery::default()
        })
        .expect("activities");
    let orders = crm
        .list_orders(&OrderQuery {
            client_id: Some(id),
            ..OrderQuery::default()
        })
        .expect("orders");
    let rollup = crm.client_rollup(id).expect("rollup");
    let months = crm.client_monthly_revenue(id).expect("months");
    format!(
        "{client:?}\n{contacts:?}\n{leads:?}\n{deals:?}\n{activities:?}\n{orders:?}\n{rollup:?}\n{months:?}"
    )
}

fn with_history(
    crm: &Crm,
    name: &str,
    phone: &str,
    email: Option<&str>,
    tags: &[&str],
) -> ClientId {
    let new = NewClient {
        kind: Some(ClientKind::Company),
        name: name.into(),
        phone: Some(phone.into()),
        email: email.map(Into::into),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..NewClient::default()
    };
    let id = crm.add_client(new, at(1, 9, 0)).expect("client").id;
    crm.add_contact(
        NewContact {
            client_id: id,
            name: format!("{name} buyer"),
            position: None,
            phones: vec![],
            emails: vec![],
        },
        at(1, 9, 5),
    )
    .expect("contact");
    let mut l = lead(Some("Buyer"), None, None, None);
    l.client_id = Some(id);
    crm.capture_lead(l, at(2, 9, 0)).expect("lead");
    let deal = crm
        .open_deal(
            NewDeal {
                client_id: id,
                title: "Chairs".into(),
                amount: units(500),
                ..NewDeal::default()
            },
            at(2, 10, 0),
        )
        .expect("deal");
    let mut call = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call.client_id = Some(id);
    call.deal_id = Some(deal.id);
    crm.log_activity(call, at(2, 11, 0)).expect("call");
    for (day, total) in [(3, 120), (20, 80)] {
        let order = NewOrder {
            client_id: id,
            total: units(total),
            lines: vec![],
            status: None,
            deal_id: None,
            external_ref: None,
        };
        crm.record_order(order, at(day, 12, 0)).expect("order");
    }
    id
}

#[test]
fn a_merge_moves_everything_and_an_unmerge_restores_both_clients_exactly() {
    let crm = mem();
    let keep = with_history(&crm, "Romashka", "0671234567", None, &["vip"]);
    let merge = with_history(
        &crm,
        "ТОВ «Ромашка»",
        "0441112233",
        Some("office@romashka.ua"),
        &["VIP", "wholesale"],
    );
    crm.save_segment("buyers", "orders >= 1", at(21, 0, 0))
        .expect("segment");
    crm.refresh_segment("buyers", at(21, 0, 0))
        .expect("refresh");
    let (before_keep, before_merge) = (everything(&crm, keep), everything(&crm, merge));
    let kept_before = crm.get_client(keep).expect("kept");

    let m = crm.merge_clients(keep, merge, at(22, 9, 0)).expect("merge");
    assert_eq!(m.filled, ["email"]);
    assert_eq!(m.conflicts.len(), 1);
    assert_eq!(m.conflicts[0].field, "phone");
    assert_eq!(m.added_tags, ["wholesale"]);
    assert_eq!(
        (
            m.moved.contacts.len(),
            m.moved.leads.len(),
            m.moved.deals.len()
        ),
        (1, 1, 1)
    );
    assert_eq!((m.moved.activities.len(), m.moved.orders.len()), (1, 2));
    let kept = crm.get_client(keep).expect("kept");
    assert_eq!(kept.email.as_deref(), Some("office@romashka.ua"));
    assert_eq!(kept.tags, ["vip", "wholesale"]);
    let rollup = crm.client_rollup(keep).expect("rollup");
    assert_eq!((rollup.orders, rollup.revenue), (4, units(400)));
    let contacts = crm.list_contacts(keep).expect("contacts");
    assert_eq!(
        contacts.len(),
        3,
        "its own, the moved one and the merged client's phone"
    );
    assert_eq!(contacts[2].phones, ["0441112233"]);
    let err = expect_err(crm.get_client(merge), ErrorKind::NotFound, None);
    assert!(
        err.to_string()
            .contains(&format!("merged into client {keep} by merge {}", m.id)),
        "{err}"
    );
    let listed: Vec<ClientId> = crm
        .list_clients(&ClientQuery::default())
        .expect("list")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, [keep]);
    // The merged client's phone still finds the kept client.
    let c = crm
        .capture_lead(lead(None, None, Some("+380441112233"), None), at(23, 9, 0))
        .expect("capture");
    assert_eq!(c.lead.client_id, Some(keep));
    let events = crm.history("client", merge.0).expect("history");
    assert_eq!(events.last().map(|e| e.kind.as_str()), Some("merged_away"));
    assert_eq!(
        crm.list_merges(Some(merge)).expect("merges"),
        std::slice::from_ref(&m)
    );

    let undone = crm.unmerge(m.id, at(24, 9, 0)).expect("unmerge");
    assert_eq!(undone.undone_at, Some(at(24, 9, 0)));
    // The request captured after the merge stays with the kept client; everything else is as it was.
    let after_keep = everything(&crm, keep);
    assert_ne!(after_keep, before_keep);
    assert_eq!(everything(&crm, merge), before_merge);
    let late = crm
        .list_leads(&LeadQuery {
            client_id: Some(keep),
            ..LeadQuery::default()
        })
        .expect("leads");
    assert_eq!(late.len(), 2);
    assert_eq!(
        crm.get_client(keep).expect("kept"),
        kept_before,
        "exactly, update time included"
    );
    assert_eq!(
        crm.segment("buyers", at(25, 0, 0)).expect("segment"),
        [keep, merge]
    );
    expect_err(crm.unmerge(m.id, at(25, 9, 0)), ErrorKind::Conflict, None);
    expect_err(
        crm.merge_clients(keep, keep, at(25, 9, 0)),
        ErrorKind::Validation,
        Some("merge"),
    );
}

#[test]
fn an_unmerge_waits_for_a_later_merge_of_the_kept_client_to_be_undone() {
    let crm = mem();
    let a = person(&crm, "Anna Koval", Some("0671110000"));
    let b = person(&crm, "Anna Koval", Some("0671110001"));
    let c = person(&crm, "Anna Koval", Some("0671110002"));
    let first = crm.merge_clients(b, a, at(2, 9, 0)).expect("merge");
    let second = crm.merge_clients(c, b, at(3, 9, 0)).expect("merge");
    let err = expect_err(
        crm.unmerge(first.id, at(4, 9, 0)),
        ErrorKind::Conflict,
        None,
    );
    assert!(
        err.to_string().contains(&format!("merge {}", second.id)),
        "{err}"
    );
    crm.unmerge(second.id, at(4, 9, 0))
        .expect("undo the later one");
    crm.unmerge(first.id, at(4, 9, 1)).expect("then the first");
    assert_eq!(
        crm.list_clients(&ClientQuery::default())
            .expect("list")
            .len(),
        3
    );
    // A new client never takes the id of a merged-away one.
    let d = person(&crm, "Boris", None);
    crm.merge_clients(a, d, at(5, 9, 0)).expect("merge");
    let e = person(&crm, "Vira", None);
    assert!(e.0 > d.0);
}

#[test]
fn a_failed_merge_in_a_transaction_leaves_nothing() {
    let crm = mem();
    let a = person(&crm, "Anna Koval", Some("0671110000"));
    let b = person(&crm, "Anna Koval", Some("0671110001"));
    let before = (everything(&crm, a), everything(&crm, b));
    let result: crm_core::Result<()> = crm.transaction(|tx| {
        tx.merge_clients(a, b, at(2, 9, 0))?;
        tx.merge_clients(a, ClientId(999), at(2, 9, 0))?;
        Ok(())
    });
    expect_err(result, ErrorKind::NotFound, None);
    assert_eq!((everything(&crm, a), everything(&crm, b)), before);
    assert!(crm.list_merges(None).expect("merges").is_empty());
}
