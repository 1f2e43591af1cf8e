//! Who takes a request: eligibility, the three strategies, and the explanation of every decision. Pure:
//! the store reads the managers' state, the facade evaluates the rules' conditions, this module decides.
//!
//! # Eligibility
//! A manager is a *candidate* of a rule when the rule's target holds them: the rule's team, the rule's
//! list of managers, or (with neither) every manager. A candidate is *eligible* when none of these holds,
//! checked in this order (the first that holds is the reason recorded for passing them over):
//!
//! | reason | when |
//! |---|---|
//! | `inactive` | the manager is marked inactive |
//! | `excluded` | the lead is being taken from this manager (escalation, hand-over) |
//! | `absent` | an absence covers the day (in the manager's calendar) |
//! | `lacking_skill` | the rule asks for a skill the manager lacks |
//! | `other_region` | the rule matches regions, the lead has one, the manager lists regions and not this one |
//! | `other_language` | as for regions, with languages |
//! | `off_hours` | the rule asks for working hours and the manager's calendar says it is outside them |
//! | `at_capacity` | open leads (new, in progress, qualified) ≥ capacity |
//! | `daily_cap` | requests assigned today (the manager's calendar day) ≥ daily cap |
//!
//! A client's owner gets the client's request when the owner is active, present, under capacity and
//! under the daily cap (working hours do not matter: the owner answers when back at work, and the
//! response deadline runs in working time anyway).
//!
//! # Strategies and their tie rules
//! - **round robin**: eligible managers in id order; the rule's pointer is the manager it chose last;
//!   the next is the first eligible manager with a greater id, wrapping round to the smallest. Over any
//!   stretch in which the eligible set stays the same, each gets `n` or `n + 1` of every `n·k + r`
//!   requests. The pointer is written in the same transaction as the assignment.
//! - **least loaded**: the smallest `open / capacity`, compared exactly (cross-multiplied); a manager
//!   without a capacity counts as having the largest capacity among the eligible (or 1 when nobody has
//!   one, so open leads alone decide). Ties: the one assigned longest ago (never assigned first), then
//!   the smaller id.
//! - **weighted**: apportionment by the quota method (Balinski and Young, 1975). Every eligible
//!   manager's credit grows by its weight at each request; among those whose credit is positive (their
//!   count is below their exact share), the one whose credit would first reach a whole round — the
//!   smallest `(total − credit) / weight`, compared exactly; ties: the larger credit, then the smaller id
//!   — is chosen and pays the sum of the eligible weights (`total`). Deterministic — the same history
//!   gives the same decision — and even: while the eligible set stays the same, after every prefix each
//!   manager's count stays within one lead of its exact proportional share `n · weight / total` (the
//!   quota property; checked by the property tests, where the simpler smooth weighted round robin of
//!   nginx was found to drift by more than one). Credits are kept per rule and manager, in the store; a
//!   credit carried over from a stretch with another eligible set is held within one round (±total),
//!   so a manager back from a vacation is not flooded with leads to catch up.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::{Manager, ManagerId, RoutingRule, SkipReason, Skipped, Strategy};

/// A manager as routing sees them at the moment of a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The manager.
    pub manager: Manager,
    /// An absence covers today.
    pub absent: bool,
    /// Within working hours now (in the manager's calendar).
    pub in_hours: bool,
    /// Open leads held (new, in progress, qualified).
    pub open_leads: u32,
    /// Requests assigned today (the manager's calendar day).
    pub today: u32,
    /// When the manager was last given a request.
    pub last_assigned: Option<DateTime<Utc>>,
}

/// What of the lead the eligibility filters read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeadTraits<'a> {
    /// The lead's region.
    pub region: Option<&'a str>,
    /// The lead's language.
    pub language: Option<&'a str>,
}

/// A rule's memory between decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleState {
    /// Round robin: the manager chosen last.
    pub pointer: Option<ManagerId>,
    /// Weighted: each manager's accumulated credit.
    pub credit: BTreeMap<ManagerId, i64>,
}

/// The outcome of one routing decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A manager was chosen.
    Chosen {
        /// Who.
        manager_id: ManagerId,
        /// Why, for people.
        reason: String,
        /// Candidates passed over.
        skipped: Vec<Skipped>,
        /// The rule's state after the decision (to be stored with it).
        state: RuleState,
    },
    /// Nobody is eligible.
    Nobody {
        /// Why, for people.
        reason: String,
        /// Every candidate, and why each was passed over.
        skipped: Vec<Skipped>,
    },
}

