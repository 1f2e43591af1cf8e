#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Random command sequences on a few leads and deals, with the lifecycle invariants checked after every
//! step: a refused command changes nothing, every status reached is allowed from the one before, the logs
//! replay to the current state, closed deals never change, and lost reasons come from the catalogue.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{at, mem, units, web_lead};
use crm_core::lifecycle::lead_move_allowed;
use crm_core::{
    ActivityKind, ClientId, ClientKind, ConvertLead, Crm, Deal, DealQuery, DealStatus, Direction,
    ErrorKind, JunkKind, Lead, LeadId, LeadStatus, LeadTransition, ManagerId, NewActivity,
    NewClient, NewDeal, NewManager, Page, StageVisit,
};
use proptest::prelude::*;

const LEADS: usize = 3;
/// Stage codes a command may ask for: the default pipeline, then codes that are not stages.
const STAGES: [&str; 8] = [
    "qualification",
    "proposal",
    "negotiation",
    "contract",
    "nowhere",
    "won",
    "lost",
    "Not-A-Code",
];
const KNOWN_STAGES: usize = 4;

#[derive(Debug, Clone, Copy)]
enum Reason {
    Known(&'static str),
    Unknown,
}

impl Reason {
    fn code(self) -> &'static str {
        match self {
            Reason::Known(code) => code,
            Reason::Unknown => "not_in_catalogue",
        }
    }

    fn valid(self) -> bool {
        matches!(self, Reason::Known(_))
    }
}

#[derive(Debug, Clone)]
enum Cmd {
    Start(usize),
    Qualify(usize),
    Convert(usize),
    LoseLead(usize, Reason),
    Junk(usize, JunkKind),
    Reopen(usize),
    Activity(usize, ActivityKind, Option<Direction>),
    MoveDeal(usize, usize),
    WinDeal(usize),
    LoseDeal(usize, Reason),
}

fn reason() -> impl Strategy<Value = Reason> {
    prop_oneof![
        3 => prop::sample::select(vec!["price", "competitor", "no_budget", "timing"])
            .prop_map(Reason::Known),
        1 => Just(Reason::Unknown),
    ]
}

fn cmd() -> impl Strategy<Value = Cmd> {
    let lead = 0..LEADS;
    let deal = 0..8usize;
    prop_oneof![
        1 => lead.clone().prop_map(Cmd::Start),
        1 => lead.clone().prop_map(Cmd::Qualify),
        1 => lead.clone().prop_map(Cmd::Convert),
        1 => (lead.clone(), reason()).prop_map(|(l, r)| Cmd::LoseLead(l, r)),
        1 => (lead.clone(), prop::sample::select(JunkKind::ALL.to_vec()))
            .prop_map(|(l, k)| Cmd::Junk(l, k)),
        1 => lead.clone().prop_map(Cmd::Reopen),
        1 => (
            lead,
            prop::sample::select(ActivityKind::ALL.to_vec()),
            prop::option::of(prop::sample::select(vec![Direction::In, Direction::Out])),
        )
            .prop_map(|(l, k, d)| Cmd::Activity(l, k, d)),
        2 => (deal.clone(), 0..STAGES.len()).prop_map(|(d, s)| Cmd::MoveDeal(d, s)),
        1 => deal.clone().prop_map(Cmd::WinDeal),
        1 => (deal, reason()).prop_map(|(d, r)| Cmd::LoseDeal(d, r)),
    ]
}

/// The store under test and the fixed things in it.
struct World {
    crm: Crm,
    leads: [LeadId; LEADS],
    manager: ManagerId,
    catalogue: Vec<String>,
}

fn world() -> World {
    let crm = mem();
    let manager = crm
        .add_manager(NewManager::new("Olena"), at(1, 8, 0))
        .unwrap()
        .id;
    let client: ClientId = crm
        .add_client(NewClient::new(ClientKind::Company, "Acme"), at(1, 8, 0))
        .unwrap()
        .id;
    let mut with_company = web_lead("Ivan", "0671234567");
    with_company.company = Some("Romashka".into());
    let person = web_lead("Maria", "0501112233");
    let mut known = web_lead("Petro", "0931112233");
    known.client_id = Some(client);
    let leads = [with_company, person, known]
        .map(|new| crm.capture_lead(new, at(1, 9, 0)).unwrap().lead.id);
    for title in ["Desks", "Chairs"] {
        crm.open_deal(
            NewDeal {
                client_id: client,
                title: title.into(),
                amount: units(100),
                ..Default::default()
            },
            at(1, 9, 0),
        )
        .unwrap();
    }
    let catalogue = crm
        .lost_reasons()
        .unwrap()
        .into_iter()
        .map(|r| r.code)
        .collect();
    World {
        crm,
        leads,
        manager,
        catalogue,
    }
}

