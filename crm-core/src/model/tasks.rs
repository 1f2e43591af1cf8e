//! Tasks people add and complete, and a manager's agenda.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ActivityKind, ClientId, DealId, Direction, LeadId, ManagerId, Task};

/// A task to add by hand (rules and `run_due` make theirs themselves).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewTask {
    /// What kind, as a code: `call_back`, `send_offer`, `visit`, `reactivate` … (lower-case letters,
    /// digits and `_`).
    pub kind: String,
    /// What to do, for people.
    pub title: String,
    /// Who must do it (none: nobody yet; it then is on no agenda).
    pub manager_id: Option<ManagerId>,
    /// The client it is about.
    pub client_id: Option<ClientId>,
    /// The lead it is about.
    pub lead_id: Option<LeadId>,
    /// The deal it is about.
    pub deal_id: Option<DealId>,
    /// When it is due (none: undated).
    pub due_at: Option<DateTime<Utc>>,
}

/// What came of a task, recorded as an activity when it is completed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompleteTask {
    /// What came of it (required): `reached, will order next week`, `no answer` …
    pub outcome: String,
    /// A longer note, kept as the activity's body.
    pub note: Option<String>,
    /// The kind of the activity recorded; by default a call for a task that is a call (`call_back`,
    /// `call`, `reactivate`, `promise`, `complaint_escalation`, `sla_escalation`, `queued_lead`), a
    /// meeting for `visit`/`meeting`, a document for `send_offer`, a note otherwise.
    pub activity_kind: Option<ActivityKind>,
    /// Who started the contact (by default out: we act on our own task); ignored for a note.
    pub direction: Option<Direction>,
}

/// A manager's agenda at a moment: open tasks, most urgent first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agenda {
    /// Whose.
    pub manager_id: ManagerId,
    /// When it was read.
    pub now: DateTime<Utc>,
    /// Due before `now`: the longest overdue first (due ascending, then id).
    pub overdue: Vec<Task>,
    /// Due from `now` to the end of the manager's calendar day: due ascending, then id.
    pub today: Vec<Task>,
    /// Due after today, within the next 7 days (until the end of the 7th calendar day after today):
    /// due ascending, then id.
    pub upcoming: Vec<Task>,
    /// Open tasks with no due time, by id.
    pub undated: Vec<Task>,
}
