//! The manager report: response, SLA, conversion, sales, plan against actual.
//!
//! The store counts and sums per manager (one row each); this module turns the counts into the figures
//! of a [`ManagerRow`] and computes the response-time quantiles from the per-lead times. Nothing here
//! reads the store or the clock.
//!
//! # Conventions
//!
//! **Period.** Whole UTC days from `start` to `end`, both included: the instants
//! `[start 00:00 UTC, end + 1 day 00:00 UTC)`.
//!
//! **Requests** are the leads *received* in the period whose owner is the manager *now*; unowned leads
//! (queued, or never assigned) are in no row. They are read as they stand in the store: a lead received
//! on the period's last day and answered the day after counts as answered, with its real response time.
//!
//! - *answered*: the lead has a first response (the earliest outbound contact, see
//!   [`crate::lifecycle::first_response`]); *unanswered* = received − answered.
//! - *Response time*: from `received_at` to `first_response_at`, in working seconds of the calendar in
//!   force for the manager (the manager's own, else the store's); without any calendar, plain elapsed
//!   seconds ([`ManagerRow::working_time`] says which). A request that came in at night and was answered
//!   in the first working minute took one working minute.
//! - *Median and p90* use the **nearest-rank** rule: sort the n times ascending, the p-th percentile is
//!   the value at rank ⌈p·n/100⌉ (1-based). So every figure is a response time that really happened;
//!   the median of an even count is the lower of the two middle values. See [`nearest_rank`].
//! - *SLA met share* = leads answered by their deadline (`first_response_at <= first_response_due`) /
//!   leads whose deadline is decided: they have a deadline and are answered, or their deadline passed
//!   by the end of the period (`first_response_due <=` the period's end instant). A lead still pending
//!   within its deadline at the end of the period is in neither count; a lead without a deadline (no
//!   response policy matched it) is in neither.
//! - *Conversion rate* = converted / (received − junk): junk (spam, wrong numbers, duplicates) was never
//!   a real request, so it is not held against the manager. Lost leads stay in the denominator.
//!
//! **Sales.**
//!
//! - *Deals won*: deals owned by the manager, status won, closed on a day of the period; *won amount*
//!   their amounts.
//! - *Revenue*: completed orders placed in the period by the clients the manager owns **now**
//!   (`clients.owner_id`), whoever took the order: a client handed over mid-year takes its whole
//!   history to the new owner. Cancelled and returned orders count nowhere.
//! - *Average order* = revenue / orders, rounded half away from zero to a minor unit ([`average`]).
//!
//! **Plans.** For each calendar month touching the period ([`month_spans`]) the manager's plan and the
//! actual figures of that month: won deals and revenue (same rules as above) from the month's first
//! day to its last day or the period's end, whichever is earlier. A period from 10 to 20 November shows
//! November from the 1st to the 20th: a plan is for a whole month, so the month is never cut at the
//! start, and the report never looks past its end. *Achieved* = actual / plan, `None` when there is no
//! plan or the planned figure is zero ([`share`]).
//!
//! **Promises kept** = kept / (kept + broken) over the promises the manager made (`promises.manager_id`)
//! that fall *due* in the period, as they stand now: a promise is judged by its due date, not by when
//! it was made or kept, so the figure of a month says how that month's commitments ended. Cancelled
//! promises (withdrawn with a reason) count neither way, and those still open (due late on the
//! period's last day, before `run_due` marked them) are undecided and left out. `None` when no promise
//! due in the period is decided ([`PromiseCounts`]).
//!
//! Rows come one per manager, active or not, by manager id.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::calendar::Calendar;
use crate::model::{Manager, ManagerRow, Money, Plan, PlanMonth};

/// What the store counts for one manager about the leads received in the period (see the
/// [module documentation](self) for each count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LeadCounts {
    /// Leads received.
    pub received: u32,
    /// Of those, answered.
    pub answered: u32,
    /// Of those, converted.
    pub converted: u32,
    /// Of those, lost.
    pub lost: u32,
    /// Of those, junk.
    pub junk: u32,
    /// Of those, with a decided deadline (answered, or the deadline passed by the period's end).
    pub sla_counted: u32,
    /// Of those, answered by the deadline.
    pub sla_met: u32,
}

