//! Retention rules: adding, pausing and removing them, running them in `run_due`, and the report of
//! whether their work paid off. What a rule acts on and the report's figures are decided by
//! [`crate::retention::rules`] (where the defaults and every convention are documented); this file
//! validates, loads, applies and records.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::analytics::ScoreNeeds;
use super::distribution::Router;
use super::{Crm, Session, Transaction, load_client, load_lead, load_manager, log};
use crate::analytics::baskets::{self, PairRule};
use crate::error::{Error, Result};
use crate::model::{
    AssignedVia, Assignee, ClientId, DueRun, ManagerId, NewRetentionRule, RetentionReport,
    RetentionReportQuery, RetentionRule, RetentionRuleId, RuleAction, RuleFire, Task,
};
use crate::retention::rules::{self as decide, ResolvedRow, TaskRow, TemplateValues};
use crate::segment::{self, Condition, Subject};
use crate::store::{
    analytics as sales, catalog, distribution as routing, retention as store, segments,
};
use crate::validate;

super::facade! {
    writes {
        /// Adds a retention rule, or replaces the rule of the same name (keeping its id, so its cool-downs
        /// and its report carry on). The condition is checked about clients and stored in canonical form;
        /// the action is checked (a task's kind, title template and `due_in`; the manager named exists;
        /// a mailing's saved segment is created as `has tag '<name>'` when missing). Validation errors name
        /// the field (`condition`, `cooldown_days`, `action.title`, `action.due_in`, `action.to` …). The
        /// event is `created` or `replaced` on the `retention_rule`; adding the same rule again writes
        /// nothing. See [`crate::retention::rules`].
        fn add_retention_rule(new: NewRetentionRule, at: DateTime<Utc>) -> RetentionRule;
        /// Pauses (`false`) or resumes a rule by name; the event is `active_changed`. Setting the state it
        /// has writes nothing.
        fn set_retention_rule_active(name: &str, active: bool, at: DateTime<Utc>) -> RetentionRule;
        /// Removes a rule by name and returns it; the event is `removed`. Its tasks stay and the retention
        /// report still lists them under its name; its name is free for a new rule.
        fn remove_retention_rule(name: &str, at: DateTime<Utc>) -> RetentionRule;
    }
    reads {
        /// The retention rules in force (the defaults until changed), by id: the order `run_due` runs them.
        fn retention_rules() -> Vec<RetentionRule>;
        /// One retention rule in force, by name.
        fn get_retention_rule(name: &str) -> RetentionRule;
        /// Did the retention work pay off, for the UTC days `start..=end`: per rule, per manager and in
        /// total, the tasks the rules made, how many were done, and how many were followed by a completed
        /// order of their client within `window_days` (the reactivation rate); and the repeat-purchase
        /// rate of clients whose complaint was resolved within SLA against those whose was not. The
        /// conventions are on [`RetentionReport`]'s fields. `end` before `start`, a period longer than ten
        /// years or a window outside 1..=3 660 days is a validation error.
        fn retention_report(query: &RetentionReportQuery) -> RetentionReport;
    }
}

/// The longest report period, in days (about ten years).
const MAX_PERIOD_DAYS: i64 = 3_660;

/// The expression of a mailing's saved segment: the clients with the tag of its name.
fn mailing_expression(name: &str) -> String {
    format!("has tag '{}'", name.replace('\'', "''"))
}

/// What a run reads once and keeps while the rules act.
#[derive(Default)]
struct RunState {
    /// Managers' names, for `{owner}`.
    owners: Option<HashMap<ManagerId, String>>,
    /// The product pair rules as of the run's day, for `{cross_sell}` (computed on first use).
    pairs: Option<Vec<PairRule>>,
    /// The router, for reassignments by the routing rules (loaded on first use).
    router: Option<Router>,
}

