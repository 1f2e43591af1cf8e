#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The pipeline reports through the public API: funnel (cohort, snapshot, split), sources (spend once,
//! CAC, ROMI), forecast (weighted and historic, month buckets) and offers and objections, on a small
//! store built at fixed times, against figures worked out by hand.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crm_core::{
    ActivityKind, Channel, ClientId, ConvertLead, Crm, DealId, DealPatch, Direction, ErrorKind,
    ForecastQuery, FunnelBy, FunnelMode, FunnelQuery, FunnelStepKind, JunkKind, LeadId, ManagerId,
    Money, NewActivity, NewDeal, NewLead, NewManager, NewOrder, NewSource, NewSpend, NewStage,
    OfferQuery, OrderStatus, ReasonCount, SourceId, SourceQuery,
};

const HOUR: i64 = 3600;

/// A fixed time in 2026 (never the clock).
fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .single()
        .unwrap()
}

fn day(month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, d).unwrap()
}

fn money(text: &str) -> Money {
    Money::parse(text).unwrap()
}

/// The store the tests read, with the ids they name.
struct Shop {
    crm: Crm,
    olena: ManagerId,
    ivan: ManagerId,
    ads: SourceId,
    expo: SourceId,
    leads: Vec<LeadId>,
    c1: ClientId,
    d1: DealId,
    d2: DealId,
    d3: DealId,
    d4: DealId,
}

fn lead(
    crm: &Crm,
    n: u32,
    channel: Channel,
    source: Option<SourceId>,
    owner: Option<ManagerId>,
    when: DateTime<Utc>,
) -> LeadId {
    let mut new = NewLead::new(channel);
    new.name = Some(format!("Person {n}"));
    new.phone = Some(format!("+38050{:07}", 1_000_000 + n * 7_919));
    new.source_id = source;
    new.owner_id = owner;
    crm.capture_lead(new, when).unwrap().lead.id
}

fn convert(crm: &Crm, id: LeadId, amount: &str, when: DateTime<Utc>) -> (ClientId, DealId) {
    let options = ConvertLead {
        amount: Some(money(amount)),
        ..Default::default()
    };
    let c = crm.convert_lead(id, options, when).unwrap();
    (c.client_id, c.deal_id)
}

fn activity(
    kind: ActivityKind,
    lead: Option<LeadId>,
    deal: Option<DealId>,
    offer: Option<&str>,
    objection: Option<&str>,
    argument: Option<&str>,
) -> NewActivity {
    let mut a = NewActivity::new(kind, Some(Direction::Out));
    a.lead_id = lead;
    a.deal_id = deal;
    a.offer = offer.map(str::to_string);
    a.objection = objection.map(str::to_string);
    a.argument = argument.map(str::to_string);
    a
}

fn order(crm: &Crm, client: ClientId, total: &str, when: DateTime<Utc>, status: OrderStatus) {
    let new = NewOrder {
        client_id: client,
        total: money(total),
        status: Some(status),
        ..Default::default()
    };
    crm.record_order(new, when).unwrap();
}

