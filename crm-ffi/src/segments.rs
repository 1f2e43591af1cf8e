//! Segments: the segment language through the C ABI. The field catalogue, checking an expression, saved
//! segments (commands, like those of [`crate::commands`]) and a segment's members, count and CSV export,
//! and whether one client or lead matches (readers, like those of [`crate::readers`]).
//!
//! Every evaluation takes its time, `as_of`, as RFC 3339 text: it is required, as `at` is for a command,
//! since nothing in crmkit reads the clock.

use std::ffi::c_char;
use std::fs::File;
use std::io::{self, Write};
use std::ptr::null_mut;

use crm_core::{ClientId, LeadId, Subject};

use crate::boundary::{Failure, Outcome, call, out_param, owned_string, put_json, text, time};
use crate::commands::{command, command_at};
use crate::handle::{crm_t, handle, on};
use crate::readers::read;
use crate::status::crm_status_t;

/// A subject argument: `clients` or `leads` (`client`, `lead` too).
///
/// # Safety
/// As [`text`].
unsafe fn subject(ptr: *const c_char) -> Outcome<Subject> {
    // SAFETY: as promised by the caller.
    Ok(unsafe { text(ptr, "subject") }?.parse::<Subject>()?)
}

/// The catalogue of fields an expression about `subject` may name, in documentation order: the
/// language's reference for a host (a hint list in an editor, a check before saving). It does not depend
/// on the store's contents.
///
/// @param subject      `clients` (segments) or `leads` (routing and response-time conditions); any
///                     other text is CRM_STATUS_VALIDATION
/// @param fields_json  receives `[{"name": "days_since_last_order", "type": "days", "values": [],
///                     "nullable": true, "doc": "..."}, ...]` (see "The segment language" above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_segment_fields(
    crm: *const crm_t,
    subject: *const c_char,
    fields_json: *mut *mut c_char,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(fields_json, "fields_json", null_mut()) }?;
        unsafe { handle(crm) }?;
        let subject = unsafe { self::subject(subject) }?;
        put_json(out, &crm_core::segment::fields(subject))
    })
}

/// Checks an expression about `subject` against the field catalogue and the store's managers and
/// sources (a name in quotes must exist), and gives it back in canonical form. Nothing is written.
///
/// @param subject     `clients` or `leads`
/// @param expression  an expression of the segment language (`orders >= 2 and region = 'Kyiv'`)
/// @param canonical   receives the expression in canonical form, as plain text (not JSON); a malformed
///                    or mistyped expression is CRM_STATUS_VALIDATION with field `expression`, and
///                    crm_last_error_json() gives its `line` and `column`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_check_expression(
    crm: *const crm_t,
    subject: *const c_char,
    expression: *const c_char,
    canonical: *mut *mut c_char,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(canonical, "canonical", null_mut()) }?;
        let crm = unsafe { handle(crm) }?;
        let subject = unsafe { self::subject(subject) }?;
        let expression = unsafe { text(expression, "expression") }?.to_string();
        let text = crm.run(move |t| on!(t, check_expression(subject, &expression)))?;
        *out = owned_string(text);
        Ok(())
    })
}

/// Saves a segment of clients under a name: an expression about clients, checked now (as
/// crm_check_expression()) and stored as written. Saving a name again replaces its expression (the same
/// expression again changes nothing). A name that itself reads as an expression (`orders > 1`,
/// `has tag 'vip'`) is CRM_STATUS_VALIDATION with field `name`: crm_segment() could not tell it from
/// one.
///
/// @param name          the segment's name (`lapsed_vip`), unique
/// @param expression    the expression (`has tag 'vip' and days_since_last_order > 90`)
/// @param segment_json  receives the stored segment (see the Segment record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_save_segment(
    crm: *mut crm_t,
    name: *const c_char,
    expression: *const c_char,
    at: *const c_char,
    segment_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            segment_json,
            "segment_json",
            at,
            || {
                Ok((
                    text(name, "name")?.to_string(),
                    text(expression, "expression")?.to_string(),
                ))
            },
            |t, (name, expression), at| on!(t, save_segment(&name, &expression, at)),
        )
    }
}

