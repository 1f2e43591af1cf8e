//! Retention rules: which clients a rule acts on, the templates of the tasks it makes, and the figures
//! of the retention report. Pure: the facade (`Crm::add_retention_rule`, `Crm::run_due`,
//! `Crm::retention_report`) loads and stores.
//!
//! # A rule
//! A condition about clients in the segment language (any client field, `has tag`, the scores `abc`,
//! `rfm_segment`, `p_alive`, the dormancy ladder `dormancy` …), an action ([`RuleAction`](crate::model::RuleAction): a task, a
//! tag, a mailing list, a reassignment) and a cool-down of at least one day. Each `run_due(now)` runs
//! every active rule, by id: the clients matching the condition as of `now`, minus those the rule acted
//! on within its cool-down before `now` (or at any time after it: a run for an earlier `now` never acts
//! twice either), minus — for a task — clients whose dormancy is `lost`. Win-back of lost clients goes
//! by a tag or a mailing rule (`dormancy = 'lost'` with a `mailing` action), never by a manager's task:
//! the rhythm says they are gone, and calling them is the marketing department's campaign, not a
//! manager's to-do. Merged clients are no longer clients and never match.
//!
//! An action that would change nothing (the client has the tag already, the owner is the manager named,
//! the routing rules find nobody else, the client is locked to its owner) is not a fire: nothing is
//! recorded, and a later run tries again.
//!
//! # How often
//! `run_due` evaluates the rules at most once every [`RULE_INTERVAL_MINUTES`] minutes of its `now`
//! (a host may run it every minute: its other parts are cheap, but evaluating every condition over a
//! big base is not, and the conditions are about days). Adding, replacing, pausing or removing a rule
//! makes the next run evaluate them whatever the time; a run at a time before the last evaluation
//! evaluates them too.
//!
//! # The rules every store starts with
//! | name | condition | action | cool-down | why |
//! |---|---|---|---|---|
//! | `reactivate dormant A-client` | `dormancy = 'dormant' and abc = 'A'` | task `reactivate` for the owner, due in 2 days | 30 days | the clients who bring 80 % of revenue are the ones worth a call the moment they fall well behind their own rhythm; a month gives the call time to work before asking again |
//! | `thank after first purchase` | `orders = 1 and first_order >= 3d ago` | task `thank_you` with `{cross_sell}`, due in 1 day | 3 650 days (once) | the second order is the hardest; a thank-you while the first is fresh, with the product others bought with it, is the cheapest push towards it |
//! | `call after resolved complaint` | `days_since_complaint_resolved between 7 and 13` | task `complaint_follow_up`, due in 1 day | 14 days | a week after the fix the client knows whether it held; the call turns a complaint into loyalty. The cool-down, longer than the 7-day window, makes it once per resolution |
//! | `birthday` | `days_to_birthday = 0` | task `congratulate`, due in 8 hours | 300 days | a personal touch that costs a minute; 300 days is once a year whatever the time of the run |
//! | `re-verify stale details` | `dormancy = 'active' and updated < 365d ago` | task `verify_details`, due in 7 days; at most 10 clients per owner a day | 365 days | an active client's phone, address and contact person change; a year-old record misleads every report and every call. The daily limit matters on the first run over a base with years of history, where most active clients are stale at once: ten a day is work a manager can do beside selling, and the rest follow on the next days |
//!
//! A rule's **daily limit** (`daily_limit`, none by default) caps the clients it acts on per owner of
//! the client per UTC day, counting what it did since the day's 00:00 UTC; the clients it leaves (lowest
//! id first) wait for the next day's runs. Clients without an owner count as one owner.
//!
//! Every default makes a task for the client's owner. Change one by adding a rule of the same name,
//! pause it with `set_retention_rule_active`, or remove it.
//!
//! # Templates
//! A task's title is a template: `{client}` (name), `{client_id}`, `{owner}` (the owner's name, or
//! `no owner`), `{days_since_last_order}` (whole UTC days, or `no orders`) and `{cross_sell}` (the
//! top two products the store's product pairs suggest for the client, over completed orders up to the
//! run's day with at least two clients per pair, joined by `, `; or `nothing to suggest`). `{{` and `}}`
//! are literal braces. Any other placeholder is refused when the rule is added, naming `action.title`.
//!
//! # The report
//! [`task_outcomes`] and [`repeat_outcomes`] compute the figures from rows the store reads; the
//! conventions are on [`RetentionReport`](crate::model::RetentionReport)'s fields: a task succeeds when its client completes an order
//! placed in `(created_at, created_at + window]`; a resolved complaint's client is judged by its last
//! complaint resolved in the period (latest resolution, then highest id), within SLA when neither the
//! first-response nor the resolution deadline was breached.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::error::{Error, Result};
use crate::model::{
    ClientId, ManagerId, ManagerOutcome, RepeatOutcome, RetentionRuleId, RuleOutcome, TaskOutcome,
};

