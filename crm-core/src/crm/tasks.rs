//! Tasks people add, reschedule and complete, and a manager's agenda (ordered by
//! [`crate::retention::agenda`]).

use chrono::{DateTime, Days, Utc};
use serde_json::json;

use super::{Crm, Session, Transaction, load_deal, load_lead, load_manager, log, require_client};
use crate::error::{Error, Result};
use crate::model::{
    ActivityKind, Agenda, CompleteTask, Direction, ManagerId, NewActivity, NewTask, Task, TaskId,
    TaskStatus,
};
use crate::retention::agenda::{self, Bounds, UPCOMING_DAYS};
use crate::store::distribution as store;
use crate::validate;

super::facade! {
    writes {
        /// Adds a task (call back, send offer, visit, reactivate …) for a manager, about a client, lead
        /// or deal, due at a time or undated. `kind` is a code (lowercase letters, digits, `_`), `title`
        /// is required; the manager, client, lead and deal given must exist, and a lead's or deal's
        /// client must be the client given (the client defaults to theirs). The event is `created` on
        /// the task.
        fn add_task(new: NewTask, at: DateTime<Utc>) -> Task;
        /// Completes an open task: records its outcome as an activity on its client, lead or deal by
        /// its manager (through [`Crm::log_activity`], so a first response to a lead counts), then marks
        /// it done with the outcome and the activity's id; one transaction. The activity's kind
        /// defaults by the task's kind (see [`CompleteTask::activity_kind`]), its direction to out, its
        /// subject is the task's title, its outcome the outcome, its body the note. A task linked to
        /// nothing is done without an activity. `outcome` is required; a task already done or
        /// cancelled is an invalid transition. The event is `completed` on the task.
        fn complete_task(id: TaskId, done: CompleteTask, at: DateTime<Utc>) -> Task;
        /// Moves an open task's due time (or removes it with `None`). The event is `rescheduled` on
        /// the task, with the old and new due times; the same due time again writes nothing.
        fn reschedule_task(id: TaskId, due_at: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Task;
    }
    reads {
        /// A manager's agenda at `now`: open tasks overdue (the longest overdue first), due today (the
        /// manager's calendar day: its own calendar, else the store's, else UTC), upcoming (the next 7
        /// days) and undated; see [`crate::retention::agenda`] for the order. Not found for an unknown
        /// manager.
        fn agenda(manager: ManagerId, now: DateTime<Utc>) -> Agenda;
    }
}

/// The activity a completed task of `kind` records by default: a call for what is done by phone, a
/// meeting for a visit, a document for an offer sent, a note for anything else.
pub(crate) fn default_activity_kind(kind: &str) -> ActivityKind {
    match kind {
        "call_back"
        | "call"
        | "reactivate"
        | "promise"
        | "complaint_escalation"
        | "sla_escalation"
        | "queued_lead"
        | "follow_up" => ActivityKind::Call,
        "visit" | "meeting" => ActivityKind::Meeting,
        "send_offer" | "offer" => ActivityKind::Document,
        _ => ActivityKind::Note,
    }
}

impl Session<'_> {
    pub(crate) fn add_task(&self, new: NewTask, at: DateTime<Utc>) -> Result<Task> {
        let at = validate::time("at", at)?;
        let kind = validate::code("kind", &new.kind)?;
        let title = validate::required("title", &new.title)?;
        let due_at = new
            .due_at
            .map(|d| validate::time("due_at", d))
            .transpose()?;
        let conn = self.conn;
        if let Some(m) = new.manager_id {
            load_manager(conn, m)?;
        }
        if let Some(c) = new.client_id {
            require_client(conn, c)?;
        }
        let lead_client = match new.lead_id {
            Some(id) => load_lead(conn, id)?.client_id,
            None => None,
        };
        let deal_client = match new.deal_id {
            Some(id) => Some(load_deal(conn, id)?.client_id),
            None => None,
        };
        let mut client = new.client_id;
        for (field, other) in [("lead_id", lead_client), ("deal_id", deal_client)] {
            match (client, other) {
                (Some(a), Some(b)) if a != b => {
                    return Err(Error::validation(field, "belongs to another client"));
                }
                (None, Some(b)) => client = Some(b),
                _ => {}
            }
        }
        let mut task = Task {
            manager_id: new.manager_id,
            client_id: client,
            lead_id: new.lead_id,
            deal_id: new.deal_id,
            due_at,
            ..Task::new(kind, title, at)
        };
        task.id = store::insert_task(conn, &task)?
            .ok_or_else(|| Error::Corrupt("a task without an origin was not inserted".into()))?;
        log(conn, at, self.actor, "task", task.id.0, "created", &task)?;
        Ok(task)
    }

    fn open_task(&self, id: TaskId, to: TaskStatus) -> Result<Task> {
        let task = self.get_task(id)?;
        if task.status != TaskStatus::Open {
            return Err(Error::InvalidTransition {
                entity: "task",
                from: task.status.to_string(),
                to: to.to_string(),
            });
        }
        Ok(task)
    }

    pub(crate) fn complete_task(
        &self,
        id: TaskId,
        done: CompleteTask,
        at: DateTime<Utc>,
    ) -> Result<Task> {
        let at = validate::time("at", at)?;
        let outcome = validate::required("outcome", &done.outcome)?;
        let note = validate::optional_long("note", done.note.as_deref())?;
        let mut task = self.open_task(id, TaskStatus::Done)?;
        if at < task.created_at {
            return Err(Error::validation(
                "at",
                "must not be before the task was created",
            ));
        }
        let linked = task.client_id.is_some() || task.lead_id.is_some() || task.deal_id.is_some();
        if linked {
            let kind = done
                .activity_kind
                .unwrap_or_else(|| default_activity_kind(&task.kind));
            let activity = self.log_activity(
                NewActivity {
                    lead_id: task.lead_id,
                    client_id: task.client_id,
                    deal_id: task.deal_id,
                    manager_id: task.manager_id,
                    subject: Some(task.title.clone()),
                    body: note.clone(),
                    outcome: Some(outcome.clone()),
                    ..NewActivity::new(kind, Some(done.direction.unwrap_or(Direction::Out)))
                },
                at,
            )?;
            task.activity_id = Some(activity.id);
        }
        task.status = TaskStatus::Done;
        task.closed_at = Some(at);
        task.outcome = Some(outcome);
        store::close_task(self.conn, &task)?;
        log(
            self.conn,
            at,
            self.actor,
            "task",
            id.0,
            "completed",
            &json!({ "outcome": task.outcome, "note": note, "activity_id": task.activity_id }),
        )?;
        Ok(task)
    }

    pub(crate) fn reschedule_task(
        &self,
        id: TaskId,
        due_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<Task> {
        let at = validate::time("at", at)?;
        let due_at = due_at.map(|d| validate::time("due_at", d)).transpose()?;
        let mut task = self.open_task(id, TaskStatus::Open)?;
        if task.due_at == due_at {
            return Ok(task);
        }
        let old = task.due_at;
        task.due_at = due_at;
        store::set_task_due(self.conn, id, due_at.as_ref())?;
        log(
            self.conn,
            at,
            self.actor,
            "task",
            id.0,
            "rescheduled",
            &json!({ "from": old, "to": due_at }),
        )?;
        Ok(task)
    }

    pub(crate) fn agenda(&self, manager: ManagerId, now: DateTime<Utc>) -> Result<Agenda> {
        let now = validate::time("now", now)?;
        load_manager(self.conn, manager)?;
        let calendar = self.calendar_in_force(Some(manager))?;
        let today = calendar.local_date(now);
        let today_ends = calendar.day_bounds(today).1;
        let upcoming_ends = today
            .checked_add_days(Days::new(UPCOMING_DAYS))
            .map_or(today_ends, |d| calendar.day_bounds(d).1);
        let tasks = store::agenda_tasks(self.conn, manager, &upcoming_ends)?;
        Ok(agenda::agenda(
            manager,
            now,
            Bounds {
                today_ends,
                upcoming_ends,
            },
            tasks,
        ))
    }
}
