//! Every command and reader of the facade, by name, with its arguments as JSON text and its result as
//! JSON text: the one narrow path between the Python layer and `crm_core`.
//!
//! The Python layer (`crmkit/_crm.py`) turns keyword arguments, `Decimal` and `datetime` into JSON and the
//! JSON results into typed, frozen objects. Here each command's arguments are read into the core's own
//! types (`NewLead`, `LeadQuery`, ... which refuse unknown fields), so a malformed amount or time is a
//! validation error naming its field, and nothing of the Python runtime is touched: the whole call runs
//! with the GIL released.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::calendar::CalendarSpec;
use crm_core::{
    AbcQuery, AbcXyzQuery, AbsenceId, ActivityId, ActivityQuery, CallEvent, CallId, CallQuery,
    CallReportQuery, ClientId, ClientPatch, ClientQuery, ComplaintId, ComplaintQuery,
    ComplaintReportQuery, ComplaintSla, CompleteTask, ContactId, ConvertLead, Counterparty, Crm,
    DealId, DealPatch, DealQuery, DedupSettingsPatch, DormancyQuery, DormancySettings, ErpOrder,
    ForecastQuery, FunnelQuery, HandOverOptions, ImportId, ImportOptions, ImportReport, JunkKind,
    LeadId, LeadQuery, ManagerId, ManagerPatch, ManagerReportQuery, MergeId, NewAbsence,
    NewActivity, NewClient, NewComplaint, NewContact, NewDeal, NewLead, NewManager, NewOrder,
    NewPhoneLine, NewPlan, NewPromise, NewRetentionRule, NewRoutingRule, NewSlaPolicy, NewSource,
    NewSpend, NewStage, NewTask, OfferQuery, OrderId, OrderQuery, OrderStatus, OwnershipSettings,
    PAliveQuery, Page, PairQuery, Period, Probe, PromiseId, PromiseQuery, PromiseSettings,
    RetentionReportQuery, RfmQuery, SourceId, SourceQuery, Subject, TaskId, TaskStatus,
    Transaction, WebOrder, XyzQuery,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::Failure;

type Time = DateTime<Utc>;

/// Generates [`Command`] (one variant per command, its fields the command's arguments), the parser
/// that reads a command's JSON arguments, and the two runners: on a [`Crm`] (a transaction per command)
/// and on a [`Transaction`] (a savepoint per command in the caller's transaction).
macro_rules! commands {
    ( $( $name:ident { $($arg:ident : $ty:ty),* $(,)? } => |$f:ident| $call:expr ; )* ) => {
        /// One command or reader with its arguments, read from JSON.
        #[allow(non_camel_case_types)]
        pub(crate) enum Command {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                $name { $($arg: $ty),* },
            )*
        }

        /// The names of every command and reader, as the Python layer calls them.
        pub(crate) const NAMES: &[&str] = &[$(stringify!($name)),*];

        impl Command {
            /// Reads a command's arguments: a JSON object with one member per argument.
            pub(crate) fn parse(name: &str, args: &str) -> Result<Command, Failure> {
                match name {
                    $(
                        stringify!($name) => {
                            #[derive(serde::Deserialize)]
                            #[serde(deny_unknown_fields)]
                            struct Args { $($arg: $ty),* }
                            let Args { $($arg),* } = parse_args(args)?;
                            Ok(Command::$name { $($arg),* })
                        }
                    )*
                    _ => Err(Failure::Bug(format!("no command is called {name:?}"))),
                }
            }

            /// Runs the command in a transaction of its own; the result as JSON.
            pub(crate) fn run(self, target: &Crm) -> Result<String, Failure> {
                match self {
                    $( Command::$name { $($arg),* } => { let $f = target; reply($call) } )*
                }
            }

            /// Runs the command inside the caller's transaction; the result as JSON.
            pub(crate) fn run_in(self, target: &Transaction<'_>) -> Result<String, Failure> {
                match self {
                    $( Command::$name { $($arg),* } => { let $f = target; reply($call) } )*
                }
            }
        }
    };
}

