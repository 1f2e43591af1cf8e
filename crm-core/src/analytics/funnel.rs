//! The funnel: lead statuses and deal stages, stage to stage, as a cohort and as a snapshot.
//!
//! # Steps
//!
//! `received` → `in_progress` → `qualified` → `converted` → the pipeline's stages in order → `won`.
//! A lead's own transitions place it on the first four steps; once converted, the stage history of the
//! deal it became places it on the others (a stage no longer in the pipeline is ignored; the deal's
//! won or lost status still counts).
//!
//! # Conventions
//!
//! - **Reached.** A lead *reached* a step when it entered that step or any later one: a deal moved from
//!   the first stage straight to the third passed the second too (the second step's `entered` counts
//!   it). So `entered` never grows from step to step. A lead's *furthest* step is the latest one it
//!   entered; it *stopped* there unless it is won.
//! - **Cut-off.** With a cut-off (`as_of`), only transitions and stage visits strictly before it count
//!   (the caller leaves out leads received at or after it). Without one, everything recorded counts.
//! - **Why it stopped.** A lead that stopped at a step is *lost* (with the lead's lost reason from its
//!   last transition to lost, or the deal's lost reason when its deal was lost), *junk*, or still
//!   *open*. A lead lost, reopened and still worked is open. The reasons are listed most frequent
//!   first, then by code; a loss without a recorded reason counts as `unknown`.
//! - **Current step** (the snapshot view). An open lead is at its status (`new` is `received`), a
//!   converted lead at its open deal's stage (or `converted` when the deal's stage is unknown), a won
//!   lead at `won`; a lost or junk lead is at no step.
//! - **Time in a step.** From the lead's *first* entry into the step to the first event after it that
//!   moved the lead further (to any later step) or closed it (lost, junk, deal lost). A step the lead
//!   skipped has no time (it was never in it); a lead still in its first stay at a step has none yet.
//!   `converted` usually takes 0 seconds: the deal opens in the moment of conversion. `won` has no time.
//!   Times are in whole seconds (rounded down).
//! - **Quantiles** use the nearest-rank rule: of `n` sorted times, the `p`-th percentile is the one at
//!   rank `⌈p·n/100⌉` (at least 1). The median is the 50th percentile: for an even `n`, the lower of the
//!   two middle values. Every quantile is one of the observed times.
//! - **Groups** (by manager, source or channel): ids ascending, channels in their declaration order
//!   ([`Channel::ALL`]), the group without a manager or source (`none`) last. A lead belongs to the
//!   group of its current owner, its source, its channel.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::{
    Channel, DealStatus, FunnelBy, FunnelStep, FunnelStepKind, LeadId, LeadStatus, ManagerId,
    ReasonCount, SourceId, Stage,
};

/// A change of a lead's status, as the funnel reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The status entered.
    pub to: LeadStatus,
    /// When.
    pub at: DateTime<Utc>,
    /// The lost reason code, for a move to lost.
    pub reason: Option<String>,
}

/// A deal's entry into a stage or a final status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealVisit {
    /// The stage entered (for won or lost: the stage it was closed from).
    pub stage: String,
    /// The status from then on.
    pub status: DealStatus,
    /// When.
    pub at: DateTime<Utc>,
}

/// The deal a lead became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealPath {
    /// Its stage history, oldest first.
    pub visits: Vec<DealVisit>,
    /// Its lost reason, when it was lost.
    pub lost_reason: Option<String>,
}

/// One lead with everything the funnel needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadPath {
    /// The lead.
    pub lead_id: LeadId,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Its owner now.
    pub owner_id: Option<ManagerId>,
    /// Its source.
    pub source_id: Option<SourceId>,
    /// Its channel.
    pub channel: Channel,
    /// Its status transitions, oldest first (the capture's move to `new` may be included or not).
    pub transitions: Vec<StatusChange>,
    /// The deal it became, if it converted.
    pub deal: Option<DealPath>,
}

/// The group a lead falls in. The derived order is the report's order: ids ascending, channels in
/// declaration order, [`GroupKey::None`] last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKey {
    /// A manager's leads.
    Manager(ManagerId),
    /// A source's leads.
    Source(SourceId),
    /// A channel's leads.
    Channel(Channel),
    /// The leads without an owner or without a source.
    None,
}

/// The group of `lead` under the split `by`.
pub fn group_key(lead: &LeadPath, by: FunnelBy) -> GroupKey {
    match by {
        FunnelBy::Manager => lead.owner_id.map_or(GroupKey::None, GroupKey::Manager),
        FunnelBy::Source => lead.source_id.map_or(GroupKey::None, GroupKey::Source),
        FunnelBy::Channel => GroupKey::Channel(lead.channel),
    }
}

