//! Sales plans and the manager report. The figures are decided by [`crate::analytics::managers`]
//! (where every convention is documented); this file validates, loads and records.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde_json::json;

use super::{Crm, Session, Transaction, load_manager, log};
use crate::analytics::managers::{self as figures, SalesTotals};
use crate::calendar::Calendar;
use crate::error::{Error, Result};
use crate::model::{ManagerId, ManagerReportQuery, ManagerRow, Money, NewPlan, Plan};
use crate::store::{catalog, distribution as calendars, plans as store};
use crate::validate;

super::facade! {
    writes {
        /// Sets a manager's sales plan for a calendar month (`YYYY-MM`): the revenue (completed orders of
        /// the manager's clients) and the number of won deals expected. A plan already set for the month
        /// is replaced; the event (`plan_set` on the manager) records the old plan (or `null`) and the new
        /// one. Setting the same plan again writes nothing. An unknown manager is not found; a malformed
        /// month or a negative revenue is a validation error naming the field.
        fn set_plan(new: NewPlan, at: DateTime<Utc>) -> Plan;
        /// Removes a manager's plan for a month and returns it; the event is `plan_removed` on the
        /// manager. Not found when the manager has no plan for that month.
        fn remove_plan(manager_id: ManagerId, month: &str, at: DateTime<Utc>) -> Plan;
    }
    reads {
        /// Sales plans of one manager (or of all with `None`) for the months `from_month..=to_month`
        /// (`YYYY-MM`, either end open with `None`), ordered by month, then manager id.
        fn plans(manager: Option<ManagerId>, from_month: Option<String>, to_month: Option<String>) -> Vec<Plan>;
        /// The manager report for whole UTC days `start..=end`: for every manager (by id) the requests
        /// received and how they were answered (median and p90 response in working time, SLA met share),
        /// converted, lost; deals won; revenue and average order of the manager's clients; and the plan
        /// against the actual figures for each calendar month touching the period. The conventions of
        /// every figure are in [`crate::analytics::managers`]. `end` before `start`, or a period longer
        /// than ten years, is a validation error.
        fn manager_report(query: &ManagerReportQuery) -> Vec<ManagerRow>;
    }
}

/// The longest period a report covers, in days (about ten years).
const MAX_PERIOD_DAYS: i64 = 3_660;

/// A calendar month as `YYYY-MM` (surrounding white space ignored), year 0001 to 9999.
fn month(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    let bad = || {
        // A short echo is enough to spot the typo; a long paste is not repeated.
        let shown: String = text.chars().take(16).collect();
        Error::validation(
            field,
            format!("{shown:?} is not a month: expected YYYY-MM, like 2026-11"),
        )
    };
    let (year, mm) = text.split_once('-').ok_or_else(bad)?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(mm, 2) {
        return Err(bad());
    }
    let (year, mm): (u32, u32) = (
        year.parse().map_err(|_| bad())?,
        mm.parse().map_err(|_| bad())?,
    );
    if year == 0 || !(1..=12).contains(&mm) {
        return Err(bad());
    }
    Ok(text.to_string())
}

/// Midnight UTC starting `day`.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The instant right after `day` (UTC); the last representable stored instant for the year 9999's last
/// day, so every stored time stays comparable as text.
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    match day.succ_opt() {
        Some(next) if next.year() <= 9999 => midnight(next),
        _ => midnight(day) + (TimeDelta::days(1) - TimeDelta::nanoseconds(1)),
    }
}

/// Adds `b` into `a`, refusing an overflow as a validation error on the period.
fn add_into(a: &mut SalesTotals, b: &SalesTotals) -> Result<()> {
    let overflow = || {
        Error::validation(
            "start",
            "the period's totals are beyond what an amount can hold",
        )
    };
    let add = |x: Money, y: Money| x.checked_add(y).ok_or_else(overflow);
    a.deals_won = a.deals_won.saturating_add(b.deals_won);
    a.won_amount = add(a.won_amount, b.won_amount)?;
    a.orders = a.orders.saturating_add(b.orders);
    a.revenue = add(a.revenue, b.revenue)?;
    Ok(())
}

