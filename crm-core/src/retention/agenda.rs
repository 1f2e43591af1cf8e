//! A manager's agenda: open tasks sorted into overdue, today, upcoming and undated, most urgent first.
//!
//! - **overdue**: due before `now`; the longest overdue first (due ascending), ties by task id;
//! - **today**: due from `now` up to the end of the manager's calendar day (its own calendar's time
//!   zone, else the store's, else UTC): due ascending, then id;
//! - **upcoming**: due after today and before the end of the 7th calendar day after today: due
//!   ascending, then id; tasks due later are not on the agenda;
//! - **undated**: open tasks with no due time, by id.
//!
//! Pure: the caller gives the day's bounds (from the calendar) and the open tasks.

use chrono::{DateTime, Utc};

use crate::model::{Agenda, ManagerId, Task, TaskStatus};

/// How many calendar days after today the upcoming part covers.
pub const UPCOMING_DAYS: u64 = 7;

/// The bounds the agenda sorts by: the end of the manager's calendar day and the end of the upcoming
/// window (both exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// When the manager's today ends.
    pub today_ends: DateTime<Utc>,
    /// When the upcoming window ends.
    pub upcoming_ends: DateTime<Utc>,
}

/// Sorts `tasks` (any order; closed ones are left out) into the agenda of `manager` at `now`.
pub fn agenda(manager: ManagerId, now: DateTime<Utc>, bounds: Bounds, tasks: Vec<Task>) -> Agenda {
    let mut out = Agenda {
        manager_id: manager,
        now,
        overdue: Vec::new(),
        today: Vec::new(),
        upcoming: Vec::new(),
        undated: Vec::new(),
    };
    for task in tasks {
        if task.status != TaskStatus::Open {
            continue;
        }
        match task.due_at {
            None => out.undated.push(task),
            Some(due) if due < now => out.overdue.push(task),
            Some(due) if due < bounds.today_ends => out.today.push(task),
            Some(due) if due < bounds.upcoming_ends => out.upcoming.push(task),
            Some(_) => {}
        }
    }
    let by_due = |t: &Task| (t.due_at, t.id);
    out.overdue.sort_by_key(by_due);
    out.today.sort_by_key(by_due);
    out.upcoming.sort_by_key(by_due);
    out.undated.sort_by_key(|t| t.id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskId;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn task(id: i64, due: Option<DateTime<Utc>>) -> Task {
        Task {
            id: TaskId(id),
            due_at: due,
            ..Task::new("call_back", "Call", at(1, 0))
        }
    }

    #[test]
    fn tasks_are_sorted_most_urgent_first() {
        let now = at(10, 12);
        let bounds = Bounds {
            today_ends: at(11, 0),
            upcoming_ends: at(18, 0),
        };
        let mut done = task(9, Some(at(1, 0)));
        done.status = TaskStatus::Done;
        let tasks = vec![
            task(1, Some(at(10, 9))),
            task(2, Some(at(3, 9))),
            task(3, Some(at(10, 12))),
            task(4, Some(at(10, 23))),
            task(5, Some(at(12, 9))),
            task(6, Some(at(18, 0))),
            task(7, None),
            task(8, Some(at(10, 9))),
            done,
            task(10, Some(at(17, 23))),
        ];
        let a = agenda(ManagerId(1), now, bounds, tasks);
        let ids = |v: &[Task]| v.iter().map(|t| t.id.0).collect::<Vec<_>>();
        assert_eq!(
            ids(&a.overdue),
            [2, 1, 8],
            "longest overdue first, ties by id"
        );
        assert_eq!(ids(&a.today), [3, 4], "due now is today, not overdue");
        assert_eq!(ids(&a.upcoming), [5, 10], "the window's end is excluded");
        assert_eq!(ids(&a.undated), [7]);
    }
}
