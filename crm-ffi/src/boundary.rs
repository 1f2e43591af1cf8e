//! The boundary between C and Rust, in one module: the panic guard every export runs in, the
//! thread-local last error, and the conversions of arguments (pointers, UTF-8, JSON, times) and results.
//! Every `unsafe` dereference of a caller's pointer happens here.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::status::crm_status_t;

/// Why a call failed: its status and the message `crm_last_error_message` gives.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: crm_status_t,
    pub(crate) message: String,
    /// The input field a validation error names.
    pub(crate) field: Option<String>,
    /// Where an error in an expression of the segment language points: 1-based line and column (in
    /// characters). `None` for every other failure.
    pub(crate) position: Option<(u32, u32)>,
}

impl Failure {
    pub(crate) fn new(status: crm_status_t, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            field: None,
            position: None,
        }
    }

    fn null(name: &str) -> Failure {
        Failure::new(
            crm_status_t::CRM_STATUS_NULL_ARGUMENT,
            format!("{name}: is NULL"),
        )
    }

    pub(crate) fn misuse(message: impl Into<String>) -> Failure {
        Failure::new(crm_status_t::CRM_STATUS_MISUSE, message)
    }

    pub(crate) fn validation(field: &str, rule: &str) -> Failure {
        Failure {
            status: crm_status_t::CRM_STATUS_VALIDATION,
            message: format!("{field}: {rule}"),
            field: Some(field.to_string()),
            position: None,
        }
    }

    /// A panic caught at the boundary; the payload's text (a `&str` or `String`) becomes the message.
    pub(crate) fn panic(payload: Box<dyn Any + Send>) -> Failure {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        Failure::new(
            crm_status_t::CRM_STATUS_PANIC,
            format!("internal error (a bug in crmkit, caught at the C boundary): {what}"),
        )
    }

    /// The failure as a JSON object: `{"status": 4, "kind": "validation", "field": "phone", "message": ...}`,
    /// with `"line"` and `"column"` too when it is an error in an expression (and only then).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "status": self.status as i32,
            "kind": self.status.name(),
            "field": self.field,
            "message": self.message,
        });
        if let (Some((line, column)), Some(object)) = (self.position, json.as_object_mut()) {
            object.insert("line".into(), line.into());
            object.insert("column".into(), column.into());
        }
        json
    }
}

impl From<crm_core::Error> for Failure {
    fn from(error: crm_core::Error) -> Failure {
        Failure {
            status: crm_status_t::of(error.kind()),
            field: error.field().map(str::to_string),
            position: error.position(),
            message: error.to_string(),
        }
    }
}

/// What a function body returns; `call` turns it into a status.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;

thread_local! {
    /// The last failure on this thread; a successful call leaves it as it was.
    static LAST_ERROR: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

fn remember(failure: Failure) -> crm_status_t {
    let status = failure.status;
    LAST_ERROR.with(|last| *last.borrow_mut() = Some(failure));
    status
}

/// Runs the body of an export: a panic is caught here and never unwinds into C, a failure is
/// remembered for `crm_last_error_message` and returned as its status.
pub(crate) fn call(body: impl FnOnce() -> Outcome) -> crm_status_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => crm_status_t::CRM_STATUS_OK,
        Ok(Err(failure)) => remember(failure),
        Err(payload) => remember(Failure::panic(payload)),
    }
}

/// Runs the body of an export that returns no status (a free, a close): a panic is swallowed.
pub(crate) fn call_quietly(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// The last failure of this thread, as a copy the caller owns.
pub(crate) fn last_error<T>(read: impl FnOnce(&Failure) -> T) -> Option<T> {
    LAST_ERROR.with(|last| last.borrow().as_ref().map(read))
}

/// Checks an out-parameter and empties it (NULL, 0, false) at once, so it is never left holding
/// garbage: it is written with a real value only when the call succeeds.
///
/// # Safety
/// `ptr` is NULL or valid for writes of a `T`.
pub(crate) unsafe fn out_param<'a, T>(ptr: *mut T, name: &str, empty: T) -> Outcome<&'a mut T> {
    // SAFETY: the caller promises a NULL or writable pointer; NULL is refused.
    match unsafe { ptr.as_mut() } {
        Some(slot) => {
            *slot = empty;
            Ok(slot)
        }
        None => Err(Failure::null(name)),
    }
}

/// A required C string argument as `&str`.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, name: &str) -> Outcome<&'a str> {
    // SAFETY: as promised by the caller.
    unsafe { optional_text(ptr, name) }?.ok_or_else(|| Failure::null(name))
}