commands! {
    // --- set-up ----------------------------------------------------------------------------------------
    add_manager { new: NewManager, at: Time } => |f| f.add_manager(new, at);
    set_manager_active { id: ManagerId, active: bool, at: Time } => |f| f.set_manager_active(id, active, at);
    add_source { new: NewSource, at: Time } => |f| f.add_source(new, at);
    add_spend { new: NewSpend, at: Time } => |f| f.add_spend(new, at);
    add_lost_reason { code: String, label: String, at: Time } => |f| f.add_lost_reason(&code, &label, at);
    set_pipeline { stages: Vec<NewStage>, at: Time } => |f| f.set_pipeline(stages, at);
    // --- clients -------------------------------------------------------------------------------------------
    add_client { new: NewClient, at: Time } => |f| f.add_client(new, at);
    update_client { id: ClientId, patch: ClientPatch, at: Time } => |f| f.update_client(id, patch, at);
    add_contact { new: NewContact, at: Time } => |f| f.add_contact(new, at);
    // --- leads ---------------------------------------------------------------------------------------------
    capture_lead { new: NewLead, at: Time } => |f| f.capture_lead(new, at);
    start_lead { id: LeadId, at: Time } => |f| f.start_lead(id, at);
    qualify_lead { id: LeadId, at: Time } => |f| f.qualify_lead(id, at);
    lose_lead { id: LeadId, reason: String, note: Option<String>, at: Time }
        => |f| f.lose_lead(id, &reason, note.as_deref(), at);
    junk_lead { id: LeadId, kind: JunkKind, note: Option<String>, at: Time }
        => |f| f.junk_lead(id, kind, note.as_deref(), at);
    reopen_lead { id: LeadId, at: Time } => |f| f.reopen_lead(id, at);
    convert_lead { id: LeadId, options: ConvertLead, at: Time } => |f| f.convert_lead(id, options, at);
    log_activity { new: NewActivity, at: Time } => |f| f.log_activity(new, at);
    // --- deals ---------------------------------------------------------------------------------------------
    open_deal { new: NewDeal, at: Time } => |f| f.open_deal(new, at);
    move_deal { id: DealId, stage: String, at: Time } => |f| f.move_deal(id, &stage, at);
    update_deal { id: DealId, patch: DealPatch, at: Time } => |f| f.update_deal(id, patch, at);
    win_deal { id: DealId, at: Time } => |f| f.win_deal(id, at);
    lose_deal { id: DealId, reason: String, note: Option<String>, at: Time }
        => |f| f.lose_deal(id, &reason, note.as_deref(), at);
    // --- orders --------------------------------------------------------------------------------------------
    record_order { new: NewOrder, at: Time } => |f| f.record_order(new, at);
    set_order_status { id: OrderId, status: OrderStatus, at: Time } => |f| f.set_order_status(id, status, at);
    // --- readers -------------------------------------------------------------------------------------------
    get_manager { id: ManagerId } => |f| f.get_manager(id);
    list_managers {} => |f| f.list_managers();
    get_source { id: SourceId } => |f| f.get_source(id);
    list_sources {} => |f| f.list_sources();
    list_spend { source_id: Option<SourceId>, start: NaiveDate, end: NaiveDate }
        => |f| f.list_spend(source_id, start, end);
    lost_reasons {} => |f| f.lost_reasons();
    pipeline {} => |f| f.pipeline();
    get_client { id: ClientId } => |f| f.get_client(id);
    list_clients { query: ClientQuery } => |f| f.list_clients(&query);
    get_contact { id: ContactId } => |f| f.get_contact(id);
    list_contacts { client_id: ClientId } => |f| f.list_contacts(client_id);
    get_lead { id: LeadId } => |f| f.get_lead(id);
    list_leads { query: LeadQuery } => |f| f.list_leads(&query);
    lead_transitions { id: LeadId } => |f| f.lead_transitions(id);
    get_activity { id: ActivityId } => |f| f.get_activity(id);
    list_activities { query: ActivityQuery } => |f| f.list_activities(&query);
    get_deal { id: DealId } => |f| f.get_deal(id);
    list_deals { query: DealQuery } => |f| f.list_deals(&query);
    deal_history { id: DealId } => |f| f.deal_history(id);
    get_order { id: OrderId } => |f| f.get_order(id);
    list_orders { query: OrderQuery } => |f| f.list_orders(&query);
    client_rollup { client_id: ClientId } => |f| f.client_rollup(client_id);
    list_rollups { page: Page } => |f| f.list_rollups(page);
    client_monthly_revenue { client_id: ClientId } => |f| f.client_monthly_revenue(client_id);
    history { entity: String, id: i64 } => |f| f.history(&entity, id);
    changes_since { seq: i64, limit: u32 } => |f| f.changes_since(seq, limit);
    last_seq {} => |f| f.last_seq();
    // --- segments ------------------------------------------------------------------------------------------
    // `fields` needs no store, and `Transaction` has no method for it: the catalogue is the same for all.
    fields { subject: Subject } => |_f| Ok(crm_core::segment::fields(subject));
    check_expression { subject: Subject, expression: String }
        => |f| f.check_expression(subject, &expression);
    save_segment { name: String, expression: String, at: Time }
        => |f| f.save_segment(&name, &expression, at);
    delete_segment { name: String, at: Time } => |f| f.delete_segment(&name, at);
    refresh_segment { name: String, as_of: Time } => |f| f.refresh_segment(&name, as_of);
    get_segment { name: String } => |f| f.get_segment(&name);
    list_segments {} => |f| f.list_segments();
    segment { which: String, as_of: Time } => |f| f.segment(&which, as_of);
    segment_count { which: String, as_of: Time } => |f| f.segment_count(&which, as_of);
    export_segment { which: String, as_of: Time, path: Option<PathBuf> }
        => |f| export(path.as_deref(), |out| f.export_segment(&which, as_of, out));
    client_matches { expression: String, id: ClientId, as_of: Time }
        => |f| f.client_matches(&expression, id, as_of);
    lead_matches { expression: String, id: LeadId, as_of: Time }
        => |f| f.lead_matches(&expression, id, as_of);
    // --- duplicates ----------------------------------------------------------------------------------------
    merge_clients { keep: ClientId, merge: ClientId, at: Time } => |f| f.merge_clients(keep, merge, at);
    unmerge { id: MergeId, at: Time } => |f| f.unmerge(id, at);
    set_dedup_settings { changes: DedupSettingsPatch, at: Time } => |f| f.set_dedup_settings(changes, at);
    rebuild_match_keys { at: Time } => |f| f.rebuild_match_keys(at);
    dedup_settings {} => |f| f.dedup_settings();
    find_duplicates { probe: Probe } => |f| f.find_duplicates(&probe);
    client_duplicates { id: ClientId } => |f| f.client_duplicates(id);
    duplicate_pairs { min_score: f64 } => |f| f.duplicate_pairs(min_score);
    get_merge { id: MergeId } => |f| f.get_merge(id);
    list_merges { client_id: Option<ClientId> } => |f| f.list_merges(client_id);
    // --- distribution --------------------------------------------------------------------------------------
    update_manager { id: ManagerId, patch: ManagerPatch, at: Time } => |f| f.update_manager(id, patch, at);
    set_calendar { manager: Option<ManagerId>, spec: Option<CalendarSpec>, at: Time }
        => |f| f.set_calendar(manager, spec, at);
    add_absence { new: NewAbsence, at: Time } => |f| f.add_absence(new, at);
    remove_absence { id: AbsenceId, at: Time } => |f| f.remove_absence(id, at);
    add_routing_rule { new: NewRoutingRule, at: Time } => |f| f.add_routing_rule(new, at);
    remove_routing_rule { name: String, at: Time } => |f| f.remove_routing_rule(&name, at);
    set_response_sla { new: NewSlaPolicy, at: Time } => |f| f.set_response_sla(new, at);
    remove_response_sla { name: String, at: Time } => |f| f.remove_response_sla(&name, at);
    set_ownership_settings { settings: OwnershipSettings, at: Time }
        => |f| f.set_ownership_settings(settings, at);
    assign_client { id: ClientId, manager: ManagerId, reason: Option<String>, at: Time }
        => |f| f.assign_client(id, manager, reason.as_deref(), at);
    reassign_lead { id: LeadId, manager: Option<ManagerId>, reason: Option<String>, at: Time }
        => |f| f.reassign_lead(id, manager, reason.as_deref(), at);
    assign_queued { now: Time } => |f| f.assign_queued(now);
    hand_over { manager: ManagerId, options: HandOverOptions, at: Time }
        => |f| f.hand_over(manager, options, at);
    run_due { now: Time } => |f| f.run_due(now);
    close_task { id: TaskId, status: TaskStatus, at: Time } => |f| f.close_task(id, status, at);
    calendar { manager: Option<ManagerId> } => |f| f.calendar(manager);
    working_deadline { manager: Option<ManagerId>, start: Time, amount: String }
        => |f| f.working_deadline(manager, start, &amount);
    working_time { manager: Option<ManagerId>, start: Time, end: Time }
        => |f| f.working_time(manager, start, end);
    list_absences { manager: Option<ManagerId> } => |f| f.list_absences(manager);
    routing_rules {} => |f| f.routing_rules();
    response_slas {} => |f| f.response_slas();
    lead_sla_status { id: LeadId, now: Time } => |f| f.lead_sla_status(id, now);
    ownership_settings {} => |f| f.ownership_settings();
    lead_assignments { id: LeadId } => |f| f.lead_assignments(id);
    client_assignments { id: ClientId } => |f| f.client_assignments(id);
    queue {} => |f| f.queue();
    list_tasks { manager: Option<ManagerId>, open_only: bool } => |f| f.list_tasks(manager, open_only);
    get_task { id: TaskId } => |f| f.get_task(id);
    // --- analytics -----------------------------------------------------------------------------------------
    abc { query: AbcQuery } => |f| f.abc(&query);
    xyz { query: XyzQuery } => |f| f.xyz(&query);
    abc_xyz { query: AbcXyzQuery } => |f| f.abc_xyz(&query);
    rfm { query: RfmQuery } => |f| f.rfm(&query);
    p_alive { query: PAliveQuery } => |f| f.p_alive(&query);
    repeat_sales { period: Period } => |f| f.repeat_sales(&period);
    product_pairs { query: PairQuery } => |f| f.product_pairs(&query);
    cross_sell { id: ClientId, query: PairQuery, limit: u32 } => |f| f.cross_sell(id, &query, limit);
    // --- pipeline reports and plans ------------------------------------------------------------------------
    funnel { query: FunnelQuery } => |f| f.funnel(&query);
    source_report { query: SourceQuery } => |f| f.source_report(&query);
    forecast { query: ForecastQuery } => |f| f.forecast(&query);
    offer_report { query: OfferQuery } => |f| f.offer_report(&query);
    set_plan { new: NewPlan, at: Time } => |f| f.set_plan(new, at);
    remove_plan { manager_id: ManagerId, month: String, at: Time }
        => |f| f.remove_plan(manager_id, &month, at);
    plans { manager: Option<ManagerId>, from_month: Option<String>, to_month: Option<String> }
        => |f| f.plans(manager, from_month, to_month);
    manager_report { query: ManagerReportQuery } => |f| f.manager_report(&query);
    // --- retention: promises -------------------------------------------------------------------------------
    promise { new: NewPromise, at: Time } => |f| f.promise(new, at);
    keep_promise { id: PromiseId, note: Option<String>, at: Time }
        => |f| f.keep_promise(id, note.as_deref(), at);
    cancel_promise { id: PromiseId, reason: String, at: Time }
        => |f| f.cancel_promise(id, &reason, at);
    set_promise_settings { settings: PromiseSettings, at: Time }
        => |f| f.set_promise_settings(settings, at);
    get_promise { id: PromiseId } => |f| f.get_promise(id);
    list_promises { query: PromiseQuery } => |f| f.list_promises(&query);
    promise_settings {} => |f| f.promise_settings();
    // --- retention: complaints -----------------------------------------------------------------------------
    open_complaint { new: NewComplaint, at: Time } => |f| f.open_complaint(new, at);
    take_complaint { id: ComplaintId, at: Time } => |f| f.take_complaint(id, at);
    wait_for_client { id: ComplaintId, at: Time } => |f| f.wait_for_client(id, at);
    resume_complaint { id: ComplaintId, at: Time } => |f| f.resume_complaint(id, at);
    resolve_complaint { id: ComplaintId, resolution: String, at: Time }
        => |f| f.resolve_complaint(id, &resolution, at);
    close_complaint { id: ComplaintId, at: Time } => |f| f.close_complaint(id, at);
    reject_complaint { id: ComplaintId, reason: String, at: Time }
        => |f| f.reject_complaint(id, &reason, at);
    reopen_complaint { id: ComplaintId, at: Time } => |f| f.reopen_complaint(id, at);
    assign_complaint { id: ComplaintId, manager: ManagerId, at: Time }
        => |f| f.assign_complaint(id, manager, at);
    set_complaint_sla { settings: ComplaintSla, at: Time } => |f| f.set_complaint_sla(settings, at);
    get_complaint { id: ComplaintId } => |f| f.get_complaint(id);
    list_complaints { query: ComplaintQuery } => |f| f.list_complaints(&query);
    complaint_sla {} => |f| f.complaint_sla();
    complaint_report { query: ComplaintReportQuery } => |f| f.complaint_report(&query);
    // --- retention: tasks and the agenda -------------------------------------------------------------------
    add_task { new: NewTask, at: Time } => |f| f.add_task(new, at);
    complete_task { id: TaskId, options: CompleteTask, at: Time }
        => |f| f.complete_task(id, options, at);
    reschedule_task { id: TaskId, due_at: Option<Time>, at: Time }
        => |f| f.reschedule_task(id, due_at, at);
    agenda { manager: ManagerId, now: Time } => |f| f.agenda(manager, now);
    // --- retention: dormancy -------------------------------------------------------------------------------
    set_dormancy_settings { settings: DormancySettings, at: Time }
        => |f| f.set_dormancy_settings(settings, at);
    dormancy_settings {} => |f| f.dormancy_settings();
    client_rhythm { id: ClientId, as_of: Time } => |f| f.client_rhythm(id, as_of);
    dormancy_report { query: DormancyQuery } => |f| f.dormancy_report(&query);
    dormancy_counts {} => |f| f.dormancy_counts();
    // --- retention: rules and their report -----------------------------------------------------------------
    add_retention_rule { new: NewRetentionRule, at: Time } => |f| f.add_retention_rule(new, at);
    set_retention_rule_active { name: String, active: bool, at: Time }
        => |f| f.set_retention_rule_active(&name, active, at);
    remove_retention_rule { name: String, at: Time } => |f| f.remove_retention_rule(&name, at);
    retention_rules {} => |f| f.retention_rules();
    get_retention_rule { name: String } => |f| f.get_retention_rule(&name);
    retention_report { query: RetentionReportQuery } => |f| f.retention_report(&query);
    // --- import (the import itself, with its progress callback, is [`import`]) ---------------------------
    undo_import { id: ImportId, at: Time } => |f| f.undo_import(id, at);
    get_import { id: ImportId } => |f| f.get_import(id);
    list_imports {} => |f| f.list_imports();
    // --- web shop and ERP ports ----------------------------------------------------------------------------
    record_web_order { new: WebOrder, at: Time } => |f| f.record_web_order(new, at);
    upsert_counterparty { new: Counterparty, at: Time } => |f| f.upsert_counterparty(new, at);
    upsert_order { new: ErpOrder, at: Time } => |f| f.upsert_order(new, at);
    // --- telephony -----------------------------------------------------------------------------------------
    set_phone_extension { manager: ManagerId, extension: String, at: Time }
        => |f| f.set_phone_extension(manager, &extension, at);
    remove_phone_extension { extension: String, at: Time }
        => |f| f.remove_phone_extension(&extension, at);
    set_phone_line { new: NewPhoneLine, at: Time } => |f| f.set_phone_line(new, at);
    record_call { new: CallEvent } => |f| f.record_call(new);
    list_phone_extensions {} => |f| f.list_phone_extensions();
    list_phone_lines {} => |f| f.list_phone_lines();
    get_call { id: CallId } => |f| f.get_call(id);
    list_calls { query: CallQuery } => |f| f.list_calls(&query);
    call_report { query: CallReportQuery } => |f| f.call_report(&query);
}