impl Session<'_> {
    /// Checks an action and returns it as stored.
    fn check_action(&self, action: RuleAction, at: DateTime<Utc>) -> Result<RuleAction> {
        Ok(match action {
            RuleAction::Task {
                task_kind,
                title,
                due_in,
                to,
            } => {
                let task_kind = validate::code("action.task_kind", &task_kind)?;
                let title = validate::required("action.title", &title)?;
                decide::check_template("action.title", &title)?;
                let due_in = due_in.trim().to_string();
                decide::parse_due_in("action.due_in", &due_in)?;
                if let Assignee::Manager(id) = to {
                    load_manager(self.conn, id).map_err(|_| {
                        Error::validation("action.to", format!("manager {id} does not exist"))
                    })?;
                }
                RuleAction::Task {
                    task_kind,
                    title,
                    due_in,
                    to,
                }
            }
            RuleAction::Tag { tag } => RuleAction::Tag {
                tag: validate::required("action.tag", &tag)?,
            },
            RuleAction::Mailing { segment: name } => {
                let name = validate::required("action.segment", &name)?;
                if segment::parse(&name).is_ok() {
                    return Err(Error::validation(
                        "action.segment",
                        "reads as an expression; choose a name that does not (e.g. without operators)",
                    ));
                }
                let expression = mailing_expression(&name);
                match segments::by_name(self.conn, &name)? {
                    Some(saved) => {
                        let want = self.compile("action.segment", Subject::Clients, &expression)?;
                        let have =
                            self.compile("expression", Subject::Clients, &saved.expression)?;
                        if want.canonical() != have.canonical() {
                            return Err(Error::validation(
                                "action.segment",
                                format!(
                                    "a saved segment of this name selects other clients; a mailing \
                                     segment must be {expression}"
                                ),
                            ));
                        }
                    }
                    None => {
                        self.save_segment(&name, &expression, at)?;
                    }
                }
                RuleAction::Mailing { segment: name }
            }
            RuleAction::Reassign { manager } => {
                if let Some(id) = manager {
                    load_manager(self.conn, id).map_err(|_| {
                        Error::validation("action.manager", format!("manager {id} does not exist"))
                    })?;
                }
                RuleAction::Reassign { manager }
            }
        })
    }

    pub(crate) fn add_retention_rule(
        &self,
        new: NewRetentionRule,
        at: DateTime<Utc>,
    ) -> Result<RetentionRule> {
        let at = validate::time("at", at)?;
        let name = validate::required("name", &new.name)?;
        let condition = validate::required_long("condition", &new.condition)?;
        let condition = self
            .compile("condition", Subject::Clients, &condition)?
            .canonical()
            .to_string();
        let cooldown_days = decide::check_cooldown("cooldown_days", new.cooldown_days)?;
        if new
            .daily_limit
            .is_some_and(|n| !(1..=1_000_000).contains(&n))
        {
            return Err(Error::validation(
                "daily_limit",
                "must be from 1 to 1000000 clients per owner per day, or none",
            ));
        }
        let action = self.check_action(new.action, at)?;
        let mut rule = RetentionRule {
            id: RetentionRuleId(0),
            name,
            condition,
            action,
            cooldown_days,
            daily_limit: new.daily_limit,
            active: new.active.unwrap_or(true),
            created_at: at,
            updated_at: at,
        };
        match store::rule_by_name(self.conn, &rule.name)? {
            Some(old)
                if (
                    &old.condition,
                    &old.action,
                    old.cooldown_days,
                    old.daily_limit,
                    old.active,
                ) == (
                    &rule.condition,
                    &rule.action,
                    rule.cooldown_days,
                    rule.daily_limit,
                    rule.active,
                ) =>
            {
                Ok(old)
            }
            Some(old) => {
                rule.id = old.id;
                rule.created_at = old.created_at;
                store::update_rule(self.conn, &rule)?;
                store::set_rules_run_at(self.conn, None)?;
                log(
                    self.conn,
                    at,
                    self.actor,
                    "retention_rule",
                    rule.id.0,
                    "replaced",
                    &json!({ "old": old, "new": rule }),
                )?;
                Ok(rule)
            }
            None => {
                rule.id = store::insert_rule(self.conn, &rule)?;
                store::set_rules_run_at(self.conn, None)?;
                log(
                    self.conn,
                    at,
                    self.actor,
                    "retention_rule",
                    rule.id.0,
                    "created",
                    &rule,
                )?;
                Ok(rule)
            }
        }
    }

    fn load_retention_rule(&self, name: &str) -> Result<RetentionRule> {
        store::rule_by_name(self.conn, name.trim())?
            .ok_or_else(|| Error::not_found("retention_rule", name.trim()))
    }

    pub(crate) fn set_retention_rule_active(
        &self,
        name: &str,
        active: bool,
        at: DateTime<Utc>,
    ) -> Result<RetentionRule> {
        let at = validate::time("at", at)?;
        let mut rule = self.load_retention_rule(name)?;
        if rule.active == active {
            return Ok(rule);
        }
        rule.active = active;
        rule.updated_at = at;
        store::update_rule(self.conn, &rule)?;
        store::set_rules_run_at(self.conn, None)?;
        log(
            self.conn,
            at,
            self.actor,
            "retention_rule",
            rule.id.0,
            "active_changed",
            &json!({ "active": active }),
        )?;
        Ok(rule)
    }

    pub(crate) fn remove_retention_rule(
        &self,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<RetentionRule> {
        let at = validate::time("at", at)?;
        let rule = self.load_retention_rule(name)?;
        store::remove_rule(self.conn, rule.id, at)?;
        store::set_rules_run_at(self.conn, None)?;
        log(
            self.conn,
            at,
            self.actor,
            "retention_rule",
            rule.id.0,
            "removed",
            &rule,
        )?;
        Ok(rule)
    }

    pub(crate) fn retention_rules(&self) -> Result<Vec<RetentionRule>> {
        store::rules(self.conn)
    }

    pub(crate) fn get_retention_rule(&self, name: &str) -> Result<RetentionRule> {
        self.load_retention_rule(name)
    }

    pub(crate) fn retention_report(&self, query: &RetentionReportQuery) -> Result<RetentionReport> {
        let start = validate::date("start", query.start)?;
        let end = validate::date("end", query.end)?;
        if end < start {
            return Err(Error::validation("end", "must not be before start"));
        }
        if (end - start).num_days() >= MAX_PERIOD_DAYS {
            return Err(Error::validation(
                "end",
                format!("the period must be at most {MAX_PERIOD_DAYS} days"),
            ));
        }
        let window_days = query.window_days;
        if !(1..=3_660).contains(&window_days) {
            return Err(Error::validation(
                "window_days",
                "must be from 1 to 3660 days",
            ));
        }
        let window = Duration::days(i64::from(window_days));
        let within = |from: DateTime<Utc>, next: Option<DateTime<Utc>>| {
            next.is_some_and(|t| from.checked_add_signed(window).is_none_or(|end| t <= end))
        };
        let tasks: Vec<TaskRow> = store::rule_tasks(self.conn, start, end)?
            .into_iter()
            .map(|t| TaskRow {
                ordered: within(t.created_at, t.next_order_at),
                rule_id: t.rule_id,
                rule: t.rule,
                manager_id: t.manager_id,
                done: t.done,
            })
            .collect();
        let resolved: Vec<ResolvedRow> = store::resolved_complaints(self.conn, start, end)?
            .into_iter()
            .map(|k| ResolvedRow {
                ordered: within(k.resolved_at, k.next_order_at),
                client_id: k.client_id,
                complaint_id: k.complaint_id,
                resolved_at: k.resolved_at,
                within_sla: k.within_sla,
            })
            .collect();
        let (rules, managers, total) = decide::task_outcomes(&tasks);
        let (complaints_within_sla, complaints_breached) = decide::repeat_outcomes(&resolved);
        Ok(RetentionReport {
            start,
            end,
            window_days,
            rules,
            managers,
            total,
            complaints_within_sla,
            complaints_breached,
        })
    }

    /// `run_due`'s part for retention rules: each active rule, by id, acts on the clients its condition
    /// matches as of `now`, except those in its cool-down (and, for a task, lost ones); see
    /// [`crate::retention::rules`]. A rule sees what the rules before it did in the same run (a tag).
    /// A rule whose stored condition no longer compiles is paused (event `paused` with the reason).
    pub(crate) fn due_rules(&self, now: DateTime<Utc>, run: &mut DueRun) -> Result<()> {
        // Conditions are about days; a cron every minute need not evaluate them every minute.
        if let Some(last) = store::rules_run_at(self.conn)?
            && last <= now
            && now < last + Duration::minutes(decide::RULE_INTERVAL_MINUTES)
        {
            return Ok(());
        }
        store::set_rules_run_at(self.conn, Some(now))?;
        let rules: Vec<RetentionRule> = store::rules(self.conn)?
            .into_iter()
            .filter(|r| r.active)
            .collect();
        if rules.is_empty() {
            return Ok(());
        }
        let mut compiled: Vec<(RetentionRule, Condition)> = Vec::with_capacity(rules.len());
        let mut needs = ScoreNeeds::default();
        for mut rule in rules {
            // A stored condition that no longer compiles (a manager or source it names was renamed) must
            // not stop the whole run from a host's cron: the rule is paused, once, with the reason.
            let cond = match self.compile("condition", Subject::Clients, &rule.condition) {
                Ok(cond) => cond,
                Err(e @ Error::Expression { .. }) => {
                    rule.active = false;
                    rule.updated_at = now;
                    store::update_rule(self.conn, &rule)?;
                    log(
                        self.conn,
                        now,
                        self.actor,
                        "retention_rule",
                        rule.id.0,
                        "paused",
                        &json!({ "reason": e.to_string() }),
                    )?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let read = cond.scores_read();
            needs.abc |= read.abc;
            needs.xyz |= read.xyz;
            needs.rfm |= read.rfm;
            needs.p_alive |= read.p_alive;
            compiled.push((rule, cond));
        }
        // The scores every rule reads, computed once for the run.
        if needs.any() {
            self.fill_client_scores(now, needs)?;
        }
        let as_of = segments::as_of(self.conn, now)?;
        let mut state = RunState::default();
        for (rule, cond) in &compiled {
            let matched = segments::client_ids(self.conn, cond, &as_of)?;
            if matched.is_empty() {
                continue;
            }
            let cooling = store::cooling(
                self.conn,
                rule.id,
                decide::cooldown_start(now, rule.cooldown_days),
            )?;
            // The daily limit counts what the rule did since the start of `now`'s UTC day.
            let mut budget = match rule.daily_limit {
                Some(limit) => {
                    let midnight = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
                    Some((limit, store::fired_by_owner(self.conn, rule.id, midnight)?))
                }
                None => None,
            };
            for client in decide::candidates(&matched, cooling) {
                self.fire(rule, client, now, &mut state, budget.as_mut(), run)?;
            }
        }
        Ok(())
    }

    /// Applies `rule`'s action to one client; records the fire when it changed something.
    fn fire(
        &self,
        rule: &RetentionRule,
        client: ClientId,
        now: DateTime<Utc>,
        state: &mut RunState,
        budget: Option<&mut (u32, HashMap<Option<ManagerId>, u32>)>,
        run: &mut DueRun,
    ) -> Result<()> {
        let Some(ctx) = store::client_context(self.conn, client)? else {
            return Ok(()); // merged away
        };
        if let Some((limit, used)) = &budget
            && used.get(&ctx.owner_id).copied().unwrap_or(0) >= *limit
        {
            return Ok(()); // this owner's share for today is done; the client waits
        }
        let mut data =
            json!({ "rule_id": rule.id, "rule": rule.name, "action": rule.action.kind() });
        let mut task_made = None;
        match &rule.action {
            RuleAction::Task {
                task_kind,
                title,
                due_in,
                to,
            } => {
                if ctx.lost {
                    return Ok(());
                }
                let manager_id = match to {
                    Assignee::Owner => ctx.owner_id,
                    Assignee::Manager(m) => Some(*m),
                };
                let values = self.template_values(title, client, &ctx, now, state)?;
                let due = decide::parse_due_in("action.due_in", due_in)?;
                let mut task = Task {
                    manager_id,
                    client_id: Some(client),
                    due_at: Some(now.checked_add_signed(due).unwrap_or(now)),
                    rule_id: Some(rule.id),
                    origin: Some(format!(
                        "rule:{}:client:{}:{}",
                        rule.id,
                        client,
                        now.date_naive()
                    )),
                    ..Task::new(task_kind.clone(), decide::render(title, &values), now)
                };
                let Some(id) = routing::insert_task(self.conn, &task)? else {
                    return Ok(()); // made by an earlier run the same day
                };
                task.id = id;
                log(self.conn, now, self.actor, "task", id.0, "created", &task)?;
                data["task_id"] = json!(id);
                task_made = Some(id);
                run.tasks.push(task);
            }
            RuleAction::Tag { tag } | RuleAction::Mailing { segment: tag } => {
                let folded = segment::fold(tag);
                if ctx.tags.iter().any(|t| segment::fold(t) == folded) {
                    return Ok(());
                }
                let mut tags = ctx.tags.clone();
                tags.push(tag.clone());
                tags.sort();
                store::set_tags(self.conn, client, &tags)?;
                data["tag"] = json!(tag);
            }
            RuleAction::Reassign { manager } => {
                let Some(to) = self.reassign_by_rule(rule, client, *manager, now, state)? else {
                    return Ok(());
                };
                data["from"] = json!(ctx.owner_id);
                data["to"] = json!(to);
            }
        }
        store::insert_fire(self.conn, rule.id, client, now, task_made)?;
        if let Some((_, used)) = budget {
            *used.entry(ctx.owner_id).or_default() += 1;
        }
        log(
            self.conn,
            now,
            self.actor,
            "client",
            client.0,
            "retention_rule_fired",
            &data,
        )?;
        run.fired.push(RuleFire {
            rule_id: rule.id,
            rule: rule.name.clone(),
            client_id: client,
            task_id: task_made,
        });
        Ok(())
    }

    /// What a task title's placeholders stand for; the cross-sell only when the title uses it.
    fn template_values(
        &self,
        title: &str,
        client: ClientId,
        ctx: &store::ClientContext,
        now: DateTime<Utc>,
        state: &mut RunState,
    ) -> Result<TemplateValues> {
        let owner = match ctx.owner_id {
            Some(id) if decide::uses(title, "owner") => {
                if state.owners.is_none() {
                    state.owners = Some(
                        catalog::managers(self.conn)?
                            .into_iter()
                            .map(|m| (m.id, m.name))
                            .collect(),
                    );
                }
                state.owners.as_ref().and_then(|o| o.get(&id).cloned())
            }
            _ => None,
        };
        let mut cross_sell = Vec::new();
        if decide::uses(title, "cross_sell") {
            let day = now.date_naive();
            if state.pairs.is_none() {
                let mut sets: Vec<Vec<String>> = Vec::new();
                let mut current = None;
                for (c, sku) in sales::client_products(self.conn, None, Some(day), None)? {
                    if current != Some(c) {
                        sets.push(Vec::new());
                        current = Some(c);
                    }
                    if let Some(set) = sets.last_mut() {
                        set.push(sku);
                    }
                }
                state.pairs = Some(baskets::pair_rules(&sets, 2));
            }
            let bought: Vec<String> =
                sales::client_products(self.conn, None, Some(day), Some(client))?
                    .into_iter()
                    .map(|(_, sku)| sku)
                    .collect();
            let pairs = state.pairs.as_deref().unwrap_or_default();
            cross_sell = baskets::suggest(&bought, pairs, 2)
                .into_iter()
                .map(|s| s.product)
                .collect();
        }
        Ok(TemplateValues {
            client_id: client,
            client: ctx.name.clone(),
            owner,
            days_since_last_order: ctx
                .last_order_at
                .map(|t| (now.date_naive() - t.date_naive()).num_days().max(0)),
            cross_sell,
        })
    }

    /// Gives a client to `manager` (or whoever the routing rules choose, never the current owner); the
    /// new owner, or `None` when nothing changed (locked, nobody eligible, already the owner).
    fn reassign_by_rule(
        &self,
        rule: &RetentionRule,
        id: ClientId,
        manager: Option<ManagerId>,
        now: DateTime<Utc>,
        state: &mut RunState,
    ) -> Result<Option<ManagerId>> {
        let client = load_client(self.conn, id)?;
        if self.locked_until(&client, now)?.is_some() {
            return Ok(None);
        }
        let reason = format!("retention rule '{}'", rule.name);
        if let Some(m) = manager {
            if client.owner_id == Some(m) || !load_manager(self.conn, m)?.active {
                return Ok(None);
            }
            self.assign_client(id, m, Some(&reason), now)?;
            return Ok(Some(m));
        }
        let lead = match routing::latest_lead_of(self.conn, id)? {
            Some(l) => load_lead(self.conn, l)?,
            None => super::distribution::lead_of_client(&client, now),
        };
        if state.router.is_none() {
            state.router = Some(Router::load(self.conn, self.routing, now)?);
        }
        let Some(router) = state.router.as_mut() else {
            return Ok(None);
        };
        let mut unowned = client.clone();
        unowned.owner_id = None;
        let mut routed = router.route(
            self.conn,
            &lead,
            Some(&unowned),
            client.owner_id,
            AssignedVia::Reassign,
            now,
        )?;
        let Some(to) = routed.assignment.manager_id else {
            return Ok(None);
        };
        if Some(to) == client.owner_id {
            return Ok(None);
        }
        routed.assignment.lead_id = None;
        routed.assignment.client_id = Some(id);
        routed.assignment.previous_id = client.owner_id;
        routed.assignment.reason = format!("{reason}; {}", routed.assignment.reason);
        router.commit(self.conn, &routed, false)?;
        routing::set_client_owner(self.conn, id, Some(to), now)?;
        routing::insert_assignment(self.conn, &mut routed.assignment, None)?;
        log(
            self.conn,
            now,
            self.actor,
            "client",
            id.0,
            "owner_changed",
            &json!({
                "from": client.owner_id, "to": to, "reason": routed.assignment.reason, "forced": false,
            }),
        )?;
        Ok(Some(to))
    }
}
