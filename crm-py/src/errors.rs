//! The one mapping from what can go wrong to a Python exception class of `crmkit`.
//!
//! The classes themselves are plain Python (`crmkit/_errors.py`), so that `ValidationError` can also be a
//! `ValueError` and `NotFoundError` a `LookupError`; which class an error becomes, and which attributes it
//! carries, is decided here and nowhere else.

use std::any::Any;

use crm_core::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

/// Everything a call into the native module can fail with.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The core refused or failed.
    Core(Error),
    /// The arguments did not fit the command (a wrong type, a malformed amount or time).
    Args {
        /// The input field, as the command names it (`lines[1].unit_price`).
        field: String,
        /// What is wrong with it.
        rule: String,
    },
    /// The store was closed.
    Closed,
    /// A transaction handle was used after its transaction ended.
    TransactionOver,
    /// A transaction handle was used by a thread other than the one running the transaction.
    WrongThread,
    /// This thread is inside a transaction of the store and called the store instead of the transaction.
    InsideTransaction(&'static str),
    /// A bug in crmkit: Rust code panicked (what the failing command wrote was rolled back), or the
    /// binding broke its own contract.
    Bug(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Core(error)
    }
}

impl Failure {
    /// A panic payload as a failure.
    pub(crate) fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let message = if let Some(text) = payload.downcast_ref::<&str>() {
            (*text).to_string()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "unknown panic".to_string()
        };
        Failure::Bug(message)
    }

    /// The Python exception for this failure: the class by kind, the attributes by variant.
    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self.build(py) {
            Ok(err) => err,
            Err(err) => err,
        }
    }

    fn build(self, py: Python<'_>) -> PyResult<PyErr> {
        let kwargs = PyDict::new(py);
        let (class, message) = match self {
            Failure::Core(error) => {
                let class = class_of(error.kind());
                match &error {
                    Error::Validation { field, rule } => {
                        kwargs.set_item("field", field)?;
                        kwargs.set_item("rule", rule)?;
                    }
                    // The message says what, where and the hint; `line`/`column` are set below.
                    Error::Expression { field, message, .. } => {
                        kwargs.set_item("field", field)?;
                        kwargs.set_item("rule", message)?;
                    }
                    Error::NotFound { entity, key } => {
                        kwargs.set_item("entity", *entity)?;
                        kwargs.set_item("key", key)?;
                    }
                    Error::InvalidTransition { entity, from, to } => {
                        kwargs.set_item("entity", *entity)?;
                        kwargs.set_item("from_state", from)?;
                        kwargs.set_item("to_state", to)?;
                    }
                    Error::SchemaTooNew { found, supported } => {
                        kwargs.set_item("found", found)?;
                        kwargs.set_item("supported", supported)?;
                    }
                    _ => {}
                }
                if let Some((line, column)) = error.position() {
                    kwargs.set_item("line", line)?;
                    kwargs.set_item("column", column)?;
                }
                (class, error.to_string())
            }
            Failure::Args { field, rule } => {
                let message = if field.is_empty() {
                    rule.clone()
                } else {
                    format!("{field}: {rule}")
                };
                if !field.is_empty() {
                    kwargs.set_item("field", field)?;
                }
                kwargs.set_item("rule", rule)?;
                ("ValidationError", message)
            }
            Failure::Closed => ("StorageError", "the store is closed".to_string()),
            Failure::TransactionOver => (
                "ConflictError",
                "the transaction is over: use the store, or start another transaction".to_string(),
            ),
            Failure::WrongThread => (
                "ConflictError",
                "a transaction belongs to the thread that started it".to_string(),
            ),
            Failure::InsideTransaction(what) => (
                "ConflictError",
                format!("this thread is inside a transaction of this store: {what}"),
            ),
            Failure::Bug(message) => (
                "InternalError",
                format!(
                    "internal error in crmkit (a bug; nothing of the failed command was kept): {message}"
                ),
            ),
        };
        let class = errors_module(py)?.getattr(class)?;
        let instance = class.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    }
}

/// The exception class of each error kind: the one table.
fn class_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Validation => "ValidationError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::InvalidTransition => "InvalidTransitionError",
        ErrorKind::Conflict => "ConflictError",
        ErrorKind::SchemaTooNew => "SchemaTooNewError",
        ErrorKind::Storage => "StorageError",
        // A kind added to the core later still reaches Python as the root class.
        _ => "CrmError",
    }
}

/// `crmkit._errors`, imported once.
fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    MODULE
        .get_or_try_init(py, || py.import("crmkit._errors").map(Bound::unbind))
        .map(|m| m.bind(py))
}

/// Imports the exception classes at module load, so a broken install fails at `import crmkit`.
pub(crate) fn preload(py: Python<'_>) -> PyResult<()> {
    errors_module(py).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_class() {
        let kinds = [
            (ErrorKind::Validation, "ValidationError"),
            (ErrorKind::NotFound, "NotFoundError"),
            (ErrorKind::InvalidTransition, "InvalidTransitionError"),
            (ErrorKind::Conflict, "ConflictError"),
            (ErrorKind::SchemaTooNew, "SchemaTooNewError"),
            (ErrorKind::Storage, "StorageError"),
        ];
        for (kind, class) in kinds {
            assert_eq!(class_of(kind), class, "{kind}");
        }
    }

    #[test]
    fn panic_payloads_keep_their_text() {
        let text = std::panic::catch_unwind(|| panic!("boom {}", 7)).unwrap_err();
        assert!(matches!(Failure::from_panic(text), Failure::Bug(m) if m == "boom 7"));
        let plain = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert!(matches!(Failure::from_panic(plain), Failure::Bug(m) if m == "plain"));
    }
}
