//! Working calendars: parsing, validation, deadline arithmetic across weekends, holidays, special days
//! and summer time, and properties of the arithmetic over random calendars.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use crm_core::Error;
use crm_core::calendar::*;
use proptest::prelude::*;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    match Utc.with_ymd_and_hms(y, mo, d, h, mi, 0) {
        chrono::LocalResult::Single(t) => t,
        _ => panic!("bad test instant"),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("bad test date"),
    }
}

fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

fn kyiv_spec() -> CalendarSpec {
    CalendarSpec::new("Europe/Kyiv").hours("mon-fri", &[("09:00", "18:00")])
}

fn cal(spec: &CalendarSpec) -> Calendar {
    match Calendar::parse(spec) {
        Ok(c) => c,
        Err(e) => panic!("calendar should parse: {e}"),
    }
}

fn kyiv() -> Calendar {
    cal(&kyiv_spec())
}

fn add(c: &Calendar, from: DateTime<Utc>, d: TimeDelta) -> DateTime<Utc> {
    match c.add_working(from, d) {
        Ok(t) => t,
        Err(e) => panic!("add_working failed: {e}"),
    }
}

/// The field and rule of a validation error.
fn invalid<T: std::fmt::Debug>(r: crm_core::Result<T>) -> (String, String) {
    match r {
        Err(Error::Validation { field, rule }) => (field, rule),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// ---- deadlines -------------------------------------------------------------------------------------

#[test]
fn friday_evening_plus_two_hours_is_monday_morning() {
    // Friday 2026-11-06 17:30 Kyiv (UTC+2) = 15:30 UTC; Monday 10:30 Kyiv = 08:30 UTC.
    assert_eq!(
        add(&kyiv(), utc(2026, 11, 6, 15, 30), hours(2)),
        utc(2026, 11, 9, 8, 30)
    );
}

#[test]
fn a_holiday_monday_moves_the_deadline_to_tuesday() {
    let c = cal(&kyiv_spec().holiday(date(2026, 11, 9)));
    assert_eq!(
        add(&c, utc(2026, 11, 6, 15, 30), hours(2)),
        utc(2026, 11, 10, 8, 30)
    );
}

#[test]
fn a_shortened_day_ends_early() {
    // Thursday 2026-12-31 works 09:00-16:00; 2027-01-01 (Friday) is a holiday.
    let c = cal(&kyiv_spec()
        .day(date(2026, 12, 31), &[("09:00", "16:00")])
        .holiday(date(2027, 1, 1)));
    // 15:00 Kyiv + 2h: one hour on Thursday, one on Monday 2027-01-04 -> 10:00 Kyiv = 08:00 UTC.
    assert_eq!(
        add(&c, utc(2026, 12, 31, 13, 0), hours(2)),
        utc(2027, 1, 4, 8, 0)
    );
    assert_eq!(
        c.working_spans(date(2026, 12, 31)),
        vec![(utc(2026, 12, 31, 7, 0), utc(2026, 12, 31, 14, 0))]
    );
    // Exactly at the early end: stays there.
    assert_eq!(
        add(&c, utc(2026, 12, 31, 13, 0), hours(1)),
        utc(2026, 12, 31, 14, 0)
    );
}

#[test]
fn a_working_saturday() {
    let c = cal(&kyiv_spec().day(date(2026, 11, 7), &[("10:00", "14:00")]));
    // Friday 17:30 + 2h: half an hour on Friday, 1.5h on Saturday from 10:00 -> 11:30 Kyiv.
    assert_eq!(
        add(&c, utc(2026, 11, 6, 15, 30), hours(2)),
        utc(2026, 11, 7, 9, 30)
    );
    assert!(c.is_working(utc(2026, 11, 7, 8, 0)));
    assert!(!c.is_working(utc(2026, 11, 14, 8, 0)));
}

#[test]
fn a_special_day_overrides_a_holiday() {
    let c = cal(&kyiv_spec()
        .holiday(date(2026, 11, 9))
        .day(date(2026, 11, 9), &[("12:00", "13:00")]));
    assert_eq!(
        c.working_spans(date(2026, 11, 9)),
        vec![(utc(2026, 11, 9, 10, 0), utc(2026, 11, 9, 11, 0))]
    );
    let off = cal(&kyiv_spec().day(date(2026, 11, 10), &[]));
    assert!(off.working_spans(date(2026, 11, 10)).is_empty());
    assert!(!off.is_working(utc(2026, 11, 10, 10, 0)));
}

#[test]
fn a_request_at_night_counts_from_the_opening() {
    // Tuesday 2026-11-10 02:00 Kyiv = 00:00 UTC; + 1h -> 10:00 Kyiv = 08:00 UTC.
    let c = kyiv();
    assert_eq!(
        add(&c, utc(2026, 11, 10, 0, 0), hours(1)),
        utc(2026, 11, 10, 8, 0)
    );
    assert_eq!(
        c.next_working(utc(2026, 11, 10, 0, 0)),
        Some(utc(2026, 11, 10, 7, 0))
    );
}

#[test]
fn a_deadline_at_a_span_end_stays_there() {
    let c = kyiv();
    // Friday 17:00 Kyiv + 1h = Friday 18:00 Kyiv (16:00 UTC), not Monday 09:00.
    let end = add(&c, utc(2026, 11, 6, 15, 0), hours(1));
    assert_eq!(end, utc(2026, 11, 6, 16, 0));
    assert!(!c.is_working(end));
    assert!(c.is_working(end - TimeDelta::seconds(1)));
    // Zero from a span end is the next opening.
    assert_eq!(add(&c, end, TimeDelta::zero()), utc(2026, 11, 9, 7, 0));
    assert_eq!(c.next_working(end), Some(utc(2026, 11, 9, 7, 0)));
    // Zero while working is the instant itself.
    let t = utc(2026, 11, 6, 12, 0);
    assert_eq!(add(&c, t, TimeDelta::zero()), t);
    assert_eq!(c.next_working(t), Some(t));
}

#[test]
fn across_the_march_change_in_kyiv() {
    // Friday 2026-03-27 17:00 Kyiv (UTC+2) = 15:00 UTC; clocks go forward on Sunday 2026-03-29.
    // Monday 2026-03-30 10:00 Kyiv (UTC+3) = 07:00 UTC.
    let c = kyiv();
    assert_eq!(
        add(&c, utc(2026, 3, 27, 15, 0), hours(2)),
        utc(2026, 3, 30, 7, 0)
    );
    assert_eq!(
        c.working_between(utc(2026, 3, 27, 15, 0), utc(2026, 3, 30, 7, 0)),
        hours(2)
    );
}

#[test]
fn across_the_october_change_in_kyiv() {
    // Friday 2026-10-23 17:00 Kyiv (UTC+3) = 14:00 UTC; clocks go back on Sunday 2026-10-25.
    // Monday 2026-10-26 10:00 Kyiv (UTC+2) = 08:00 UTC.
    let c = kyiv();
    assert_eq!(
        add(&c, utc(2026, 10, 23, 14, 0), hours(2)),
        utc(2026, 10, 26, 8, 0)
    );
}

#[test]
fn an_always_on_calendar_in_kyiv_has_short_and_long_days() {
    let c = cal(&CalendarSpec::new("Europe/Kyiv").hours("mon-sun", &[("00:00", "24:00")]));
    let (a, b) = c.day_bounds(date(2026, 3, 29));
    assert_eq!((a, b), (utc(2026, 3, 28, 22, 0), utc(2026, 3, 29, 21, 0)));
    assert_eq!(b - a, hours(23));
    assert_eq!(c.working_between(a, b), hours(23));
    let (a, b) = c.day_bounds(date(2026, 10, 25));
    assert_eq!(b - a, hours(25));
    assert_eq!(c.working_between(a, b), hours(25));
    // Elapsed time is working time.
    let t = utc(2026, 3, 27, 15, 17);
    assert_eq!(add(&c, t, hours(100)), t + hours(100));
    assert!(c.is_working(utc(2026, 3, 29, 1, 0)));
}

#[test]
fn always_is_plain_elapsed_time() {
    let c = Calendar::always();
    assert_eq!(c.timezone_name(), "UTC");
    let t = utc(2026, 3, 29, 0, 59);
    assert_eq!(
        add(&c, t, TimeDelta::seconds(12_345)),
        t + TimeDelta::seconds(12_345)
    );
    assert_eq!(c.working_between(t, t + hours(72)), hours(72));
    assert!(c.is_working(t));
    assert_eq!(Calendar::parse(c.spec()).ok(), Some(c));
}

#[test]
fn lord_howe_moves_by_half_an_hour() {
    let c = cal(&CalendarSpec::new("Australia/Lord_Howe").hours("mon-sun", &[("00:00", "24:00")]));
    let (a, b) = c.day_bounds(date(2026, 10, 4));
    assert_eq!(b - a, TimeDelta::minutes(23 * 60 + 30));
    let (a, b) = c.day_bounds(date(2026, 4, 5));
    assert_eq!(b - a, TimeDelta::minutes(24 * 60 + 30));
}

#[test]
fn new_york_gap_and_repeated_hour() {
    let spec = CalendarSpec::new("America/New_York")
        .hours("mon-fri", &[("09:00", "17:00")])
        .day(date(2026, 3, 8), &[("02:30", "04:00")])
        .day(date(2026, 11, 1), &[("01:30", "03:00")]);
    let c = cal(&spec);
    // 02:30 does not exist on 2026-03-08: the span starts at 03:00 EDT = 07:00 UTC.
    assert_eq!(
        c.working_spans(date(2026, 3, 8)),
        vec![(utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0))]
    );
    // 01:30 happens twice on 2026-11-01: the earlier (EDT, 05:30 UTC); 03:00 EST = 08:00 UTC.
    assert_eq!(
        c.working_spans(date(2026, 11, 1)),
        vec![(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8, 0))]
    );
    // A span wholly inside the gap is empty.
    let gap = cal(&CalendarSpec::new("America/New_York")
        .hours("mon-fri", &[("09:00", "17:00")])
        .day(date(2026, 3, 8), &[("02:00", "02:45")]));
    assert!(gap.working_spans(date(2026, 3, 8)).is_empty());
}

