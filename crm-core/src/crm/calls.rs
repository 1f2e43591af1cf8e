//! Telephony: the port an IP PBX bridge calls with every call event, the set-up it needs (extensions of
//! managers, lines with their marketing source and call-back deadline), and the call report.
//!
//! What a call becomes:
//! - The outside number is read as a phone in the store's default country (see
//!   [`crate::dedup::normalize::phone_in`]) and matched through the clients' matching keys to a client
//!   (several clients with the number: the lowest id), else to the newest open lead with that phone,
//!   else it is unknown.
//! - An answered call (inbound or outbound) becomes one `call` activity when it ends (so it carries the
//!   duration; the recording reference goes in the activity's `document_ref`), on the lead or else the
//!   client, by the manager of the extension (else the owner), through [`Crm::log_activity`], so an
//!   outbound call is a lead's first response. An answered call from an unknown number makes no
//!   activity and no lead: the manager who took it knows whether it was a request (and captures it).
//! - An inbound call that is missed (`missed`, or `finished` without `answered`) must be called back
//!   within the line's `callback_within` of working time in the owner's calendar: from an unknown
//!   number it becomes a lead (channel phone, the line's source) whose first-response deadline is that
//!   time; from a client or an open lead, a `call_back` task for its owner due then. A missed call from
//!   a number, client or lead that already waits for a call-back makes nothing new: it is linked to the
//!   first (`linked_to`) and shares its deadline and task.
//! - A later outbound call to the number, client or lead (answered or not), or an outbound call activity
//!   logged on the client or lead, is the call-back: the waiting calls get `called_back_at` (event
//!   `called_back`) and their open task is done.
//! - Each (call id, event) is applied once: a repeat returns the call as stored and writes nothing.
//!   Events may come in any order: the earliest time seen is the start; `answered` arriving after the
//!   call was taken as missed corrects it (completed, the activity logged, its own call-back task
//!   cancelled; a lead it made stays).
//! - An extension no manager has is kept on the call without a manager (strict mode refuses it with a
//!   validation error naming `extension`): a PBX bridge cannot fix it and a call must not be lost.

use chrono::{DateTime, Timelike, Utc};
use serde_json::json;

use super::{Crm, Session, Transaction, load_client, load_lead, load_manager, log, require_source};
use crate::calendar::{self, Calendar};
use crate::dedup::normalize;
use crate::error::{Error, Result};
use crate::model::{
    ActivityKind, Call, CallEvent, CallEventKind, CallFigures, CallId, CallQuery, CallReport,
    CallReportQuery, CallReportRow, CallStatus, Channel, Direction, LeadStatus, ManagerId,
    NewActivity, NewLead, NewPhoneLine, PhoneExtension, PhoneLine, Task, TaskStatus,
};
use crate::store::{calls as store, dedup, distribution as tasks, leads};
use crate::validate;

super::facade! {
    writes {
        /// Gives an extension to a manager (active); an extension belongs to one manager, so setting it
        /// again moves it (the same manager again changes nothing). The event is `phone_extension_set` on
        /// `settings` (data: the extension).
        fn set_phone_extension(manager: ManagerId, extension: &str, at: DateTime<Utc>) -> PhoneExtension;
        /// Removes an extension (event `phone_extension_removed` on `settings`); returns what it was.
        /// Not found when nobody has it. Calls already recorded keep their manager.
        fn remove_phone_extension(extension: &str, at: DateTime<Utc>) -> PhoneExtension;
        /// Sets up a line (or replaces its set-up): its marketing source (must exist) and its call-back
        /// deadline in working time (`1h` when left out). The event is `phone_line_set` on `settings`.
        fn set_phone_line(line: NewPhoneLine, at: DateTime<Utc>) -> PhoneLine;
        /// Records one event of a call from the PBX (see the module documentation for what a call
        /// becomes). The event carries its own time. Validation errors name the field: an empty
        /// `call_id` or `caller`, a `caller` that is not a phone number, a negative `duration_seconds`.
        /// The same call id with another caller or direction is a conflict. Events on the call:
        /// `created`, `answered`, `missed`, `completed`, `updated`, and `called_back` on the missed
        /// calls an outbound call answers.
        fn record_call(event: CallEvent) -> Call;
    }
    reads {
        /// Every extension, by extension.
        fn list_phone_extensions() -> Vec<PhoneExtension>;
        /// Every line set up, by line.
        fn list_phone_lines() -> Vec<PhoneLine>;
        /// One call.
        fn get_call(id: CallId) -> Call;
        /// A page of calls, by id; every filter given must hold.
        fn list_calls(query: &CallQuery) -> Vec<Call>;
        /// Inbound calls started in `[start, end)` by line and hour of the day (in the store calendar's
        /// time zone; UTC without one): calls, answered, missed, and of the missed ones those called
        /// back by their deadline, later, or not (yet); the answer rate and the median wait to answer.
        /// A call-back is the first of `called_back_at` and an outbound call activity on the call's
        /// client or lead after it started. `end` not after `start` is a validation error naming `end`.
        fn call_report(query: &CallReportQuery) -> CallReport;
    }
}