/// March 2026: seven leads from two sources and none, two managers, a two-stage pipeline.
///
/// | lead | source | owner | path |
/// |---|---|---|---|
/// | L1 | Ads | Olena | 02 09:00 received, 10:00 started, 03 09:00 qualified, 04 09:00 converted (D1 1000.00, proposal), 06 09:00 contract, 10 09:00 won |
/// | L2 | Ads | Ivan | 05 09:00 received, 09:30 started, 12:00 qualified, 06 09:00 converted (D2 2000.00), 20 09:00 won from proposal |
/// | L3 | Ads | Olena | 08 09:00 received, 11:00 started, 09 09:00 lost (price) |
/// | L4 | Expo | Ivan | 10 09:00 received, 10:00 junk |
/// | L5 | none (phone) | none | 12 09:00 received and started, 13 09:00 qualified, 14 09:00 converted (D3 500.00), 18 09:00 deal lost (competitor) |
/// | L6 | Expo | Olena | 15 09:00 received, still new |
/// | L8 | Ads | Olena | 20 09:00 received (client C1 again), 13:00 started, 21 08:00 qualified, 09:00 converted (D4 800.00, open) |
/// | L7 | Ads | Olena | 2 April: outside March |
fn shop() -> Shop {
    let crm = Crm::open_in_memory().unwrap();
    let setup = at(2, 27, 9, 0);
    crm.set_pipeline(
        vec![
            NewStage::new("proposal", "Proposal sent", 30),
            NewStage::new("contract", "Contract", 80),
        ],
        setup,
    )
    .unwrap();
    let olena = crm.add_manager(NewManager::new("Olena"), setup).unwrap().id;
    let ivan = crm.add_manager(NewManager::new("Ivan"), setup).unwrap().id;
    let ads = crm
        .add_source(
            NewSource {
                name: "Google Ads".into(),
                channel: Channel::Ads,
                campaign: Some("spring".into()),
            },
            setup,
        )
        .unwrap()
        .id;
    let expo = crm
        .add_source(
            NewSource {
                name: "Expo".into(),
                channel: Channel::Other,
                campaign: None,
            },
            setup,
        )
        .unwrap()
        .id;
    for (source, on, amount) in [
        (ads, day(3, 5), "300.00"),
        (ads, day(3, 20), "100.00"),
        (ads, day(4, 2), "700.00"),
        (expo, day(3, 10), "50.00"),
    ] {
        let spend = NewSpend {
            source_id: source,
            on,
            amount: money(amount),
            note: None,
        };
        crm.add_spend(spend, setup).unwrap();
    }

    // L1: won through both stages.
    let l1 = lead(
        &crm,
        1,
        Channel::Web,
        Some(ads),
        Some(olena),
        at(3, 2, 9, 0),
    );
    crm.start_lead(l1, at(3, 2, 10, 0)).unwrap();
    crm.qualify_lead(l1, at(3, 3, 9, 0)).unwrap();
    let (c1, d1) = convert(&crm, l1, "1000.00", at(3, 4, 9, 0));
    crm.move_deal(d1, "contract", at(3, 6, 9, 0)).unwrap();
    crm.win_deal(d1, at(3, 10, 9, 0)).unwrap();

    // L2: won straight from the proposal (contract skipped).
    let l2 = lead(&crm, 2, Channel::Web, Some(ads), Some(ivan), at(3, 5, 9, 0));
    crm.start_lead(l2, at(3, 5, 9, 30)).unwrap();
    crm.qualify_lead(l2, at(3, 5, 12, 0)).unwrap();
    let (c2, d2) = convert(&crm, l2, "2000.00", at(3, 6, 9, 0));
    crm.win_deal(d2, at(3, 20, 9, 0)).unwrap();

    // L3: lost for the price while in progress.
    let l3 = lead(
        &crm,
        3,
        Channel::Web,
        Some(ads),
        Some(olena),
        at(3, 8, 9, 0),
    );
    crm.start_lead(l3, at(3, 8, 11, 0)).unwrap();
    crm.lose_lead(l3, "price", None, at(3, 9, 9, 0)).unwrap();

    // L4: spam.
    let l4 = lead(
        &crm,
        4,
        Channel::Web,
        Some(expo),
        Some(ivan),
        at(3, 10, 9, 0),
    );
    crm.junk_lead(l4, JunkKind::Spam, None, at(3, 10, 10, 0))
        .unwrap();

    // L5: no source, no owner; its deal lost to a competitor.
    let l5 = lead(&crm, 5, Channel::Phone, None, None, at(3, 12, 9, 0));
    crm.start_lead(l5, at(3, 12, 9, 0)).unwrap();
    crm.qualify_lead(l5, at(3, 13, 9, 0)).unwrap();
    let (c3, d3) = convert(&crm, l5, "500.00", at(3, 14, 9, 0));
    crm.lose_deal(d3, "competitor", None, at(3, 18, 9, 0))
        .unwrap();

    // L6: never answered.
    let l6 = lead(
        &crm,
        6,
        Channel::Web,
        Some(expo),
        Some(olena),
        at(3, 15, 9, 0),
    );

    // L8: client C1 comes back through Ads; the deal is open.
    let mut again = NewLead::new(Channel::Web);
    again.client_id = Some(c1);
    again.source_id = Some(ads);
    again.owner_id = Some(olena);
    let l8 = crm.capture_lead(again, at(3, 20, 9, 0)).unwrap().lead.id;
    crm.start_lead(l8, at(3, 20, 13, 0)).unwrap();
    crm.qualify_lead(l8, at(3, 21, 8, 0)).unwrap();
    let (c1_again, d4) = convert(&crm, l8, "800.00", at(3, 21, 9, 0));
    assert_eq!(c1_again, c1);
    let patch = DealPatch {
        expected_close: Some(Some(day(4, 15))),
        ..Default::default()
    };
    crm.update_deal(d4, patch, at(3, 21, 10, 0)).unwrap();

    // L7: April, outside the period.
    lead(
        &crm,
        7,
        Channel::Web,
        Some(ads),
        Some(olena),
        at(4, 2, 9, 0),
    );

    // Repeat sales in the pipeline: one overdue in the contract stage, one without a date.
    let d5 = crm
        .open_deal(
            NewDeal {
                client_id: c2,
                title: "Second line".into(),
                amount: money("1000.00"),
                stage: Some("contract".into()),
                expected_close: Some(day(3, 25)),
                ..Default::default()
            },
            at(3, 22, 9, 0),
        )
        .unwrap();
    assert_eq!(d5.stage, "contract");
    crm.open_deal(
        NewDeal {
            client_id: c3,
            title: "Spare parts".into(),
            amount: money("333.33"),
            ..Default::default()
        },
        at(3, 22, 9, 0),
    )
    .unwrap();

    // Orders: C1 twice in the horizon and once after it, C2 once (and a cancelled one), C3 once.
    order(&crm, c1, "500.00", at(3, 15, 9, 0), OrderStatus::Completed);
    order(&crm, c1, "200.00", at(3, 22, 9, 0), OrderStatus::Completed);
    order(
        &crm,
        c1,
        "999.00",
        at(3, 5, 12, 0) + chrono::Duration::days(365),
        OrderStatus::Completed,
    );
    order(&crm, c2, "1500.00", at(3, 25, 9, 0), OrderStatus::Completed);
    order(&crm, c2, "999.00", at(3, 26, 9, 0), OrderStatus::Cancelled);
    order(&crm, c3, "100.00", at(3, 16, 9, 0), OrderStatus::Completed);

    // Offers and objections.
    let kp = Some("KP-wholesale-2026");
    let log = |a: NewActivity, when| crm.log_activity(a, when).unwrap();
    log(
        activity(ActivityKind::Document, Some(l1), None, kp, None, None),
        at(3, 2, 11, 0),
    );
    log(
        activity(ActivityKind::Document, Some(l3), None, kp, None, None),
        at(3, 8, 12, 0),
    );
    log(
        activity(ActivityKind::Document, Some(l3), None, kp, None, None),
        at(3, 8, 15, 0),
    );
    log(
        activity(
            ActivityKind::Email,
            None,
            Some(d2),
            Some("KP-retail"),
            None,
            None,
        ),
        at(3, 7, 9, 0),
    );
    log(
        activity(
            ActivityKind::Email,
            None,
            Some(d4),
            Some("KP-retail"),
            None,
            None,
        ),
        at(4, 2, 9, 0),
    );
    let too_expensive = Some("too_expensive");
    log(
        activity(
            ActivityKind::Call,
            Some(l3),
            None,
            None,
            too_expensive,
            Some("roi"),
        ),
        at(3, 8, 16, 0),
    );
    log(
        activity(
            ActivityKind::Call,
            None,
            Some(d1),
            None,
            too_expensive,
            Some("roi"),
        ),
        at(3, 5, 10, 0),
    );
    log(
        activity(
            ActivityKind::Call,
            None,
            Some(d3),
            None,
            too_expensive,
            None,
        ),
        at(3, 15, 9, 0),
    );
    log(
        activity(
            ActivityKind::Call,
            None,
            Some(d2),
            None,
            Some("has_supplier"),
            Some("delivery_included"),
        ),
        at(3, 8, 9, 0),
    );

    Shop {
        crm,
        olena,
        ivan,
        ads,
        expo,
        leads: vec![l1, l2, l3, l4, l5, l6, l8],
        c1,
        d1,
        d2,
        d3,
        d4,
    }
}