fn skip(manager: &Manager, reason: SkipReason, detail: String) -> Skipped {
    Skipped {
        manager_id: manager.id,
        reason,
        detail,
    }
}

/// The checks every assignment makes (rule or owner): active, not excluded, present.
fn present(c: &Candidate, exclude: Option<ManagerId>) -> Result<(), Skipped> {
    let m = &c.manager;
    if !m.active {
        return Err(skip(m, SkipReason::Inactive, "inactive".into()));
    }
    if exclude == Some(m.id) {
        return Err(skip(
            m,
            SkipReason::Excluded,
            "the lead is being taken from this manager".into(),
        ));
    }
    if c.absent {
        return Err(skip(m, SkipReason::Absent, "absent today".into()));
    }
    Ok(())
}

/// Capacity and daily cap.
fn has_room(c: &Candidate) -> Result<(), Skipped> {
    let m = &c.manager;
    if let Some(capacity) = m.capacity {
        if c.open_leads >= capacity {
            return Err(skip(
                m,
                SkipReason::AtCapacity,
                format!("{} open leads, capacity {capacity}", c.open_leads),
            ));
        }
    }
    if let Some(cap) = m.daily_cap {
        if c.today >= cap {
            return Err(skip(
                m,
                SkipReason::DailyCap,
                format!("{} requests today, daily cap {cap}", c.today),
            ));
        }
    }
    Ok(())
}

/// Whether a client's owner can take the client's request now (see the module docs).
pub fn owner_available(c: &Candidate) -> Result<(), Skipped> {
    present(c, None)?;
    has_room(c)
}

/// Whether the rule's target holds the manager (team, list, or everyone).
pub fn in_target(rule: &RoutingRule, manager: &Manager) -> bool {
    let team_ok = rule
        .team
        .as_deref()
        .is_none_or(|team| manager.team.as_deref() == Some(team));
    let list_ok = rule.managers.is_empty() || rule.managers.contains(&manager.id);
    team_ok && list_ok
}

fn serves(list: &[String], wanted: Option<&str>) -> bool {
    match wanted {
        None => true,
        Some(_) if list.is_empty() => true,
        Some(w) => list
            .iter()
            .any(|x| crate::segment::fold(x) == crate::segment::fold(w)),
    }
}

/// Whether a candidate of `rule` is eligible for the lead; the first failing check otherwise.
pub fn eligible(
    rule: &RoutingRule,
    lead: &LeadTraits<'_>,
    c: &Candidate,
    exclude: Option<ManagerId>,
) -> Result<(), Skipped> {
    present(c, exclude)?;
    let m = &c.manager;
    if let Some(skill) = rule.skills.iter().find(|s| {
        !m.skills
            .iter()
            .any(|have| crate::segment::fold(have) == crate::segment::fold(s))
    }) {
        return Err(skip(
            m,
            SkipReason::LackingSkill,
            format!("lacks skill '{skill}'"),
        ));
    }
    if rule.match_region && !serves(&m.regions, lead.region) {
        return Err(skip(
            m,
            SkipReason::OtherRegion,
            format!("does not serve region '{}'", lead.region.unwrap_or("")),
        ));
    }
    if rule.match_language && !serves(&m.languages, lead.language) {
        return Err(skip(
            m,
            SkipReason::OtherLanguage,
            format!("does not speak '{}'", lead.language.unwrap_or("")),
        ));
    }
    if rule.working_hours_only && !c.in_hours {
        return Err(skip(
            m,
            SkipReason::OffHours,
            "outside working hours".into(),
        ));
    }
    has_room(c)
}

