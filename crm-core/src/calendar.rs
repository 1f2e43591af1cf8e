//! Working calendars and working-time deadline arithmetic.
//!
//! A [`Calendar`] says when a business works: a time zone, weekly working hours, holidays and special
//! days. Deadlines such as "answer a lead within 2 working hours" are computed with
//! [`Calendar::add_working`], and elapsed working time with [`Calendar::working_between`]. Nothing here
//! reads the clock: every instant is passed in, in UTC.
//!
//! # The JSON form
//!
//! Users give a calendar as a [`CalendarSpec`], which is also how a store keeps it:
//!
//! ```json
//! {
//!   "timezone": "Europe/Kyiv",
//!   "working_hours": {"mon-fri": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]]},
//!   "holidays": ["2026-12-25"],
//!   "days": {"2026-12-31": [["09:00", "16:00"]], "2026-12-26": []}
//! }
//! ```
//!
//! - `timezone`: an IANA time zone name (`Europe/Kyiv`, `America/New_York`); `UTC` when left out.
//!   Names are case-sensitive, as in the tz database.
//! - `working_hours`: the working spans of each weekday. A key is a weekday (`mon`, `tue`, `wed`, `thu`,
//!   `fri`, `sat`, `sun`, or the full English name), a range (`mon-fri`; a range may wrap around the
//!   end of the week: `sat-mon` is Saturday, Sunday and Monday) or a comma list of those (`sat,sun`).
//!   Keys are case-insensitive. A weekday named by two keys is an error; a weekday named by none is a
//!   day off. Each span is a pair `["HH:MM", "HH:MM"]` of local times, the start before the end;
//!   `24:00` may end a span (the end of the day). A day may have several spans (a lunch break:
//!   `[["09:00","13:00"],["14:00","18:00"]]`); they are sorted, spans that touch are merged into one,
//!   and spans that overlap are refused. The week as a whole must have some working time.
//! - `holidays`: dates that are days off, whatever their weekday.
//! - `days`: special days, each with its own spans: a shortened day (`[["09:00","16:00"]]`), a working
//!   weekend, or a day off (`[]`). A special day overrides both its weekday and the holiday list, so
//!   a date that is both a holiday and a special day works the special day's hours.
//!
//! The order of precedence for a local date is therefore: special day, then holiday, then weekday.
//!
//! # Half-open spans and span ends
//!
//! A span is half-open, `[start, end)`: at 18:00 of a 09:00-18:00 day the office is closed
//! ([`Calendar::is_working`] is false). A deadline that falls exactly at the end of a span stays
//! there: Friday 17:00 plus one working hour is Friday 18:00, not Monday 09:00. An amount of zero is
//! the next working instant ([`Calendar::next_working`]): Friday 18:00 plus nothing is Monday 09:00.
//!
//! # Summer time
//!
//! Working hours are local times; each span end is converted to UTC on its own date, so a 09:00-18:00
//! day stays nine hours long across a change of offset, and only its UTC position moves. Local times
//! that do not exist or exist twice are resolved this way:
//!
//! - a local time in the spring-forward gap (02:30 on a night when clocks go from 02:00 to 03:00)
//!   means the first instant after the gap (03:00 new time);
//! - an ambiguous local time in the autumn (a time that happens twice) means the earlier instant;
//! - `24:00` is the next local date's `00:00`.
//!
//! A span of `00:00`-`24:00` on a summer-time day thus lasts 23 or 25 hours (23.5 or 24.5 in
//! `Australia/Lord_Howe`, where the clocks move by thirty minutes), and
//! [`Calendar::day_bounds`] of such a day spans the same 23 or 25 hours.
//!
//! # Limits
//!
//! The arithmetic works day by day on intervals, never minute by minute. A search gives up after three
//! years of days without any working time: [`Calendar::next_working`] returns `None` and
//! [`Calendar::add_working`] fails with `amount: no working time within three years of the start`.
//! A deadline more than a hundred years after its start is refused too.
//!
//! # Durations
//!
//! [`parse_duration`] reads amounts of working time such as `2h`, `30m`, `1h30m` or `1h 30m`;
//! [`format_duration`] writes their canonical text. Days are refused: a working day has no fixed
//! length.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use crm_core::calendar::{Calendar, CalendarSpec, parse_duration};
//!
//! # fn main() -> crm_core::Result<()> {
//! let spec: CalendarSpec = serde_json::from_str(
//!     r#"{"timezone":"Europe/Kyiv","working_hours":{"mon-fri":[["09:00","18:00"]]}}"#,
//! )
//! .map_err(|e| crm_core::Error::validation("calendar", e.to_string()))?;
//! let cal = Calendar::parse(&spec)?;
//! // Friday 2026-11-06 17:30 in Kyiv is 15:30 UTC; two working hours later is Monday 10:30 Kyiv.
//! let friday = Utc.with_ymd_and_hms(2026, 11, 6, 15, 30, 0).unwrap();
//! let due = cal.add_working(friday, parse_duration("sla", "2h")?)?;
//! assert_eq!(due, Utc.with_ymd_and_hms(2026, 11, 9, 8, 30, 0).unwrap());
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Minutes in a local day.
const DAY_MINUTES: u16 = 1440;

