#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The whole lead → client → deal → order flow through the public API, and every refusal on the way.

mod common;

use chrono::{DateTime, Utc};
use common::{at, capture, expect_err, mem, qualify, units, web_lead};
use crm_core::{
    ActivityKind, ClientKind, ClientQuery, ConvertLead, Crm, DealId, DealQuery, DealStatus,
    Direction, ErrorKind, JunkKind, Lead, LeadId, LeadStatus, ManagerId, NewActivity, NewClient,
    NewDeal, NewManager, NewOrder, NewStage, OrderLine,
};

fn activity(
    lead: LeadId,
    kind: ActivityKind,
    direction: Option<Direction>,
    by: Option<ManagerId>,
) -> NewActivity {
    let mut a = NewActivity::new(kind, direction);
    a.lead_id = Some(lead);
    a.manager_id = by;
    a
}

/// What a user can see of a lead: the row, its transition log, and the event feed position.
fn lead_state(crm: &Crm, id: LeadId) -> (Lead, usize, i64) {
    (
        crm.get_lead(id).unwrap(),
        crm.lead_transitions(id).unwrap().len(),
        crm.last_seq().unwrap(),
    )
}

fn deal_state(crm: &Crm, id: DealId) -> (crm_core::Deal, usize, i64) {
    (
        crm.get_deal(id).unwrap(),
        crm.deal_history(id).unwrap().len(),
        crm.last_seq().unwrap(),
    )
}