/// Deletes a saved segment and its recorded members; the events of its history and its members'
/// `segment_entered` / `segment_left` events stay. CRM_STATUS_NOT_FOUND when there is none by that name.
///
/// @param segment_json  receives the segment as it was before it was deleted
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_delete_segment(
    crm: *mut crm_t,
    name: *const c_char,
    at: *const c_char,
    segment_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            segment_json,
            "segment_json",
            at,
            || Ok(text(name, "name")?.to_string()),
            |t, name, at| on!(t, delete_segment(&name, at)),
        )
    }
}

/// Computes a saved segment's members as of `as_of`, compares them with the last refresh (nobody before
/// the first), records the new members, and logs an event on each client who entered
/// (`segment_entered`) or left (`segment_left`), dated `as_of`, with data `{"segment_id", "segment"}`.
/// A refresh dated before the segment's last one is CRM_STATUS_VALIDATION with field `as_of`.
///
/// @param name         a saved segment's name; CRM_STATUS_NOT_FOUND when there is none
/// @param as_of        RFC 3339 time of the evaluation (and of the events)
/// @param change_json  receives `{"segment_id": 1, "name": "lapsed_vip", "as_of": ..., "entered": [3, 7],
///                     "left": [2], "members": 12}` (see the SegmentChange record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_refresh_segment(
    crm: *mut crm_t,
    name: *const c_char,
    as_of: *const c_char,
    change_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command_at(
            crm,
            change_json,
            "change_json",
            as_of,
            "as_of",
            || Ok(text(name, "name")?.to_string()),
            |t, name, as_of| on!(t, refresh_segment(&name, as_of)),
        )
    }
}

/// One saved segment, by name.
///
/// @param segment_json  receives the segment; CRM_STATUS_NOT_FOUND when there is none by that name
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_segment(
    crm: *const crm_t,
    name: *const c_char,
    segment_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, segment_json, "segment_json", || {
            let name = text(name, "name")?.to_string();
            Ok(Box::new(move |t| on!(t, get_segment(&name))))
        })
    }
}

/// Every saved segment, by name.
///
/// @param segments_json  receives a JSON array of segments
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_segments(
    crm: *const crm_t,
    segments_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, segments_json, "segments_json", || {
            Ok(Box::new(|t| on!(t, list_segments())))
        })
    }
}

/// The clients in a segment as of `as_of`, ascending. Nothing is recorded (see crm_refresh_segment()).
///
/// @param which            a saved segment's name, or an expression about clients (`orders >= 2 and
///                         days_since_last_order > 90`); a saved name wins. A single word that is
///                         neither a saved name nor an expression is CRM_STATUS_NOT_FOUND; a malformed
///                         expression is CRM_STATUS_VALIDATION with field `expression` (and `line` and
///                         `column`)
/// @param as_of            RFC 3339 time of the evaluation: order figures count orders placed by then,
///                         clients added after it are not members
/// @param client_ids_json  receives a JSON array of client ids (`[1, 4, 9]`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_segment(
    crm: *const crm_t,
    which: *const c_char,
    as_of: *const c_char,
    client_ids_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, client_ids_json, "client_ids_json", || {
            let which = text(which, "which")?.to_string();
            let as_of = time(as_of, "as_of")?;
            Ok(Box::new(move |t| on!(t, segment(&which, as_of))))
        })
    }
}

/// How many clients are in a segment as of `as_of` (as crm_segment(), without the list).
///
/// @param count  receives the number of members
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_segment_count(
    crm: *const crm_t,
    which: *const c_char,
    as_of: *const c_char,
    count: *mut i64,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(count, "count", 0) }?;
        let crm = unsafe { handle(crm) }?;
        let which = unsafe { text(which, "which") }?.to_string();
        let as_of = unsafe { time(as_of, "as_of") }?;
        let n = crm.run(move |t| on!(t, segment_count(&which, as_of)))?;
        *out = i64::try_from(n).unwrap_or(i64::MAX);
        Ok(())
    })
}

