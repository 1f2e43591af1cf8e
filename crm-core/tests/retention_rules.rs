#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Retention rules through the public API: adding, replacing, pausing and removing them; each action
//! kind; the cool-down and idempotency of `run_due`; no task for a lost or merged client; the defaults
//! every store starts with (they exist, compile, and each fires on a client made for it); the report.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{at, expect_err, mem, units};
use crm_core::*;

const DEFAULTS: &[&str] = &[
    "reactivate dormant A-client",
    "thank after first purchase",
    "call after resolved complaint",
    "birthday",
    "re-verify stale details",
];

fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).single().unwrap()
}

/// A store with the defaults paused, so a test sees only its own rule.
fn quiet() -> Crm {
    let crm = mem();
    for name in DEFAULTS {
        crm.set_retention_rule_active(name, false, at(1, 0, 0))
            .unwrap();
    }
    crm
}

fn task(kind: &str, title: &str, due_in: &str) -> RuleAction {
    RuleAction::Task {
        task_kind: kind.into(),
        title: title.into(),
        due_in: due_in.into(),
        to: Assignee::Owner,
    }
}

fn client(crm: &Crm, name: &str, owner: Option<ManagerId>, when: DateTime<Utc>) -> ClientId {
    let mut new = NewClient::new(ClientKind::Company, name);
    new.owner_id = owner;
    crm.add_client(new, when).unwrap().id
}

fn order(crm: &Crm, client: ClientId, total: i64, skus: &[&str], when: DateTime<Utc>) {
    let lines = skus
        .iter()
        .map(|s| OrderLine::new(*s, 1, units(total / skus.len().max(1) as i64)))
        .collect::<Vec<_>>();
    let total = if lines.is_empty() {
        units(total)
    } else {
        lines.iter().fold(Money::from_minor(0), |a, l| {
            a.checked_add(l.unit_price).unwrap()
        })
    };
    crm.record_order(
        NewOrder {
            client_id: client,
            total,
            lines,
            ..Default::default()
        },
        when,
    )
    .unwrap();
}

#[test]
fn defaults_exist_on_a_new_store_and_compile() {
    let crm = mem();
    let rules = crm.retention_rules().unwrap();
    let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, DEFAULTS);
    for r in &rules {
        assert!(r.active);
        assert!(r.cooldown_days >= 1);
        // Stored canonical, and it compiles against the store's fields.
        assert_eq!(
            crm.check_expression(Subject::Clients, &r.condition)
                .unwrap(),
            r.condition,
            "{}",
            r.name
        );
        assert_eq!(r.action.kind(), "task");
        // Re-adding a default as it is changes nothing: its action passes the checks too.
        let seq = crm.last_seq().unwrap();
        let again = crm
            .add_retention_rule(
                NewRetentionRule {
                    daily_limit: r.daily_limit,
                    ..NewRetentionRule::new(
                        r.name.clone(),
                        r.condition.clone(),
                        r.action.clone(),
                        r.cooldown_days,
                    )
                },
                at(2, 0, 0),
            )
            .unwrap();
        assert_eq!(&again, r);
        assert_eq!(crm.last_seq().unwrap(), seq);
    }
}

