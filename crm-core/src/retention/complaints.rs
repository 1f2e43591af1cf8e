//! Complaints, the pure part: which status changes are allowed, the deadlines of a priority in working
//! time, what a pause for the client does to the resolution deadline, and the report's figures.
//!
//! # The clock of a complaint
//!
//! A complaint gets two deadlines when it is opened, both counted in working time of its owner's
//! calendar from the moment it came in: the first response and the resolution (the targets of its
//! priority, see [`ComplaintSla`]).
//!
//! - **First response**: taking it in work, asking the client something (waiting for the client) or
//!   resolving or rejecting it at once.
//! - **Pause**: while waiting for the client the resolution clock stands still. On resume, when it was
//!   paused before its deadline, the new deadline is the remaining working time counted from the
//!   resume: `add_working(resume, working_between(paused, old_due))` ([`resumed_due`]). Paused at or
//!   after the deadline, the deadline stays where it was (it had passed). A paused complaint is never
//!   found breached.
//! - **Reopening** a resolved complaint works like a pause that lasted from the resolution to the
//!   reopening: the remaining working time of the old deadline counts from the reopening; resolved late,
//!   it gets its priority's full resolution target afresh from the reopening (a fresh start of the work,
//!   not a second breach: a milestone is escalated once).
//! - **Time to resolve** is the working time from opening to resolution less the working time spent
//!   paused (and sitting resolved before a reopening) ([`resolve_secs`]).

use chrono::{DateTime, TimeDelta, Utc};

use crate::analytics::managers::{nearest_rank, share};
use crate::calendar::{self, Calendar};
use crate::error::{Error, Result};
use crate::model::{
    ComplaintFigures, ComplaintPriority, ComplaintReport, ComplaintReportRow, ComplaintSla,
    ComplaintStatus, ManagerId,
};

/// What is done to a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintAction {
    /// Taken in work.
    Take,
    /// Waiting for the client (a pause).
    Wait,
    /// Work resumes after waiting.
    Resume,
    /// Resolved, with a resolution.
    Resolve,
    /// Closed after resolution.
    Close,
    /// Rejected, with a reason.
    Reject,
    /// A resolved complaint back in work.
    Reopen,
    /// Given to another manager.
    Assign,
}

/// The status an action leads to from `from`, or [`Error::InvalidTransition`]. `paused`: whether the
/// complaint waits for the client now (resume needs it, wait refuses it).
///
/// open → in progress (take, wait) → resolved → closed; open or in progress → resolved (a resolution at
/// once) or rejected; resolved → in progress (reopen). Closed and rejected are final. Assigning keeps the
/// status and works on any complaint that is not final.
pub fn next_status(
    from: ComplaintStatus,
    paused: bool,
    action: ComplaintAction,
) -> Result<ComplaintStatus> {
    use ComplaintAction as A;
    use ComplaintStatus as S;
    let active = matches!(from, S::Open | S::InProgress);
    let to = match action {
        A::Take if from == S::Open => Some(S::InProgress),
        A::Wait if active && !paused => Some(S::InProgress),
        A::Resume if from == S::InProgress && paused => Some(S::InProgress),
        A::Resolve if active => Some(S::Resolved),
        A::Close if from == S::Resolved => Some(S::Closed),
        A::Reject if active => Some(S::Rejected),
        A::Reopen if from == S::Resolved => Some(S::InProgress),
        A::Assign if active || from == S::Resolved => Some(from),
        _ => None,
    };
    to.ok_or_else(|| Error::InvalidTransition {
        entity: "complaint",
        from: if paused {
            format!("{from} (waiting for the client)")
        } else {
            from.to_string()
        },
        to: action_name(action).to_string(),
    })
}

fn action_name(action: ComplaintAction) -> &'static str {
    match action {
        ComplaintAction::Take => "in_progress",
        ComplaintAction::Wait => "waiting for the client",
        ComplaintAction::Resume => "resumed",
        ComplaintAction::Resolve => "resolved",
        ComplaintAction::Close => "closed",
        ComplaintAction::Reject => "rejected",
        ComplaintAction::Reopen => "reopened",
        ComplaintAction::Assign => "assigned",
    }
}

