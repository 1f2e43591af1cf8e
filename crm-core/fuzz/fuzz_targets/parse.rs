//! Any text, as an expression of the segment language: the parser, the checker and the evaluator must
//! answer (a tree or an error with a position inside the text), never panic, overflow the stack or
//! run away; and every tree printed and parsed again must be the same tree.
#![no_main]

use chrono::{TimeZone, Utc};
use crm_core::segment::{self, ClientFacts, Names, Subject};
use crm_core::{ClientId, ClientKind, Money};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expr = match segment::parse(text) {
        Ok(expr) => expr,
        Err(e) => {
            assert!(e.span.start <= text.len());
            let (line, column) = e.position(text);
            assert!(line >= 1 && column >= 1);
            let _ = e.render(text);
            return;
        }
    };
    let printed = expr.to_string();
    let again =
        segment::parse(&printed).unwrap_or_else(|e| panic!("{printed:?}: {}", e.render(&printed)));
    assert_eq!(again, expr, "{printed}");
    assert_eq!(again.to_string(), printed);

    let names = Names {
        managers: vec![("Olena Koval".into(), 1)],
        sources: vec![("Google Ads".into(), 1), ("Google Ads".into(), 2)],
    };
    let at = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    if let Ok(cond) = segment::check(&expr, Subject::Clients, &names) {
        let client = ClientFacts {
            region: Some("Київ".into()),
            tags: vec!["vip".into()],
            attributes: serde_json::json!({"loyalty": "gold", "n": 3, "x": {"y": true}}),
            revenue: Money::from_minor(100_000),
            orders: 3,
            first_order_at: Some(at),
            last_order_at: Some(at),
            revenue_365d: Money::from_minor(100_000),
            birth_date: chrono::NaiveDate::from_ymd_opt(1990, 2, 28),
            dormancy: Some(crm_core::DormancyState::Cooling),
            open_complaints: 1,
            ..ClientFacts::new(ClientId(1), "ТОВ «Ромашка»", ClientKind::Company, at)
        };
        let _ = cond.matches_client(&client, at);
    }
    let _ = segment::check(&expr, Subject::Leads, &names);
});