/// The progress callback of an import: `(rows done, rows in all)`; `false` cancels.
pub(crate) type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

/// What can run an import: a store (a transaction of its own) or a transaction in progress.
pub(crate) trait Importer {
    /// `import` of bytes.
    fn import_data(
        &self,
        data: &[u8],
        options: &ImportOptions,
        at: Time,
        progress: Progress<'_>,
    ) -> crm_core::Result<ImportReport>;
    /// `import_file`.
    fn import_path(
        &self,
        path: &Path,
        options: &ImportOptions,
        at: Time,
        progress: Progress<'_>,
    ) -> crm_core::Result<ImportReport>;
}

impl Importer for Crm {
    fn import_data(
        &self,
        data: &[u8],
        options: &ImportOptions,
        at: Time,
        progress: Progress<'_>,
    ) -> crm_core::Result<ImportReport> {
        self.import(data, options, at, progress)
    }

    fn import_path(
        &self,
        path: &Path,
        options: &ImportOptions,
        at: Time,
        progress: Progress<'_>,
    ) -> crm_core::Result<ImportReport> {
        self.import_file(path, options, at, progress)
    }
}

impl Importer for Transaction<'_> {
    fn import_data(
        &self,
        data: &[u8],
        options: &ImportOptions,
        at: Time,
        progress: Progress<'_>,
    ) -> crm_core::Result<ImportReport> {
        self.import(data, options, at, progress)
    }

    fn import_path(
        &self,
        path: &Path,
        options: &ImportOptions,
        at: Time,
        progress: Progress<'_>,
    ) -> crm_core::Result<ImportReport> {
        self.import_file(path, options, at, progress)
    }
}

