//! Helpers shared by the integration tests: fixed times, small fixtures and error checks.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use crm_core::{Channel, Crm, Error, ErrorKind, Lead, Money, NewLead};

/// A fixed time in November 2026 (never the clock).
pub fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .single()
        .expect("a valid fixed time")
}

/// A fixed time in any month of 2026.
pub fn on(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .single()
        .expect("a valid fixed time")
}

/// Whole units of money.
pub fn units(n: i64) -> Money {
    Money::from_units(n).expect("in range")
}

/// A fresh in-memory store.
pub fn mem() -> Crm {
    Crm::open_in_memory().expect("in-memory store opens")
}

/// A web request from a person reachable by phone.
pub fn web_lead(name: &str, phone: &str) -> NewLead {
    let mut lead = NewLead::new(Channel::Web);
    lead.name = Some(name.into());
    lead.phone = Some(phone.into());
    lead
}

/// Captures a simple web request and returns the stored lead.
pub fn capture(crm: &Crm, name: &str, phone: &str, when: DateTime<Utc>) -> Lead {
    crm.capture_lead(web_lead(name, phone), when)
        .expect("capture succeeds")
        .lead
}

/// Asserts that `result` failed with `kind` (and, for a validation error, names `field`), and returns the
/// error for further checks.
#[track_caller]
pub fn expect_err<T: std::fmt::Debug>(
    result: crm_core::Result<T>,
    kind: ErrorKind,
    field: Option<&str>,
) -> Error {
    let err = result.expect_err("the command must fail");
    assert_eq!(err.kind(), kind, "unexpected error: {err}");
    assert_eq!(err.field(), field, "wrong field in: {err}");
    err
}

/// Starts (if new) and qualifies a lead at `when`: the steps every lead takes before it converts.
pub fn qualify(crm: &Crm, id: crm_core::LeadId, when: DateTime<Utc>) {
    if crm.get_lead(id).expect("lead exists").status == crm_core::LeadStatus::New {
        crm.start_lead(id, when).expect("start");
    }
    crm.qualify_lead(id, when).expect("qualify");
}
