//! The store handle `crm_t`: opening and closing, the handle's settings, and transactions that span
//! several C calls.
//!
//! A transaction in the core is a closure (`Crm::transaction`), which C cannot hold open across calls.
//! So `crm_begin` starts a worker thread that runs that closure and waits for commands; while it is
//! open, the commands the beginning thread issues on the handle are sent to the worker and run inside
//! the transaction. Other threads using the handle meanwhile wait for the connection, as they would
//! wait for any other command.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};
use std::thread::{self, JoinHandle};

use crm_core::{Crm, Transaction};

use crate::boundary::{self, Failure, Outcome, call, call_quietly, out_param, text};
use crate::status::crm_status_t;

/// An open store. C sees it only as `crm_t *` (declared `typedef struct crm crm_t;` in the header).
pub struct crm_t {
    crm: Arc<Crm>,
    /// The open transactions, by the thread that began each.
    transactions: Mutex<HashMap<CallerId, Worker>>,
}

/// Where a command runs: on the store itself (a transaction of its own) or in the caller's open
/// transaction. Both have the same methods; [`on!`] calls the one at hand.
pub(crate) enum Target<'a, 'b> {
    Crm(&'a Crm),
    Tx(&'a Transaction<'b>),
}

/// Calls a facade method on a [`Target`].
macro_rules! on {
    ($target:expr, $method:ident($($arg:expr),* $(,)?)) => {
        match $target {
            $crate::handle::Target::Crm(crm) => crm.$method($($arg),*),
            $crate::handle::Target::Tx(tx) => tx.$method($($arg),*),
        }
    };
}
pub(crate) use on;

/// Which thread is calling: a number of our own rather than `std::thread::current()`, which on a thread
/// the host made allocates a handle that is never freed (valgrind reports it as possibly lost).
type CallerId = u64;

fn caller() -> CallerId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static ME: Cell<CallerId> = const { Cell::new(0) };
    }
    ME.with(|me| {
        if me.get() == 0 {
            me.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        me.get()
    })
}

type Job = Box<dyn for<'a, 'b> FnOnce(&'a Transaction<'b>) + Send>;

enum Message {
    Run(Job),
    Commit,
    Rollback,
}

/// A transaction held open by a thread of its own.
struct Worker {
    jobs: Sender<Message>,
    done: Arc<Answer<()>>,
    thread: JoinHandle<()>,
}

/// One answer from the worker to a waiting caller. The caller waits on a condition variable rather
/// than a channel: a blocking receive registers the waiting thread through `std::thread::current()`,
/// which on a thread the host made (its main thread above all) allocates a handle that is never
/// freed (rust-lang/rust#135608), and valgrind reports it as possibly lost.
struct Answer<T> {
    value: Mutex<Option<Outcome<T>>>,
    ready: Condvar,
}

impl<T> Answer<T> {
    fn new() -> Arc<Answer<T>> {
        Arc::new(Answer {
            value: Mutex::new(None),
            ready: Condvar::new(),
        })
    }

    fn wait(&self) -> Outcome<T> {
        let mut value = self.value.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(answer) = value.take() {
                return answer;
            }
            value = self
                .ready
                .wait(value)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The worker's side of an [`Answer`]: given once; if it is dropped ungiven (the worker stopped), the
/// caller is told so instead of waiting forever.
struct Reply<T> {
    answer: Arc<Answer<T>>,
    given: bool,
}

impl<T> Reply<T> {
    fn to(answer: &Arc<Answer<T>>) -> Reply<T> {
        Reply {
            answer: Arc::clone(answer),
            given: false,
        }
    }

    fn give(mut self, value: Outcome<T>) {
        self.put(value);
    }

    fn put(&mut self, value: Outcome<T>) {
        *self
            .answer
            .value
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(value);
        self.given = true;
        self.answer.ready.notify_all();
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        if !self.given {
            self.put(Err(worker_gone()));
        }
    }
}

/// How the worker's closure ends when it does not commit.
enum Ending {
    RolledBack,
    Core(crm_core::Error),
}

impl From<crm_core::Error> for Ending {
    fn from(error: crm_core::Error) -> Ending {
        Ending::Core(error)
    }
}

impl crm_t {
    /// Runs one facade call: inside this thread's open transaction if it has one, else on its own.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        f: impl for<'a, 'b> FnOnce(Target<'a, 'b>) -> crm_core::Result<T> + Send + 'static,
    ) -> Outcome<T> {
        let jobs = self
            .transactions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&caller())
            .map(|worker| worker.jobs.clone());
        let Some(jobs) = jobs else {
            return f(Target::Crm(&self.crm)).map_err(Failure::from);
        };
        let answer = Answer::new();
        let reply = Reply::to(&answer);
        let job: Job = Box::new(move |tx| {
            reply.give(match catch_unwind(AssertUnwindSafe(|| f(Target::Tx(tx)))) {
                Ok(result) => result.map_err(Failure::from),
                Err(payload) => Err(Failure::panic(payload)),
            });
        });
        if jobs.send(Message::Run(job)).is_err() {
            return Err(worker_gone());
        }
        answer.wait()
    }

