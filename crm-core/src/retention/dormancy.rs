//! The dormancy ladder: where a client stands against its own buying rhythm.
//!
//! The rhythm is read from the client's **purchase days**: the distinct UTC days of its completed
//! orders (two orders on one day are one visit).
//!
//! **Expected gap** (in days) between purchase days:
//! - one purchase day: none — there is no rhythm yet; the **flat rule** applies (by default cooling 60
//!   days after that day, dormant after 120, lost after 365);
//! - two purchase days: the one gap between them;
//! - three or more: the median of the gaps (with an even number of gaps, the mean of the two middle
//!   ones). The median, not the mean: one long pause (a holiday, a stock-out) should not make a regular
//!   buyer look slow;
//! - the gap is never taken as shorter than `min_gap_days` (default 7), so that a client who bought on
//!   two consecutive days is not cooling the day after.
//!
//! **Rungs.** From the last purchase day `L` and the gap `g`, the client is cooling from the start
//! (00:00 UTC) of day `L + ⌈1.5 g⌉`, dormant from `L + ⌈3 g⌉`, lost from `L + ⌈6 g⌉` (the multipliers
//! are [`DormancySettings`]; why these defaults is written there). Before the first it is active.
//!
//! **Moves.** As time passes a client only moves down the ladder; it returns to active (or to whatever
//! its new rhythm says) only with a purchase on a day later than the last one known. A run after a long
//! pause may move it several rungs at once: one move, from where it was to where it is. When its orders
//! change without a newer purchase day (an order cancelled), its state does not climb back: it stays
//! where it was unless the new rhythm puts it further down.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};

use crate::error::{Error, Result};
use crate::model::{DormancySettings, DormancyState};

/// The largest multiplier or number of days a setting may hold (about 27 years of days).
const MAX_DAYS: f64 = 10_000.0;

/// Checks settings: every multiplier and number of days positive, finite and increasing down the
/// ladder; the error names the field.
pub fn check_settings(s: &DormancySettings) -> Result<DormancySettings> {
    let positive = |field: &str, x: f64| {
        if x.is_finite() && x > 0.0 && x <= MAX_DAYS {
            Ok(())
        } else {
            Err(Error::validation(
                field,
                format!("must be a number above 0 and at most {MAX_DAYS}"),
            ))
        }
    };
    positive("min_gap_days", f64::from(s.min_gap_days))?;
    positive("cooling_after", s.cooling_after)?;
    positive("dormant_after", s.dormant_after)?;
    positive("lost_after", s.lost_after)?;
    positive("single_cooling_days", f64::from(s.single_cooling_days))?;
    positive("single_dormant_days", f64::from(s.single_dormant_days))?;
    positive("single_lost_days", f64::from(s.single_lost_days))?;
    if s.dormant_after <= s.cooling_after {
        return Err(Error::validation(
            "dormant_after",
            "must be above cooling_after",
        ));
    }
    if s.lost_after <= s.dormant_after {
        return Err(Error::validation(
            "lost_after",
            "must be above dormant_after",
        ));
    }
    if s.single_dormant_days <= s.single_cooling_days {
        return Err(Error::validation(
            "single_dormant_days",
            "must be above single_cooling_days",
        ));
    }
    if s.single_lost_days <= s.single_dormant_days {
        return Err(Error::validation(
            "single_lost_days",
            "must be above single_dormant_days",
        ));
    }
    Ok(*s)
}

/// The expected gap between purchase days (`days` ascending and distinct), floored at `min_gap_days`;
/// `None` with fewer than two days (the flat rule applies).
pub fn expected_gap(days: &[NaiveDate], s: &DormancySettings) -> Option<f64> {
    if days.len() < 2 {
        return None;
    }
    let mut gaps: Vec<i64> = days.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    gaps.sort_unstable();
    let n = gaps.len();
    let median = if n % 2 == 1 {
        gaps[n / 2] as f64
    } else {
        (gaps[n / 2 - 1] + gaps[n / 2]) as f64 / 2.0
    };
    Some(median.max(f64::from(s.min_gap_days)))
}

/// How many days after the last purchase day each rung below active starts: cooling, dormant, lost.
pub fn rung_days(gap: Option<f64>, s: &DormancySettings) -> [u64; 3] {
    match gap {
        None => [
            u64::from(s.single_cooling_days),
            u64::from(s.single_dormant_days),
            u64::from(s.single_lost_days),
        ],
        Some(g) => {
            // Settings are bounded (MAX_DAYS), so the products are finite and small.
            let at = |m: f64| (m * g).ceil().clamp(1.0, 3_000_000.0) as u64;
            [at(s.cooling_after), at(s.dormant_after), at(s.lost_after)]
        }
    }
}

/// The rungs below active, in ladder order.
const BELOW: [DormancyState; 3] = [
    DormancyState::Cooling,
    DormancyState::Dormant,
    DormancyState::Lost,
];

