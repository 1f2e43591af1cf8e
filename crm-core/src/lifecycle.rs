//! The lead and deal state machines: which moves are allowed, and what the first response does. Pure:
//! values in, decisions out.
//!
//! Leads:
//!
//! ```text
//!   new ──► in_progress ──► qualified ──► converted (final)
//!    │           │              │
//!    └───────────┴──────────────┴──► lost (a reason from the catalogue) / junk (spam, test, duplicate)
//!                                    lost / junk ──reopen──► in_progress
//! ```
//!
//! Every lead passes every stage on its way to a sale (a walk-in who buys at once is started, qualified
//! and converted in one go), so the funnel's stage-to-stage rates are well defined. Backward steps
//! (qualified → in_progress) are refused; reopening is the only way back. Deals move freely between the
//! stages of the pipeline while open; won and lost are final. A change is never dated before the
//! record's last change.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::{ActivityKind, DealStatus, Direction, LeadStatus, NewActivity};

/// Whether a lead may go from `from` to `to`.
pub fn lead_move_allowed(from: LeadStatus, to: LeadStatus) -> bool {
    use LeadStatus::*;
    matches!(
        (from, to),
        (New, InProgress | Lost | Junk)
            | (InProgress, Qualified | Lost | Junk)
            | (Qualified, Converted | Lost | Junk)
            | (Lost | Junk, InProgress)
    )
}

/// Checks a lead move; the error names both states.
pub fn check_lead_move(from: LeadStatus, to: LeadStatus) -> Result<()> {
    if lead_move_allowed(from, to) {
        Ok(())
    } else {
        Err(Error::InvalidTransition {
            entity: "lead",
            from: from.to_string(),
            to: to.to_string(),
        })
    }
}

/// A command on a lead, named after the facade's verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadAction {
    /// Start working on a new lead.
    Start,
    /// Confirm the need.
    Qualify,
    /// Turn into a client and a deal.
    Convert,
    /// Lose, with a reason.
    Lose,
    /// Mark as junk.
    Junk,
    /// Bring a lost or junk lead back to work.
    Reopen,
}

impl LeadAction {
    /// The status the action leads to.
    pub fn target(self) -> LeadStatus {
        match self {
            LeadAction::Start | LeadAction::Reopen => LeadStatus::InProgress,
            LeadAction::Qualify => LeadStatus::Qualified,
            LeadAction::Convert => LeadStatus::Converted,
            LeadAction::Lose => LeadStatus::Lost,
            LeadAction::Junk => LeadStatus::Junk,
        }
    }
}

/// Decides where `action` takes a lead in `from`. Start works only on a new lead and reopen only on a lost
/// or junk one, although both lead to in progress.
pub fn decide_lead_action(from: LeadStatus, action: LeadAction) -> Result<LeadStatus> {
    let to = action.target();
    let allowed = match action {
        LeadAction::Start => from == LeadStatus::New,
        LeadAction::Reopen => matches!(from, LeadStatus::Lost | LeadStatus::Junk),
        _ => lead_move_allowed(from, to),
    };
    if allowed {
        Ok(to)
    } else {
        Err(Error::InvalidTransition {
            entity: "lead",
            from: from.to_string(),
            to: to.to_string(),
        })
    }
}

/// Whether a lead is still being worked (not converted, lost or junk).
pub fn lead_is_open(status: LeadStatus) -> bool {
    matches!(
        status,
        LeadStatus::New | LeadStatus::InProgress | LeadStatus::Qualified
    )
}

/// Checks a deal move from `from` (status and stage) to `to`. Moving an open deal to the stage it is in
/// is allowed and changes nothing (the caller skips the write).
pub fn check_deal_move(
    from: DealStatus,
    from_stage: &str,
    to: DealStatus,
    to_stage: &str,
) -> Result<()> {
    if from == DealStatus::Open {
        return Ok(());
    }
    let show = |status: DealStatus, stage: &str| match status {
        DealStatus::Open => stage.to_string(),
        closed => closed.to_string(),
    };
    Err(Error::InvalidTransition {
        entity: "deal",
        from: show(from, from_stage),
        to: show(to, to_stage),
    })
}

/// What logging an activity does to its lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstResponse {
    /// When the lead was first answered.
    pub at: DateTime<Utc>,
    /// The status the lead moves to, if it moves (new → in progress).
    pub moves_to: Option<LeadStatus>,
    /// Whether this corrects an already recorded response to an earlier one (a telephony or e-mail
    /// sync that delivered an earlier call late).
    pub corrects_earlier: bool,
}

/// The lead as far as its first response goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseState {
    /// Its status.
    pub status: LeadStatus,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// When it was first answered, if it was.
    pub answered_at: Option<DateTime<Utc>>,
}