#[test]
fn lead_becomes_company_client_deal_and_order() {
    let crm = mem();
    crm.set_actor("olena");
    let olena = crm
        .add_manager(NewManager::new("Olena Koval"), at(1, 9, 0))
        .unwrap();

    let mut new = web_lead("Ivan Petrenko", "067 123 45 67");
    new.company = Some("ТОВ Ромашка".into());
    new.email = Some("Ivan.Petrenko@romashka.ua".into());
    new.need = Some("50 chairs for an office".into());
    new.estimated_value = Some(units(18_000));
    let t0 = at(2, 9, 30);
    let captured = crm.capture_lead(new, t0).unwrap();
    assert!(captured.warnings.is_empty(), "{:?}", captured.warnings);
    let lead = captured.lead;
    assert_eq!(lead.status, LeadStatus::New);
    assert_eq!(lead.received_at, t0);
    assert_eq!(lead.first_response_at, None);

    // An inbound call and an internal note are not a response.
    crm.log_activity(
        activity(lead.id, ActivityKind::Call, Some(Direction::In), None),
        at(2, 9, 40),
    )
    .unwrap();
    crm.log_activity(
        activity(
            lead.id,
            ActivityKind::Note,
            Some(Direction::Out),
            Some(olena.id),
        ),
        at(2, 9, 45),
    )
    .unwrap();
    let still_new = crm.get_lead(lead.id).unwrap();
    assert_eq!(still_new.status, LeadStatus::New);
    assert_eq!(still_new.first_response_at, None);

    // The first outbound call is the first response: new → in progress, when and by whom.
    let t1 = at(2, 10, 5);
    crm.log_activity(
        activity(
            lead.id,
            ActivityKind::Call,
            Some(Direction::Out),
            Some(olena.id),
        ),
        t1,
    )
    .unwrap();
    let answered = crm.get_lead(lead.id).unwrap();
    assert_eq!(answered.status, LeadStatus::InProgress);
    assert_eq!(answered.first_response_at, Some(t1));
    assert_eq!(answered.first_response_by, Some(olena.id));
    assert_eq!(answered.status_changed_at, t1);

    // A second outbound call does not move the first response.
    crm.log_activity(
        activity(lead.id, ActivityKind::Email, Some(Direction::Out), None),
        at(2, 11, 0),
    )
    .unwrap();
    let answered_again = crm.get_lead(lead.id).unwrap();
    assert_eq!(answered_again.first_response_at, Some(t1));
    assert_eq!(answered_again.first_response_by, Some(olena.id));
    assert_eq!(answered_again.status, LeadStatus::InProgress);

    let t2 = at(3, 12, 0);
    let qualified = crm.qualify_lead(lead.id, t2).unwrap();
    assert_eq!(qualified.status, LeadStatus::Qualified);

    let t3 = at(4, 15, 0);
    let conv = crm
        .convert_lead(lead.id, ConvertLead::default(), t3)
        .unwrap();
    assert!(conv.client_created);
    let client = crm.get_client(conv.client_id).unwrap();
    assert_eq!(client.kind, ClientKind::Company);
    assert_eq!(client.name, "ТОВ Ромашка");
    assert_eq!(client.phone.as_deref(), Some("067 123 45 67"));
    assert_eq!(client, conv.client);
    let contacts = crm.list_contacts(client.id).unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].name, "Ivan Petrenko");
    assert_eq!(contacts[0].phones, vec!["067 123 45 67".to_string()]);
    assert_eq!(
        contacts[0].emails,
        vec!["Ivan.Petrenko@romashka.ua".to_string()]
    );

    let first_stage = crm.pipeline().unwrap()[0].code.clone();
    let deal = crm.get_deal(conv.deal_id).unwrap();
    assert_eq!(deal.stage, first_stage);
    assert_eq!(deal.status, DealStatus::Open);
    assert_eq!(deal.client_id, client.id);
    assert_eq!(deal.lead_id, Some(lead.id));
    assert_eq!(
        deal.amount,
        units(18_000),
        "defaults to the estimated value"
    );
    assert_eq!(deal.title, "50 chairs for an office");
    assert_eq!(deal.created_at, t3);

    let converted = crm.get_lead(lead.id).unwrap();
    assert_eq!(converted.status, LeadStatus::Converted);
    assert_eq!(converted.client_id, Some(client.id));
    assert_eq!(converted.deal_id, Some(deal.id));

    // Through the stages, then won.
    let stage_times = [
        ("proposal", at(5, 10, 0)),
        ("negotiation", at(9, 10, 0)),
        ("contract", at(12, 10, 0)),
    ];
    for (stage, when) in stage_times {
        let moved = crm.move_deal(deal.id, stage, when).unwrap();
        assert_eq!(moved.stage, stage);
        assert_eq!(moved.stage_changed_at, when);
        assert_eq!(crm.get_deal(deal.id).unwrap().stage, stage);
    }
    let t_won = at(13, 16, 0);
    let won = crm.win_deal(deal.id, t_won).unwrap();
    assert_eq!(won.status, DealStatus::Won);
    assert_eq!(won.closed_at, Some(t_won));
    assert_eq!(crm.get_deal(deal.id).unwrap(), won);

    // The order closes the deal; the client's rollup counts it.
    let order = crm
        .record_order(
            NewOrder {
                client_id: client.id,
                total: units(18_000),
                lines: vec![OrderLine::new("CHAIR-1", 50, units(360))],
                deal_id: Some(deal.id),
                external_ref: Some("1C-0001".into()),
                ..Default::default()
            },
            at(14, 9, 0),
        )
        .unwrap();
    assert_eq!(crm.get_order(order.id).unwrap(), order);
    let rollup = crm.client_rollup(client.id).unwrap();
    assert_eq!(rollup.revenue, units(18_000));
    assert_eq!(rollup.orders, 1);

    // Every lead step is in its log, with time and actor.
    let steps: Vec<_> = crm
        .lead_transitions(lead.id)
        .unwrap()
        .into_iter()
        .map(|t| (t.from, t.to, t.at, t.actor))
        .collect();
    let olena_actor = || "olena".to_string();
    assert_eq!(
        steps,
        vec![
            (None, LeadStatus::New, t0, olena_actor()),
            (
                Some(LeadStatus::New),
                LeadStatus::InProgress,
                t1,
                olena_actor()
            ),
            (
                Some(LeadStatus::InProgress),
                LeadStatus::Qualified,
                t2,
                olena_actor()
            ),
            (
                Some(LeadStatus::Qualified),
                LeadStatus::Converted,
                t3,
                olena_actor()
            ),
        ]
    );

    // Every deal step too.
    let visits: Vec<_> = crm
        .deal_history(deal.id)
        .unwrap()
        .into_iter()
        .map(|v| (v.stage, v.status, v.at))
        .collect();
    assert_eq!(
        visits,
        vec![
            (first_stage, DealStatus::Open, t3),
            ("proposal".to_string(), DealStatus::Open, at(5, 10, 0)),
            ("negotiation".to_string(), DealStatus::Open, at(9, 10, 0)),
            ("contract".to_string(), DealStatus::Open, at(12, 10, 0)),
            ("contract".to_string(), DealStatus::Won, t_won),
        ]
    );
}

