//! The distribution commands: calendars, absences, routing rules, response policies, ownership, the
//! queue, hand-overs and `run_due`. Routing itself is decided by [`crate::distribution`]; this file loads
//! what it needs, applies the decisions and records them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, TimeDelta, Utc};
use rusqlite::Connection;
use serde_json::json;

use super::{Session, load_client, load_lead, load_manager, log, require_active_manager};
use crate::calendar::{self, Calendar, CalendarSpec};
use crate::distribution::{self as route, Candidate, Decision, LeadTraits, RuleState};
use crate::error::{Error, Result};
use crate::model::{
    Absence, AbsenceId, AssignedVia, Assignment, Client, ClientId, DueRun, Escalation, HandOver,
    HandOverOptions, Lead, LeadId, LeadStatus, Manager, ManagerId, ManagerPatch, NewAbsence,
    NewRoutingRule, NewSlaPolicy, OwnershipSettings, RoutingRule, RuleId, SlaPolicy, SlaPolicyId,
    SlaState, SlaStatus, Task, TaskId, TaskStatus,
};
use crate::segment::{Condition, Subject};
use crate::store::{catalog, distribution as store, leads};
use crate::validate;

/// The default at-risk share: 80 % of the target used.
const DEFAULT_AT_RISK_BP: u32 = 8_000;

/// What routing reads that changes only with the set-up (managers, calendars, sources' names, rules,
/// policies): built once and kept between commands while the store's routing token stays the same.
/// Triggers give the token a new random value on every change of those tables (see the schema), in the
/// changing transaction, so a rolled-back change or another process's change is never mistaken for
/// the cached picture.
pub(super) struct RoutingBase {
    token: i64,
    managers: Vec<Manager>,
    store_calendar: Calendar,
    calendars: BTreeMap<ManagerId, Calendar>,
    rules: Vec<(RoutingRule, Option<Condition>)>,
    policies: Vec<(SlaPolicy, Option<Condition>)>,
}

/// The cache of a store handle: the last [`RoutingBase`] built.
#[derive(Default)]
pub(crate) struct RoutingCache(Mutex<Option<Arc<RoutingBase>>>);

impl RoutingBase {
    fn build(conn: &Connection, token: i64) -> Result<RoutingBase> {
        let store_calendar = match store::store_calendar(conn)? {
            Some(spec) => Calendar::parse(&spec)?,
            None => Calendar::always(),
        };
        let calendars = store::manager_calendars(conn)?
            .into_iter()
            .map(|(id, spec)| Calendar::parse(&spec).map(|c| (id, c)))
            .collect::<Result<_>>()?;
        let names = crate::store::segments::names(conn)?;
        let compile = |field: &str, text: &Option<String>| -> Result<Option<Condition>> {
            text.as_deref()
                .map(|t| {
                    crate::segment::compile(t, Subject::Leads, &names)
                        .map_err(|e| Error::expression(field, t, &e))
                })
                .transpose()
        };
        let rules = store::rules(conn)?
            .into_iter()
            .map(|r| compile("when", &r.when).map(|c| (r, c)))
            .collect::<Result<_>>()?;
        let policies = store::policies(conn)?
            .into_iter()
            .map(|p| compile("when", &p.when).map(|c| (p, c)))
            .collect::<Result<_>>()?;
        Ok(RoutingBase {
            token,
            managers: catalog::managers(conn)?,
            store_calendar,
            calendars,
            rules,
            policies,
        })
    }
}

/// Everything routing reads, for one command: the set-up (shared, cached) and the managers' state.
pub(super) struct Router {
    base: Arc<RoutingBase>,
    absences: Vec<Absence>,
    /// Open leads, the latest assignment and the latest day's count, per manager (kept in memory as
    /// decisions are made within the command).
    loads: HashMap<ManagerId, store::Load>,
    /// Daily counts of days before a manager's latest one, read on demand (a command dated in the past).
    past_days: HashMap<(ManagerId, NaiveDate), u32>,
    states: HashMap<RuleId, RuleState>,
}

/// A routing decision for one lead (not yet applied).
pub(super) struct Routed {
    pub(super) assignment: Assignment,
    /// The rule whose memory changed, with the memory before and after.
    state: Option<(RuleId, RuleState, RuleState)>,
}

impl Routed {
    /// The caller named the manager.
    pub(super) fn given(lead: &Lead, manager: ManagerId, at: DateTime<Utc>) -> Routed {
        Routed {
            assignment: Assignment {
                id: None,
                lead_id: (lead.id.0 > 0).then_some(lead.id),
                client_id: lead.client_id,
                at,
                manager_id: Some(manager),
                previous_id: None,
                via: AssignedVia::Given,
                rule_id: None,
                rule: None,
                strategy: None,
                reason: "named by the caller".into(),
                skipped: Vec::new(),
            },
            state: None,
        }
    }
}

impl Router {
    pub(super) fn load(
        conn: &Connection,
        cache: &RoutingCache,
        at: DateTime<Utc>,
    ) -> Result<Router> {
        let token = store::routing_token(conn)?;
        let mut cached = cache.0.lock().unwrap_or_else(PoisonError::into_inner);
        let base = match cached.as_ref().filter(|b| b.token == token) {
            Some(base) => Arc::clone(base),
            None => {
                let base = Arc::new(RoutingBase::build(conn, token)?);
                *cached = Some(Arc::clone(&base));
                base
            }
        };
        drop(cached);
        // Absences are kept in days; a manager's "today" may be a day either side of UTC's.
        let day = at.date_naive();
        let absences = store::absences_around(
            conn,
            day.pred_opt().unwrap_or(day),
            day.succ_opt().unwrap_or(day),
        )?;
        Ok(Router {
            base,
            absences,
            loads: store::loads(conn)?,
            past_days: HashMap::new(),
            states: HashMap::new(),
        })
    }

    /// Whether the store has any routing rule (routing is on).
    pub(super) fn has_rules(&self) -> bool {
        !self.base.rules.is_empty()
    }