fn march() -> FunnelQuery {
    FunnelQuery::new(day(3, 1), day(3, 31))
}

#[test]
fn cohort_funnel_counts_reached_steps_drops_and_reasons() {
    let shop = shop();
    let report = shop.crm.funnel(&march()).unwrap();
    assert_eq!(report.mode, FunnelMode::Cohort);
    assert_eq!(report.as_of, None);
    assert!(report.groups.is_empty());
    let s = &report.steps;
    let codes: Vec<&str> = s.iter().map(|x| x.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "received",
            "in_progress",
            "qualified",
            "converted",
            "proposal",
            "contract",
            "won"
        ]
    );
    assert_eq!(s[4].kind, FunnelStepKind::Stage);
    assert_eq!(s[4].label, "Proposal sent");
    assert_eq!(s[6].kind, FunnelStepKind::Won);
    let entered: Vec<u64> = s.iter().map(|x| x.entered).collect();
    // L2 skipped the contract stage but passed it: it counts there.
    assert_eq!(entered, [7, 5, 4, 4, 4, 2, 2]);
    assert_eq!(s[0].conversion_from_previous, None);
    assert_eq!(s[1].conversion_from_previous, Some(5.0 / 7.0));
    assert_eq!(s[2].conversion_from_previous, Some(0.8));
    assert_eq!(s[5].conversion_from_previous, Some(0.5));
    assert_eq!(s[6].conversion_from_first, Some(2.0 / 7.0));
    let dropped: Vec<u64> = s.iter().map(|x| x.dropped).collect();
    assert_eq!(dropped, [2, 1, 0, 0, 2, 0, 0]);
    // Received: L4 junk, L6 never answered.
    assert_eq!((s[0].junk, s[0].open, s[0].lost), (1, 1, 0));
    // In progress: L3 lost for the price.
    let price = vec![ReasonCount {
        reason: "price".into(),
        count: 1,
    }];
    assert_eq!(s[1].lost_reasons, price);
    // Proposal: D3 lost to a competitor (the deal's reason), D4 still open there.
    let competitor = vec![ReasonCount {
        reason: "competitor".into(),
        count: 1,
    }];
    assert_eq!(s[4].lost_reasons, competitor);
    assert_eq!((s[4].lost, s[4].open), (1, 1));
    let current: Vec<u64> = s.iter().map(|x| x.current).collect();
    assert_eq!(current, [1, 0, 0, 0, 1, 0, 2]);
}