#[test]
fn first_response_on_a_started_lead_records_time_without_moving_it() {
    let crm = mem();
    let m = crm
        .add_manager(NewManager::new("Petro"), at(1, 9, 0))
        .unwrap();
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    crm.start_lead(lead.id, at(2, 9, 5)).unwrap();
    let before = crm.lead_transitions(lead.id).unwrap().len();
    crm.log_activity(
        activity(
            lead.id,
            ActivityKind::Message,
            Some(Direction::Out),
            Some(m.id),
        ),
        at(2, 9, 20),
    )
    .unwrap();
    let got = crm.get_lead(lead.id).unwrap();
    assert_eq!(got.status, LeadStatus::InProgress);
    assert_eq!(got.first_response_at, Some(at(2, 9, 20)));
    assert_eq!(got.first_response_by, Some(m.id));
    assert_eq!(crm.lead_transitions(lead.id).unwrap().len(), before);
}

#[test]
fn convert_links_the_given_client_or_makes_a_person() {
    let crm = mem();
    let existing = crm
        .add_client(
            NewClient::new(ClientKind::Company, "ТОВ Ромашка"),
            at(1, 9, 0),
        )
        .unwrap();

    // client_id given: linked, nothing new made (not even from the company the lead named).
    let mut new = web_lead("Ivan", "0671234567");
    new.company = Some("Romashka LLC".into());
    let lead = crm.capture_lead(new, at(2, 9, 0)).unwrap().lead;
    qualify(&crm, lead.id, at(2, 9, 0));
    let conv = crm
        .convert_lead(
            lead.id,
            ConvertLead {
                client_id: Some(existing.id),
                amount: Some(units(500)),
                title: Some("Repeat chairs".into()),
                ..Default::default()
            },
            at(2, 10, 0),
        )
        .unwrap();
    assert!(!conv.client_created);
    assert_eq!(conv.client_id, existing.id);
    assert_eq!(crm.list_clients(&ClientQuery::default()).unwrap().len(), 1);
    assert!(crm.list_contacts(existing.id).unwrap().is_empty());
    let deal = crm.get_deal(conv.deal_id).unwrap();
    assert_eq!(deal.client_id, existing.id);
    assert_eq!(deal.amount, units(500));
    assert_eq!(deal.title, "Repeat chairs");
    assert_eq!(crm.get_lead(lead.id).unwrap().client_id, Some(existing.id));

    // A lead captured for a known client converts to that client without options.
    let mut known = web_lead("Ivan", "0671234567");
    known.client_id = Some(existing.id);
    let known = crm.capture_lead(known, at(3, 9, 0)).unwrap().lead;
    qualify(&crm, known.id, at(3, 9, 0));
    let conv = crm
        .convert_lead(known.id, ConvertLead::default(), at(3, 9, 30))
        .unwrap();
    assert!(!conv.client_created);
    assert_eq!(conv.client_id, existing.id);

    // No company named: a private person, named after the lead, with no contact rows.
    let person = capture(&crm, "Maria Shevchenko", "0501112233", at(4, 9, 0));
    qualify(&crm, person.id, at(4, 9, 0));
    let conv = crm
        .convert_lead(person.id, ConvertLead::default(), at(4, 9, 30))
        .unwrap();
    assert!(conv.client_created);
    let client = crm.get_client(conv.client_id).unwrap();
    assert_eq!(client.kind, ClientKind::Person);
    assert_eq!(client.name, "Maria Shevchenko");
    assert!(crm.list_contacts(client.id).unwrap().is_empty());
    assert_eq!(crm.list_clients(&ClientQuery::default()).unwrap().len(), 2);
}