#[test]
fn crud_and_validation() {
    let crm = quiet();
    let olena = crm
        .add_manager(NewManager::new("Olena"), at(1, 0, 0))
        .unwrap();
    let new = NewRetentionRule::new(
        "big",
        "REVENUE >= 1000",
        task("call", "Call {client}", "2d"),
        7,
    );
    let rule = crm.add_retention_rule(new.clone(), at(2, 9, 0)).unwrap();
    assert_eq!(rule.condition, "revenue >= 1000");
    assert!(rule.active);
    assert_eq!(crm.get_retention_rule("big").unwrap(), rule);
    // Replacing keeps the id.
    let mut changed = new.clone();
    changed.cooldown_days = 14;
    let replaced = crm.add_retention_rule(changed, at(2, 10, 0)).unwrap();
    assert_eq!(replaced.id, rule.id);
    assert_eq!(replaced.cooldown_days, 14);
    assert_eq!(replaced.created_at, rule.created_at);
    let paused = crm
        .set_retention_rule_active("big", false, at(2, 11, 0))
        .unwrap();
    assert!(!paused.active);
    let removed = crm.remove_retention_rule("big", at(2, 12, 0)).unwrap();
    assert_eq!(removed.id, rule.id);
    expect_err(crm.get_retention_rule("big"), ErrorKind::NotFound, None);
    expect_err(
        crm.remove_retention_rule("big", at(2, 12, 0)),
        ErrorKind::NotFound,
        None,
    );
    let kinds: Vec<String> = crm
        .history("retention_rule", rule.id.0)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["created", "replaced", "active_changed", "removed"]);
    // The name is free again: a new rule, a new id.
    let again = crm.add_retention_rule(new.clone(), at(3, 0, 0)).unwrap();
    assert_ne!(again.id, rule.id);

    let bad = |f: &dyn Fn(&mut NewRetentionRule)| {
        let mut n =
            NewRetentionRule::new("x", "orders >= 1", task("call", "Call {client}", "2d"), 7);
        f(&mut n);
        crm.add_retention_rule(n, at(3, 0, 0))
    };
    expect_err(
        bad(&|n| n.condition = "ordres >= 1".into()),
        ErrorKind::Validation,
        Some("condition"),
    );
    expect_err(
        bad(&|n| n.cooldown_days = 0),
        ErrorKind::Validation,
        Some("cooldown_days"),
    );
    expect_err(
        bad(&|n| n.name = " ".into()),
        ErrorKind::Validation,
        Some("name"),
    );
    let err = expect_err(
        bad(&|n| n.action = task("call", "Call {clinet}", "2d")),
        ErrorKind::Validation,
        Some("action.title"),
    );
    assert!(err.to_string().contains("{clinet}"), "{err}");
    expect_err(
        bad(&|n| n.action = task("call", "Call", "2 days")),
        ErrorKind::Validation,
        Some("action.due_in"),
    );
    expect_err(
        bad(&|n| n.action = task("Call me", "Call", "2d")),
        ErrorKind::Validation,
        Some("action.task_kind"),
    );
    expect_err(
        bad(&|n| {
            n.action = RuleAction::Task {
                task_kind: "call".into(),
                title: "Call".into(),
                due_in: "2d".into(),
                to: Assignee::Manager(ManagerId(99)),
            }
        }),
        ErrorKind::Validation,
        Some("action.to"),
    );
    expect_err(
        bad(&|n| {
            n.action = RuleAction::Reassign {
                manager: Some(ManagerId(99)),
            }
        }),
        ErrorKind::Validation,
        Some("action.manager"),
    );
    expect_err(
        bad(&|n| n.action = RuleAction::Tag { tag: "".into() }),
        ErrorKind::Validation,
        Some("action.tag"),
    );
    crm.save_segment("regulars", "orders >= 5", at(3, 0, 0))
        .unwrap();
    expect_err(
        bad(&|n| {
            n.action = RuleAction::Mailing {
                segment: "regulars".into(),
            }
        }),
        ErrorKind::Validation,
        Some("action.segment"),
    );
    // The action's JSON: tagged by kind, unknown fields refused, `to` as "owner" or an id.
    let json = serde_json::to_value(RuleAction::Task {
        task_kind: "call".into(),
        title: "t".into(),
        due_in: "1d".into(),
        to: Assignee::Manager(olena.id),
    })
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "task", "task_kind": "call", "title": "t", "due_in": "1d", "to": olena.id.0})
    );
    let parsed: RuleAction = serde_json::from_value(
        serde_json::json!({"kind": "task", "task_kind": "call", "title": "t", "due_in": "1d"}),
    )
    .unwrap();
    assert!(matches!(
        parsed,
        RuleAction::Task {
            to: Assignee::Owner,
            ..
        }
    ));
    assert!(
        serde_json::from_value::<RuleAction>(
            serde_json::json!({"kind": "tag", "tag": "x", "y": 1})
        )
        .is_err()
    );
}