#[test]
fn funnel_times_in_steps_are_median_and_p90_by_nearest_rank() {
    let shop = shop();
    let s = shop.crm.funnel(&march()).unwrap().steps;
    // Received → next: 0 (L5), 30 min (L2), 1 h (L1), 1 h (L4 junk), 2 h (L3), 4 h (L8); L6 never left.
    assert_eq!(s[0].timed, 6);
    assert_eq!(s[0].median_seconds, Some(HOUR));
    assert_eq!(s[0].p90_seconds, Some(4 * HOUR));
    // In progress: 2.5 h, 19 h, 22 h (L3 until lost), 23 h, 24 h.
    assert_eq!(s[1].timed, 5);
    assert_eq!(s[1].median_seconds, Some(22 * HOUR));
    assert_eq!(s[1].p90_seconds, Some(24 * HOUR));
    // Qualified: 1 h, 21 h, 24 h, 24 h.
    assert_eq!(s[2].median_seconds, Some(21 * HOUR));
    assert_eq!(s[2].p90_seconds, Some(24 * HOUR));
    // Converted: the deal opens at once.
    assert_eq!((s[3].timed, s[3].median_seconds), (4, Some(0)));
    // Proposal: 48 h (D1), 96 h (D3 until lost), 336 h (D2 until won); D4 is still there.
    assert_eq!(s[4].timed, 3);
    assert_eq!(s[4].median_seconds, Some(96 * HOUR));
    assert_eq!(s[4].p90_seconds, Some(336 * HOUR));
    // Contract: only D1 was in it (96 h); D2 skipped it.
    assert_eq!(s[5].timed, 1);
    assert_eq!(s[5].median_seconds, Some(96 * HOUR));
    assert_eq!((s[6].timed, s[6].median_seconds), (0, None));
}