/// Everything a user can see of the leads and deals.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    leads: Vec<Lead>,
    transitions: Vec<Vec<LeadTransition>>,
    deals: Vec<Deal>,
    visits: Vec<Vec<StageVisit>>,
    seq: i64,
}

fn snapshot(w: &World) -> Snapshot {
    let leads: Vec<Lead> = w
        .leads
        .iter()
        .map(|&id| w.crm.get_lead(id).unwrap())
        .collect();
    let transitions = w
        .leads
        .iter()
        .map(|&id| w.crm.lead_transitions(id).unwrap())
        .collect();
    let deals = w
        .crm
        .list_deals(&DealQuery {
            page: Page::first(1_000),
            ..Default::default()
        })
        .unwrap();
    let visits = deals
        .iter()
        .map(|d| w.crm.deal_history(d.id).unwrap())
        .collect();
    Snapshot {
        leads,
        transitions,
        deals,
        visits,
        seq: w.crm.last_seq().unwrap(),
    }
}

/// The documented lead state machine, by hand: where a command takes a lead, if it is allowed.
fn documented(from: LeadStatus, cmd: &Cmd) -> Option<LeadStatus> {
    use LeadStatus::*;
    let open = matches!(from, New | InProgress | Qualified);
    match cmd {
        Cmd::Start(_) => (from == New).then_some(InProgress),
        Cmd::Qualify(_) => (from == InProgress).then_some(Qualified),
        Cmd::Convert(_) => (from == Qualified).then_some(Converted),
        Cmd::LoseLead(_, r) => (open && r.valid()).then_some(Lost),
        Cmd::Junk(..) => open.then_some(Junk),
        Cmd::Reopen(_) => matches!(from, Lost | Junk).then_some(InProgress),
        _ => None,
    }
}

fn is_first_response(kind: ActivityKind, direction: Option<Direction>) -> bool {
    let sent = direction == Some(Direction::Out)
        || (kind == ActivityKind::Document && direction.is_none());
    sent && kind != ActivityKind::Note
}

fn deal_of(before: &Snapshot, i: usize) -> &Deal {
    &before.deals[i % before.deals.len()]
}

fn apply(w: &World, before: &Snapshot, cmd: &Cmd, t: DateTime<Utc>) -> crm_core::Result<()> {
    let crm = &w.crm;
    let lead = |i: usize| w.leads[i];
    match *cmd {
        Cmd::Start(i) => crm.start_lead(lead(i), t).map(drop),
        Cmd::Qualify(i) => crm.qualify_lead(lead(i), t).map(drop),
        Cmd::Convert(i) => crm
            .convert_lead(lead(i), ConvertLead::default(), t)
            .map(drop),
        Cmd::LoseLead(i, r) => crm.lose_lead(lead(i), r.code(), None, t).map(drop),
        Cmd::Junk(i, kind) => crm.junk_lead(lead(i), kind, None, t).map(drop),
        Cmd::Reopen(i) => crm.reopen_lead(lead(i), t).map(drop),
        Cmd::Activity(i, kind, direction) => {
            let mut a = NewActivity::new(kind, direction);
            a.lead_id = Some(lead(i));
            a.manager_id = Some(w.manager);
            crm.log_activity(a, t).map(drop)
        }
        Cmd::MoveDeal(d, s) => crm.move_deal(deal_of(before, d).id, STAGES[s], t).map(drop),
        Cmd::WinDeal(d) => crm.win_deal(deal_of(before, d).id, t).map(drop),
        Cmd::LoseDeal(d, r) => crm
            .lose_deal(deal_of(before, d).id, r.code(), None, t)
            .map(drop),
    }
}