    fn calendar_of(&self, manager: Option<ManagerId>) -> &Calendar {
        manager
            .and_then(|m| self.base.calendars.get(&m))
            .unwrap_or(&self.base.store_calendar)
    }

    fn matches(&self, cond: &Option<Condition>, lead: &Lead, at: DateTime<Utc>) -> bool {
        match cond {
            None => true,
            Some(c) => {
                let local = self.base.store_calendar.local_time(lead.received_at);
                c.matches_lead_local(lead, local, at)
            }
        }
    }

    /// The managers as routing sees them at `at`.
    fn candidates(&mut self, conn: &Connection, at: DateTime<Utc>) -> Result<Vec<Candidate>> {
        let mut out = Vec::with_capacity(self.base.managers.len());
        for m in &self.base.managers {
            let cal = self
                .base
                .calendars
                .get(&m.id)
                .unwrap_or(&self.base.store_calendar);
            let day = cal.local_date(at);
            let absent = self
                .absences
                .iter()
                .any(|a| a.manager_id == m.id && a.start <= day && day <= a.end);
            let load = self.loads.get(&m.id).copied().unwrap_or_default();
            let today = match load.day {
                Some(d) if d == day => load.day_count,
                // A day before the latest one the load remembers: counted from the log, once.
                Some(d) if d > day && m.daily_cap.is_some() => {
                    match self.past_days.get(&(m.id, day)) {
                        Some(n) => *n,
                        None => {
                            let (from, to) = cal.day_bounds(day);
                            let n = store::assigned_between(conn, m.id, from, to)?;
                            self.past_days.insert((m.id, day), n);
                            n
                        }
                    }
                }
                _ => 0,
            };
            out.push(Candidate {
                manager: m.clone(),
                absent,
                in_hours: cal.is_working(at),
                open_leads: load.open_leads,
                today,
                last_assigned: load.last_assigned,
            });
        }
        Ok(out)
    }

    /// The chosen manager's calendar day at the time of a decision (the daily count follows it).
    pub(super) fn local_day_of(&self, a: &Assignment) -> Option<NaiveDate> {
        a.manager_id
            .map(|m| self.calendar_of(Some(m)).local_date(a.at))
    }

    fn state(&mut self, conn: &Connection, id: RuleId) -> Result<RuleState> {
        if let Some(s) = self.states.get(&id) {
            return Ok(s.clone());
        }
        let s = store::rule_state(conn, id)?;
        self.states.insert(id, s.clone());
        Ok(s)
    }

    /// Decides who takes `lead`: its client's owner when available, else the first matching rule.
    /// `exclude` is the manager the lead is taken from.
    pub(super) fn route(
        &mut self,
        conn: &Connection,
        lead: &Lead,
        client: Option<&Client>,
        exclude: Option<ManagerId>,
        via: AssignedVia,
        at: DateTime<Utc>,
    ) -> Result<Routed> {
        let mut prefix = String::new();
        let owner = client
            .and_then(|c| c.owner_id)
            .filter(|o| Some(*o) != exclude);
        let first = self
            .base
            .rules
            .iter()
            .position(|(_, cond)| self.matches(cond, lead, at));
        let candidates = self.candidates(conn, at)?;
        if let Some(owner) = owner {
            if let Some(c) = candidates.iter().find(|c| c.manager.id == owner) {
                match route::owner_available(c) {
                    Ok(()) => {
                        let assignment = Assignment {
                            id: None,
                            lead_id: (lead.id.0 > 0).then_some(lead.id),
                            client_id: client.map(|c| c.id),
                            at,
                            manager_id: Some(owner),
                            previous_id: lead.owner_id.filter(|p| *p != owner),
                            via: if via == AssignedVia::Rule {
                                AssignedVia::Owner
                            } else {
                                via
                            },
                            rule_id: None,
                            rule: None,
                            strategy: None,
                            reason: format!("the client's owner (manager {owner})"),
                            skipped: Vec::new(),
                        };
                        return Ok(Routed {
                            assignment,
                            state: None,
                        });
                    }
                    Err(s) => {
                        prefix = format!(
                            "the client's owner (manager {owner}) cannot take it: {}; ",
                            s.detail
                        );
                    }
                }
            }
        }
        let mut assignment = Assignment {
            id: None,
            lead_id: (lead.id.0 > 0).then_some(lead.id),
            client_id: client.map(|c| c.id),
            at,
            manager_id: None,
            previous_id: lead.owner_id,
            via,
            rule_id: None,
            rule: None,
            strategy: None,
            reason: String::new(),
            skipped: Vec::new(),
        };
        let Some(index) = first else {
            assignment.via = AssignedVia::Queued;
            assignment.reason = if self.base.rules.is_empty() {
                format!("{prefix}no routing rules are set")
            } else {
                format!("{prefix}no routing rule matches the request")
            };
            return Ok(Routed {
                assignment,
                state: None,
            });
        };
        let rule = self.base.rules[index].0.clone();
        let before = self.state(conn, rule.id)?;
        let traits = LeadTraits {
            region: lead.region.as_deref(),
            language: lead.language.as_deref(),
        };
        assignment.rule_id = Some(rule.id);
        assignment.rule = Some(rule.name.clone());
        assignment.strategy = Some(rule.strategy);
        match route::choose(&rule, &traits, &candidates, exclude, &before) {
            Decision::Chosen {
                manager_id,
                reason,
                skipped,
                state,
            } => {
                assignment.manager_id = Some(manager_id);
                assignment.reason = format!("{prefix}{reason}");
                assignment.skipped = skipped;
                Ok(Routed {
                    assignment,
                    state: Some((rule.id, before, state)),
                })
            }
            Decision::Nobody { reason, skipped } => {
                assignment.via = AssignedVia::Queued;
                assignment.reason = format!("{prefix}{reason}");
                assignment.skipped = skipped;
                Ok(Routed {
                    assignment,
                    state: None,
                })
            }
        }
    }