/// The least time between two evaluations of the rules by `run_due`, in minutes.
pub const RULE_INTERVAL_MINUTES: i64 = 15;

/// The placeholders a task title may use.
pub const PLACEHOLDERS: &[&str] = &[
    "client",
    "client_id",
    "owner",
    "days_since_last_order",
    "cross_sell",
];

/// The longest `due_in`: ten years.
const MAX_DUE_MINUTES: i64 = 3_660 * 24 * 60;

/// The longest cool-down: about a hundred years.
pub const MAX_COOLDOWN_DAYS: u32 = 36_600;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Brace(char),
    Slot(&'a str),
}

/// Splits a template into pieces; an unclosed `{` or a lone `}` is an error.
fn pieces(template: &str) -> std::result::Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        if i > 0 {
            out.push(Piece::Text(&rest[..i]));
        }
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push(Piece::Brace('{'));
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push(Piece::Brace('}'));
            rest = after;
        } else if tail.starts_with('}') {
            return Err("has a lone '}' (write '}}' for a brace)".into());
        } else {
            let Some(end) = tail.find('}') else {
                return Err("has an unclosed '{' (write '{{' for a brace)".into());
            };
            out.push(Piece::Slot(&tail[1..end]));
            rest = &tail[end + 1..];
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// Checks a task title template: every placeholder known. The error names `field`.
pub fn check_template(field: &str, template: &str) -> Result<()> {
    for piece in pieces(template).map_err(|e| Error::validation(field, e))? {
        if let Piece::Slot(name) = piece {
            if !PLACEHOLDERS.contains(&name) {
                let shown: String = name.chars().take(32).collect();
                return Err(Error::validation(
                    field,
                    format!(
                        "unknown placeholder {{{shown}}}; known: {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether a (checked) template uses a placeholder.
pub fn uses(template: &str, placeholder: &str) -> bool {
    pieces(template)
        .unwrap_or_default()
        .contains(&Piece::Slot(placeholder))
}

/// What a template's placeholders stand for, for one client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateValues {
    /// The client's id.
    pub client_id: ClientId,
    /// The client's name.
    pub client: String,
    /// The owner's name.
    pub owner: Option<String>,
    /// Days since the last completed order.
    pub days_since_last_order: Option<i64>,
    /// The products to offer, best first.
    pub cross_sell: Vec<String>,
}

/// Renders a checked template (an unknown placeholder is left as written).
pub fn render(template: &str, v: &TemplateValues) -> String {
    let Ok(pieces) = pieces(template) else {
        return template.to_string();
    };
    let mut out = String::with_capacity(template.len() + 32);
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Brace(c) => out.push(c),
            Piece::Slot("client") => out.push_str(&v.client),
            Piece::Slot("client_id") => out.push_str(&v.client_id.to_string()),
            Piece::Slot("owner") => out.push_str(v.owner.as_deref().unwrap_or("no owner")),
            Piece::Slot("days_since_last_order") => match v.days_since_last_order {
                Some(d) => out.push_str(&d.to_string()),
                None => out.push_str("no orders"),
            },
            Piece::Slot("cross_sell") => {
                if v.cross_sell.is_empty() {
                    out.push_str("nothing to suggest");
                } else {
                    out.push_str(&v.cross_sell.join(", "));
                }
            }
            Piece::Slot(other) => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
    }
    out
}

/// Parses a `due_in` (`2d`, `4h`, `1d12h`, `30m`, `2w`): calendar time. The error names `field`.
pub fn parse_due_in(field: &str, text: &str) -> Result<Duration> {
    let bad = || {
        let shown: String = text.chars().take(16).collect();
        Error::validation(
            field,
            format!(
                "{shown:?} is not a duration: expected whole numbers with w, d, h or m, like 2d or 1d12h"
            ),
        )
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(bad());
    }
    let mut minutes: i64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            'w' => 7 * 24 * 60,
            'd' => 24 * 60,
            'h' => 60,
            'm' => 1,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        minutes = n
            .checked_mul(unit)
            .and_then(|x| minutes.checked_add(x))
            .ok_or_else(bad)?;
        if minutes > MAX_DUE_MINUTES {
            return Err(Error::validation(field, "must be at most ten years"));
        }
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(Duration::minutes(minutes))
}

/// Checks a cool-down: 1 to [`MAX_COOLDOWN_DAYS`] days.
pub fn check_cooldown(field: &str, days: u32) -> Result<u32> {
    if days == 0 {
        return Err(Error::validation(field, "must be at least 1 day"));
    }
    if days > MAX_COOLDOWN_DAYS {
        return Err(Error::validation(
            field,
            format!("must be at most {MAX_COOLDOWN_DAYS} days"),
        ));
    }
    Ok(days)
}

/// The instant from which a fire keeps a client in a rule's cool-down at `now`: a fire after it (or at
/// any later time) counts.
pub fn cooldown_start(now: DateTime<Utc>, cooldown_days: u32) -> DateTime<Utc> {
    now.checked_sub_signed(Duration::days(i64::from(cooldown_days)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The clients a rule acts on: `matched` minus `cooling` (those it fired on in its cool-down, any
/// order, repeats allowed), ascending. Linear after sorting: a rule matching a million clients is one
/// pass.
pub fn candidates(matched: &[ClientId], mut cooling: Vec<ClientId>) -> Vec<ClientId> {
    let mut matched = matched.to_vec();
    matched.sort_unstable();
    matched.dedup();
    if cooling.is_empty() {
        return matched;
    }
    cooling.sort_unstable();
    cooling.dedup();
    let (out, _) = crate::segment::diff(&cooling, &matched);
    out
}

/// A rule's task, as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    /// The rule that made it.
    pub rule_id: RetentionRuleId,
    /// The rule's name.
    pub rule: String,
    /// Who it went to.
    pub manager_id: Option<ManagerId>,
    /// Whether it is done.
    pub done: bool,
    /// Whether its client completed an order in the window after it was made.
    pub ordered: bool,
}

fn add(o: &mut TaskOutcome, row: &TaskRow) {
    o.tasks += 1;
    o.done += u64::from(row.done);
    o.ordered += u64::from(row.ordered);
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Per rule (by id), per manager (by id, nobody first) and in total: the tasks, done, followed by an
/// order, and the rate `ordered / tasks`.
pub fn task_outcomes(rows: &[TaskRow]) -> (Vec<RuleOutcome>, Vec<ManagerOutcome>, TaskOutcome) {
    let mut rules: BTreeMap<RetentionRuleId, (String, TaskOutcome)> = BTreeMap::new();
    let mut managers: BTreeMap<Option<ManagerId>, TaskOutcome> = BTreeMap::new();
    let mut total = TaskOutcome::default();
    for row in rows {
        let entry = rules
            .entry(row.rule_id)
            .or_insert_with(|| (row.rule.clone(), TaskOutcome::default()));
        add(&mut entry.1, row);
        add(managers.entry(row.manager_id).or_default(), row);
        add(&mut total, row);
    }
    let finish = |mut o: TaskOutcome| {
        o.rate = rate(o.ordered, o.tasks);
        o
    };
    (
        rules
            .into_iter()
            .map(|(rule_id, (rule, o))| RuleOutcome {
                rule_id,
                rule,
                outcome: finish(o),
            })
            .collect(),
        managers
            .into_iter()
            .map(|(manager_id, o)| ManagerOutcome {
                manager_id,
                outcome: finish(o),
            })
            .collect(),
        finish(total),
    )
}

/// A complaint resolved in the period, as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRow {
    /// The client.
    pub client_id: ClientId,
    /// The complaint's id (breaks ties of resolution time).
    pub complaint_id: i64,
    /// When it was resolved.
    pub resolved_at: DateTime<Utc>,
    /// Neither deadline breached.
    pub within_sla: bool,
    /// The client completed an order in the window after the resolution.
    pub ordered: bool,
}

/// Clients within SLA and breached, each judged by its last complaint (latest resolution, then highest
/// id), with the share that ordered in the window after it.
pub fn repeat_outcomes(rows: &[ResolvedRow]) -> (RepeatOutcome, RepeatOutcome) {
    let mut last: BTreeMap<ClientId, &ResolvedRow> = BTreeMap::new();
    for row in rows {
        let e = last.entry(row.client_id).or_insert(row);
        if (row.resolved_at, row.complaint_id) > (e.resolved_at, e.complaint_id) {
            *e = row;
        }
    }
    let (mut within, mut breached) = (RepeatOutcome::default(), RepeatOutcome::default());
    for row in last.values() {
        let o = if row.within_sla {
            &mut within
        } else {
            &mut breached
        };
        o.clients += 1;
        o.ordered += u64::from(row.ordered);
    }
    within.rate = rate(within.ordered, within.clients);
    breached.rate = rate(breached.ordered, breached.clients);
    (within, breached)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use chrono::TimeZone;

    #[test]
    fn templates_check_and_render() {
        assert!(check_template("action.title", "Call {client} ({client_id}), {{ok}}").is_ok());
        let err = check_template("action.title", "Call {clinet}").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("action.title: unknown placeholder {clinet}")
        );
        assert!(check_template("action.title", "Call {client").is_err());
        assert!(check_template("action.title", "a } b").is_err());
        let v = TemplateValues {
            client_id: ClientId(7),
            client: "Romashka".into(),
            owner: None,
            days_since_last_order: Some(91),
            cross_sell: vec!["tea".into(), "cups".into()],
        };
        assert_eq!(
            render(
                "{client} #{client_id}, {owner}, {days_since_last_order}d, offer {cross_sell} {{x}}",
                &v
            ),
            "Romashka #7, no owner, 91d, offer tea, cups {x}"
        );
        assert!(uses("offer {cross_sell}", "cross_sell"));
        assert!(!uses("offer {{cross_sell}}", "cross_sell"));
    }

    #[test]
    fn due_in_parses_calendar_time() {
        assert_eq!(parse_due_in("d", "2d").unwrap(), Duration::days(2));
        assert_eq!(parse_due_in("d", "1d12h").unwrap(), Duration::hours(36));
        assert_eq!(parse_due_in("d", "2w").unwrap(), Duration::days(14));
        assert_eq!(parse_due_in("d", "0h").unwrap(), Duration::zero());
        for bad in ["", "2", "d", "2x", "-1d", "99999999999999999999d", "4000d"] {
            assert!(parse_due_in("due", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cooldown_bounds() {
        assert!(check_cooldown("cooldown_days", 0).is_err());
        assert_eq!(check_cooldown("cooldown_days", 1).unwrap(), 1);
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        assert_eq!(
            cooldown_start(now, 2),
            Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
        );
        assert_eq!(
            candidates(
                &[ClientId(1), ClientId(2), ClientId(3)],
                vec![ClientId(4), ClientId(2), ClientId(2)]
            ),
            vec![ClientId(1), ClientId(3)]
        );
        assert_eq!(candidates(&[ClientId(2)], Vec::new()), vec![ClientId(2)]);
    }

    #[test]
    fn outcomes_group_and_rate() {
        let row = |rule: i64, m: Option<i64>, done: bool, ordered: bool| TaskRow {
            rule_id: RetentionRuleId(rule),
            rule: format!("r{rule}"),
            manager_id: m.map(ManagerId),
            done,
            ordered,
        };
        let (rules, managers, total) = task_outcomes(&[
            row(2, Some(1), true, true),
            row(1, None, false, false),
            row(2, Some(1), false, false),
            row(2, Some(3), true, false),
        ]);
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].rule_id, RetentionRuleId(1));
        assert_eq!(rules[1].outcome.tasks, 3);
        assert_eq!(rules[1].outcome.done, 2);
        assert_eq!(rules[1].outcome.rate, Some(1.0 / 3.0));
        assert_eq!(managers[0].manager_id, None);
        assert_eq!(managers[1].outcome.rate, Some(0.5));
        assert_eq!(total.tasks, 4);
        assert_eq!(total.ordered, 1);

        let t = |d| Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap();
        let res = |c: i64, id: i64, d, within, ordered| ResolvedRow {
            client_id: ClientId(c),
            complaint_id: id,
            resolved_at: t(d),
            within_sla: within,
            ordered,
        };
        let (within, breached) = repeat_outcomes(&[
            res(1, 1, 2, false, false),
            res(1, 2, 3, true, true), // client 1's last: within SLA
            res(2, 3, 5, false, true),
            res(3, 5, 5, true, false),
            res(3, 4, 5, false, false), // same time, lower id: not the last
        ]);
        assert_eq!((within.clients, within.ordered), (2, 1));
        assert_eq!(within.rate, Some(0.5));
        assert_eq!((breached.clients, breached.ordered), (1, 1));
        assert_eq!(repeat_outcomes(&[]).0.rate, None);
    }
}