impl Session<'_> {
    pub(crate) fn set_plan(&self, new: NewPlan, at: DateTime<Utc>) -> Result<Plan> {
        let at = validate::time("at", at)?;
        let plan = Plan {
            manager_id: new.manager_id,
            month: month("month", &new.month)?,
            revenue: validate::non_negative("revenue", new.revenue)?,
            deals: new.deals,
        };
        load_manager(self.conn, plan.manager_id)?;
        let old = store::get(self.conn, plan.manager_id, &plan.month)?;
        if old.as_ref() == Some(&plan) {
            return Ok(plan);
        }
        store::upsert(self.conn, &plan)?;
        log(
            self.conn,
            at,
            self.actor,
            "manager",
            plan.manager_id.0,
            "plan_set",
            &json!({ "old": old, "new": plan }),
        )?;
        Ok(plan)
    }

    pub(crate) fn remove_plan(
        &self,
        manager_id: ManagerId,
        month_text: &str,
        at: DateTime<Utc>,
    ) -> Result<Plan> {
        let at = validate::time("at", at)?;
        let month = month("month", month_text)?;
        load_manager(self.conn, manager_id)?;
        let plan = store::get(self.conn, manager_id, &month)?
            .ok_or_else(|| Error::not_found("plan", format!("{manager_id}/{month}")))?;
        store::delete(self.conn, manager_id, &month)?;
        log(
            self.conn,
            at,
            self.actor,
            "manager",
            manager_id.0,
            "plan_removed",
            &plan,
        )?;
        Ok(plan)
    }

    pub(crate) fn plans(
        &self,
        manager: Option<ManagerId>,
        from_month: Option<String>,
        to_month: Option<String>,
    ) -> Result<Vec<Plan>> {
        let from = from_month
            .as_deref()
            .map(|m| month("from_month", m))
            .transpose()?;
        let to = to_month
            .as_deref()
            .map(|m| month("to_month", m))
            .transpose()?;
        if let (Some(from), Some(to)) = (&from, &to) {
            if to < from {
                return Err(Error::validation(
                    "to_month",
                    "must not be before from_month",
                ));
            }
        }
        if let Some(id) = manager {
            load_manager(self.conn, id)?;
        }
        store::list(self.conn, manager, from.as_deref(), to.as_deref())
    }

    pub(crate) fn manager_report(&self, query: &ManagerReportQuery) -> Result<Vec<ManagerRow>> {
        let start = validate::date("start", query.start)?;
        let end = validate::date("end", query.end)?;
        if end < start {
            return Err(Error::validation("end", "must not be before start"));
        }
        if (end - start).num_days() > MAX_PERIOD_DAYS {
            return Err(Error::validation(
                "end",
                "must be within ten years of start",
            ));
        }
        let conn = self.conn;
        let (from, to) = (midnight(start), end_of(end));
        let spans = figures::month_spans(start, end);
        let months_from = spans.first().map_or(from, |s| midnight(s.from));

        // Each calendar is read and parsed once per report: the manager's own, else the store's.
        let store_calendar = calendars::store_calendar(conn)?
            .map(|spec| Calendar::parse(&spec))
            .transpose()?;
        let own: BTreeMap<ManagerId, Calendar> = calendars::manager_calendars(conn)?
            .into_iter()
            .map(|(id, spec)| Calendar::parse(&spec).map(|c| (id, c)))
            .collect::<Result<_>>()?;
        let always = Calendar::always();
        let calendar_of = |id: ManagerId| -> (&Calendar, bool) {
            match own.get(&id).or(store_calendar.as_ref()) {
                Some(c) => (c, true),
                None => (&always, false),
            }
        };

        let counts = store::lead_counts(conn, from, to)?;
        let mut times: BTreeMap<ManagerId, Vec<i64>> = BTreeMap::new();
        for (id, received, answered) in store::answered_leads(conn, from, to)? {
            let secs = figures::response_secs(calendar_of(id).0, received, answered);
            times.entry(id).or_default().push(secs);
        }
        let mut period: BTreeMap<ManagerId, SalesTotals> = BTreeMap::new();
        for ((id, _), t) in store::sales_by_month(conn, from, to)? {
            add_into(period.entry(id).or_default(), &t)?;
        }
        let monthly = store::sales_by_month(conn, months_from, to)?;
        let promises = store::promise_counts(conn, from, to)?;
        let plans: BTreeMap<(ManagerId, String), Plan> = match (spans.first(), spans.last()) {
            (Some(first), Some(last)) => {
                store::list(conn, None, Some(&first.month), Some(&last.month))?
                    .into_iter()
                    .map(|p| ((p.manager_id, p.month.clone()), p))
                    .collect()
            }
            _ => BTreeMap::new(),
        };

        let none = SalesTotals::default();
        let mut rows = Vec::new();
        for manager in catalog::managers(conn)? {
            let id = manager.id;
            let months = spans
                .iter()
                .map(|span| {
                    let key = (id, span.month.clone());
                    figures::plan_month(span, plans.get(&key), monthly.get(&key).unwrap_or(&none))
                })
                .collect();
            rows.push(figures::manager_row(
                &manager,
                calendar_of(id).1,
                &counts.get(&id).copied().unwrap_or_default(),
                times.remove(&id).unwrap_or_default(),
                period.get(&id).unwrap_or(&none),
                &promises.get(&id).copied().unwrap_or_default(),
                months,
            ));
        }
        Ok(rows)
    }
}