/// An optional C string argument (NULL means absent).
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn optional_text<'a>(ptr: *const c_char, name: &str) -> Outcome<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated, as the caller promised.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map(Some).map_err(|e| {
        Failure::new(
            crm_status_t::CRM_STATUS_INVALID_UTF8,
            format!("{name}: is not valid UTF-8 (byte {})", e.valid_up_to()),
        )
    })
}

/// A required JSON object argument parsed into `T`. A syntax error, a wrong type, an unknown or
/// missing field is `CRM_STATUS_INVALID_JSON` with the path of the bad field.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn json<T: DeserializeOwned + Serialize>(
    ptr: *const c_char,
    name: &str,
) -> Outcome<T> {
    // SAFETY: as promised by the caller.
    parse_json(unsafe { text(ptr, name) }?, name)
}

/// A required JSON array argument parsed into `Vec<T>`.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn json_array<T: DeserializeOwned + Serialize>(
    ptr: *const c_char,
    name: &str,
) -> Outcome<Vec<T>> {
    // SAFETY: as promised by the caller.
    parse_json_array(unsafe { text(ptr, name) }?, name)
}

/// An optional JSON argument: NULL gives `T::default()`.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn optional_json<T: DeserializeOwned + Serialize + Default>(
    ptr: *const c_char,
    name: &str,
) -> Outcome<T> {
    // SAFETY: as promised by the caller.
    match unsafe { optional_text(ptr, name) }? {
        Some(text) => parse_json(text, name),
        None => Ok(T::default()),
    }
}

/// Parses a JSON object. serde would also take a struct written as an array of its fields in order;
/// the contract says records are objects, so anything else is refused before it is read.
pub(crate) fn parse_json<T: DeserializeOwned + Serialize>(text: &str, name: &str) -> Outcome<T> {
    expect_shape(text, name, '{', "an object")?;
    deserialize(text, name)
}

/// Parses a JSON array.
pub(crate) fn parse_json_array<T: DeserializeOwned + Serialize>(
    text: &str,
    name: &str,
) -> Outcome<Vec<T>> {
    expect_shape(text, name, '[', "an array")?;
    deserialize(text, name)
}

fn expect_shape(text: &str, name: &str, opening: char, what: &str) -> Outcome {
    match text.trim_start().chars().next() {
        Some(c) if c == opening => Ok(()),
        None => Err(json_failure(
            name,
            "",
            format!("must be {what}, got empty text"),
        )),
        Some(_) => Err(json_failure(name, "", format!("must be {what}"))),
    }
}

fn deserialize<T: DeserializeOwned + Serialize>(text: &str, name: &str) -> Outcome<T> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| invalid(name, "", &e))?;
    from_value(&value, name)
}

/// Reads `T` from parsed JSON, with the path of a bad field. serde reads a struct from an array of its
/// fields in order too; the contract says records are objects, so the typed result is written back and
/// any place where it has an object but the input had an array is refused.
pub(crate) fn from_value<T: DeserializeOwned + Serialize>(
    value: &serde_json::Value,
    name: &str,
) -> Outcome<T> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        invalid(name, &path, e.inner())
    })?;
    // Most input has no array at all; only where there is one can it stand for an object.
    if has_array(value)
        && let Ok(shape) = serde_json::to_value(&typed)
        && let Some(path) = array_for_object(value, &shape, String::new())
    {
        return Err(json_failure(
            name,
            &path,
            "must be an object, not an array".into(),
        ));
    }
    Ok(typed)
}

fn has_array(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Array(_) => true,
        serde_json::Value::Object(map) => map.values().any(has_array),
        _ => false,
    }
}

/// The path of the first place where `input` has an array and `typed` (what it was read as) an object.
fn array_for_object(
    input: &serde_json::Value,
    typed: &serde_json::Value,
    path: String,
) -> Option<String> {
    use serde_json::Value::{Array, Object};
    match (input, typed) {
        (Array(_), Object(_)) => Some(path),
        (Object(input), Object(typed)) => typed.iter().find_map(|(key, typed)| {
            let input = input.get(key)?;
            let path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            array_for_object(input, typed, path)
        }),
        (Array(input), Array(typed)) => input
            .iter()
            .zip(typed)
            .enumerate()
            .find_map(|(i, (input, typed))| array_for_object(input, typed, format!("{path}[{i}]"))),
        _ => None,
    }
}