/// Decides who among `candidates` takes a lead the rule matched. Candidates outside the rule's target
/// are ignored (not listed as skipped); `exclude` is the manager the lead is being taken from.
pub fn choose(
    rule: &RoutingRule,
    lead: &LeadTraits<'_>,
    candidates: &[Candidate],
    exclude: Option<ManagerId>,
    state: &RuleState,
) -> Decision {
    let mut pool: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| in_target(rule, &c.manager))
        .collect();
    pool.sort_by_key(|c| c.manager.id);
    let mut skipped = Vec::new();
    let mut ready = Vec::new();
    for c in pool {
        match eligible(rule, lead, c, exclude) {
            Ok(()) => ready.push(c),
            Err(s) => skipped.push(s),
        }
    }
    if ready.is_empty() {
        return Decision::Nobody {
            reason: nobody_reason(rule, &skipped),
            skipped,
        };
    }
    let (chosen, reason, state) = match rule.strategy {
        Strategy::RoundRobin => round_robin(&ready, state),
        Strategy::LeastLoaded => least_loaded(&ready, state),
        Strategy::Weighted => weighted(&ready, state),
    };
    Decision::Chosen {
        manager_id: chosen,
        reason: format!("rule '{}' ({}): {reason}", rule.name, rule.strategy),
        skipped,
        state,
    }
}