/// The leads split into groups, in the report's order (see [`GroupKey`]); each group keeps the leads'
/// order. Groups without leads are not listed.
pub fn split(leads: &[LeadPath], by: FunnelBy) -> Vec<(GroupKey, Vec<&LeadPath>)> {
    let mut groups: BTreeMap<GroupKey, Vec<&LeadPath>> = BTreeMap::new();
    for lead in leads {
        groups.entry(group_key(lead, by)).or_default().push(lead);
    }
    groups.into_iter().collect()
}

/// The `percent`-th percentile of ascending `sorted` values by the nearest-rank rule: the value at rank
/// `⌈percent·n/100⌉`, at least 1. `None` for no values. `percent` above 100 is taken as 100.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let percent = usize::try_from(percent.min(100)).unwrap_or(100);
    let rank = (percent * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

const LEAD_STEPS: [(&str, &str); 4] = [
    ("received", "Received"),
    ("in_progress", "In progress"),
    ("qualified", "Qualified"),
    ("converted", "Converted"),
];

/// Index of the first deal stage among the steps.
const FIRST_STAGE: usize = LEAD_STEPS.len();

/// How a lead ended (as of the cut-off).
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    Open,
    Lost(Option<String>),
    Junk,
    Won,
}

/// One event on a lead's way, in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Enter(usize),
    Close,
}

/// Where one lead went, as of the cut-off.
#[derive(Debug)]
struct Walk {
    furthest: usize,
    end: End,
    current: Option<usize>,
    /// Seconds spent in each step it left.
    times: Vec<(usize, i64)>,
}

fn walk(lead: &LeadPath, stages: &[Stage], cutoff: Option<DateTime<Utc>>) -> Walk {
    let won = FIRST_STAGE + stages.len();
    let before = |at: &DateTime<Utc>| cutoff.is_none_or(|c| *at < c);
    let mut events: Vec<(DateTime<Utc>, Event)> = vec![(lead.received_at, Event::Enter(0))];
    let mut status = LeadStatus::New;
    let mut lead_reason = None;
    for t in lead.transitions.iter().filter(|t| before(&t.at)) {
        status = t.to;
        let event = match t.to {
            LeadStatus::New => None,
            LeadStatus::InProgress => Some(Event::Enter(1)),
            LeadStatus::Qualified => Some(Event::Enter(2)),
            LeadStatus::Converted => Some(Event::Enter(3)),
            LeadStatus::Lost => {
                lead_reason = t.reason.clone();
                Some(Event::Close)
            }
            LeadStatus::Junk => Some(Event::Close),
        };
        if let Some(event) = event {
            events.push((t.at, event));
        }
    }
    let stage_index = |code: &str| stages.iter().position(|s| s.code == code);
    let mut deal_status = None;
    let mut deal_stage = None;
    if let (LeadStatus::Converted, Some(deal)) = (status, &lead.deal) {
        for v in deal.visits.iter().filter(|v| before(&v.at)) {
            deal_status = Some(v.status);
            deal_stage = stage_index(&v.stage);
            let stage = deal_stage.map(|i| Event::Enter(FIRST_STAGE + i));
            let closing = match v.status {
                DealStatus::Open => None,
                DealStatus::Won => Some(Event::Enter(won)),
                DealStatus::Lost => Some(Event::Close),
            };
            // A closing visit names the stage the deal was closed from: it was in it already.
            for event in [stage, closing].into_iter().flatten() {
                events.push((v.at, event));
            }
        }
    }
    let end = match (deal_status, status) {
        (Some(DealStatus::Won), _) => End::Won,
        (Some(DealStatus::Lost), _) => {
            End::Lost(lead.deal.as_ref().and_then(|d| d.lost_reason.clone()))
        }
        (_, LeadStatus::Lost) => End::Lost(lead_reason),
        (_, LeadStatus::Junk) => End::Junk,
        _ => End::Open,
    };
    let current = match (&end, status) {
        (End::Won, _) => Some(won),
        (End::Lost(_) | End::Junk, _) => None,
        (End::Open, LeadStatus::New) => Some(0),
        (End::Open, LeadStatus::InProgress) => Some(1),
        (End::Open, LeadStatus::Qualified) => Some(2),
        (End::Open, _) => Some(deal_stage.map_or(3, |i| FIRST_STAGE + i)),
    };
    let furthest = events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Enter(i) => Some(*i),
            Event::Close => None,
        })
        .max()
        .unwrap_or(0);
    let mut times = Vec::new();
    let mut seen = vec![false; won + 1];
    for (p, (entered_at, event)) in events.iter().enumerate() {
        let Event::Enter(step) = *event else { continue };
        if std::mem::replace(&mut seen[step], true) || step == won {
            continue;
        }
        let left = events[p + 1..].iter().find(|(_, e)| match e {
            Event::Enter(j) => *j > step,
            Event::Close => true,
        });
        if let Some((left_at, _)) = left {
            times.push((step, (*left_at - *entered_at).num_seconds()));
        }
    }
    Walk {
        furthest,
        end,
        current,
        times,
    }
}

