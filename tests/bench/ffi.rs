//! The price of the C ABI: `capture_lead` called in Rust against `crm_capture_lead` called through the
//! C ABI (the same exported function a C host calls, with the lead as JSON text, the time as RFC 3339,
//! the result as JSON text freed with `crm_string_free`), in the same run (alternating rounds, medians), on an in-memory store (where
//! the ABI's share is largest) and on a file store. Prints one JSON object:
//! `cargo bench --bench ffi` (add `-- --quick` for a short run).
#![allow(unsafe_code)] // calling the C ABI is the point

use std::ffi::{CString, c_char};
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crm::crm_status_t;
use crm_core::{Channel, Crm, NewLead};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

fn start() -> BoxResult<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0)
        .single()
        .ok_or_else(|| "bad time".into())
}

/// The same lead as the core benchmark's.
fn lead(i: u64) -> NewLead {
    let mut lead = NewLead::new(Channel::Web);
    lead.name = Some(format!("Client {i}"));
    lead.phone = Some(format!("+38067{:07}", i % 10_000_000));
    lead.email = Some(format!("client{i}@example.com"));
    lead.need = Some("office chairs".into());
    lead
}

/// The lead as a C host would write it.
fn lead_json(i: u64) -> String {
    format!(
        r#"{{"channel":"web","name":"Client {i}","phone":"+38067{:07}","email":"client{i}@example.com","need":"office chairs"}}"#,
        i % 10_000_000
    )
}

/// Microseconds per `capture_lead` in Rust.
fn rust(path: &str, n: u64) -> BoxResult<f64> {
    let crm = Crm::open(path)?;
    let t0 = start()?;
    let started = Instant::now();
    for i in 0..n {
        crm.capture_lead(lead(i), t0 + Duration::seconds(i64::try_from(i)?))?;
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / n as f64)
}

/// Microseconds per `crm_capture_lead` through the C ABI, building the JSON and the time text and
/// freeing the result as a host does.
fn c_abi(path: &str, n: u64) -> BoxResult<f64> {
    let path = CString::new(path)?;
    let mut crm = std::ptr::null_mut();
    // SAFETY: valid pointers; the handle is closed below.
    let status = unsafe { crm::handle::crm_open(path.as_ptr(), &mut crm) };
    if status != crm_status_t::CRM_STATUS_OK {
        return Err(format!("crm_open: {status:?}").into());
    }
    let t0 = start()?;
    let started = Instant::now();
    for i in 0..n {
        let json = CString::new(lead_json(i))?;
        let at = CString::new((t0 + Duration::seconds(i64::try_from(i)?)).to_rfc3339())?;
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: valid NUL-terminated strings and out-parameter; the result is freed at once.
        let status =
            unsafe { crm::commands::crm_capture_lead(crm, json.as_ptr(), at.as_ptr(), &mut out) };
        if status != crm_status_t::CRM_STATUS_OK {
            return Err(format!("crm_capture_lead: {status:?}").into());
        }
        // SAFETY: a string the library returned, freed once.
        unsafe { crm::crm_string_free(out) };
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    // SAFETY: the handle from crm_open, closed once.
    unsafe { crm::handle::crm_close(crm) };
    Ok(micros)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() -> BoxResult<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (n_memory, n_file) = if quick { (1_000, 300) } else { (5_000, 2_000) };
    let dir = std::env::temp_dir().join(format!("crmkit-bench-ffi-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = |name: &str| dir.join(name).to_string_lossy().into_owned();

    // Alternating rounds, each on a fresh store, and the median of each side: other work on the
    // machine then weighs on both sides alike.
    let rounds = 5;
    let (mut memory_rust, mut memory_c, mut file_rust, mut file_c) =
        (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        memory_rust.push(rust(":memory:", n_memory)?);
        memory_c.push(c_abi(":memory:", n_memory)?);
        file_rust.push(rust(&file(&format!("rust{round}.crm")), n_file)?);
        file_c.push(c_abi(&file(&format!("c{round}.crm")), n_file)?);
    }
    let (memory_rust, memory_c) = (median(memory_rust), median(memory_c));
    let (file_rust, file_c) = (median(file_rust), median(file_c));
    let _ = std::fs::remove_dir_all(&dir);

    let round = |x: f64| (x * 100.0).round() / 100.0;
    let report = serde_json::json!({
        "benchmark": "capture_lead in Rust vs crm_capture_lead through the C ABI, same run",
        "memory_store": {
            "n_per_round": n_memory,
            "rounds": rounds,
            "rust_us_per_call": round(memory_rust),
            "c_abi_us_per_call": round(memory_c),
            "c_abi_overhead_us": round(memory_c - memory_rust),
            "ratio_c_over_rust": round(memory_c / memory_rust),
        },
        "file_store": {
            "n_per_round": n_file,
            "rounds": rounds,
            "rust_us_per_call": round(file_rust),
            "c_abi_us_per_call": round(file_c),
            "c_abi_overhead_us": round(file_c - file_rust),
            "ratio_c_over_rust": round(file_c / file_rust),
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