    /// Records a decision's effect on the router's picture and the rule's memory; `lead` says whether
    /// a lead changed hands (a client's ownership does not change anyone's open leads).
    pub(super) fn commit(&mut self, conn: &Connection, routed: &Routed, lead: bool) -> Result<()> {
        if let Some((id, before, after)) = &routed.state {
            store::save_rule_state(conn, *id, before, after)?;
            self.states.insert(*id, after.clone());
        }
        let a = &routed.assignment;
        if lead {
            if let Some(m) = a.manager_id {
                let day = self.calendar_of(Some(m)).local_date(a.at);
                let load = self.loads.entry(m).or_default();
                load.open_leads += 1;
                load.last_assigned = load.last_assigned.max(Some(a.at));
                match load.day {
                    Some(d) if d == day => load.day_count += 1,
                    Some(d) if d > day => {
                        if let Some(n) = self.past_days.get_mut(&(m, day)) {
                            *n += 1;
                        }
                    }
                    _ => {
                        load.day = Some(day);
                        load.day_count = 1;
                    }
                }
            }
            if let Some(p) = a.previous_id.filter(|p| Some(*p) != a.manager_id) {
                if let Some(load) = self.loads.get_mut(&p) {
                    load.open_leads = load.open_leads.saturating_sub(1);
                }
            }
        }
        Ok(())
    }

    /// The first response policy whose condition holds, and the deadline it sets in the calendar of
    /// the lead's owner (or the store's).
    pub(super) fn deadline(
        &self,
        lead: &Lead,
        at: DateTime<Utc>,
    ) -> Option<(String, DateTime<Utc>)> {
        let (policy, _) = self
            .base
            .policies
            .iter()
            .find(|(_, cond)| self.matches(cond, lead, at))?;
        let cal = self.calendar_of(lead.owner_id);
        cal.add_working(
            lead.received_at,
            TimeDelta::seconds(policy.first_response_secs),
        )
        .ok()
        .map(|due| (policy.name.clone(), due))
    }

    fn policy(&self, name: &str) -> Option<&SlaPolicy> {
        self.base
            .policies
            .iter()
            .map(|(p, _)| p)
            .find(|p| p.name == name)
    }
}

/// Tells somebody that a lead waits in the queue: a task for the manager the lead's response policy
/// escalates to (a team lead), one per lead (origin `queue:lead:<id>`), due at once; it is closed as done
/// when the lead is assigned. Without such a manager, the `queued` event in the change feed and
/// [`crate::Crm::queue`] are what tells.
pub(super) fn tell_queued(
    s: &Session<'_>,
    router: &Router,
    lead: &Lead,
    at: DateTime<Utc>,
) -> Result<()> {
    let Some(to) = lead
        .sla_policy
        .as_deref()
        .and_then(|name| router.policy(name))
        .and_then(|p| p.escalate_to)
    else {
        return Ok(());
    };
    let mut task = Task {
        kind: "queued_lead".into(),
        title: format!(
            "Lead {} waits for a manager: {}",
            lead.id,
            lead.queued_reason
                .as_deref()
                .unwrap_or("nobody can take it")
        ),
        manager_id: Some(to),
        client_id: lead.client_id,
        lead_id: Some(lead.id),
        deal_id: None,
        due_at: Some(at),
        origin: Some(format!("queue:lead:{}", lead.id)),
        ..Task::new("queued_lead", "", at)
    };
    if let Some(id) = store::insert_task(s.conn, &task)? {
        task.id = id;
        log(s.conn, at, s.actor, "task", id.0, "created", &task)?;
    }
    Ok(())
}

/// Closes the queue task of a lead that found a manager (see [`tell_queued`]).
fn queue_task_done(s: &Session<'_>, lead: LeadId, at: DateTime<Utc>) -> Result<()> {
    if let Some(mut task) = store::task_by_origin(s.conn, &format!("queue:lead:{lead}"))? {
        if task.status == TaskStatus::Open {
            task.status = TaskStatus::Done;
            task.closed_at = Some(at);
            store::close_task(s.conn, &task)?;
            let data = json!({ "status": task.status, "why": "the lead was assigned" });
            log(s.conn, at, s.actor, "task", task.id.0, "closed", &data)?;
        }
    }
    Ok(())
}

/// Applies a routing decision to a stored lead: owner, queue reason, the record and the event.
fn apply_to_lead(
    s: &Session<'_>,
    router: &mut Router,
    lead: &mut Lead,
    routed: Routed,
    at: DateTime<Utc>,
) -> Result<Assignment> {
    let mut a = routed.assignment.clone();
    let before = (lead.owner_id, lead.queued_reason.clone());
    match a.manager_id {
        Some(m) => {
            lead.owner_id = Some(m);
            lead.queued_reason = None;
        }
        None => {
            lead.owner_id = None;
            lead.queued_reason = Some(a.reason.clone());
        }
    }
    if (lead.owner_id, lead.queued_reason.clone()) != before {
        lead.updated_at = at;
        leads::update(s.conn, lead)?;
    }
    router.commit(s.conn, &routed, true)?;
    let day = router.local_day_of(&a);
    store::insert_assignment(s.conn, &mut a, day)?;
    let was_queued = before.1.is_some();
    if a.manager_id.is_some() {
        log(s.conn, at, s.actor, "lead", lead.id.0, "assigned", &a)?;
        if was_queued {
            queue_task_done(s, lead.id, at)?;
        }
    } else {
        log(s.conn, at, s.actor, "lead", lead.id.0, "queued", &a)?;
        tell_queued(s, router, lead, at)?;
    }
    Ok(a)
}

fn check_period(field: &str, start: NaiveDate, end: NaiveDate) -> Result<()> {
    if start > end {
        return Err(Error::validation(field, "must not be before start"));
    }
    if (end - start).num_days() > 3_660 {
        return Err(Error::validation(
            field,
            "must be within ten years of start",
        ));
    }
    Ok(())
}