#[test]
fn snapshot_funnel_shows_where_leads_stood() {
    let shop = shop();
    let mut query = FunnelQuery::new(day(3, 1), day(3, 9));
    query.mode = FunnelMode::Snapshot;
    let report = shop.crm.funnel(&query).unwrap();
    assert_eq!(report.as_of, Some(at(3, 10, 0, 0)));
    let s = &report.steps;
    // L1 (in contract then), L2 (in proposal), L3 (lost).
    let current: Vec<u64> = s.iter().map(|x| x.current).collect();
    assert_eq!(current, [0, 0, 0, 0, 1, 1, 0]);
    let entered: Vec<u64> = s.iter().map(|x| x.entered).collect();
    assert_eq!(entered, [3, 3, 2, 2, 2, 1, 0]);
    // The same leads as a cohort, read today: both deals are won.
    let cohort = shop
        .crm
        .funnel(&FunnelQuery::new(day(3, 1), day(3, 9)))
        .unwrap();
    assert_eq!(cohort.steps[6].entered, 2);
    // A snapshot before L3 arrived leaves it out.
    query.as_of = Some(at(3, 8, 0, 0));
    let early = shop.crm.funnel(&query).unwrap();
    assert_eq!(early.steps[0].entered, 2);
}

#[test]
fn funnel_split_by_manager_source_and_channel_in_documented_order() {
    let shop = shop();
    let mut query = march();
    query.by = Some(FunnelBy::Manager);
    let report = shop.crm.funnel(&query).unwrap();
    let keys: Vec<&str> = report.groups.iter().map(|g| g.key.as_str()).collect();
    let (olena, ivan) = (shop.olena.to_string(), shop.ivan.to_string());
    assert_eq!(keys, [olena.as_str(), ivan.as_str(), "none"]);
    assert_eq!(report.groups[0].label, "Olena");
    assert_eq!(report.groups[0].manager_id, Some(shop.olena));
    // Olena: L1, L3, L6, L8; one won.
    let olena_entered: Vec<u64> = report.groups[0].steps.iter().map(|x| x.entered).collect();
    assert_eq!(olena_entered, [4, 3, 2, 2, 2, 1, 1]);
    // The groups add up to the total.
    for (i, step) in report.steps.iter().enumerate() {
        let sum: u64 = report.groups.iter().map(|g| g.steps[i].entered).sum();
        assert_eq!(sum, step.entered, "step {}", step.code);
    }

    query.by = Some(FunnelBy::Source);
    let report = shop.crm.funnel(&query).unwrap();
    let sources: Vec<Option<SourceId>> = report.groups.iter().map(|g| g.source_id).collect();
    assert_eq!(sources, [Some(shop.ads), Some(shop.expo), None]);
    assert_eq!(report.groups[0].label, "Google Ads (spring)");
    assert_eq!(report.groups[0].steps[6].entered, 2);
    assert_eq!(report.groups[1].steps[0].junk, 1);

    query.by = Some(FunnelBy::Channel);
    let report = shop.crm.funnel(&query).unwrap();
    let channels: Vec<Option<Channel>> = report.groups.iter().map(|g| g.channel).collect();
    assert_eq!(channels, [Some(Channel::Phone), Some(Channel::Web)]);
    assert_eq!(report.groups[0].steps[0].entered, 1);
}

#[test]
fn source_report_counts_spend_once_with_cac_and_romi() {
    let shop = shop();
    let rows = shop
        .crm
        .source_report(&SourceQuery::new(day(3, 1), day(3, 31)))
        .unwrap();
    let order: Vec<Option<SourceId>> = rows.iter().map(|r| r.source_id).collect();
    assert_eq!(order, [Some(shop.ads), Some(shop.expo), None]);

    let ads = &rows[0];
    assert_eq!(ads.name, "Google Ads");
    assert_eq!(ads.campaign.as_deref(), Some("spring"));
    assert_eq!((ads.leads, ads.qualified, ads.converted), (4, 3, 3));
    assert_eq!(ads.conversion_rate, Some(0.75));
    // C1 converted twice (L1, L8) is one client; C2 the other. Both won.
    assert_eq!((ads.clients, ads.clients_won), (2, 2));
    // Two won deals, spend counted once: 300 + 100 (April's 700 is outside the period).
    assert_eq!(ads.spend, money("400.00"));
    // C1 500 + 200 (the order a year later is past the horizon) + C2 1500 (the cancelled one not).
    assert_eq!(ads.revenue, money("2200.00"));
    assert_eq!(ads.cost_per_lead, Some(money("100.00")));
    assert_eq!(ads.cac, Some(money("200.00")));
    assert_eq!(ads.romi, Some(4.5));

    let expo = &rows[1];
    assert_eq!((expo.leads, expo.junk, expo.qualified), (2, 1, 0));
    assert_eq!(expo.spend, money("50.00"));
    assert_eq!(expo.cost_per_lead, Some(money("25.00")));
    assert_eq!(expo.cac, None);
    assert_eq!(expo.romi, Some(-1.0));

    let none = &rows[2];
    assert_eq!(none.name, "none");
    assert_eq!(
        (none.leads, none.converted, none.clients, none.clients_won),
        (1, 1, 1, 0)
    );
    assert_eq!(none.revenue, money("100.00"));
    assert_eq!(none.spend, Money::ZERO);
    assert_eq!(
        (none.cost_per_lead, none.cac, none.romi),
        (None, None, None)
    );

    // A longer horizon takes in C1's order a year later.
    let mut query = SourceQuery::new(day(3, 1), day(3, 31));
    query.horizon_days = 800;
    let rows = shop.crm.source_report(&query).unwrap();
    assert_eq!(rows[0].revenue, money("3199.00"));
    assert_eq!(shop.crm.get_client(shop.c1).unwrap().id, shop.c1);
}

