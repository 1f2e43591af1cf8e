//! Whatever text a host passes, the C functions answer with a status — never a panic, never a
//! half-written out-parameter — and what they answer with on success is JSON.
#![allow(unsafe_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::{CStr, CString, c_char};

use crm::analytics::{
    crm_abc, crm_abc_xyz, crm_cross_sell, crm_p_alive, crm_product_pairs, crm_repeat_sales,
    crm_rfm, crm_xyz,
};
use crm::care::{
    crm_assign_complaint, crm_cancel_promise, crm_close_complaint, crm_complaint_report,
    crm_complaint_sla, crm_get_complaint, crm_get_promise, crm_keep_promise, crm_list_complaints,
    crm_list_promises, crm_open_complaint, crm_promise, crm_promise_settings, crm_reject_complaint,
    crm_reopen_complaint, crm_resolve_complaint, crm_resume_complaint, crm_set_complaint_sla,
    crm_set_promise_settings, crm_take_complaint, crm_wait_for_client,
};
use crm::commands::{crm_add_client, crm_capture_lead, crm_record_order, crm_update_client};
use crm::crm_status_t::{self, *};
use crm::dedup::{
    crm_client_duplicates, crm_dedup_settings, crm_duplicate_pairs, crm_find_duplicates,
    crm_get_merge, crm_list_merges, crm_merge_clients, crm_rebuild_match_keys,
    crm_set_dedup_settings, crm_unmerge,
};
use crm::distribution::{
    crm_add_absence, crm_add_routing_rule, crm_assign_client, crm_assign_queued, crm_calendar,
    crm_close_task, crm_get_task, crm_hand_over, crm_lead_sla_status, crm_list_tasks, crm_queue,
    crm_reassign_lead, crm_remove_absence, crm_remove_response_sla, crm_remove_routing_rule,
    crm_run_due, crm_set_calendar, crm_set_ownership_settings, crm_set_response_sla,
    crm_update_manager, crm_working_deadline, crm_working_time,
};
use crm::handle::{crm_close, crm_open};
use crm::readers::{crm_history, crm_list_leads};
use crm::reports::{
    crm_forecast, crm_funnel, crm_manager_report, crm_offer_report, crm_plans, crm_remove_plan,
    crm_set_plan, crm_source_report,
};
use crm::retention::{
    crm_add_retention_rule, crm_client_rhythm, crm_dormancy_counts, crm_dormancy_report,
    crm_dormancy_settings, crm_get_retention_rule, crm_remove_retention_rule, crm_retention_report,
    crm_retention_rules, crm_set_dormancy_settings, crm_set_retention_rule_active,
};
use crm::segments::{
    crm_check_expression, crm_client_matches, crm_export_segment, crm_lead_matches,
    crm_save_segment, crm_segment, crm_segment_count,
};
use crm::tasks::{crm_agenda, crm_complete_task, crm_reschedule_task};
use proptest::prelude::*;

struct Store(*mut crm::crm_t);

impl Store {
    fn open() -> Store {
        let mut crm = std::ptr::null_mut();
        let path = CString::new(":memory:").unwrap();
        assert_eq!(unsafe { crm_open(path.as_ptr(), &mut crm) }, CRM_STATUS_OK);
        Store(crm)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        unsafe { crm_close(self.0) };
    }
}

/// Checks one answer: a known status, no panic, and an out-parameter that is NULL on failure and JSON
/// on success. Frees what it gets.
fn check(status: crm_status_t, out: *mut c_char) {
    assert_ne!(status, CRM_STATUS_PANIC, "{}", last_error());
    if status == CRM_STATUS_OK {
        assert!(!out.is_null());
        let text = unsafe { CStr::from_ptr(out) }.to_str().expect("UTF-8");
        serde_json::from_str::<serde_json::Value>(text).expect("JSON");
    } else {
        assert!(out.is_null(), "{status:?} left an out-parameter written");
        assert!(!last_error().is_empty());
    }
    unsafe { crm::crm_string_free(out) };
}

fn last_error() -> String {
    let message = crm::crm_last_error_message();
    if message.is_null() {
        return String::new();
    }
    let text = unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    unsafe { crm::crm_string_free(message) };
    text
}

/// A JSON object of up to five `key: value` fields drawn from the two strategies, or any short text.
fn objects_or_text(
    key: impl Strategy<Value = &'static str>,
    value: impl Strategy<Value = String>,
) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec((key, value), 0..6).prop_map(|fields| {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", body.join(","))
        }),
        ".{0,40}",
    ]
}

