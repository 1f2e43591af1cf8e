//! Promises and complaints: the commands, the readers, and `run_due`'s part for them. The decisions
//! (allowed status changes, deadlines with pauses, report figures) are in
//! [`crate::retention::complaints`]; this file validates, loads and records.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde_json::json;

use super::{Crm, Session, Transaction, load_client, log, not_before, require_active_manager};
use crate::calendar;
use crate::error::{Error, Result};
use crate::model::{
    Complaint, ComplaintBreach, ComplaintId, ComplaintMilestone, ComplaintPriority, ComplaintQuery,
    ComplaintReport, ComplaintReportQuery, ComplaintSla, ComplaintStatus, DueRun, ManagerId,
    NewComplaint, NewPromise, Promise, PromiseId, PromiseQuery, PromiseSettings, PromiseStatus,
    Task, TaskStatus,
};
use crate::retention::complaints::{self as rules, ComplaintAction};
use crate::store::{activities, care as store, distribution as tasks, orders};
use crate::validate;

super::facade! {
    writes {
        /// Records a promise made to a client: what, due when, by whom (the client's owner when
        /// `manager_id` is left out; a manager named must be active), made in which activity (one of the
        /// same client's, when given). `due_at` before `at` is a validation error naming `due_at`. The
        /// event is `made` on the promise. `run_due` reminds its maker ahead of the due time (see
        /// [`PromiseSettings`]) and marks it broken once the due time has passed while it is still open;
        /// the reminder task then stays open on the maker's agenda, overdue: a broken promise still
        /// needs the call (done or cancelled by the manager).
        fn promise(new: NewPromise, at: DateTime<Utc>) -> Promise;
        /// Marks an open promise kept, with an optional note (event `kept`); its reminder task, if open,
        /// is done. Keeping a kept promise again changes nothing; a broken or cancelled one is an invalid
        /// transition.
        fn keep_promise(id: PromiseId, note: Option<&str>, at: DateTime<Utc>) -> Promise;
        /// Cancels an open promise; `reason` is required (event `cancelled`); its reminder task, if
        /// open, is cancelled. A cancelled promise counts neither as kept nor as broken. Cancelling it
        /// again changes nothing; a kept or broken one is an invalid transition.
        fn cancel_promise(id: PromiseId, reason: &str, at: DateTime<Utc>) -> Promise;
        /// Sets how promises are followed up (event `promise_settings_set` on `settings`); returns what
        /// is now in force.
        fn set_promise_settings(settings: PromiseSettings, at: DateTime<Utc>) -> PromiseSettings;
        /// Opens a complaint (event `opened`). The owner is the one given (active) or the client's
        /// owner; the order, when given, must be the client's. Its first-response and resolution
        /// deadlines are the targets of its priority (see [`Crm::complaint_sla`]) in working time of the
        /// owner's calendar (theirs, else the store's, else round the clock), counted from `at`.
        fn open_complaint(new: NewComplaint, at: DateTime<Utc>) -> Complaint;
        /// Takes an open complaint in work (→ in progress, event `taken`): its first response.
        fn take_complaint(id: ComplaintId, at: DateTime<Utc>) -> Complaint;
        /// Waits for the client (event `waiting`): the resolution clock stops until
        /// [`Crm::resume_complaint`]. Counts as the first response when there was none; an open
        /// complaint goes in progress. Waiting while waiting is an invalid transition.
        fn wait_for_client(id: ComplaintId, at: DateTime<Utc>) -> Complaint;
        /// Resumes work after waiting for the client (event `resumed`): the resolution deadline moves on
        /// by the working time the pause took, as in [`crate::retention::complaints`].
        fn resume_complaint(id: ComplaintId, at: DateTime<Utc>) -> Complaint;
        /// Resolves an open or in-progress complaint (→ resolved, event `resolved`); `resolution` is
        /// required. A pause still running ends here. The time to resolve (working time less paused) is
        /// recorded.
        fn resolve_complaint(id: ComplaintId, resolution: &str, at: DateTime<Utc>) -> Complaint;
        /// Closes a resolved complaint (→ closed, final; event `closed`).
        fn close_complaint(id: ComplaintId, at: DateTime<Utc>) -> Complaint;
        /// Rejects an open or in-progress complaint as unfounded (→ rejected, final; event `rejected`);
        /// `reason` is required.
        fn reject_complaint(id: ComplaintId, reason: &str, at: DateTime<Utc>) -> Complaint;
        /// Reopens a resolved complaint (→ in progress, event `reopened`). Resolved in time, it gets the
        /// working time that was left of its resolution deadline, counted from now; resolved late, its
        /// priority's full resolution target afresh. The time it sat resolved counts as paused.
        fn reopen_complaint(id: ComplaintId, at: DateTime<Utc>) -> Complaint;
        /// Gives a complaint that is not final to another (active) manager (event `assigned`); its
        /// deadlines stay. Giving it to its owner changes nothing.
        fn assign_complaint(id: ComplaintId, manager: ManagerId, at: DateTime<Utc>) -> Complaint;
        /// Sets the complaint deadlines per priority and where breaches escalate (event
        /// `complaint_sla_set` on `settings`). Complaints already open keep their deadlines.
        fn set_complaint_sla(sla: ComplaintSla, at: DateTime<Utc>) -> ComplaintSla;
    }
    reads {
        /// One promise.
        fn get_promise(id: PromiseId) -> Promise;
        /// A page of promises, by id.
        fn list_promises(query: &PromiseQuery) -> Vec<Promise>;
        /// How promises are followed up (the defaults until set).
        fn promise_settings() -> PromiseSettings;
        /// One complaint.
        fn get_complaint(id: ComplaintId) -> Complaint;
        /// A page of complaints, by id.
        fn list_complaints(query: &ComplaintQuery) -> Vec<Complaint>;
        /// The complaint deadlines per priority (the defaults until set; see [`ComplaintSla`]).
        fn complaint_sla() -> ComplaintSla;
        /// The complaints of whole UTC days `start..=end`: in total, per priority and per owner, the
        /// number opened and answered in time, resolved and resolved in time (and the share), rejected,
        /// and the median and p90 time to resolve in working seconds. The rules are in
        /// [`crate::retention::complaints::figures`]. `end` before `start`, or a period longer than ten
        /// years, is a validation error.
        fn complaint_report(query: &ComplaintReportQuery) -> ComplaintReport;
    }
}

