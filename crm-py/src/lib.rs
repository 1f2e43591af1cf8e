//! `crmkit._crmkit`, the native part of the Python package `crmkit`: an open store ([`Store`]) and a
//! transaction in progress ([`Tx`]), each taking a command's name and its arguments as JSON text.
//!
//! The idiomatic API — keyword arguments, `datetime`, `Decimal`, typed results — is the Python layer in
//! `crm-py/python/crmkit/`; this module keeps to three rules:
//!
//! - **The GIL is released around all store work**, so one store can serve many Python threads; they
//!   queue on the store's connection, not on the interpreter.
//! - **No panic crosses into Python.** Every call runs inside one guard ([`detached`]) that catches a
//!   panic and raises `crmkit.InternalError` instead of pyo3's `PanicException` (which derives from
//!   `BaseException` and slips past `except Exception`). The core rolls back what the panicking
//!   command wrote, so the store stays usable.
//! - **One mapping** from errors to exception classes: [`errors::Failure::into_pyerr`].

mod commands;
mod errors;

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use crm_core::{Crm, Transaction};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::PyString;

use crate::commands::{BatchReply, Command};
use crate::errors::Failure;

/// Runs store work with the GIL released, on this thread; a panic inside becomes a `Failure::Bug`.
fn detached<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: FnOnce() -> Result<T, Failure> + Send,
    T: Send,
{
    py.detach(|| {
        catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|p| Err(Failure::from_panic(p)))
    })
    .map_err(|failure| failure.into_pyerr(py))
}