/// Imports a spreadsheet: `args` is a JSON object with `options` (the core's [`ImportOptions`]), `at`,
/// and `path` (a file to read) unless `data` holds the file's bytes. The report as JSON.
pub(crate) fn import(
    target: &impl Importer,
    args: &str,
    data: Option<&[u8]>,
    progress: Progress<'_>,
) -> Result<String, Failure> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Args {
        options: ImportOptions,
        at: Time,
        #[serde(default)]
        path: Option<PathBuf>,
    }
    let Args { options, at, path } = parse_args(args)?;
    match (path, data) {
        (Some(path), None) => reply(target.import_path(&path, &options, at, progress)),
        (None, Some(data)) => reply(target.import_data(data, &options, at, progress)),
        _ => Err(Failure::Bug(
            "an import takes either a path or the file's bytes".into(),
        )),
    }
}

/// What `export_segment` gives back: how many members were written, and the CSV itself when no file
/// was named (the Python layer then writes it to the file object it was given).
#[derive(Serialize)]
struct Exported {
    members: u64,
    csv: Option<String>,
}

/// Runs an export into the file at `path`, or into memory when there is none.
///
/// The file is opened only when the export writes its first byte, so an expression that does not
/// check (or a segment that is not found) leaves an existing file as it was and makes none. An export
/// that fails after that removes the file if it made it (a file that was there, or a device such as
/// `/dev/stdout`, is never removed).
fn export(
    path: Option<&Path>,
    run: impl FnOnce(&mut dyn Write) -> crm_core::Result<u64>,
) -> crm_core::Result<Exported> {
    let Some(path) = path else {
        let mut buffer = Vec::new();
        let members = run(&mut buffer)?;
        let csv = String::from_utf8(buffer)
            .map_err(|e| crm_core::Error::Corrupt(format!("an export is not UTF-8: {e}")))?;
        return Ok(Exported {
            members,
            csv: Some(csv),
        });
    };
    let mut file = LazyFile {
        path,
        file: None,
        made: false,
    };
    let written = run(&mut file).and_then(|members| {
        file.finish()?;
        Ok(members)
    });
    match written {
        Ok(members) => Ok(Exported { members, csv: None }),
        Err(error) => {
            if file.made {
                drop(file.file.take());
                // The export's own error is the one to report; the half-written file goes.
                let _ = std::fs::remove_file(path);
            }
            Err(error)
        }
    }
}

/// A file opened (created or truncated) on the first write.
struct LazyFile<'a> {
    path: &'a Path,
    file: Option<BufWriter<File>>,
    /// Whether opening it made a new file.
    made: bool,
}

impl LazyFile<'_> {
    /// The file, opened now if it was not yet.
    fn open(&mut self) -> io::Result<&mut BufWriter<File>> {
        let file = match self.file.take() {
            Some(file) => file,
            None => {
                let file = match File::options().write(true).create_new(true).open(self.path) {
                    Ok(file) => {
                        self.made = true;
                        file
                    }
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => File::create(self.path)?,
                    Err(e) => return Err(e),
                };
                BufWriter::new(file)
            }
        };
        Ok(self.file.insert(file))
    }

    /// Writes what is buffered and makes sure the file exists (an export always writes a header).
    fn finish(&mut self) -> io::Result<()> {
        let path = self.path;
        self.open()
            .and_then(|file| file.flush())
            .map_err(|e| named(path, e))
    }
}

