//! `Crm`, the facade. Every command is validate → load → decide (pure) → persist, in one transaction,
//! with an event in the log for every change.
//!
//! The command bodies live once, in `Session` (a connection inside a transaction, the actor, the mode).
//! `Crm` runs each in a transaction of its own; [`Transaction`] runs several in the caller's one. The
//! `facade!` list below generates both sets of public methods, so the two can never drift apart.

mod analytics;
mod calls;
mod care;
mod distribution;
mod dormancy;
mod imports;
mod plans;
mod ports;
mod reports;
mod retention;
mod tasks;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::json;

use crate::calendar::CalendarSpec;
use crate::dedup::matching::{self, Profile};
use crate::dedup::normalize;
use crate::error::{Error, Result};
use crate::lifecycle::{self, LeadAction};
use crate::model::{
    Absence, AbsenceId, AssignedVia, Assignment, DueRun, HandOver, HandOverOptions, ManagerPatch,
    NewAbsence, NewRoutingRule, NewSlaPolicy, OwnershipSettings, RoutingRule, SlaPolicy, SlaStatus,
    Task, TaskId, TaskStatus,
};
use crate::model::{
    Activity, ActivityId, ActivityKind, ActivityQuery, Capture, Client, ClientId, ClientKind,
    ClientPatch, ClientQuery, ClientRollup, Contact, ContactId, Conversion, ConvertLead, Deal,
    DealId, DealPatch, DealQuery, DealStatus, DedupSettings, DedupSettingsPatch, Direction,
    DuplicatePair, Event, JunkKind, Lead, LeadId, LeadQuery, LeadStatus, LeadTransition,
    LostReason, Manager, ManagerId, Match, Merge, MergeId, Money, MonthRevenue, NewActivity,
    NewClient, NewContact, NewDeal, NewLead, NewManager, NewOrder, NewSource, NewSpend, NewStage,
    Order, OrderId, OrderLine, OrderQuery, OrderStatus, Page, Probe, Segment, SegmentChange,
    Source, SourceId, Spend, Stage, StageVisit, Warning,
};
use crate::segment::{self, Condition, FieldInfo, Subject};
use crate::store::clients::MatchKeys;
use crate::store::{
    self, activities, catalog, clients, deals, dedup, events, leads, orders, segments,
};
use crate::validate::{self, ContactKind};

/// An open crmkit store: one SQLite file (or an in-memory database) with the whole client lifecycle.
///
/// `Crm` is `Send + Sync`: one handle may be shared by threads; commands are serialised on its connection.
/// Several processes may open the same file; SQLite's locking (WAL, a busy timeout) keeps them consistent.
pub struct Crm {
    conn: Mutex<Connection>,
    actor: RwLock<String>,
    strict: AtomicBool,
    /// What routing reads that rarely changes (managers, calendars, compiled rules and policies), kept
    /// between commands; used only while the connection is held.
    routing: distribution::RoutingCache,
}

impl std::fmt::Debug for Crm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crm")
            .field("actor", &self.actor())
            .field("strict", &self.is_strict())
            .finish()
    }
}

thread_local! {
    /// The stores (by address) whose connection this thread holds.
    static HELD: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The connection, held by this thread until dropped.
struct Held<'a> {
    guard: MutexGuard<'a, Connection>,
    key: usize,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        HELD.with(|held| held.borrow_mut().retain(|k| *k != self.key));
    }
}

impl std::ops::Deref for Held<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.guard
    }
}

impl std::ops::DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.guard
    }
}

/// The kinds of record the event log knows, as `history` takes them. Store-wide records (the pipeline, the
/// lost-reason catalogue) use id 0.
pub const ENTITIES: &[&str] = &[
    "activity",
    "call",
    "client",
    "complaint",
    "contact",
    "deal",
    "import",
    "lead",
    "lost_reason",
    "manager",
    "order",
    "pipeline",
    "promise",
    "retention_rule",
    "routing_rule",
    "segment",
    "settings",
    "sla_policy",
    "source",
    "spend",
    "task",
];

/// The actor recorded in the event log when none is set.
pub const DEFAULT_ACTOR: &str = "system";