/// What the store counts for one manager about the promises due in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PromiseCounts {
    /// Kept.
    pub kept: u32,
    /// Broken.
    pub broken: u32,
}

/// What the store sums for one manager about sales in a span of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SalesTotals {
    /// Deals won.
    pub deals_won: u32,
    /// Their amounts.
    pub won_amount: Money,
    /// Completed orders of the manager's clients.
    pub orders: u32,
    /// Their total.
    pub revenue: Money,
}

/// One calendar month of a plan comparison: the month and the days of it that are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSpan {
    /// `YYYY-MM`.
    pub month: String,
    /// The month's first day.
    pub from: NaiveDate,
    /// The month's last day, or the period's end when that is earlier.
    pub to: NaiveDate,
}

/// The value at the nearest rank for `percent` (0–100) of `sorted` (ascending): the element at rank
/// ⌈percent·n/100⌉, 1-based, and the first element for 0. `None` when `sorted` is empty; a percent
/// above 100 is taken as 100.
///
/// For `[10, 20, 30, 40]`: 50 → 20, 90 → 40, 25 → 10.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let percent = percent.min(100) as usize;
    let rank = (percent * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// `part / whole` as a fraction (1.0 = all); `None` when `whole` is zero or negative.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// `total / count` rounded half away from zero to a minor unit; `None` when `count` is zero.
pub fn average(total: Money, count: u32) -> Option<Money> {
    if count == 0 {
        return None;
    }
    let (t, n) = (i128::from(total.minor()), i128::from(count));
    let q = (2 * t.abs() + n) / (2 * n);
    let q = if t < 0 { -q } else { q };
    // |q| <= |t|, so it fits back into an i64.
    i64::try_from(q).ok().map(Money::from_minor)
}

/// A first-response time in seconds: working seconds of `calendar` from `received_at` to `answered_at`
/// (zero when the answer is not later). With [`Calendar::always`] it is plain elapsed time.
pub fn response_secs(
    calendar: &Calendar,
    received_at: DateTime<Utc>,
    answered_at: DateTime<Utc>,
) -> i64 {
    calendar
        .working_between(received_at, answered_at)
        .num_seconds()
}

/// The calendar months touching `start..=end`, in order, each with the days counted (see
/// [`MonthSpan`]). Empty when `end` is before `start`.
pub fn month_spans(start: NaiveDate, end: NaiveDate) -> Vec<MonthSpan> {
    let mut spans = Vec::new();
    if end < start {
        return spans;
    }
    let mut first = start.with_day(1);
    while let Some(from) = first {
        if from > end {
            break;
        }
        let next = first_of_next_month(from);
        let last = next.and_then(|n| n.pred_opt()).unwrap_or(NaiveDate::MAX);
        spans.push(MonthSpan {
            month: month_key(from),
            from,
            to: last.min(end),
        });
        first = next;
    }
    spans
}

/// The `YYYY-MM` key of a day's month.
pub fn month_key(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

fn first_of_next_month(first: NaiveDate) -> Option<NaiveDate> {
    if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
}

/// A month of plan against actual: `plan` (if any) beside the month's won deals and revenue.
pub fn plan_month(span: &MonthSpan, plan: Option<&Plan>, actual: &SalesTotals) -> PlanMonth {
    PlanMonth {
        month: span.month.clone(),
        from: span.from,
        to: span.to,
        plan_revenue: plan.map(|p| p.revenue),
        plan_deals: plan.map(|p| p.deals),
        revenue: actual.revenue,
        deals: actual.deals_won,
        revenue_achieved: plan.and_then(|p| share(actual.revenue.minor(), p.revenue.minor())),
        deals_achieved: plan.and_then(|p| share(i64::from(actual.deals_won), i64::from(p.deals))),
    }
}

/// One manager's row from the store's counts, the per-lead response times (any order; they are
/// sorted here) and the months of plan against actual.
pub fn manager_row(
    manager: &Manager,
    working_time: bool,
    counts: &LeadCounts,
    mut response_times: Vec<i64>,
    sales: &SalesTotals,
    promises: &PromiseCounts,
    months: Vec<PlanMonth>,
) -> ManagerRow {
    response_times.sort_unstable();
    let real = counts.received.saturating_sub(counts.junk);
    ManagerRow {
        manager_id: manager.id,
        name: manager.name.clone(),
        active: manager.active,
        received: counts.received,
        answered: counts.answered,
        unanswered: counts.received.saturating_sub(counts.answered),
        working_time,
        response_median_secs: nearest_rank(&response_times, 50),
        response_p90_secs: nearest_rank(&response_times, 90),
        sla_counted: counts.sla_counted,
        sla_met: counts.sla_met,
        sla_met_share: share(i64::from(counts.sla_met), i64::from(counts.sla_counted)),
        converted: counts.converted,
        lost: counts.lost,
        junk: counts.junk,
        conversion_rate: share(i64::from(counts.converted), i64::from(real)),
        deals_won: sales.deals_won,
        won_amount: sales.won_amount,
        orders: sales.orders,
        revenue: sales.revenue,
        average_order: average(sales.revenue, sales.orders),
        promises_kept: share(
            i64::from(promises.kept),
            i64::from(promises.kept) + i64::from(promises.broken),
        ),
        months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn nearest_rank_picks_observed_values() {
        let v = [10, 20, 30, 40];
        assert_eq!(nearest_rank(&v, 50), Some(20));
        assert_eq!(nearest_rank(&v, 90), Some(40));
        assert_eq!(nearest_rank(&v, 25), Some(10));
        assert_eq!(nearest_rank(&v, 0), Some(10));
        assert_eq!(nearest_rank(&v, 100), Some(40));
        assert_eq!(nearest_rank(&v, 250), Some(40));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        assert_eq!(nearest_rank(&ten, 91), Some(10));
        assert_eq!(nearest_rank(&[1, 2, 3], 50), Some(2));
    }

    #[test]
    fn average_rounds_half_away_from_zero() {
        let m = Money::from_minor;
        assert_eq!(average(m(10), 4), Some(m(3)));
        assert_eq!(average(m(9), 4), Some(m(2)));
        assert_eq!(average(m(-10), 4), Some(m(-3)));
        assert_eq!(average(m(1), 3), Some(m(0)));
        assert_eq!(average(m(2), 3), Some(m(1)));
        assert_eq!(average(m(i64::MAX), 1), Some(m(i64::MAX)));
        assert_eq!(average(m(5), 0), None);
    }

    #[test]
    fn shares_need_a_positive_whole() {
        assert_eq!(share(1, 4), Some(0.25));
        assert_eq!(share(3, 0), None);
        assert_eq!(share(0, 5), Some(0.0));
    }

    #[test]
    fn months_touching_a_period_run_from_the_first_of_the_month_to_the_end() {
        let spans = month_spans(day(2026, 11, 10), day(2027, 1, 5));
        let got: Vec<_> = spans
            .iter()
            .map(|s| (s.month.as_str(), s.from, s.to))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-11", day(2026, 11, 1), day(2026, 11, 30)),
                ("2026-12", day(2026, 12, 1), day(2026, 12, 31)),
                ("2027-01", day(2027, 1, 1), day(2027, 1, 5)),
            ]
        );
        assert_eq!(month_spans(day(2026, 2, 3), day(2026, 2, 3)).len(), 1);
        assert!(month_spans(day(2026, 2, 3), day(2026, 2, 2)).is_empty());
        assert_eq!(
            month_spans(day(2028, 2, 1), day(2028, 2, 29))[0].to,
            day(2028, 2, 29)
        );
    }

    #[test]
    fn plan_month_compares_and_leaves_a_zero_plan_undecided() {
        let span = &month_spans(day(2026, 11, 1), day(2026, 11, 30))[0];
        let plan = Plan {
            manager_id: crate::model::ManagerId(1),
            month: "2026-11".into(),
            revenue: Money::from_minor(200),
            deals: 0,
        };
        let actual = SalesTotals {
            deals_won: 2,
            won_amount: Money::from_minor(0),
            orders: 1,
            revenue: Money::from_minor(150),
        };
        let m = plan_month(span, Some(&plan), &actual);
        assert_eq!(m.revenue_achieved, Some(0.75));
        assert_eq!(m.deals_achieved, None);
        assert_eq!((m.plan_deals, m.deals), (Some(0), 2));
        let m = plan_month(span, None, &actual);
        assert_eq!((m.plan_revenue, m.revenue_achieved), (None, None));
    }
}