/// How many days a search goes on without finding working time: three years and a little.
const SEARCH_DAYS: u32 = 1100;

/// How many days a deadline may lie after its start: a hundred years.
const MAX_DAYS: u32 = 36_525;

/// The most working time [`parse_duration`] accepts, in hours.
const MAX_DURATION_HOURS: i64 = 10_000;

/// Weekday names, Monday first, as keys of `working_hours` use them.
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Full weekday names, Monday first; accepted as keys too.
const WEEKDAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A span of working time within a local day, in minutes from local midnight:
/// `0 <= start < end <= 1440`. Half-open: the minute `end` is not part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The first working minute, from local midnight.
    pub start: u16,
    /// The minute the span ends (not working), from local midnight; 1440 is the end of the day.
    pub end: u16,
}

impl Span {
    /// The length of the span in minutes.
    pub fn minutes(self) -> u16 {
        self.end.saturating_sub(self.start)
    }
}

fn utc() -> String {
    "UTC".to_string()
}

/// A working calendar as users give it and as the store keeps it (JSON through serde).
///
/// See the [module documentation](self) for the form and its rules; [`Calendar::parse`] checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// An IANA time zone name; `UTC` when left out.
    #[serde(default = "utc")]
    pub timezone: String,
    /// Weekly working spans by weekday key (`mon`, `mon-fri`, `sat,sun`); a weekday not named is a
    /// day off.
    #[serde(default)]
    pub working_hours: BTreeMap<String, Vec<(String, String)>>,
    /// Days off.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Special days with their own spans (an empty list is a day off); they override the weekday and
    /// the holiday list.
    #[serde(default)]
    pub days: BTreeMap<NaiveDate, Vec<(String, String)>>,
}

impl Default for CalendarSpec {
    fn default() -> Self {
        CalendarSpec::new("UTC")
    }
}

impl CalendarSpec {
    /// An empty calendar in a time zone: no working hours, holidays or special days yet.
    pub fn new(timezone: impl Into<String>) -> Self {
        CalendarSpec {
            timezone: timezone.into(),
            working_hours: BTreeMap::new(),
            holidays: Vec::new(),
            days: BTreeMap::new(),
        }
    }

    /// Sets the working spans of a weekday key (`mon-fri`, `sat`), replacing that key's spans.
    pub fn hours(mut self, key: impl Into<String>, spans: &[(&str, &str)]) -> Self {
        self.working_hours.insert(key.into(), owned(spans));
        self
    }

    /// Adds a holiday (a day off).
    pub fn holiday(mut self, date: NaiveDate) -> Self {
        self.holidays.push(date);
        self
    }

    /// Sets a special day with its own spans; no spans make it a day off.
    pub fn day(mut self, date: NaiveDate, spans: &[(&str, &str)]) -> Self {
        self.days.insert(date, owned(spans));
        self
    }
}