#[test]
fn a_task_rule_fires_once_per_cooldown_and_run_due_is_idempotent() {
    let crm = quiet();
    let olena = crm
        .add_manager(NewManager::new("Olena"), at(1, 0, 0))
        .unwrap();
    let a = client(&crm, "Romashka", Some(olena.id), at(1, 0, 0));
    let b = client(&crm, "Vasylok", None, at(1, 0, 0));
    client(&crm, "Nobody", None, at(1, 0, 0)); // no orders: not matched
    order(&crm, a, 100, &[], at(2, 10, 0));
    order(&crm, b, 100, &[], at(3, 10, 0));
    let rule = crm
        .add_retention_rule(
            NewRetentionRule::new(
                "buyers",
                "orders >= 1",
                task(
                    "call",
                    "Call {client} (#{client_id}) for {owner}: {days_since_last_order} days",
                    "1d12h",
                ),
                30,
            ),
            at(4, 0, 0),
        )
        .unwrap();
    let now = at(10, 9, 0);
    let run = crm.run_due(now).unwrap();
    assert_eq!(run.fired.len(), 2);
    assert_eq!(
        run.fired.iter().map(|f| f.client_id).collect::<Vec<_>>(),
        [a, b]
    );
    let t = &run.tasks[0];
    assert_eq!(t.title, format!("Call Romashka (#{a}) for Olena: 8 days"));
    assert_eq!(t.manager_id, Some(olena.id));
    assert_eq!(t.kind, "call");
    assert_eq!(t.rule_id, Some(rule.id));
    assert_eq!(t.due_at, Some(now + Duration::hours(36)));
    assert_eq!(run.fired[0].task_id, Some(t.id));
    assert_eq!(run.tasks[1].manager_id, None);
    assert!(run.tasks[1].title.contains("for no owner"));
    let fired = crm.history("client", a.0).unwrap();
    assert!(fired.iter().any(|e| e.kind == "retention_rule_fired"));

    // The same now, a minute later, the next day: nothing.
    let seq = crm.last_seq().unwrap();
    for later in [
        now,
        now + Duration::minutes(1),
        now + Duration::days(1),
        now - Duration::days(3),
    ] {
        let again = crm.run_due(later).unwrap();
        assert!(again.fired.is_empty() && again.tasks.is_empty(), "{later}");
    }
    assert_eq!(crm.last_seq().unwrap(), seq);
    // After the cool-down, once more.
    let run = crm.run_due(now + Duration::days(30)).unwrap();
    assert_eq!(run.fired.len(), 2);
    assert_eq!(crm.list_tasks(None, false).unwrap().len(), 4);
}

#[test]
fn tag_and_mailing_actions() {
    let crm = quiet();
    let a = client(&crm, "Romashka", None, at(1, 0, 0));
    order(&crm, a, 100, &[], at(2, 0, 0));
    crm.add_retention_rule(
        NewRetentionRule::new(
            "tag buyers",
            "orders >= 1",
            RuleAction::Tag {
                tag: "Buyer".into(),
            },
            1,
        ),
        at(3, 0, 0),
    )
    .unwrap();
    crm.add_retention_rule(
        NewRetentionRule::new(
            "mail buyers",
            "orders >= 1",
            RuleAction::Mailing {
                segment: "buyers' mailing".into(),
            },
            1,
        ),
        at(3, 0, 0),
    )
    .unwrap();
    let saved = crm.get_segment("buyers' mailing").unwrap();
    assert_eq!(saved.expression, "has tag 'buyers'' mailing'");
    let run = crm.run_due(at(4, 0, 0)).unwrap();
    assert_eq!(run.fired.len(), 2);
    assert!(run.tasks.is_empty());
    let c = crm.get_client(a).unwrap();
    assert_eq!(c.tags, ["Buyer", "buyers' mailing"]);
    assert_eq!(
        c.updated_at,
        at(1, 0, 0),
        "a rule's tag is not an update of the details"
    );
    assert_eq!(crm.segment("has tag 'buyer'", at(4, 0, 0)).unwrap(), [a]);
    let mut out = Vec::new();
    assert_eq!(
        crm.export_segment("buyers' mailing", at(4, 0, 0), &mut out)
            .unwrap(),
        1
    );
    // Past the one-day cool-down the tag is there: nothing to do, nothing recorded.
    let seq = crm.last_seq().unwrap();
    assert!(crm.run_due(at(9, 0, 0)).unwrap().fired.is_empty());
    assert_eq!(crm.last_seq().unwrap(), seq);
}