/// Text shaped like the JSON hosts send, with the values often wrong: the interesting inputs.
fn jsonish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        "[a-z0-9 .+@-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        Just("\"web\"".to_string()),
        Just("\"12.50\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("\"2026-11-02T09:30:00Z\"".to_string()),
    ];
    let key = prop_oneof![
        Just("channel"),
        Just("phone"),
        Just("email"),
        Just("name"),
        Just("client_id"),
        Just("total"),
        Just("lines"),
        Just("estimated_value"),
        Just("external_ref"),
        Just("status"),
        Just("page"),
        Just("tags"),
        Just("x"),
    ];
    objects_or_text(key, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gets_a_status_not_a_panic(json in jsonish(), at in prop_oneof![
        Just("2026-11-02T09:30:00Z".to_string()), ".{0,30}"], id in -3i64..5, entity in "[a-z_]{0,10}") {
        let store = Store::open();
        let json = CString::new(json.replace('\0', " ")).unwrap();
        let at = CString::new(at.replace('\0', " ")).unwrap();
        let entity = CString::new(entity).unwrap();
        let mut out = std::ptr::null_mut();
        unsafe {
            check(crm_capture_lead(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_record_order(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_update_client(store.0, id, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_list_leads(store.0, json.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_history(store.0, entity.as_ptr(), id, &mut out), out);
        }
    }
}

/// Text shaped like expressions of the segment language, often broken: fields, operators, values,
/// keywords and punctuation in any order, nested, with comments, quotes and non-ASCII letters.
fn expressionish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("orders"),
        Just("revenue"),
        Just("region"),
        Just("regoin"),
        Just("days_since_last_order"),
        Just("attributes.loyalty"),
        Just("owner"),
        Just("source"),
        Just("hour"),
        Just("channel"),
        Just("last_order"),
        Just("and"),
        Just("or"),
        Just("not"),
        Just("in"),
        Just("between"),
        Just("is"),
        Just("null"),
        Just("has tag"),
        Just("contains"),
        Just("starts with"),
        Just("="),
        Just("!="),
        Just("<>"),
        Just(">="),
        Just("<"),
        Just("("),
        Just(")"),
        Just(","),
        Just("'Kyiv'"),
        Just("'Київ'"),
        Just("'O''Brien'"),
        Just("'"),
        Just("90d"),
        Just("2w ago"),
        Just("2026-11-01"),
        Just("1500.50"),
        Just("-3"),
        Just("99999999999999999999"),
        Just("true"),
        Just("--"),
        Just("\n"),
        Just("); DROP TABLE clients; --"),
    ];
    prop_oneof![
        prop::collection::vec(token, 0..14).prop_map(|tokens| tokens.join(" ")),
        (1usize..80).prop_map(|depth| format!(
            "{}orders > 1{}",
            "(".repeat(depth),
            ")".repeat(depth)
        )),
        ".{0,60}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_expression_gets_a_status_not_a_panic(expression in expressionish(), subject in prop_oneof![
        Just("clients".to_string()), Just("leads".to_string()), "[a-z]{0,8}"], as_of in prop_oneof![
        Just("2026-11-02T09:30:00Z".to_string()), ".{0,30}"], id in -3i64..5) {
        let store = Store::open();
        let expression = CString::new(expression.replace('\0', " ")).unwrap();
        let subject = CString::new(subject).unwrap();
        let as_of = CString::new(as_of.replace('\0', " ")).unwrap();
        let name = CString::new("saved").unwrap();
        let client = CString::new(r#"{"name": "Romashka", "region": "Kyiv", "tags": ["vip"]}"#).unwrap();
        let lead = CString::new(r#"{"channel": "web", "phone": "+380671234567"}"#).unwrap();
        let at = CString::new("2026-11-01T00:00:00Z").unwrap();
        let path = std::env::temp_dir().join(format!("crm-never-panics-{}.csv", std::process::id()));
        let path = CString::new(path.to_string_lossy().into_owned()).unwrap();
        unsafe {
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_add_client(store.0, client.as_ptr(), at.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_capture_lead(store.0, lead.as_ptr(), at.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);

            let mut out = std::ptr::null_mut();
            check(crm_segment(store.0, expression.as_ptr(), as_of.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            let status = crm_check_expression(store.0, subject.as_ptr(), expression.as_ptr(), &mut out);
            // The canonical form is plain text, not JSON.
            assert_ne!(status, CRM_STATUS_PANIC, "{}", last_error());
            assert_eq!(status == CRM_STATUS_OK, !out.is_null());
            crm::crm_string_free(out);
            let mut out = std::ptr::null_mut();
            check(crm_save_segment(store.0, name.as_ptr(), expression.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_segment(store.0, name.as_ptr(), as_of.as_ptr(), &mut out), out);
            let mut count = -1;
            let status = crm_segment_count(store.0, expression.as_ptr(), as_of.as_ptr(), &mut count);
            check_plain(status, count >= 0, count == 0);
            let mut matches = true;
            let status = crm_client_matches(store.0, expression.as_ptr(), id, as_of.as_ptr(), &mut matches);
            check_plain(status, true, !matches);
            let mut matches = true;
            let status = crm_lead_matches(store.0, expression.as_ptr(), id, as_of.as_ptr(), &mut matches);
            check_plain(status, true, !matches);
            let mut rows = -1;
            let status = crm_export_segment(store.0, expression.as_ptr(), as_of.as_ptr(), path.as_ptr(), &mut rows);
            check_plain(status, rows >= 0, rows == 0);
        }
        let _ = std::fs::remove_file(path.to_string_lossy().as_ref());
    }
}

/// Checks an answer with a number or a flag for out-parameter: never a panic; on failure the value is
/// the empty one and there is a message.
fn check_plain(status: crm_status_t, ok_holds: bool, empty: bool) {
    assert_ne!(status, CRM_STATUS_PANIC, "{}", last_error());
    if status == CRM_STATUS_OK {
        assert!(ok_holds);
    } else {
        assert!(empty, "{status:?} left an out-parameter written");
        assert!(!last_error().is_empty());
    }
}

/// Text shaped like a probe or the duplicate settings, with the values often wrong.
fn dedupish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        (0.0f64..=1.0).prop_map(|x| format!("{x}")),
        "[a-zA-Z0-9 .+@()-]{0,16}".prop_map(|s| format!("\"{s}\"")),
        Just("\"+380 67 123-45-67\"".to_string()),
        Just("\"Петренко Іван\"".to_string()),
        Just("\"person\"".to_string()),
        Just("\"ua\"".to_string()),
        Just("\"1980-05-17\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    let key = prop_oneof![
        Just("kind"),
        Just("name"),
        Just("company"),
        Just("phone"),
        Just("email"),
        Just("tax_id"),
        Just("address"),
        Just("birth_date"),
        Just("auto_link"),
        Just("suggest"),
        Just("key_limit"),
        Just("default_country"),
        Just("x"),
    ];
    objects_or_text(key, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_duplicate_input_gets_a_status_not_a_panic(json in dedupish(), at in prop_oneof![
        Just("2026-11-02T09:30:00Z".to_string()), ".{0,30}"], min_score in prop_oneof![
        any::<f64>(), 0.0f64..=1.0, Just(f64::NAN), Just(f64::INFINITY)], keep in -1i64..4,
        merge in -1i64..4) {
        let store = Store::open();
        let json = CString::new(json.replace('\0', " ")).unwrap();
        let at = CString::new(at.replace('\0', " ")).unwrap();
        let setup = CString::new("2026-11-01T00:00:00Z").unwrap();
        let clients = [
            r#"{"kind": "person", "name": "Ivan Petrenko", "phone": "+380 67 123-45-67"}"#,
            r#"{"kind": "person", "name": "Петренко Іван", "phone": "0671234567"}"#,
            r#"{"name": "Romashka LLC", "tax_id": "12345678"}"#,
        ];
        unsafe {
            for client in clients {
                let client = CString::new(client).unwrap();
                let mut out = std::ptr::null_mut();
                assert_eq!(crm_add_client(store.0, client.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
                crm::crm_string_free(out);
            }

            let mut out = std::ptr::null_mut();
            check(crm_find_duplicates(store.0, json.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_set_dedup_settings(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_dedup_settings(store.0, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_duplicate_pairs(store.0, min_score, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_client_duplicates(store.0, keep, &mut out), out);
            let mut out = std::ptr::null_mut();
            let status = crm_merge_clients(store.0, keep, merge, at.as_ptr(), &mut out);
            let merged = status == CRM_STATUS_OK;
            check(status, out);
            let mut out = std::ptr::null_mut();
            check(crm_list_merges(store.0, merge, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_get_merge(store.0, 1, &mut out), out);
            let mut out = std::ptr::null_mut();
            let status = crm_unmerge(store.0, 1, at.as_ptr(), &mut out);
            // A merge that went through is undone at the same time (a time it was accepted at).
            prop_assert_eq!(status == CRM_STATUS_OK, merged, "{}", last_error());
            check(status, out);
            let mut count = -1;
            let status = crm_rebuild_match_keys(store.0, at.as_ptr(), &mut count);
            check_plain(status, count == 3, count == 0);
        }
    }
}

/// Text shaped like the inputs of distribution (a calendar, a rule, a policy, an absence, a manager's
/// patch, hand-over options), with the values often wrong.
fn distributionish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (0i64..4).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        "[a-zA-Z0-9 :/_'=-]{0,16}".prop_map(|s| format!("\"{s}\"")),
        Just("\"Europe/Kyiv\"".to_string()),
        Just("\"round_robin\"".to_string()),
        Just("\"task\"".to_string()),
        Just("\"2h\"".to_string()),
        Just("\"2026-11-27\"".to_string()),
        Just("\"channel = 'web'\"".to_string()),
        Just(r#"{"mon-fri": [["09:00", "18:00"]]}"#.to_string()),
        Just(r#"{"sat": [["24:00", "09:00"]], "Mon,tue": []}"#.to_string()),
        Just(r#"[["09:00", "18:00"]]"#.to_string()),
        Just("[1, 2]".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    let key = prop_oneof![
        Just("timezone"),
        Just("working_hours"),
        Just("holidays"),
        Just("days"),
        Just("name"),
        Just("when"),
        Just("strategy"),
        Just("managers"),
        Just("team"),
        Just("first_response"),
        Just("at_risk_bp"),
        Just("escalation"),
        Just("escalate_to"),
        Just("manager_id"),
        Just("start"),
        Just("end"),
        Just("daily_cap"),
        Just("capacity"),
        Just("lock_days"),
        Just("clients"),
        Just("deactivate"),
        Just("x"),
    ];
    objects_or_text(key, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_distribution_input_gets_a_status_not_a_panic(json in distributionish(), at in prop_oneof![
        Just("2026-11-27T15:30:00Z".to_string()), ".{0,30}"], amount in prop_oneof![
        Just("2h".to_string()), "[0-9hmd ]{0,8}", ".{0,10}"], id in -1i64..4, task_status in prop_oneof![
        Just("done".to_string()), Just("cancelled".to_string()), Just("open".to_string()), ".{0,10}"]) {
        let store = Store::open();
        let json = CString::new(json.replace('\0', " ")).unwrap();
        let at = CString::new(at.replace('\0', " ")).unwrap();
        let amount = CString::new(amount.replace('\0', " ")).unwrap();
        let task_status = CString::new(task_status.replace('\0', " ")).unwrap();
        let cancelled = CString::new("cancelled").unwrap();
        let setup = CString::new("2026-11-01T00:00:00Z").unwrap();
        let reason = CString::new("a reason").unwrap();
        let name = CString::new("x").unwrap();
        unsafe {
            for new in [r#"{"name": "Olena"}"#, r#"{"name": "Petro"}"#] {
                let new = CString::new(new).unwrap();
                let mut out = std::ptr::null_mut();
                assert_eq!(crm::commands::crm_add_manager(store.0, new.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
                crm::crm_string_free(out);
            }
            // A policy that escalates by task, so that the lead's missed deadline makes task 1.
            let policy = CString::new(
                r#"{"name": "1h", "first_response": "1h", "escalation": "task", "escalate_to": 1}"#,
            )
            .unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_set_response_sla(store.0, policy.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let lead = CString::new(r#"{"channel": "web", "phone": "+380671234567"}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_capture_lead(store.0, lead.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let overdue = CString::new("2026-11-02T00:00:00Z").unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_run_due(store.0, overdue.as_ptr(), &mut out), CRM_STATUS_OK);
            assert!(CStr::from_ptr(out).to_str().unwrap().contains(r#""tasks":[{"id":1,"#));
            crm::crm_string_free(out);

            let mut out = std::ptr::null_mut();
            check(crm_set_calendar(store.0, id, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_calendar(store.0, id, &mut out), out);
            let mut out = std::ptr::null_mut();
            // The deadline is plain RFC 3339 text, not JSON.
            let status = crm_working_deadline(store.0, id, at.as_ptr(), amount.as_ptr(), &mut out);
            let text = (!out.is_null()).then(|| CStr::from_ptr(out).to_str().expect("UTF-8").to_string());
            check_plain(status, text.as_deref().is_some_and(|t| t.ends_with('Z')), text.is_none());
            crm::crm_string_free(out);
            let mut seconds = -1;
            let status = crm_working_time(store.0, id, setup.as_ptr(), at.as_ptr(), &mut seconds);
            check_plain(status, seconds >= 0, seconds == 0);
            let mut out = std::ptr::null_mut();
            check(crm_update_manager(store.0, id, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_add_absence(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_remove_absence(store.0, id, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_add_routing_rule(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_set_response_sla(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_set_ownership_settings(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_reassign_lead(store.0, 1, id, reason.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_assign_client(store.0, id, 1, std::ptr::null(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_hand_over(store.0, id, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_assign_queued(store.0, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_run_due(store.0, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_lead_sla_status(store.0, 1, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_queue(store.0, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_list_tasks(store.0, id, id % 2 == 0, &mut out), out);
            // Task 1 exists (see above); the others do not.
            for status in [&task_status, &cancelled] {
                let mut out = std::ptr::null_mut();
                check(crm_close_task(store.0, id, status.as_ptr(), at.as_ptr(), &mut out), out);
            }
            let mut out = std::ptr::null_mut();
            check(crm_get_task(store.0, id, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_remove_routing_rule(store.0, name.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_remove_response_sla(store.0, name.as_ptr(), at.as_ptr(), &mut out), out);
        }
    }
}

/// Text shaped like the queries of the analytics, with the values often wrong or extreme.
fn analyticsish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        (-0.5f64..=1.5).prop_map(|x| format!("{x}")),
        Just("1e308".to_string()),
        "[a-z_ 0-9-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        Just("\"2026-02-01\"".to_string()),
        Just("\"2026-03-31\"".to_string()),
        Just("\"0001-01-01\"".to_string()),
        Just("\"9999-12-31\"".to_string()),
        Just("\"orders\"".to_string()),
        Just("\"tie_group\"".to_string()),
        Just("\"tie_shared\"".to_string()),
        Just("\"12.50\"".to_string()),
        Just(r#"{"start": "2026-01-01", "end": "2026-03-31"}"#.to_string()),
        Just(r#"{"a": 0.5, "b": 0.4, "x": 1}"#.to_string()),
        Just(r#"{"recency_days": [7, 14, 30, 60], "frequency": [2, 3, 4, 5], "monetary": ["1", "2", "3", "4"]}"#.to_string()),
        Just(r#"{"recency_days": [60, 30, 14, 7], "frequency": [-1, 0, 0, 0], "monetary": [12.5, 2, 3, 4]}"#.to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    let key = prop_oneof![
        Just("start"),
        Just("end"),
        Just("measure"),
        Just("a"),
        Just("b"),
        Just("rule"),
        Just("x"),
        Just("y"),
        Just("abc"),
        Just("xyz"),
        Just("as_of"),
        Just("tie_rule"),
        Just("thresholds"),
        Just("horizon_days"),
        Just("period"),
        Just("min_count"),
        Just("mesure"),
    ];
    objects_or_text(key, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_analytics_query_gets_a_status_not_a_panic(json in analyticsish(), client in -1i64..5,
        limit in prop_oneof![0u32..5, Just(u32::MAX)], null_query in any::<bool>()) {
        let store = Store::open();
        let json = CString::new(json.replace('\0', " ")).unwrap();
        let query = if null_query { std::ptr::null() } else { json.as_ptr() };
        let setup = CString::new("2026-01-01T00:00:00Z").unwrap();
        unsafe {
            for name in ["Olena", "Petro", "Iryna"] {
                let new = CString::new(format!(r#"{{"name": "{name}"}}"#)).unwrap();
                let mut out = std::ptr::null_mut();
                assert_eq!(crm_add_client(store.0, new.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
                crm::crm_string_free(out);
            }
            let orders = [
                (1, "500.00", r#"[{"sku": "TEA", "quantity": 1, "unit_price": "300.00"}, {"sku": "CUP", "quantity": 1, "unit_price": "200.00"}]"#, "2026-01-10T10:00:00Z"),
                (1, "500.00", r#"[{"sku": "TEA", "quantity": 1, "unit_price": "500.00"}]"#, "2026-02-10T10:00:00Z"),
                (2, "300.00", r#"[{"sku": "TEA", "quantity": 1, "unit_price": "300.00"}]"#, "2026-02-15T10:00:00Z"),
                (2, "200.00", r#"[{"sku": "CUP", "quantity": 2, "unit_price": "100.00"}]"#, "2026-03-20T10:00:00Z"),
                (3, "100.00", "[]", "2026-03-25T10:00:00Z"),
            ];
            for (client, total, lines, at) in orders {
                let new = CString::new(format!(r#"{{"client_id": {client}, "total": "{total}", "lines": {lines}}}"#)).unwrap();
                let at = CString::new(at).unwrap();
                let mut out = std::ptr::null_mut();
                assert_eq!(crm_record_order(store.0, new.as_ptr(), at.as_ptr(), &mut out), CRM_STATUS_OK, "{}", last_error());
                crm::crm_string_free(out);
            }

            let mut out = std::ptr::null_mut();
            check(crm_abc(store.0, query, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_xyz(store.0, query, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_abc_xyz(store.0, query, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_rfm(store.0, query, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_p_alive(store.0, query, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_repeat_sales(store.0, query, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_product_pairs(store.0, query, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_cross_sell(store.0, client, query, limit, &mut out), out);
        }
    }
}

/// Every analytics export refuses a NULL handle and a NULL out-parameter with CRM_STATUS_NULL_ARGUMENT,
/// naming it, and takes NULL for a query that has defaults.
#[test]
fn analytics_null_arguments() {
    type Export =
        unsafe extern "C" fn(*const crm::crm_t, *const c_char, *mut *mut c_char) -> crm_status_t;
    unsafe extern "C" fn cross_sell(
        crm: *const crm::crm_t,
        query: *const c_char,
        out: *mut *mut c_char,
    ) -> crm_status_t {
        unsafe { crm_cross_sell(crm, 1, query, 10, out) }
    }
    let store = Store::open();
    let setup = CString::new("2026-01-01T00:00:00Z").unwrap();
    let as_of = CString::new(r#"{"as_of": "2026-03-31"}"#).unwrap();
    let client = CString::new(r#"{"name": "Olena"}"#).unwrap();
    let exports: [(&str, Export, &str, bool); 8] = [
        ("crm_abc", crm_abc, "report_json", true),
        ("crm_xyz", crm_xyz, "report_json", true),
        ("crm_abc_xyz", crm_abc_xyz, "matrix_json", true),
        ("crm_rfm", crm_rfm, "report_json", false),
        ("crm_p_alive", crm_p_alive, "report_json", false),
        ("crm_repeat_sales", crm_repeat_sales, "report_json", true),
        ("crm_product_pairs", crm_product_pairs, "report_json", true),
        ("crm_cross_sell", cross_sell, "suggestions_json", true),
    ];
    unsafe {
        let mut out = std::ptr::null_mut();
        assert_eq!(
            crm_add_client(store.0, client.as_ptr(), setup.as_ptr(), &mut out),
            CRM_STATUS_OK
        );
        crm::crm_string_free(out);
        for (name, export, out_name, defaults) in exports {
            let query = if defaults {
                std::ptr::null()
            } else {
                as_of.as_ptr()
            };
            let mut out = std::ptr::null_mut();
            assert_eq!(
                export(std::ptr::null(), query, &mut out),
                CRM_STATUS_NULL_ARGUMENT,
                "{name}"
            );
            assert!(out.is_null(), "{name}");
            assert!(last_error().starts_with("crm"), "{name}: {}", last_error());
            assert_eq!(
                export(store.0, query, std::ptr::null_mut()),
                CRM_STATUS_NULL_ARGUMENT,
                "{name}"
            );
            assert!(last_error().contains(out_name), "{name}: {}", last_error());
            let mut out = std::ptr::null_mut();
            let status = export(store.0, std::ptr::null(), &mut out);
            if defaults {
                check(status, out);
            } else {
                assert_eq!(status, CRM_STATUS_NULL_ARGUMENT, "{name}");
                assert!(
                    last_error().contains("query_json"),
                    "{name}: {}",
                    last_error()
                );
            }
            // Invalid UTF-8 is refused with its status.
            let bad = b"{\"as_of\": \"\xff\"}\0";
            let mut out = std::ptr::null_mut();
            assert_eq!(
                export(store.0, bad.as_ptr().cast(), &mut out),
                CRM_STATUS_INVALID_UTF8,
                "{name}"
            );
            assert!(out.is_null());
        }
    }
}

/// Text shaped like the queries of the pipeline reports and plans, with the values often wrong.
fn reportish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        "[a-z_ 0-9-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        Just("\"2026-11-01\"".to_string()),
        Just("\"2026-11-30\"".to_string()),
        Just("\"0001-01-01\"".to_string()),
        Just("\"9999-12-31\"".to_string()),
        Just("\"2026-11-30T00:00:00Z\"".to_string()),
        Just("\"9999-12-31T23:59:59Z\"".to_string()),
        Just("\"2026-11\"".to_string()),
        Just("\"2026-13\"".to_string()),
        Just("\"snapshot\"".to_string()),
        Just("\"manager\"".to_string()),
        Just("\"source\"".to_string()),
        Just("\"channel\"".to_string()),
        Just("\"5000.00\"".to_string()),
        Just("\"-1.00\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    let key = prop_oneof![
        Just("start"),
        Just("end"),
        Just("mode"),
        Just("by"),
        Just("as_of"),
        Just("horizon_days"),
        Just("history_start"),
        Just("manager_id"),
        Just("month"),
        Just("revenue"),
        Just("deals"),
        Just("x"),
    ];
    objects_or_text(key, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_report_query_gets_a_status_not_a_panic(json in reportish(), id in -1i64..3,
        month in prop_oneof![Just("2026-11".to_string()), "[0-9-]{0,8}", ".{0,10}"],
        at in prop_oneof![Just("2026-11-20T09:00:00Z".to_string()), ".{0,30}"]) {
        let store = Store::open();
        let json = CString::new(json.replace('\0', " ")).unwrap();
        let month = CString::new(month.replace('\0', " ")).unwrap();
        let at = CString::new(at.replace('\0', " ")).unwrap();
        let setup = CString::new("2026-11-01T08:00:00Z").unwrap();
        unsafe {
            let new = CString::new(r#"{"name": "Olena"}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm::commands::crm_add_manager(store.0, new.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let lead = CString::new(r#"{"channel": "web", "phone": "+380671234567", "owner_id": 1}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_capture_lead(store.0, lead.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let plan = CString::new(r#"{"manager_id": 1, "month": "2026-11", "revenue": "100.00"}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_set_plan(store.0, plan.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);

            let mut out = std::ptr::null_mut();
            check(crm_funnel(store.0, json.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_source_report(store.0, json.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_forecast(store.0, json.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_offer_report(store.0, json.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_manager_report(store.0, json.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_set_plan(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_plans(store.0, id, month.as_ptr(), std::ptr::null(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_plans(store.0, 0, std::ptr::null(), month.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_remove_plan(store.0, id, month.as_ptr(), at.as_ptr(), &mut out), out);
        }
    }
}

/// Text shaped like the inputs of retention (a promise, a complaint and its deadlines, a task and its
/// outcome, the dormancy settings and report, a retention rule and its action, the reports' periods),
/// with the values often wrong or extreme.
fn retentionish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (0i64..4).prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        (-1.0f64..8.0).prop_map(|x| format!("{x}")),
        Just("1e308".to_string()),
        "[a-zA-Z0-9 {}_'=-]{0,16}".prop_map(|s| format!("\"{s}\"")),
        Just("\"2026-11-27T15:30:00Z\"".to_string()),
        Just("\"9999-12-31T23:59:59Z\"".to_string()),
        Just("\"0001-01-01T00:00:00Z\"".to_string()),
        Just("\"2026-11-01\"".to_string()),
        Just("\"2026-11-30\"".to_string()),
        Just("\"24h\"".to_string()),
        Just("\"0m\"".to_string()),
        Just("\"10001h\"".to_string()),
        Just("\"2d\"".to_string()),
        Just("\"99999w\"".to_string()),
        Just("\"high\"".to_string()),
        Just("\"open\"".to_string()),
        Just("\"call\"".to_string()),
        Just("\"owner\"".to_string()),
        Just("\"dormancy = 'dormant'\"".to_string()),
        Just("\"Call {client} about {cross_sell} ({owner}, {days_since_last_order})\"".to_string()),
        Just(r#"{"first_response": "1h", "resolution": "4h"}"#.to_string()),
        Just(r#"{"first_response": "4h", "resolution": "1h"}"#.to_string()),
        Just(r#"{"kind": "task", "task_kind": "reactivate", "title": "Call {client}", "due_in": "2d", "to": "owner"}"#.to_string()),
        Just(r#"{"kind": "tag", "tag": "win-back"}"#.to_string()),
        Just(r#"{"kind": "mailing", "segment": "win-back"}"#.to_string()),
        Just(r#"{"kind": "reassign", "manager": null}"#.to_string()),
        Just(r#"{"after": 0, "limit": 1}"#.to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    let key = prop_oneof![
        Just("client_id"),
        Just("manager_id"),
        Just("what"),
        Just("due_at"),
        Just("activity_id"),
        Just("remind_before"),
        Just("subject"),
        Just("priority"),
        Just("owner_id"),
        Just("order_id"),
        Just("high"),
        Just("escalate_to"),
        Just("kind"),
        Just("title"),
        Just("outcome"),
        Just("activity_kind"),
        Just("direction"),
        Just("min_gap_days"),
        Just("cooling_after"),
        Just("dormant_after"),
        Just("single_lost_days"),
        Just("as_of"),
        Just("with_p_alive"),
        Just("name"),
        Just("condition"),
        Just("action"),
        Just("cooldown_days"),
        Just("daily_limit"),
        Just("active"),
        Just("start"),
        Just("end"),
        Just("window_days"),
        Just("status"),
        Just("page"),
        Just("x"),
    ];
    objects_or_text(key, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_retention_input_gets_a_status_not_a_panic(json in retentionish(), at in prop_oneof![
        Just("2026-11-27T15:30:00Z".to_string()), Just("9999-12-31T23:59:59Z".to_string()), ".{0,30}"],
        words in prop_oneof![Just("done".to_string()), Just(String::new()), ".{0,12}"], id in -1i64..4,
        flag in any::<bool>(), null_text in any::<bool>()) {
        let store = Store::open();
        let json = CString::new(json.replace('\0', " ")).unwrap();
        let at = CString::new(at.replace('\0', " ")).unwrap();
        let words = CString::new(words.replace('\0', " ")).unwrap();
        let text = if null_text { std::ptr::null() } else { words.as_ptr() };
        let setup = CString::new("2026-11-01T08:00:00Z").unwrap();
        let rule = CString::new("birthday").unwrap();
        unsafe {
            // A manager, a client with an order, a promise, a complaint and a task (each id 1).
            let records: [(Command, &str); 4] = [
                (crm::commands::crm_add_manager, r#"{"name": "Olena"}"#),
                (crm_add_client, r#"{"name": "Romashka", "owner_id": 1}"#),
                (crm_record_order, r#"{"client_id": 1, "total": "100.00", "lines": []}"#),
                (crm::tasks::crm_add_task, r#"{"kind": "call", "title": "Call", "client_id": 1, "manager_id": 1}"#),
            ];
            for (export, json) in records {
                let json = CString::new(json).unwrap();
                let mut out = std::ptr::null_mut();
                assert_eq!(export(store.0, json.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK, "{}", last_error());
                crm::crm_string_free(out);
            }
            let promise = CString::new(r#"{"client_id": 1, "what": "call back", "due_at": "2026-11-02T08:00:00Z"}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_promise(store.0, promise.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let complaint = CString::new(r#"{"client_id": 1, "subject": "late"}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_open_complaint(store.0, complaint.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);

            // Every command that takes JSON.
            let commands: [Command; 9] = [
                crm_promise,
                crm_set_promise_settings,
                crm_open_complaint,
                crm_set_complaint_sla,
                crm::tasks::crm_add_task,
                crm_set_dormancy_settings,
                crm_add_retention_rule,
                crm_promise,
                crm_open_complaint,
            ];
            for export in commands {
                let mut out = std::ptr::null_mut();
                check(export(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
            }
            let mut out = std::ptr::null_mut();
            check(crm_complete_task(store.0, id, json.as_ptr(), at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_reschedule_task(store.0, id, text, at.as_ptr(), &mut out), out);

            // The lifecycles, by id, with any text and time.
            let mut out = std::ptr::null_mut();
            check(crm_keep_promise(store.0, id, text, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_cancel_promise(store.0, id, text, at.as_ptr(), &mut out), out);
            type Step = unsafe extern "C" fn(*mut crm::crm_t, i64, *const c_char, *mut *mut c_char) -> crm_status_t;
            let steps: [Step; 5] = [crm_take_complaint, crm_wait_for_client, crm_resume_complaint,
                crm_close_complaint, crm_reopen_complaint];
            for step in steps {
                let mut out = std::ptr::null_mut();
                check(step(store.0, id, at.as_ptr(), &mut out), out);
            }
            let mut out = std::ptr::null_mut();
            check(crm_resolve_complaint(store.0, id, text, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_reject_complaint(store.0, id, text, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_assign_complaint(store.0, id, id, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_set_retention_rule_active(store.0, text, flag, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_run_due(store.0, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_remove_retention_rule(store.0, if flag { rule.as_ptr() } else { text }, at.as_ptr(), &mut out), out);

            // Every reader.
            type Query = unsafe extern "C" fn(*const crm::crm_t, *const c_char, *mut *mut c_char) -> crm_status_t;
            let queries: [Query; 6] = [crm_list_promises, crm_list_complaints, crm_complaint_report,
                crm_dormancy_report, crm_retention_report, crm_get_retention_rule];
            for query in queries {
                let mut out = std::ptr::null_mut();
                check(query(store.0, json.as_ptr(), &mut out), out);
                let mut out = std::ptr::null_mut();
                check(query(store.0, text, &mut out), out);
            }
            type ById = unsafe extern "C" fn(*const crm::crm_t, i64, *mut *mut c_char) -> crm_status_t;
            let by_id: [ById; 2] = [crm_get_promise, crm_get_complaint];
            for read in by_id {
                let mut out = std::ptr::null_mut();
                check(read(store.0, id, &mut out), out);
            }
            type Settings = unsafe extern "C" fn(*const crm::crm_t, *mut *mut c_char) -> crm_status_t;
            let settings: [Settings; 5] = [crm_promise_settings, crm_complaint_sla, crm_dormancy_settings,
                crm_dormancy_counts, crm_retention_rules];
            for read in settings {
                let mut out = std::ptr::null_mut();
                check(read(store.0, &mut out), out);
            }
            let mut out = std::ptr::null_mut();
            check(crm_agenda(store.0, id, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_client_rhythm(store.0, id, at.as_ptr(), &mut out), out);
        }
    }
}

/// The shape of the commands that take one JSON record and a time.
type Command = unsafe extern "C" fn(
    *mut crm::crm_t,
    *const c_char,
    *const c_char,
    *mut *mut c_char,
) -> crm_status_t;

/// Text shaped like the inputs of telephony (a call event, a line, a call query, the report's period),
/// with the values often wrong or extreme.
fn callish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (-1i64..4).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        "[a-zA-Z0-9 +()-]{0,16}".prop_map(|s| format!("\"{s}\"")),
        Just("\"c-1\"".to_string()),
        Just("\"started\"".to_string()),
        Just("\"answered\"".to_string()),
        Just("\"missed\"".to_string()),
        Just("\"finished\"".to_string()),
        Just("\"in\"".to_string()),
        Just("\"out\"".to_string()),
        Just("\"067 123 45 67\"".to_string()),
        Just("\"+380501112233\"".to_string()),
        Just("\"101\"".to_string()),
        Just("\"L1\"".to_string()),
        Just("\"1h\"".to_string()),
        Just("\"0m\"".to_string()),
        Just("\"99999w\"".to_string()),
        Just("\"2026-11-27T15:30:00Z\"".to_string()),
        Just("\"9999-12-31T23:59:59Z\"".to_string()),
        Just("\"0001-01-01T00:00:00Z\"".to_string()),
        Just(r#"{"after": 0, "limit": 1}"#.to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    let key = prop_oneof![
        Just("call_id"),
        Just("event"),
        Just("at"),
        Just("direction"),
        Just("caller"),
        Just("line"),
        Just("extension"),
        Just("duration_seconds"),
        Just("recording"),
        Just("source_id"),
        Just("callback_within"),
        Just("client_id"),
        Just("lead_id"),
        Just("status"),
        Just("page"),
        Just("start"),
        Just("end"),
        Just("x"),
    ];
    objects_or_text(key, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_telephony_input_gets_a_status_not_a_panic(jsons in proptest::collection::vec(callish(), 1..6),
        at in prop_oneof![Just("2026-11-27T15:30:00Z".to_string()), ".{0,30}"],
        words in prop_oneof![Just("101".to_string()), Just(String::new()), ".{0,12}"], id in -1i64..4,
        null_text in any::<bool>()) {
        let store = Store::open();
        let at = CString::new(at.replace('\0', " ")).unwrap();
        let words = CString::new(words.replace('\0', " ")).unwrap();
        let text = if null_text { std::ptr::null() } else { words.as_ptr() };
        let setup = CString::new("2026-11-01T08:00:00Z").unwrap();
        unsafe {
            // A manager with extension 101, a line and a client with a phone.
            let mut out = std::ptr::null_mut();
            let manager = CString::new(r#"{"name": "Olena"}"#).unwrap();
            assert_eq!(crm::commands::crm_add_manager(store.0, manager.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let client = CString::new(r#"{"name": "Romashka", "phone": "067 123 45 67", "owner_id": 1}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm_add_client(store.0, client.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let ext = CString::new("101").unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm::calls::crm_set_phone_extension(store.0, 1, ext.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);

            for json in &jsons {
                let json = CString::new(json.replace('\0', " ")).unwrap();
                let mut out = std::ptr::null_mut();
                check(crm::calls::crm_record_call(store.0, json.as_ptr(), &mut out), out);
                let mut out = std::ptr::null_mut();
                check(crm::calls::crm_set_phone_line(store.0, json.as_ptr(), at.as_ptr(), &mut out), out);
                type Query = unsafe extern "C" fn(*const crm::crm_t, *const c_char, *mut *mut c_char) -> crm_status_t;
                let queries: [Query; 2] = [crm::calls::crm_list_calls, crm::calls::crm_call_report];
                for query in queries {
                    let mut out = std::ptr::null_mut();
                    check(query(store.0, json.as_ptr(), &mut out), out);
                    let mut out = std::ptr::null_mut();
                    check(query(store.0, text, &mut out), out);
                }
            }
            let mut out = std::ptr::null_mut();
            check(crm::calls::crm_record_call(store.0, text, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm::calls::crm_set_phone_extension(store.0, id, text, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm::calls::crm_remove_phone_extension(store.0, text, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm::calls::crm_get_call(store.0, id, &mut out), out);
            type Settings = unsafe extern "C" fn(*const crm::crm_t, *mut *mut c_char) -> crm_status_t;
            let settings: [Settings; 2] = [crm::calls::crm_list_phone_extensions, crm::calls::crm_list_phone_lines];
            for read in settings {
                let mut out = std::ptr::null_mut();
                check(read(store.0, &mut out), out);
            }
        }
    }
}

/// Text shaped like the inputs of the web-shop and ERP ports (a web order, a counterparty, an ERP
/// order), with the values often wrong or extreme.
fn portish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (-1i64..4).prop_map(|n| n.to_string()),
        "[a-zA-Z0-9 .+@:-]{0,16}".prop_map(|s| format!("\"{s}\"")),
        Just("\"1C-1\"".to_string()),
        Just("\"12345678\"".to_string()),
        Just("\"12.50\"".to_string()),
        Just("\"92233720368547758.07\"".to_string()),
        Just("\"completed\"".to_string()),
        Just("\"UAH\"".to_string()),
        Just(
            r#"{"name": "Olena", "phone": "067 123 45 67", "email": "o@example.com"}"#.to_string()
        ),
        Just(r#"{"source": "google", "medium": "cpc", "campaign": "w"}"#.to_string()),
        Just(r#"[{"sku": "A", "quantity": 2, "price": "6.25"}]"#.to_string()),
        Just(r#"[{"sku": "A", "quantity": 2, "unit_price": "6.25"}]"#.to_string()),
        Just("\"2026-11-27T15:30:00Z\"".to_string()),
        Just("\"9999-12-31T23:59:59Z\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    let key = prop_oneof![
        Just("id"),
        Just("shop"),
        Just("customer"),
        Just("lines"),
        Just("total"),
        Just("shipping"),
        Just("currency"),
        Just("status"),
        Just("utm"),
        Just("placed_at"),
        Just("external_ref"),
        Just("counterparty_ref"),
        Just("name"),
        Just("tax_id"),
        Just("attributes"),
        Just("x"),
    ];
    objects_or_text(key, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_port_input_gets_a_status_not_a_panic(jsons in proptest::collection::vec(portish(), 1..6),
        at in prop_oneof![Just("2026-11-27T15:30:00Z".to_string()), ".{0,30}"], null_json in any::<bool>()) {
        let store = Store::open();
        let at = CString::new(at.replace('\0', " ")).unwrap();
        let setup = CString::new("2026-11-01T08:00:00Z").unwrap();
        unsafe {
            // A counterparty with the reference 1C-1.
            let client = CString::new(r#"{"external_ref": "1C-1", "name": "Romashka"}"#).unwrap();
            let mut out = std::ptr::null_mut();
            assert_eq!(crm::ports::crm_upsert_counterparty(store.0, client.as_ptr(), setup.as_ptr(), &mut out), CRM_STATUS_OK);
            crm::crm_string_free(out);
            let ports: [Command; 3] = [crm::ports::crm_record_web_order, crm::ports::crm_upsert_counterparty,
                crm::ports::crm_upsert_order];
            for json in &jsons {
                let json = CString::new(json.replace('\0', " ")).unwrap();
                let json = if null_json { std::ptr::null() } else { json.as_ptr() };
                for export in ports {
                    let mut out = std::ptr::null_mut();
                    check(export(store.0, json, at.as_ptr(), &mut out), out);
                }
            }
        }
    }
}

/// Options shaped like the import's, often wrong.
fn importish() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("kind"),
        Just("match_on"),
        Just("mapping"),
        Just("dry_run"),
        Just("all_or_nothing"),
        Just("on_conflict"),
        Just("encoding"),
        Just("delimiter"),
        Just("header_row"),
        Just("default_source"),
        Just("sheet"),
    ];
    let value = prop_oneof![
        Just("\"clients\"".to_string()),
        Just("\"orders\"".to_string()),
        Just("\"leads\"".to_string()),
        Just("\"contacts\"".to_string()),
        Just("[\"email\", \"phone\"]".to_string()),
        Just("{\"Name\": \"name\", \"X\": \"\"}".to_string()),
        Just("{\"Name\": \"nmae\"}".to_string()),
        Just("true".to_string()),
        Just("\"windows-1251\"".to_string()),
        Just("\";\"".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("null".to_string()),
        "\"[^\"\\\\]{0,6}\"",
    ];
    objects_or_text(key, value)
}

/// Bytes shaped like a spreadsheet export: a header and a few rows of plausible and broken cells.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        Just("Name".to_string()),
        Just("Телефон".to_string()),
        Just("external_ref".to_string()),
        Just("Email".to_string()),
        Just("Сума".to_string()),
        Just("067 123 45 67".to_string()),
        Just("1 234,50".to_string()),
        Just("31.12.2025".to_string()),
        Just("\"a;b\nc\"".to_string()),
        ".{0,8}",
    ];
    let row = prop::collection::vec(cell, 0..5).prop_map(|cells| cells.join(";"));
    prop_oneof![
        prop::collection::vec(row, 0..6).prop_map(|rows| rows.join("\r\n").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_import_input_gets_a_status_not_a_panic(options in importish(), data in csvish(),
        at in prop_oneof![Just("2026-11-27T15:30:00Z".to_string()), ".{0,30}"], id in -1i64..3,
        null_options in any::<bool>(), stop in any::<bool>()) {
        use crm::imports::{crm_get_import, crm_import, crm_import_bytes, crm_list_imports, crm_undo_import};
        unsafe extern "C" fn progress(_: u64, _: u64, user_data: *mut std::ffi::c_void) -> bool {
            user_data.is_null()
        }
        let store = Store::open();
        let options = CString::new(options.replace('\0', " ")).unwrap();
        let options_ptr = if null_options { std::ptr::null() } else { options.as_ptr() };
        let at = CString::new(at.replace('\0', " ")).unwrap();
        let user_data = if stop { std::ptr::dangling_mut::<u8>().cast() } else { std::ptr::null_mut() };
        let path = std::env::temp_dir().join(format!("crm-never-panics-import-{}.csv", std::process::id()));
        std::fs::write(&path, &data).unwrap();
        let path_c = CString::new(path.to_string_lossy().into_owned()).unwrap();
        unsafe {
            let mut out = std::ptr::null_mut();
            check(crm_import_bytes(store.0, data.as_ptr(), data.len(), options_ptr, at.as_ptr(), Some(progress), user_data, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_import(store.0, path_c.as_ptr(), options_ptr, at.as_ptr(), None, std::ptr::null_mut(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_import(store.0, std::ptr::null(), options_ptr, at.as_ptr(), None, std::ptr::null_mut(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_undo_import(store.0, id, at.as_ptr(), &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_get_import(store.0, id, &mut out), out);
            let mut out = std::ptr::null_mut();
            check(crm_list_imports(store.0, &mut out), out);
        }
        let _ = std::fs::remove_file(&path);
    }
}