fn owned(spans: &[(&str, &str)]) -> Vec<(String, String)> {
    spans
        .iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

/// A checked working calendar; built by [`Calendar::parse`] or [`Calendar::always`].
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    tz: Tz,
    /// Spans of each weekday, Monday first; sorted, not touching, not overlapping.
    week: [Vec<Span>; 7],
    holidays: BTreeSet<NaiveDate>,
    days: BTreeMap<NaiveDate, Vec<Span>>,
    spec: CalendarSpec,
}

impl Calendar {
    /// Checks a spec and builds the calendar.
    ///
    /// Fails with a validation error naming the field: `timezone` (not an IANA name),
    /// `working_hours.<key>` (not a weekday key, a weekday named twice, a bad time, a start not
    /// before its end, overlapping spans), `days.<date>` (the same for a special day) or
    /// `working_hours` (the week has no working time).
    pub fn parse(spec: &CalendarSpec) -> Result<Calendar> {
        let tz_name = spec.timezone.trim();
        let tz: Tz = tz_name.parse().map_err(|_| {
            Error::validation(
                "timezone",
                format!("'{tz_name}' is not a known time zone: give an IANA name such as Europe/Kyiv or UTC"),
            )
        })?;

        let mut week: [Vec<Span>; 7] = Default::default();
        let mut named: [Option<String>; 7] = Default::default();
        let mut hours = BTreeMap::new();
        for (key, list) in &spec.working_hours {
            let field = format!("working_hours.{}", key.trim());
            let weekdays = parse_weekday_key(&field, key)?;
            let spans = parse_spans(&field, list)?;
            for day in weekdays {
                if let Some(other) = &named[day] {
                    let rule = if *other == field {
                        format!("names {} twice", WEEKDAYS[day])
                    } else {
                        format!("names {}, which {} already names", WEEKDAYS[day], other)
                    };
                    return Err(Error::validation(field, rule));
                }
                named[day] = Some(field.clone());
                week[day] = spans.clone();
            }
            hours.insert(key.trim().to_lowercase(), trimmed(list));
        }
        if week.iter().all(Vec::is_empty) {
            return Err(Error::validation(
                "working_hours",
                "the week has no working time",
            ));
        }

        let mut days = BTreeMap::new();
        for (date, list) in &spec.days {
            days.insert(*date, parse_spans(&format!("days.{date}"), list)?);
        }

        let spec = CalendarSpec {
            timezone: tz_name.to_string(),
            working_hours: hours,
            holidays: spec.holidays.clone(),
            days: spec
                .days
                .iter()
                .map(|(date, list)| (*date, trimmed(list)))
                .collect(),
        };
        Ok(Calendar {
            tz,
            week,
            holidays: spec.holidays.iter().copied().collect(),
            days,
            spec,
        })
    }

    /// The calendar that is always working: UTC, every day 00:00-24:00, no holidays. Deadlines use it
    /// when a store has no calendar, so working time is plain elapsed time.
    pub fn always() -> Calendar {
        let all = vec![Span {
            start: 0,
            end: DAY_MINUTES,
        }];
        Calendar {
            tz: Tz::UTC,
            week: std::array::from_fn(|_| all.clone()),
            holidays: BTreeSet::new(),
            days: BTreeMap::new(),
            spec: CalendarSpec::new("UTC").hours("mon-sun", &[("00:00", "24:00")]),
        }
    }

    /// The spec the calendar was built from, with its strings trimmed and its weekday keys lowercase.
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    /// The time zone of the working hours.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The IANA name of the time zone.
    pub fn timezone_name(&self) -> &str {
        self.tz.name()
    }