/// The targets of every priority parsed, refusing a malformed one (naming `low.first_response` and so
/// on) or a zero one.
pub fn check_sla(sla: &ComplaintSla) -> Result<()> {
    for &priority in ComplaintPriority::ALL {
        targets(sla, priority)?;
    }
    Ok(())
}

/// The first-response and resolution targets of a priority; the resolution not shorter than the
/// response.
pub fn targets(sla: &ComplaintSla, priority: ComplaintPriority) -> Result<(TimeDelta, TimeDelta)> {
    let t = sla.targets(priority);
    let field = |what: &str| format!("{priority}.{what}");
    let first = calendar::parse_duration(&field("first_response"), &t.first_response)?;
    let resolution = calendar::parse_duration(&field("resolution"), &t.resolution)?;
    for (name, d) in [("first_response", first), ("resolution", resolution)] {
        if d <= TimeDelta::zero() {
            return Err(Error::validation(field(name), "must be more than zero"));
        }
    }
    if resolution < first {
        return Err(Error::validation(
            field("resolution"),
            "must not be shorter than first_response",
        ));
    }
    Ok((first, resolution))
}

/// The two deadlines of a complaint opened at `opened` with `targets`, in working time of `calendar`.
pub fn deadlines(
    calendar: &Calendar,
    opened: DateTime<Utc>,
    targets: (TimeDelta, TimeDelta),
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    Ok((
        calendar.add_working(opened, targets.0)?,
        calendar.add_working(opened, targets.1)?,
    ))
}

/// The resolution deadline after a pause from `paused` to `resumed`: the working time that was left at
/// the pause, counted from the resume; the old deadline when the pause began at or after it.
pub fn resumed_due(
    calendar: &Calendar,
    paused: DateTime<Utc>,
    resumed: DateTime<Utc>,
    old_due: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    if paused >= old_due {
        return Ok(old_due);
    }
    calendar.add_working(resumed, calendar.working_between(paused, old_due))
}

/// Working seconds of a pause.
pub fn paused_secs(calendar: &Calendar, paused: DateTime<Utc>, resumed: DateTime<Utc>) -> i64 {
    calendar.working_between(paused, resumed).num_seconds()
}

/// Time to resolve: working seconds from opening to resolution less the paused ones (never negative).
pub fn resolve_secs(
    calendar: &Calendar,
    opened: DateTime<Utc>,
    resolved: DateTime<Utc>,
    paused_secs: i64,
) -> i64 {
    (calendar.working_between(opened, resolved).num_seconds() - paused_secs).max(0)
}

/// What the report needs of one complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintFacts {
    /// Its priority.
    pub priority: ComplaintPriority,
    /// Its owner.
    pub owner_id: Option<ManagerId>,
    /// Where it stands.
    pub status: ComplaintStatus,
    /// When it came in.
    pub opened_at: DateTime<Utc>,
    /// The first-response deadline.
    pub response_due: DateTime<Utc>,
    /// The first response.
    pub responded_at: Option<DateTime<Utc>>,
    /// The resolution deadline (as it stood at the resolution).
    pub resolution_due: DateTime<Utc>,
    /// The resolution.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Time to resolve in working seconds.
    pub resolve_secs: Option<i64>,
    /// When it was closed or rejected.
    pub closed_at: Option<DateTime<Utc>>,
}