/// The funnel of `leads` through the lead steps and `stages` (the pipeline, in order), as of `cutoff`
/// (see the [module documentation](self)). Leads received at or after the cut-off are the caller's to
/// leave out.
pub fn funnel<'a>(
    leads: impl IntoIterator<Item = &'a LeadPath>,
    stages: &[Stage],
    cutoff: Option<DateTime<Utc>>,
) -> Vec<FunnelStep> {
    let won = FIRST_STAGE + stages.len();
    let n = won + 1;
    let mut furthest = vec![0u64; n];
    let mut lost: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); n];
    let mut junk = vec![0u64; n];
    let mut open = vec![0u64; n];
    let mut current = vec![0u64; n];
    let mut times: Vec<Vec<i64>> = vec![Vec::new(); n];
    for lead in leads {
        let w = walk(lead, stages, cutoff);
        furthest[w.furthest] += 1;
        match w.end {
            End::Won => {}
            End::Open => open[w.furthest] += 1,
            End::Junk => junk[w.furthest] += 1,
            End::Lost(reason) => {
                let reason = reason.unwrap_or_else(|| "unknown".to_string());
                *lost[w.furthest].entry(reason).or_default() += 1;
            }
        }
        if let Some(step) = w.current {
            current[step] += 1;
        }
        for (step, seconds) in w.times {
            times[step].push(seconds);
        }
    }
    let mut entered = vec![0u64; n];
    let mut running = 0;
    for step in (0..n).rev() {
        running += furthest[step];
        entered[step] = running;
    }
    let rate = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
    (0..n)
        .map(|step| {
            let (code, label, kind) = if step < FIRST_STAGE {
                let (code, label) = LEAD_STEPS[step];
                (code.to_string(), label.to_string(), FunnelStepKind::Lead)
            } else if step < won {
                let stage = &stages[step - FIRST_STAGE];
                (
                    stage.code.clone(),
                    stage.label.clone(),
                    FunnelStepKind::Stage,
                )
            } else {
                ("won".to_string(), "Won".to_string(), FunnelStepKind::Won)
            };
            let mut lost_reasons: Vec<ReasonCount> = std::mem::take(&mut lost[step])
                .into_iter()
                .map(|(reason, count)| ReasonCount { reason, count })
                .collect();
            // The map gave them by code; a stable sort keeps that order among equal counts.
            lost_reasons.sort_by_key(|r| std::cmp::Reverse(r.count));
            let lost_total = lost_reasons.iter().map(|r| r.count).sum();
            let step_times = &mut times[step];
            step_times.sort_unstable();
            FunnelStep {
                code,
                label,
                kind,
                entered: entered[step],
                conversion_from_previous: step
                    .checked_sub(1)
                    .and_then(|prev| rate(entered[step], entered[prev])),
                conversion_from_first: rate(entered[step], entered[0]),
                dropped: if step == won { 0 } else { furthest[step] },
                lost_reasons,
                lost: lost_total,
                junk: junk[step],
                open: open[step],
                current: current[step],
                timed: step_times.len() as u64,
                median_seconds: nearest_rank(step_times, 50),
                p90_seconds: nearest_rank(step_times, 90),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn t(hour: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::hours(hour)
    }

    fn stages() -> Vec<Stage> {
        ["proposal", "contract"]
            .iter()
            .enumerate()
            .map(|(i, code)| Stage {
                code: code.to_string(),
                label: code.to_string(),
                probability: 50,
                position: i as u32,
            })
            .collect()
    }

    fn change(to: LeadStatus, hour: i64, reason: Option<&str>) -> StatusChange {
        StatusChange {
            to,
            at: t(hour),
            reason: reason.map(str::to_string),
        }
    }

    fn visit(stage: &str, status: DealStatus, hour: i64) -> DealVisit {
        DealVisit {
            stage: stage.into(),
            status,
            at: t(hour),
        }
    }

    fn lead(id: i64, transitions: Vec<StatusChange>, deal: Option<DealPath>) -> LeadPath {
        LeadPath {
            lead_id: LeadId(id),
            received_at: t(0),
            owner_id: None,
            source_id: None,
            channel: Channel::Web,
            transitions,
            deal,
        }
    }

    #[test]
    fn nearest_rank_picks_observed_values() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        // Even count: the lower middle value.
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5], 50), Some(3));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 90), Some(10));
        assert_eq!(nearest_rank(&ten, 100), Some(10));
        assert_eq!(nearest_rank(&ten, 0), Some(1));
    }

    #[test]
    fn groups_come_by_id_with_none_last() {
        let mut a = lead(1, vec![], None);
        a.owner_id = Some(ManagerId(5));
        a.channel = Channel::Phone;
        let b = lead(2, vec![], None);
        let mut c = lead(3, vec![], None);
        c.owner_id = Some(ManagerId(2));
        let leads = vec![a, b, c];
        let keys: Vec<GroupKey> = split(&leads, FunnelBy::Manager)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            vec![
                GroupKey::Manager(ManagerId(2)),
                GroupKey::Manager(ManagerId(5)),
                GroupKey::None
            ]
        );
        let keys: Vec<GroupKey> = split(&leads, FunnelBy::Channel)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            vec![
                GroupKey::Channel(Channel::Phone),
                GroupKey::Channel(Channel::Web)
            ]
        );
    }

    #[test]
    fn a_skipped_stage_is_passed_but_not_timed() {
        use DealStatus::{Open, Won};
        use LeadStatus::{Converted, InProgress, Junk, Lost, Qualified};
        let won = lead(
            1,
            vec![
                change(InProgress, 1, None),
                change(Qualified, 3, None),
                change(Converted, 4, None),
            ],
            Some(DealPath {
                visits: vec![
                    visit("proposal", Open, 4),
                    visit("contract", Open, 10),
                    visit("contract", Won, 20),
                ],
                lost_reason: None,
            }),
        );
        let skipped = lead(
            2,
            vec![
                change(InProgress, 2, None),
                change(Qualified, 2, None),
                change(Converted, 6, None),
            ],
            Some(DealPath {
                visits: vec![
                    visit("contract", Open, 6),
                    visit("contract", DealStatus::Lost, 30),
                ],
                lost_reason: Some("price".into()),
            }),
        );
        let junk = lead(3, vec![change(Junk, 1, None)], None);
        let lost = lead(
            4,
            vec![
                change(InProgress, 1, None),
                change(Lost, 5, Some("no_budget")),
            ],
            None,
        );
        let open = lead(5, vec![change(InProgress, 4, None)], None);
        let leads = [won, skipped, junk, lost, open];
        let steps = funnel(&leads, &stages(), None);
        let codes: Vec<&str> = steps.iter().map(|s| s.code.as_str()).collect();
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
        let entered: Vec<u64> = steps.iter().map(|s| s.entered).collect();
        assert_eq!(entered, [5, 4, 2, 2, 2, 2, 1]);
        assert_eq!(steps[0].junk, 1);
        assert_eq!(steps[1].open, 1);
        assert_eq!(
            steps[1].lost_reasons,
            vec![ReasonCount {
                reason: "no_budget".into(),
                count: 1
            }]
        );
        assert_eq!(
            steps[5].lost_reasons,
            vec![ReasonCount {
                reason: "price".into(),
                count: 1
            }]
        );
        assert_eq!(steps[5].dropped, 1);
        assert_eq!(steps[6].dropped, 0);
        assert_eq!(steps[1].conversion_from_previous, Some(0.8));
        assert_eq!(steps[6].conversion_from_first, Some(0.2));
        // In proposal only the first deal stayed (4 h → 10 h); the second skipped it.
        assert_eq!(steps[4].timed, 1);
        assert_eq!(steps[4].median_seconds, Some(6 * 3600));
        // Received: 1 h, 2 h, 1 h (junk), 1 h; the open lead left after 4 h.
        assert_eq!(steps[0].timed, 5);
        assert_eq!(steps[0].median_seconds, Some(3600));
        assert_eq!(steps[0].p90_seconds, Some(4 * 3600));
        // Contract: 10 h in, won at 20 h; 6 h in, lost at 30 h.
        assert_eq!(steps[5].median_seconds, Some(10 * 3600));
        assert_eq!(steps[5].p90_seconds, Some(24 * 3600));
        // The open lead is still in progress.
        assert_eq!(steps[1].current, 1);
        assert_eq!(steps[6].current, 1);
        // Read before the deals moved on: both sit in their first stage.
        let early = funnel(&leads, &stages(), Some(t(7)));
        let current: Vec<u64> = early.iter().map(|s| s.current).collect();
        assert_eq!(current, [0, 1, 0, 0, 1, 1, 0]);
        let entered: Vec<u64> = early.iter().map(|s| s.entered).collect();
        assert_eq!(entered, [5, 4, 2, 2, 2, 1, 0]);
    }

    #[test]
    fn a_reopened_lead_is_open_and_timed_to_its_first_loss() {
        use LeadStatus::*;
        let l = lead(
            1,
            vec![
                change(InProgress, 1, None),
                change(Lost, 3, Some("timing")),
                change(InProgress, 5, None),
            ],
            None,
        );
        let steps = funnel([&l], &stages(), None);
        assert_eq!(steps[1].open, 1);
        assert_eq!(steps[1].lost, 0);
        assert_eq!(steps[1].median_seconds, Some(2 * 3600));
        assert_eq!(steps[1].current, 1);
    }
}