#[test]
fn forecast_weights_by_stage_and_by_history_per_month() {
    let shop = shop();
    let report = shop
        .crm
        .forecast(&ForecastQuery::new(at(4, 1, 10, 0)))
        .unwrap();
    assert_eq!(
        report.history_start,
        NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()
    );
    // History: D1 won (proposal, contract), D2 won (proposal), D3 lost (proposal).
    let proposal = &report.stages[0];
    assert_eq!(proposal.stage, "proposal");
    assert_eq!((proposal.history_won, proposal.history_closed), (2, 3));
    let contract = &report.stages[1];
    assert_eq!(contract.history_rate, Some(1.0));
    // Open: D4 800.00 proposal (15 April), D5 1000.00 contract (25 March: overdue), D6 333.33
    // proposal (no date).
    assert_eq!(proposal.figures.deals, 2);
    assert_eq!(proposal.figures.amount, money("1133.33"));
    // 30 %: 240.00 + 99.999 → 100.00.
    assert_eq!(proposal.figures.weighted, money("340.00"));
    // 2/3: 533.333 → 533.33 and 222.22.
    assert_eq!(proposal.figures.historic, money("755.55"));
    assert_eq!(contract.figures.weighted, money("800.00"));
    assert_eq!(contract.figures.historic, money("1000.00"));

    let months: Vec<Option<&str>> = report.months.iter().map(|m| m.month.as_deref()).collect();
    assert_eq!(months, [Some("2026-04"), None]);
    let april = &report.months[0];
    assert_eq!((april.figures.deals, april.overdue), (2, 1));
    assert_eq!(april.figures.amount, money("1800.00"));
    assert_eq!(april.figures.weighted, money("1040.00"));
    assert_eq!(april.figures.historic, money("1533.33"));
    let unscheduled = &report.months[1];
    assert_eq!(unscheduled.figures.weighted, money("100.00"));
    assert_eq!(unscheduled.figures.historic, money("222.22"));
    assert_eq!(report.total.deals, 3);
    assert_eq!(report.total.amount, money("2133.33"));
    assert_eq!(report.total.weighted, money("1140.00"));
    assert_eq!(report.total.historic, money("1755.55"));

    // A history window that starts after the deals closed has no rates.
    let mut query = ForecastQuery::new(at(4, 1, 10, 0));
    query.history_start = Some(day(3, 21));
    let report = shop.crm.forecast(&query).unwrap();
    assert_eq!(report.stages[0].history_rate, None);
    assert_eq!(report.total.historic, Money::ZERO);
    assert_eq!(report.total.weighted, money("1140.00"));
    let _ = (shop.d1, shop.d2, shop.d3, shop.d4);
}