fn invalid(name: &str, path: &str, error: &serde_json::Error) -> Failure {
    let what = error.to_string();
    let mut failure = json_failure(name, path, what.clone());
    // serde names a missing member only in its message (the path ends at the object that lacks it):
    // the field is that member, so a caller sees which one to add.
    if let Some(member) = what
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        failure.field = Some(match path {
            "" => member.to_string(),
            p if p.starts_with('[') => format!("{p}.{member}"),
            p => format!("{p}.{member}"),
        });
    }
    failure
}

/// An invalid JSON argument: the message starts with where (`new_order_json.lines[0].quantity`), and
/// `field` is the path inside the argument (`lines[0].quantity`), or the argument's name for the whole.
pub(crate) fn json_failure(name: &str, path: &str, what: String) -> Failure {
    let place = if path.is_empty() {
        name.to_string()
    } else if path.starts_with('[') {
        format!("{name}{path}")
    } else {
        format!("{name}.{path}")
    };
    Failure {
        status: crm_status_t::CRM_STATUS_INVALID_JSON,
        message: format!("{place}: {what}"),
        field: Some(if path.is_empty() {
            name.to_string()
        } else {
            path.to_string()
        }),
        position: None,
    }
}

/// A required RFC 3339 time (`2026-11-02T09:30:00Z`, `2026-11-02T11:30:00+02:00`), as UTC.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn time(ptr: *const c_char, name: &str) -> Outcome<DateTime<Utc>> {
    // SAFETY: as promised by the caller.
    let text = unsafe { text(ptr, name) }?;
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Failure::validation(
                name,
                "must be an RFC 3339 time with an offset, such as 2026-11-02T09:30:00Z",
            )
        })
}

/// A required calendar date (`2026-11-02`).
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn date(ptr: *const c_char, name: &str) -> Outcome<NaiveDate> {
    // SAFETY: as promised by the caller.
    let text = unsafe { text(ptr, name) }?;
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Failure::validation(name, "must be a date such as 2026-11-02"))
}

/// A text the caller owns and frees with `crm_string_free`.
pub(crate) fn owned_string(text: String) -> *mut c_char {
    // Interior NULs cannot come from JSON (serde escapes them) or from our messages; if one ever did,
    // it is cut there rather than lost.
    let text = match CString::new(text) {
        Ok(text) => text,
        Err(e) => {
            let end = e.nul_position();
            let mut bytes = e.into_vec();
            bytes.truncate(end);
            CString::new(bytes).unwrap_or_default()
        }
    };
    text.into_raw()
}

/// Writes `value` as JSON into an out-parameter.
pub(crate) fn put_json<T: Serialize + ?Sized>(out: &mut *mut c_char, value: &T) -> Outcome {
    let text = serde_json::to_string(value).map_err(|e| {
        Failure::new(
            crm_status_t::CRM_STATUS_STORAGE,
            format!("a result could not be written as JSON: {e}"),
        )
    })?;
    *out = owned_string(text);
    Ok(())
}