#[test]
fn reassign_actions() {
    let crm = quiet();
    let olena = crm
        .add_manager(NewManager::new("Olena"), at(1, 0, 0))
        .unwrap();
    let petro = crm
        .add_manager(NewManager::new("Petro"), at(1, 0, 0))
        .unwrap();
    crm.add_routing_rule(
        NewRoutingRule::new("all", Strategy::RoundRobin),
        at(1, 0, 0),
    )
    .unwrap();
    let a = client(&crm, "Romashka", Some(olena.id), at(1, 0, 0));
    let b = client(&crm, "Vasylok", Some(petro.id), at(1, 0, 0));
    crm.update_client(
        a,
        ClientPatch {
            tags: Some(vec!["move".into()]),
            ..Default::default()
        },
        at(1, 1, 0),
    )
    .unwrap();
    crm.update_client(
        b,
        ClientPatch {
            tags: Some(vec!["to olena".into()]),
            ..Default::default()
        },
        at(1, 1, 0),
    )
    .unwrap();
    crm.add_retention_rule(
        NewRetentionRule::new(
            "move",
            "has tag 'move'",
            RuleAction::Reassign { manager: None },
            30,
        ),
        at(2, 0, 0),
    )
    .unwrap();
    crm.add_retention_rule(
        NewRetentionRule::new(
            "to olena",
            "has tag 'to olena'",
            RuleAction::Reassign {
                manager: Some(olena.id),
            },
            30,
        ),
        at(2, 0, 0),
    )
    .unwrap();
    let run = crm.run_due(at(3, 0, 0)).unwrap();
    assert_eq!(run.fired.len(), 2);
    // The routing rules never give it back to its owner.
    assert_eq!(crm.get_client(a).unwrap().owner_id, Some(petro.id));
    assert_eq!(crm.get_client(b).unwrap().owner_id, Some(olena.id));
    assert_eq!(crm.client_assignments(a).unwrap().len(), 1);
}

#[test]
fn a_lost_client_gets_no_task_but_is_tagged_and_a_merged_one_nothing() {
    let crm = quiet();
    let lost = client(&crm, "Gone", None, day(2024, 1, 1));
    order(&crm, lost, 100, &[], day(2024, 1, 2));
    let live = client(&crm, "Here", None, day(2024, 1, 1));
    order(&crm, live, 100, &[], day(2026, 10, 20));
    let twin = client(&crm, "Here too", None, day(2024, 1, 1));
    order(&crm, twin, 100, &[], day(2026, 10, 21));
    crm.merge_clients(live, twin, day(2026, 10, 22)).unwrap();
    crm.add_retention_rule(
        NewRetentionRule::new(
            "call",
            "orders >= 1",
            task("call", "Call {client}", "1d"),
            30,
        ),
        day(2026, 11, 1),
    )
    .unwrap();
    crm.add_retention_rule(
        NewRetentionRule::new(
            "win back",
            "orders >= 1",
            RuleAction::Tag {
                tag: "win-back".into(),
            },
            30,
        ),
        day(2026, 11, 1),
    )
    .unwrap();
    let run = crm.run_due(day(2026, 11, 2)).unwrap();
    let calls: Vec<ClientId> = run.tasks.iter().filter_map(|t| t.client_id).collect();
    assert_eq!(
        calls,
        [live],
        "no task for the lost client, none for the merged one"
    );
    let tagged: Vec<ClientId> = run
        .fired
        .iter()
        .filter(|f| f.rule == "win back")
        .map(|f| f.client_id)
        .collect();
    assert_eq!(tagged, [lost, live]);
}