#[test]
fn convert_refusals_create_nothing() {
    let crm = mem();
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    qualify(&crm, lead.id, at(2, 9, 0));
    let before = lead_state(&crm, lead.id);

    expect_err(
        crm.convert_lead(
            lead.id,
            ConvertLead {
                stage: Some("nowhere".into()),
                ..Default::default()
            },
            at(2, 10, 0),
        ),
        ErrorKind::Validation,
        Some("stage"),
    );
    expect_err(
        crm.convert_lead(
            lead.id,
            ConvertLead {
                client_id: Some(crm_core::ClientId(4242)),
                ..Default::default()
            },
            at(2, 10, 0),
        ),
        ErrorKind::NotFound,
        None,
    );
    expect_err(
        crm.convert_lead(
            lead.id,
            ConvertLead {
                amount: Some(crm_core::Money::from_minor(-1)),
                ..Default::default()
            },
            at(2, 10, 0),
        ),
        ErrorKind::Validation,
        Some("amount"),
    );
    assert_eq!(lead_state(&crm, lead.id), before);
    assert!(
        crm.list_clients(&ClientQuery::default())
            .unwrap()
            .is_empty()
    );
    assert!(crm.list_deals(&DealQuery::default()).unwrap().is_empty());

    // Converting twice is refused and makes no second client or deal.
    crm.convert_lead(lead.id, ConvertLead::default(), at(2, 11, 0))
        .unwrap();
    let before = lead_state(&crm, lead.id);
    expect_err(
        crm.convert_lead(lead.id, ConvertLead::default(), at(2, 12, 0)),
        ErrorKind::InvalidTransition,
        None,
    );
    assert_eq!(lead_state(&crm, lead.id), before);
    assert_eq!(crm.list_clients(&ClientQuery::default()).unwrap().len(), 1);
    assert_eq!(crm.list_deals(&DealQuery::default()).unwrap().len(), 1);
}

#[test]
fn open_deal_can_start_in_a_named_stage() {
    let crm = mem();
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "Acme"), at(1, 9, 0))
        .unwrap();
    let deal = crm
        .open_deal(
            NewDeal {
                client_id: client.id,
                title: "Desks".into(),
                amount: units(900),
                stage: Some("negotiation".into()),
                ..Default::default()
            },
            at(2, 9, 0),
        )
        .unwrap();
    assert_eq!(deal.stage, "negotiation");
    let seq = crm.last_seq().unwrap();
    expect_err(
        crm.open_deal(
            NewDeal {
                client_id: client.id,
                title: "Desks".into(),
                amount: units(900),
                stage: Some("won".into()),
                ..Default::default()
            },
            at(2, 9, 0),
        ),
        ErrorKind::Validation,
        Some("stage"),
    );
    assert_eq!(crm.last_seq().unwrap(), seq);
}

#[test]
fn lose_lead_needs_a_catalogue_reason() {
    let crm = mem();
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    crm.start_lead(lead.id, at(2, 9, 10)).unwrap();
    let before = lead_state(&crm, lead.id);

    let err = expect_err(
        crm.lose_lead(lead.id, "too_expensive", None, at(2, 10, 0)),
        ErrorKind::Validation,
        Some("reason"),
    );
    assert!(err.to_string().contains("catalogue"), "{err}");
    expect_err(
        crm.lose_lead(lead.id, "  ", None, at(2, 10, 0)),
        ErrorKind::Validation,
        Some("reason"),
    );
    assert_eq!(lead_state(&crm, lead.id), before, "nothing written");

    let t = at(2, 11, 0);
    let lost = crm
        .lose_lead(lead.id, "price", Some("chose a cheaper supplier"), t)
        .unwrap();
    assert_eq!(lost.status, LeadStatus::Lost);
    assert_eq!(lost.lost_reason.as_deref(), Some("price"));
    assert_eq!(lost.close_note.as_deref(), Some("chose a cheaper supplier"));
    assert_eq!(crm.get_lead(lead.id).unwrap(), lost);
    let last = crm.lead_transitions(lead.id).unwrap().pop().unwrap();
    assert_eq!(
        (last.from, last.to, last.at, last.reason.as_deref()),
        (
            Some(LeadStatus::InProgress),
            LeadStatus::Lost,
            t,
            Some("price")
        )
    );

    // Reopening brings it back to work and clears the reason.
    let t = at(9, 9, 0);
    let reopened = crm.reopen_lead(lead.id, t).unwrap();
    assert_eq!(reopened.status, LeadStatus::InProgress);
    assert_eq!(reopened.lost_reason, None);
    assert_eq!(reopened.status_changed_at, t);
    assert_eq!(crm.get_lead(lead.id).unwrap(), reopened);
    let last = crm.lead_transitions(lead.id).unwrap().pop().unwrap();
    assert_eq!(
        (last.from, last.to, last.at),
        (Some(LeadStatus::Lost), LeadStatus::InProgress, t)
    );
}