    fn begin(&self, actor: Option<&str>) -> Outcome {
        let me = caller();
        if self.workers().contains_key(&me) {
            return Err(Failure::misuse(
                "crm_begin: this thread already has a transaction open on this handle",
            ));
        }
        let crm = Arc::clone(&self.crm);
        let actor = actor.map_or_else(|| crm.actor(), str::to_string);
        let (jobs, inbox) = mpsc::channel::<Message>();
        let (started, done) = (Answer::new(), Answer::new());
        let (ready, report) = (Reply::to(&started), Reply::to(&done));
        let thread = thread::Builder::new()
            .name("crm-transaction".into())
            .spawn(move || hold_transaction(&crm, &actor, inbox, ready, report))
            .map_err(|e| {
                Failure::new(
                    crm_status_t::CRM_STATUS_STORAGE,
                    format!("crm_begin: no thread for the transaction: {e}"),
                )
            })?;
        // Waiting here (not holding the map) lets another thread's transaction end first.
        if let Err(failure) = started.wait() {
            let _ = thread.join();
            return Err(failure);
        }
        self.workers().insert(me, Worker { jobs, done, thread });
        Ok(())
    }

    fn finish(&self, message: Message, name: &str) -> Outcome {
        let worker = self.workers().remove(&caller());
        let Some(worker) = worker else {
            return Err(Failure::misuse(format!(
                "{name}: this thread has no transaction open on this handle"
            )));
        };
        let _ = worker.jobs.send(message);
        let outcome = worker.done.wait();
        let _ = worker.thread.join();
        outcome
    }

    /// Refuses a call that needs the connection of its own while this thread's transaction holds it
    /// (it would wait for itself forever).
    fn outside_transaction(&self, name: &str) -> Outcome {
        if self.workers().contains_key(&caller()) {
            return Err(Failure::misuse(format!(
                "{name}: not available inside a transaction; call it before crm_begin or after crm_commit"
            )));
        }
        Ok(())
    }

    fn workers(&self) -> std::sync::MutexGuard<'_, HashMap<CallerId, Worker>> {
        self.transactions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Rolls back every open transaction and closes the store.
    fn close(self) -> Outcome {
        let workers: Vec<Worker> = self
            .transactions
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_values()
            .collect();
        for worker in workers {
            // Dropping the sender ends the worker's loop, which rolls its transaction back.
            drop(worker.jobs);
            let _ = worker.thread.join();
        }
        match Arc::try_unwrap(self.crm) {
            Ok(crm) => crm.close().map_err(Failure::from),
            Err(_) => Ok(()),
        }
    }
}

/// The body of a transaction's worker thread.
fn hold_transaction(
    crm: &Crm,
    actor: &str,
    inbox: Receiver<Message>,
    ready: Reply<()>,
    report: Reply<()>,
) {
    let mut ready = Some(ready);
    let result = crm.transaction_as(actor, |tx| -> Result<(), Ending> {
        if let Some(ready) = ready.take() {
            ready.give(Ok(()));
        }
        for message in inbox.iter() {
            match message {
                Message::Run(job) => job(tx),
                Message::Commit => return Ok(()),
                Message::Rollback => return Err(Ending::RolledBack),
            }
        }
        // Every sender is gone: the handle was closed with the transaction open.
        Err(Ending::RolledBack)
    });
    let outcome = match result {
        Ok(()) | Err(Ending::RolledBack) => Ok(()),
        Err(Ending::Core(error)) => Err(Failure::from(error)),
    };
    match ready {
        // The transaction never began (the database refused BEGIN): that is crm_begin's answer.
        Some(ready) => ready.give(outcome),
        None => report.give(outcome),
    }
}

fn worker_gone() -> Failure {
    Failure::new(
        crm_status_t::CRM_STATUS_STORAGE,
        "the transaction's worker stopped; the transaction was rolled back",
    )
}

/// The handle behind a pointer.
///
/// # Safety
/// `crm` is NULL or a handle from `crm_open` that was not closed.
pub(crate) unsafe fn handle<'a>(crm: *const crm_t) -> Outcome<&'a crm_t> {
    // SAFETY: as promised by the caller.
    unsafe { crm.as_ref() }
        .ok_or_else(|| Failure::new(crm_status_t::CRM_STATUS_NULL_ARGUMENT, "crm: is NULL"))
}

/// Opens a store file, creating it if it does not exist and migrating it if it was written by an older
/// crmkit. The path `:memory:` opens a private in-memory store, gone when closed; a path starting with
/// `file:` is read as an SQLite URI (`file:shop.crm?mode=ro`).
///
/// @param path  the file's path, UTF-8; not empty
/// @param out   receives the handle; close it with crm_close()
/// @return CRM_STATUS_OK; CRM_STATUS_VALIDATION for an empty path; CRM_STATUS_STORAGE when the file
///         cannot be opened or is not a crmkit store;
///         CRM_STATUS_SCHEMA_TOO_NEW when a newer crmkit wrote it (the file is left untouched)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_open(path: *const c_char, out: *mut *mut crm_t) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(out, "out", std::ptr::null_mut()) }?;
        let path = unsafe { text(path, "path") }?;
        let crm = Crm::open(path)?;
        *out = Box::into_raw(Box::new(crm_t {
            crm: Arc::new(crm),
            transactions: Mutex::new(HashMap::new()),
        }));
        Ok(())
    })
}