#[test]
fn working_between_examples() {
    let c = kyiv();
    // Friday 17:00 -> Monday 10:00 Kyiv.
    assert_eq!(
        c.working_between(utc(2026, 11, 6, 15, 0), utc(2026, 11, 9, 8, 0)),
        hours(2)
    );
    // A whole week.
    assert_eq!(
        c.working_between(utc(2026, 11, 2, 0, 0), utc(2026, 11, 9, 0, 0)),
        hours(45)
    );
    // Reversed or empty.
    assert_eq!(
        c.working_between(utc(2026, 11, 9, 8, 0), utc(2026, 11, 6, 15, 0)),
        TimeDelta::zero()
    );
    assert_eq!(
        c.working_between(utc(2026, 11, 6, 15, 0), utc(2026, 11, 6, 15, 0)),
        TimeDelta::zero()
    );
}

#[test]
fn local_views() {
    let c = kyiv();
    let t = utc(2026, 11, 6, 22, 30);
    assert_eq!(c.local_date(t), date(2026, 11, 7));
    assert_eq!(
        c.local_time(t),
        date(2026, 11, 7).and_hms_opt(0, 30, 0).unwrap_or_default()
    );
    assert_eq!(c.timezone(), chrono_tz::Tz::Europe__Kyiv);
    assert_eq!(c.timezone_name(), "Europe/Kyiv");
}