/// Decides whether `activity`, which happened at `at`, is the lead's first response.
///
/// Only an outbound contact counts, never a note, and only one at or after the request came in. The
/// first one recorded must find the lead open: a call on a lead already lost, junk or converted is not
/// an answer to the request, and counting it would flatter response-time reports. An outbound contact
/// earlier than the recorded response replaces it, since syncs deliver activities out of order; the
/// first response is the earliest one, not the first one logged.
pub fn first_response(
    lead: ResponseState,
    activity: &NewActivity,
    at: DateTime<Utc>,
) -> Option<FirstResponse> {
    let outbound =
        activity.direction == Some(Direction::Out) && activity.kind != ActivityKind::Note;
    if !outbound || at < lead.received_at {
        return None;
    }
    match lead.answered_at {
        Some(answered) if at < answered => Some(FirstResponse {
            at,
            moves_to: None,
            corrects_earlier: true,
        }),
        Some(_) => None,
        None if lead_is_open(lead.status) => {
            let moves_to = (lead.status == LeadStatus::New).then_some(LeadStatus::InProgress);
            Some(FirstResponse {
                at,
                moves_to,
                corrects_earlier: false,
            })
        }
        None => None,
    }
}

/// Refuses a change dated before the record's last change, so every history reads forward in time and
/// the time spent in a status or stage is never negative.
pub fn check_not_earlier(at: DateTime<Utc>, last_change: DateTime<Utc>, what: &str) -> Result<()> {
    if at < last_change {
        return Err(Error::validation(
            "at",
            format!("is earlier than the {what}'s last change"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use LeadStatus::*;

    #[test]
    fn converted_is_final_and_only_reopen_goes_back() {
        for &to in LeadStatus::ALL {
            assert!(!lead_move_allowed(Converted, to), "converted -> {to}");
        }
        assert!(!lead_move_allowed(Qualified, InProgress));
        assert!(!lead_move_allowed(InProgress, New));
        assert!(lead_move_allowed(Lost, InProgress));
        assert!(lead_move_allowed(Junk, InProgress));
        assert!(!lead_move_allowed(Lost, Junk));
        assert!(!lead_move_allowed(Lost, Converted));
        for &s in LeadStatus::ALL {
            assert!(!lead_move_allowed(s, New), "{s} -> new");
            assert!(!lead_move_allowed(s, s), "{s} -> {s}");
        }
    }

    #[test]
    fn start_and_reopen_have_their_own_guards() {
        assert_eq!(
            decide_lead_action(New, LeadAction::Start).unwrap(),
            InProgress
        );
        assert!(decide_lead_action(Lost, LeadAction::Start).is_err());
        assert_eq!(
            decide_lead_action(Lost, LeadAction::Reopen).unwrap(),
            InProgress
        );
        assert!(decide_lead_action(New, LeadAction::Reopen).is_err());
        assert!(decide_lead_action(New, LeadAction::Convert).is_err());
        assert!(decide_lead_action(InProgress, LeadAction::Convert).is_err());
        assert!(decide_lead_action(New, LeadAction::Qualify).is_err());
        assert_eq!(
            decide_lead_action(Qualified, LeadAction::Convert).unwrap(),
            Converted
        );
        assert!(decide_lead_action(Junk, LeadAction::Lose).is_err());
    }

    #[test]
    fn invalid_move_names_both_states() {
        let err = check_lead_move(Converted, Lost).unwrap_err();
        assert_eq!(err.to_string(), "lead cannot go from converted to lost");
    }

    #[test]
    fn closed_deals_do_not_move() {
        assert!(check_deal_move(DealStatus::Open, "a", DealStatus::Won, "a").is_ok());
        let err = check_deal_move(DealStatus::Won, "a", DealStatus::Open, "b").unwrap_err();
        assert_eq!(err.to_string(), "deal cannot go from won to b");
    }

    #[test]
    fn only_the_earliest_outbound_contact_is_the_response() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let t = |minutes: i64| t0 + chrono::Duration::minutes(minutes);
        let lead = |status, answered_at| ResponseState {
            status,
            received_at: t(10),
            answered_at,
        };
        let call_out = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
        let call_in = NewActivity::new(ActivityKind::Call, Some(Direction::In));
        let note = NewActivity::new(ActivityKind::Note, Some(Direction::Out));
        let first = |at, moves_to| {
            Some(FirstResponse {
                at,
                moves_to,
                corrects_earlier: false,
            })
        };
        assert_eq!(
            first_response(lead(New, None), &call_out, t(20)),
            first(t(20), Some(InProgress))
        );
        assert_eq!(
            first_response(lead(Qualified, None), &call_out, t(20)),
            first(t(20), None)
        );
        assert_eq!(first_response(lead(New, None), &call_in, t(20)), None);
        assert_eq!(first_response(lead(New, None), &note, t(20)), None);
        assert_eq!(first_response(lead(Junk, None), &call_out, t(20)), None);
        assert_eq!(
            first_response(lead(Converted, None), &call_out, t(20)),
            None
        );
        // Before the request came in: not an answer to it.
        assert_eq!(first_response(lead(New, None), &call_out, t(5)), None);
        // A later contact changes nothing; an earlier one, synced late, corrects the record.
        assert_eq!(
            first_response(lead(InProgress, Some(t(30))), &call_out, t(40)),
            None
        );
        assert_eq!(
            first_response(lead(Lost, Some(t(30))), &call_out, t(15)),
            Some(FirstResponse {
                at: t(15),
                moves_to: None,
                corrects_earlier: true
            })
        );
    }

    #[test]
    fn changes_may_not_go_back_in_time() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        assert!(check_not_earlier(t0, t0, "lead").is_ok());
        let err = check_not_earlier(t0, t0 + chrono::Duration::seconds(1), "lead").unwrap_err();
        assert_eq!(err.field(), Some("at"));
    }
}