    /// The local date of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// The local date and time of an instant (for the hour or weekday of an event).
    pub fn local_time(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    /// The local spans of a date: its special day's if it is one, none if it is a holiday, else its
    /// weekday's.
    pub fn spans(&self, date: NaiveDate) -> &[Span] {
        if let Some(spans) = self.days.get(&date) {
            spans
        } else if self.holidays.contains(&date) {
            &[]
        } else {
            &self.week[date.weekday().num_days_from_monday() as usize]
        }
    }

    /// The instants a local date starts and ends: local midnight to the next local midnight, in UTC.
    /// On a summer-time day they are 23 or 25 hours apart.
    pub fn day_bounds(&self, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.to_utc(date, 0), self.to_utc(date, DAY_MINUTES))
    }

    /// The working intervals of a local date in UTC, half-open, in order. Spans that summer time
    /// empties (a span inside the spring-forward gap) are left out.
    pub fn working_spans(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        self.spans(date)
            .iter()
            .filter_map(|span| {
                let start = self.to_utc(date, span.start);
                let end = self.to_utc(date, span.end);
                (start < end).then_some((start, end))
            })
            .collect()
    }

    /// Whether an instant is working time (spans are half-open: the end of a span is not).
    pub fn is_working(&self, t: DateTime<Utc>) -> bool {
        let date = self.local_date(t);
        [date.pred_opt(), Some(date), date.succ_opt()]
            .into_iter()
            .flatten()
            .any(|d| {
                self.working_spans(d)
                    .iter()
                    .any(|&(start, end)| start <= t && t < end)
            })
    }