/// Whether the command should succeed, by the documented rules, and whether it changes nothing.
fn expectation(before: &Snapshot, cmd: &Cmd) -> (bool, bool) {
    match *cmd {
        // A direction is required, except for a note (none) and a document (sent, unless said).
        Cmd::Activity(_, kind, direction) => (
            matches!(kind, ActivityKind::Note | ActivityKind::Document) || direction.is_some(),
            false,
        ),
        Cmd::MoveDeal(d, s) => {
            let deal = deal_of(before, d);
            let ok = deal.status == DealStatus::Open && s < KNOWN_STAGES;
            (ok, ok && deal.stage == STAGES[s])
        }
        Cmd::WinDeal(d) => (deal_of(before, d).status == DealStatus::Open, false),
        Cmd::LoseDeal(d, r) => (
            deal_of(before, d).status == DealStatus::Open && r.valid(),
            false,
        ),
        Cmd::Start(i)
        | Cmd::Qualify(i)
        | Cmd::Convert(i)
        | Cmd::LoseLead(i, _)
        | Cmd::Junk(i, _)
        | Cmd::Reopen(i) => (documented(before.leads[i].status, cmd).is_some(), false),
    }
}

fn target_lead(cmd: &Cmd) -> Option<usize> {
    match *cmd {
        Cmd::Start(i)
        | Cmd::Qualify(i)
        | Cmd::Convert(i)
        | Cmd::LoseLead(i, _)
        | Cmd::Junk(i, _)
        | Cmd::Reopen(i)
        | Cmd::Activity(i, ..) => Some(i),
        _ => None,
    }
}

fn check_step(
    w: &World,
    before: &Snapshot,
    after: &Snapshot,
    cmd: &Cmd,
    ok: bool,
    t: DateTime<Utc>,
) {
    let (should_succeed, no_op) = expectation(before, cmd);
    assert_eq!(ok, should_succeed, "{cmd:?} on {before:#?}");
    if !ok || no_op {
        assert_eq!(
            after, before,
            "{cmd:?} failed or was a no-op but changed something"
        );
        return;
    }
    assert!(
        after.seq > before.seq,
        "{cmd:?} succeeded but wrote no event"
    );

    // Leads: only the target moves, to the documented status, by an allowed step.
    for (i, (was, now)) in before.leads.iter().zip(&after.leads).enumerate() {
        if target_lead(cmd) != Some(i) {
            assert_eq!(now, was, "{cmd:?} touched lead {i}");
            continue;
        }
        match cmd {
            Cmd::Activity(_, kind, direction) => {
                // Only an open lead can be answered; a call on a closed one is not a response.
                if was.first_response_at.is_some()
                    || !is_first_response(*kind, *direction)
                    || !crm_core::lifecycle::lead_is_open(was.status)
                {
                    assert_eq!(now.first_response_at, was.first_response_at);
                    assert_eq!(now.status, was.status);
                } else {
                    assert_eq!(now.first_response_at, Some(t));
                    assert_eq!(now.first_response_by, Some(w.manager));
                    let expected = if was.status == LeadStatus::New {
                        LeadStatus::InProgress
                    } else {
                        was.status
                    };
                    assert_eq!(now.status, expected);
                }
            }
            _ => {
                assert_eq!(Some(now.status), documented(was.status, cmd), "{cmd:?}");
                assert_eq!(now.status_changed_at, t);
            }
        }
        if now.status != was.status {
            assert!(
                lead_move_allowed(was.status, now.status),
                "{} -> {}",
                was.status,
                now.status
            );
        }
    }

    // Deals: closed ones never change; the one a command names is the only one to change, unless a
    // conversion opened a new one.
    for was in &before.deals {
        let now = after.deals.iter().find(|d| d.id == was.id).unwrap();
        if was.status != DealStatus::Open {
            assert_eq!(now, was, "a closed deal changed");
        }
        let named = match *cmd {
            Cmd::MoveDeal(d, _) | Cmd::WinDeal(d) | Cmd::LoseDeal(d, _) => {
                Some(deal_of(before, d).id)
            }
            _ => None,
        };
        if named != Some(was.id) {
            assert_eq!(now, was, "{cmd:?} touched deal {}", was.id);
        }
    }
    let opened = after.deals.len() - before.deals.len();
    assert_eq!(opened, usize::from(matches!(cmd, Cmd::Convert(_))));
}