impl Session<'_> {
    // --- managers ------------------------------------------------------------------------------------
    pub(crate) fn update_manager(
        &self,
        id: ManagerId,
        patch: ManagerPatch,
        at: DateTime<Utc>,
    ) -> Result<Manager> {
        let at = validate::time("at", at)?;
        let old = load_manager(self.conn, id)?;
        let mut m = old.clone();
        if let Some(name) = patch.name {
            m.name = validate::required("name", &name)?;
        }
        if let Some(email) = patch.email {
            m.email = validate::contact_value(
                "email",
                validate::ContactKind::Email,
                email.as_deref(),
                true,
                &mut Vec::new(),
            )?
            .text;
        }
        if let Some(team) = patch.team {
            m.team = validate::optional("team", team.as_deref())?;
        }
        if let Some(capacity) = patch.capacity {
            m.capacity = capacity;
        }
        if let Some(cap) = patch.daily_cap {
            m.daily_cap = cap;
        }
        if let Some(weight) = patch.weight {
            m.weight = weight.max(1);
        }
        if let Some(skills) = patch.skills {
            m.skills = validate::labels("skills", &skills)?;
        }
        if let Some(regions) = patch.regions {
            m.regions = validate::labels("regions", &regions)?;
        }
        if let Some(languages) = patch.languages {
            m.languages = validate::labels("languages", &languages)?;
        }
        if m != old {
            catalog::update_manager(self.conn, &m)?;
            let changed = super::changed_fields(&old, &m)?;
            log(
                self.conn, at, self.actor, "manager", id.0, "updated", &changed,
            )?;
        }
        Ok(m)
    }

    // --- calendars -----------------------------------------------------------------------------------
    pub(crate) fn set_calendar(
        &self,
        manager: Option<ManagerId>,
        spec: Option<CalendarSpec>,
        at: DateTime<Utc>,
    ) -> Result<Option<CalendarSpec>> {
        let at = validate::time("at", at)?;
        let checked = spec
            .as_ref()
            .map(|s| Calendar::parse(s).map(|c| c.spec().clone()))
            .transpose()?;
        match manager {
            Some(id) => {
                load_manager(self.conn, id)?;
                store::set_manager_calendar(self.conn, id, checked.as_ref())?;
                log(
                    self.conn,
                    at,
                    self.actor,
                    "manager",
                    id.0,
                    "calendar_set",
                    &checked,
                )?;
            }
            None => {
                store::set_store_calendar(self.conn, checked.as_ref())?;
                log(
                    self.conn,
                    at,
                    self.actor,
                    "settings",
                    0,
                    "calendar_set",
                    &checked,
                )?;
            }
        }
        Ok(checked)
    }

    pub(crate) fn calendar(&self, manager: Option<ManagerId>) -> Result<Option<CalendarSpec>> {
        match manager {
            Some(id) => {
                load_manager(self.conn, id)?;
                Ok(store::manager_calendars(self.conn)?.remove(&id))
            }
            None => store::store_calendar(self.conn),
        }
    }

    /// The calendar in force for a manager (theirs, else the store's, else always-on UTC).
    pub(super) fn calendar_in_force(&self, manager: Option<ManagerId>) -> Result<Calendar> {
        if let Some(id) = manager {
            if let Some(spec) = store::manager_calendars(self.conn)?.remove(&id) {
                return Calendar::parse(&spec);
            }
        }
        match store::store_calendar(self.conn)? {
            Some(spec) => Calendar::parse(&spec),
            None => Ok(Calendar::always()),
        }
    }

    pub(crate) fn working_deadline(
        &self,
        manager: Option<ManagerId>,
        from: DateTime<Utc>,
        amount: &str,
    ) -> Result<DateTime<Utc>> {
        let from = validate::time("from", from)?;
        let amount = calendar::parse_duration("amount", amount)?;
        self.calendar_in_force(manager)?.add_working(from, amount)
    }

    pub(crate) fn working_time(
        &self,
        manager: Option<ManagerId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64> {
        let from = validate::time("from", from)?;
        let to = validate::time("to", to)?;
        Ok(self
            .calendar_in_force(manager)?
            .working_between(from, to)
            .num_seconds())
    }

    // --- absences ------------------------------------------------------------------------------------
    pub(crate) fn add_absence(&self, new: NewAbsence, at: DateTime<Utc>) -> Result<Absence> {
        let at = validate::time("at", at)?;
        load_manager(self.conn, new.manager_id)?;
        let start = validate::date("start", new.start)?;
        let end = validate::date("end", new.end)?;
        check_period("end", start, end)?;
        let mut absence = Absence {
            id: AbsenceId(0),
            manager_id: new.manager_id,
            start,
            end,
            reason: validate::optional("reason", new.reason.as_deref())?,
            created_at: at,
        };
        absence.id = store::insert_absence(self.conn, &absence)?;
        log(
            self.conn,
            at,
            self.actor,
            "manager",
            absence.manager_id.0,
            "absence_added",
            &absence,
        )?;
        Ok(absence)
    }

    pub(crate) fn remove_absence(&self, id: AbsenceId, at: DateTime<Utc>) -> Result<Absence> {
        let at = validate::time("at", at)?;
        let absence =
            store::absence_by_id(self.conn, id)?.ok_or_else(|| Error::not_found("absence", id))?;
        store::delete_absence(self.conn, id)?;
        log(
            self.conn,
            at,
            self.actor,
            "manager",
            absence.manager_id.0,
            "absence_removed",
            &absence,
        )?;
        Ok(absence)
    }

    pub(crate) fn list_absences(&self, manager: Option<ManagerId>) -> Result<Vec<Absence>> {
        if let Some(id) = manager {
            load_manager(self.conn, id)?;
        }
        store::absences(self.conn, manager)
    }

    // --- routing rules -------------------------------------------------------------------------------
    pub(crate) fn add_routing_rule(
        &self,
        new: NewRoutingRule,
        at: DateTime<Utc>,
    ) -> Result<RoutingRule> {
        let at = validate::time("at", at)?;
        let name = validate::required("name", &new.name)?;
        let when = self.canonical_lead_condition(new.when.as_deref())?;
        for (i, id) in new.managers.iter().enumerate() {
            load_manager(self.conn, *id).map_err(|_| {
                Error::validation(
                    format!("managers[{i}]"),
                    format!("manager {id} does not exist"),
                )
            })?;
        }
        let mut managers = new.managers.clone();
        managers.sort();
        managers.dedup();
        let mut rule = RoutingRule {
            id: RuleId(0),
            name,
            priority: new.priority,
            when,
            team: validate::optional("team", new.team.as_deref())?,
            managers,
            strategy: new.strategy,
            skills: validate::labels("skills", &new.skills)?,
            match_region: new.match_region,
            match_language: new.match_language,
            working_hours_only: new.working_hours_only,
            created_at: at,
            updated_at: at,
        };
        match store::rule_by_name(self.conn, &rule.name)? {
            Some(old) => {
                rule.id = old.id;
                rule.created_at = old.created_at;
                store::update_rule(self.conn, &rule)?;
                log(
                    self.conn,
                    at,
                    self.actor,
                    "routing_rule",
                    rule.id.0,
                    "replaced",
                    &rule,
                )?;
            }
            None => {
                rule.id = store::insert_rule(self.conn, &rule)?;
                log(
                    self.conn,
                    at,
                    self.actor,
                    "routing_rule",
                    rule.id.0,
                    "created",
                    &rule,
                )?;
            }
        }
        Ok(rule)
    }

    pub(crate) fn remove_routing_rule(&self, name: &str, at: DateTime<Utc>) -> Result<RoutingRule> {
        let at = validate::time("at", at)?;
        let rule = store::rule_by_name(self.conn, name.trim())?
            .ok_or_else(|| Error::not_found("routing_rule", name.trim()))?;
        store::delete_rule(self.conn, rule.id)?;
        log(
            self.conn,
            at,
            self.actor,
            "routing_rule",
            rule.id.0,
            "deleted",
            &rule,
        )?;
        Ok(rule)
    }

    pub(crate) fn routing_rules(&self) -> Result<Vec<RoutingRule>> {
        store::rules(self.conn)
    }

    fn canonical_lead_condition(&self, text: Option<&str>) -> Result<Option<String>> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => Ok(Some(
                self.compile("when", Subject::Leads, t)?
                    .canonical()
                    .to_string(),
            )),
        }
    }

    // --- response policies ---------------------------------------------------------------------------
    pub(crate) fn set_response_sla(
        &self,
        new: NewSlaPolicy,
        at: DateTime<Utc>,
    ) -> Result<SlaPolicy> {
        let at = validate::time("at", at)?;
        let name = validate::required("name", &new.name)?;
        let when = self.canonical_lead_condition(new.when.as_deref())?;
        let target = calendar::parse_duration("first_response", &new.first_response)?;
        let at_risk_bp = match new.at_risk_bp {
            0 => DEFAULT_AT_RISK_BP,
            bp if bp <= 10_000 => bp,
            _ => {
                return Err(Error::validation(
                    "at_risk_bp",
                    "must be at most 10000 (100 %)",
                ));
            }
        };
        if let Some(m) = new.escalate_to {
            load_manager(self.conn, m)?;
        }
        if new.escalation == Escalation::Task && new.escalate_to.is_none() {
            return Err(Error::validation(
                "escalate_to",
                "is required when the escalation is a task: name the manager who gets it",
            ));
        }
        let old = store::policy_by_name(self.conn, &name)?;
        let mut policy = SlaPolicy {
            id: SlaPolicyId(0),
            name,
            when,
            priority: new.priority,
            first_response: calendar::format_duration(target),
            first_response_secs: target.num_seconds(),
            at_risk_bp,
            escalation: new.escalation,
            escalate_to: new.escalate_to,
            created_at: old.as_ref().map_or(at, |o| o.created_at),
            updated_at: at,
        };
        policy.id = store::upsert_policy(self.conn, &policy)?;
        let kind = if old.is_some() { "replaced" } else { "created" };
        log(
            self.conn,
            at,
            self.actor,
            "sla_policy",
            policy.id.0,
            kind,
            &policy,
        )?;
        Ok(policy)
    }

    pub(crate) fn remove_response_sla(&self, name: &str, at: DateTime<Utc>) -> Result<SlaPolicy> {
        let at = validate::time("at", at)?;
        let policy = store::policy_by_name(self.conn, name.trim())?
            .ok_or_else(|| Error::not_found("sla_policy", name.trim()))?;
        store::delete_policy(self.conn, policy.id)?;
        log(
            self.conn,
            at,
            self.actor,
            "sla_policy",
            policy.id.0,
            "deleted",
            &policy,
        )?;
        Ok(policy)
    }

    pub(crate) fn response_slas(&self) -> Result<Vec<SlaPolicy>> {
        store::policies(self.conn)
    }

    pub(crate) fn lead_sla_status(&self, id: LeadId, now: DateTime<Utc>) -> Result<SlaStatus> {
        let now = validate::time("now", now)?;
        let lead = load_lead(self.conn, id)?;
        let mut status = SlaStatus {
            lead_id: id,
            state: SlaState::None,
            policy: lead.sla_policy.clone(),
            due: lead.first_response_due,
            responded_at: lead.first_response_at,
            used_secs: 0,
            left_secs: 0,
            used_share: 0.0,
        };
        let Some(due) = lead.first_response_due else {
            return Ok(status);
        };
        let cal = self.calendar_in_force(lead.owner_id)?;
        let target = cal.working_between(lead.received_at, due).num_seconds();
        let end = lead.first_response_at.unwrap_or(now);
        let used = cal.working_between(lead.received_at, end).num_seconds();
        let late = if end > due {
            cal.working_between(due, end).num_seconds()
        } else {
            0
        };
        status.used_secs = used;
        status.left_secs = if late > 0 {
            -late
        } else {
            (target - used).max(0)
        };
        status.used_share = if target > 0 {
            used as f64 / target as f64
        } else {
            1.0
        };
        let at_risk_bp = lead
            .sla_policy
            .as_deref()
            .map(|name| store::policy_by_name(self.conn, name))
            .transpose()?
            .flatten()
            .map_or(DEFAULT_AT_RISK_BP, |p| p.at_risk_bp);
        status.state = match lead.first_response_at {
            Some(t) if t <= due => SlaState::Met,
            Some(_) => SlaState::Breached,
            None if now >= due || lead.sla_breached_at.is_some() => SlaState::Breached,
            None if i128::from(used) * 10_000 >= i128::from(target) * i128::from(at_risk_bp) => {
                SlaState::AtRisk
            }
            None => SlaState::Pending,
        };
        Ok(status)
    }

    // --- ownership -----------------------------------------------------------------------------------
    pub(crate) fn ownership_settings(&self) -> Result<OwnershipSettings> {
        store::ownership(self.conn)
    }

    pub(crate) fn set_ownership_settings(
        &self,
        settings: OwnershipSettings,
        at: DateTime<Utc>,
    ) -> Result<OwnershipSettings> {
        let at = validate::time("at", at)?;
        if settings.lock_days > 3_660 {
            return Err(Error::validation("lock_days", "must be at most 3660"));
        }
        store::set_ownership(self.conn, &settings)?;
        log(
            self.conn,
            at,
            self.actor,
            "settings",
            0,
            "ownership_set",
            &settings,
        )?;
        Ok(settings)
    }

    /// Until when a client is locked to its owner (`None`: not locked). Only an active owner locks.
    pub(super) fn locked_until(
        &self,
        client: &Client,
        at: DateTime<Utc>,
    ) -> Result<Option<(ManagerId, DateTime<Utc>)>> {
        let Some(owner) = client.owner_id else {
            return Ok(None);
        };
        let days = store::ownership(self.conn)?.lock_days;
        if days == 0 || !load_manager(self.conn, owner)?.active {
            return Ok(None);
        }
        let Some(last) = store::last_contact(self.conn, client.id)? else {
            return Ok(None);
        };
        let until = last + Duration::days(i64::from(days));
        Ok((until > at).then_some((owner, until)))
    }

    /// Refuses to move a locked client (or its lead) to `to` without a reason.
    fn check_lock(
        &self,
        client: &Client,
        to: Option<ManagerId>,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if let Some((owner, until)) = self.locked_until(client, at)? {
            if to != Some(owner) && reason.is_none() {
                return Err(Error::Conflict(format!(
                    "client {} is locked to manager {owner} until {} (the last contact was less than the \
                     lock period ago); give a reason to take it over",
                    client.id,
                    until.format("%Y-%m-%d %H:%M UTC")
                )));
            }
        }
        Ok(())
    }

    pub(crate) fn assign_client(
        &self,
        id: ClientId,
        manager: ManagerId,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Assignment> {
        let at = validate::time("at", at)?;
        let reason = validate::optional("reason", reason)?;
        let client = load_client(self.conn, id)?;
        require_active_manager(self.conn, "manager_id", manager)?;
        let mut assignment = Assignment {
            id: None,
            lead_id: None,
            client_id: Some(id),
            at,
            manager_id: Some(manager),
            previous_id: client.owner_id,
            via: AssignedVia::Reassign,
            rule_id: None,
            rule: None,
            strategy: None,
            reason: String::new(),
            skipped: Vec::new(),
        };
        if client.owner_id == Some(manager) {
            assignment.reason = "already the owner; nothing changed".into();
            return Ok(assignment);
        }
        self.check_lock(&client, Some(manager), reason.as_deref(), at)?;
        let forced = self.locked_until(&client, at)?.is_some();
        assignment.reason = match (&reason, forced) {
            (Some(r), true) => format!("forced over the ownership lock: {r}"),
            (Some(r), false) => r.clone(),
            (None, _) => "the client was not locked".into(),
        };
        store::set_client_owner(self.conn, id, Some(manager), at)?;
        store::insert_assignment(self.conn, &mut assignment, None)?;
        let data = json!({
            "from": client.owner_id, "to": manager, "reason": reason, "forced": forced,
        });
        log(
            self.conn,
            at,
            self.actor,
            "client",
            id.0,
            "owner_changed",
            &data,
        )?;
        Ok(assignment)
    }

    pub(crate) fn reassign_lead(
        &self,
        id: LeadId,
        manager: Option<ManagerId>,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Assignment> {
        let at = validate::time("at", at)?;
        let reason = validate::optional("reason", reason)?;
        let mut lead = load_lead(self.conn, id)?;
        if !matches!(
            lead.status,
            LeadStatus::New | LeadStatus::InProgress | LeadStatus::Qualified
        ) {
            return Err(Error::Conflict(format!(
                "lead {id} is {}: only an open lead is reassigned",
                lead.status
            )));
        }
        let client = lead
            .client_id
            .map(|c| load_client(self.conn, c))
            .transpose()?;
        let mut router = Router::load(self.conn, self.routing, at)?;
        let routed = match manager {
            Some(m) => {
                require_active_manager(self.conn, "manager_id", m)?;
                if let Some(client) = &client {
                    self.check_lock(client, Some(m), reason.as_deref(), at)?;
                }
                Routed {
                    assignment: Assignment {
                        id: None,
                        lead_id: Some(id),
                        client_id: lead.client_id,
                        at,
                        manager_id: Some(m),
                        previous_id: lead.owner_id,
                        via: AssignedVia::Reassign,
                        rule_id: None,
                        rule: None,
                        strategy: None,
                        reason: reason
                            .clone()
                            .unwrap_or_else(|| "chosen by a person".into()),
                        skipped: Vec::new(),
                    },
                    state: None,
                }
            }
            None => {
                let mut r = router.route(
                    self.conn,
                    &lead,
                    client.as_ref(),
                    lead.owner_id,
                    AssignedVia::Reassign,
                    at,
                )?;
                if let Some(text) = &reason {
                    r.assignment.reason = format!("{text}; {}", r.assignment.reason);
                }
                r
            }
        };
        if routed.assignment.manager_id.is_none() {
            return Err(Error::Conflict(format!(
                "lead {id} cannot be reassigned: {}",
                routed.assignment.reason
            )));
        }
        // Whoever the rules chose, a lead of a client locked to another manager needs a reason too.
        if let (None, Some(client)) = (manager, &client) {
            self.check_lock(client, routed.assignment.manager_id, reason.as_deref(), at)?;
        }
        apply_to_lead(self, &mut router, &mut lead, routed, at)
    }

    pub(crate) fn lead_assignments(&self, id: LeadId) -> Result<Vec<Assignment>> {
        load_lead(self.conn, id)?;
        store::lead_assignments(self.conn, id)
    }

    pub(crate) fn client_assignments(&self, id: ClientId) -> Result<Vec<Assignment>> {
        load_client(self.conn, id)?;
        store::client_assignments(self.conn, id)
    }

    // --- the queue -----------------------------------------------------------------------------------
    pub(crate) fn queue(&self) -> Result<Vec<Lead>> {
        store::queued(self.conn)?
            .into_iter()
            .map(|id| load_lead(self.conn, id))
            .collect()
    }

    pub(crate) fn assign_queued(&self, now: DateTime<Utc>) -> Result<Vec<Assignment>> {
        let now = validate::time("now", now)?;
        let mut router = Router::load(self.conn, self.routing, now)?;
        self.assign_queued_with(&mut router, now)
    }

    fn assign_queued_with(
        &self,
        router: &mut Router,
        now: DateTime<Utc>,
    ) -> Result<Vec<Assignment>> {
        let mut done = Vec::new();
        for id in store::queued(self.conn)? {
            let mut lead = load_lead(self.conn, id)?;
            let client = lead
                .client_id
                .map(|c| load_client(self.conn, c))
                .transpose()?;
            let mut routed = router.route(
                self.conn,
                &lead,
                client.as_ref(),
                None,
                AssignedVia::Queue,
                now,
            )?;
            if routed.assignment.manager_id.is_some() {
                if routed.assignment.via == AssignedVia::Owner {
                    routed.assignment.via = AssignedVia::Queue;
                }
                done.push(apply_to_lead(self, router, &mut lead, routed, now)?);
            } else if lead.queued_reason.as_deref() != Some(routed.assignment.reason.as_str()) {
                lead.queued_reason = Some(routed.assignment.reason.clone());
                lead.updated_at = now;
                leads::update(self.conn, &lead)?;
            }
        }
        Ok(done)
    }

    // --- hand-over -----------------------------------------------------------------------------------
    pub(crate) fn hand_over(
        &self,
        manager: ManagerId,
        options: HandOverOptions,
        at: DateTime<Utc>,
    ) -> Result<HandOver> {
        let at = validate::time("at", at)?;
        load_manager(self.conn, manager)?;
        let mut router = Router::load(self.conn, self.routing, at)?;
        let mut result = HandOver {
            manager_id: manager,
            assignments: Vec::new(),
            deals_moved: Vec::new(),
        };
        for id in store::open_leads_of(self.conn, manager)? {
            let mut lead = load_lead(self.conn, id)?;
            let client = lead
                .client_id
                .map(|c| load_client(self.conn, c))
                .transpose()?;
            let routed = router.route(
                self.conn,
                &lead,
                client.as_ref(),
                Some(manager),
                AssignedVia::HandOver,
                at,
            )?;
            let mut a = apply_to_lead(self, &mut router, &mut lead, routed, at)?;
            a.previous_id = Some(manager);
            result.assignments.push(a);
        }
        if options.clients {
            for id in store::clients_of(self.conn, manager)? {
                let client = load_client(self.conn, id)?;
                let lead = match store::latest_lead_of(self.conn, id)? {
                    Some(l) => load_lead(self.conn, l)?,
                    None => lead_of_client(&client, at),
                };
                // The client is routed by the rules, never back to the manager leaving it.
                let mut unowned = client.clone();
                unowned.owner_id = None;
                let mut routed = router.route(
                    self.conn,
                    &lead,
                    Some(&unowned),
                    Some(manager),
                    AssignedVia::HandOver,
                    at,
                )?;
                routed.assignment.lead_id = None;
                routed.assignment.client_id = Some(id);
                routed.assignment.previous_id = Some(manager);
                if routed.assignment.manager_id.is_none() {
                    routed.assignment.via = AssignedVia::Queued;
                }
                let to = routed.assignment.manager_id;
                router.commit(self.conn, &routed, false)?;
                store::set_client_owner(self.conn, id, to, at)?;
                if let Some(to) = to {
                    for deal in store::move_open_deals(self.conn, id, manager, to)? {
                        let data = json!({ "from": manager, "to": to, "reason": "hand-over" });
                        log(
                            self.conn,
                            at,
                            self.actor,
                            "deal",
                            deal.0,
                            "owner_changed",
                            &data,
                        )?;
                        result.deals_moved.push(deal);
                    }
                }
                store::insert_assignment(self.conn, &mut routed.assignment, None)?;
                let data = json!({
                    "from": manager, "to": to, "reason": routed.assignment.reason, "forced": false,
                });
                log(
                    self.conn,
                    at,
                    self.actor,
                    "client",
                    id.0,
                    "owner_changed",
                    &data,
                )?;
                result.assignments.push(routed.assignment);
            }
        }
        if options.deactivate {
            self.set_manager_active(manager, false, at)?;
        }
        log(
            self.conn,
            at,
            self.actor,
            "manager",
            manager.0,
            "handed_over",
            &json!({
                "leads": result.assignments.iter().filter(|a| a.lead_id.is_some()).count(),
                "clients": result.assignments.iter().filter(|a| a.lead_id.is_none()).count(),
                "deals": result.deals_moved.len(),
            }),
        )?;
        Ok(result)
    }

    // --- time passing --------------------------------------------------------------------------------
    pub(crate) fn run_due(&self, now: DateTime<Utc>) -> Result<DueRun> {
        let now = validate::time("now", now)?;
        let mut router = Router::load(self.conn, self.routing, now)?;
        let mut run = DueRun::new(now);
        run.assigned = self.assign_queued_with(&mut router, now)?;
        for id in store::overdue(self.conn, now)? {
            let mut lead = load_lead(self.conn, id)?;
            let Some(due) = lead.first_response_due else {
                continue;
            };
            lead.sla_breached_at = Some(due);
            lead.updated_at = now;
            leads::update(self.conn, &lead)?;
            run.breached.push(id);
            let policy = lead
                .sla_policy
                .as_deref()
                .and_then(|name| router.policy(name))
                .cloned();
            let escalation = policy.as_ref().map_or(Escalation::None, |p| p.escalation);
            let mut data = json!({
                "due": due, "owner_id": lead.owner_id, "policy": lead.sla_policy,
                "escalation": escalation,
            });
            match escalation {
                Escalation::None => {}
                Escalation::Reassign => {
                    let client = lead
                        .client_id
                        .map(|c| load_client(self.conn, c))
                        .transpose()?;
                    let routed = router.route(
                        self.conn,
                        &lead,
                        client.as_ref(),
                        lead.owner_id,
                        AssignedVia::Escalation,
                        now,
                    )?;
                    if routed.assignment.manager_id.is_some() {
                        let a = apply_to_lead(self, &mut router, &mut lead, routed, now)?;
                        run.escalations.push(a);
                    } else {
                        data["not_reassigned"] = json!(routed.assignment.reason);
                    }
                }
                Escalation::Task => {
                    let to = policy.as_ref().and_then(|p| p.escalate_to);
                    let mut task = Task {
                        kind: "sla_escalation".into(),
                        title: format!(
                            "Lead {id}: no first response by {} (owner: {})",
                            due.format("%Y-%m-%d %H:%M UTC"),
                            lead.owner_id.map_or_else(
                                || "nobody, queued".to_string(),
                                |m| format!("manager {m}")
                            )
                        ),
                        manager_id: to,
                        client_id: lead.client_id,
                        lead_id: Some(id),
                        deal_id: None,
                        due_at: Some(now),
                        origin: Some(format!("sla:lead:{id}")),
                        ..Task::new("sla_escalation", "", now)
                    };
                    if let Some(task_id) = store::insert_task(self.conn, &task)? {
                        task.id = task_id;
                        log(
                            self.conn, now, self.actor, "task", task_id.0, "created", &task,
                        )?;
                        run.tasks.push(task);
                    }
                }
            }
            log(
                self.conn,
                now,
                self.actor,
                "lead",
                id.0,
                "sla_breached",
                &data,
            )?;
        }
        // After the leads: complaints' deadlines, promises, the dormancy ladder, then the retention rules
        // (which read the dormancy just brought up to date).
        self.due_complaints(now, &mut run)?;
        self.due_promises(now, &mut run)?;
        self.due_dormancy(now, &mut run)?;
        self.due_rules(now, &mut run)?;
        Ok(run)
    }

    pub(crate) fn get_task(&self, id: TaskId) -> Result<Task> {
        store::task_by_id(self.conn, id)?.ok_or_else(|| Error::not_found("task", id))
    }

    pub(crate) fn close_task(
        &self,
        id: TaskId,
        status: TaskStatus,
        at: DateTime<Utc>,
    ) -> Result<Task> {
        let at = validate::time("at", at)?;
        let mut task = self.get_task(id)?;
        if status == TaskStatus::Open {
            return Err(Error::validation("status", "must be done or cancelled"));
        }
        if task.status == status {
            return Ok(task);
        }
        if task.status != TaskStatus::Open {
            return Err(Error::InvalidTransition {
                entity: "task",
                from: task.status.to_string(),
                to: status.to_string(),
            });
        }
        task.status = status;
        task.closed_at = Some(at);
        store::close_task(self.conn, &task)?;
        log(
            self.conn,
            at,
            self.actor,
            "task",
            id.0,
            "closed",
            &json!({ "status": status }),
        )?;
        Ok(task)
    }

    pub(crate) fn list_tasks(
        &self,
        manager: Option<ManagerId>,
        open_only: bool,
    ) -> Result<Vec<Task>> {
        if let Some(id) = manager {
            load_manager(self.conn, id)?;
        }
        store::tasks(self.conn, manager, open_only)
    }
}

/// A stand-in lead for routing a client that never sent one: the client's region, nothing else.
pub(crate) fn lead_of_client(client: &Client, at: DateTime<Utc>) -> Lead {
    Lead {
        id: LeadId(0),
        status: LeadStatus::New,
        channel: crate::model::Channel::Other,
        source_id: None,
        received_at: at,
        name: Some(client.name.clone()),
        company: None,
        phone: None,
        phone_quality: None,
        email: None,
        email_quality: None,
        messenger: None,
        need: None,
        interest: None,
        region: client.region.clone(),
        language: None,
        estimated_value: None,
        owner_id: None,
        client_id: Some(client.id),
        deal_id: None,
        first_response_due: None,
        first_response_at: None,
        first_response_by: None,
        sla_policy: None,
        sla_breached_at: None,
        queued_reason: None,
        lost_reason: None,
        junk_kind: None,
        close_note: None,
        external_ref: None,
        status_changed_at: at,
        updated_at: at,
    }
}