#[test]
fn each_default_fires_on_a_client_made_for_it() {
    let crm = mem();
    let olena = crm
        .add_manager(NewManager::new("Olena"), day(2024, 1, 1))
        .unwrap();
    let now = day(2026, 11, 20);
    // Reactivate: the biggest buyer (A), one purchase 150 days ago (dormant by the flat rule).
    let big = client(&crm, "Big", Some(olena.id), day(2026, 1, 1));
    order(&crm, big, 3_000, &[], now - Duration::days(150));
    // (under the inclusive ABC rule a client holding over 80 % of revenue alone is not A: others buy too)
    for i in 0..5 {
        let other = client(&crm, &format!("Other {i}"), None, day(2026, 1, 1));
        order(&crm, other, 1_000, &[], now - Duration::days(20));
    }
    // Thank: a first purchase yesterday of tea; others bought tea with cups.
    for name in ["P1", "P2"] {
        let p = client(&crm, name, None, day(2026, 1, 1));
        order(&crm, p, 10, &["tea", "cups"], now - Duration::days(20));
    }
    let first = client(&crm, "First", Some(olena.id), day(2026, 11, 1));
    order(&crm, first, 10, &["tea"], now - Duration::days(1));
    // Complaint resolved nine days ago.
    let unhappy = client(&crm, "Unhappy", Some(olena.id), day(2026, 1, 1));
    let k = crm
        .open_complaint(
            NewComplaint {
                client_id: unhappy,
                order_id: None,
                subject: "late".into(),
                body: None,
                priority: None,
                owner_id: Some(olena.id),
            },
            now - Duration::days(10),
        )
        .unwrap();
    crm.resolve_complaint(k.id, "refunded", now - Duration::days(9))
        .unwrap();
    // Birthday today.
    let mut new = NewClient::new(ClientKind::Person, "Birthday");
    new.birth_date = NaiveDate::from_ymd_opt(1990, 11, 20);
    new.owner_id = Some(olena.id);
    let bday = crm.add_client(new, day(2026, 1, 1)).unwrap().id;
    // Stale: added two years ago, never updated, buying every month (active).
    let stale = client(&crm, "Stale", Some(olena.id), day(2024, 6, 1));
    for m in 0..8 {
        order(&crm, stale, 50, &[], now - Duration::days(30 * m + 5));
    }
    let run = crm.run_due(now).unwrap();
    let fired = |rule: &str| -> Vec<ClientId> {
        run.fired
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.client_id)
            .collect()
    };
    assert_eq!(fired("reactivate dormant A-client"), [big]);
    assert!(fired("thank after first purchase").contains(&first));
    assert_eq!(fired("call after resolved complaint"), [unhappy]);
    assert_eq!(fired("birthday"), [bday]);
    assert!(fired("re-verify stale details").contains(&stale));
    let thank = run
        .tasks
        .iter()
        .find(|t| t.client_id == Some(first) && t.kind == "thank_you")
        .unwrap();
    assert_eq!(
        thank.title,
        "Thank First for the first purchase; offer cups"
    );
    assert!(
        run.tasks
            .iter()
            .all(|t| t.manager_id.is_none() || t.manager_id == Some(olena.id))
    );
    // Idempotent with every default at work.
    let seq = crm.last_seq().unwrap();
    assert!(crm.run_due(now).unwrap().fired.is_empty());
    assert_eq!(crm.last_seq().unwrap(), seq);
}

#[test]
fn the_report_on_a_hand_computed_case() {
    let crm = quiet();
    let olena = crm
        .add_manager(NewManager::new("Olena"), at(1, 0, 0))
        .unwrap();
    let petro = crm
        .add_manager(NewManager::new("Petro"), at(1, 0, 0))
        .unwrap();
    let a = client(&crm, "A", Some(olena.id), at(1, 0, 0));
    let b = client(&crm, "B", Some(olena.id), at(1, 0, 0));
    let c = client(&crm, "C", Some(petro.id), at(1, 0, 0));
    for x in [a, b, c] {
        crm.update_client(
            x,
            ClientPatch {
                tags: Some(vec!["go".into()]),
                ..Default::default()
            },
            at(1, 1, 0),
        )
        .unwrap();
    }
    let rule = crm
        .add_retention_rule(
            NewRetentionRule::new(
                "go",
                "has tag 'go'",
                task("call", "Call {client}", "1d"),
                30,
            ),
            at(2, 0, 0),
        )
        .unwrap();
    let run = crm.run_due(at(3, 9, 0)).unwrap();
    assert_eq!(run.tasks.len(), 3);
    // A orders within 10 days; B orders after 12 days; C never. A's task done.
    order(&crm, a, 10, &[], at(8, 0, 0));
    order(&crm, b, 10, &[], at(15, 10, 0));
    crm.close_task(run.tasks[0].id, TaskStatus::Done, at(4, 0, 0))
        .unwrap();
    // Complaints: A's resolved within SLA, C's resolved after its deadline (breached by run_due).
    let open = |client, when| {
        crm.open_complaint(
            NewComplaint {
                client_id: client,
                order_id: None,
                subject: "s".into(),
                body: None,
                priority: None,
                owner_id: None,
            },
            when,
        )
        .unwrap()
        .id
    };
    let ka = open(a, at(5, 9, 0));
    crm.resolve_complaint(ka, "ok", at(5, 10, 0)).unwrap();
    let kc = open(c, at(2, 9, 0));
    crm.run_due(at(25, 0, 0)).unwrap();
    crm.resolve_complaint(kc, "late", at(26, 0, 0)).unwrap();
    let q = RetentionReportQuery {
        start: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        window_days: 10,
    };
    let report = crm.retention_report(&q).unwrap();
    assert_eq!(report.rules.len(), 1);
    assert_eq!(report.rules[0].rule_id, rule.id);
    let o = &report.rules[0].outcome;
    assert_eq!((o.tasks, o.done, o.ordered), (3, 1, 1));
    assert_eq!(o.rate, Some(1.0 / 3.0));
    assert_eq!(report.managers.len(), 2);
    assert_eq!(report.managers[0].manager_id, Some(olena.id));
    assert_eq!(report.managers[0].outcome.rate, Some(0.5));
    assert_eq!(report.managers[1].outcome.rate, Some(0.0));
    // A ordered on the 8th, after its complaint resolved on the 5th: within SLA, ordered.
    assert_eq!(report.complaints_within_sla.clients, 1);
    assert_eq!(report.complaints_within_sla.ordered, 1);
    assert_eq!(report.complaints_breached.clients, 1);
    assert_eq!(report.complaints_breached.rate, Some(0.0));
    // A 20-day window also counts B.
    let wide = crm
        .retention_report(&RetentionReportQuery {
            window_days: 20,
            ..q
        })
        .unwrap();
    assert_eq!(wide.total.ordered, 2);
    expect_err(
        crm.retention_report(&RetentionReportQuery {
            window_days: 0,
            ..q
        }),
        ErrorKind::Validation,
        Some("window_days"),
    );
    expect_err(
        crm.retention_report(&RetentionReportQuery {
            end: q.start.pred_opt().unwrap(),
            ..q
        }),
        ErrorKind::Validation,
        Some("end"),
    );
}