/// Adds up figures over the period `[from, to)`.
///
/// - `opened`: opened in the period; `responded_within_sla`: of those, answered at or before the
///   first-response deadline.
/// - `resolved`: resolved in the period (also those closed since); `resolved_within_sla`: of those,
///   resolved at or before their resolution deadline (moved by pauses); the share of the two.
/// - `rejected`: rejected in the period.
/// - median and p90 (nearest rank) of the time to resolve of those resolved in the period.
pub fn figures<'a>(
    facts: impl IntoIterator<Item = &'a ComplaintFacts>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ComplaintFigures {
    let within = |t: DateTime<Utc>| from <= t && t < to;
    let mut f = ComplaintFigures::default();
    let mut times = Vec::new();
    for c in facts {
        if within(c.opened_at) {
            f.opened += 1;
            if c.responded_at.is_some_and(|r| r <= c.response_due) {
                f.responded_within_sla += 1;
            }
        }
        if let Some(resolved) = c.resolved_at.filter(|t| within(*t)) {
            f.resolved += 1;
            if resolved <= c.resolution_due {
                f.resolved_within_sla += 1;
            }
            if let Some(secs) = c.resolve_secs {
                times.push(secs);
            }
        }
        if c.status == ComplaintStatus::Rejected && c.closed_at.is_some_and(within) {
            f.rejected += 1;
        }
    }
    times.sort_unstable();
    f.resolved_within_sla_share = share(i64::from(f.resolved_within_sla), i64::from(f.resolved));
    f.median_resolve_secs = nearest_rank(&times, 50);
    f.p90_resolve_secs = nearest_rank(&times, 90);
    f
}

