//! Whatever text a host passes, the C functions answer with a status — never a panic, never a
//! half-written out-parameter — and what they answer with on success is JSON.
#![allow(unsafe_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::{CStr, CString, c_char};

use crm::commands::{crm_capture_lead, crm_record_order, crm_update_client};
use crm::crm_status_t::{self, *};
use crm::handle::{crm_close, crm_open};
use crm::readers::{crm_history, crm_list_leads};
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
    prop_oneof![
        prop::collection::vec((key, value), 0..6).prop_map(|fields| {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", body.join(","))
        }),
        ".{0,40}",
    ]
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