#[test]
fn a_rule_whose_condition_stops_compiling_is_paused_not_fatal() {
    let crm = quiet();
    let olena = crm
        .add_manager(NewManager::new("Olena"), at(1, 0, 0))
        .unwrap();
    client(&crm, "Romashka", Some(olena.id), at(1, 0, 0));
    let rule = crm
        .add_retention_rule(
            NewRetentionRule::new(
                "hers",
                "owner = 'Olena'",
                RuleAction::Tag { tag: "hers".into() },
                1,
            ),
            at(2, 0, 0),
        )
        .unwrap();
    crm.update_manager(
        olena.id,
        ManagerPatch {
            name: Some("Olena K".into()),
            ..Default::default()
        },
        at(3, 0, 0),
    )
    .unwrap();
    let run = crm.run_due(at(4, 0, 0)).unwrap();
    assert!(run.fired.is_empty());
    assert!(!crm.get_retention_rule("hers").unwrap().active);
    let last = crm
        .history("retention_rule", rule.id.0)
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.kind, "paused");
    let seq = crm.last_seq().unwrap();
    crm.run_due(at(4, 0, 0)).unwrap();
    assert_eq!(crm.last_seq().unwrap(), seq);
}

#[test]
fn a_daily_limit_spreads_a_rule_over_the_days_per_owner() {
    let crm = quiet();
    let olena = crm
        .add_manager(NewManager::new("Olena"), at(1, 0, 0))
        .unwrap()
        .id;
    let taras = crm
        .add_manager(NewManager::new("Taras"), at(1, 0, 0))
        .unwrap()
        .id;
    let start = day(2026, 3, 2);
    let olenas: Vec<ClientId> = (0..3)
        .map(|i| client(&crm, &format!("O{i}"), Some(olena), start))
        .collect();
    let tarases: Vec<ClientId> = (0..2)
        .map(|i| client(&crm, &format!("T{i}"), Some(taras), start))
        .collect();
    let orphan = client(&crm, "nobody's", None, start);
    let mut rule = NewRetentionRule::new(
        "call everyone",
        "kind = 'company'",
        task("call", "Call {client}", "1d"),
        365,
    );
    rule.daily_limit = Some(0);
    expect_err(
        crm.add_retention_rule(rule.clone(), start),
        ErrorKind::Validation,
        Some("daily_limit"),
    );
    rule.daily_limit = Some(2);
    let stored = crm.add_retention_rule(rule, start).unwrap();
    assert_eq!(stored.daily_limit, Some(2));

    let fired = |run: &DueRun| run.fired.iter().map(|f| f.client_id).collect::<Vec<_>>();
    // Day one: two of Olena's (lowest ids first), both of Taras's, the one without an owner.
    let first = crm.run_due(start + Duration::hours(1)).unwrap();
    assert_eq!(
        fired(&first),
        [olenas[0], olenas[1], tarases[0], tarases[1], orphan]
    );
    // Later the same day: the limit holds, nothing more.
    assert!(
        crm.run_due(start + Duration::hours(5))
            .unwrap()
            .fired
            .is_empty()
    );
    // The next day: the one left.
    let next = crm.run_due(start + Duration::days(1)).unwrap();
    assert_eq!(fired(&next), [olenas[2]]);
    assert_eq!(
        crm.get_retention_rule("call everyone").unwrap().daily_limit,
        Some(2)
    );
    let verify = crm.get_retention_rule("re-verify stale details").unwrap();
    assert_eq!(
        verify.daily_limit,
        Some(10),
        "the default spreads the first run"
    );
}