#[test]
fn spans_are_sorted_and_touching_spans_merged() {
    let c = cal(&CalendarSpec::new("UTC").hours(
        "Mon, Wed-Thu",
        &[("14:00", "18:00"), ("09:00", "13:00"), ("13:00", "14:00")],
    ));
    assert_eq!(
        c.spans(date(2026, 11, 2)),
        &[Span {
            start: 540,
            end: 1080
        }]
    );
    assert_eq!(c.spans(date(2026, 11, 3)), &[] as &[Span]);
    assert_eq!(c.spans(date(2026, 11, 4)).len(), 1);
    assert_eq!(c.spans(date(2026, 11, 5)).len(), 1);
    // A wrapping range.
    let w = cal(&CalendarSpec::new("UTC").hours("sat-mon", &[("10:00", "11:00")]));
    assert_eq!(w.spans(date(2026, 11, 7)).len(), 1); // Saturday
    assert_eq!(w.spans(date(2026, 11, 8)).len(), 1); // Sunday
    assert_eq!(w.spans(date(2026, 11, 9)).len(), 1); // Monday
    assert!(w.spans(date(2026, 11, 10)).is_empty()); // Tuesday
    // The spec is kept trimmed, keys lowercase.
    let t = cal(&CalendarSpec::new(" UTC ").hours(" Mon ", &[(" 9:00", "24:00 ")]));
    assert_eq!(t.spec().timezone, "UTC");
    assert_eq!(
        t.spec().working_hours.get("mon"),
        Some(&vec![("9:00".to_string(), "24:00".to_string())])
    );
}