thread_local! {
    /// The stores (by address) in whose transaction this thread is.
    static IN_TRANSACTION: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Marks this thread as inside a transaction of one store until dropped.
struct InTransaction(usize);

impl InTransaction {
    fn enter(key: usize) -> Self {
        IN_TRANSACTION.with(|stores| stores.borrow_mut().push(key));
        InTransaction(key)
    }

    fn holds(key: usize) -> bool {
        IN_TRANSACTION.with(|stores| stores.borrow().contains(&key))
    }
}

impl Drop for InTransaction {
    fn drop(&mut self) {
        IN_TRANSACTION.with(|stores| {
            let mut stores = stores.borrow_mut();
            if let Some(at) = stores.iter().rposition(|k| *k == self.0) {
                stores.remove(at);
            }
        });
    }
}

/// An open crmkit store. Shared by threads: every call releases the GIL and the calls queue on the
/// store's connection.
#[pyclass(frozen, module = "crmkit._crmkit")]
pub struct Store {
    /// `None` once closed. Each call holds its own `Arc` for its length, so `close` can wait for calls
    /// in flight on other threads.
    crm: Mutex<Option<Arc<Crm>>>,
}

impl Store {
    fn key(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    fn crm(&self) -> Result<Arc<Crm>, Failure> {
        self.crm
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(Failure::Closed)
    }
}

/// What ends a transaction early: the core, or the Python callback (whose exception is raised as it is).
enum BodyFailure {
    Core(crm_core::Error),
    Python(PyErr),
}

impl From<crm_core::Error> for BodyFailure {
    fn from(error: crm_core::Error) -> Self {
        BodyFailure::Core(error)
    }
}

#[pymethods]
impl Store {
    /// Opens (creating or migrating) a store file; `":memory:"` opens a private in-memory store.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<Store> {
        detached(py, || {
            let crm = Crm::open(&path)?;
            Ok(Store {
                crm: Mutex::new(Some(Arc::new(crm))),
            })
        })
    }

    /// Runs one command or reader in a transaction of its own: `args` is a JSON object with one member per
    /// argument; the result is JSON text.
    fn call(&self, py: Python<'_>, command: PyBackedStr, args: PyBackedStr) -> PyResult<String> {
        detached(py, || Command::parse(&command, &args)?.run(&*self.crm()?))
    }

    /// `record_orders` in one transaction: for each item, in order, the stored order as JSON text or the
    /// exception that refused it.
    fn record_orders(&self, py: Python<'_>, args: PyBackedStr) -> PyResult<Vec<Py<PyAny>>> {
        let outcomes = detached(py, || commands::record_orders(&*self.crm()?, &args))?;
        batch_to_python(py, outcomes)
    }

    /// Imports a spreadsheet: `args` is JSON with `options`, `at` and `path` (the file to read) unless
    /// `data` holds the file's bytes; the report as JSON text. See [`import`].
    #[pyo3(signature = (args, data=None, progress=None))]
    fn import_table(
        &self,
        py: Python<'_>,
        args: PyBackedStr,
        data: Option<PyBackedBytes>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        import(
            py,
            &args,
            data.as_deref(),
            progress,
            |args, data, progress| commands::import(&*self.crm()?, args, data, progress),
        )
    }

    /// Runs `body(tx)` in one transaction: commits when it returns (giving back what it returned) and
    /// rolls back when it raises (raising the same exception). `actor` names the author of its events
    /// (the store's actor when `None`).
    #[pyo3(signature = (body, actor=None))]
    fn transaction(
        &self,
        py: Python<'_>,
        body: Py<PyAny>,
        actor: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let key = self.key();
        let outcome = detached(py, || {
            let crm = self.crm()?;
            let _inside = InTransaction::enter(key);
            let actor = actor.unwrap_or_else(|| crm.actor());
            Ok(crm.transaction_as(&actor, |tx| {
                Python::attach(|py| {
                    let handle = Bound::new(py, Tx::new(tx))?;
                    // Invalidates the handle however the callback ends, an unwinding panic included:
                    // Python may keep `tx`, and it must never reach the finished transaction.
                    let _end = EndOnDrop(handle.get());
                    body.call1(py, (handle.clone(),))
                })
                .map_err(BodyFailure::Python)
            }))
        })?;
        match outcome {
            Ok(value) => Ok(value),
            Err(BodyFailure::Core(error)) => Err(Failure::Core(error).into_pyerr(py)),
            Err(BodyFailure::Python(error)) => Err(error),
        }
    }

    /// Sets who the event log names as the author of the following commands.
    fn set_actor(&self, py: Python<'_>, actor: &str) -> PyResult<()> {
        self.crm()
            .map(|crm| crm.set_actor(actor))
            .map_err(|f| f.into_pyerr(py))
    }

    /// The current actor.
    fn actor(&self, py: Python<'_>) -> PyResult<String> {
        self.crm()
            .map(|crm| crm.actor())
            .map_err(|f| f.into_pyerr(py))
    }

    /// Turns strict mode on or off: malformed contacts refused instead of flagged.
    fn set_strict(&self, py: Python<'_>, strict: bool) -> PyResult<()> {
        self.crm()
            .map(|crm| crm.set_strict(strict))
            .map_err(|f| f.into_pyerr(py))
    }

    /// Whether strict mode is on.
    fn is_strict(&self, py: Python<'_>) -> PyResult<bool> {
        self.crm()
            .map(|crm| crm.is_strict())
            .map_err(|f| f.into_pyerr(py))
    }

    /// The schema version of the open store.
    fn schema_version(&self, py: Python<'_>) -> PyResult<i64> {
        detached(py, || Ok(self.crm()?.schema_version()?))
    }

    /// SQLite's integrity check: `["ok"]` when the file is sound.
    fn integrity_check(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        detached(py, || Ok(self.crm()?.integrity_check()?))
    }

    /// Closes the store, after the calls in flight on other threads; closing twice does nothing.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if InTransaction::holds(self.key()) {
            return Err(Failure::InsideTransaction(
                "close the store after the transaction, not inside it",
            )
            .into_pyerr(py));
        }
        let taken = self
            .crm
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(mut crm) = taken else {
            return Ok(());
        };
        detached(py, move || {
            loop {
                match Arc::try_unwrap(crm) {
                    Ok(only) => return Ok(only.close()?),
                    Err(shared) => {
                        crm = shared;
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            }
        })
    }

    /// Whether the store was closed.
    #[getter]
    fn closed(&self) -> bool {
        self.crm
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }
}

/// Turns batch outcomes into Python: a `str` (the order as JSON) or an exception instance per item.
fn batch_to_python(py: Python<'_>, outcomes: BatchReply) -> PyResult<Vec<Py<PyAny>>> {
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok(json) => Ok(PyString::new(py, &json).into_any().unbind()),
            Err(failure) => Ok(failure.into_pyerr(py).into_value(py).into_any()),
        })
        .collect()
}