/// The longest period a report covers, in days (about ten years).
const MAX_PERIOD_DAYS: i64 = 3_660;

/// A promise settings' `remind_before`: a duration (`24h`, `2h30m`), or zero (`0`, `0m`, `0h`): a
/// reminder only when the promise falls due.
fn remind_before(text: &str) -> Result<chrono::TimeDelta> {
    if matches!(text.trim(), "0" | "0m" | "0h" | "0s" | "0d") {
        return Ok(chrono::TimeDelta::zero());
    }
    calendar::parse_duration("remind_before", text)
}

/// Midnight UTC starting `day`.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The instant right after `day` (UTC), or the last instant of the year 9999.
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    match day.succ_opt() {
        Some(next) if next.year() <= 9999 => midnight(next),
        _ => midnight(day) + (TimeDelta::days(1) - TimeDelta::nanoseconds(1)),
    }
}

impl Session<'_> {
    // --- promises ------------------------------------------------------------------------------------
    pub(crate) fn promise(&self, new: NewPromise, at: DateTime<Utc>) -> Result<Promise> {
        let at = validate::time("at", at)?;
        let what = validate::required("what", &new.what)?;
        let due_at = validate::time("due_at", new.due_at)?;
        if due_at < at {
            return Err(Error::validation(
                "due_at",
                "must not be before the time the promise is made",
            ));
        }
        let client = load_client(self.conn, new.client_id)?;
        let manager_id = match new.manager_id {
            Some(id) => {
                require_active_manager(self.conn, "manager_id", id)?;
                Some(id)
            }
            None => client.owner_id,
        };
        if let Some(activity_id) = new.activity_id {
            let activity = activities::by_id(self.conn, activity_id)?
                .ok_or_else(|| Error::not_found("activity", activity_id))?;
            if activity.client_id != Some(client.id) {
                return Err(Error::validation(
                    "activity_id",
                    "belongs to another client (or to none)",
                ));
            }
        }
        let mut promise = Promise {
            id: PromiseId(0),
            client_id: client.id,
            manager_id,
            what,
            made_at: at,
            due_at,
            activity_id: new.activity_id,
            status: PromiseStatus::Open,
            closed_at: None,
            note: None,
            reminded_at: None,
        };
        promise.id = store::insert_promise(self.conn, &promise)?;
        log(
            self.conn,
            at,
            self.actor,
            "promise",
            promise.id.0,
            "made",
            &promise,
        )?;
        Ok(promise)
    }

    pub(crate) fn keep_promise(
        &self,
        id: PromiseId,
        note: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Promise> {
        let at = validate::time("at", at)?;
        let note = validate::optional_long("note", note)?;
        self.close_promise(id, PromiseStatus::Kept, note, at)
    }

    pub(crate) fn cancel_promise(
        &self,
        id: PromiseId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Promise> {
        let at = validate::time("at", at)?;
        let reason = validate::required("reason", reason)?;
        self.close_promise(id, PromiseStatus::Cancelled, Some(reason), at)
    }

    /// Keeps or cancels an open promise, closing its open reminder task the same way.
    fn close_promise(
        &self,
        id: PromiseId,
        to: PromiseStatus,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Promise> {
        let mut promise = self.get_promise(id)?;
        if promise.status == to {
            return Ok(promise);
        }
        if promise.status != PromiseStatus::Open {
            return Err(Error::InvalidTransition {
                entity: "promise",
                from: promise.status.to_string(),
                to: to.to_string(),
            });
        }
        not_before(at, promise.made_at)?;
        promise.status = to;
        promise.closed_at = Some(at);
        promise.note = note;
        store::update_promise(self.conn, &promise)?;
        let (kind, data) = match to {
            PromiseStatus::Cancelled => ("cancelled", json!({ "reason": promise.note })),
            _ => ("kept", json!({ "note": promise.note })),
        };
        log(self.conn, at, self.actor, "promise", id.0, kind, &data)?;
        let task_status = match to {
            PromiseStatus::Cancelled => TaskStatus::Cancelled,
            _ => TaskStatus::Done,
        };
        if let Some(mut task) = tasks::task_by_origin(self.conn, &format!("promise:{id}"))? {
            if task.status == TaskStatus::Open {
                task.status = task_status;
                task.closed_at = Some(at);
                tasks::close_task(self.conn, &task)?;
                let data = json!({ "status": task_status, "promise_id": id });
                log(
                    self.conn, at, self.actor, "task", task.id.0, "closed", &data,
                )?;
            }
        }
        Ok(promise)
    }

    pub(crate) fn get_promise(&self, id: PromiseId) -> Result<Promise> {
        store::promise_by_id(self.conn, id)?.ok_or_else(|| Error::not_found("promise", id))
    }

    pub(crate) fn list_promises(&self, query: &PromiseQuery) -> Result<Vec<Promise>> {
        store::promises(self.conn, query)
    }

    pub(crate) fn promise_settings(&self) -> Result<PromiseSettings> {
        store::promise_settings(self.conn)
    }

    pub(crate) fn set_promise_settings(
        &self,
        settings: PromiseSettings,
        at: DateTime<Utc>,
    ) -> Result<PromiseSettings> {
        let at = validate::time("at", at)?;
        let remind = remind_before(&settings.remind_before)?;
        let settings = PromiseSettings {
            remind_before: calendar::format_duration(remind),
        };
        store::set_promise_settings(self.conn, &settings)?;
        log(
            self.conn,
            at,
            self.actor,
            "settings",
            0,
            "promise_settings_set",
            &settings,
        )?;
        Ok(settings)
    }

    // --- complaints ----------------------------------------------------------------------------------
    pub(crate) fn open_complaint(&self, new: NewComplaint, at: DateTime<Utc>) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let subject = validate::required("subject", &new.subject)?;
        let body = validate::optional_long("body", new.body.as_deref())?;
        let client = load_client(self.conn, new.client_id)?;
        if let Some(order_id) = new.order_id {
            let order = orders::by_id(self.conn, order_id)?
                .ok_or_else(|| Error::not_found("order", order_id))?;
            if order.client_id != client.id {
                return Err(Error::validation("order_id", "belongs to another client"));
            }
        }
        let owner_id = match new.owner_id {
            Some(id) => {
                require_active_manager(self.conn, "owner_id", id)?;
                Some(id)
            }
            None => client.owner_id,
        };
        let priority = new.priority.unwrap_or(ComplaintPriority::Normal);
        let sla = store::complaint_sla(self.conn)?;
        let targets = rules::targets(&sla, priority)?;
        let calendar = self.calendar_in_force(owner_id)?;
        let (response_due, resolution_due) = rules::deadlines(&calendar, at, targets)?;
        let mut complaint = Complaint {
            id: ComplaintId(0),
            client_id: client.id,
            order_id: new.order_id,
            subject,
            body,
            priority,
            status: ComplaintStatus::Open,
            owner_id,
            opened_at: at,
            response_due,
            responded_at: None,
            response_breached_at: None,
            resolution_due,
            resolved_at: None,
            resolution_breached_at: None,
            paused_at: None,
            paused_secs: 0,
            resolve_secs: None,
            resolution: None,
            rejection: None,
            closed_at: None,
            updated_at: at,
        };
        complaint.id = store::insert_complaint(self.conn, &complaint)?;
        log(
            self.conn,
            at,
            self.actor,
            "complaint",
            complaint.id.0,
            "opened",
            &complaint,
        )?;
        Ok(complaint)
    }

    /// Loads a complaint and checks `action` on it at `at`; gives the complaint and the status it goes to.
    fn complaint_for(
        &self,
        id: ComplaintId,
        action: ComplaintAction,
        at: DateTime<Utc>,
    ) -> Result<(Complaint, ComplaintStatus)> {
        let complaint = self.get_complaint(id)?;
        let to = rules::next_status(complaint.status, complaint.paused_at.is_some(), action)?;
        not_before(at, complaint.updated_at)?;
        Ok((complaint, to))
    }

    /// Ends a running pause at `at`: the resolution deadline moves on, the paused time is counted.
    fn end_pause(&self, c: &mut Complaint, at: DateTime<Utc>) -> Result<Option<i64>> {
        let Some(paused) = c.paused_at.take() else {
            return Ok(None);
        };
        let calendar = self.calendar_in_force(c.owner_id)?;
        c.resolution_due = rules::resumed_due(&calendar, paused, at, c.resolution_due)?;
        let secs = rules::paused_secs(&calendar, paused, at);
        c.paused_secs = c.paused_secs.saturating_add(secs);
        Ok(Some(secs))
    }

    fn save_complaint(
        &self,
        c: &Complaint,
        at: DateTime<Utc>,
        kind: &str,
        data: &serde_json::Value,
    ) -> Result<()> {
        store::update_complaint(self.conn, c)?;
        log(self.conn, at, self.actor, "complaint", c.id.0, kind, data)?;
        Ok(())
    }

    pub(crate) fn take_complaint(&self, id: ComplaintId, at: DateTime<Utc>) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let (mut c, to) = self.complaint_for(id, ComplaintAction::Take, at)?;
        c.status = to;
        c.responded_at.get_or_insert(at);
        c.updated_at = at;
        let data = json!({ "owner_id": c.owner_id, "responded_at": c.responded_at });
        self.save_complaint(&c, at, "taken", &data)?;
        Ok(c)
    }

    pub(crate) fn wait_for_client(&self, id: ComplaintId, at: DateTime<Utc>) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let (mut c, to) = self.complaint_for(id, ComplaintAction::Wait, at)?;
        c.status = to;
        c.responded_at.get_or_insert(at);
        c.paused_at = Some(at);
        c.updated_at = at;
        let data = json!({ "resolution_due": c.resolution_due, "responded_at": c.responded_at });
        self.save_complaint(&c, at, "waiting", &data)?;
        Ok(c)
    }

    pub(crate) fn resume_complaint(&self, id: ComplaintId, at: DateTime<Utc>) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let (mut c, to) = self.complaint_for(id, ComplaintAction::Resume, at)?;
        let paused_at = c.paused_at;
        let secs = self.end_pause(&mut c, at)?;
        c.status = to;
        c.updated_at = at;
        let data = json!({ "paused_at": paused_at, "paused_secs": secs,
                           "resolution_due": c.resolution_due });
        self.save_complaint(&c, at, "resumed", &data)?;
        Ok(c)
    }

    pub(crate) fn resolve_complaint(
        &self,
        id: ComplaintId,
        resolution: &str,
        at: DateTime<Utc>,
    ) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let resolution = validate::required_long("resolution", resolution)?;
        let (mut c, to) = self.complaint_for(id, ComplaintAction::Resolve, at)?;
        self.end_pause(&mut c, at)?;
        let calendar = self.calendar_in_force(c.owner_id)?;
        c.status = to;
        c.responded_at.get_or_insert(at);
        c.resolved_at = Some(at);
        c.resolve_secs = Some(rules::resolve_secs(
            &calendar,
            c.opened_at,
            at,
            c.paused_secs,
        ));
        c.resolution = Some(resolution);
        c.updated_at = at;
        let data = json!({ "resolution": c.resolution, "resolve_secs": c.resolve_secs,
                           "within_sla": at <= c.resolution_due });
        self.save_complaint(&c, at, "resolved", &data)?;
        Ok(c)
    }

    pub(crate) fn close_complaint(&self, id: ComplaintId, at: DateTime<Utc>) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let (mut c, to) = self.complaint_for(id, ComplaintAction::Close, at)?;
        c.status = to;
        c.closed_at = Some(at);
        c.updated_at = at;
        self.save_complaint(&c, at, "closed", &json!({}))?;
        Ok(c)
    }

    pub(crate) fn reject_complaint(
        &self,
        id: ComplaintId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let reason = validate::required_long("reason", reason)?;
        let (mut c, to) = self.complaint_for(id, ComplaintAction::Reject, at)?;
        self.end_pause(&mut c, at)?;
        c.status = to;
        c.responded_at.get_or_insert(at);
        c.rejection = Some(reason);
        c.closed_at = Some(at);
        c.updated_at = at;
        let data = json!({ "reason": c.rejection });
        self.save_complaint(&c, at, "rejected", &data)?;
        Ok(c)
    }

    pub(crate) fn reopen_complaint(&self, id: ComplaintId, at: DateTime<Utc>) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let (mut c, to) = self.complaint_for(id, ComplaintAction::Reopen, at)?;
        let resolved = c
            .resolved_at
            .ok_or_else(|| Error::Corrupt(format!("complaint {id} is resolved without a time")))?;
        let calendar = self.calendar_in_force(c.owner_id)?;
        c.resolution_due = if resolved < c.resolution_due {
            rules::resumed_due(&calendar, resolved, at, c.resolution_due)?
        } else {
            let sla = store::complaint_sla(self.conn)?;
            calendar.add_working(at, rules::targets(&sla, c.priority)?.1)?
        };
        c.paused_secs = c
            .paused_secs
            .saturating_add(rules::paused_secs(&calendar, resolved, at));
        let old_resolution = c.resolution.take();
        c.status = to;
        c.resolved_at = None;
        c.resolve_secs = None;
        c.updated_at = at;
        let data = json!({ "resolution_due": c.resolution_due, "old_resolution": old_resolution });
        self.save_complaint(&c, at, "reopened", &data)?;
        Ok(c)
    }

    pub(crate) fn assign_complaint(
        &self,
        id: ComplaintId,
        manager: ManagerId,
        at: DateTime<Utc>,
    ) -> Result<Complaint> {
        let at = validate::time("at", at)?;
        let (mut c, _) = self.complaint_for(id, ComplaintAction::Assign, at)?;
        require_active_manager(self.conn, "manager", manager)?;
        if c.owner_id == Some(manager) {
            return Ok(c);
        }
        let data = json!({ "from": c.owner_id, "to": manager });
        c.owner_id = Some(manager);
        c.updated_at = at;
        self.save_complaint(&c, at, "assigned", &data)?;
        Ok(c)
    }

    pub(crate) fn get_complaint(&self, id: ComplaintId) -> Result<Complaint> {
        store::complaint_by_id(self.conn, id)?.ok_or_else(|| Error::not_found("complaint", id))
    }

    pub(crate) fn list_complaints(&self, query: &ComplaintQuery) -> Result<Vec<Complaint>> {
        store::complaints(self.conn, query)
    }

    pub(crate) fn complaint_sla(&self) -> Result<ComplaintSla> {
        store::complaint_sla(self.conn)
    }

    pub(crate) fn set_complaint_sla(
        &self,
        sla: ComplaintSla,
        at: DateTime<Utc>,
    ) -> Result<ComplaintSla> {
        let at = validate::time("at", at)?;
        rules::check_sla(&sla)?;
        if let Some(id) = sla.escalate_to {
            require_active_manager(self.conn, "escalate_to", id)?;
        }
        store::set_complaint_sla(self.conn, &sla)?;
        log(
            self.conn,
            at,
            self.actor,
            "settings",
            0,
            "complaint_sla_set",
            &sla,
        )?;
        Ok(sla)
    }

    pub(crate) fn complaint_report(&self, query: &ComplaintReportQuery) -> Result<ComplaintReport> {
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
        let (from, to) = (midnight(start), end_of(end));
        let facts = store::report_facts(self.conn, from, to)?;
        Ok(rules::report(start, end, &facts, from, to))
    }

    // --- time passing --------------------------------------------------------------------------------

    /// `run_due`'s part for complaints: deadlines passed are marked breached and escalated.
    pub(crate) fn due_complaints(&self, now: DateTime<Utc>, run: &mut DueRun) -> Result<()> {
        let mut found: Vec<(Complaint, ComplaintMilestone)> = Vec::new();
        for mut c in store::responses_overdue(self.conn, now)? {
            c.response_breached_at = Some(c.response_due);
            found.push((c, ComplaintMilestone::FirstResponse));
        }
        for mut c in store::resolutions_overdue(self.conn, now)? {
            // The same complaint may have both deadlines passed: take its first-response mark along.
            if let Some((done, _)) = found.iter().find(|(d, _)| d.id == c.id) {
                c.response_breached_at = done.response_breached_at;
            }
            c.resolution_breached_at = Some(c.resolution_due);
            found.push((c, ComplaintMilestone::Resolution));
        }
        if found.is_empty() {
            return Ok(());
        }
        let escalate_to = store::complaint_sla(self.conn)?.escalate_to;
        let mut breaches = Vec::new();
        for (c, milestone) in found {
            store::update_complaint(self.conn, &c)?;
            let due = match milestone {
                ComplaintMilestone::FirstResponse => c.response_due,
                ComplaintMilestone::Resolution => c.resolution_due,
            };
            let to = escalate_to.or(c.owner_id);
            let what = match milestone {
                ComplaintMilestone::FirstResponse => "no first response",
                ComplaintMilestone::Resolution => "not resolved",
            };
            let mut task = Task {
                manager_id: to,
                client_id: Some(c.client_id),
                complaint_id: Some(c.id),
                due_at: Some(now),
                origin: Some(format!("complaint:{}:{milestone}", c.id)),
                ..Task::new(
                    "complaint_escalation",
                    format!(
                        "Complaint {} ({}): {what} by {}",
                        c.id,
                        c.priority,
                        due.format("%Y-%m-%d %H:%M UTC")
                    ),
                    now,
                )
            };
            let task_id = tasks::insert_task(self.conn, &task)?;
            if let Some(task_id) = task_id {
                task.id = task_id;
                log(
                    self.conn, now, self.actor, "task", task_id.0, "created", &task,
                )?;
                run.tasks.push(task);
            }
            let data = json!({ "milestone": milestone, "due": due, "owner_id": c.owner_id,
                               "escalated_to": to, "task_id": task_id });
            log(
                self.conn,
                now,
                self.actor,
                "complaint",
                c.id.0,
                "sla_breached",
                &data,
            )?;
            breaches.push(ComplaintBreach {
                complaint_id: c.id,
                milestone,
                due,
                escalated_to: to,
            });
        }
        breaches.sort_by_key(|b| (b.due, b.complaint_id, b.milestone));
        run.complaints_breached.extend(breaches);
        Ok(())
    }

    /// `run_due`'s part for promises: reminders for those coming due, overdue ones broken.
    pub(crate) fn due_promises(&self, now: DateTime<Utc>, run: &mut DueRun) -> Result<()> {
        let settings = store::promise_settings(self.conn)?;
        let before = remind_before(&settings.remind_before)?;
        let until = now.checked_add_signed(before).unwrap_or(now);
        for mut p in store::promises_to_remind(self.conn, until)? {
            let mut task = Task {
                manager_id: p.manager_id,
                client_id: Some(p.client_id),
                promise_id: Some(p.id),
                due_at: Some(p.due_at),
                origin: Some(format!("promise:{}", p.id)),
                ..Task::new("promise", format!("Promised: {}", p.what), now)
            };
            let task_id = tasks::insert_task(self.conn, &task)?;
            if let Some(task_id) = task_id {
                task.id = task_id;
                log(
                    self.conn, now, self.actor, "task", task_id.0, "created", &task,
                )?;
                run.tasks.push(task);
            }
            p.reminded_at = Some(now);
            store::update_promise(self.conn, &p)?;
            let data = json!({ "due_at": p.due_at, "task_id": task_id });
            log(
                self.conn, now, self.actor, "promise", p.id.0, "reminded", &data,
            )?;
            run.promises_reminded.push(p.id);
        }
        for mut p in store::promises_overdue(self.conn, now)? {
            p.status = PromiseStatus::Broken;
            p.closed_at = Some(now);
            store::update_promise(self.conn, &p)?;
            let data = json!({ "due_at": p.due_at, "manager_id": p.manager_id });
            log(
                self.conn, now, self.actor, "promise", p.id.0, "broken", &data,
            )?;
            run.promises_broken.push(p.id);
        }
        Ok(())
    }
}