    /// The first working instant at or after `t`: `t` itself when it is working, else the start of the
    /// next span. `None` when there is no working time within three years.
    pub fn next_working(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut date = self.first_date(t);
        for _ in 0..=SEARCH_DAYS {
            for (start, end) in self.working_spans(date) {
                if end > t {
                    return Some(start.max(t));
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The deadline `amount` of working time after `from`.
    ///
    /// Two working hours after Friday 17:30 (09:00-18:00 Monday to Friday) is Monday 10:30, or Tuesday
    /// 10:30 when Monday is a holiday. A deadline exactly at the end of a span stays there (Friday
    /// 17:00 plus one hour is Friday 18:00). An amount of zero gives [`Calendar::next_working`].
    ///
    /// Fails on `amount`: negative, no working time within three years, or a deadline more than a
    /// hundred years away.
    pub fn add_working(&self, from: DateTime<Utc>, amount: TimeDelta) -> Result<DateTime<Utc>> {
        if amount < TimeDelta::zero() {
            return Err(Error::validation("amount", "must not be negative"));
        }
        let mut remaining = amount;
        let mut date = self.first_date(from);
        let mut idle = 0u32;
        let mut days = 0u32;
        loop {
            let mut worked = false;
            for (start, end) in self.working_spans(date) {
                let start = start.max(from);
                if end <= start {
                    continue;
                }
                worked = true;
                let length = end - start;
                if remaining <= length {
                    return start.checked_add_signed(remaining).ok_or_else(too_far);
                }
                remaining -= length;
            }
            idle = if worked { 0 } else { idle + 1 };
            days += 1;
            if idle > SEARCH_DAYS {
                return Err(Error::validation(
                    "amount",
                    "no working time within three years of the start",
                ));
            }
            if days > MAX_DAYS {
                return Err(too_far());
            }
            date = date.succ_opt().ok_or_else(too_far)?;
        }
    }

    /// The working time in `[a, b)`; zero when `b <= a`.
    pub fn working_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        let mut total = TimeDelta::zero();
        if b <= a {
            return total;
        }
        let mut date = self.first_date(a);
        loop {
            if self.to_utc(date, 0) >= b {
                break;
            }
            for (start, end) in self.working_spans(date) {
                let start = start.max(a);
                let end = end.min(b);
                if end > start {
                    total += end - start;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }

    /// The local date a walk from `t` starts on: the day before `t`'s local date, whose spans may
    /// still reach `t` around a change of offset.
    fn first_date(&self, t: DateTime<Utc>) -> NaiveDate {
        let date = self.local_date(t);
        date.pred_opt().unwrap_or(date)
    }

    /// A local date and minute (1440 is the next date's midnight) as a UTC instant.
    fn to_utc(&self, date: NaiveDate, minute: u16) -> DateTime<Utc> {
        let local = if minute >= DAY_MINUTES {
            match date.succ_opt() {
                Some(next) => next.and_time(NaiveTime::MIN),
                None => return DateTime::<Utc>::MAX_UTC,
            }
        } else {
            let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
                .unwrap_or(NaiveTime::MIN);
            date.and_time(time)
        };
        resolve(self.tz, local).unwrap_or_else(|| {
            if date.year() < 0 {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            }
        })
    }
}

fn too_far() -> Error {
    Error::validation(
        "amount",
        "the deadline lies more than a hundred years after the start",
    )
}

/// A local time as a UTC instant: the earlier one when ambiguous, the first instant after the gap when
/// it does not exist.
fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => gap_end(tz, local),
    }
}

/// The first instant after the spring-forward gap that holds `local`: the first instant whose local
/// time is at or after `local`, found by bisection on seconds between the two offsets.
fn gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let day = TimeDelta::days(1);
    let offset_at = |naive_utc: NaiveDateTime| {
        i64::from(
            tz.offset_from_utc_datetime(&naive_utc)
                .fix()
                .local_minus_utc(),
        )
    };
    let before = offset_at(local.checked_sub_signed(day)?);
    let after = offset_at(local.checked_add_signed(day)?);
    let target = local.and_utc().timestamp();
    if after > before {
        let local_of =
            |u: i64| DateTime::<Utc>::from_timestamp(u, 0).map(|t| u + offset_at(t.naive_utc()));
        // The local time at `lo` is before `local`, at `hi` after it.
        let mut lo = target - after;
        let mut hi = target - before;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if local_of(mid)? >= target {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return DateTime::<Utc>::from_timestamp(hi, 0);
    }
    // Offsets that change more than once within a day: step to the first local minute that exists.
    (1..=DAY_MINUTES).find_map(|k| {
        let later = local.checked_add_signed(TimeDelta::minutes(i64::from(k)))?;
        tz.from_local_datetime(&later)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

fn trimmed(list: &[(String, String)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .collect()
}

fn weekday_index(name: &str) -> Option<usize> {
    WEEKDAYS
        .iter()
        .position(|d| *d == name)
        .or_else(|| WEEKDAY_NAMES.iter().position(|d| *d == name))
}

/// The weekdays (Monday = 0) a `working_hours` key names.
fn parse_weekday_key(field: &str, key: &str) -> Result<Vec<usize>> {
    let lower = key.trim().to_lowercase();
    let bad = |part: &str| {
        Error::validation(
            field,
            format!(
                "'{part}' is not a weekday: use mon, tue, wed, thu, fri, sat, sun, ranges such as mon-fri and lists such as sat,sun"
            ),
        )
    };
    let mut days = Vec::new();
    for part in lower.split(',') {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                let a = weekday_index(a.trim()).ok_or_else(|| bad(part))?;
                let b = weekday_index(b.trim()).ok_or_else(|| bad(part))?;
                let mut d = a;
                loop {
                    days.push(d);
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days.push(weekday_index(part).ok_or_else(|| bad(part))?),
        }
    }
    let mut seen = [false; 7];
    for &d in &days {
        if seen[d] {
            return Err(Error::validation(
                field,
                format!("names {} twice", WEEKDAYS[d]),
            ));
        }
        seen[d] = true;
    }
    Ok(days)
}

/// `HH:MM` (or `H:MM`) as minutes from midnight, `00:00` to `24:00`.
fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// A day's spans: each checked, sorted, touching spans merged, overlapping spans refused.
fn parse_spans(field: &str, list: &[(String, String)]) -> Result<Vec<Span>> {
    let mut spans = Vec::with_capacity(list.len());
    for (a, b) in list {
        let time = |s: &str| {
            parse_time(s).ok_or_else(|| {
                Error::validation(
                    field,
                    format!(
                        "'{}' is not a time of day: give HH:MM from 00:00 to 24:00",
                        s.trim()
                    ),
                )
            })
        };
        let start = time(a)?;
        let end = time(b)?;
        if start >= end {
            return Err(Error::validation(
                field,
                format!(
                    "{}-{}: the start must be before the end",
                    a.trim(),
                    b.trim()
                ),
            ));
        }
        spans.push(Span { start, end });
    }
    spans.sort();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start < last.end => {
                return Err(Error::validation(
                    field,
                    format!(
                        "{}-{} overlaps {}-{}",
                        clock(last.start),
                        clock(last.end),
                        clock(span.start),
                        clock(span.end)
                    ),
                ));
            }
            Some(last) if span.start == last.end => last.end = span.end,
            _ => merged.push(span),
        }
    }
    Ok(merged)
}

fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Parses an amount of working time: hours and minutes, each a whole number followed by its unit, hours
/// first, optionally separated by spaces: `2h`, `30m`, `90m`, `1h30m`, `1h 30m`. Units are
/// case-insensitive.
///
/// A bare number is refused (it could mean hours or minutes), as are days and weeks (a working day
/// has no fixed length: give hours), seconds and fractions. The amount must be greater than zero and
/// at most 10,000 hours. Errors name `field`.
pub fn parse_duration(field: &str, text: &str) -> Result<TimeDelta> {
    let syntax = || {
        Error::validation(
            field,
            format!(
                "'{}' is not a duration: give hours and minutes such as 2h, 30m or 1h30m",
                text.trim()
            ),
        )
    };
    let lower = text.trim().to_lowercase();
    let mut rest = lower.as_str();
    let mut hours: Option<u64> = None;
    let mut minutes: Option<u64> = None;
    if rest.is_empty() {
        return Err(syntax());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(syntax());
        }
        let (number, tail) = rest.split_at(digits);
        let tail = tail.trim_start();
        let unit_len = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, tail) = tail.split_at(unit_len);
        let value: u64 = number.parse().map_err(|_| too_long(field))?;
        match unit {
            "h" | "hr" | "hrs" | "hour" | "hours" if hours.is_none() && minutes.is_none() => {
                hours = Some(value);
            }
            "m" | "min" | "mins" | "minute" | "minutes" if minutes.is_none() => {
                minutes = Some(value);
            }
            "d" | "day" | "days" | "w" | "week" | "weeks" => {
                return Err(Error::validation(
                    field,
                    "a working day has no fixed length: give hours",
                ));
            }
            "" if tail.is_empty() && hours.is_none() && minutes.is_none() => {
                return Err(Error::validation(
                    field,
                    format!(
                        "'{}' has no unit: give hours or minutes such as {}h or {}m",
                        text.trim(),
                        number,
                        number
                    ),
                ));
            }
            _ => return Err(syntax()),
        }
        if tail.starts_with('.') || tail.starts_with(',') {
            return Err(syntax());
        }
        rest = tail.trim_start();
    }
    let total = hours
        .unwrap_or(0)
        .checked_mul(60)
        .and_then(|h| h.checked_add(minutes.unwrap_or(0)))
        .ok_or_else(|| too_long(field))?;
    if total == 0 {
        return Err(Error::validation(field, "must be greater than zero"));
    }
    let total = i64::try_from(total).map_err(|_| too_long(field))?;
    if total > MAX_DURATION_HOURS * 60 {
        return Err(too_long(field));
    }
    Ok(TimeDelta::minutes(total))
}

fn too_long(field: &str) -> Error {
    Error::validation(field, "must be at most 10000h")
}

/// The canonical text of a duration: `2h`, `1h30m`, `45m`; `0m` for zero. Seconds, which
/// [`parse_duration`] never gives, are written as `s` (`1m30s`); a negative duration starts with `-`.
pub fn format_duration(d: TimeDelta) -> String {
    let negative = d < TimeDelta::zero();
    let secs = d.num_seconds().unsigned_abs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if negative && secs > 0 {
        out.push('-');
    }
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    if secs == 0 {
        out.push_str("0m");
    }
    out
}