impl Crm {
    /// Opens a store file, creating it if it does not exist and migrating it if it is older than this
    /// library. A file written by a newer crmkit is refused with [`Error::SchemaTooNew`] and left untouched.
    /// The path `:memory:` opens a private in-memory store. An empty path is a validation error (SQLite
    /// would open a temporary file that vanishes on close: data silently lost).
    pub fn open(path: impl AsRef<Path>) -> Result<Crm> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err(Error::validation(
                "path",
                "must not be empty (use \":memory:\" for a store in memory)",
            ));
        }
        let conn = if path.as_os_str() == ":memory:" {
            store::open_in_memory()?
        } else {
            store::open(path)?
        };
        Ok(Crm::from_connection(conn))
    }

    /// Opens a private in-memory store (gone when dropped): for tests and scratch work.
    pub fn open_in_memory() -> Result<Crm> {
        Ok(Crm::from_connection(store::open_in_memory()?))
    }

    fn from_connection(conn: Connection) -> Crm {
        Crm {
            conn: Mutex::new(conn),
            actor: RwLock::new(DEFAULT_ACTOR.to_string()),
            strict: AtomicBool::new(false),
            routing: distribution::RoutingCache::default(),
        }
    }

    /// Sets who the event log names as the author of the following commands (`"olena"`, `"1C exchange"`).
    pub fn set_actor(&self, actor: impl Into<String>) {
        let actor = actor.into();
        let actor = if actor.trim().is_empty() {
            DEFAULT_ACTOR.to_string()
        } else {
            actor
        };
        *self.actor.write().unwrap_or_else(PoisonError::into_inner) = actor;
    }

    /// The current actor.
    pub fn actor(&self) -> String {
        self.actor
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// In strict mode a malformed phone, e-mail or tax id is refused with a validation error instead of
    /// being stored with quality `invalid` and a warning. Off by default: a request is never lost for a typo.
    pub fn set_strict(&self, strict: bool) {
        self.strict.store(strict, Ordering::Relaxed);
    }

    /// Whether strict mode is on.
    pub fn is_strict(&self) -> bool {
        self.strict.load(Ordering::Relaxed)
    }

    /// The schema version of the open store (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        store::user_version(&*self.lock()?)
    }

    /// Runs SQLite's integrity check; `["ok"]` when the file is sound.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        store::integrity_check(&*self.lock()?)
    }

    /// Runs `f` on the connection (unit tests of the store use it).
    #[cfg(test)]
    pub(crate) fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&*self.lock()?)
    }

    /// Takes the connection. A thread that already holds it — a `transaction` closure calling the `Crm`
    /// instead of the `Transaction` it was given — gets an error instead of waiting for itself forever.
    fn lock(&self) -> Result<Held<'_>> {
        let key = std::ptr::from_ref(self) as usize;
        if HELD.with(|held| held.borrow().contains(&key)) {
            return Err(Error::Conflict(
                "this thread is inside a transaction of this store: use the Transaction it was given".into(),
            ));
        }
        // A panic while the lock was held rolled its transaction back (the transaction's Drop), so the
        // connection is still consistent and can be used again.
        let guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        HELD.with(|held| held.borrow_mut().push(key));
        Ok(Held { guard, key })
    }

    /// Runs one command in a write transaction of its own.
    fn write<T>(&self, f: impl FnOnce(&Session<'_>) -> Result<T>) -> Result<T> {
        let (actor, strict) = (self.actor(), self.is_strict());
        store::write(&mut *self.lock()?, |tx| {
            f(&Session {
                conn: tx,
                actor: &actor,
                strict,
                routing: &self.routing,
            })
        })
    }

    /// Runs one command in a transaction of its own that commits only when `f` says to keep what it
    /// wrote (`(value, true)`); `(value, false)` rolls it back and still returns the value (a dry run).
    fn write_keep<T>(&self, f: impl FnOnce(&Session<'_>) -> Result<(T, bool)>) -> Result<T> {
        let (actor, strict) = (self.actor(), self.is_strict());
        store::write_keep(&mut *self.lock()?, |tx| {
            f(&Session {
                conn: tx,
                actor: &actor,
                strict,
                routing: &self.routing,
            })
        })
    }

    /// Runs one reader in a read transaction of its own.
    fn read<T>(&self, f: impl FnOnce(&Session<'_>) -> Result<T>) -> Result<T> {
        let (actor, strict) = (self.actor(), self.is_strict());
        store::read(&mut *self.lock()?, |tx| {
            f(&Session {
                conn: tx,
                actor: &actor,
                strict,
                routing: &self.routing,
            })
        })
    }

    /// Runs several commands as one: all of them happen, or none does. `f` gets a [`Transaction`] with
    /// every command and reader of `Crm`; it commits when `f` returns `Ok` and rolls back on `Err` (or a
    /// panic). A command that fails inside leaves nothing behind, so `f` may handle the error and go on.
    ///
    /// Use it to keep a host's document whole (an ERP sale: client, contact, deal and order together) and
    /// for bulk work: one transaction for many commands is many times faster than one each.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use crm_core::*;
    /// # fn main() -> crm_core::Result<()> {
    /// let crm = Crm::open_in_memory()?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap();
    /// let client_id = crm.transaction(|tx| {
    ///     let client = tx.add_client(NewClient::new(ClientKind::Company, "Romashka"), t)?;
    ///     tx.add_contact(NewContact { client_id: client.id, name: "Ivan".into(), ..Default::default() }, t)?;
    ///     tx.record_order(NewOrder { client_id: client.id, total: Money::parse("99.50")?, ..Default::default() }, t)?;
    ///     Ok::<_, crm_core::Error>(client.id)
    /// })?;
    /// assert_eq!(crm.client_rollup(client_id)?.orders, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn transaction<T, E>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        self.transaction_as(&self.actor(), f)
    }

    /// [`Crm::transaction`] with its own actor for the event log: for a handle shared by threads that
    /// act for different people, where [`Crm::set_actor`] (one actor for the whole handle) would mix
    /// them up.
    pub fn transaction_as<T, E>(
        &self,
        actor: &str,
        f: impl FnOnce(&Transaction<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        let actor = if actor.trim().is_empty() {
            DEFAULT_ACTOR
        } else {
            actor
        };
        let strict = self.is_strict();
        let mut conn = self.lock()?;
        let tx = store::begin(&mut conn)?;
        let transaction = Transaction {
            session: Session {
                conn: &tx,
                actor,
                strict,
                routing: &self.routing,
            },
            aborted: std::cell::Cell::new(false),
        };
        let value = f(&transaction)?;
        if transaction.aborted.get() {
            return Err(Error::TransactionAborted.into());
        }
        tx.commit().map_err(Error::from)?;
        Ok(value)
    }

    /// Closes the store: writes the log back into the database file (so the file alone is complete)
    /// and releases it. Dropping a `Crm` closes it too, but silently; `close` reports a failure.
    pub fn close(self) -> Result<()> {
        store::close(
            self.conn
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}

/// Generates the public commands and readers of [`Crm`] (each in a transaction of its own) and of
/// [`Transaction`] (each command in a savepoint of the caller's transaction) from one list. The bodies
/// are `Session`'s methods of the same names.
macro_rules! facade {
    (
        writes { $( $(#[$wdoc:meta])* fn $w:ident( $($warg:ident : $wty:ty),* ) -> $wret:ty; )* }
        reads { $( $(#[$rdoc:meta])* fn $r:ident( $($rarg:ident : $rty:ty),* ) -> $rret:ty; )* }
    ) => {
        impl Crm {
            $(
                $(#[$wdoc])*
                pub fn $w(&self, $($warg: $wty),*) -> Result<$wret> {
                    self.write(|s| s.$w($($warg),*))
                }
            )*
            $(
                $(#[$rdoc])*
                pub fn $r(&self, $($rarg: $rty),*) -> Result<$rret> {
                    self.read(|s| s.$r($($rarg),*))
                }
            )*
        }

        impl Transaction<'_> {
            $(
                $(#[$wdoc])*
                pub fn $w(&self, $($warg: $wty),*) -> Result<$wret> {
                    self.command(|s| s.$w($($warg),*))
                }
            )*
            $(
                $(#[$rdoc])*
                pub fn $r(&self, $($rarg: $rty),*) -> Result<$rret> {
                    self.ensure_open()?;
                    self.session.$r($($rarg),*)
                }
            )*
        }
    };
}

// The analytics and reports files add their own lists with `super::facade!`.
pub(crate) use facade;

facade! {
    writes {
        /// Adds a sales manager.
        fn add_manager(new: NewManager, at: DateTime<Utc>) -> Manager;
        /// Marks a manager active or inactive (an inactive manager gets no new work).
        fn set_manager_active(id: ManagerId, active: bool, at: DateTime<Utc>) -> Manager;
        /// Adds a marketing source. A second source with the same name and campaign is a conflict.
        fn add_source(new: NewSource, at: DateTime<Utc>) -> Source;
        /// Records money spent on a source.
        fn add_spend(new: NewSpend, at: DateTime<Utc>) -> Spend;
        /// Adds a lost reason to the catalogue, or relabels an existing code.
        fn add_lost_reason(code: &str, label: &str, at: DateTime<Utc>) -> LostReason;
        /// Replaces the deal pipeline with `stages`, in order. A stage that open deals are still in cannot be
        /// removed (conflict). `won` and `lost` are not stages: they are the final statuses.
        fn set_pipeline(stages: Vec<NewStage>, at: DateTime<Utc>) -> Vec<Stage>;
        /// Adds a client. A malformed phone, e-mail or tax id is stored with quality `invalid` (refused in
        /// strict mode). An external reference already used by another client is a conflict.
        fn add_client(new: NewClient, at: DateTime<Utc>) -> Client;
        /// Changes a client's details; fields the patch leaves out stay as they are. The event records the
        /// fields that changed. A patch that changes nothing writes nothing. Strict mode applies only to the
        /// phone, e-mail or tax id the patch sets. Giving a client locked to its owner (see
        /// [`Crm::assign_client`]) to another manager is a conflict: that takes `assign_client` and a reason.
        fn update_client(id: ClientId, patch: ClientPatch, at: DateTime<Utc>) -> Client;
        /// Adds a contact person to a client.
        fn add_contact(new: NewContact, at: DateTime<Utc>) -> Contact;
        /// Captures an incoming request as a new lead.
        ///
        /// Refused only when the request is meaningless: no way at all to reach the person (phone, e-mail,
        /// messenger or a known client). A malformed phone or e-mail is kept with quality `invalid` and a
        /// warning; pasted control characters are replaced with spaces; a source, owner or client that
        /// does not exist (or an inactive owner) is dropped with a warning. Strict mode refuses all of
        /// these instead. A known client's request goes to the client's owner when none is named.
        /// Capturing the same `external_ref` again returns the stored lead (a form sent twice is one
        /// request); the same reference with other details is a conflict.
        fn capture_lead(new: NewLead, at: DateTime<Utc>) -> Capture;
        /// Starts work on a new lead (new → in progress). Logging the first outbound activity does this too.
        fn start_lead(id: LeadId, at: DateTime<Utc>) -> Lead;
        /// Marks a lead in progress qualified: a real need with a budget. Only a qualified lead converts.
        fn qualify_lead(id: LeadId, at: DateTime<Utc>) -> Lead;
        /// Loses a lead. `reason` is a code from the lost-reason catalogue and is mandatory.
        fn lose_lead(id: LeadId, reason: &str, note: Option<&str>, at: DateTime<Utc>) -> Lead;
        /// Marks a lead as junk: spam, a test or a duplicate.
        fn junk_lead(id: LeadId, kind: JunkKind, note: Option<&str>, at: DateTime<Utc>) -> Lead;
        /// Brings a lost or junk lead back to work (→ in progress); its lost reason is cleared.
        fn reopen_lead(id: LeadId, at: DateTime<Utc>) -> Lead;
        /// Converts a qualified lead: links its client (the one given, the lead's own, or a new one made from
        /// the lead's details) and opens a deal in the pipeline's first stage (or the one given).
        fn convert_lead(id: LeadId, options: ConvertLead, at: DateTime<Utc>) -> Conversion;
        /// Logs a call, e-mail, meeting, message, note or document sent. A direction is required except for
        /// a note (none) and a document (sent unless said); the lead, client and deal given must belong
        /// together. The earliest outbound contact on an open lead, at or after it came in, is its first
        /// response (when and by whom), and moves a new lead to in progress.
        fn log_activity(new: NewActivity, at: DateTime<Utc>) -> Activity;
        /// Opens a deal with a known client (a repeat sale); converting a lead opens one too.
        fn open_deal(new: NewDeal, at: DateTime<Utc>) -> Deal;
        /// Moves an open deal to another stage of the pipeline (forward or back). Moving it to the stage it is
        /// in changes nothing.
        fn move_deal(id: DealId, stage: &str, at: DateTime<Utc>) -> Deal;
        /// Changes an open deal's title, amount, owner or expected close date; the event records what
        /// changed, and a patch that changes nothing writes nothing. A closed deal does not change.
        fn update_deal(id: DealId, patch: DealPatch, at: DateTime<Utc>) -> Deal;
        /// Wins an open deal (final).
        fn win_deal(id: DealId, at: DateTime<Utc>) -> Deal;
        /// Loses an open deal (final). `reason` is a code from the lost-reason catalogue and is mandatory.
        fn lose_deal(id: DealId, reason: &str, note: Option<&str>, at: DateTime<Utc>) -> Deal;
        /// Records an order placed at `at`. Idempotent by `external_ref`: the same order recorded twice is
        /// stored once and the stored one is returned (a retry may carry a later `at`; client, total, lines
        /// and deal must match, while the status is not compared, since it may have changed since); the same
        /// reference with other content is a conflict. A completed order updates the client's rollups in
        /// the same transaction.
        fn record_order(new: NewOrder, at: DateTime<Utc>) -> Order;
        /// Records many orders in one transaction (an ERP exchange, a shop's backlog, a data migration):
        /// far faster than one call per order. Each item is checked on its own before anything of it is
        /// written, so a bad item is reported at its position and the good ones are kept; only a storage
        /// failure aborts (and rolls back) the whole batch. The result has one entry per item, in the order given.
        fn record_orders(batch: Vec<(NewOrder, DateTime<Utc>)>) -> Vec<Result<Order>>;
        /// Changes an order's status (a cancellation, a return, or back to completed); the client's rollups
        /// follow in the same transaction. Setting the status it has changes nothing.
        fn set_order_status(id: OrderId, status: OrderStatus, at: DateTime<Utc>) -> Order;
        /// Saves a segment of clients under `name`: an expression of the segment language (see
        /// [`crate::segment`]), checked now and stored as written. Saving a name again replaces its
        /// expression. A name that itself reads as an expression is refused (it could not be told apart
        /// in [`Crm::segment`]).
        fn save_segment(name: &str, expression: &str, at: DateTime<Utc>) -> Segment;
        /// Deletes a saved segment and its recorded members (the events stay); returns what was deleted.
        fn delete_segment(name: &str, at: DateTime<Utc>) -> Segment;
        /// Computes a saved segment's members as of `as_of`, compares them with the last refresh, records
        /// the new members and an event on each client who entered (`segment_entered`) or left
        /// (`segment_left`), dated `as_of`. Refreshing at a time before the last refresh is refused.
        fn refresh_segment(name: &str, as_of: DateTime<Utc>) -> SegmentChange;
        /// Merges client `merge` into client `keep`: its contacts, leads, deals, activities, orders, tags,
        /// tasks, promises, complaints and retention-rule fires (so cool-downs carry over) move to `keep`, empty fields of `keep` are filled from it (see [`crate::dedup::merge`] for the
        /// survivorship rules), the rollups are recomputed and `merge` is no longer listed (reading it
        /// says where it went). Everything needed to undo it is recorded: see [`Crm::unmerge`].
        fn merge_clients(keep: ClientId, merge: ClientId, at: DateTime<Utc>) -> Merge;
        /// Undoes a merge: the merged client comes back under its old id with its own details, the records
        /// that moved go back, the kept client's filled fields and gained tags are taken back (a field
        /// changed since the merge keeps its later value, and the event names it), the contact the merge
        /// made is removed. Records created after the merge stay with the kept client. Undoing a merge
        /// whose kept client was merged again later is a conflict: undo the later merge first.
        fn unmerge(id: MergeId, at: DateTime<Utc>) -> Merge;
        /// Changes how duplicates are found: the fields the patch gives change, the others keep their
        /// stored value. A change of the default country recomputes every stored phone's normal form and
        /// every matching key in the same transaction. Returns the settings now in force.
        fn set_dedup_settings(patch: DedupSettingsPatch, at: DateTime<Utc>) -> DedupSettings;
        /// Recomputes every client's and lead's normal forms and every matching key (after an upgrade of
        /// the normalisation rules, say); returns the number of clients.
        fn rebuild_match_keys(at: DateTime<Utc>) -> u64;
        /// Changes a manager's details (team, capacity, daily cap, weight, skills, regions, languages …);
        /// fields the patch leaves out stay. The event records what changed.
        fn update_manager(id: ManagerId, patch: ManagerPatch, at: DateTime<Utc>) -> Manager;
        /// Sets the store's working calendar (`manager` none) or a manager's own (which wins for that
        /// manager); `None` removes it. Without any calendar, deadlines run round the clock in UTC. See
        /// [`crate::calendar`] for the form. Returns the calendar now in force as stored.
        fn set_calendar(manager: Option<ManagerId>, spec: Option<CalendarSpec>, at: DateTime<Utc>) -> Option<CalendarSpec>;
        /// Records an absence (vacation, sick leave): the manager gets no new requests on those days
        /// (their open work stays unless handed over: see [`Crm::hand_over`]).
        fn add_absence(new: NewAbsence, at: DateTime<Utc>) -> Absence;
        /// Deletes an absence (a cancelled vacation); returns what was deleted.
        fn remove_absence(id: AbsenceId, at: DateTime<Utc>) -> Absence;
        /// Adds a routing rule, or replaces the rule of the same name (its rotation starts afresh). The
        /// condition is checked now and stored in canonical form. See [`crate::distribution`].
        fn add_routing_rule(new: NewRoutingRule, at: DateTime<Utc>) -> RoutingRule;
        /// Deletes a routing rule by name; past assignments keep its name.
        fn remove_routing_rule(name: &str, at: DateTime<Utc>) -> RoutingRule;
        /// Adds a first-response policy, or replaces the one of the same name. A lead gets the deadline
        /// of the first policy whose condition holds (by priority), a policy without a condition last;
        /// the target counts working time in the calendar of the lead's owner (or the store's).
        fn set_response_sla(new: NewSlaPolicy, at: DateTime<Utc>) -> SlaPolicy;
        /// Deletes a first-response policy by name; deadlines already set stay.
        fn remove_response_sla(name: &str, at: DateTime<Utc>) -> SlaPolicy;
        /// Sets the ownership rules (how long a client stays locked to its owner after a contact).
        fn set_ownership_settings(settings: OwnershipSettings, at: DateTime<Utc>) -> OwnershipSettings;
        /// Makes `manager` the client's owner. A client locked to another (active) owner — a meaningful
        /// contact within the lock period — is a conflict unless a reason is given; the forced take-over
        /// and its reason are recorded.
        fn assign_client(id: ClientId, manager: ManagerId, reason: Option<&str>, at: DateTime<Utc>) -> Assignment;
        /// Gives an open lead to `manager`, or with `None` to whoever the routing rules choose now (never
        /// the current owner). A lead of a client locked to another owner needs a reason. Nobody eligible
        /// is a conflict that says why; the lead stays where it was.
        fn reassign_lead(id: LeadId, manager: Option<ManagerId>, reason: Option<&str>, at: DateTime<Utc>) -> Assignment;
        /// Routes every queued lead again, oldest first; returns the assignments made (the others stay
        /// queued, with their reason brought up to date).
        fn assign_queued(now: DateTime<Utc>) -> Vec<Assignment>;
        /// Moves a manager's open leads (and with `clients`, their clients and those clients' open deals)
        /// to others by the routing rules, in one transaction; what nobody can take is queued (a lead) or
        /// left without an owner (a client), with the reason. With `deactivate`, the manager is also
        /// marked inactive.
        fn hand_over(manager: ManagerId, options: HandOverOptions, at: DateTime<Utc>) -> HandOver;
        /// What time passing requires, as of `now`, in this order: queued leads are routed again; open
        /// leads whose first-response deadline passed unanswered are marked breached (an event each) and
        /// escalated by their policy (reassigned, or a task for the manager it names); complaints whose
        /// first-response or resolution deadline passed are marked breached and escalated with a task;
        /// promises coming due get a reminder task and overdue ones are marked broken; clients move on
        /// the dormancy ladder (an event each); then every active retention rule acts on the clients it
        /// matches (a task, a tag, a mailing segment, a new owner), never twice within its cool-down.
        /// Returns what it did. Idempotent: running it again at the same or a later `now` (every minute
        /// from a cron) does nothing twice. Meant to run often: each part reads only what is due, by
        /// index.
        fn run_due(now: DateTime<Utc>) -> DueRun;
        /// Closes a task as done or cancelled. Closing it again with the same status changes nothing;
        /// reopening, or closing with the other status, is an invalid transition.
        fn close_task(id: TaskId, status: TaskStatus, at: DateTime<Utc>) -> Task;
    }
    reads {
        /// One manager.
        fn get_manager(id: ManagerId) -> Manager;
        /// Every manager, by id.
        fn list_managers() -> Vec<Manager>;
        /// One source.
        fn get_source(id: SourceId) -> Source;
        /// Every source, by id.
        fn list_sources() -> Vec<Source>;
        /// Spend booked from `start` to `end` inclusive, of one source or of all; by date, then id.
        fn list_spend(source_id: Option<SourceId>, start: NaiveDate, end: NaiveDate) -> Vec<Spend>;
        /// The lost-reason catalogue, in the order the reasons were added (the defaults first).
        fn lost_reasons() -> Vec<LostReason>;
        /// The deal pipeline, in order.
        fn pipeline() -> Vec<Stage>;
        /// One client.
        fn get_client(id: ClientId) -> Client;
        /// A page of clients, by id.
        fn list_clients(query: &ClientQuery) -> Vec<Client>;
        /// One contact.
        fn get_contact(id: ContactId) -> Contact;
        /// A client's contacts, by id.
        fn list_contacts(client_id: ClientId) -> Vec<Contact>;
        /// One lead.
        fn get_lead(id: LeadId) -> Lead;
        /// A page of leads, by id.
        fn list_leads(query: &LeadQuery) -> Vec<Lead>;
        /// A lead's status transitions, oldest first (the capture itself is the first, from nothing to new).
        fn lead_transitions(id: LeadId) -> Vec<LeadTransition>;
        /// One activity.
        fn get_activity(id: ActivityId) -> Activity;
        /// A page of activities, by id.
        fn list_activities(query: &ActivityQuery) -> Vec<Activity>;
        /// One deal.
        fn get_deal(id: DealId) -> Deal;
        /// A page of deals, by id.
        fn list_deals(query: &DealQuery) -> Vec<Deal>;
        /// A deal's stage history, oldest first: time in a stage is the gap to the next entry.
        fn deal_history(id: DealId) -> Vec<StageVisit>;
        /// One order with its lines.
        fn get_order(id: OrderId) -> Order;
        /// A page of orders with their lines, by id.
        fn list_orders(query: &OrderQuery) -> Vec<Order>;
        /// A client's purchase totals over completed orders (zeros when there are none).
        fn client_rollup(client_id: ClientId) -> ClientRollup;
        /// A page of client rollups, by client id; clients who never completed an order are not listed.
        fn list_rollups(page: Page) -> Vec<ClientRollup>;
        /// A client's revenue per calendar month (UTC), oldest first; months without orders are not listed.
        fn client_monthly_revenue(client_id: ClientId) -> Vec<MonthRevenue>;
        /// Every change to one record, oldest first: who, when, what. `entity` is one of [`ENTITIES`]; any
        /// other name is a validation error (a typo must not look like an empty history).
        fn history(entity: &str, id: i64) -> Vec<Event>;
        /// The change feed: events after `seq`, oldest first, at most `limit` (0 means 1 000; more than
        /// 10 000 is cut to 10 000). A host polls it with the last `seq` it has seen.
        fn changes_since(seq: i64, limit: u32) -> Vec<Event>;
        /// The newest sequence number in the event log (0 when it is empty).
        fn last_seq() -> i64;
        /// One saved segment, by name.
        fn get_segment(name: &str) -> Segment;
        /// Every saved segment, by name.
        fn list_segments() -> Vec<Segment>;
        /// The fields an expression about `subject` may name, with their types (see [`crate::segment`]).
        fn fields(subject: Subject) -> Vec<FieldInfo>;
        /// The ids of the clients in a segment as of `as_of`, ascending. `which` is a saved segment's
        /// name or an expression (`orders >= 2 and days_since_last_order > 90`); a saved name wins.
        fn segment(which: &str, as_of: DateTime<Utc>) -> Vec<ClientId>;
        /// How many clients are in a segment as of `as_of` (see [`Crm::segment`]).
        fn segment_count(which: &str, as_of: DateTime<Utc>) -> u64;
        /// Writes a segment's members with their contact details as CSV (a header, then one row per
        /// client by id: `client_id,name,kind,email,phone,contact_name,contact_email,contact_phone,region,
        /// industry,owner_id,tags`; the contact is the client's first contact person; tags joined with
        /// `;`), for a mailing tool. Returns the number of members written.
        fn export_segment(which: &str, as_of: DateTime<Utc>, out: &mut dyn std::io::Write) -> u64;
        /// Checks an expression about `subject` (names of managers and sources included) and returns
        /// it in canonical form; an error says what and where.
        fn check_expression(subject: Subject, expression: &str) -> String;
        /// Whether one client matches an expression as of `as_of`, evaluated in memory from its orders.
        fn client_matches(expression: &str, id: ClientId, as_of: DateTime<Utc>) -> bool;
        /// Whether one lead matches an expression about leads (a routing or response-time condition).
        fn lead_matches(expression: &str, id: LeadId, as_of: DateTime<Utc>) -> bool;
        /// How duplicates are found (the defaults until set).
        fn dedup_settings() -> DedupSettings;
        /// The clients that look like the party described, scoring at least the `suggest` setting, best
        /// first (then by id); each with the fields that agreed. See [`crate::dedup::matching`].
        fn find_duplicates(probe: &Probe) -> Vec<Match>;
        /// The other clients that look like this one (as [`Crm::find_duplicates`]).
        fn client_duplicates(id: ClientId) -> Vec<Match>;
        /// Every pair of clients scoring at least `min_score` (0..1), best first, then by ids; `a < b`.
        /// Candidates come from the shared matching keys (a key shared by more than `key_limit` clients
        /// is left out), so the work grows with the base, not with its square.
        fn duplicate_pairs(min_score: f64) -> Vec<DuplicatePair>;
        /// One merge.
        fn get_merge(id: MergeId) -> Merge;
        /// The merges a client took part in (kept or merged), or every merge; by id.
        fn list_merges(client_id: Option<ClientId>) -> Vec<Merge>;
        /// The store's calendar (`manager` none) or a manager's own, when set.
        fn calendar(manager: Option<ManagerId>) -> Option<CalendarSpec>;
        /// The instant `amount` (`2h`, `1h30m`) of working time after `from`, in the calendar of
        /// `manager` (theirs, else the store's, else round the clock).
        fn working_deadline(manager: Option<ManagerId>, from: DateTime<Utc>, amount: &str) -> DateTime<Utc>;
        /// Working time between two instants, in seconds, in the calendar of `manager` (as above).
        fn working_time(manager: Option<ManagerId>, from: DateTime<Utc>, to: DateTime<Utc>) -> i64;
        /// Absences of one manager or of all, by start day, then id.
        fn list_absences(manager: Option<ManagerId>) -> Vec<Absence>;
        /// The routing rules in the order they are tried (priority, then id).
        fn routing_rules() -> Vec<RoutingRule>;
        /// The first-response policies in the order they are tried (a policy without a condition last).
        fn response_slas() -> Vec<SlaPolicy>;
        /// Where a lead stands against its first-response deadline at `now`.
        fn lead_sla_status(id: LeadId, now: DateTime<Utc>) -> SlaStatus;
        /// The ownership rules (the defaults until set).
        fn ownership_settings() -> OwnershipSettings;
        /// Every decision about who works a lead, oldest first, with its explanation.
        fn lead_assignments(id: LeadId) -> Vec<Assignment>;
        /// Every change of a client's owner made by assignment or hand-over, oldest first.
        fn client_assignments(id: ClientId) -> Vec<Assignment>;
        /// The leads waiting for a manager, oldest first; each says why in `queued_reason`.
        fn queue() -> Vec<Lead>;
        /// Tasks of one manager or of all (only open ones, or every one), by id.
        fn list_tasks(manager: Option<ManagerId>, open_only: bool) -> Vec<Task>;
        /// One task.
        fn get_task(id: TaskId) -> Task;
    }
}

/// Several commands in one transaction: see [`Crm::transaction`]. It has every command and reader of
/// [`Crm`], with the same documentation; readers see the transaction's own writes.
pub struct Transaction<'a> {
    session: Session<'a>,
    /// Set once SQLite has ended the transaction by itself: every later call fails, so nothing runs
    /// outside the transaction the caller believes it is in.
    aborted: std::cell::Cell<bool>,
}

impl Transaction<'_> {
    fn ensure_open(&self) -> Result<()> {
        if self.aborted.get() || !store::in_transaction(self.session.conn) {
            self.aborted.set(true);
            return Err(Error::TransactionAborted);
        }
        Ok(())
    }

    /// Runs one command in a savepoint, so a failed command leaves nothing of itself behind.
    fn command<T>(&self, f: impl FnOnce(&Session<'_>) -> Result<T>) -> Result<T> {
        self.ensure_open()?;
        let result = store::savepoint(self.session.conn, || f(&self.session));
        if result.is_err() && !store::in_transaction(self.session.conn) {
            self.aborted.set(true);
        }
        result
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("actor", &self.session.actor)
            .finish()
    }
}

/// A connection inside a transaction, with the actor and the mode of the handle that opened it: where
/// the commands are written.
pub(crate) struct Session<'a> {
    conn: &'a Connection,
    actor: &'a str,
    strict: bool,
    routing: &'a distribution::RoutingCache,
}

// The public commands and readers are documented where they are made public: the `facade!` list above.
impl Session<'_> {
    // --- managers, sources, spend ------------------------------------------------------------------------
    pub(crate) fn add_manager(&self, new: NewManager, at: DateTime<Utc>) -> Result<Manager> {
        let at = validate::time("at", at)?;
        // A manager's address is set up by an admin, so a typo is refused rather than flagged.
        let email = validate::contact_value(
            "email",
            ContactKind::Email,
            new.email.as_deref(),
            true,
            &mut Vec::new(),
        )?;
        let mut manager = Manager {
            id: ManagerId(0),
            name: validate::required("name", &new.name)?,
            email: email.text,
            team: validate::optional("team", new.team.as_deref())?,
            active: new.active.unwrap_or(true),
            capacity: new.capacity,
            daily_cap: new.daily_cap,
            weight: new.weight.max(1),
            skills: validate::labels("skills", &new.skills)?,
            regions: validate::labels("regions", &new.regions)?,
            languages: validate::labels("languages", &new.languages)?,
            created_at: at,
        };
        let (tx, actor) = (self.conn, self.actor);
        manager.id = catalog::insert_manager(tx, &manager)?;
        log(tx, at, actor, "manager", manager.id.0, "created", &manager)?;
        Ok(manager)
    }

    pub(crate) fn set_manager_active(
        &self,
        id: ManagerId,
        active: bool,
        at: DateTime<Utc>,
    ) -> Result<Manager> {
        let at = validate::time("at", at)?;
        let (tx, actor) = (self.conn, self.actor);
        let mut manager = load_manager(tx, id)?;
        if manager.active != active {
            catalog::set_manager_active(tx, id, active)?;
            manager.active = active;
            log(
                tx,
                at,
                actor,
                "manager",
                id.0,
                "active_changed",
                &json!({ "active": active }),
            )?;
        }
        Ok(manager)
    }

    pub(crate) fn get_manager(&self, id: ManagerId) -> Result<Manager> {
        load_manager(self.conn, id)
    }

    pub(crate) fn list_managers(&self) -> Result<Vec<Manager>> {
        catalog::managers(self.conn)
    }

    pub(crate) fn add_source(&self, new: NewSource, at: DateTime<Utc>) -> Result<Source> {
        let at = validate::time("at", at)?;
        let mut source = Source {
            id: SourceId(0),
            name: validate::required("name", &new.name)?,
            channel: new.channel,
            campaign: validate::optional("campaign", new.campaign.as_deref())?,
            created_at: at,
        };
        let (tx, actor) = (self.conn, self.actor);
        if let Some(existing) =
            catalog::source_id_by_name(tx, &source.name, source.campaign.as_deref())?
        {
            return Err(Error::Conflict(format!(
                "a source with this name and campaign exists already (source {existing})"
            )));
        }
        source.id = catalog::insert_source(tx, &source)?;
        log(tx, at, actor, "source", source.id.0, "created", &source)?;
        Ok(source)
    }

    pub(crate) fn get_source(&self, id: SourceId) -> Result<Source> {
        catalog::source_by_id(self.conn, id)?.ok_or_else(|| Error::not_found("source", id))
    }

    pub(crate) fn list_sources(&self) -> Result<Vec<Source>> {
        catalog::sources(self.conn)
    }

    pub(crate) fn add_spend(&self, new: NewSpend, at: DateTime<Utc>) -> Result<Spend> {
        let at = validate::time("at", at)?;
        let mut spend = Spend {
            id: crate::model::SpendId(0),
            source_id: new.source_id,
            on: validate::date("on", new.on)?,
            amount: validate::non_negative("amount", new.amount)?,
            note: validate::optional("note", new.note.as_deref())?,
            created_at: at,
        };
        let (tx, actor) = (self.conn, self.actor);
        require_source(tx, spend.source_id)?;
        spend.id = catalog::insert_spend(tx, &spend)?;
        log(tx, at, actor, "spend", spend.id.0, "created", &spend)?;
        Ok(spend)
    }

    pub(crate) fn list_spend(
        &self,
        source_id: Option<SourceId>,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<Spend>> {
        let (start, end) = (validate::date("start", start)?, validate::date("end", end)?);
        catalog::spend(self.conn, source_id, start, end)
    }

    // --- catalogues ---------------------------------------------------------------------------------------
    pub(crate) fn add_lost_reason(
        &self,
        code: &str,
        label: &str,
        at: DateTime<Utc>,
    ) -> Result<LostReason> {
        let at = validate::time("at", at)?;
        let reason = LostReason {
            code: validate::code("code", code)?,
            label: validate::required("label", label)?,
        };
        let (tx, actor) = (self.conn, self.actor);
        let kind = match catalog::lost_reasons(tx)?
            .iter()
            .find(|r| r.code == reason.code)
        {
            Some(stored) if stored.label == reason.label => return Ok(reason), // nothing changes
            Some(_) => "relabelled",
            None => "created",
        };
        catalog::upsert_lost_reason(tx, &reason.code, &reason.label)?;
        log(tx, at, actor, "lost_reason", 0, kind, &reason)?;
        Ok(reason)
    }

    pub(crate) fn lost_reasons(&self) -> Result<Vec<LostReason>> {
        catalog::lost_reasons(self.conn)
    }

    pub(crate) fn set_pipeline(
        &self,
        stages: Vec<NewStage>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Stage>> {
        let at = validate::time("at", at)?;
        if stages.is_empty() {
            return Err(Error::validation("stages", "must not be empty"));
        }
        let mut checked: Vec<Stage> = Vec::with_capacity(stages.len());
        for (i, s) in stages.iter().enumerate() {
            let code = validate::code(&format!("stages[{i}].code"), &s.code)?;
            if code == "won" || code == "lost" {
                return Err(Error::validation(
                    format!("stages[{i}].code"),
                    "won and lost are statuses, not stages",
                ));
            }
            if checked.iter().any(|c| c.code == code) {
                return Err(Error::validation(
                    format!("stages[{i}].code"),
                    "must be unique",
                ));
            }
            if s.probability > 100 {
                return Err(Error::validation(
                    format!("stages[{i}].probability"),
                    "must be from 0 to 100",
                ));
            }
            let label = validate::required(&format!("stages[{i}].label"), &s.label)?;
            let position =
                u32::try_from(i).map_err(|_| Error::validation("stages", "too many stages"))?;
            checked.push(Stage {
                code,
                label,
                probability: s.probability,
                position,
            });
        }
        let (tx, actor) = (self.conn, self.actor);
        if catalog::stages(tx)? == checked {
            return Ok(checked); // the same pipeline: nothing changes, nothing is logged
        }
        let in_use = catalog::stages_in_use(tx)?;
        if let Some(missing) = in_use
            .iter()
            .find(|code| !checked.iter().any(|s| &s.code == *code))
        {
            return Err(Error::Conflict(format!(
                "open deals are still in stage {missing}"
            )));
        }
        catalog::replace_stages(tx, &checked)?;
        log(tx, at, actor, "pipeline", 0, "set", &checked)?;
        Ok(checked)
    }

    pub(crate) fn pipeline(&self) -> Result<Vec<Stage>> {
        catalog::stages(self.conn)
    }

    // --- clients ------------------------------------------------------------------------------------------
    pub(crate) fn add_client(&self, new: NewClient, at: DateTime<Utc>) -> Result<Client> {
        let at = validate::time("at", at)?;
        let strict = self.strict;
        let (tx, actor) = (self.conn, self.actor);
        let country = dedup::settings(tx)?.default_country;
        let (mut client, keys) = check_client(new, ClientId(0), at, at, [strict; 3], &country)?;
        check_client_references(tx, &client, None)?;
        client.id = clients::insert(tx, &client, &keys)?;
        // A new client has no contact persons yet: its keys come from its own details.
        let match_keys = Profile::of_client(&client, &[], &country).keys();
        dedup::replace_keys(tx, client.id, &match_keys)?;
        log(tx, at, actor, "client", client.id.0, "created", &client)?;
        Ok(client)
    }

    pub(crate) fn update_client(
        &self,
        id: ClientId,
        patch: ClientPatch,
        at: DateTime<Utc>,
    ) -> Result<Client> {
        let at = validate::time("at", at)?;
        let strict = self.strict;
        let strict = [
            strict && patch.phone.is_some(),
            strict && patch.email.is_some(),
            strict && patch.tax_id.is_some(),
        ];
        let (tx, actor) = (self.conn, self.actor);
        let old = load_client(tx, id)?;
        let country = dedup::settings(tx)?.default_country;
        let new = apply_client_patch(&old, patch);
        let (mut client, keys) =
            check_client(new, id, old.created_at, old.updated_at, strict, &country)?;
        let changed = changed_fields(&old, &client)?;
        if changed.is_empty() {
            return Ok(old);
        }
        check_client_references(tx, &client, Some(&old))?;
        if client.owner_id != old.owner_id {
            if let (Some(to), Some(_)) = (client.owner_id, self.locked_until(&old, at)?) {
                // A take-over of a locked client must carry a reason: assign_client records it.
                return Err(Error::Conflict(format!(
                    "client {id} is locked to its owner (a recent contact): change the owner with \
                     assign_client and a reason (to manager {to})"
                )));
            }
        }
        client.updated_at = at;
        clients::update(tx, &client, &keys)?;
        refresh_keys(tx, &client, &country)?;
        log(tx, at, actor, "client", id.0, "updated", &changed)?;
        Ok(client)
    }

    pub(crate) fn get_client(&self, id: ClientId) -> Result<Client> {
        load_client(self.conn, id)
    }

    pub(crate) fn list_clients(&self, query: &ClientQuery) -> Result<Vec<Client>> {
        clients::list(self.conn, query)
    }

    pub(crate) fn add_contact(&self, new: NewContact, at: DateTime<Utc>) -> Result<Contact> {
        let at = validate::time("at", at)?;
        let strict = self.strict;
        let phones = validate::values("phones", &new.phones)?;
        let emails = validate::values("emails", &new.emails)?;
        let country = dedup::settings(self.conn)?.default_country;
        if strict {
            let mut ignored = Vec::new();
            for (i, p) in phones.iter().enumerate() {
                validate::contact_value(
                    &format!("phones[{i}]"),
                    ContactKind::Phone(&country),
                    Some(p),
                    true,
                    &mut ignored,
                )?;
            }
            for (i, e) in emails.iter().enumerate() {
                validate::contact_value(
                    &format!("emails[{i}]"),
                    ContactKind::Email,
                    Some(e),
                    true,
                    &mut ignored,
                )?;
            }
        }
        let mut contact = Contact {
            id: ContactId(0),
            client_id: new.client_id,
            name: validate::required("name", &new.name)?,
            position: validate::optional("position", new.position.as_deref())?,
            phones,
            emails,
            created_at: at,
        };
        let (tx, actor) = (self.conn, self.actor);
        let client = load_client(tx, contact.client_id)?;
        contact.id = clients::insert_contact(tx, &contact)?;
        refresh_keys(tx, &client, &country)?;
        log(tx, at, actor, "contact", contact.id.0, "created", &contact)?;
        Ok(contact)
    }

    pub(crate) fn get_contact(&self, id: ContactId) -> Result<Contact> {
        clients::contact_by_id(self.conn, id)?.ok_or_else(|| Error::not_found("contact", id))
    }

    pub(crate) fn list_contacts(&self, client_id: ClientId) -> Result<Vec<Contact>> {
        let tx = self.conn;
        require_client(tx, client_id)?;
        clients::contacts_of(tx, client_id)
    }

    // --- leads --------------------------------------------------------------------------------------------
    pub(crate) fn capture_lead(&self, new: NewLead, at: DateTime<Utc>) -> Result<Capture> {
        let at = validate::time("at", at)?;
        let strict = self.strict;
        let settings = dedup::settings(self.conn)?;
        let country = settings.default_country.as_str();
        let mut warnings = Vec::new();
        let mut scrub =
            |field: &str, text: Option<String>| validate::scrub(field, text, strict, &mut warnings);
        let name = scrub("name", new.name);
        let company = scrub("company", new.company);
        let phone = scrub("phone", new.phone);
        let email = scrub("email", new.email);
        let messenger = scrub("messenger", new.messenger);
        let need = scrub("need", new.need);
        let interest = scrub("interest", new.interest);
        let region = scrub("region", new.region);
        let language = scrub("language", new.language);
        let external_ref = scrub("external_ref", new.external_ref);
        // Malformed contacts are checked leniently first, so that a replay of a stored request is
        // recognised even in strict mode; strict mode refuses them below, before anything is written.
        let phone = validate::contact_value(
            "phone",
            ContactKind::Phone(country),
            phone.as_deref(),
            false,
            &mut warnings,
        )?;
        let email = validate::contact_value(
            "email",
            ContactKind::Email,
            email.as_deref(),
            false,
            &mut warnings,
        )?;
        let keys = MatchKeys {
            phone: phone.key,
            email: email.key,
            tax_id: None,
        };
        let mut lead = Lead {
            id: LeadId(0),
            status: LeadStatus::New,
            channel: new.channel,
            source_id: new.source_id,
            received_at: at,
            name: validate::optional("name", name.as_deref())?,
            company: validate::optional("company", company.as_deref())?,
            phone: phone.text,
            phone_quality: phone.quality,
            email: email.text,
            email_quality: email.quality,
            messenger: validate::optional("messenger", messenger.as_deref())?,
            need: validate::optional_long("need", need.as_deref())?,
            interest: validate::optional("interest", interest.as_deref())?,
            region: validate::optional("region", region.as_deref())?,
            language: validate::optional("language", language.as_deref())?,
            estimated_value: new
                .estimated_value
                .map(|v| validate::non_negative("estimated_value", v))
                .transpose()?,
            owner_id: new.owner_id,
            client_id: new.client_id,
            deal_id: None,
            first_response_due: None,
            first_response_at: None,
            first_response_by: None,
            sla_policy: None,
            sla_breached_at: None,
            queued_reason: None,
            lost_reason: None,
            junk_kind: None,
            close_note: None,
            external_ref: validate::optional("external_ref", external_ref.as_deref())?,
            status_changed_at: at,
            updated_at: at,
        };
        let (tx, actor) = (self.conn, self.actor);
        if let Some(external_ref) = &lead.external_ref {
            if let Some(stored) = leads::by_external_ref(tx, external_ref)? {
                if same_request(&stored, &lead) {
                    let message = format!(
                        "captured already as lead {}; nothing new was stored",
                        stored.id
                    );
                    let warning = Warning {
                        field: "external_ref".into(),
                        message,
                    };
                    return Ok(Capture {
                        lead: stored,
                        warnings: vec![warning],
                        matches: Vec::new(),
                        auto_linked: false,
                        assignment: None,
                    });
                }
                return Err(Error::Conflict(format!(
                    "external_ref is already used by lead {} with other details",
                    stored.id
                )));
            }
        }
        if strict {
            let mut ignored = Vec::new();
            validate::contact_value(
                "phone",
                ContactKind::Phone(country),
                lead.phone.as_deref(),
                true,
                &mut ignored,
            )?;
            validate::contact_value(
                "email",
                ContactKind::Email,
                lead.email.as_deref(),
                true,
                &mut ignored,
            )?;
        }
        // A reference that no longer holds (a deleted source in a web form's settings, a manager on leave)
        // must not cost the request: it is dropped with a warning. Strict mode refuses it instead.
        if let Some(source) = lead.source_id {
            if let Err(e) = require_source(tx, source) {
                lead.source_id = drop_reference(
                    strict,
                    e,
                    "source_id",
                    "the lead is stored without a source",
                    &mut warnings,
                )?;
            }
        }
        if let Some(owner) = lead.owner_id {
            if let Err(e) = require_active_manager(tx, "owner_id", owner) {
                lead.owner_id = drop_reference(
                    strict,
                    e,
                    "owner_id",
                    "the lead is stored unassigned",
                    &mut warnings,
                )?;
            }
        }
        let mut client = None;
        if let Some(client_id) = lead.client_id {
            match load_client(tx, client_id) {
                Ok(found) => client = Some(found),
                Err(e) => {
                    lead.client_id = drop_reference(
                        strict,
                        e,
                        "client_id",
                        "the lead is stored without a client",
                        &mut warnings,
                    )?;
                }
            }
        }
        if lead.phone.is_none()
            && lead.email.is_none()
            && lead.messenger.is_none()
            && lead.client_id.is_none()
        {
            return Err(Error::validation(
                "contact",
                "give at least one way to reach the person: phone, email, messenger or client_id",
            ));
        }
        // A request from a known party is attached to its client: a strong match (only one) links it
        // now, weaker ones are returned for a person to decide.
        let mut matches = Vec::new();
        let mut auto_linked = false;
        if lead.client_id.is_none() {
            let profile = Profile::of_lead(&lead, country);
            matches = find_matches(tx, &profile, &settings)?;
            let strong: Vec<&Match> = matches
                .iter()
                .filter(|m| m.score >= settings.auto_link)
                .collect();
            if let [best] = strong.as_slice() {
                lead.client_id = Some(best.client_id);
                client = Some(load_client(tx, best.client_id)?);
                auto_linked = true;
            }
        }
        // Routing: a known client's request goes to the manager who owns the client (so two managers
        // never work the same client unknowingly) when that manager can take it, else by the rules; when
        // nobody can, the lead waits in the queue with the reason. Then the response deadline.
        let mut router = distribution::Router::load(tx, self.routing, at)?;
        let mut routed = match lead.owner_id {
            Some(owner) => distribution::Routed::given(&lead, owner, at),
            None => router.route(tx, &lead, client.as_ref(), None, AssignedVia::Rule, at)?,
        };
        // Routing is on once the store has a rule: without any, a request nobody owns is left for the
        // host to assign (no queue, no decision recorded), as before distribution existed.
        let decided = routed.assignment.manager_id.is_some() || router.has_rules();
        match routed.assignment.manager_id {
            Some(manager) => lead.owner_id = Some(manager),
            None if decided => lead.queued_reason = Some(routed.assignment.reason.clone()),
            None => {}
        }
        if let Some((policy, due)) = router.deadline(&lead, at) {
            lead.sla_policy = Some(policy);
            lead.first_response_due = Some(due);
        }
        lead.id = leads::insert(tx, &lead, &keys)?;
        if decided {
            routed.assignment.lead_id = Some(lead.id);
            router.commit(tx, &routed, true)?;
            let day = router.local_day_of(&routed.assignment);
            store::distribution::insert_assignment(tx, &mut routed.assignment, day)?;
        }
        leads::insert_transition(
            tx,
            &LeadTransition {
                lead_id: lead.id,
                from: None,
                to: LeadStatus::New,
                at,
                actor: actor.into(),
                reason: None,
            },
        )?;
        log(tx, at, actor, "lead", lead.id.0, "captured", &lead)?;
        if lead.queued_reason.is_some() {
            distribution::tell_queued(self, &router, &lead, at)?;
        }
        Ok(Capture {
            lead,
            warnings,
            matches,
            auto_linked,
            assignment: decided.then_some(routed.assignment),
        })
    }

    pub(crate) fn get_lead(&self, id: LeadId) -> Result<Lead> {
        load_lead(self.conn, id)
    }

    pub(crate) fn list_leads(&self, query: &LeadQuery) -> Result<Vec<Lead>> {
        query
            .received_from
            .map(|t| validate::time("received_from", t))
            .transpose()?;
        query
            .received_to
            .map(|t| validate::time("received_to", t))
            .transpose()?;
        leads::list(self.conn, query)
    }

    pub(crate) fn lead_transitions(&self, id: LeadId) -> Result<Vec<LeadTransition>> {
        let tx = self.conn;
        load_lead(tx, id)?;
        leads::transitions_of(tx, id)
    }

    pub(crate) fn start_lead(&self, id: LeadId, at: DateTime<Utc>) -> Result<Lead> {
        let at = validate::time("at", at)?;
        self.lead_action(id, LeadAction::Start, None, None, at)
    }

    pub(crate) fn qualify_lead(&self, id: LeadId, at: DateTime<Utc>) -> Result<Lead> {
        let at = validate::time("at", at)?;
        self.lead_action(id, LeadAction::Qualify, None, None, at)
    }

    pub(crate) fn lose_lead(
        &self,
        id: LeadId,
        reason: &str,
        note: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Lead> {
        let at = validate::time("at", at)?;
        let reason = validate::required("reason", reason)?;
        let note = validate::optional_long("note", note)?;
        self.lead_action(id, LeadAction::Lose, Some(Closing::Lost(reason)), note, at)
    }

    pub(crate) fn junk_lead(
        &self,
        id: LeadId,
        kind: JunkKind,
        note: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Lead> {
        let at = validate::time("at", at)?;
        let note = validate::optional_long("note", note)?;
        self.lead_action(id, LeadAction::Junk, Some(Closing::Junk(kind)), note, at)
    }

    pub(crate) fn reopen_lead(&self, id: LeadId, at: DateTime<Utc>) -> Result<Lead> {
        let at = validate::time("at", at)?;
        self.lead_action(id, LeadAction::Reopen, None, None, at)
    }

    fn lead_action(
        &self,
        id: LeadId,
        action: LeadAction,
        closing: Option<Closing>,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Lead> {
        let (tx, actor) = (self.conn, self.actor);
        let mut lead = load_lead(tx, id)?;
        let to = lifecycle::decide_lead_action(lead.status, action)?;
        if let Some(Closing::Lost(code)) = &closing {
            require_lost_reason(tx, "reason", code)?;
        }
        let reason = match &closing {
            Some(Closing::Lost(code)) => Some(code.clone()),
            Some(Closing::Junk(kind)) => Some(kind.to_string()),
            None => None,
        };
        lead.lost_reason = match &closing {
            Some(Closing::Lost(code)) => Some(code.clone()),
            _ => None,
        };
        lead.junk_kind = match closing {
            Some(Closing::Junk(kind)) => Some(kind),
            _ => None,
        };
        lead.close_note = note;
        move_lead(tx, actor, &mut lead, to, reason, at)?;
        Ok(lead)
    }

    pub(crate) fn convert_lead(
        &self,
        id: LeadId,
        options: ConvertLead,
        at: DateTime<Utc>,
    ) -> Result<Conversion> {
        let at = validate::time("at", at)?;
        let amount = options
            .amount
            .map(|a| validate::non_negative("amount", a))
            .transpose()?;
        let title = validate::optional("title", options.title.as_deref())?;
        let stage = options
            .stage
            .as_deref()
            .map(|s| validate::code("stage", s))
            .transpose()?;
        let (tx, actor) = (self.conn, self.actor);
        let mut lead = load_lead(tx, id)?;
        let to = lifecycle::decide_lead_action(lead.status, LeadAction::Convert)?;
        lifecycle::check_not_earlier(at, lead.status_changed_at, "lead")?;
        let stage = opening_stage(tx, stage)?;
        let (client, client_created) = match options.client_id.or(lead.client_id) {
            Some(client_id) => (load_client(tx, client_id)?, false),
            None => (create_client_from_lead(tx, actor, &lead, at)?, true),
        };
        let title = title
            .or_else(|| lead.need.clone())
            .or_else(|| lead.interest.clone())
            .unwrap_or_else(|| format!("Lead {}", lead.id));
        let title: String = title.chars().take(validate::SHORT_TEXT).collect();
        let mut deal = Deal {
            id: DealId(0),
            client_id: client.id,
            lead_id: Some(lead.id),
            title,
            amount: amount.or(lead.estimated_value).unwrap_or(Money::ZERO),
            stage,
            status: DealStatus::Open,
            owner_id: lead.owner_id.or(client.owner_id),
            expected_close: None,
            lost_reason: None,
            lost_note: None,
            created_at: at,
            closed_at: None,
            stage_changed_at: at,
        };
        open_deal_in(tx, actor, &mut deal)?;
        lead.client_id = Some(client.id);
        lead.deal_id = Some(deal.id);
        move_lead(tx, actor, &mut lead, to, None, at)?;
        Ok(Conversion {
            lead_id: lead.id,
            client_id: client.id,
            deal_id: deal.id,
            client_created,
            client,
        })
    }

    // --- activities ---------------------------------------------------------------------------------------
    pub(crate) fn log_activity(&self, new: NewActivity, at: DateTime<Utc>) -> Result<Activity> {
        let at = validate::time("at", at)?;
        if new.lead_id.is_none() && new.client_id.is_none() && new.deal_id.is_none() {
            return Err(Error::validation(
                "lead_id",
                "link the activity to a lead, a client or a deal",
            ));
        }
        // Who started a contact matters (only our outbound contact answers a request); a document is
        // something we send unless said otherwise; a note has no direction.
        let direction = match (new.kind, new.direction) {
            (ActivityKind::Note, _) => None,
            (ActivityKind::Document, None) => Some(Direction::Out),
            (_, Some(direction)) => Some(direction),
            (_, None) => {
                return Err(Error::validation(
                    "direction",
                    "is required for a call, e-mail, meeting or message (in or out)",
                ));
            }
        };
        let mut activity = Activity {
            id: ActivityId(0),
            kind: new.kind,
            direction,
            lead_id: new.lead_id,
            client_id: new.client_id,
            deal_id: new.deal_id,
            manager_id: new.manager_id,
            at,
            subject: validate::optional("subject", new.subject.as_deref())?,
            body: validate::optional_long("body", new.body.as_deref())?,
            outcome: validate::optional("outcome", new.outcome.as_deref())?,
            document_ref: validate::optional("document_ref", new.document_ref.as_deref())?,
            duration_seconds: new.duration_seconds,
            offer: activity_code("offer", new.offer.as_deref())?,
            objection: activity_code("objection", new.objection.as_deref())?,
            argument: activity_code("argument", new.argument.as_deref())?,
        };
        let (tx, actor) = (self.conn, self.actor);
        if let Some(manager) = activity.manager_id {
            load_manager(tx, manager)?;
        }
        let deal = activity.deal_id.map(|id| load_deal(tx, id)).transpose()?;
        let mut lead = activity.lead_id.map(|id| load_lead(tx, id)).transpose()?;
        if let Some(client) = activity.client_id {
            require_client(tx, client)?;
        }
        // The links must tell one story: an activity with a client and a deal of another client would
        // show up in the wrong client's history.
        let lead_client = lead.as_ref().and_then(|l| l.client_id);
        let deal_client = deal.as_ref().map(|d| d.client_id);
        if let (Some(a), Some(b)) = (activity.client_id.or(lead_client), deal_client) {
            if a != b {
                return Err(Error::validation("deal_id", "belongs to another client"));
            }
        }
        if let (Some(given), Some(of_lead)) = (activity.client_id, lead_client) {
            if given != of_lead {
                return Err(Error::validation("lead_id", "belongs to another client"));
            }
        }
        activity.client_id = activity
            .client_id
            .or_else(|| lead.as_ref().and_then(|l| l.client_id))
            .or_else(|| deal.as_ref().map(|d| d.client_id));
        activity.id = activities::insert(tx, &activity)?;
        log(
            tx,
            at,
            actor,
            "activity",
            activity.id.0,
            "logged",
            &activity,
        )?;
        if let Some(lead) = lead.as_mut() {
            let state = lifecycle::ResponseState {
                status: lead.status,
                received_at: lead.received_at,
                answered_at: lead.first_response_at,
            };
            let logged = NewActivity { direction, ..new };
            if let Some(response) = lifecycle::first_response(state, &logged, at) {
                lead.first_response_at = Some(response.at);
                lead.first_response_by = activity.manager_id;
                let data = json!({ "activity_id": activity.id, "manager_id": activity.manager_id,
                                   "corrects_earlier": response.corrects_earlier });
                match response.moves_to {
                    Some(to) => move_lead(tx, actor, lead, to, None, at)?,
                    None => {
                        lead.updated_at = at;
                        leads::update(tx, lead)?;
                    }
                }
                log(tx, at, actor, "lead", lead.id.0, "first_response", &data)?;
            }
        }
        Ok(activity)
    }

    pub(crate) fn get_activity(&self, id: ActivityId) -> Result<Activity> {
        activities::by_id(self.conn, id)?.ok_or_else(|| Error::not_found("activity", id))
    }

    pub(crate) fn list_activities(&self, query: &ActivityQuery) -> Result<Vec<Activity>> {
        activities::list(self.conn, query)
    }

    // --- deals --------------------------------------------------------------------------------------------
    pub(crate) fn open_deal(&self, new: NewDeal, at: DateTime<Utc>) -> Result<Deal> {
        let at = validate::time("at", at)?;
        let title = validate::required("title", &new.title)?;
        let amount = validate::non_negative("amount", new.amount)?;
        let stage = new
            .stage
            .as_deref()
            .map(|s| validate::code("stage", s))
            .transpose()?;
        let (tx, actor) = (self.conn, self.actor);
        let client = load_client(tx, new.client_id)?;
        if let Some(owner) = new.owner_id {
            require_active_manager(tx, "owner_id", owner)?;
        }
        let mut deal = Deal {
            id: DealId(0),
            client_id: client.id,
            lead_id: None,
            title,
            amount,
            stage: opening_stage(tx, stage)?,
            status: DealStatus::Open,
            owner_id: new.owner_id.or(client.owner_id),
            expected_close: new
                .expected_close
                .map(|d| validate::date("expected_close", d))
                .transpose()?,
            lost_reason: None,
            lost_note: None,
            created_at: at,
            closed_at: None,
            stage_changed_at: at,
        };
        open_deal_in(tx, actor, &mut deal)?;
        Ok(deal)
    }

    pub(crate) fn move_deal(&self, id: DealId, stage: &str, at: DateTime<Utc>) -> Result<Deal> {
        let at = validate::time("at", at)?;
        let stage = validate::code("stage", stage)?;
        let (tx, actor) = (self.conn, self.actor);
        let mut deal = load_deal(tx, id)?;
        lifecycle::check_deal_move(deal.status, &deal.stage, DealStatus::Open, &stage)?;
        lifecycle::check_not_earlier(at, deal.stage_changed_at, "deal")?;
        if !catalog::stages(tx)?.iter().any(|s| s.code == stage) {
            return Err(Error::validation("stage", "is not a stage of the pipeline"));
        }
        if deal.stage == stage {
            return Ok(deal);
        }
        let from = std::mem::replace(&mut deal.stage, stage);
        deal.stage_changed_at = at;
        deals::update(tx, &deal)?;
        record_visit(tx, actor, &deal, at)?;
        log(
            tx,
            at,
            actor,
            "deal",
            deal.id.0,
            "stage_changed",
            &json!({ "from": from, "to": deal.stage }),
        )?;
        Ok(deal)
    }

    pub(crate) fn update_deal(
        &self,
        id: DealId,
        patch: DealPatch,
        at: DateTime<Utc>,
    ) -> Result<Deal> {
        let at = validate::time("at", at)?;
        let (tx, actor) = (self.conn, self.actor);
        let old = load_deal(tx, id)?;
        if old.status != DealStatus::Open {
            return Err(Error::Conflict(format!(
                "deal {id} is {}; a closed deal does not change",
                old.status
            )));
        }
        let mut deal = old.clone();
        if let Some(title) = patch.title {
            deal.title = validate::required("title", &title)?;
        }
        if let Some(amount) = patch.amount {
            deal.amount = validate::non_negative("amount", amount)?;
        }
        if let Some(expected_close) = patch.expected_close {
            deal.expected_close = expected_close
                .map(|d| validate::date("expected_close", d))
                .transpose()?;
        }
        if let Some(owner_id) = patch.owner_id {
            if let (Some(owner), true) = (owner_id, owner_id != old.owner_id) {
                require_active_manager(tx, "owner_id", owner)?;
            }
            deal.owner_id = owner_id;
        }
        let changed = changed_fields(&old, &deal)?;
        if changed.is_empty() {
            return Ok(old);
        }
        deals::update(tx, &deal)?;
        log(tx, at, actor, "deal", id.0, "updated", &changed)?;
        Ok(deal)
    }

    pub(crate) fn win_deal(&self, id: DealId, at: DateTime<Utc>) -> Result<Deal> {
        let at = validate::time("at", at)?;
        self.close_deal(id, DealStatus::Won, None, None, at)
    }

    pub(crate) fn lose_deal(
        &self,
        id: DealId,
        reason: &str,
        note: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Deal> {
        let at = validate::time("at", at)?;
        let reason = validate::required("reason", reason)?;
        let note = validate::optional_long("note", note)?;
        self.close_deal(id, DealStatus::Lost, Some(reason), note, at)
    }

    fn close_deal(
        &self,
        id: DealId,
        status: DealStatus,
        reason: Option<String>,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Deal> {
        let (tx, actor) = (self.conn, self.actor);
        let mut deal = load_deal(tx, id)?;
        lifecycle::check_deal_move(deal.status, &deal.stage, status, &deal.stage)?;
        lifecycle::check_not_earlier(at, deal.stage_changed_at, "deal")?;
        if let Some(code) = &reason {
            require_lost_reason(tx, "reason", code)?;
        }
        deal.status = status;
        deal.lost_reason = reason;
        deal.lost_note = note;
        deal.closed_at = Some(at);
        deal.stage_changed_at = at;
        deals::update(tx, &deal)?;
        record_visit(tx, actor, &deal, at)?;
        let data = json!({ "status": status, "stage": deal.stage, "reason": deal.lost_reason,
                           "note": deal.lost_note });
        log(tx, at, actor, "deal", deal.id.0, status.as_str(), &data)?;
        Ok(deal)
    }

    pub(crate) fn get_deal(&self, id: DealId) -> Result<Deal> {
        load_deal(self.conn, id)
    }

    pub(crate) fn list_deals(&self, query: &DealQuery) -> Result<Vec<Deal>> {
        deals::list(self.conn, query)
    }

    pub(crate) fn deal_history(&self, id: DealId) -> Result<Vec<StageVisit>> {
        let tx = self.conn;
        load_deal(tx, id)?;
        deals::visits_of(tx, id)
    }

    // --- orders -------------------------------------------------------------------------------------------
    pub(crate) fn record_order(&self, new: NewOrder, at: DateTime<Utc>) -> Result<Order> {
        let at = validate::time("at", at)?;
        let order = check_order(new, at)?;
        match plan_order(self.conn, order)? {
            OrderPlan::Stored(stored) => Ok(stored),
            OrderPlan::Insert(order) => insert_order(self.conn, self.actor, order),
        }
    }

    pub(crate) fn record_orders(
        &self,
        batch: Vec<(NewOrder, DateTime<Utc>)>,
    ) -> Result<Vec<Result<Order>>> {
        let (tx, actor) = (self.conn, self.actor);
        let mut results = Vec::with_capacity(batch.len());
        // The rollups are folded per client and written once at the end (see `orders::RollupFold`);
        // what a client had before the batch is read once per client.
        let mut fold = orders::RollupFold::default();
        let mut before: HashMap<ClientId, Option<Money>> = HashMap::new();
        // Clients the batch has found (a client is never deleted inside a batch).
        let mut found: HashSet<ClientId> = HashSet::new();
        let mut batch_start: Option<OrderId> = None;
        for (new, at) in batch {
            // Every refusal happens in the read-only plan, so a refused item has written nothing
            // and the batch goes on; a failure while writing aborts the whole batch.
            let planned = check_order(new, at).and_then(|order| {
                let stored = match before.get(&order.client_id) {
                    Some(stored) => *stored,
                    None => {
                        let stored = orders::rollup_of(tx, order.client_id)?.map(|r| r.revenue);
                        before.insert(order.client_id, stored);
                        stored
                    }
                };
                let pending = Money::from_minor(fold.pending_revenue(order.client_id));
                let (client, known) = (order.client_id, found.contains(&order.client_id));
                let plan =
                    plan_order_with(tx, order, stored.unwrap_or(Money::ZERO), pending, known);
                if plan.is_ok() {
                    found.insert(client);
                }
                plan
            });
            match planned {
                Ok(OrderPlan::Stored(stored)) => results.push(Ok(stored)),
                Ok(OrderPlan::Insert(order)) => {
                    let order = write_order(tx, actor, order)?;
                    let start = *batch_start.get_or_insert(order.id);
                    if order.status == OrderStatus::Completed {
                        let had = before.get(&order.client_id).copied().flatten().is_some();
                        fold.add_from_batch(tx, &order, start, had)?;
                    }
                    results.push(Ok(order));
                }
                Err(e) if e.kind() == crate::ErrorKind::Storage => return Err(e),
                Err(e) => results.push(Err(e)),
            }
        }
        fold.apply(tx)?;
        Ok(results)
    }

    pub(crate) fn set_order_status(
        &self,
        id: OrderId,
        status: OrderStatus,
        at: DateTime<Utc>,
    ) -> Result<Order> {
        let at = validate::time("at", at)?;
        let (tx, actor) = (self.conn, self.actor);
        let mut order = orders::by_id(tx, id)?.ok_or_else(|| Error::not_found("order", id))?;
        if order.status == status {
            return Ok(order);
        }
        if status == OrderStatus::Completed {
            let stored = orders::rollup_of(tx, order.client_id)?.map_or(Money::ZERO, |r| r.revenue);
            check_revenue_room(stored, Money::ZERO, order.total)?;
        }
        let from = std::mem::replace(&mut order.status, status);
        orders::set_status(tx, id, status)?;
        orders::rebuild_rollups(tx, order.client_id)?;
        log(
            tx,
            at,
            actor,
            "order",
            id.0,
            "status_changed",
            &json!({ "from": from, "to": status }),
        )?;
        Ok(order)
    }

    pub(crate) fn get_order(&self, id: OrderId) -> Result<Order> {
        orders::by_id(self.conn, id)?.ok_or_else(|| Error::not_found("order", id))
    }

    pub(crate) fn list_orders(&self, query: &OrderQuery) -> Result<Vec<Order>> {
        query.from.map(|t| validate::time("from", t)).transpose()?;
        query.to.map(|t| validate::time("to", t)).transpose()?;
        orders::list(self.conn, query)
    }

    pub(crate) fn client_rollup(&self, client_id: ClientId) -> Result<ClientRollup> {
        let tx = self.conn;
        require_client(tx, client_id)?;
        Ok(orders::rollup_of(tx, client_id)?.unwrap_or(ClientRollup {
            client_id,
            revenue: Money::ZERO,
            orders: 0,
            first_order_at: None,
            last_order_at: None,
            purchase_days: 0,
        }))
    }

    pub(crate) fn list_rollups(&self, page: Page) -> Result<Vec<ClientRollup>> {
        orders::rollups(self.conn, &page)
    }

    pub(crate) fn client_monthly_revenue(&self, client_id: ClientId) -> Result<Vec<MonthRevenue>> {
        let tx = self.conn;
        require_client(tx, client_id)?;
        orders::months_of(tx, client_id)
    }

    // --- history ------------------------------------------------------------------------------------------
    pub(crate) fn history(&self, entity: &str, id: i64) -> Result<Vec<Event>> {
        if !ENTITIES.contains(&entity) {
            return Err(Error::validation(
                "entity",
                format!("must be one of: {}", ENTITIES.join(" ")),
            ));
        }
        events::history(self.conn, entity, id)
    }

    pub(crate) fn changes_since(&self, seq: i64, limit: u32) -> Result<Vec<Event>> {
        let limit = if limit == 0 { 1_000 } else { limit.min(10_000) };
        events::since(self.conn, seq, limit)
    }

    pub(crate) fn last_seq(&self) -> Result<i64> {
        events::last_seq(self.conn)
    }

    // --- segments -----------------------------------------------------------------------------------------
    /// Compiles `text` about `subject` against the store's managers and sources.
    fn compile(&self, field: &str, subject: Subject, text: &str) -> Result<Condition> {
        let names = segments::names(self.conn)?;
        segment::compile(text, subject, &names).map_err(|e| Error::expression(field, text, &e))
    }

    /// Fills `temp.client_scores` as of `as_of` when `cond` reads a client score (`abc`, `xyz`,
    /// `rfm_segment`, `p_alive` …): its statement joins that table.
    fn fill_scores_for(&self, cond: &Condition, as_of: DateTime<Utc>) -> Result<()> {
        let read = cond.scores_read();
        let needs = analytics::ScoreNeeds {
            abc: read.abc,
            xyz: read.xyz,
            rfm: read.rfm,
            p_alive: read.p_alive,
        };
        if needs.any() {
            self.fill_client_scores(as_of, needs)?;
        }
        Ok(())
    }

    /// A saved segment's condition, or `which` compiled as an expression.
    fn segment_condition(&self, which: &str) -> Result<Condition> {
        if let Some(saved) = segments::by_name(self.conn, which.trim())? {
            return self.compile("expression", Subject::Clients, &saved.expression);
        }
        let word = which.trim();
        // Text that does not start like an expression (a field, `not`, `has`), has no operator, quote
        // or parenthesis, and does not parse is a name that was never saved (`sleeping regulars`); a
        // broken expression (`has tag vip`) gets its parse error.
        let first = word
            .split(|c: char| c.is_whitespace() || c == '.')
            .next()
            .unwrap_or("")
            .to_lowercase();
        let starts_like_an_expression = first == "not"
            || first == "has"
            || first == "attributes"
            || segment::fields(Subject::Clients)
                .iter()
                .any(|f| f.name == first);
        if !word.is_empty()
            && !starts_like_an_expression
            && !word.contains(['=', '<', '>', '!', '\'', '(', ')', ','])
            && segment::parse(word).is_err()
        {
            return Err(Error::not_found("segment", word));
        }
        self.compile("expression", Subject::Clients, which)
    }

    pub(crate) fn save_segment(
        &self,
        name: &str,
        expression: &str,
        at: DateTime<Utc>,
    ) -> Result<Segment> {
        let at = validate::time("at", at)?;
        let name = validate::required("name", name)?;
        if segment::parse(&name).is_ok() {
            return Err(Error::validation(
                "name",
                "reads as an expression; choose a name that does not (e.g. without operators)",
            ));
        }
        let expression = validate::required_long("expression", expression)?;
        self.compile("expression", Subject::Clients, &expression)?;
        let (tx, actor) = (self.conn, self.actor);
        match segments::by_name(tx, &name)? {
            Some(existing) if existing.expression == expression => Ok(existing),
            Some(existing) => {
                not_before(at, existing.updated_at)?;
                segments::set_expression(tx, existing.id, &expression, &at)?;
                log(
                    tx,
                    at,
                    actor,
                    "segment",
                    existing.id.0,
                    "updated",
                    &json!({ "expression": expression, "was": existing.expression }),
                )?;
                load_segment(tx, &name)
            }
            None => {
                let id = segments::insert(tx, &name, &expression, &at)?;
                log(
                    tx,
                    at,
                    actor,
                    "segment",
                    id.0,
                    "created",
                    &json!({ "name": name, "expression": expression }),
                )?;
                load_segment(tx, &name)
            }
        }
    }

    pub(crate) fn delete_segment(&self, name: &str, at: DateTime<Utc>) -> Result<Segment> {
        let at = validate::time("at", at)?;
        let (tx, actor) = (self.conn, self.actor);
        let existing = load_segment(tx, name.trim())?;
        not_before(at, existing.updated_at)?;
        segments::delete(tx, existing.id)?;
        log(
            tx,
            at,
            actor,
            "segment",
            existing.id.0,
            "deleted",
            &json!({ "name": existing.name, "expression": existing.expression }),
        )?;
        Ok(existing)
    }

    pub(crate) fn refresh_segment(
        &self,
        name: &str,
        as_of: DateTime<Utc>,
    ) -> Result<SegmentChange> {
        let as_of = validate::time("as_of", as_of)?;
        let (tx, actor) = (self.conn, self.actor);
        let saved = load_segment(tx, name.trim())?;
        if let Some(last) = saved.refreshed_at {
            if as_of < last {
                return Err(Error::validation(
                    "as_of",
                    format!(
                        "is before the segment's last refresh ({})",
                        last.to_rfc3339()
                    ),
                ));
            }
        }
        let cond = self.compile("expression", Subject::Clients, &saved.expression)?;
        self.fill_scores_for(&cond, as_of)?;
        let now = segments::client_ids(tx, &cond, &segments::as_of(tx, as_of)?)?;
        let before = segments::members(tx, saved.id)?;
        let (entered, left) = segment::diff(&before, &now);
        segments::record_refresh(tx, saved.id, &entered, &left, now.len(), &as_of)?;
        let data = json!({ "segment_id": saved.id, "segment": saved.name });
        for client in &entered {
            events::append(
                tx,
                &as_of,
                actor,
                "client",
                client.0,
                "segment_entered",
                &data,
            )?;
        }
        for client in &left {
            events::append(tx, &as_of, actor, "client", client.0, "segment_left", &data)?;
        }
        let members = i64::try_from(now.len()).unwrap_or(i64::MAX);
        log(
            tx,
            as_of,
            actor,
            "segment",
            saved.id.0,
            "refreshed",
            &json!({ "entered": entered.len(), "left": left.len(), "members": members }),
        )?;
        Ok(SegmentChange {
            segment_id: saved.id,
            name: saved.name,
            as_of,
            entered,
            left,
            members,
        })
    }

    pub(crate) fn fields(&self, subject: Subject) -> Result<Vec<FieldInfo>> {
        Ok(segment::fields(subject))
    }

    pub(crate) fn get_segment(&self, name: &str) -> Result<Segment> {
        load_segment(self.conn, name.trim())
    }

    pub(crate) fn list_segments(&self) -> Result<Vec<Segment>> {
        segments::all(self.conn)
    }

    pub(crate) fn segment(&self, which: &str, as_of: DateTime<Utc>) -> Result<Vec<ClientId>> {
        let as_of = validate::time("as_of", as_of)?;
        let cond = self.segment_condition(which)?;
        self.fill_scores_for(&cond, as_of)?;
        segments::client_ids(self.conn, &cond, &segments::as_of(self.conn, as_of)?)
    }

    pub(crate) fn segment_count(&self, which: &str, as_of: DateTime<Utc>) -> Result<u64> {
        let as_of = validate::time("as_of", as_of)?;
        let cond = self.segment_condition(which)?;
        self.fill_scores_for(&cond, as_of)?;
        segments::client_count(self.conn, &cond, &segments::as_of(self.conn, as_of)?)
    }

    pub(crate) fn export_segment(
        &self,
        which: &str,
        as_of: DateTime<Utc>,
        out: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let as_of = validate::time("as_of", as_of)?;
        let cond = self.segment_condition(which)?;
        self.fill_scores_for(&cond, as_of)?;
        out.write_all(
            crate::export::record(segment::EXPORT_COLUMNS.iter().map(|c| Some(*c))).as_bytes(),
        )?;
        let mut buffer = std::io::BufWriter::new(out);
        let n =
            segments::each_member(self.conn, &cond, &segments::as_of(self.conn, as_of)?, |m| {
                let id = m.id.to_string();
                let owner = m.owner_id.map(|o| o.to_string());
                let tags = m.tags.join(";");
                let line = crate::export::record([
                    Some(id.as_str()),
                    Some(m.name.as_str()),
                    Some(m.kind.as_str()),
                    m.email.as_deref(),
                    m.phone.as_deref(),
                    m.contact_name.as_deref(),
                    m.contact_email.as_deref(),
                    m.contact_phone.as_deref(),
                    m.region.as_deref(),
                    m.industry.as_deref(),
                    owner.as_deref(),
                    Some(tags.as_str()),
                ]);
                std::io::Write::write_all(&mut buffer, line.as_bytes())?;
                Ok(())
            })?;
        std::io::Write::flush(&mut buffer)?;
        Ok(n)
    }

    pub(crate) fn check_expression(&self, subject: Subject, expression: &str) -> Result<String> {
        Ok(self
            .compile("expression", subject, expression)?
            .canonical()
            .to_string())
    }

    pub(crate) fn client_matches(
        &self,
        expression: &str,
        id: ClientId,
        as_of: DateTime<Utc>,
    ) -> Result<bool> {
        let as_of = validate::time("as_of", as_of)?;
        let cond = self.compile("expression", Subject::Clients, expression)?;
        let mut facts = segments::client_facts(self.conn, id, as_of)?
            .ok_or_else(|| Error::not_found("client", id))?;
        if cond.scores_read().any() {
            self.fill_scores_for(&cond, as_of)?;
            segments::read_client_scores(self.conn, &mut facts)?;
        }
        Ok(facts.created_at <= as_of && cond.matches_client(&facts, as_of))
    }

    pub(crate) fn lead_matches(
        &self,
        expression: &str,
        id: LeadId,
        as_of: DateTime<Utc>,
    ) -> Result<bool> {
        let as_of = validate::time("as_of", as_of)?;
        let cond = self.compile("expression", Subject::Leads, expression)?;
        let lead = leads::by_id(self.conn, id)?.ok_or_else(|| Error::not_found("lead", id))?;
        let local = self.calendar_in_force(None)?.local_time(lead.received_at);
        Ok(cond.matches_lead_local(&lead, local, as_of))
    }

    // --- duplicates ---------------------------------------------------------------------------------------
    pub(crate) fn dedup_settings(&self) -> Result<DedupSettings> {
        dedup::settings(self.conn)
    }

    pub(crate) fn set_dedup_settings(
        &self,
        patch: DedupSettingsPatch,
        at: DateTime<Utc>,
    ) -> Result<DedupSettings> {
        let at = validate::time("at", at)?;
        let settings = patch.apply(&dedup::settings(self.conn)?);
        let share = |field: &str, v: f64| {
            if v.is_finite() && (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(Error::validation(field, "must be a number from 0 to 1"))
            }
        };
        share("auto_link", settings.auto_link)?;
        share("suggest", settings.suggest)?;
        if settings.suggest > settings.auto_link {
            return Err(Error::validation("suggest", "must not be above auto_link"));
        }
        if !(1..=10_000).contains(&settings.key_limit) {
            return Err(Error::validation("key_limit", "must be from 1 to 10000"));
        }
        let country = settings.default_country.trim().to_ascii_uppercase();
        if !normalize::is_known_country(&country) {
            return Err(Error::validation(
                "default_country",
                "must be a known ISO 3166 alpha-2 country code (UA, PL, DE, ...)",
            ));
        }
        let settings = DedupSettings {
            default_country: country,
            ..settings
        };
        let (tx, actor) = (self.conn, self.actor);
        let old = dedup::settings(tx)?;
        if old == settings {
            return Ok(old);
        }
        dedup::save_settings(tx, &settings)?;
        if old.default_country != settings.default_country {
            // Phones without a country code now read differently: every normal form and key follows.
            dedup::rebuild(tx)?;
        }
        log(tx, at, actor, "settings", 0, "dedup_set", &settings)?;
        Ok(settings)
    }

    pub(crate) fn rebuild_match_keys(&self, at: DateTime<Utc>) -> Result<u64> {
        let at = validate::time("at", at)?;
        let (tx, actor) = (self.conn, self.actor);
        let count = dedup::rebuild(tx)?;
        log(
            tx,
            at,
            actor,
            "settings",
            0,
            "match_keys_rebuilt",
            &json!({ "clients": count }),
        )?;
        Ok(count)
    }

    pub(crate) fn find_duplicates(&self, probe: &Probe) -> Result<Vec<Match>> {
        let tx = self.conn;
        let settings = dedup::settings(tx)?;
        let profile = Profile::of_probe(probe, &settings.default_country);
        if profile == Profile::default() {
            return Err(Error::validation(
                "probe",
                "give at least one usable detail: name, company, phone, email, tax_id, address or birth_date",
            ));
        }
        find_matches(tx, &profile, &settings)
    }

    pub(crate) fn client_duplicates(&self, id: ClientId) -> Result<Vec<Match>> {
        let tx = self.conn;
        let settings = dedup::settings(tx)?;
        let client = load_client(tx, id)?;
        let contacts = clients::contacts_of(tx, id)?;
        let profile = Profile::of_client(&client, &contacts, &settings.default_country);
        let mut matches = find_matches(tx, &profile, &settings)?;
        matches.retain(|m| m.client_id != id);
        Ok(matches)
    }

    pub(crate) fn duplicate_pairs(&self, min_score: f64) -> Result<Vec<DuplicatePair>> {
        if !(min_score.is_finite() && (0.0..=1.0).contains(&min_score)) {
            return Err(Error::validation(
                "min_score",
                "must be a number from 0 to 1",
            ));
        }
        let tx = self.conn;
        let settings = dedup::settings(tx)?;
        let limit = settings.key_limit as usize;
        let mut common = HashSet::new();
        let mut pairs: Vec<(ClientId, ClientId)> = Vec::new();
        dedup::each_key_group(tx, |key, ids| {
            if ids.len() > limit {
                common.insert(key.to_string());
                return;
            }
            for (i, a) in ids.iter().enumerate() {
                for b in &ids[i + 1..] {
                    pairs.push((*a, *b));
                }
            }
        })?;
        pairs.sort_unstable();
        pairs.dedup();
        let needed: HashSet<ClientId> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
        let mut profiles = std::collections::HashMap::with_capacity(needed.len());
        dedup::each_client(tx, |client, contacts| {
            if needed.contains(&client.id) {
                let profile = Profile::of_client(&client, contacts, &settings.default_country);
                profiles.insert(client.id, profile);
            }
            Ok(())
        })?;
        let mut found = Vec::new();
        for (a, b) in pairs {
            let (Some(pa), Some(pb)) = (profiles.get(&a), profiles.get(&b)) else {
                continue;
            };
            let scored = matching::score(pa, pb, &|k| common.contains(k));
            if scored.score >= min_score {
                found.push(DuplicatePair {
                    a,
                    b,
                    score: scored.score,
                    keys: scored.keys.iter().map(|k| k.to_string()).collect(),
                });
            }
        }
        found.sort_by(|x, y| {
            y.score
                .total_cmp(&x.score)
                .then(x.a.cmp(&y.a))
                .then(x.b.cmp(&y.b))
        });
        Ok(found)
    }

    pub(crate) fn merge_clients(
        &self,
        keep: ClientId,
        merge: ClientId,
        at: DateTime<Utc>,
    ) -> Result<Merge> {
        let at = validate::time("at", at)?;
        if keep == merge {
            return Err(Error::validation(
                "merge",
                "must be another client than keep",
            ));
        }
        let (tx, actor) = (self.conn, self.actor);
        let kept = load_client(tx, keep)?;
        let merged = load_client(tx, merge)?;
        let country = dedup::settings(tx)?.default_country;
        let survivor = crate::dedup::merge::survive(&kept, &merged, at, &country);
        let memberships = dedup::memberships(tx, merge)?;
        let moved = dedup::move_records(tx, merge, keep)?;
        dedup::delete_client(tx, merge)?;
        clients::update(tx, &survivor.client, &norms_of(&survivor.client, &country))?;
        let mut contact_id = None;
        if !survivor.extra_phones.is_empty() || !survivor.extra_emails.is_empty() {
            let mut contact = Contact {
                id: ContactId(0),
                client_id: keep,
                name: merged.name.clone(),
                position: Some(format!("merged from client {merge}")),
                phones: survivor.extra_phones.clone(),
                emails: survivor.extra_emails.clone(),
                created_at: at,
            };
            contact.id = clients::insert_contact(tx, &contact)?;
            log(tx, at, actor, "contact", contact.id.0, "created", &contact)?;
            contact_id = Some(contact.id);
        }
        orders::rebuild_rollups(tx, keep)?;
        refresh_keys(tx, &survivor.client, &country)?;
        let mut record = Merge {
            id: MergeId(0),
            kept_id: keep,
            merged_id: merge,
            at,
            actor: actor.to_string(),
            filled: survivor.filled,
            conflicts: survivor.conflicts,
            added_tags: survivor.added_tags,
            contact_id,
            moved,
            undone_at: None,
        };
        let snapshot = dedup::Snapshot {
            kept_before: kept,
            kept_after: survivor.client,
            merged,
            memberships,
        };
        record.id = dedup::insert_merge(tx, &record, &snapshot)?;
        log(tx, at, actor, "client", keep.0, "merged", &record)?;
        let away = json!({ "merge_id": record.id, "kept_id": keep });
        log(tx, at, actor, "client", merge.0, "merged_away", &away)?;
        Ok(record)
    }

    pub(crate) fn unmerge(&self, id: MergeId, at: DateTime<Utc>) -> Result<Merge> {
        let at = validate::time("at", at)?;
        let (tx, actor) = (self.conn, self.actor);
        let (mut record, snapshot) =
            dedup::merge_by_id(tx, id)?.ok_or_else(|| Error::not_found("merge", id))?;
        if record.undone_at.is_some() {
            return Err(Error::Conflict(format!("merge {id} was undone already")));
        }
        let (kept_id, merged_id) = (record.kept_id, record.merged_id);
        let Some(now) = clients::by_id(tx, kept_id)? else {
            let why = match dedup::merged_into(tx, kept_id)? {
                Some((later, into)) => format!(
                    "client {kept_id} was merged into client {into} by merge {later}; undo that merge first"
                ),
                None => format!("client {kept_id} no longer exists"),
            };
            return Err(Error::Conflict(why));
        };
        if clients::exists(tx, merged_id)? {
            return Err(Error::Conflict(format!(
                "client {merged_id} exists already"
            )));
        }
        let country = dedup::settings(tx)?.default_country;
        let (kept, kept_later) =
            crate::dedup::merge::restore(&snapshot.kept_before, &snapshot.kept_after, &now, at);
        clients::update(tx, &kept, &norms_of(&kept, &country))?;
        if let Some(clash) = snapshot
            .merged
            .external_ref
            .as_deref()
            .map(|r| clients::id_by_external_ref(tx, r))
            .transpose()?
            .flatten()
        {
            return Err(Error::Conflict(format!(
                "client {clash} now has the external_ref of client {merged_id}"
            )));
        }
        clients::insert(tx, &snapshot.merged, &norms_of(&snapshot.merged, &country))?;
        dedup::move_back(tx, &record.moved, kept_id, merged_id)?;
        if let Some(contact) = record.contact_id {
            if clients::contact_by_id(tx, contact)?.is_some_and(|c| c.client_id == kept_id) {
                dedup::delete_contact(tx, contact)?;
                log(
                    tx,
                    at,
                    actor,
                    "contact",
                    contact.0,
                    "deleted",
                    &json!({ "merge_id": id }),
                )?;
            }
        }
        dedup::restore_memberships(tx, merged_id, &snapshot.memberships)?;
        orders::rebuild_rollups(tx, kept_id)?;
        orders::rebuild_rollups(tx, merged_id)?;
        refresh_keys(tx, &kept, &country)?;
        refresh_keys(tx, &snapshot.merged, &country)?;
        dedup::set_undone(tx, id, &at)?;
        record.undone_at = Some(at);
        let data = json!({ "merge_id": id, "merged_id": merged_id, "kept_later": kept_later });
        log(tx, at, actor, "client", kept_id.0, "unmerged", &data)?;
        let data = json!({ "merge_id": id, "kept_id": kept_id });
        log(tx, at, actor, "client", merged_id.0, "restored", &data)?;
        Ok(record)
    }

    pub(crate) fn get_merge(&self, id: MergeId) -> Result<Merge> {
        dedup::merge_by_id(self.conn, id)?
            .map(|(m, _)| m)
            .ok_or_else(|| Error::not_found("merge", id))
    }

    pub(crate) fn list_merges(&self, client_id: Option<ClientId>) -> Result<Vec<Merge>> {
        dedup::merges(self.conn, client_id)
    }
}

/// The normal forms a client's phone, e-mail and tax id are stored with.
fn norms_of(client: &Client, country: &str) -> MatchKeys {
    dedup::norms(&client.phone, &client.email, &client.tax_id, country)
}

/// Handles a reference in a captured request that does not hold: refused in strict mode (the error as
/// it is), otherwise dropped (`None`) with a warning saying what became of the lead.
fn drop_reference<T>(
    strict: bool,
    error: Error,
    field: &str,
    outcome: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Option<T>> {
    if strict {
        return Err(error);
    }
    warnings.push(Warning {
        field: field.to_string(),
        message: format!("{error}; {outcome}"),
    });
    Ok(None)
}

enum Closing {
    Lost(String),
    Junk(JunkKind),
}

fn log<T: Serialize + ?Sized>(
    tx: &Connection,
    at: DateTime<Utc>,
    actor: &str,
    entity: &str,
    id: i64,
    kind: &str,
    data: &T,
) -> Result<i64> {
    let data = serde_json::to_value(data).map_err(|e| Error::Corrupt(e.to_string()))?;
    events::append(tx, &at, actor, entity, id, kind, &data)
}

fn load_manager(conn: &Connection, id: ManagerId) -> Result<Manager> {
    catalog::manager_by_id(conn, id)?.ok_or_else(|| Error::not_found("manager", id))
}

fn require_active_manager(conn: &Connection, field: &str, id: ManagerId) -> Result<()> {
    if !load_manager(conn, id)?.active {
        return Err(Error::validation(
            field,
            format!("manager {id} is not active"),
        ));
    }
    Ok(())
}

fn require_source(conn: &Connection, id: SourceId) -> Result<()> {
    catalog::source_by_id(conn, id)?
        .map(|_| ())
        .ok_or_else(|| Error::not_found("source", id))
}

fn load_client(conn: &Connection, id: ClientId) -> Result<Client> {
    match clients::by_id(conn, id)? {
        Some(client) => Ok(client),
        None => Err(client_not_found(conn, id)?),
    }
}

fn require_client(conn: &Connection, id: ClientId) -> Result<()> {
    if clients::exists(conn, id)? {
        Ok(())
    } else {
        Err(client_not_found(conn, id)?)
    }
}

/// The error for a client that is not there, saying where it went when it was merged away.
fn client_not_found(conn: &Connection, id: ClientId) -> Result<Error> {
    Ok(match dedup::merged_into(conn, id)? {
        Some((merge, kept)) => Error::not_found(
            "client",
            format!("{id} (merged into client {kept} by merge {merge})"),
        ),
        None => Error::not_found("client", id),
    })
}

/// Recomputes a client's matching keys from its details and its contact persons.
fn refresh_keys(tx: &Connection, client: &Client, country: &str) -> Result<()> {
    let contacts = clients::contacts_of(tx, client.id)?;
    let keys = Profile::of_client(client, &contacts, country).keys();
    dedup::replace_keys(tx, client.id, &keys)
}

/// The clients that look like `profile`, scoring at least the `suggest` setting; best first, then by id.
fn find_matches(
    tx: &Connection,
    profile: &Profile,
    settings: &DedupSettings,
) -> Result<Vec<Match>> {
    let mut common = HashSet::new();
    let mut candidates = BTreeSet::new();
    for key in profile.keys() {
        match dedup::clients_with_key(tx, &key, settings.key_limit)? {
            Some(ids) => candidates.extend(ids),
            None => {
                common.insert(key);
            }
        }
    }
    let mut matches = Vec::new();
    for id in candidates {
        let Some(client) = clients::by_id(tx, id)? else {
            continue;
        };
        let contacts = clients::contacts_of(tx, id)?;
        let other = Profile::of_client(&client, &contacts, &settings.default_country);
        let scored = matching::score(profile, &other, &|k| common.contains(k));
        if scored.score >= settings.suggest {
            matches.push(Match {
                client_id: id,
                score: scored.score,
                keys: scored.keys.iter().map(|k| k.to_string()).collect(),
            });
        }
    }
    matches.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.client_id.cmp(&b.client_id))
    });
    Ok(matches)
}

fn load_lead(conn: &Connection, id: LeadId) -> Result<Lead> {
    leads::by_id(conn, id)?.ok_or_else(|| Error::not_found("lead", id))
}

fn load_deal(conn: &Connection, id: DealId) -> Result<Deal> {
    deals::by_id(conn, id)?.ok_or_else(|| Error::not_found("deal", id))
}

fn require_lost_reason(conn: &Connection, field: &str, code: &str) -> Result<()> {
    if catalog::lost_reason_exists(conn, code)? {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            "is not a code in the lost-reason catalogue",
        ))
    }
}

/// The stage a new deal opens in: the one asked for (it must exist) or the pipeline's first.
fn opening_stage(conn: &Connection, asked: Option<String>) -> Result<String> {
    let stages = catalog::stages(conn)?;
    match asked {
        Some(code) if stages.iter().any(|s| s.code == code) => Ok(code),
        Some(_) => Err(Error::validation("stage", "is not a stage of the pipeline")),
        None => stages
            .into_iter()
            .next()
            .map(|s| s.code)
            .ok_or_else(|| Error::Corrupt("the pipeline is empty".into())),
    }
}

/// Whether a repeated capture with the same external reference is the same request: every detail the
/// caller gave must match. The owner and client are compared only when the caller named them, since
/// the stored lead may have got them later (an owner by default from its client, a client on conversion).
fn same_request(stored: &Lead, new: &Lead) -> bool {
    let given_matches =
        |given: Option<i64>, stored: Option<i64>| given.is_none() || given == stored;
    stored.channel == new.channel
        && stored.source_id == new.source_id
        && stored.name == new.name
        && stored.company == new.company
        && stored.phone == new.phone
        && stored.email == new.email
        && stored.messenger == new.messenger
        && stored.need == new.need
        && stored.interest == new.interest
        && stored.region == new.region
        && stored.language == new.language
        && stored.estimated_value == new.estimated_value
        && given_matches(new.owner_id.map(|id| id.0), stored.owner_id.map(|id| id.0))
        && given_matches(
            new.client_id.map(|id| id.0),
            stored.client_id.map(|id| id.0),
        )
}

/// Applies a lead status change: the row, the transition, the event.
fn move_lead(
    tx: &Connection,
    actor: &str,
    lead: &mut Lead,
    to: LeadStatus,
    reason: Option<String>,
    at: DateTime<Utc>,
) -> Result<()> {
    lifecycle::check_lead_move(lead.status, to)?;
    lifecycle::check_not_earlier(at, lead.status_changed_at, "lead")?;
    let from = std::mem::replace(&mut lead.status, to);
    lead.status_changed_at = at;
    lead.updated_at = at;
    leads::update(tx, lead)?;
    leads::insert_transition(
        tx,
        &LeadTransition {
            lead_id: lead.id,
            from: Some(from),
            to,
            at,
            actor: actor.into(),
            reason: reason.clone(),
        },
    )?;
    let data = json!({ "from": from, "to": to, "reason": reason, "note": lead.close_note,
                       "client_id": lead.client_id, "deal_id": lead.deal_id });
    log(tx, at, actor, "lead", lead.id.0, "status_changed", &data)?;
    Ok(())
}

/// Makes a client from a converted lead's details: a company when a company was named, else a person.
fn create_client_from_lead(
    tx: &Connection,
    actor: &str,
    lead: &Lead,
    at: DateTime<Utc>,
) -> Result<Client> {
    let kind = if lead.company.is_some() {
        ClientKind::Company
    } else {
        ClientKind::Person
    };
    let name = lead
        .company
        .clone()
        .or_else(|| lead.name.clone())
        .or_else(|| lead.email.clone())
        .or_else(|| lead.phone.clone())
        .or_else(|| lead.messenger.clone())
        .unwrap_or_else(|| format!("Lead {}", lead.id));
    // The same checks as any new client: a malformed phone or e-mail keeps its `invalid` flag and is
    // not a matching key. Never strict: the lead was captured already.
    let new = NewClient {
        kind: Some(kind),
        name,
        phone: lead.phone.clone(),
        email: lead.email.clone(),
        region: lead.region.clone(),
        owner_id: lead.owner_id,
        ..NewClient::default()
    };
    let country = dedup::settings(tx)?.default_country;
    let (mut client, keys) = check_client(new, ClientId(0), at, at, [false; 3], &country)?;
    client.id = clients::insert(tx, &client, &keys)?;
    log(tx, at, actor, "client", client.id.0, "created", &client)?;
    if let (ClientKind::Company, Some(person)) = (kind, &lead.name) {
        let mut contact = Contact {
            id: ContactId(0),
            client_id: client.id,
            name: person.clone(),
            position: None,
            phones: lead.phone.iter().cloned().collect(),
            emails: lead.email.iter().cloned().collect(),
            created_at: at,
        };
        contact.id = clients::insert_contact(tx, &contact)?;
        log(tx, at, actor, "contact", contact.id.0, "created", &contact)?;
    }
    refresh_keys(tx, &client, &country)?;
    Ok(client)
}

/// Inserts a new deal with its first stage visit and its event.
fn open_deal_in(tx: &Connection, actor: &str, deal: &mut Deal) -> Result<()> {
    deal.id = deals::insert(tx, deal)?;
    record_visit(tx, actor, deal, deal.created_at)?;
    log(
        tx,
        deal.created_at,
        actor,
        "deal",
        deal.id.0,
        "opened",
        &*deal,
    )?;
    Ok(())
}

/// The longest offer, objection or argument code on an activity, in characters: codes are grouped on
/// in reports, so a pasted letter is refused rather than kept as a "code".
const ACTIVITY_CODE_MAX: usize = 200;

/// An offer, objection or argument code on an activity: trimmed, empty counts as absent, at most
/// [`ACTIVITY_CODE_MAX`] characters, one line (no line breaks or tabs).
fn activity_code(field: &str, text: Option<&str>) -> Result<Option<String>> {
    let Some(code) = validate::optional(field, text)? else {
        return Ok(None);
    };
    if code.chars().count() > ACTIVITY_CODE_MAX {
        return Err(Error::validation(
            field,
            format!("must be at most {ACTIVITY_CODE_MAX} characters"),
        ));
    }
    if code.contains(['\n', '\r', '\t']) {
        return Err(Error::validation(field, "must be one line"));
    }
    Ok(Some(code))
}

fn record_visit(tx: &Connection, actor: &str, deal: &Deal, at: DateTime<Utc>) -> Result<()> {
    deals::insert_visit(
        tx,
        &StageVisit {
            deal_id: deal.id,
            stage: deal.stage.clone(),
            status: deal.status,
            at,
            actor: actor.into(),
        },
    )
}

/// Checks order lines and that they add up to the total.
fn check_lines(lines: &[OrderLine], total: Money) -> Result<Vec<OrderLine>> {
    let mut checked = Vec::with_capacity(lines.len());
    let mut sum = Money::ZERO;
    for (i, line) in lines.iter().enumerate() {
        let sku = validate::required(&format!("lines[{i}].sku"), &line.sku)?;
        if line.quantity <= 0 {
            return Err(Error::validation(
                format!("lines[{i}].quantity"),
                "must be greater than zero",
            ));
        }
        let unit_price =
            validate::non_negative(&format!("lines[{i}].unit_price"), line.unit_price)?;
        let amount = unit_price
            .checked_mul(line.quantity)
            .and_then(|a| sum.checked_add(a))
            .ok_or_else(|| Error::validation(format!("lines[{i}]"), "amount is out of range"))?;
        sum = amount;
        checked.push(OrderLine {
            sku,
            quantity: line.quantity,
            unit_price,
        });
    }
    if !checked.is_empty() && sum != total {
        return Err(Error::validation(
            "total",
            format!("must equal the sum of the lines ({sum})"),
        ));
    }
    Ok(checked)
}

/// Checks an order's input (pure): amounts, lines adding up to the total, texts.
fn check_order(new: NewOrder, at: DateTime<Utc>) -> Result<Order> {
    Ok(Order {
        id: OrderId(0),
        client_id: new.client_id,
        ordered_at: validate::time("at", at)?,
        status: new.status.unwrap_or(OrderStatus::Completed),
        total: validate::non_negative("total", new.total)?,
        lines: check_lines(&new.lines, new.total)?,
        deal_id: new.deal_id,
        external_ref: validate::optional("external_ref", new.external_ref.as_deref())?,
    })
}

/// What recording a checked order comes to.
enum OrderPlan {
    /// The same order is stored already (a retry): return it, write nothing.
    Stored(Order),
    /// A new order to insert.
    Insert(Order),
}

/// Decides what to do with a checked order, reading only: idempotency by external reference and the
/// references it makes. Everything that can refuse an order is here, before any write.
fn plan_order(tx: &Connection, order: Order) -> Result<OrderPlan> {
    let stored = orders::rollup_of(tx, order.client_id)?.map_or(Money::ZERO, |r| r.revenue);
    plan_order_with(tx, order, stored, Money::ZERO, false)
}

/// [`plan_order`] with the client's stored revenue and what a batch adds to it before writing;
/// `client_known`: the batch has already found the client (it is not looked up again).
fn plan_order_with(
    tx: &Connection,
    order: Order,
    stored: Money,
    pending: Money,
    client_known: bool,
) -> Result<OrderPlan> {
    if let Some(external_ref) = &order.external_ref {
        if let Some(stored) = orders::by_external_ref(tx, external_ref)? {
            let same = stored.client_id == order.client_id
                && stored.total == order.total
                && stored.lines == order.lines
                && stored.deal_id == order.deal_id;
            if same {
                return Ok(OrderPlan::Stored(stored));
            }
            return Err(Error::Conflict(format!(
                "external_ref is already used by order {} with other content",
                stored.id
            )));
        }
    }
    if !client_known {
        require_client(tx, order.client_id)?;
    }
    if order.status == OrderStatus::Completed {
        check_revenue_room(stored, pending, order.total)?;
    }
    if let Some(deal_id) = order.deal_id {
        let deal = load_deal(tx, deal_id)?;
        if deal.client_id != order.client_id {
            return Err(Error::validation("deal_id", "belongs to another client"));
        }
        if deal.status == DealStatus::Lost {
            return Err(Error::validation(
                "deal_id",
                "the deal is lost; an order cannot close it",
            ));
        }
    }
    Ok(OrderPlan::Insert(order))
}

/// Refuses an order that would take its client's revenue past what an `i64` of minor units holds, as
/// a validation error on `total` rather than an overflow deep in SQL.
fn check_revenue_room(stored: Money, pending: Money, total: Money) -> Result<()> {
    match stored
        .checked_add(pending)
        .and_then(|r| r.checked_add(total))
    {
        Some(_) => Ok(()),
        None => Err(Error::validation(
            "total",
            "would take the client's revenue beyond what can be stored",
        )),
    }
}

/// Writes a planned new order: the rows, the rollups, the event. Only a storage failure can stop it.
fn insert_order(tx: &Connection, actor: &str, order: Order) -> Result<Order> {
    let order = write_order(tx, actor, order)?;
    if order.status == OrderStatus::Completed {
        orders::add_to_rollups(tx, &order)?;
    }
    Ok(order)
}

/// Writes a planned new order's rows and event, without the rollups (the caller adds them).
fn write_order(tx: &Connection, actor: &str, mut order: Order) -> Result<Order> {
    order.id = orders::insert(tx, &order)?;
    log(
        tx,
        order.ordered_at,
        actor,
        "order",
        order.id.0,
        "recorded",
        &order,
    )?;
    Ok(order)
}

/// Checks a client's fields (pure) and gives the record to store with its matching keys. `strict` is for
/// phone, e-mail and tax id in that order: a malformed one is refused instead of flagged.
fn check_client(
    new: NewClient,
    id: ClientId,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    strict: [bool; 3],
    country: &str,
) -> Result<(Client, MatchKeys)> {
    let mut warnings = Vec::new();
    let phone = validate::contact_value(
        "phone",
        ContactKind::Phone(country),
        new.phone.as_deref(),
        strict[0],
        &mut warnings,
    )?;
    let email = validate::contact_value(
        "email",
        ContactKind::Email,
        new.email.as_deref(),
        strict[1],
        &mut warnings,
    )?;
    let tax_id = validate::contact_value(
        "tax_id",
        ContactKind::TaxId,
        new.tax_id.as_deref(),
        strict[2],
        &mut warnings,
    )?;
    let keys = MatchKeys {
        phone: phone.key,
        email: email.key,
        tax_id: tax_id.key,
    };
    let client = Client {
        id,
        kind: new.kind.unwrap_or(ClientKind::Company),
        name: validate::required("name", &new.name)?,
        tax_id: tax_id.text,
        tax_id_quality: tax_id.quality,
        phone: phone.text,
        phone_quality: phone.quality,
        email: email.text,
        email_quality: email.quality,
        website: validate::optional("website", new.website.as_deref())?,
        industry: validate::optional("industry", new.industry.as_deref())?,
        region: validate::optional("region", new.region.as_deref())?,
        address: validate::optional("address", new.address.as_deref())?,
        birth_date: new
            .birth_date
            .map(|d| validate::date("birth_date", d))
            .transpose()?,
        owner_id: new.owner_id,
        tags: validate::labels("tags", &new.tags)?,
        attributes: validate::attributes("attributes", &new.attributes)?,
        external_ref: validate::optional("external_ref", new.external_ref.as_deref())?,
        created_at,
        updated_at,
    };
    Ok((client, keys))
}

/// Checks what a new or changed client refers to: an owner must be active, an ERP reference must not
/// belong to another client. For a change (`old` given) only what the change sets is checked, so an
/// owner who has since gone inactive does not block an edit of the client's phone.
fn check_client_references(tx: &Connection, client: &Client, old: Option<&Client>) -> Result<()> {
    if let Some(owner) = client
        .owner_id
        .filter(|o| old.is_none_or(|old| old.owner_id != Some(*o)))
    {
        require_active_manager(tx, "owner_id", owner)?;
    }
    let new_ref = client.external_ref.as_deref();
    if let Some(external_ref) =
        new_ref.filter(|r| old.is_none_or(|old| old.external_ref.as_deref() != Some(*r)))
    {
        if let Some(existing) = clients::id_by_external_ref(tx, external_ref)? {
            return Err(Error::Conflict(format!(
                "external_ref is already used by client {existing}"
            )));
        }
    }
    Ok(())
}

/// The input that would give `old` with `patch` applied.
fn apply_client_patch(old: &Client, patch: ClientPatch) -> NewClient {
    NewClient {
        kind: Some(patch.kind.unwrap_or(old.kind)),
        name: patch.name.unwrap_or_else(|| old.name.clone()),
        tax_id: patch.tax_id.unwrap_or_else(|| old.tax_id.clone()),
        phone: patch.phone.unwrap_or_else(|| old.phone.clone()),
        email: patch.email.unwrap_or_else(|| old.email.clone()),
        website: patch.website.unwrap_or_else(|| old.website.clone()),
        industry: patch.industry.unwrap_or_else(|| old.industry.clone()),
        region: patch.region.unwrap_or_else(|| old.region.clone()),
        address: patch.address.unwrap_or_else(|| old.address.clone()),
        birth_date: patch.birth_date.unwrap_or(old.birth_date),
        owner_id: patch.owner_id.unwrap_or(old.owner_id),
        tags: patch.tags.unwrap_or_else(|| old.tags.clone()),
        attributes: patch.attributes.unwrap_or_else(|| old.attributes.clone()),
        external_ref: patch
            .external_ref
            .unwrap_or_else(|| old.external_ref.clone()),
    }
}

/// The fields whose values differ between two versions of a record, with the new values, by field name.
fn changed_fields<T: Serialize>(
    old: &T,
    new: &T,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let to_map = |v: &T| match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::Corrupt(
            "a record did not serialise as an object".into(),
        )),
        Err(e) => Err(Error::Corrupt(e.to_string())),
    };
    let (old, new) = (to_map(old)?, to_map(new)?);
    Ok(new
        .into_iter()
        .filter(|(field, value)| old.get(field) != Some(value))
        .collect())
}

fn load_segment(conn: &Connection, name: &str) -> Result<Segment> {
    segments::by_name(conn, name)?.ok_or_else(|| Error::not_found("segment", name))
}

/// Refuses a change dated before the record's last one.
fn not_before(at: DateTime<Utc>, last: DateTime<Utc>) -> Result<()> {
    if at < last {
        return Err(Error::validation(
            "at",
            format!("is before the record's last change ({})", last.to_rfc3339()),
        ));
    }
    Ok(())
}