/// Runs an import with the GIL released. With a `progress` callable, each progress report takes the GIL
/// back to call it with `(done, total)`: a return of `False` cancels the import (nothing written, the
/// report says `cancelled`); an exception cancels it too and is raised here once the core returned.
/// Without one, the GIL stays released throughout.
fn import<F>(
    py: Python<'_>,
    args: &str,
    data: Option<&[u8]>,
    progress: Option<Py<PyAny>>,
    run: F,
) -> PyResult<String>
where
    F: FnOnce(&str, Option<&[u8]>, commands::Progress<'_>) -> Result<String, Failure> + Send,
{
    let mut raised: Option<PyErr> = None;
    let outcome = detached(py, || match &progress {
        None => run(args, data, &mut |_, _| true),
        Some(callback) => run(args, data, &mut |done, total| {
            if raised.is_some() {
                return false;
            }
            Python::attach(|py| match callback.call1(py, (done, total)) {
                Ok(answer) => !answer.bind(py).is(&*pyo3::types::PyBool::new(py, false)),
                Err(error) => {
                    raised = Some(error);
                    false
                }
            })
        }),
    });
    match raised {
        Some(error) => Err(error),
        None => outcome,
    }
}

/// A transaction in progress, handed to the callback of `Store.transaction`. It is valid only while the
/// callback runs, and only on the thread that runs it.
#[pyclass(frozen, module = "crmkit._crmkit")]
pub struct Tx {
    /// The `crm_core::Transaction` on the stack of `Store::transaction`; null once the callback returned.
    inner: AtomicPtr<()>,
    /// The thread running the transaction.
    thread: ThreadId,
}

impl Tx {
    fn new(tx: &Transaction<'_>) -> Self {
        Tx {
            inner: AtomicPtr::new(std::ptr::from_ref(tx).cast::<()>().cast_mut()),
            thread: std::thread::current().id(),
        }
    }

    /// Invalidates the handle: the transaction it points to is about to end.
    fn end(&self) {
        self.inner.store(std::ptr::null_mut(), Ordering::Release);
    }

    /// Runs `f` on the transaction, if this handle is still valid on this thread.
    fn with<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        if std::thread::current().id() != self.thread {
            return Err(Failure::WrongThread);
        }
        let ptr = self.inner.load(Ordering::Acquire);
        if ptr.is_null() {
            return Err(Failure::TransactionOver);
        }
        // SAFETY: the pointer was made from a live `&Transaction` in `Store::transaction`, whose callback
        // is still running on this very thread (it is only ever cleared, by `end`, before that callback
        // returns, and this is the thread that set it). The transaction therefore outlives this call, and
        // no other thread can reach it through this handle.
        let tx = unsafe { &*ptr.cast_const().cast::<Transaction<'_>>() };
        f(tx)
    }
}

/// Ends a [`Tx`] when dropped.
struct EndOnDrop<'a>(&'a Tx);

impl Drop for EndOnDrop<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

#[pymethods]
impl Tx {
    /// Runs one command or reader inside the transaction (a failed command leaves nothing of itself).
    fn call(&self, py: Python<'_>, command: PyBackedStr, args: PyBackedStr) -> PyResult<String> {
        detached(py, || {
            let command = Command::parse(&command, &args)?;
            self.with(|tx| command.run_in(tx))
        })
    }

    /// `record_orders` inside the transaction.
    fn record_orders(&self, py: Python<'_>, args: PyBackedStr) -> PyResult<Vec<Py<PyAny>>> {
        let outcomes = detached(py, || self.with(|tx| commands::record_orders_in(tx, &args)))?;
        batch_to_python(py, outcomes)
    }

    /// An import inside the transaction (a savepoint of its own).
    #[pyo3(signature = (args, data=None, progress=None))]
    fn import_table(
        &self,
        py: Python<'_>,
        args: PyBackedStr,
        data: Option<PyBackedBytes>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        import(
            py,
            &args,
            data.as_deref(),
            progress,
            |args, data, progress| self.with(|tx| commands::import(tx, args, data, progress)),
        )
    }

    /// Whether the transaction is still running (the callback has not returned).
    #[getter]
    fn active(&self) -> bool {
        !self.inner.load(Ordering::Acquire).is_null()
    }
}

/// For crmkit's own tests: panics inside the guard every store call runs in, to show that a panic
/// reaches Python as `crmkit.InternalError`.
#[pyfunction]
fn _panic(py: Python<'_>, message: String) -> PyResult<()> {
    detached(py, move || -> Result<(), Failure> { panic!("{message}") })
}

/// The native module `crmkit._crmkit`.
#[pymodule]
fn _crmkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::preload(m.py())?;
    m.add_class::<Store>()?;
    m.add_class::<Tx>()?;
    m.add_function(wrap_pyfunction!(_panic, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", crm_core::SCHEMA_VERSION)?;
    m.add("ENTITIES", crm_core::ENTITIES.to_vec())?;
    m.add("COMMANDS", commands::NAMES.to_vec())?;
    Ok(())
}