#[test]
fn lose_deal_needs_a_catalogue_reason() {
    let crm = mem();
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    qualify(&crm, lead.id, at(2, 9, 0));
    let conv = crm
        .convert_lead(lead.id, ConvertLead::default(), at(2, 10, 0))
        .unwrap();
    let before = deal_state(&crm, conv.deal_id);
    expect_err(
        crm.lose_deal(conv.deal_id, "too_expensive", None, at(3, 9, 0)),
        ErrorKind::Validation,
        Some("reason"),
    );
    expect_err(
        crm.lose_deal(conv.deal_id, "", None, at(3, 9, 0)),
        ErrorKind::Validation,
        Some("reason"),
    );
    assert_eq!(deal_state(&crm, conv.deal_id), before, "nothing written");

    let t = at(3, 10, 0);
    let lost = crm
        .lose_deal(conv.deal_id, "competitor", Some("went to Rozetka"), t)
        .unwrap();
    assert_eq!(lost.status, DealStatus::Lost);
    assert_eq!(lost.lost_reason.as_deref(), Some("competitor"));
    assert_eq!(lost.lost_note.as_deref(), Some("went to Rozetka"));
    assert_eq!(lost.closed_at, Some(t));
    assert_eq!(crm.get_deal(conv.deal_id).unwrap(), lost);
    let last = crm.deal_history(conv.deal_id).unwrap().pop().unwrap();
    assert_eq!((last.status, last.at), (DealStatus::Lost, t));
}

#[test]
fn junk_and_reopen() {
    let crm = mem();
    let lead = capture(&crm, "Bot", "0671234567", at(2, 9, 0));
    let t = at(2, 9, 1);
    let junk = crm
        .junk_lead(lead.id, JunkKind::Spam, Some("bot"), t)
        .unwrap();
    assert_eq!(junk.status, LeadStatus::Junk);
    assert_eq!(junk.junk_kind, Some(JunkKind::Spam));
    assert_eq!(junk.lost_reason, None);
    assert_eq!(crm.get_lead(lead.id).unwrap(), junk);
    let last = crm.lead_transitions(lead.id).unwrap().pop().unwrap();
    assert_eq!(
        (last.from, last.to, last.reason.as_deref()),
        (Some(LeadStatus::New), LeadStatus::Junk, Some("spam"))
    );

    // A junk lead can only be reopened.
    let before = lead_state(&crm, lead.id);
    expect_err(
        crm.lose_lead(lead.id, "price", None, at(2, 9, 2)),
        ErrorKind::InvalidTransition,
        None,
    );
    expect_err(
        crm.qualify_lead(lead.id, at(2, 9, 2)),
        ErrorKind::InvalidTransition,
        None,
    );
    assert_eq!(lead_state(&crm, lead.id), before);

    let reopened = crm.reopen_lead(lead.id, at(3, 9, 0)).unwrap();
    assert_eq!(reopened.status, LeadStatus::InProgress);
    assert_eq!(reopened.junk_kind, None);
    assert_eq!(crm.get_lead(lead.id).unwrap(), reopened);
    // And from in progress it can be junked again, as a duplicate this time.
    let again = crm
        .junk_lead(lead.id, JunkKind::Duplicate, None, at(3, 9, 5))
        .unwrap();
    assert_eq!(again.junk_kind, Some(JunkKind::Duplicate));
    assert_eq!(crm.lead_transitions(lead.id).unwrap().len(), 4);
}

/// The commands that move a lead.
#[derive(Debug, Clone, Copy)]
enum Act {
    Start,
    Qualify,
    Convert,
    Lose,
    Junk,
    Reopen,
}

const ACTS: [Act; 6] = [
    Act::Start,
    Act::Qualify,
    Act::Convert,
    Act::Lose,
    Act::Junk,
    Act::Reopen,
];

