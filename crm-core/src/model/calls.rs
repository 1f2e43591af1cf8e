//! Telephony: the events an IP PBX sends about calls, the calls they make, the set-up (which extension
//! is which manager, what each line is) and the call report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ActivityId, ClientId, Direction, LeadId, ManagerId, Page, SourceId, TaskId, code_enum,
};

/// Id of a [`Call`] (the store's own number; the PBX's is [`Call::call_id`]).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct CallId(pub i64);

impl std::fmt::Display for CallId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<i64> for CallId {
    fn from(id: i64) -> Self {
        CallId(id)
    }
}

code_enum!(
    /// What happened to a call, as the PBX tells it.
    CallEventKind, "event" {
        /// It started ringing (inbound) or dialling (outbound).
        Started = "started",
        /// Someone picked up.
        Answered = "answered",
        /// Nobody picked up (the PBX gave up on it).
        Missed = "missed",
        /// It ended (after an answer or without one).
        Finished = "finished",
    }
);

code_enum!(
    /// Where a call stands.
    CallStatus, "status" {
        /// Started, not yet answered nor given up.
        Ringing = "ringing",
        /// Answered and not yet finished.
        Answered = "answered",
        /// Not answered.
        Missed = "missed",
        /// Answered and finished.
        Completed = "completed",
    }
);

fn inbound() -> Direction {
    Direction::In
}

/// One event from the PBX. In JSON `call_id`, `event`, `at` and `caller` are required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallEvent {
    /// The PBX's id of the call (its unique id / linked id): every event of one call carries it.
    pub call_id: String,
    /// What happened.
    pub event: CallEventKind,
    /// When it happened (the event carries its own time).
    pub at: DateTime<Utc>,
    /// Inbound (the default) or outbound.
    #[serde(default = "inbound")]
    pub direction: Direction,
    /// The outside party's number, for both directions (who called in, or who was called).
    pub caller: String,
    /// The line (the company's number or trunk name) the call came in on or went out by.
    #[serde(default)]
    pub line: Option<String>,
    /// The manager's internal extension that answered or dialled.
    #[serde(default)]
    pub extension: Option<String>,
    /// How long the conversation lasted, in seconds (with `finished`).
    #[serde(default)]
    pub duration_seconds: Option<i64>,
    /// Where the recording is (a file name or URL), with `finished`.
    #[serde(default)]
    pub recording: Option<String>,
}

/// A call as recorded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// Id.
    pub id: CallId,
    /// The PBX's id of the call.
    pub call_id: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The outside party's number as the PBX sent it.
    pub caller: String,
    /// The line.
    pub line: Option<String>,
    /// The extension that answered or dialled.
    pub extension: Option<String>,
    /// The manager of that extension (none: no extension, or an extension nobody has).
    pub manager_id: Option<ManagerId>,
    /// Ringing, answered, missed or completed.
    pub status: CallStatus,
    /// When it started (the earliest event time known).
    pub started_at: DateTime<Utc>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Conversation length in seconds.
    pub duration_seconds: Option<i64>,
    /// Recording reference.
    pub recording: Option<String>,
    /// The client the number belongs to.
    pub client_id: Option<ClientId>,
    /// The lead the number belongs to (an open lead with that phone, or the lead a missed call made).
    pub lead_id: Option<LeadId>,
    /// The activity an answered call became.
    pub activity_id: Option<ActivityId>,
    /// The call-back task a missed call made (or shares with an earlier missed call).
    pub task_id: Option<TaskId>,
    /// By when a missed inbound call must be called back.
    pub callback_due: Option<DateTime<Utc>>,
    /// When it was called back (the first outbound call to the number, client or lead after it).
    pub called_back_at: Option<DateTime<Utc>>,
    /// The earlier missed call whose call-back this one shares (a second missed call from the same
    /// number while the first was still waiting for its call-back).
    pub linked_to: Option<CallId>,
}

/// Which calls to list: every filter given must hold; by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallQuery {
    /// Calls of this client.
    pub client_id: Option<ClientId>,
    /// Calls of this lead.
    pub lead_id: Option<LeadId>,
    /// On this line.
    pub line: Option<String>,
    /// In this status.
    pub status: Option<CallStatus>,
    /// Which page.
    pub page: Page,
}

/// A manager's internal extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneExtension {
    /// The extension (`101`).
    pub extension: String,
    /// Whose it is.
    pub manager_id: ManagerId,
    /// When it was set.
    pub set_at: DateTime<Utc>,
}

fn default_callback_within() -> Option<String> {
    None
}

/// A line to set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPhoneLine {
    /// The line as the PBX names it (the advertised number, `+380441234567`, or a trunk name).
    pub line: String,
    /// The marketing source this number is advertised in: a lead from a missed call on it gets it.
    #[serde(default)]
    pub source_id: Option<SourceId>,
    /// How soon a missed call on it must be called back, in working time of the owner's calendar
    /// (`30m`, `1h`, `2h30m`); `1h` when left out.
    #[serde(default = "default_callback_within")]
    pub callback_within: Option<String>,
}

/// A line as set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneLine {
    /// The line.
    pub line: String,
    /// Its marketing source.
    pub source_id: Option<SourceId>,
    /// The call-back deadline, as working time (`1h`).
    pub callback_within: String,
    /// When it was set.
    pub set_at: DateTime<Utc>,
}

/// Which calls the call report counts: inbound calls started in `[start, end)`, on one line or all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallReportQuery {
    /// From this instant (included).
    pub start: DateTime<Utc>,
    /// To this instant (excluded).
    pub end: DateTime<Utc>,
    /// Only this line.
    #[serde(default)]
    pub line: Option<String>,
}

/// The figures of a group of inbound calls.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CallFigures {
    /// Calls started.
    pub calls: u64,
    /// Answered (answered or completed).
    pub answered: u64,
    /// Missed.
    pub missed: u64,
    /// Missed and called back by the call-back deadline.
    pub called_back_in_time: u64,
    /// Missed and called back after the deadline.
    pub called_back_late: u64,
    /// Missed and not called back (yet).
    pub not_called_back: u64,
    /// `answered / calls`; none without calls.
    pub answer_rate: Option<f64>,
    /// The median time from start to answer of the answered calls, in seconds (the lower middle of an
    /// even count); none without answered calls.
    pub median_wait_seconds: Option<i64>,
}

/// One line in one hour of the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallReportRow {
    /// The line (none: calls that came without one).
    pub line: Option<String>,
    /// The hour of the day the calls started, 0..23, in the store calendar's time zone (UTC without a
    /// store calendar).
    pub hour: u32,
    /// The figures.
    #[serde(flatten)]
    pub figures: CallFigures,
}

/// The call report: where the lines are overloaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallReport {
    /// One row per line and hour that had calls: by line (calls without a line last), then hour.
    pub rows: Vec<CallReportRow>,
    /// All the calls counted.
    pub total: CallFigures,
}