impl Write for LazyFile<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let path = self.path;
        self.open()
            .and_then(|file| file.write(buf))
            .map_err(|e| named(path, e))
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.flush().map_err(|e| named(self.path, e)),
            None => Ok(()),
        }
    }
}

/// An I/O error that says which file it is about.
fn named(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

/// A result as JSON text.
fn reply<T: Serialize>(result: crm_core::Result<T>) -> Result<String, Failure> {
    let value = result?;
    serde_json::to_string(&value)
        .map_err(|e| Failure::Bug(format!("a result could not be written as JSON: {e}")))
}

/// Reads JSON arguments into `T`; a value that does not fit is a validation error naming its field.
fn parse_args<T: DeserializeOwned>(args: &str) -> Result<T, Failure> {
    let mut reader = serde_json::Deserializer::from_str(args);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(args_failure)?;
    reader.end().map_err(|e| Failure::Args {
        field: String::new(),
        rule: without_position(&e),
    })?;
    Ok(value)
}

/// Names the field of a deserialisation error the way the Python layer's keywords name it: the
/// wrapper argument (`new`, `patch`, `options`, `query`, `probe`, `changes`, `spec`, `settings`,
/// `period`) is left out, so a bad order line reads `lines[1].unit_price` and a missing channel `channel`.
fn args_failure(error: serde_path_to_error::Error<serde_json::Error>) -> Failure {
    let rule = without_position(error.inner());
    let mut field = error.path().to_string();
    if field == "." {
        field.clear();
    }
    for wrapper in [
        "new", "patch", "options", "query", "probe", "changes", "spec", "settings", "period",
    ] {
        if field == wrapper {
            field.clear();
        } else if let Some(rest) = field.strip_prefix(&format!("{wrapper}.")) {
            field = rest.to_string();
        }
    }
    // serde names a missing member only in its message (the path ends at the object that lacks it).
    if let Some(name) = rule
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        field = if field.is_empty() {
            name.to_string()
        } else {
            format!("{field}.{name}")
        };
    }
    Failure::Args { field, rule }
}

/// serde_json's message without its " at line 1 column 57" (the JSON text is ours, not the caller's).
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// One item of a `record_orders` batch as read: the order and its time, or why it does not parse.
type BatchItem = Result<(NewOrder, Time), Failure>;

/// The items of a `record_orders` batch, each read on its own: an item that does not parse is reported
/// at its position like one the core refuses, and the others still go in.
pub(crate) fn parse_batch(args: &str) -> Result<Vec<BatchItem>, Failure> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Args {
        batch: Vec<serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        new: NewOrder,
        at: Time,
    }
    let Args { batch } = parse_args(args)?;
    Ok(batch
        .into_iter()
        .map(|item| {
            serde_path_to_error::deserialize::<_, Item>(item)
                .map(|item| (item.new, item.at))
                .map_err(args_failure)
        })
        .collect())
}

/// One outcome per batch item, in the order given: the stored order as JSON, or why it was refused.
pub(crate) type BatchReply = Vec<Result<String, Failure>>;

/// Records the good items of a batch in one call of the core and puts every outcome at its position.
fn record_batch(
    items: Vec<BatchItem>,
    record: impl FnOnce(
        Vec<(NewOrder, Time)>,
    ) -> crm_core::Result<Vec<crm_core::Result<crm_core::Order>>>,
) -> Result<BatchReply, Failure> {
    let mut good = Vec::with_capacity(items.len());
    let mut outcomes: Vec<Option<Result<String, Failure>>> = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Ok(order) => {
                good.push(order);
                outcomes.push(None);
            }
            Err(failure) => outcomes.push(Some(Err(failure))),
        }
    }
    let mut recorded = record(good)?.into_iter();
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Some(refused) => Ok(refused),
            None => match recorded.next() {
                Some(result) => Ok(reply(result)),
                None => Err(Failure::Bug(
                    "record_orders returned fewer results than items".into(),
                )),
            },
        })
        .collect()
}

/// `record_orders` on a store: one transaction for the batch.
pub(crate) fn record_orders(crm: &Crm, args: &str) -> Result<BatchReply, Failure> {
    record_batch(parse_batch(args)?, |good| crm.record_orders(good))
}