#[test]
fn offer_report_credits_sales_after_the_offer_and_objections_by_argument() {
    let shop = shop();
    let report = shop
        .crm
        .offer_report(&OfferQuery {
            start: day(3, 1),
            end: day(3, 31),
        })
        .unwrap();
    let offers: Vec<&str> = report.offers.iter().map(|o| o.offer.as_str()).collect();
    assert_eq!(offers, ["KP-wholesale-2026", "KP-retail"]);
    let kp = &report.offers[0];
    // Sent three times on L1 (converted) and L3 (lost).
    assert_eq!(
        (kp.sent, kp.leads, kp.deals, kp.leads_converted),
        (3, 2, 0, 1)
    );
    assert_eq!(kp.conversion_rate, Some(0.5));
    // Sent on D2 (won); the April send on D4 is outside the period.
    let retail = &report.offers[1];
    assert_eq!((retail.sent, retail.deals, retail.deals_won), (1, 1, 1));
    assert_eq!(retail.conversion_rate, Some(1.0));

    let objections: Vec<&str> = report
        .objections
        .iter()
        .map(|o| o.objection.as_str())
        .collect();
    assert_eq!(objections, ["too_expensive", "has_supplier"]);
    let te = &report.objections[0];
    assert_eq!((te.met, te.tracked, te.overcome), (3, 3, 1));
    let args: Vec<Option<&str>> = te.arguments.iter().map(|a| a.argument.as_deref()).collect();
    assert_eq!(args, [Some("roi"), None]);
    // "roi": on L3 (lost) and on D1 (won after it).
    assert_eq!((te.arguments[0].used, te.arguments[0].overcome), (2, 1));
    assert_eq!(te.arguments[0].rate, Some(0.5));
    assert_eq!(te.arguments[1].rate, Some(0.0));
    assert_eq!(report.objections[1].rate, Some(1.0));
}

#[test]
fn activity_codes_are_trimmed_stored_and_checked() {
    let shop = shop();
    let lead = shop.leads[0];
    let mut new = activity(
        ActivityKind::Document,
        Some(lead),
        None,
        Some("  KP-7  "),
        Some(" "),
        Some("roi"),
    );
    let logged = shop.crm.log_activity(new.clone(), at(3, 30, 9, 0)).unwrap();
    assert_eq!(logged.offer.as_deref(), Some("KP-7"));
    assert_eq!(logged.objection, None);
    let read = shop.crm.get_activity(logged.id).unwrap();
    assert_eq!(read, logged);

    new.objection = Some("x".repeat(201));
    let err = shop
        .crm
        .log_activity(new.clone(), at(3, 30, 9, 0))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.field(), Some("objection"));
    new.objection = None;
    new.offer = Some("two\nlines".into());
    let err = shop.crm.log_activity(new, at(3, 30, 9, 0)).unwrap_err();
    assert_eq!(err.field(), Some("offer"));

    // JSON written before the fields existed still reads.
    let old: NewActivity =
        serde_json::from_str(r#"{"kind": "call", "direction": "out", "lead_id": 1}"#).unwrap();
    assert_eq!((old.offer, old.objection, old.argument), (None, None, None));
}

#[test]
fn reports_refuse_a_period_that_ends_before_it_starts() {
    let crm = Crm::open_in_memory().unwrap();
    let err = crm
        .funnel(&FunnelQuery::new(day(3, 2), day(3, 1)))
        .unwrap_err();
    assert_eq!(err.field(), Some("end"));
    let err = crm
        .source_report(&SourceQuery::new(day(3, 2), day(3, 1)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    // An empty store gives empty reports, not errors.
    let report = crm
        .funnel(&FunnelQuery::new(day(3, 1), day(3, 31)))
        .unwrap();
    assert!(report.steps.iter().all(|s| s.entered == 0));
    assert_eq!(report.steps[1].conversion_from_previous, None);
    assert!(
        crm.source_report(&SourceQuery::new(day(3, 1), day(3, 31)))
            .unwrap()
            .is_empty()
    );
    let forecast = crm.forecast(&ForecastQuery::new(at(4, 1, 0, 0))).unwrap();
    assert!(forecast.months.is_empty());
    assert_eq!(forecast.stages.len(), 4);
}

#[test]
fn report_queries_and_results_cross_as_json() {
    let query: FunnelQuery =
        serde_json::from_str(r#"{"start": "2026-03-01", "end": "2026-03-31", "by": "source"}"#)
            .unwrap();
    assert_eq!(query.mode, FunnelMode::Cohort);
    assert_eq!(query.by, Some(FunnelBy::Source));
    let query: SourceQuery =
        serde_json::from_str(r#"{"start": "2026-03-01", "end": "2026-03-31"}"#).unwrap();
    assert_eq!(query.horizon_days, 365);
    let shop = shop();
    let report = shop
        .crm
        .forecast(&ForecastQuery::new(at(4, 1, 10, 0)))
        .unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["total"]["weighted"], "1140.00");
    assert_eq!(json["months"][1]["month"], serde_json::Value::Null);
    let back: crm_core::ForecastReport = serde_json::from_value(json).unwrap();
    assert_eq!(back.months, report.months);
    assert_eq!(back.total, report.total);
}