fn run(crm: &Crm, id: LeadId, act: Act, t: DateTime<Utc>) -> crm_core::Result<()> {
    match act {
        Act::Start => crm.start_lead(id, t).map(drop),
        Act::Qualify => crm.qualify_lead(id, t).map(drop),
        Act::Convert => crm.convert_lead(id, ConvertLead::default(), t).map(drop),
        Act::Lose => crm.lose_lead(id, "no_budget", None, t).map(drop),
        Act::Junk => crm.junk_lead(id, JunkKind::Test, None, t).map(drop),
        Act::Reopen => crm.reopen_lead(id, t).map(drop),
    }
}

/// The documented state machine, written out by hand: where `act` takes a lead in `from`, if anywhere.
fn documented(from: LeadStatus, act: Act) -> Option<LeadStatus> {
    use LeadStatus::*;
    match (from, act) {
        (New, Act::Start) => Some(InProgress),
        (InProgress, Act::Qualify) => Some(Qualified),
        (Qualified, Act::Convert) => Some(Converted),
        (New | InProgress | Qualified, Act::Lose) => Some(Lost),
        (New | InProgress | Qualified, Act::Junk) => Some(Junk),
        (Lost | Junk, Act::Reopen) => Some(InProgress),
        _ => None,
    }
}

fn lead_in(crm: &Crm, status: LeadStatus, n: u32) -> LeadId {
    let t = at(2, 9, 0);
    let id = capture(crm, &format!("Lead {n}"), "0671234567", t).id;
    let steps: &[Act] = match status {
        LeadStatus::New => &[],
        LeadStatus::InProgress => &[Act::Start],
        LeadStatus::Qualified => &[Act::Start, Act::Qualify],
        LeadStatus::Converted => &[Act::Start, Act::Qualify, Act::Convert],
        LeadStatus::Lost => &[Act::Lose],
        LeadStatus::Junk => &[Act::Junk],
    };
    for &step in steps {
        run(crm, id, step, t).unwrap();
    }
    assert_eq!(crm.get_lead(id).unwrap().status, status);
    id
}

#[test]
fn every_lead_command_in_every_status_follows_the_state_machine() {
    let crm = mem();
    let mut n = 0;
    for &from in LeadStatus::ALL {
        for act in ACTS {
            n += 1;
            let id = lead_in(&crm, from, n);
            let before = lead_state(&crm, id);
            let result = run(&crm, id, act, at(3, 10, 0));
            match documented(from, act) {
                Some(to) => {
                    result.unwrap_or_else(|e| panic!("{from} {act:?}: {e}"));
                    let (lead, transitions, seq) = lead_state(&crm, id);
                    assert_eq!(lead.status, to, "{from} {act:?}");
                    assert_eq!(transitions, before.1 + 1, "{from} {act:?}");
                    assert!(seq > before.2, "{from} {act:?} wrote no event");
                }
                None => {
                    let err = result.expect_err(&format!("{from} {act:?} must be refused"));
                    assert_eq!(err.kind(), ErrorKind::InvalidTransition, "{from} {act:?}");
                    assert_eq!(
                        lead_state(&crm, id),
                        before,
                        "{from} {act:?} changed something"
                    );
                }
            }
        }
    }
}

#[test]
fn closed_deals_refuse_every_move() {
    let crm = mem();
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "Acme"), at(1, 9, 0))
        .unwrap();
    let open = |title: &str| {
        crm.open_deal(
            NewDeal {
                client_id: client.id,
                title: title.into(),
                amount: units(100),
                ..Default::default()
            },
            at(2, 9, 0),
        )
        .unwrap()
    };
    let won = open("won one");
    crm.move_deal(won.id, "contract", at(2, 10, 0)).unwrap();
    crm.win_deal(won.id, at(2, 11, 0)).unwrap();
    let lost = open("lost one");
    crm.lose_deal(lost.id, "timing", None, at(2, 11, 0))
        .unwrap();

    for id in [won.id, lost.id] {
        let before = deal_state(&crm, id);
        let t = at(3, 9, 0);
        let stage = before.0.stage.clone();
        let attempts: Vec<(&str, crm_core::Result<crm_core::Deal>)> = vec![
            ("win", crm.win_deal(id, t)),
            ("lose", crm.lose_deal(id, "price", None, t)),
            (
                "lose with a bad reason",
                crm.lose_deal(id, "bogus", None, t),
            ),
            ("move", crm.move_deal(id, "proposal", t)),
            ("move to its own stage", crm.move_deal(id, &stage, t)),
            ("move to an unknown stage", crm.move_deal(id, "nowhere", t)),
        ];
        for (what, result) in attempts {
            let err = result.expect_err(what);
            assert_eq!(err.kind(), ErrorKind::InvalidTransition, "{what}: {err}");
        }
        assert_eq!(deal_state(&crm, id), before);
    }
}