/// Frees a string the library returned.
///
/// # Safety
/// `ptr` is NULL or a string this library returned and that was not freed yet.
pub(crate) unsafe fn free_string(ptr: *mut c_char) {
    if !ptr.is_null() {
        // SAFETY: the pointer came from `CString::into_raw` in `owned_string`, as the caller promised.
        drop(unsafe { CString::from_raw(ptr) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, serde::Serialize)]
    #[serde(deny_unknown_fields)]
    struct Line {
        sku: String,
        quantity: i64,
    }

    #[derive(Debug, serde::Deserialize, serde::Serialize)]
    #[serde(deny_unknown_fields)]
    struct Order {
        lines: Vec<Line>,
    }

    #[test]
    fn json_errors_give_the_path_of_the_bad_field() {
        let err = parse_json::<Order>(r#"{"lines":[{"sku":"A","quantity":"two"}]}"#, "order_json")
            .unwrap_err();
        assert_eq!(err.status, crm_status_t::CRM_STATUS_INVALID_JSON);
        assert!(
            err.message
                .starts_with("order_json.lines[0].quantity: invalid type"),
            "{}",
            err.message
        );

        let err = parse_json::<Order>(r#"{"lines":[], "x": 1}"#, "order_json").unwrap_err();
        assert!(err.message.contains("unknown field `x`"), "{}", err.message);

        let err = parse_json_array::<Line>(r#"[{"sku":"A"}]"#, "lines").unwrap_err();
        assert!(
            err.message
                .starts_with("lines[0]: missing field `quantity`"),
            "{}",
            err.message
        );
        assert_eq!(
            err.field.as_deref(),
            Some("[0].quantity"),
            "the missing member is the field"
        );
        let err = parse_json::<Order>(r#"{}"#, "order_json").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("lines"));

        let err = parse_json::<Order>(r#"{"lines":[]} trailing"#, "order_json").unwrap_err();
        assert!(
            err.message.starts_with("order_json: trailing characters"),
            "{}",
            err.message
        );

        let err = parse_json::<Order>("{", "order_json").unwrap_err();
        assert_eq!(err.status, crm_status_t::CRM_STATUS_INVALID_JSON);

        let err = parse_json::<Order>(r#"{"lines":[{"sku":"A","quantity":true}]}"#, "order_json")
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("lines[0].quantity"));
    }

    #[test]
    fn records_are_objects_and_lists_are_arrays() {
        // serde alone would read a struct from an array of its fields in order.
        let err = parse_json::<Line>(r#"["A", 2]"#, "line_json").unwrap_err();
        assert_eq!(err.message, "line_json: must be an object");
        assert!(parse_json::<Line>(r#" {"sku":"A","quantity":2}"#, "line_json").is_ok());
        let err = parse_json_array::<Line>(r#"{"sku":"A","quantity":2}"#, "lines").unwrap_err();
        assert_eq!(err.message, "lines: must be an array");
        let err = parse_json::<Order>(
            r#"{"lines":[{"sku":"A","quantity":2},["B",3]]}"#,
            "order_json",
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "order_json.lines[1]: must be an object, not an array"
        );
        assert_eq!(err.field.as_deref(), Some("lines[1]"));
        let err = parse_json::<Line>("  ", "line_json").unwrap_err();
        assert_eq!(err.message, "line_json: must be an object, got empty text");
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = call(|| panic!("boom"));
        assert_eq!(status, crm_status_t::CRM_STATUS_PANIC);
        let message = last_error(|f| f.message.clone()).unwrap_or_default();
        assert!(message.ends_with("boom"), "{message}");
    }

    #[test]
    fn an_expression_error_carries_its_line_and_column() {
        let crm = crm_core::Crm::open(":memory:").unwrap();
        let error = crm
            .check_expression(
                crm_core::Subject::Clients,
                "orders > 1\n  and regoin = 'Kyiv'",
            )
            .unwrap_err();
        let failure = Failure::from(error);
        assert_eq!(failure.status, crm_status_t::CRM_STATUS_VALIDATION);
        assert_eq!(failure.position, Some((2, 7)));
        let json = failure.to_json();
        assert_eq!(json["status"], 4);
        assert_eq!(json["kind"], "validation");
        assert_eq!(json["field"], "expression");
        assert_eq!(json["line"], 2);
        assert_eq!(json["column"], 7);
        let message = json["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("expression: "), "{message}");
        assert!(
            message.contains("at 2:7; did you mean 'region'?"),
            "{message}"
        );
    }

    #[test]
    fn other_failures_keep_the_four_keys() {
        let failures = [
            Failure::from(crm_core::Error::validation("phone", "is too short")),
            Failure::from(crm_core::Error::not_found("lead", 42)),
            Failure::from(crm_core::Error::Io(std::io::Error::other("disk full"))),
            Failure::new(crm_status_t::CRM_STATUS_MISUSE, "not now"),
        ];
        for failure in failures {
            let json = failure.to_json();
            let mut keys: Vec<&str> = json
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            keys.sort_unstable();
            assert_eq!(keys, ["field", "kind", "message", "status"], "{json}");
        }
        // An export that cannot be written is a storage failure.
        let io = Failure::from(crm_core::Error::Io(std::io::Error::other("disk full")));
        assert_eq!(io.status, crm_status_t::CRM_STATUS_STORAGE);
        assert_eq!(io.message, "i/o: disk full");
    }

    #[test]
    fn out_parameters_are_emptied_on_entry() {
        let mut slot: i64 = 42;
        let out = unsafe { out_param(&mut slot, "out", 0) }.unwrap();
        assert_eq!(*out, 0);
        let err = unsafe { out_param::<i64>(std::ptr::null_mut(), "out", 0) }.unwrap_err();
        assert_eq!(err.status, crm_status_t::CRM_STATUS_NULL_ARGUMENT);
        assert_eq!(err.message, "out: is NULL");
    }
}