/// `record_orders` inside the caller's transaction.
pub(crate) fn record_orders_in(tx: &Transaction<'_>, args: &str) -> Result<BatchReply, Failure> {
    record_batch(parse_batch(args)?, |good| tx.record_orders(good))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: &str = "2026-11-02T09:30:00Z";

    fn refusal(name: &str, args: &str) -> (String, String) {
        match Command::parse(name, args) {
            Err(Failure::Args { field, rule }) => (field, rule),
            Err(other) => panic!("{name}: expected an argument error, got {other:?}"),
            Ok(_) => panic!("{name}: {args} was accepted"),
        }
    }

    #[test]
    fn every_command_runs_on_a_store_and_in_a_transaction() {
        let crm = Crm::open_in_memory().unwrap();
        let lead =
            format!(r#"{{"new": {{"channel": "web", "phone": "+380671234567"}}, "at": "{AT}"}}"#);
        let json = Command::parse("capture_lead", &lead)
            .unwrap()
            .run(&crm)
            .unwrap();
        assert!(json.contains(r#""status":"new""#), "{json}");
        let listed = crm
            .transaction(|tx| Command::parse("list_leads", r#"{"query": {}}"#)?.run_in(tx))
            .unwrap();
        assert!(listed.starts_with(r#"[{"id":1,"#), "{listed}");
        assert_eq!(
            Command::parse("last_seq", "{}").unwrap().run(&crm).unwrap(),
            "1"
        );
    }

    #[test]
    fn a_bad_argument_is_named_as_the_python_keyword_names_it() {
        let order = format!(
            r#"{{"new": {{"client_id": 1, "total": "10", "lines": [{{"sku": "A", "quantity": 1, "unit_price": "1.005"}}]}}, "at": "{AT}"}}"#
        );
        let (field, rule) = refusal("record_order", &order);
        assert_eq!(field, "lines[0].unit_price");
        assert!(rule.contains("at most two decimals"), "{rule}");
        assert!(
            !rule.contains("line 1"),
            "no position in our own JSON: {rule}"
        );

        let (field, rule) = refusal("capture_lead", &format!(r#"{{"new": {{}}, "at": "{AT}"}}"#));
        assert_eq!(
            (field.as_str(), rule.as_str()),
            ("channel", "missing field `channel`")
        );

        let (field, _) = refusal(
            "capture_lead",
            &format!(r#"{{"new": {{"channel": "web", "colour": "red"}}, "at": "{AT}"}}"#),
        );
        assert_eq!(field, "colour");

        let (field, _) = refusal("start_lead", r#"{"id": 1, "at": "yesterday"}"#);
        assert_eq!(field, "at");
        let (field, _) = refusal("list_orders", r#"{"query": {"page": {"after": "x"}}}"#);
        assert_eq!(field, "page.after");
    }

    #[test]
    fn an_unknown_command_is_a_bug_of_the_binding_not_a_user_error() {
        assert!(matches!(
            Command::parse("drop_everything", "{}"),
            Err(Failure::Bug(_))
        ));
        assert!(NAMES.contains(&"capture_lead") && NAMES.contains(&"changes_since"));
    }

    #[test]
    fn an_export_is_written_to_a_file_made_on_the_first_write_or_returned_as_text() {
        let crm = Crm::open_in_memory().unwrap();
        let client = format!(r#"{{"new": {{"name": "Ромашка", "region": "Kyiv"}}, "at": "{AT}"}}"#);
        Command::parse("add_client", &client)
            .unwrap()
            .run(&crm)
            .unwrap();
        let export = |path: &str| {
            format!(r#"{{"which": "region = 'Kyiv'", "as_of": "{AT}", "path": {path}}}"#)
        };
        let text = Command::parse("export_segment", &export("null"))
            .unwrap()
            .run(&crm)
            .unwrap();
        let text: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(text["members"], 1);
        let csv = text["csv"].as_str().unwrap();
        assert!(
            csv.starts_with("client_id,name,")
                && csv.ends_with("\r\n1,Ромашка,company,,,,,,Kyiv,,,\r\n"),
            "{csv}"
        );

        let dir = std::env::temp_dir().join(format!("crm-py-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("kyiv.csv");
        let json = |p: &Path| serde_json::to_string(p).unwrap();
        let written = crm
            .transaction(|tx| Command::parse("export_segment", &export(&json(&file)))?.run_in(tx))
            .unwrap();
        assert_eq!(written, r#"{"members":1,"csv":null}"#);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), csv);

        // An expression that does not check makes no file.
        let never = dir.join("never.csv");
        let refused = format!(
            r#"{{"which": "regoin = 'Kyiv'", "as_of": "{AT}", "path": {}}}"#,
            json(&never)
        );
        let error = Command::parse("export_segment", &refused)
            .unwrap()
            .run(&crm)
            .unwrap_err();
        assert!(
            matches!(error, Failure::Core(ref e) if e.position() == Some((1, 1))),
            "{error:?}"
        );
        assert!(!never.exists());
        // A file that cannot be made is a storage error naming it.
        let nowhere = dir.join("no-such-dir").join("x.csv");
        let error = Command::parse("export_segment", &export(&json(&nowhere)))
            .unwrap()
            .run(&crm)
            .unwrap_err();
        assert!(
            matches!(&error, Failure::Core(e) if e.kind() == crm_core::ErrorKind::Storage
                && e.to_string().contains("no-such-dir")),
            "{error:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_field_catalogue_needs_no_store_and_takes_the_subject_aliases() {
        let crm = Crm::open_in_memory().unwrap();
        let leads = crm
            .transaction(|tx| Command::parse("fields", r#"{"subject": "lead"}"#)?.run_in(tx))
            .unwrap();
        assert!(
            leads.contains(r#""name":"channel","type":"choice""#),
            "{leads}"
        );
        let (field, rule) = refusal("fields", r#"{"subject": "deals"}"#);
        assert_eq!(field, "subject");
        assert!(rule.contains("unknown variant"), "{rule}");
    }

    #[test]
    fn a_batch_keeps_items_that_do_not_parse_at_their_position() {
        let crm = Crm::open_in_memory().unwrap();
        let client = format!(r#"{{"new": {{"name": "Romashka"}}, "at": "{AT}"}}"#);
        Command::parse("add_client", &client)
            .unwrap()
            .run(&crm)
            .unwrap();
        let batch = format!(
            r#"{{"batch": [{{"new": {{"client_id": 1, "total": "5"}}, "at": "{AT}"}},
                           {{"new": {{"client_id": 1, "total": 5.5}}, "at": "{AT}"}},
                           {{"new": {{"client_id": 2, "total": "5"}}, "at": "{AT}"}},
                           {{"new": {{"client_id": 1, "total": "7"}}, "at": "{AT}"}}]}}"#
        );
        let outcomes = record_orders(&crm, &batch).unwrap();
        assert_eq!(outcomes.len(), 4);
        assert!(matches!(&outcomes[0], Ok(json) if json.contains(r#""total":"5.00""#)));
        assert!(matches!(&outcomes[1], Err(Failure::Args { field, .. }) if field == "total"));
        assert!(
            matches!(&outcomes[2], Err(Failure::Core(e)) if e.kind() == crm_core::ErrorKind::NotFound)
        );
        assert!(matches!(&outcomes[3], Ok(json) if json.contains(r#""total":"7.00""#)));
    }

    #[test]
    fn dedup_settings_change_only_the_fields_given_on_a_store_and_in_a_transaction() {
        let crm = Crm::open_in_memory().unwrap();
        let set = |changes: &str| format!(r#"{{"changes": {changes}, "at": "{AT}"}}"#);
        let json = Command::parse("set_dedup_settings", &set(r#"{"suggest": 0.6}"#))
            .unwrap()
            .run(&crm)
            .unwrap();
        assert_eq!(
            json,
            r#"{"auto_link":0.9,"suggest":0.6,"key_limit":20,"default_country":"UA"}"#
        );
        let json = crm
            .transaction(|tx| {
                let args = set(r#"{"key_limit": 5, "auto_link": null}"#);
                Command::parse("set_dedup_settings", &args)?.run_in(tx)
            })
            .unwrap();
        assert_eq!(
            json,
            r#"{"auto_link":0.9,"suggest":0.6,"key_limit":5,"default_country":"UA"}"#
        );
        let (field, _) = refusal("set_dedup_settings", &set(r#"{"key_limit": -1}"#));
        assert_eq!(field, "key_limit");
        let (field, _) = refusal("set_dedup_settings", &set(r#"{"colour": "red"}"#));
        assert_eq!(field, "colour");
        let (field, _) = refusal(
            "find_duplicates",
            r#"{"probe": {"birth_date": "1990-13-01"}}"#,
        );
        assert_eq!(field, "birth_date");
    }
    #[test]
    fn distribution_commands_run_and_name_fields_without_their_wrapper() {
        let crm = Crm::open_in_memory().unwrap();
        let run = |name: &str, args: String| Command::parse(name, &args).unwrap().run(&crm);
        let spec =
            r#"{"timezone": "Europe/Kyiv", "working_hours": {"mon-fri": [["09:00", "18:00"]]}}"#;
        let json = run(
            "set_calendar",
            format!(r#"{{"manager": null, "spec": {spec}, "at": "{AT}"}}"#),
        )
        .unwrap();
        assert!(json.contains(r#""timezone":"Europe/Kyiv""#), "{json}");
        // Friday 17:30 in Kyiv + 2 working hours = Monday 10:30 in Kyiv.
        let due = run(
            "working_deadline",
            r#"{"manager": null, "start": "2026-11-27T15:30:00Z", "amount": "2h"}"#.into(),
        )
        .unwrap();
        assert_eq!(due, r#""2026-11-30T08:30:00Z""#);
        let (field, _) = refusal(
            "set_calendar",
            &format!(r#"{{"manager": null, "spec": {{"colour": 1}}, "at": "{AT}"}}"#),
        );
        assert_eq!(field, "colour");
        let (field, _) = refusal(
            "set_ownership_settings",
            &format!(r#"{{"settings": {{"lock_days": -1}}, "at": "{AT}"}}"#),
        );
        assert_eq!(field, "lock_days");
        let (field, _) = refusal(
            "add_routing_rule",
            &format!(r#"{{"new": {{"name": "x", "strategy": "random"}}, "at": "{AT}"}}"#),
        );
        assert_eq!(field, "strategy");
        let run_due = run("run_due", format!(r#"{{"now": "{AT}"}}"#)).unwrap();
        assert_eq!(
            run_due,
            format!(
                r#"{{"at":"{AT}","breached":[],"escalations":[],"tasks":[],"assigned":[],"complaints_breached":[],"promises_reminded":[],"promises_broken":[],"dormancy":[],"fired":[]}}"#
            )
        );
        let removed = run(
            "set_calendar",
            format!(r#"{{"manager": null, "spec": null, "at": "{AT}"}}"#),
        )
        .unwrap();
        assert_eq!(removed, "null");
        assert_eq!(
            run("calendar", r#"{"manager": null}"#.into()).unwrap(),
            "null"
        );
    }

    #[test]
    fn analytics_and_reports_run_and_name_fields_without_their_wrapper() {
        let crm = Crm::open_in_memory().unwrap();
        let run = |name: &str, args: &str| Command::parse(name, args).unwrap().run(&crm);
        run(
            "add_client",
            &format!(r#"{{"new": {{"name": "A"}}, "at": "{AT}"}}"#),
        )
        .unwrap();
        let order = format!(r#"{{"new": {{"client_id": 1, "total": "10.50"}}, "at": "{AT}"}}"#);
        run("record_order", &order).unwrap();
        let abc = run("abc", r#"{"query": {"rule": "tie_group"}}"#).unwrap();
        assert!(
            abc.contains(r#""value":1050,"#) && abc.contains(r#""class":"C""#),
            "{abc}"
        );
        let repeat = run("repeat_sales", r#"{"period": {}}"#).unwrap();
        assert!(repeat.contains(r#""revenue":"10.50""#), "{repeat}");
        let rfm = run("rfm", r#"{"query": {"as_of": "2026-11-30"}}"#).unwrap();
        assert!(rfm.contains(r#""as_of":"2026-11-30""#), "{rfm}");
        let (field, _) = refusal("abc", r#"{"query": {"rule": "median"}}"#);
        assert_eq!(field, "rule");
        let (field, _) = refusal("repeat_sales", r#"{"period": {"start": "2026-13-01"}}"#);
        assert_eq!(field, "start");
        let (field, _) = refusal("product_pairs", r#"{"query": {"period": {"end": "x"}}}"#);
        assert_eq!(field, "end");
        let (field, _) = refusal("rfm", r#"{"query": {}}"#);
        assert_eq!(field, "as_of");
        let error = run("abc", r#"{"query": {"a": 1.5}}"#).unwrap_err();
        assert!(
            matches!(&error, Failure::Core(e) if e.kind() == crm_core::ErrorKind::Validation),
            "{error:?}"
        );
        let (field, _) = refusal(
            "funnel",
            r#"{"query": {"start": "2026-11-01", "end": "2026-11-30", "by": "region"}}"#,
        );
        assert_eq!(field, "by");
        let report = crm
            .transaction(|tx| {
                Command::parse(
                    "manager_report",
                    r#"{"query": {"start": "2026-11-01", "end": "2026-11-30"}}"#,
                )?
                .run_in(tx)
            })
            .unwrap();
        assert_eq!(report, "[]");
    }

    #[test]
    fn retention_commands_run_and_name_fields_without_their_wrapper() {
        let crm = Crm::open_in_memory().unwrap();
        let run = |name: &str, args: String| Command::parse(name, &args).unwrap().run(&crm);
        run(
            "add_client",
            format!(r#"{{"new": {{"name": "A"}}, "at": "{AT}"}}"#),
        )
        .unwrap();
        let promise = run(
            "promise",
            format!(
                r#"{{"new": {{"client_id": 1, "what": "call", "due_at": "2026-11-03T09:30:00Z"}}, "at": "{AT}"}}"#
            ),
        )
        .unwrap();
        assert!(promise.contains(r#""status":"open""#), "{promise}");
        let (field, _) = refusal(
            "promise",
            &format!(r#"{{"new": {{"client_id": 1, "due_at": "soon"}}, "at": "{AT}"}}"#),
        );
        assert_eq!(field, "due_at");
        let (field, _) = refusal(
            "set_complaint_sla",
            &format!(r#"{{"settings": {{"high": {{"first_response": "1h"}}}}, "at": "{AT}"}}"#),
        );
        assert_eq!(field, "high.resolution");
        let (field, _) = refusal(
            "complete_task",
            &format!(
                r#"{{"id": 1, "options": {{"outcome": "x", "activity_kind": "fax"}}, "at": "{AT}"}}"#
            ),
        );
        assert_eq!(field, "activity_kind");
        let (field, _) = refusal(
            "dormancy_report",
            r#"{"query": {"as_of": "2026-11-02", "with_p_alive": true}}"#,
        );
        assert_eq!(field, "as_of");
        let (field, _) = refusal(
            "retention_report",
            r#"{"query": {"start": "2026-11-01", "end": "2026-11-30", "window_days": -1}}"#,
        );
        assert_eq!(field, "window_days");
        let rules = crm
            .transaction(|tx| Command::parse("retention_rules", "{}")?.run_in(tx))
            .unwrap();
        assert!(
            rules.starts_with(r#"[{"id":1,"name":"reactivate dormant A-client","#),
            "{rules}"
        );
        assert_eq!(
            run("dormancy_counts", "{}".into()).unwrap(),
            r#"{"active":0,"cooling":0,"dormant":0,"lost":0}"#
        );
        let agenda = run("agenda", format!(r#"{{"manager": 1, "now": "{AT}"}}"#)).unwrap_err();
        assert!(
            matches!(&agenda, Failure::Core(e) if e.kind() == crm_core::ErrorKind::NotFound),
            "{agenda:?}"
        );
    }
    #[test]
    fn import_ports_and_telephony_commands_run_and_name_fields_without_their_wrapper() {
        let crm = Crm::open_in_memory().unwrap();
        let run = |name: &str, args: String| Command::parse(name, &args).unwrap().run(&crm);
        // An import of bytes with a progress callback, then of a file that is not there.
        let args = format!(r#"{{"options": {{"kind": "clients"}}, "at": "{AT}"}}"#);
        let mut calls = Vec::new();
        let report = import(
            &crm,
            &args,
            Some(b"Name,Phone\nA,0671234567\n,0501112233\n"),
            &mut |d, t| {
                calls.push((d, t));
                true
            },
        )
        .unwrap();
        assert!(
            report.contains(r#""created":1,"#) && report.contains(r#""failed":1,"#),
            "{report}"
        );
        assert_eq!(calls.last(), Some(&(2, 2)));
        let cancelled = import(&crm, &args, Some(b"Name\nB\n"), &mut |_, _| false).unwrap();
        assert!(cancelled.contains(r#""cancelled":true"#), "{cancelled}");
        let missing = format!(r#"{{"options": {{}}, "at": "{AT}", "path": "/nonexistent/x.csv"}}"#);
        let error = import(&crm, &missing, None, &mut |_, _| true).unwrap_err();
        assert!(
            matches!(&error, Failure::Core(e) if e.kind() == crm_core::ErrorKind::Storage),
            "{error:?}"
        );
        assert!(matches!(
            import(&crm, &args, None, &mut |_, _| true),
            Err(Failure::Bug(_))
        ));
        let (field, _) = match import(
            &crm,
            &format!(r#"{{"options": {{"match_on": ["name"]}}, "at": "{AT}"}}"#),
            Some(b""),
            &mut |_, _| true,
        ) {
            Err(Failure::Args { field, rule }) => (field, rule),
            other => panic!("{other:?}"),
        };
        assert_eq!(field, "match_on[0]");
        let imports = crm
            .transaction(|tx| Command::parse("list_imports", "{}")?.run_in(tx))
            .unwrap();
        assert!(
            imports.starts_with(r#"[{"id":1,"kind":"clients""#),
            "{imports}"
        );
        let undo = run("undo_import", format!(r#"{{"id": 1, "at": "{AT}"}}"#)).unwrap();
        assert!(undo.contains(r#""undone":true"#), "{undo}");
        // The ports.
        let order = format!(
            r#"{{"new": {{"id": "1", "customer": {{"name": "Ivan", "phone": "0671112233"}}, "total": "5", "lines": [{{"sku": "A", "quantity": 1, "price": "5"}}]}}, "at": "{AT}"}}"#
        );
        let web = run("record_web_order", order).unwrap();
        assert!(web.contains(r#""client_created":true"#), "{web}");
        let (field, _) = refusal(
            "record_web_order",
            &format!(
                r#"{{"new": {{"id": "2", "customer": {{"nmae": "x"}}, "total": "1"}}, "at": "{AT}"}}"#
            ),
        );
        assert_eq!(field, "customer.nmae");
        let upserted = run(
            "upsert_counterparty",
            format!(r#"{{"new": {{"external_ref": "1C-1", "name": "X"}}, "at": "{AT}"}}"#),
        )
        .unwrap();
        assert!(upserted.ends_with(r#""action":"created"}"#), "{upserted}");
        let (field, _) = refusal(
            "upsert_order",
            &format!(
                r#"{{"new": {{"external_ref": "Z", "counterparty_ref": "1C-1", "total": 1.5}}, "at": "{AT}"}}"#
            ),
        );
        assert_eq!(field, "total");
        // Telephony.
        let call = run(
            "record_call",
            format!(r#"{{"new": {{"call_id": "c1", "event": "missed", "at": "{AT}", "caller": "0509998877"}}}}"#),
        )
        .unwrap();
        assert!(call.contains(r#""status":"missed""#), "{call}");
        let (field, _) = refusal(
            "record_call",
            &format!(
                r#"{{"new": {{"call_id": "c1", "event": "hung", "at": "{AT}", "caller": "1"}}}}"#
            ),
        );
        assert_eq!(field, "event");
        let (field, _) = refusal(
            "call_report",
            r#"{"query": {"start": "2026-11-02T00:00:00Z"}}"#,
        );
        assert_eq!(field, "end");
        let report = run(
            "call_report",
            r#"{"query": {"start": "2026-11-02T00:00:00Z", "end": "2026-11-03T00:00:00Z"}}"#.into(),
        )
        .unwrap();
        assert!(report.contains(r#""total":{"calls":1,"#), "{report}");
        assert_eq!(run("list_phone_lines", "{}".into()).unwrap(), "[]");
    }
}