/// The call-back deadline of a line not set up.
const DEFAULT_CALLBACK: &str = "1h";

/// A line's `callback_within`: a duration of more than zero.
fn callback_within(text: Option<&str>) -> Result<String> {
    let text = validate::optional("callback_within", text)?;
    let text = text.unwrap_or_else(|| DEFAULT_CALLBACK.to_string());
    let amount = calendar::parse_duration("callback_within", &text)?;
    if amount <= chrono::TimeDelta::zero() {
        return Err(Error::validation(
            "callback_within",
            "must be more than zero",
        ));
    }
    Ok(text)
}

fn is_open(status: LeadStatus) -> bool {
    matches!(
        status,
        LeadStatus::New | LeadStatus::InProgress | LeadStatus::Qualified
    )
}

/// The kind of event logged for a call whose status changed from `from` to `to`.
fn status_event(from: CallStatus, to: CallStatus) -> &'static str {
    match (from, to) {
        (a, b) if a == b => "updated",
        (_, CallStatus::Answered) => "answered",
        (_, CallStatus::Missed) => "missed",
        (_, CallStatus::Completed) => "completed",
        (_, CallStatus::Ringing) => "updated",
    }
}

impl Session<'_> {
    // --- set-up --------------------------------------------------------------------------------------
    pub(crate) fn set_phone_extension(
        &self,
        manager: ManagerId,
        extension: &str,
        at: DateTime<Utc>,
    ) -> Result<PhoneExtension> {
        let at = validate::time("at", at)?;
        let extension = validate::required("extension", extension)?;
        if !load_manager(self.conn, manager)?.active {
            return Err(Error::validation(
                "manager",
                format!("manager {manager} is not active"),
            ));
        }
        if let Some(stored) = store::extension_by(self.conn, &extension)? {
            if stored.manager_id == manager {
                return Ok(stored);
            }
        }
        let ext = PhoneExtension {
            extension,
            manager_id: manager,
            set_at: at,
        };
        store::put_extension(self.conn, &ext)?;
        log(
            self.conn,
            at,
            self.actor,
            "settings",
            0,
            "phone_extension_set",
            &ext,
        )?;
        Ok(ext)
    }

    pub(crate) fn remove_phone_extension(
        &self,
        extension: &str,
        at: DateTime<Utc>,
    ) -> Result<PhoneExtension> {
        let at = validate::time("at", at)?;
        let extension = validate::required("extension", extension)?;
        let stored = store::extension_by(self.conn, &extension)?
            .ok_or_else(|| Error::not_found("phone extension", &extension))?;
        store::delete_extension(self.conn, &extension)?;
        log(
            self.conn,
            at,
            self.actor,
            "settings",
            0,
            "phone_extension_removed",
            &stored,
        )?;
        Ok(stored)
    }

    pub(crate) fn set_phone_line(&self, new: NewPhoneLine, at: DateTime<Utc>) -> Result<PhoneLine> {
        let at = validate::time("at", at)?;
        let line = validate::required("line", &new.line)?;
        let within = callback_within(new.callback_within.as_deref())?;
        if let Some(source) = new.source_id {
            require_source(self.conn, source)?;
        }
        let line = PhoneLine {
            line,
            source_id: new.source_id,
            callback_within: within,
            set_at: at,
        };
        store::put_line(self.conn, &line)?;
        log(
            self.conn,
            at,
            self.actor,
            "settings",
            0,
            "phone_line_set",
            &line,
        )?;
        Ok(line)
    }

    pub(crate) fn list_phone_extensions(&self) -> Result<Vec<PhoneExtension>> {
        store::extensions(self.conn)
    }

    pub(crate) fn list_phone_lines(&self) -> Result<Vec<PhoneLine>> {
        store::lines(self.conn)
    }

    pub(crate) fn get_call(&self, id: CallId) -> Result<Call> {
        store::by_id(self.conn, id)?.ok_or_else(|| Error::not_found("call", id))
    }

    pub(crate) fn list_calls(&self, query: &CallQuery) -> Result<Vec<Call>> {
        store::list(self.conn, query)
    }

    // --- events --------------------------------------------------------------------------------------
    pub(crate) fn record_call(&self, event: CallEvent) -> Result<Call> {
        let at = validate::time("at", event.at)?;
        let call_id = validate::required("call_id", &event.call_id)?;
        let caller = validate::required("caller", &event.caller)?;
        let line = validate::optional("line", event.line.as_deref())?;
        let extension = validate::optional("extension", event.extension.as_deref())?;
        let recording = validate::optional_long("recording", event.recording.as_deref())?;
        if let Some(seconds) = event.duration_seconds {
            if !(0..=i64::from(u32::MAX)).contains(&seconds) {
                return Err(Error::validation(
                    "duration_seconds",
                    "must be between 0 and 4294967295",
                ));
            }
        }
        let conn = self.conn;
        let settings = dedup::settings(conn)?;
        let norm = normalize::phone_in(&caller, &settings.default_country)
            .normal
            .ok_or_else(|| Error::validation("caller", "is not a phone number"))?;
        let stored = store::by_call_id(conn, &call_id)?;
        if let Some(call) = &stored {
            if call.caller != caller || call.direction != event.direction {
                return Err(Error::Conflict(format!(
                    "call_id {call_id} is already call {} with another caller or direction",
                    call.id
                )));
            }
            if store::event_seen(conn, call.id, event.event)? {
                return Ok(call.clone());
            }
        }
        let manager = match &extension {
            Some(ext) => match store::manager_of(conn, ext)? {
                Some(m) => Some(m),
                None if self.strict => {
                    return Err(Error::validation(
                        "extension",
                        "no manager has this extension",
                    ));
                }
                None => None,
            },
            None => None,
        };
        let created = stored.is_none();
        let mut call = match stored {
            Some(call) => call,
            None => {
                let client_id = match dedup::clients_with_key(
                    conn,
                    &crate::dedup::matching::phone_key(&norm),
                    settings.key_limit,
                )? {
                    Some(ids) => ids.first().copied(),
                    None => None,
                };
                let lead_id = match client_id {
                    Some(_) => None,
                    None => store::open_lead_by_phone(conn, &norm)?,
                };
                let mut call = Call {
                    id: CallId(0),
                    call_id,
                    direction: event.direction,
                    caller,
                    line: line.clone(),
                    extension: extension.clone(),
                    manager_id: manager,
                    status: CallStatus::Ringing,
                    started_at: at,
                    answered_at: None,
                    ended_at: None,
                    duration_seconds: None,
                    recording: None,
                    client_id,
                    lead_id,
                    activity_id: None,
                    task_id: None,
                    callback_due: None,
                    called_back_at: None,
                    linked_to: None,
                };
                call.id = store::insert(conn, &call, Some(&norm))?;
                if call.direction == Direction::Out {
                    self.mark_called_back(&call, &norm, at)?;
                }
                call
            }
        };
        let before = call.clone();
        store::mark_event(conn, call.id, event.event, &at)?;
        if call.line.is_none() {
            call.line = line;
        }
        if let Some(ext) = extension {
            if manager.is_some() || call.extension.is_none() {
                call.extension = Some(ext);
                call.manager_id = manager;
            }
        }
        if event.duration_seconds.is_some() {
            call.duration_seconds = event.duration_seconds;
        }
        if recording.is_some() {
            call.recording = recording;
        }
        call.started_at = call.started_at.min(at);
        match (event.event, call.status) {
            (CallEventKind::Started, _) => {}
            (CallEventKind::Answered, CallStatus::Ringing) => {
                call.answered_at = Some(at);
                call.status = CallStatus::Answered;
            }
            (CallEventKind::Answered, CallStatus::Missed) => {
                // The PBX took it as missed (an early `finished`), then says it was answered.
                call.answered_at = Some(at);
                call.status = CallStatus::Completed;
                self.undo_missed(&mut call, at)?;
                self.log_call_activity(&mut call)?;
            }
            (CallEventKind::Answered, _) => {
                call.answered_at = call.answered_at.or(Some(at));
            }
            (CallEventKind::Missed, CallStatus::Ringing) => {
                call.ended_at = Some(at);
                call.status = CallStatus::Missed;
                self.on_missed(&mut call, &norm, at)?;
            }
            (CallEventKind::Missed, _) => {}
            (CallEventKind::Finished, CallStatus::Answered) => {
                call.ended_at = Some(at);
                call.status = CallStatus::Completed;
                self.log_call_activity(&mut call)?;
            }
            (CallEventKind::Finished, CallStatus::Ringing) => {
                call.ended_at = Some(at);
                call.status = CallStatus::Missed;
                self.on_missed(&mut call, &norm, at)?;
            }
            (CallEventKind::Finished, _) => {
                call.ended_at = Some(call.ended_at.map_or(at, |e| e.max(at)));
            }
        }
        if created || call != before {
            store::update(conn, &call)?;
        }
        if created {
            log(conn, at, self.actor, "call", call.id.0, "created", &call)?;
        } else if call != before {
            let kind = status_event(before.status, call.status);
            log(conn, at, self.actor, "call", call.id.0, kind, &call)?;
        }
        Ok(call)
    }

    /// The line's set-up, or the defaults of a line not set up.
    fn line_of(&self, call: &Call) -> Result<PhoneLine> {
        let stored = match &call.line {
            Some(line) => store::line_by(self.conn, line)?,
            None => None,
        };
        Ok(stored.unwrap_or_else(|| PhoneLine {
            line: call.line.clone().unwrap_or_default(),
            source_id: None,
            callback_within: DEFAULT_CALLBACK.into(),
            set_at: call.started_at,
        }))
    }

    /// Whether a missed call still waits for its call-back: not called back by a call or an activity,
    /// and its task (if any) still open.
    fn still_waiting(&self, call: &Call) -> Result<bool> {
        if call.called_back_at.is_some() || call.callback_due.is_none() {
            return Ok(false);
        }
        if store::first_callback_activity(
            self.conn,
            call.client_id,
            call.lead_id,
            &call.started_at,
        )?
        .is_some()
        {
            return Ok(false);
        }
        if let Some(task) = call.task_id {
            if let Some(task) = tasks::task_by_id(self.conn, task)? {
                return Ok(task.status == TaskStatus::Open);
            }
        }
        if let Some(lead) = call.lead_id {
            return Ok(is_open(load_lead(self.conn, lead)?.status));
        }
        Ok(true)
    }

    /// What a missed inbound call makes: a link to a call-back already waiting, or a call-back task
    /// (known client or open lead), or a lead (unknown number).
    fn on_missed(&self, call: &mut Call, norm: &str, at: DateTime<Utc>) -> Result<()> {
        if call.direction == Direction::Out {
            return Ok(());
        }
        let conn = self.conn;
        let waiting = store::waiting(conn, Some(norm), call.client_id, call.lead_id, &at)?;
        for first in waiting {
            if first.id == call.id || first.linked_to.is_some() || !self.still_waiting(&first)? {
                continue;
            }
            call.linked_to = Some(first.id);
            call.callback_due = first.callback_due;
            call.task_id = first.task_id;
            call.client_id = call.client_id.or(first.client_id);
            call.lead_id = call.lead_id.or(first.lead_id);
            return Ok(());
        }
        let line = self.line_of(call)?;
        let on_line = match &call.line {
            Some(l) => format!(" on line {l}"),
            None => String::new(),
        };
        let (owner, client, lead) = match (call.client_id, call.lead_id) {
            (Some(client), _) => (load_client(conn, client)?.owner_id, Some(client), None),
            (None, Some(lead)) => {
                let lead = load_lead(conn, lead)?;
                (lead.owner_id, lead.client_id, Some(lead.id))
            }
            (None, None) => {
                let mut new = NewLead::new(Channel::Phone);
                new.source_id = line.source_id;
                new.phone = Some(call.caller.clone());
                new.need = Some(format!("missed call{on_line}"));
                let mut lead = self.capture_lead(new, at)?.lead;
                let due = self.working_deadline(lead.owner_id, at, &line.callback_within)?;
                lead.first_response_due = Some(due);
                lead.updated_at = at;
                leads::update(conn, &lead)?;
                log(
                    conn,
                    at,
                    self.actor,
                    "lead",
                    lead.id.0,
                    "call_back_due",
                    &json!({ "call_id": call.id, "first_response_due": due }),
                )?;
                call.lead_id = Some(lead.id);
                call.callback_due = Some(due);
                return Ok(());
            }
        };
        let due = self.working_deadline(owner, at, &line.callback_within)?;
        let task = Task {
            manager_id: owner,
            client_id: client,
            lead_id: lead,
            due_at: Some(due),
            origin: Some(format!("call:{}", call.id)),
            ..Task::new(
                "call_back",
                format!("Call back {}: missed call{on_line}", call.caller),
                at,
            )
        };
        let mut task = task;
        if let Some(id) = tasks::insert_task(conn, &task)? {
            task.id = id;
            log(conn, at, self.actor, "task", id.0, "created", &task)?;
            call.task_id = Some(id);
        } else if let Some(stored) = tasks::task_by_origin(conn, &format!("call:{}", call.id))? {
            call.task_id = Some(stored.id);
        }
        call.callback_due = Some(due);
        Ok(())
    }

    /// A call taken as missed turned out answered: its own call-back task is cancelled and it waits
    /// for no call-back.
    fn undo_missed(&self, call: &mut Call, at: DateTime<Utc>) -> Result<()> {
        if call.linked_to.is_none() {
            if let Some(id) = call.task_id {
                if let Some(mut task) = tasks::task_by_id(self.conn, id)? {
                    if task.status == TaskStatus::Open {
                        task.status = TaskStatus::Cancelled;
                        task.closed_at = Some(at.max(task.created_at));
                        task.outcome = Some("the call was answered after all".into());
                        tasks::close_task(self.conn, &task)?;
                        log(
                            self.conn,
                            at,
                            self.actor,
                            "task",
                            id.0,
                            "cancelled",
                            &json!({ "reason": task.outcome }),
                        )?;
                    }
                }
            }
        }
        call.callback_due = None;
        call.task_id = None;
        call.linked_to = None;
        Ok(())
    }

    /// An answered call that ended becomes one call activity on its lead or client.
    fn log_call_activity(&self, call: &mut Call) -> Result<()> {
        if call.activity_id.is_some() || (call.client_id.is_none() && call.lead_id.is_none()) {
            return Ok(());
        }
        let owner = match (call.lead_id, call.client_id) {
            (Some(lead), _) => load_lead(self.conn, lead)?.owner_id,
            (None, Some(client)) => load_client(self.conn, client)?.owner_id,
            (None, None) => None,
        };
        let mut new = NewActivity::new(ActivityKind::Call, Some(call.direction));
        match call.lead_id {
            Some(lead) => new.lead_id = Some(lead),
            None => new.client_id = call.client_id,
        }
        new.manager_id = call.manager_id.or(owner);
        new.subject = Some(match (call.direction, &call.line) {
            (Direction::In, Some(line)) => {
                format!("Inbound call from {} on line {line}", call.caller)
            }
            (Direction::In, None) => format!("Inbound call from {}", call.caller),
            (Direction::Out, _) => format!("Outbound call to {}", call.caller),
        });
        new.duration_seconds = call.duration_seconds.and_then(|d| u32::try_from(d).ok());
        new.document_ref = call.recording.clone();
        let at = call.answered_at.unwrap_or(call.started_at);
        let activity = self.log_activity(new, at)?;
        call.activity_id = Some(activity.id);
        Ok(())
    }

    /// An outbound call is the call-back of the missed calls waiting from its number, client or lead.
    fn mark_called_back(&self, out: &Call, norm: &str, at: DateTime<Utc>) -> Result<()> {
        let conn = self.conn;
        for mut missed in store::waiting(conn, Some(norm), out.client_id, out.lead_id, &at)? {
            missed.called_back_at = Some(at);
            store::update(conn, &missed)?;
            log(
                conn,
                at,
                self.actor,
                "call",
                missed.id.0,
                "called_back",
                &json!({ "by_call": out.id, "called_back_at": at }),
            )?;
            let Some(id) = missed.task_id else { continue };
            let Some(mut task) = tasks::task_by_id(conn, id)? else {
                continue;
            };
            if task.status == TaskStatus::Open {
                task.status = TaskStatus::Done;
                task.closed_at = Some(at.max(task.created_at));
                task.outcome = Some(format!("called back (call {})", out.id));
                tasks::close_task(conn, &task)?;
                log(
                    conn,
                    at,
                    self.actor,
                    "task",
                    id.0,
                    "completed",
                    &json!({ "outcome": task.outcome }),
                )?;
            }
        }
        Ok(())
    }

    // --- report --------------------------------------------------------------------------------------
    pub(crate) fn call_report(&self, query: &CallReportQuery) -> Result<CallReport> {
        let start = validate::time("start", query.start)?;
        let end = validate::time("end", query.end)?;
        if end <= start {
            return Err(Error::validation("end", "must be after start"));
        }
        let line = validate::optional("line", query.line.as_deref())?;
        let conn = self.conn;
        let calendar = match tasks::store_calendar(conn)? {
            Some(spec) => Calendar::parse(&spec)?,
            None => Calendar::always(),
        };
        let calls = store::inbound_between(conn, &start, &end, line.as_deref())?;
        let mut groups: std::collections::BTreeMap<(bool, Option<String>, u32), Tally> =
            std::collections::BTreeMap::new();
        let mut total = Tally::default();
        for call in calls {
            let hour = calendar.local_time(call.started_at).hour();
            let outcome = self.outcome_of(&call)?;
            let key = (call.line.is_none(), call.line.clone(), hour);
            groups.entry(key).or_default().add(&call, outcome);
            total.add(&call, outcome);
        }
        let rows = groups
            .into_iter()
            .map(|((_, line, hour), tally)| CallReportRow {
                line,
                hour,
                figures: tally.figures(),
            })
            .collect();
        Ok(CallReport {
            rows,
            total: total.figures(),
        })
    }

    /// How a missed call was called back (none for a call not missed).
    fn outcome_of(&self, call: &Call) -> Result<Option<Callback>> {
        if call.status != CallStatus::Missed {
            return Ok(None);
        }
        let by_activity = store::first_callback_activity(
            self.conn,
            call.client_id,
            call.lead_id,
            &call.started_at,
        )?;
        let back = match (call.called_back_at, by_activity) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(Some(match (back, call.callback_due) {
            (None, _) => Callback::Not,
            (Some(back), Some(due)) if back > due => Callback::Late,
            (Some(_), _) => Callback::InTime,
        }))
    }
}