#[test]
fn no_working_time_within_three_years() {
    // Only Mondays, and every Monday for four years a holiday.
    let mut spec = CalendarSpec::new("UTC").hours("mon", &[("09:00", "10:00")]);
    let mut d = date(2026, 1, 5);
    while d < date(2030, 1, 1) {
        spec = spec.holiday(d);
        d += TimeDelta::days(7);
    }
    let c = cal(&spec);
    let (field, rule) = invalid(c.add_working(utc(2026, 1, 1, 0, 0), hours(1)));
    assert_eq!(field, "amount");
    assert!(rule.contains("three years"), "{rule}");
    assert_eq!(c.next_working(utc(2026, 1, 1, 0, 0)), None);
    // After the holidays end it works again.
    assert_eq!(
        c.next_working(utc(2029, 12, 31, 0, 0)),
        Some(utc(2030, 1, 7, 9, 0))
    );
}

// ---- validation ------------------------------------------------------------------------------------

#[test]
fn validation_errors_name_the_field() {
    let (f, r) = invalid(Calendar::parse(
        &CalendarSpec::new("Europe/Kiyv").hours("mon", &[("09:00", "18:00")]),
    ));
    assert_eq!(f, "timezone");
    assert!(r.contains("Europe/Kiyv"), "{r}");

    let (f, r) = invalid(Calendar::parse(
        &CalendarSpec::new("UTC").hours("mon-fri", &[("09:00", "25:00")]),
    ));
    assert_eq!(f, "working_hours.mon-fri");
    assert!(r.contains("25:00"), "{r}");

    let (f, r) = invalid(Calendar::parse(
        &CalendarSpec::new("UTC").hours("mon", &[("18:00", "09:00")]),
    ));
    assert_eq!(f, "working_hours.mon");
    assert!(r.contains("start must be before the end"), "{r}");

    let (f, _) = invalid(Calendar::parse(
        &CalendarSpec::new("UTC").hours("mon", &[("24:00", "24:00")]),
    ));
    assert_eq!(f, "working_hours.mon");

    let (f, r) = invalid(Calendar::parse(&CalendarSpec::new("UTC")));
    assert_eq!(
        (f.as_str(), r.as_str()),
        ("working_hours", "the week has no working time")
    );
    let (f, _) = invalid(Calendar::parse(
        &CalendarSpec::new("UTC").hours("mon-sun", &[]),
    ));
    assert_eq!(f, "working_hours");

    let (f, r) = invalid(Calendar::parse(
        &CalendarSpec::new("UTC").hours("funday", &[("09:00", "18:00")]),
    ));
    assert_eq!(f, "working_hours.funday");
    assert!(r.contains("not a weekday"), "{r}");

    let (f, r) = invalid(Calendar::parse(
        &CalendarSpec::new("UTC")
            .hours("mon-fri", &[("09:00", "18:00")])
            .hours("fri", &[("10:00", "12:00")]),
    ));
    assert_eq!(f, "working_hours.mon-fri");
    assert!(r.contains("fri"), "{r}");

    let (f, r) = invalid(Calendar::parse(
        &CalendarSpec::new("UTC").hours("mon,mon", &[("09:00", "18:00")]),
    ));
    assert_eq!(f, "working_hours.mon,mon");
    assert!(r.contains("twice"), "{r}");

    let (f, r) = invalid(Calendar::parse(
        &CalendarSpec::new("UTC").hours("mon", &[("09:00", "13:00"), ("12:00", "18:00")]),
    ));
    assert_eq!(f, "working_hours.mon");
    assert!(r.contains("overlaps"), "{r}");

    let (f, _) = invalid(Calendar::parse(
        &kyiv_spec().day(date(2026, 12, 31), &[("9", "16:00")]),
    ));
    assert_eq!(f, "days.2026-12-31");

    for bad in ["9:0", "09:60", "24:01", "-1:00", "09-00", "", "0900"] {
        let (f, _) = invalid(Calendar::parse(
            &CalendarSpec::new("UTC").hours("mon", &[(bad, "18:00")]),
        ));
        assert_eq!(f, "working_hours.mon", "{bad}");
    }

    let (f, _) = invalid(kyiv().add_working(utc(2026, 11, 6, 15, 0), TimeDelta::minutes(-1)));
    assert_eq!(f, "amount");
}