fn nobody_reason(rule: &RoutingRule, skipped: &[Skipped]) -> String {
    if skipped.is_empty() {
        return format!("rule '{}': no manager in its target", rule.name);
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in skipped {
        *counts.entry(s.reason.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    format!(
        "rule '{}': no eligible manager among {} ({})",
        rule.name,
        skipped.len(),
        parts.join(", ")
    )
}

fn round_robin(ready: &[&Candidate], state: &RuleState) -> (ManagerId, String, RuleState) {
    let after = state.pointer;
    let next = ready
        .iter()
        .find(|c| after.is_none_or(|p| c.manager.id > p))
        .or_else(|| ready.first())
        .map(|c| c.manager.id)
        .unwrap_or_default();
    let reason = match after {
        Some(p) => format!(
            "next in turn after manager {p}, among {} eligible",
            ready.len()
        ),
        None => format!("first in turn, among {} eligible", ready.len()),
    };
    let state = RuleState {
        pointer: Some(next),
        credit: state.credit.clone(),
    };
    (next, reason, state)
}

fn least_loaded(ready: &[&Candidate], state: &RuleState) -> (ManagerId, String, RuleState) {
    let default_capacity = ready
        .iter()
        .filter_map(|c| c.manager.capacity)
        .max()
        .unwrap_or(1)
        .max(1);
    let capacity = |c: &Candidate| u64::from(c.manager.capacity.unwrap_or(default_capacity).max(1));
    let best = ready.iter().copied().min_by(|a, b| {
        let lhs = u64::from(a.open_leads) * capacity(b);
        let rhs = u64::from(b.open_leads) * capacity(a);
        lhs.cmp(&rhs)
            .then_with(|| match (a.last_assigned, b.last_assigned) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Less,
                (Some(_), None) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => x.cmp(&y),
            })
            .then_with(|| a.manager.id.cmp(&b.manager.id))
    });
    match best {
        Some(c) => {
            let cap = match c.manager.capacity {
                Some(cap) => format!("capacity {cap}"),
                None => "no capacity set".to_string(),
            };
            let reason = format!(
                "the lightest load: {} open leads, {cap}, among {} eligible",
                c.open_leads,
                ready.len()
            );
            (c.manager.id, reason, state.clone())
        }
        None => (ManagerId(0), String::new(), state.clone()),
    }
}

fn weighted(ready: &[&Candidate], state: &RuleState) -> (ManagerId, String, RuleState) {
    let mut credit = state.credit.clone();
    let total: i64 = ready
        .iter()
        .map(|c| i64::from(c.manager.weight.max(1)))
        .sum();
    // Every eligible manager earns its weight; a credit carried from a stretch when the eligible set was
    // different is first held within one round (±total), so a manager back from a vacation is not
    // flooded to catch up.
    let mut earned = Vec::with_capacity(ready.len());
    for c in ready {
        let weight = i64::from(c.manager.weight.max(1));
        let entry = credit.entry(c.manager.id).or_insert(0);
        *entry = (*entry).clamp(-total, total) + weight;
        earned.push((c.manager.id, *entry, weight));
    }
    // The quota method: among those whose count is below their exact share (credit > 0), the one whose
    // credit would first reach a whole lead's worth ((total − credit) / weight, compared exactly); ties
    // to the larger credit, then the smaller id (`ready` is in id order).
    let urgency = |&(_, c, w): &(ManagerId, i64, i64)| (total - c, w);
    let best = earned
        .iter()
        .filter(|e| e.1 > 0)
        .min_by(|a, b| {
            let ((da, wa), (db, wb)) = (urgency(a), urgency(b));
            (i128::from(da) * i128::from(wb))
                .cmp(&(i128::from(db) * i128::from(wa)))
                .then(b.1.cmp(&a.1))
                .then(a.0.cmp(&b.0))
        })
        .or_else(|| {
            earned
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        })
        .copied();
    let Some((chosen, _, weight)) = best else {
        return (ManagerId(0), String::new(), state.clone());
    };
    if let Some(entry) = credit.get_mut(&chosen) {
        *entry -= total;
    }
    let reason = format!(
        "weight {weight} of {total} among {} eligible; furthest below its share",
        ready.len()
    );
    (
        chosen,
        reason,
        RuleState {
            pointer: state.pointer,
            credit,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn manager(id: i64, weight: u32) -> Manager {
        Manager {
            id: ManagerId(id),
            name: format!("m{id}"),
            email: None,
            team: Some("sales".into()),
            active: true,
            capacity: None,
            daily_cap: None,
            weight,
            skills: vec!["wholesale".into()],
            regions: vec![],
            languages: vec![],
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn candidate(id: i64, weight: u32) -> Candidate {
        Candidate {
            manager: manager(id, weight),
            absent: false,
            in_hours: true,
            open_leads: 0,
            today: 0,
            last_assigned: None,
        }
    }

    fn rule(strategy: Strategy) -> RoutingRule {
        RoutingRule {
            id: crate::model::RuleId(1),
            name: "all".into(),
            priority: 0,
            when: None,
            team: None,
            managers: vec![],
            strategy,
            skills: vec![],
            match_region: false,
            match_language: false,
            working_hours_only: false,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn run(strategy: Strategy, candidates: &[Candidate], n: usize) -> Vec<i64> {
        let r = rule(strategy);
        let mut state = RuleState::default();
        let mut out = Vec::new();
        for _ in 0..n {
            match choose(&r, &LeadTraits::default(), candidates, None, &state) {
                Decision::Chosen {
                    manager_id,
                    state: s,
                    ..
                } => {
                    out.push(manager_id.0);
                    state = s;
                }
                Decision::Nobody { reason, .. } => panic!("{reason}"),
            }
        }
        out
    }

    #[test]
    fn round_robin_takes_turns_by_id() {
        let cs = [candidate(3, 1), candidate(1, 1), candidate(2, 1)];
        assert_eq!(run(Strategy::RoundRobin, &cs, 5), [1, 2, 3, 1, 2]);
    }

    #[test]
    fn weighted_gives_each_its_share_every_cycle() {
        let cs = [candidate(1, 5), candidate(2, 1), candidate(3, 1)];
        let got = run(Strategy::Weighted, &cs, 14);
        for cycle in got.chunks(7) {
            let count = |id| cycle.iter().filter(|m| **m == id).count();
            assert_eq!((count(1), count(2), count(3)), (5, 1, 1), "{got:?}");
        }
    }

    #[test]
    fn least_loaded_compares_load_against_capacity() {
        let mut a = candidate(1, 1);
        a.manager.capacity = Some(10);
        a.open_leads = 5;
        let mut b = candidate(2, 1);
        b.manager.capacity = Some(40);
        b.open_leads = 10;
        let r = rule(Strategy::LeastLoaded);
        let d = choose(
            &r,
            &LeadTraits::default(),
            &[a, b],
            None,
            &RuleState::default(),
        );
        assert!(
            matches!(
                d,
                Decision::Chosen {
                    manager_id: ManagerId(2),
                    ..
                }
            ),
            "{d:?}"
        );
    }

    #[test]
    fn nobody_eligible_says_why_for_each() {
        let mut a = candidate(1, 1);
        a.absent = true;
        let mut b = candidate(2, 1);
        b.manager.capacity = Some(1);
        b.open_leads = 1;
        let mut r = rule(Strategy::RoundRobin);
        r.skills = vec!["Wholesale".into()];
        let d = choose(
            &r,
            &LeadTraits::default(),
            &[a, b],
            None,
            &RuleState::default(),
        );
        let Decision::Nobody { reason, skipped } = d else {
            panic!("{d:?}")
        };
        assert_eq!(
            skipped.iter().map(|s| s.reason).collect::<Vec<_>>(),
            [SkipReason::Absent, SkipReason::AtCapacity]
        );
        assert!(
            reason.contains("1 absent") && reason.contains("1 at_capacity"),
            "{reason}"
        );
    }
}