#[test]
fn move_deal_to_an_unknown_stage_is_refused_and_same_stage_is_a_no_op() {
    let crm = mem();
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    qualify(&crm, lead.id, at(2, 9, 0));
    let deal_id = crm
        .convert_lead(lead.id, ConvertLead::default(), at(2, 10, 0))
        .unwrap()
        .deal_id;
    crm.move_deal(deal_id, "proposal", at(3, 9, 0)).unwrap();

    let before = deal_state(&crm, deal_id);
    for bad in ["nowhere", "won", "lost", "Proposal", ""] {
        expect_err(
            crm.move_deal(deal_id, bad, at(4, 9, 0)),
            ErrorKind::Validation,
            Some("stage"),
        );
    }
    assert_eq!(deal_state(&crm, deal_id), before);

    let same = crm.move_deal(deal_id, "proposal", at(5, 9, 0)).unwrap();
    assert_eq!(same, before.0, "the returned deal is the stored one");
    assert_eq!(same.stage_changed_at, at(3, 9, 0));
    assert_eq!(deal_state(&crm, deal_id), before, "no visit, no event");

    // Back a stage is allowed while open.
    let back = crm
        .move_deal(deal_id, "qualification", at(6, 9, 0))
        .unwrap();
    assert_eq!(back.stage, "qualification");
    assert_eq!(crm.deal_history(deal_id).unwrap().len(), before.1 + 1);
}

#[test]
fn set_pipeline_validates_and_protects_stages_in_use() {
    let crm = mem();
    let original = crm.pipeline().unwrap();
    assert_eq!(
        original.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(),
        ["qualification", "proposal", "negotiation", "contract"]
    );
    let seq = crm.last_seq().unwrap();
    let st = NewStage::new;

    expect_err(
        crm.set_pipeline(vec![], at(1, 9, 0)),
        ErrorKind::Validation,
        Some("stages"),
    );
    expect_err(
        crm.set_pipeline(
            vec![st("intro", "Intro", 10), st("intro", "Again", 20)],
            at(1, 9, 0),
        ),
        ErrorKind::Validation,
        Some("stages[1].code"),
    );
    expect_err(
        crm.set_pipeline(
            vec![st("intro", "Intro", 10), st("won", "Won", 100)],
            at(1, 9, 0),
        ),
        ErrorKind::Validation,
        Some("stages[1].code"),
    );
    expect_err(
        crm.set_pipeline(vec![st("lost", "Lost", 0)], at(1, 9, 0)),
        ErrorKind::Validation,
        Some("stages[0].code"),
    );
    expect_err(
        crm.set_pipeline(vec![st("Intro Call", "Intro", 10)], at(1, 9, 0)),
        ErrorKind::Validation,
        Some("stages[0].code"),
    );
    expect_err(
        crm.set_pipeline(
            vec![st("intro", "Intro", 10), st("offer", "Offer", 101)],
            at(1, 9, 0),
        ),
        ErrorKind::Validation,
        Some("stages[1].probability"),
    );
    expect_err(
        crm.set_pipeline(vec![st("intro", " ", 10)], at(1, 9, 0)),
        ErrorKind::Validation,
        Some("stages[0].label"),
    );
    assert_eq!(crm.pipeline().unwrap(), original);
    assert_eq!(crm.last_seq().unwrap(), seq);

    // An open deal in "proposal" blocks removing it.
    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    qualify(&crm, lead.id, at(2, 9, 0));
    let deal_id = crm
        .convert_lead(lead.id, ConvertLead::default(), at(2, 10, 0))
        .unwrap()
        .deal_id;
    crm.move_deal(deal_id, "proposal", at(2, 11, 0)).unwrap();
    let seq = crm.last_seq().unwrap();
    let without_proposal = vec![
        st("intro", "Intro call", 5),
        st("offer", "Offer", 40),
        st("contract", "Contract", 90),
    ];
    let err = expect_err(
        crm.set_pipeline(without_proposal.clone(), at(3, 9, 0)),
        ErrorKind::Conflict,
        None,
    );
    assert!(err.to_string().contains("proposal"), "{err}");
    assert_eq!(crm.pipeline().unwrap(), original);
    assert_eq!(crm.last_seq().unwrap(), seq);

    // Keeping "proposal" (anywhere) is fine; the order and probabilities are the new ones.
    let mut with_proposal = without_proposal.clone();
    with_proposal.insert(2, st("proposal", "Proposal", 60));
    let set = crm.set_pipeline(with_proposal, at(3, 9, 0)).unwrap();
    assert_eq!(crm.pipeline().unwrap(), set);
    assert_eq!(
        set.iter()
            .map(|s| (s.code.as_str(), s.probability, s.position))
            .collect::<Vec<_>>(),
        [
            ("intro", 5, 0),
            ("offer", 40, 1),
            ("proposal", 60, 2),
            ("contract", 90, 3)
        ]
    );
    crm.move_deal(deal_id, "offer", at(4, 9, 0)).unwrap();
    expect_err(
        crm.move_deal(deal_id, "negotiation", at(4, 9, 0)),
        ErrorKind::Validation,
        Some("stage"),
    );

    // Once the deal is closed, its stage no longer blocks anything; new deals open in the new first stage.
    crm.win_deal(deal_id, at(5, 9, 0)).unwrap();
    crm.set_pipeline(vec![st("call", "Call", 10)], at(6, 9, 0))
        .unwrap();
    let lead = capture(&crm, "Maria", "0501112233", at(7, 9, 0));
    qualify(&crm, lead.id, at(7, 9, 0));
    let conv = crm
        .convert_lead(lead.id, ConvertLead::default(), at(7, 10, 0))
        .unwrap();
    assert_eq!(crm.get_deal(conv.deal_id).unwrap().stage, "call");
    assert_eq!(crm.get_deal(deal_id).unwrap().status, DealStatus::Won);
}