/// The instant a rung starts: 00:00 UTC of `last + days` (none beyond the calendar).
fn rung_instant(last: NaiveDate, days: u64) -> Option<DateTime<Utc>> {
    last.checked_add_days(Days::new(days))
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

/// The state at `now` by the rule alone, for a client whose last purchase day is `last`.
pub fn state_at(
    last: NaiveDate,
    gap: Option<f64>,
    now: DateTime<Utc>,
    s: &DormancySettings,
) -> DormancyState {
    let mut state = DormancyState::Active;
    for (rung, days) in BELOW.iter().zip(rung_days(gap, s)) {
        if rung_instant(last, days).is_some_and(|t| t <= now) {
            state = *rung;
        }
    }
    state
}

/// The rung after `state` (none after lost) and the instant it starts.
pub fn next_rung(
    state: DormancyState,
    last: NaiveDate,
    gap: Option<f64>,
    s: &DormancySettings,
) -> Option<(DormancyState, DateTime<Utc>)> {
    BELOW
        .iter()
        .zip(rung_days(gap, s))
        .find(|(rung, _)| **rung > state)
        .and_then(|(rung, days)| rung_instant(last, days).map(|t| (*rung, t)))
}

/// Since when `state` holds by the rule: the start of its rung (for active, the last purchase day).
pub fn rung_start(
    state: DormancyState,
    last: NaiveDate,
    gap: Option<f64>,
    s: &DormancySettings,
) -> DateTime<Utc> {
    let start = BELOW
        .iter()
        .zip(rung_days(gap, s))
        .find(|(rung, _)| **rung == state)
        .and_then(|(_, days)| rung_instant(last, days));
    start.unwrap_or_else(|| last.and_time(NaiveTime::MIN).and_utc())
}

/// What the ladder knew of a client before: its state and last purchase day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The state stored.
    pub state: DormancyState,
    /// The last purchase day it was computed from.
    pub last_purchase: NaiveDate,
}

/// Where a client stands now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// The state.
    pub state: DormancyState,
    /// Since when (the start of its rung by the rule, or the moment it was kept there).
    pub since: DateTime<Utc>,
    /// The expected gap (none: the flat rule).
    pub expected_gap_days: Option<f64>,
    /// The last purchase day.
    pub last_purchase: NaiveDate,
    /// The next rung down and when it starts (none: lost).
    pub next: Option<(DormancyState, DateTime<Utc>)>,
}

/// Places a client at `now` from its last purchase day and expected gap, given what was known before:
/// without a newer purchase day the state never climbs back up the ladder.
pub fn place(
    known: Option<Known>,
    last: NaiveDate,
    gap: Option<f64>,
    now: DateTime<Utc>,
    s: &DormancySettings,
) -> Placement {
    let by_rule = state_at(last, gap, now, s);
    let state = match known {
        Some(k) if last <= k.last_purchase && k.state > by_rule => k.state,
        _ => by_rule,
    };
    Placement {
        state,
        since: rung_start(state, last, gap, s),
        expected_gap_days: gap,
        last_purchase: last,
        next: next_rung(state, last, gap, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn at(m: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, day, 12, 0, 0).unwrap()
    }

    #[test]
    fn the_gap_is_the_median_floored() {
        let s = DormancySettings::default();
        assert_eq!(expected_gap(&[d(1, 1)], &s), None);
        assert_eq!(expected_gap(&[d(1, 1), d(1, 31)], &s), Some(30.0));
        assert_eq!(expected_gap(&[d(1, 1), d(1, 2)], &s), Some(7.0));
        // Gaps 10, 20, 90: the median 20, not the mean 40.
        assert_eq!(
            expected_gap(&[d(1, 1), d(1, 11), d(1, 31), d(5, 1)], &s),
            Some(20.0)
        );
        // Gaps 10, 20, 30, 40: the mean of 20 and 30.
        assert_eq!(
            expected_gap(&[d(1, 1), d(1, 11), d(1, 31), d(3, 2), d(4, 11)], &s),
            Some(25.0)
        );
    }

    #[test]
    fn rungs_follow_the_multipliers() {
        let s = DormancySettings::default();
        // Gap 10: cooling from day 15, dormant from 30, lost from 60.
        let last = d(1, 1);
        assert_eq!(
            state_at(last, Some(10.0), at(1, 15), &s),
            DormancyState::Active
        );
        assert_eq!(
            state_at(last, Some(10.0), at(1, 16), &s),
            DormancyState::Cooling
        );
        assert_eq!(
            state_at(last, Some(10.0), at(1, 31), &s),
            DormancyState::Dormant
        );
        assert_eq!(
            state_at(last, Some(10.0), at(3, 2), &s),
            DormancyState::Lost
        );
        assert_eq!(
            next_rung(DormancyState::Active, last, Some(10.0), &s),
            Some((
                DormancyState::Cooling,
                Utc.with_ymd_and_hms(2026, 1, 16, 0, 0, 0).unwrap()
            ))
        );
        assert_eq!(next_rung(DormancyState::Lost, last, Some(10.0), &s), None);
        // The flat rule for one purchase day.
        assert_eq!(state_at(last, None, at(3, 1), &s), DormancyState::Active);
        assert_eq!(state_at(last, None, at(3, 2), &s), DormancyState::Cooling);
    }

    #[test]
    fn no_climbing_back_without_a_newer_purchase() {
        let s = DormancySettings::default();
        let known = Known {
            state: DormancyState::Dormant,
            last_purchase: d(3, 1),
        };
        // An order cancelled: the last day is earlier, the rule says active; it stays dormant.
        let p = place(Some(known), d(2, 20), Some(60.0), at(3, 10), &s);
        assert_eq!(p.state, DormancyState::Dormant);
        assert_eq!(p.next.map(|n| n.0), Some(DormancyState::Lost));
        // A newer purchase: back to active.
        let p = place(Some(known), d(3, 9), Some(60.0), at(3, 10), &s);
        assert_eq!(p.state, DormancyState::Active);
    }

    #[test]
    fn settings_are_checked() {
        let ok = DormancySettings::default();
        assert!(check_settings(&ok).is_ok());
        for bad in [
            DormancySettings {
                cooling_after: 0.0,
                ..ok
            },
            DormancySettings {
                dormant_after: 1.0,
                ..ok
            },
            DormancySettings {
                lost_after: f64::NAN,
                ..ok
            },
            DormancySettings {
                min_gap_days: 0,
                ..ok
            },
            DormancySettings {
                single_lost_days: 100,
                ..ok
            },
        ] {
            assert!(check_settings(&bad).is_err(), "{bad:?}");
        }
    }
}