fn check_invariants(w: &World, s: &Snapshot) {
    for (lead, transitions) in s.leads.iter().zip(&s.transitions) {
        // The transition log replays to the current status, every step allowed.
        let first = &transitions[0];
        assert_eq!((first.from, first.to), (None, LeadStatus::New));
        let mut status = first.to;
        for step in &transitions[1..] {
            assert_eq!(step.from, Some(status), "the log skips a step");
            assert!(
                lead_move_allowed(status, step.to),
                "{status} -> {}",
                step.to
            );
            status = step.to;
        }
        assert_eq!(status, lead.status, "the log does not replay to the status");
        assert!(transitions.windows(2).all(|p| p[0].at <= p[1].at));

        match lead.status {
            LeadStatus::Lost => {
                let reason = lead.lost_reason.as_ref().expect("a lost lead has a reason");
                assert!(
                    w.catalogue.contains(reason),
                    "{reason} not in the catalogue"
                );
                assert_eq!(transitions.last().unwrap().reason.as_ref(), Some(reason));
            }
            _ => assert_eq!(
                lead.lost_reason, None,
                "{} lead has a lost reason",
                lead.status
            ),
        }
        assert_eq!(
            lead.junk_kind.is_some(),
            lead.status == LeadStatus::Junk,
            "junk kind on a {} lead",
            lead.status
        );
        if lead.status == LeadStatus::Converted {
            let client = lead.client_id.expect("a converted lead has a client");
            let deal_id = lead.deal_id.expect("a converted lead has a deal");
            let deal = s.deals.iter().find(|d| d.id == deal_id).unwrap();
            assert_eq!(deal.lead_id, Some(lead.id));
            assert_eq!(deal.client_id, client);
        } else {
            assert_eq!(lead.deal_id, None);
        }
        if lead.status != LeadStatus::New {
            assert!(transitions.len() > 1);
        }
    }

    for (deal, visits) in s.deals.iter().zip(&s.visits) {
        // The stage history replays to the current stage and status; nothing follows a close.
        let last = visits.last().unwrap();
        assert_eq!((&last.stage, last.status), (&deal.stage, deal.status));
        assert!(
            visits[..visits.len() - 1]
                .iter()
                .all(|v| v.status == DealStatus::Open)
        );
        assert!(
            visits
                .windows(2)
                .all(|p| p[0].stage != p[1].stage || p[0].status != p[1].status)
        );
        assert!(STAGES[..KNOWN_STAGES].contains(&deal.stage.as_str()));
        match deal.status {
            DealStatus::Open => {
                assert_eq!(deal.closed_at, None);
                assert_eq!(deal.lost_reason, None);
            }
            DealStatus::Won => {
                assert!(deal.closed_at.is_some());
                assert_eq!(deal.lost_reason, None);
            }
            DealStatus::Lost => {
                assert!(deal.closed_at.is_some());
                let reason = deal.lost_reason.as_ref().expect("a lost deal has a reason");
                assert!(
                    w.catalogue.contains(reason),
                    "{reason} not in the catalogue"
                );
            }
        }
    }
}

/// Logs only grow: the old entries are a prefix of the new.
fn check_append_only(before: &Snapshot, after: &Snapshot) {
    for (was, now) in before.transitions.iter().zip(&after.transitions) {
        assert_eq!(&now[..was.len()], &was[..]);
    }
    for (deal, was) in before.deals.iter().zip(&before.visits) {
        let i = after.deals.iter().position(|d| d.id == deal.id).unwrap();
        assert_eq!(&after.visits[i][..was.len()], &was[..]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_commands_keep_the_lifecycle_consistent(cmds in prop::collection::vec(cmd(), 1..48)) {
        let w = world();
        let mut before = snapshot(&w);
        check_invariants(&w, &before);
        for (step, cmd) in cmds.iter().enumerate() {
            let t = at(2, 9, 0) + Duration::minutes(step as i64);
            let result = apply(&w, &before, cmd, t);
            if let Err(e) = &result {
                prop_assert!(
                    matches!(e.kind(), ErrorKind::InvalidTransition | ErrorKind::Validation),
                    "{cmd:?}: unexpected error {e}"
                );
            }
            let after = snapshot(&w);
            check_step(&w, &before, &after, cmd, result.is_ok(), t);
            check_invariants(&w, &after);
            check_append_only(&before, &after);
            before = after;
        }
        // The catalogue itself never changed.
        let codes: Vec<String> = w.crm.lost_reasons().unwrap().into_iter().map(|r| r.code).collect();
        prop_assert_eq!(codes, w.catalogue.clone());
    }
}