/// Closes a store: rolls back any transaction still open on it, writes the log back into the database
/// file (so the file alone is complete) and frees the handle. NULL is ignored. No other call on the
/// handle may be running or follow.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_close(crm: *mut crm_t) {
    call_quietly(|| {
        if !crm.is_null() {
            // SAFETY: a handle from crm_open, closed once, as the contract says.
            let handle = unsafe { Box::from_raw(crm) };
            let _ = handle.close();
        }
    });
}

/// Sets who the event log names as the author of the following commands on this handle (`"olena"`,
/// `"1C exchange"`). An empty name means the default, `"system"`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_actor(crm: *mut crm_t, actor: *const c_char) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let crm = unsafe { handle(crm) }?;
        let actor = unsafe { text(actor, "actor") }?;
        crm.crm.set_actor(actor);
        Ok(())
    })
}

/// The handle's current actor.
///
/// @param actor  receives the name; free it with crm_string_free()
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_actor(crm: *const crm_t, actor: *mut *mut c_char) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(actor, "actor", std::ptr::null_mut()) }?;
        let crm = unsafe { handle(crm) }?;
        *out = boundary::owned_string(crm.crm.actor());
        Ok(())
    })
}

/// Turns strict mode on or off. In strict mode a malformed phone, e-mail or tax id is refused with
/// CRM_STATUS_VALIDATION instead of being stored with quality `invalid` and a warning. Off by default:
/// a request is never lost for a typo. It applies to the commands that start after it; an open
/// transaction keeps the mode it began with.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_strict(crm: *mut crm_t, strict: bool) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let crm = unsafe { handle(crm) }?;
        crm.crm.set_strict(strict);
        Ok(())
    })
}

/// Whether strict mode is on.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_is_strict(crm: *const crm_t, strict: *mut bool) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(strict, "strict", false) }?;
        let crm = unsafe { handle(crm) }?;
        *out = crm.crm.is_strict();
        Ok(())
    })
}

/// The schema version of the open store (SQLite's `user_version`). Not inside a transaction
/// (CRM_STATUS_MISUSE).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_schema_version(crm: *const crm_t, version: *mut i64) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(version, "version", 0) }?;
        let crm = unsafe { handle(crm) }?;
        crm.outside_transaction("crm_schema_version")?;
        *out = crm.crm.schema_version()?;
        Ok(())
    })
}

/// Runs SQLite's integrity check. Not inside a transaction (CRM_STATUS_MISUSE).
///
/// @param report_json  receives a JSON array of problems; `["ok"]` when the file is sound
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_integrity_check(
    crm: *const crm_t,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(report_json, "report_json", std::ptr::null_mut()) }?;
        let crm = unsafe { handle(crm) }?;
        crm.outside_transaction("crm_integrity_check")?;
        let report = crm.crm.integrity_check()?;
        boundary::put_json(out, &report)
    })
}

/// Begins a transaction on this handle for the calling thread: the commands this thread issues on the
/// handle until crm_commit() or crm_rollback() all happen, or none does. A command that fails inside
/// leaves nothing of itself behind, and the transaction goes on. Readers see the transaction's writes.
///
/// While it is open, other threads' calls on the handle wait for it to end; so end it on the thread
/// that began it, and soon. crm_close() rolls back a transaction still open.
///
/// @param actor  the author the event log names for the transaction's commands, or NULL for the
///               handle's actor (see crm_set_actor())
/// @return CRM_STATUS_OK; CRM_STATUS_MISUSE when this thread already has a transaction open on the handle
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_begin(crm: *mut crm_t, actor: *const c_char) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let crm = unsafe { handle(crm) }?;
        let actor = unsafe { boundary::optional_text(actor, "actor") }?;
        crm.begin(actor)
    })
}

/// Commits the calling thread's transaction.
///
/// @return CRM_STATUS_OK; CRM_STATUS_MISUSE when this thread has no transaction open; CRM_STATUS_STORAGE
///         when the database could not commit (the transaction is then rolled back)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_commit(crm: *mut crm_t) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let crm = unsafe { handle(crm) }?;
        crm.finish(Message::Commit, "crm_commit")
    })
}

/// Rolls back the calling thread's transaction: nothing of it is kept.
///
/// @return CRM_STATUS_OK; CRM_STATUS_MISUSE when this thread has no transaction open
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_rollback(crm: *mut crm_t) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let crm = unsafe { handle(crm) }?;
        crm.finish(Message::Rollback, "crm_rollback")
    })
}