#[test]
fn lost_reasons_can_be_added_and_relabelled() {
    let crm = mem();
    let defaults = crm.lost_reasons().unwrap();
    assert!(defaults.iter().any(|r| r.code == "price"));
    assert!(!defaults.iter().any(|r| r.code == "delivery"));

    let lead = capture(&crm, "Ivan", "0671234567", at(2, 9, 0));
    qualify(&crm, lead.id, at(2, 9, 0));
    expect_err(
        crm.lose_lead(lead.id, "delivery", None, at(2, 9, 30)),
        ErrorKind::Validation,
        Some("reason"),
    );

    let added = crm
        .add_lost_reason("delivery", "Delivery too slow", at(2, 10, 0))
        .unwrap();
    assert_eq!(added.code, "delivery");
    let reasons = crm.lost_reasons().unwrap();
    assert_eq!(reasons.len(), defaults.len() + 1);
    assert_eq!(reasons.last(), Some(&added), "added at the end");
    let lost = crm
        .lose_lead(lead.id, "delivery", None, at(2, 11, 0))
        .unwrap();
    assert_eq!(lost.lost_reason.as_deref(), Some("delivery"));

    // Adding an existing code relabels it in place: no second entry, the order kept.
    let relabelled = crm
        .add_lost_reason("price", "Price above budget", at(3, 9, 0))
        .unwrap();
    assert_eq!(relabelled.label, "Price above budget");
    let after = crm.lost_reasons().unwrap();
    assert_eq!(after.len(), reasons.len());
    assert_eq!(
        after.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
        reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(
        after.iter().find(|r| r.code == "price").unwrap().label,
        "Price above budget"
    );

    let seq = crm.last_seq().unwrap();
    expect_err(
        crm.add_lost_reason("Too Slow", "x", at(3, 9, 0)),
        ErrorKind::Validation,
        Some("code"),
    );
    expect_err(
        crm.add_lost_reason("slow", "", at(3, 9, 0)),
        ErrorKind::Validation,
        Some("label"),
    );
    assert_eq!(crm.lost_reasons().unwrap(), after);
    assert_eq!(crm.last_seq().unwrap(), seq);
}