#[test]
fn rules_are_evaluated_at_most_every_interval_unless_a_rule_changed() {
    let crm = quiet();
    let start = day(2026, 3, 2);
    let rule = NewRetentionRule::new(
        "tag vip",
        "has tag 'vip'",
        RuleAction::Tag { tag: "seen".into() },
        30,
    );
    crm.add_retention_rule(rule, start).unwrap();
    assert!(crm.run_due(start).unwrap().fired.is_empty());
    let mut new = NewClient::new(ClientKind::Company, "Late comer");
    new.tags = vec!["vip".into()];
    let c = crm
        .add_client(new, start + Duration::minutes(1))
        .unwrap()
        .id;
    // Within the interval the rules are not evaluated again: the cron every minute stays cheap.
    let soon = start + Duration::minutes(retention::rules::RULE_INTERVAL_MINUTES - 1);
    assert!(crm.run_due(soon).unwrap().fired.is_empty());
    let later = start + Duration::minutes(retention::rules::RULE_INTERVAL_MINUTES);
    let fired = crm.run_due(later).unwrap().fired;
    assert_eq!(fired.iter().map(|f| f.client_id).collect::<Vec<_>>(), [c]);

    // A rule changed: the next run evaluates them whatever the time.
    let mut other = NewClient::new(ClientKind::Company, "Second");
    other.tags = vec!["gold".into()];
    let d = crm.add_client(other, later).unwrap().id;
    let rule = NewRetentionRule::new(
        "tag gold",
        "has tag 'gold'",
        RuleAction::Tag { tag: "seen".into() },
        30,
    );
    crm.add_retention_rule(rule, later).unwrap();
    let fired = crm.run_due(later + Duration::minutes(1)).unwrap().fired;
    assert_eq!(fired.iter().map(|f| f.client_id).collect::<Vec<_>>(), [d]);
}

#[test]
fn a_complaint_resolved_late_counts_as_late_even_before_any_run_saw_it() {
    let crm = quiet();
    let start = day(2026, 3, 2);
    let late = client(&crm, "Late", None, start);
    let quick = client(&crm, "Quick", None, start);
    let open = |c: ClientId| {
        let new = NewComplaint {
            client_id: c,
            subject: "damaged goods".into(),
            ..Default::default()
        };
        crm.open_complaint(new, start).unwrap().id
    };
    let (k1, k2) = (open(late), open(quick));
    // No calendar: normal priority is 4 h to answer and 24 h to resolve, round the clock.
    crm.take_complaint(k1, start + Duration::hours(1)).unwrap();
    crm.resolve_complaint(k1, "replaced", start + Duration::hours(30))
        .unwrap();
    crm.take_complaint(k2, start + Duration::hours(1)).unwrap();
    crm.resolve_complaint(k2, "replaced", start + Duration::hours(5))
        .unwrap();
    let report = crm
        .retention_report(&RetentionReportQuery {
            start: start.date_naive(),
            end: start.date_naive() + Duration::days(2),
            window_days: 30,
        })
        .unwrap();
    assert_eq!(report.complaints_breached.clients, 1);
    assert_eq!(report.complaints_within_sla.clients, 1);
}
