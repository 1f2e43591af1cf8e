//! The lead and deal state machines: which moves are allowed, and what the first response does. Pure:
//! values in, decisions out.
//!
//! Leads:
//!
//! ```text
//!   new ──► in_progress ──► qualified ──► converted (final)
//!    │  └──────────────┴──────────┴──► (a forward step may skip stages: a walk-in can buy at once)
//!    └──► lost (reason required) / junk (spam, test, duplicate) ◄── from new, in_progress, qualified
//!         lost / junk ──reopen──► in_progress
//! ```
//!
//! Backward steps (qualified → in_progress) are refused; reopening is the only way back. Deals move freely
//! between the stages of the pipeline while open; won and lost are final.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::{ActivityKind, DealStatus, Direction, LeadStatus, NewActivity};

/// Whether a lead may go from `from` to `to`.
pub fn lead_move_allowed(from: LeadStatus, to: LeadStatus) -> bool {
    use LeadStatus::*;
    matches!(
        (from, to),
        (New, InProgress | Qualified | Converted | Lost | Junk)
            | (InProgress, Qualified | Converted | Lost | Junk)
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
}

/// Decides whether `activity`, logged at `at` on a lead in `status` that was `already_answered` or not,
/// is the lead's first response. Only an outbound contact on an open lead counts; a note never does.
pub fn first_response(
    status: LeadStatus,
    already_answered: bool,
    activity: &NewActivity,
    at: DateTime<Utc>,
) -> Option<FirstResponse> {
    let outbound =
        activity.direction == Some(Direction::Out) && activity.kind != ActivityKind::Note;
    // A call on a lead already closed (lost, junk, converted) is not a response to the request: counting
    // it would make response-time reports look better than the service was.
    if !outbound || already_answered || !lead_is_open(status) {
        return None;
    }
    let moves_to = (status == LeadStatus::New).then_some(LeadStatus::InProgress);
    Some(FirstResponse { at, moves_to })
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
        assert_eq!(
            decide_lead_action(New, LeadAction::Convert).unwrap(),
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
    fn only_the_first_outbound_contact_is_a_response() {
        let t = DateTime::<Utc>::UNIX_EPOCH;
        let call_out = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
        let call_in = NewActivity::new(ActivityKind::Call, Some(Direction::In));
        let note = NewActivity::new(ActivityKind::Note, Some(Direction::Out));
        assert_eq!(
            first_response(New, false, &call_out, t),
            Some(FirstResponse {
                at: t,
                moves_to: Some(InProgress)
            })
        );
        assert_eq!(
            first_response(Qualified, false, &call_out, t),
            Some(FirstResponse {
                at: t,
                moves_to: None
            })
        );
        assert_eq!(first_response(New, true, &call_out, t), None);
        assert_eq!(first_response(New, false, &call_in, t), None);
        assert_eq!(first_response(New, false, &note, t), None);
        assert_eq!(first_response(Junk, false, &call_out, t), None);
        assert_eq!(first_response(Converted, false, &call_out, t), None);
    }
}