// ---- JSON --------------------------------------------------------------------------------------------

#[test]
fn json_round_trip() {
    let text = r#"{"timezone":"Europe/Kyiv","working_hours":{"mon-fri":[["09:00","18:00"]],"sat":[["10:00","14:00"]]},"holidays":["2026-12-25"],"days":{"2026-12-26":[],"2026-12-31":[["09:00","16:00"]]}}"#;
    let spec: CalendarSpec = serde_json::from_str(text).unwrap_or_default();
    assert_eq!(spec.timezone, "Europe/Kyiv");
    assert_eq!(spec.holidays, vec![date(2026, 12, 25)]);
    assert_eq!(spec.days.get(&date(2026, 12, 26)), Some(&vec![]));
    assert_eq!(serde_json::to_string(&spec).ok().as_deref(), Some(text));
    let c = cal(&spec);
    assert_eq!(c.spec(), &spec);
    assert!(c.spans(date(2026, 12, 25)).is_empty()); // a Friday holiday
    assert_eq!(
        c.spans(date(2026, 12, 31)),
        &[Span {
            start: 540,
            end: 960
        }]
    );

    // Defaults: UTC, nothing else; unknown fields refused.
    let spec: CalendarSpec =
        serde_json::from_str(r#"{"working_hours":{"mon":[["09:00","10:00"]]}}"#)
            .unwrap_or_default();
    assert_eq!(spec.timezone, "UTC");
    assert!(cal(&spec).is_working(utc(2026, 11, 2, 9, 30)));
    assert!(serde_json::from_str::<CalendarSpec>(r#"{"timezone":"UTC","hours":{}}"#).is_err());
}

// ---- durations ---------------------------------------------------------------------------------------

#[test]
fn durations() {
    let ok = |s: &str| match parse_duration("sla", s) {
        Ok(d) => d,
        Err(e) => panic!("{s}: {e}"),
    };
    assert_eq!(ok("2h"), hours(2));
    assert_eq!(ok("30m"), TimeDelta::minutes(30));
    assert_eq!(ok("1h30m"), TimeDelta::minutes(90));
    assert_eq!(ok("90m"), TimeDelta::minutes(90));
    assert_eq!(ok("1h 30m"), TimeDelta::minutes(90));
    assert_eq!(ok(" 2 H "), hours(2));
    assert_eq!(ok("10000h"), hours(10_000));
    for bad in [
        "",
        "45",
        "0h",
        "0m",
        "1.5h",
        "2d",
        "1w",
        "30s",
        "30m2h",
        "1h1h",
        "h",
        "10001h",
        "99999999999999999999h",
        "1h30",
    ] {
        let (f, _) = invalid(parse_duration("sla", bad));
        assert_eq!(f, "sla", "{bad}");
    }
    let (_, r) = invalid(parse_duration("sla", "2d"));
    assert_eq!(r, "a working day has no fixed length: give hours");

    assert_eq!(format_duration(hours(2)), "2h");
    assert_eq!(format_duration(TimeDelta::minutes(90)), "1h30m");
    assert_eq!(format_duration(TimeDelta::minutes(45)), "45m");
    assert_eq!(format_duration(TimeDelta::zero()), "0m");
    assert_eq!(format_duration(TimeDelta::seconds(90)), "1m30s");
    for s in ["2h", "1h30m", "45m", "10000h", "1m"] {
        assert_eq!(format_duration(ok(s)), s);
    }
}

// ---- properties ----------------------------------------------------------------------------------------

const ZONES: [&str; 5] = [
    "Europe/Kyiv",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
];

fn hhmm(quarter: u16) -> String {
    let m = quarter * 15;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// A random calendar: a zone, up to two spans per weekday on quarter hours, some holidays and special
/// days in 2026-2027.
fn calendars() -> impl Strategy<Value = Calendar> {
    let day = proptest::collection::btree_set(0u16..=96, 0..=4);
    (
        0..ZONES.len(),
        proptest::collection::vec(day, 7),
        proptest::collection::vec(0i64..730, 0..12),
        proptest::collection::vec(
            (0i64..730, proptest::collection::btree_set(0u16..=96, 0..=2)),
            0..4,
        ),
    )
        .prop_map(|(zone, week, holidays, days)| {
            let spans_of = |points: &std::collections::BTreeSet<u16>| -> Vec<(String, String)> {
                let p: Vec<u16> = points.iter().copied().collect();
                p.chunks_exact(2)
                    .map(|c| (hhmm(c[0]), hhmm(c[1])))
                    .collect()
            };
            let mut spec = CalendarSpec::new(ZONES[zone]);
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            for (i, points) in week.iter().enumerate() {
                let spans = spans_of(points);
                if !spans.is_empty() {
                    spec.working_hours.insert(names[i].to_string(), spans);
                }
            }
            if spec.working_hours.is_empty() {
                spec = spec.hours("wed", &[("09:00", "18:00")]);
            }
            let base = date(2026, 1, 1);
            for h in holidays {
                spec = spec.holiday(base + TimeDelta::days(h));
            }
            for (d, points) in days {
                spec.days
                    .insert(base + TimeDelta::days(d), spans_of(&points));
            }
            cal(&spec)
        })
}

/// Start instants in 2025-12..2027-12, half of them within days of a summer-time change.
fn instants() -> impl Strategy<Value = DateTime<Utc>> {
    let changes = [
        utc(2026, 3, 8, 0, 0),
        utc(2026, 3, 29, 0, 0),
        utc(2026, 4, 5, 0, 0),
        utc(2026, 10, 4, 0, 0),
        utc(2026, 10, 25, 0, 0),
        utc(2026, 11, 1, 0, 0),
    ];
    prop_oneof![
        (0i64..2 * 365 * 86_400).prop_map(|s| utc(2025, 12, 1, 0, 0) + TimeDelta::seconds(s)),
        (0..changes.len(), -4 * 86_400i64..4 * 86_400)
            .prop_map(move |(i, s)| changes[i] + TimeDelta::seconds(s)),
    ]
}

fn amounts() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        (1i64..=40 * 3600).prop_map(TimeDelta::seconds),
        (1i64..=80).prop_map(|q| TimeDelta::minutes(q * 15)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn working_between_inverts_add_working(c in calendars(), a in instants(), d in amounts()) {
        let due = c.add_working(a, d);
        prop_assert!(due.is_ok(), "{:?}", due);
        let due = due.unwrap_or(a);
        prop_assert!(due > a);
        prop_assert_eq!(c.working_between(a, due), d);
        // The deadline is working time or exactly the end of a span.
        prop_assert!(c.is_working(due - TimeDelta::seconds(1)));
    }

    #[test]
    fn add_working_is_monotonic(c in calendars(), a in instants(), d1 in amounts(), d2 in amounts()) {
        let (lo, hi) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
        let x = c.add_working(a, lo).unwrap_or(a);
        let y = c.add_working(a, hi).unwrap_or(a);
        prop_assert!(x <= y);
        if lo < hi {
            prop_assert!(x < y);
        }
    }

    #[test]
    fn add_working_is_additive(c in calendars(), a in instants(), d1 in amounts(), d2 in amounts()) {
        let b = c.add_working(a, d1);
        prop_assert!(b.is_ok());
        let b = b.unwrap_or(a);
        prop_assert_eq!(c.add_working(b, d2).ok(), c.add_working(a, d1 + d2).ok());
    }

    #[test]
    fn working_between_is_additive(c in calendars(), x in instants(), y in instants(), z in instants()) {
        let mut v = [x, y, z];
        v.sort();
        let [a, b, d] = v;
        prop_assert_eq!(c.working_between(a, d), c.working_between(a, b) + c.working_between(b, d));
        prop_assert!(c.working_between(a, d) <= d - a);
    }

    #[test]
    fn next_working_is_the_first_working_instant(c in calendars(), t in instants()) {
        let n = c.next_working(t);
        prop_assert!(n.is_some());
        let n = n.unwrap_or(t);
        prop_assert!(n >= t);
        prop_assert!(c.is_working(n));
        prop_assert_eq!(c.working_between(t, n), TimeDelta::zero());
        prop_assert_eq!(c.add_working(t, TimeDelta::zero()).ok(), Some(n));
        prop_assert_eq!(c.is_working(t), n == t);
    }

    #[test]
    fn day_bounds_cover_the_local_date(c in calendars(), t in instants()) {
        let d = c.local_date(t);
        let (start, end) = c.day_bounds(d);
        prop_assert!(start <= t && t < end);
        for (s, e) in c.working_spans(d) {
            prop_assert!(start <= s && s < e && e <= end);
        }
    }
}
