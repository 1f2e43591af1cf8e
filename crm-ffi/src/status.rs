//! The status codes every fallible function returns, and the one table that maps the core's error kinds
//! to them.

use crm_core::ErrorKind;

/// What a call did: `CRM_STATUS_OK` (0) or why it failed. The numbers are frozen: a new status is added
/// at the end, a retired one stays reserved, none is ever renumbered. After a failure,
/// `crm_last_error_message()` says what went wrong.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum crm_status_t {
    /// The call succeeded and wrote its out-parameters.
    CRM_STATUS_OK = 0,
    /// A required pointer argument was NULL (the message names it).
    CRM_STATUS_NULL_ARGUMENT = 1,
    /// A string argument was not valid UTF-8 (the message names it).
    CRM_STATUS_INVALID_UTF8 = 2,
    /// A JSON argument was malformed or had a field of the wrong type, an unknown field or a missing
    /// required field; the message gives the path of the bad field (`lead_json.lines[0].quantity`).
    CRM_STATUS_INVALID_JSON = 3,
    /// The input broke a rule of the CRM (a lead nobody can be reached at, a negative amount, a time
    /// that is not RFC 3339); the message names the field and the rule. Nothing was written.
    CRM_STATUS_VALIDATION = 4,
    /// A record the call refers to does not exist.
    CRM_STATUS_NOT_FOUND = 5,
    /// A lead or deal cannot go from its current state to the one asked for (winning a lost deal).
    CRM_STATUS_INVALID_TRANSITION = 6,
    /// The call contradicts what is stored (an external reference reused with other content, a
    /// duplicate source); nothing was written.
    CRM_STATUS_CONFLICT = 7,
    /// The database failed (I/O, a full disk, a corrupt or foreign file, a file that cannot be opened),
    /// or an export could not be written to its file (the message starts with `i/o:`).
    CRM_STATUS_STORAGE = 8,
    /// The file was written by a newer crmkit; it was left untouched.
    CRM_STATUS_SCHEMA_TOO_NEW = 9,
    /// A bug inside the library was caught at the boundary; the handle is still usable, nothing of the
    /// failed command was written.
    CRM_STATUS_PANIC = 10,
    /// The call is not allowed in the handle's current state (a second `crm_begin` on the thread that
    /// has a transaction open, `crm_commit` without one).
    CRM_STATUS_MISUSE = 11,
}

impl crm_status_t {
    /// The status for an error of the core: the one mapping, in one place.
    pub(crate) fn of(kind: ErrorKind) -> crm_status_t {
        match kind {
            ErrorKind::Validation => crm_status_t::CRM_STATUS_VALIDATION,
            ErrorKind::NotFound => crm_status_t::CRM_STATUS_NOT_FOUND,
            ErrorKind::InvalidTransition => crm_status_t::CRM_STATUS_INVALID_TRANSITION,
            ErrorKind::Conflict => crm_status_t::CRM_STATUS_CONFLICT,
            ErrorKind::SchemaTooNew => crm_status_t::CRM_STATUS_SCHEMA_TOO_NEW,
            ErrorKind::Storage => crm_status_t::CRM_STATUS_STORAGE,
            // A kind added to the core after this table: storage is the nearest honest answer until
            // it gets a status of its own.
            _ => crm_status_t::CRM_STATUS_STORAGE,
        }
    }

    /// The lowercase name used in JSON error objects (`"validation"`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            crm_status_t::CRM_STATUS_OK => "ok",
            crm_status_t::CRM_STATUS_NULL_ARGUMENT => "null_argument",
            crm_status_t::CRM_STATUS_INVALID_UTF8 => "invalid_utf8",
            crm_status_t::CRM_STATUS_INVALID_JSON => "invalid_json",
            crm_status_t::CRM_STATUS_VALIDATION => "validation",
            crm_status_t::CRM_STATUS_NOT_FOUND => "not_found",
            crm_status_t::CRM_STATUS_INVALID_TRANSITION => "invalid_transition",
            crm_status_t::CRM_STATUS_CONFLICT => "conflict",
            crm_status_t::CRM_STATUS_STORAGE => "storage",
            crm_status_t::CRM_STATUS_SCHEMA_TOO_NEW => "schema_too_new",
            crm_status_t::CRM_STATUS_PANIC => "panic",
            crm_status_t::CRM_STATUS_MISUSE => "misuse",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_frozen() {
        // Hosts compiled against an older header rely on these numbers: never change them.
        let frozen = [
            (crm_status_t::CRM_STATUS_OK, 0),
            (crm_status_t::CRM_STATUS_NULL_ARGUMENT, 1),
            (crm_status_t::CRM_STATUS_INVALID_UTF8, 2),
            (crm_status_t::CRM_STATUS_INVALID_JSON, 3),
            (crm_status_t::CRM_STATUS_VALIDATION, 4),
            (crm_status_t::CRM_STATUS_NOT_FOUND, 5),
            (crm_status_t::CRM_STATUS_INVALID_TRANSITION, 6),
            (crm_status_t::CRM_STATUS_CONFLICT, 7),
            (crm_status_t::CRM_STATUS_STORAGE, 8),
            (crm_status_t::CRM_STATUS_SCHEMA_TOO_NEW, 9),
            (crm_status_t::CRM_STATUS_PANIC, 10),
            (crm_status_t::CRM_STATUS_MISUSE, 11),
        ];
        for (status, number) in frozen {
            assert_eq!(status as i32, number, "{status:?}");
        }
    }

    #[test]
    fn every_kind_has_its_own_status() {
        let kinds = [
            ErrorKind::Validation,
            ErrorKind::NotFound,
            ErrorKind::InvalidTransition,
            ErrorKind::Conflict,
            ErrorKind::SchemaTooNew,
            ErrorKind::Storage,
        ];
        let statuses: std::collections::BTreeSet<i32> =
            kinds.iter().map(|k| crm_status_t::of(*k) as i32).collect();
        assert_eq!(statuses.len(), kinds.len());
        for kind in kinds {
            assert_eq!(crm_status_t::of(kind).name(), kind.to_string());
        }
    }
}