/// What became of a missed call.
#[derive(Clone, Copy)]
enum Callback {
    InTime,
    Late,
    Not,
}

#[derive(Default)]
struct Tally {
    calls: u64,
    answered: u64,
    missed: u64,
    in_time: u64,
    late: u64,
    not: u64,
    waits: Vec<i64>,
}

impl Tally {
    fn add(&mut self, call: &Call, outcome: Option<Callback>) {
        self.calls += 1;
        match call.status {
            CallStatus::Answered | CallStatus::Completed => {
                self.answered += 1;
                if let Some(answered) = call.answered_at {
                    self.waits
                        .push((answered - call.started_at).num_seconds().max(0));
                }
            }
            CallStatus::Missed => self.missed += 1,
            CallStatus::Ringing => {}
        }
        match outcome {
            Some(Callback::InTime) => self.in_time += 1,
            Some(Callback::Late) => self.late += 1,
            Some(Callback::Not) => self.not += 1,
            None => {}
        }
    }

    fn figures(mut self) -> CallFigures {
        self.waits.sort_unstable();
        let median = match self.waits.len() {
            0 => None,
            n => self.waits.get((n - 1) / 2).copied(),
        };
        #[allow(clippy::cast_precision_loss)]
        let rate = (self.calls > 0).then(|| self.answered as f64 / self.calls as f64);
        CallFigures {
            calls: self.calls,
            answered: self.answered,
            missed: self.missed,
            called_back_in_time: self.in_time,
            called_back_late: self.late,
            not_called_back: self.not,
            answer_rate: rate,
            median_wait_seconds: median,
        }
    }
}