/// The file of an export, created (or truncated) at its first write: an expression that does not check
/// or a segment that does not exist leaves the path untouched.
struct ExportFile {
    path: String,
    file: Option<File>,
}

impl ExportFile {
    fn open(&mut self) -> io::Result<&mut File> {
        if self.file.is_none() {
            let file = File::create(&self.path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("path: cannot be created or truncated ({e})"),
                )
            })?;
            self.file = Some(file);
        }
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("path: the file is not open"))
    }
}

impl Write for ExportFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.open()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

/// Writes a segment's members as of `as_of` as CSV (RFC 4180, UTF-8, `\r\n` line ends, for a mailing
/// tool) into a file: a header line
/// `client_id,name,kind,email,phone,contact_name,contact_email,contact_phone,region,industry,owner_id,tags`,
/// then one row per client by id (the contact is the client's first contact person; tags are joined
/// with `;`; a value starting with `=` or `@` gets a leading `'`, so that a spreadsheet does not run
/// it as a formula). The file is created, or truncated if it exists, once the segment is known to be valid: a
/// failure of `which` leaves it untouched. A file that cannot be created or written is
/// CRM_STATUS_STORAGE (the message starts with `i/o:`); a write failure may leave part of the export
/// in the file.
///
/// @param which  a saved segment's name or an expression, as crm_segment()
/// @param as_of  RFC 3339 time of the evaluation
/// @param path   the file to write, UTF-8; not empty (else CRM_STATUS_VALIDATION)
/// @param rows   receives the number of clients written (the lines after the header)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_export_segment(
    crm: *const crm_t,
    which: *const c_char,
    as_of: *const c_char,
    path: *const c_char,
    rows: *mut i64,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(rows, "rows", 0) }?;
        let crm = unsafe { handle(crm) }?;
        let which = unsafe { text(which, "which") }?.to_string();
        let as_of = unsafe { time(as_of, "as_of") }?;
        let path = unsafe { text(path, "path") }?.to_string();
        if path.is_empty() {
            return Err(Failure::validation("path", "must not be empty"));
        }
        let mut file = ExportFile { path, file: None };
        let n = crm.run(move |t| on!(t, export_segment(&which, as_of, &mut file)))?;
        *out = i64::try_from(n).unwrap_or(i64::MAX);
        Ok(())
    })
}

/// Whether one client matches an expression about clients as of `as_of` (as crm_segment() would count
/// it: a client added after `as_of` does not match). CRM_STATUS_NOT_FOUND when there is no such client.
///
/// @param expression  an expression about clients (not a saved segment's name)
/// @param matches     receives true when the whole condition is true (false when it is false or unknown)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_client_matches(
    crm: *const crm_t,
    expression: *const c_char,
    client_id: i64,
    as_of: *const c_char,
    matches: *mut bool,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(matches, "matches", false) }?;
        let crm = unsafe { handle(crm) }?;
        let expression = unsafe { text(expression, "expression") }?.to_string();
        let id = ClientId(client_id);
        let as_of = unsafe { time(as_of, "as_of") }?;
        *out = crm.run(move |t| on!(t, client_matches(&expression, id, as_of)))?;
        Ok(())
    })
}

/// Whether one lead matches an expression about leads (a routing or response-time condition:
/// `channel = 'web' and hour between 9 and 17`) as of `as_of`. CRM_STATUS_NOT_FOUND when there is no
/// such lead.
///
/// @param expression  an expression about leads
/// @param matches     receives true when the whole condition is true (false when it is false or unknown)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_lead_matches(
    crm: *const crm_t,
    expression: *const c_char,
    lead_id: i64,
    as_of: *const c_char,
    matches: *mut bool,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(matches, "matches", false) }?;
        let crm = unsafe { handle(crm) }?;
        let expression = unsafe { text(expression, "expression") }?.to_string();
        let id = LeadId(lead_id);
        let as_of = unsafe { time(as_of, "as_of") }?;
        *out = crm.run(move |t| on!(t, lead_matches(&expression, id, as_of)))?;
        Ok(())
    })
}