/// The report of `[from, to)` from the facts of every complaint touching it: the total, every priority
/// (low to critical), and every owner with something to count (by id, no owner last).
pub fn report(
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    facts: &[ComplaintFacts],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ComplaintReport {
    let by_priority = ComplaintPriority::ALL
        .iter()
        .map(|&p| ComplaintReportRow {
            key: p,
            figures: figures(facts.iter().filter(|c| c.priority == p), from, to),
        })
        .collect();
    let mut owners: Vec<Option<ManagerId>> = facts.iter().map(|c| c.owner_id).collect();
    // By id, complaints without an owner last.
    owners.sort_by_key(|o| (o.is_none(), *o));
    owners.dedup();
    let by_owner = owners
        .into_iter()
        .map(|o| ComplaintReportRow {
            key: o,
            figures: figures(facts.iter().filter(|c| c.owner_id == o), from, to),
        })
        .filter(|row| row.figures != ComplaintFigures::default())
        .collect();
    ComplaintReport {
        start,
        end,
        total: figures(facts, from, to),
        by_priority,
        by_owner,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::calendar::CalendarSpec;

    fn t(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }

    /// Monday to Friday 09:00-18:00 UTC (2026-11-02 is a Monday).
    fn office() -> Calendar {
        Calendar::parse(&CalendarSpec::new("UTC").hours("mon-fri", &[("09:00", "18:00")])).unwrap()
    }

    #[test]
    fn statuses_move_only_along_the_allowed_paths() {
        use ComplaintAction as A;
        use ComplaintStatus as S;
        assert_eq!(next_status(S::Open, false, A::Take).unwrap(), S::InProgress);
        assert_eq!(next_status(S::Open, false, A::Wait).unwrap(), S::InProgress);
        assert_eq!(
            next_status(S::InProgress, true, A::Resume).unwrap(),
            S::InProgress
        );
        assert_eq!(
            next_status(S::InProgress, true, A::Resolve).unwrap(),
            S::Resolved
        );
        assert_eq!(
            next_status(S::Resolved, false, A::Close).unwrap(),
            S::Closed
        );
        assert_eq!(
            next_status(S::Resolved, false, A::Reopen).unwrap(),
            S::InProgress
        );
        assert_eq!(next_status(S::Open, false, A::Reject).unwrap(), S::Rejected);
        for (from, paused, action) in [
            (S::InProgress, false, A::Take),
            (S::InProgress, false, A::Resume),
            (S::InProgress, true, A::Wait),
            (S::Open, false, A::Close),
            (S::Closed, false, A::Reopen),
            (S::Rejected, false, A::Take),
            (S::Resolved, false, A::Reject),
            (S::Closed, false, A::Assign),
        ] {
            let e = next_status(from, paused, action).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidTransition {
                        entity: "complaint",
                        ..
                    }
                ),
                "{e}"
            );
        }
    }

    #[test]
    fn no_sequence_of_actions_leaves_a_final_status() {
        use ComplaintAction as A;
        let all = [
            A::Take,
            A::Wait,
            A::Resume,
            A::Resolve,
            A::Close,
            A::Reject,
            A::Reopen,
            A::Assign,
        ];
        for from in [ComplaintStatus::Closed, ComplaintStatus::Rejected] {
            for a in all {
                assert!(next_status(from, false, a).is_err());
            }
        }
    }

    #[test]
    fn default_targets_are_valid_and_ordered_by_urgency() {
        let sla = ComplaintSla::default();
        check_sla(&sla).unwrap();
        let hours = |p| {
            let (a, b) = targets(&sla, p).unwrap();
            (a.num_hours(), b.num_hours())
        };
        assert_eq!(hours(ComplaintPriority::Critical), (1, 8));
        assert_eq!(hours(ComplaintPriority::High), (2, 16));
        assert_eq!(hours(ComplaintPriority::Normal), (4, 24));
        assert_eq!(hours(ComplaintPriority::Low), (8, 40));
    }

    #[test]
    fn malformed_or_inverted_targets_name_the_field() {
        let mut sla = ComplaintSla::default();
        sla.high.resolution = "1h".into();
        match check_sla(&sla).unwrap_err() {
            Error::Validation { field, .. } => assert_eq!(field, "high.resolution"),
            e => panic!("{e}"),
        }
        let mut sla = ComplaintSla::default();
        sla.low.first_response = "soon".into();
        match check_sla(&sla).unwrap_err() {
            Error::Validation { field, .. } => assert_eq!(field, "low.first_response"),
            e => panic!("{e}"),
        }
        let mut sla = ComplaintSla::default();
        sla.critical.first_response = "0m".into();
        assert!(check_sla(&sla).is_err());
    }

    #[test]
    fn deadlines_count_working_time() {
        // Friday 16:00 + 4h = Monday 11:00; + 24h = Wednesday 13:00 (2 + 9 + 9 + 4).
        let (r, s) = deadlines(
            &office(),
            t(6, 16, 0),
            (TimeDelta::hours(4), TimeDelta::hours(24)),
        )
        .unwrap();
        assert_eq!(r, t(9, 11, 0));
        assert_eq!(s, t(11, 13, 0));
    }

    #[test]
    fn a_pause_moves_the_deadline_by_the_paused_working_time() {
        let cal = office();
        // Deadline Wednesday 13:00; paused Tuesday 10:00 (12h of work left), resumed Thursday 15:00.
        let due = resumed_due(&cal, t(10, 10, 0), t(12, 15, 0), t(11, 13, 0)).unwrap();
        // Thursday 15:00 + 12h = Thursday 18:00 (3) + Friday (9) = Friday 18:00.
        assert_eq!(due, t(13, 18, 0));
        assert_eq!(
            paused_secs(&cal, t(10, 10, 0), t(12, 15, 0)),
            (8 + 9 + 6) * 3600
        );
        // Paused after the deadline: it stays.
        assert_eq!(
            resumed_due(&cal, t(11, 14, 0), t(12, 9, 0), t(11, 13, 0)).unwrap(),
            t(11, 13, 0)
        );
    }

    #[test]
    fn time_to_resolve_leaves_out_the_pause() {
        let cal = office();
        // Monday 09:00 to Tuesday 18:00 is 18h of work; 5h paused leaves 13h.
        assert_eq!(
            resolve_secs(&cal, t(2, 9, 0), t(3, 18, 0), 5 * 3600),
            13 * 3600
        );
        assert_eq!(resolve_secs(&cal, t(2, 9, 0), t(2, 10, 0), 5 * 3600), 0);
    }

    proptest::proptest! {
        /// Whatever the moments of pause, resume and deadline (in minutes over three weeks of a Kyiv
        /// office week), a pause begun before the deadline moves it by exactly the paused working time,
        /// and one begun after leaves it.
        #[test]
        fn a_pause_moves_the_deadline_by_exactly_its_working_time(
            due in 0i64..30_240, paused in 0i64..30_240, length in 0i64..10_080,
        ) {
            let cal = Calendar::parse(
                &CalendarSpec::new("Europe/Kyiv").hours("mon-fri", &[("09:00", "18:00")]),
            )
            .unwrap();
            let start = t(2, 0, 0);
            let minutes = |m: i64| start + TimeDelta::minutes(m);
            // A deadline is always made by `add_working`, so it falls in (or at the end of) working time.
            let due = cal.add_working(start, TimeDelta::minutes(due / 3)).unwrap();
            let (paused, resumed) = (minutes(paused), minutes(paused + length));
            let moved = resumed_due(&cal, paused, resumed, due).unwrap();
            if paused < due {
                proptest::prop_assert_eq!(
                    cal.working_between(due, moved),
                    cal.working_between(paused, resumed)
                );
                proptest::prop_assert!(moved >= due);
            } else {
                proptest::prop_assert_eq!(moved, due);
            }
        }
    }

    fn fact(
        priority: ComplaintPriority,
        owner: Option<i64>,
        opened: DateTime<Utc>,
        responded: Option<DateTime<Utc>>,
        resolved: Option<(DateTime<Utc>, i64)>,
    ) -> ComplaintFacts {
        ComplaintFacts {
            priority,
            owner_id: owner.map(ManagerId),
            status: if resolved.is_some() {
                ComplaintStatus::Resolved
            } else {
                ComplaintStatus::InProgress
            },
            opened_at: opened,
            response_due: opened + TimeDelta::hours(1),
            responded_at: responded,
            resolution_due: opened + TimeDelta::hours(10),
            resolved_at: resolved.map(|r| r.0),
            resolve_secs: resolved.map(|r| r.1),
            closed_at: None,
        }
    }

    #[test]
    fn figures_count_the_period_and_rank_times() {
        use ComplaintPriority as P;
        let facts = vec![
            fact(
                P::High,
                Some(1),
                t(2, 9, 0),
                Some(t(2, 9, 30)),
                Some((t(2, 12, 0), 100)),
            ),
            fact(
                P::High,
                Some(1),
                t(2, 9, 0),
                Some(t(2, 11, 0)),
                Some((t(3, 12, 0), 300)),
            ),
            fact(P::Low, None, t(2, 9, 0), None, None),
            // Opened before the period, resolved in it.
            fact(
                P::Low,
                Some(2),
                t(1, 9, 0),
                Some(t(1, 9, 0)),
                Some((t(2, 10, 0), 200)),
            ),
        ];
        let (from, to) = (t(2, 0, 0), t(9, 0, 0));
        let r = report(
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 8).unwrap(),
            &facts,
            from,
            to,
        );
        assert_eq!(r.total.opened, 3);
        assert_eq!(r.total.responded_within_sla, 1);
        assert_eq!(r.total.resolved, 3);
        // The second was resolved 27h after opening, the last 25h: both past their 10h deadline.
        assert_eq!(r.total.resolved_within_sla, 1);
        assert_eq!(r.total.resolved_within_sla_share, Some(1.0 / 3.0));
        assert_eq!(r.total.median_resolve_secs, Some(200));
        assert_eq!(r.total.p90_resolve_secs, Some(300));
        assert_eq!(r.by_priority.len(), 4);
        assert_eq!(r.by_priority[2].key, P::High);
        assert_eq!(r.by_priority[2].figures.resolved, 2);
        let owners: Vec<_> = r.by_owner.iter().map(|row| row.key).collect();
        assert_eq!(owners, [Some(ManagerId(1)), Some(ManagerId(2)), None]);
    }
}
