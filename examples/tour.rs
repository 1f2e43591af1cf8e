//! # The crmkit tour: one quarter of a small trading company
//!
//! ```text
//! cargo run --release --example tour
//! ```
//!
//! Starts the way a business starts with a CRM: the old client base, an Excel file kept for years (written
//! here as `tour-legacy-clients.xlsx`, with a merged title, clients typed in twice and broken rows), is
//! imported with upsert by the 1C code, tax id, e-mail and phone, and the import report is printed.
//!
//! Then simulates July to September 2026 at "Komfort Office", a company that sells office furniture and
//! supplies, and writes it all into `tour.crm` in the current directory (a plain SQLite file: open it with
//! any SQLite browser). Three sales managers work about 2,000 requests from five marketing sources whose
//! spend is booked weekly or monthly. Managers call and write back (the first outbound contact is the
//! lead's first response), qualify, lose with a reason from the catalogue, junk spam, and convert; deals
//! move through the pipeline and are won or lost; won clients and the clients already in the ERP keep
//! ordering, a few thousand orders in all.
//!
//! Then the summary is read back from the store through the public API, page by page — never from the
//! simulation's own counters — so what you see is what a report or a host system would see.
//!
//! What to copy from it:
//! - every command is given its time (`at`); crmkit never reads the clock, so a replay is exact. Here the
//!   times come from a simulated clock ([`Agenda`]) that only moves forward;
//! - money is [`Money`] in integer minor units (kopecks); order lines add up to the total;
//! - a request is never lost: a malformed phone is stored, flagged `invalid`, with a warning;
//! - references from the outside world (`FORM-…`, `WEB-…`, `1C-…`) make repeated deliveries harmless;
//! - the actor says who did what in the event log: a manager, the web site, the 1C exchange;
//! - lists are read in pages (`Page { after, limit }`), keyed by the last id seen;
//! - a second card for a known client (a name in Cyrillic or with a typo, the phone written another way)
//!   is found by `duplicate_pairs` and merged with `merge_clients`, its orders moving over; `unmerge`
//!   would undo it;
//! - requests are routed by the store's rules, not by the host: a Kyiv working calendar (Independence
//!   Day off), a round-robin rule for the web shop's orders, a weighted catch-all, a client's own manager
//!   first, a two-week vacation the rules route around; first-response deadlines in working time (30
//!   minutes for a call, 2 hours otherwise), and `run_due` at the end of every day marking the breaches
//!   and giving the team lead a task for each missed call.
//!
//! - the ports: the web shop's orders go through `record_web_order` (the buyer matched by phone or
//!   e-mail, UTM tags made sources, a stranger's first order a converted lead), and the office's two phone
//!   lines through `record_call` (answered calls become activities; missed ones leads or call-back tasks
//!   with a deadline; the next outbound call is the call-back); the call report shows where the lines are
//!   overloaded.
//!
//! The simulation is seeded ([`Rng`]): the same seed writes the same store.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc, Weekday};
use crm_core::analytics::abc::AbcClass;
use crm_core::analytics::xyz::XyzClass;
use crm_core::calendar::CalendarSpec;
use crm_core::{
    AbcQuery, AbcXyzQuery, FunnelQuery, ManagerReportQuery, NewPlan, PAliveQuery, PairQuery,
    Period, RfmQuery, SourceQuery,
};
use crm_core::{
    ActivityKind, Assignment, Channel, ClientId, ClientKind, ClientRollup, ConvertLead, Crm, Deal,
    DealId, DealQuery, DealStatus, Direction, JunkKind, Lead, LeadId, LeadQuery, LeadStatus,
    LostReason, Manager, ManagerId, Money, NewActivity, NewClient, NewLead, NewManager, NewOrder,
    NewSource, NewSpend, Order, OrderId, OrderLine, OrderQuery, OrderStatus, Page, Quality,
    SCHEMA_VERSION, Source, Stage,
};
use crm_core::{
    AssignedVia, Escalation, NewAbsence, NewRoutingRule, NewSlaPolicy, SkipReason, SlaState,
    Strategy,
};
use crm_core::{
    CallEvent, CallEventKind, CallReportQuery, NewPhoneLine, Utm, WebCustomer, WebOrder,
    WebOrderLine, WebOrderResult,
};
use crm_core::{ClientQuery, ImportKind, ImportOptions, ImportReport, MatchKey};
use crm_core::{
    ComplaintId, ComplaintPriority, ComplaintReportQuery, CompleteTask, DueRun, NewComplaint,
    NewPromise, PromiseId, PromiseQuery, PromiseStatus, RetentionReportQuery, Task,
};
use crmkit_suite::{Agenda, Rng};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const STORE: &str = "tour.crm";
/// The generator's seed: another seed gives another, equally plausible quarter.
const SEED: u64 = 20_260_701;
/// Rows per page when the summary reads lists back (the store allows up to 10,000).
const PAGE: u32 = 500;

/// The office keeps Kyiv summer time (UTC+3 all quarter); the store keeps UTC.
const UTC_OFFSET_HOURS: i64 = 3;
/// Office hours in minutes after local midnight: 09:00 to 18:00, Monday to Friday.
const OPEN: i64 = 9 * 60;
const CLOSE: i64 = 18 * 60;

/// Clients already in the ERP when the quarter starts; they are the repeat buyers.
const ERP_CLIENTS: usize = 220;
/// Independence Day: a day off in the store's calendar and in the simulated office.
const HOLIDAY: (i32, u32, u32) = (2026, 8, 24);
/// Taras's vacation: the rules give his share to the others meanwhile.
const VACATION: ((i32, u32, u32), (i32, u32, u32)) = ((2026, 8, 3), (2026, 8, 14));
/// The old base the company kept its clients in before crmkit, written by the tour as such files look
/// (see [`write_legacy_excel`]) and imported on the first day.
const LEGACY_FILE: &str = "tour-legacy-clients.xlsx";
/// Clients the old base has twice (typed in again with another phone format and no 1C code).
const LEGACY_TYPED_TWICE: usize = 9;

/// Second cards of ERP clients that managers type in during the quarter (a name in Cyrillic or with a
/// typo, the phone in another format, the e-mail in capitals), which then get orders of their own: the
/// duplicates the tour finds and merges at the end.
const PLANTED_DUPLICATES: usize = 14;

// --- the company ----------------------------------------------------------------------------------------

/// A sales manager and how large a share of new requests they take.
const MANAGERS: [(&str, &str, u32); 3] = [
    ("Olena Kovalenko", "olena@komfort-office.ua", 4),
    ("Taras Melnyk", "taras@komfort-office.ua", 3),
    ("Iryna Bondar", "iryna@komfort-office.ua", 3),
];

/// How a marketing source is paid for. Amounts are in kopecks: `1_200_000` is 12,000.00.
#[derive(Clone, Copy)]
enum Budget {
    /// Booked every Monday (and on the first day), varying by ±15 % as bids do.
    Weekly(Money),
    /// A fixed fee booked on the first of the month.
    Monthly(Money),
}

/// A marketing source as the simulation plans it.
struct SourcePlan {
    name: &'static str,
    channel: Channel,
    campaign: Option<&'static str>,
    budget: Budget,
    /// Relative share of the requests it brings.
    share: u32,
    /// How requests from it arrive, with weights.
    arrives_by: &'static [(Channel, u32)],
    /// Percent chance that a review finds a real need with a budget: referrals beat banner clicks.
    quality: u64,
}

const SOURCES: [SourcePlan; 5] = [
    SourcePlan {
        name: "Google Ads",
        channel: Channel::Ads,
        campaign: Some("office-q3"),
        budget: Budget::Weekly(Money::from_minor(1_200_000)),
        share: 32,
        arrives_by: &[(Channel::Web, 60), (Channel::Phone, 40)],
        quality: 30,
    },
    SourcePlan {
        name: "Facebook",
        channel: Channel::Ads,
        campaign: Some("back-to-office"),
        budget: Budget::Weekly(Money::from_minor(700_000)),
        share: 20,
        arrives_by: &[(Channel::Messenger, 50), (Channel::Web, 50)],
        quality: 18,
    },
    SourcePlan {
        name: "Website (SEO)",
        channel: Channel::Web,
        campaign: None,
        budget: Budget::Monthly(Money::from_minor(2_500_000)),
        share: 22,
        arrives_by: &[
            (Channel::Web, 60),
            (Channel::Email, 25),
            (Channel::Phone, 15),
        ],
        quality: 35,
    },
    SourcePlan {
        name: "Prom.ua",
        channel: Channel::Shop,
        campaign: Some("summer-sale"),
        budget: Budget::Monthly(Money::from_minor(900_000)),
        share: 14,
        arrives_by: &[(Channel::Shop, 1)],
        quality: 40,
    },
    SourcePlan {
        name: "Partners",
        channel: Channel::Referral,
        campaign: Some("referral-bonus"),
        budget: Budget::Monthly(Money::from_minor(1_500_000)),
        share: 10,
        arrives_by: &[(Channel::Phone, 70), (Channel::Email, 30)],
        quality: 55,
    },
];

/// Walk-ins have no marketing source; their share beside the sources' and their quality.
const WALK_IN_SHARE: u32 = 2;
const WALK_IN_QUALITY: u64 = 50;

/// A product. Prices are in kopecks: money never goes through a float.
struct Product {
    sku: &'static str,
    category: &'static str,
    price: Money,
}

const PRODUCTS: [Product; 12] = [
    product("CH-ERGO-200", "chairs", 489_000),
    product("CH-VISIT-10", "chairs", 125_000),
    product("DK-1400", "desks", 640_000),
    product("DK-LIFT-1600", "desks", 1_890_000),
    product("LMP-LED-7", "desks", 99_000),
    product("ST-CAB-4", "storage", 530_000),
    product("ST-SHELF-5", "storage", 215_000),
    product("WB-120", "storage", 279_000),
    product("PP-A4-500", "supplies", 24_500),
    product("TN-HP-85A", "supplies", 118_000),
    product("PN-BLUE-50", "supplies", 31_000),
    product("FL-ARCH-75", "supplies", 8_990),
];

const fn product(sku: &'static str, category: &'static str, kopecks: i64) -> Product {
    Product {
        sku,
        category,
        price: Money::from_minor(kopecks),
    }
}

/// What people ask for, in their words, and the product category it is about.
const NEEDS: [(&str, &str); 8] = [
    ("Ergonomic chairs for an open space, 20 seats", "chairs"),
    ("Visitor chairs for a waiting room", "chairs"),
    ("Desks for a new branch office", "desks"),
    ("Standing desks for the IT department", "desks"),
    ("Lockable cabinets for an archive", "storage"),
    ("Shelving and boards for a warehouse office", "storage"),
    ("Monthly supply of paper and toner", "supplies"),
    ("Stationery for the school year", "supplies"),
];

/// How often each reason ends a lead or a deal here; catalogue codes not listed are rare, listed codes
/// missing from the catalogue are never used.
const LEAD_LOSSES: [(&str, u32); 7] = [
    ("no_answer", 30),
    ("no_need", 20),
    ("price", 18),
    ("competitor", 12),
    ("no_budget", 10),
    ("timing", 7),
    ("other", 3),
];
const DEAL_LOSSES: [(&str, u32); 5] = [
    ("price", 35),
    ("competitor", 30),
    ("no_budget", 15),
    ("timing", 15),
    ("other", 5),
];
/// Percent of deals lost at each pipeline stage, from the first.
const DEAL_LOSS_BY_STAGE: [u64; 4] = [12, 18, 15, 5];

#[rustfmt::skip]
const FIRST_NAMES: [&str; 16] = [
    "Oleksandr", "Andriy", "Dmytro", "Serhiy", "Mykola", "Viktor", "Bohdan", "Roman", "Iryna",
    "Olena", "Natalia", "Tetiana", "Yulia", "Maria", "Kateryna", "Oksana",
];
#[rustfmt::skip]
const LAST_NAMES: [&str; 14] = [
    "Kovalenko", "Bondarenko", "Tkachenko", "Shevchenko", "Kravchenko", "Melnyk", "Boyko",
    "Polishchuk", "Lysenko", "Savchenko", "Rudenko", "Marchenko", "Moroz", "Petrenko",
];
/// The same names as a Ukrainian writes them.
#[rustfmt::skip]
const FIRST_NAMES_UK: [&str; 16] = [
    "Олександр", "Андрій", "Дмитро", "Сергій", "Микола", "Віктор", "Богдан", "Роман", "Ірина",
    "Олена", "Наталія", "Тетяна", "Юлія", "Марія", "Катерина", "Оксана",
];
#[rustfmt::skip]
const LAST_NAMES_UK: [&str; 14] = [
    "Коваленко", "Бондаренко", "Ткаченко", "Шевченко", "Кравченко", "Мельник", "Бойко",
    "Поліщук", "Лисенко", "Савченко", "Руденко", "Марченко", "Мороз", "Петренко",
];
#[rustfmt::skip]
const COMPANY_NAMES_UK: [&str; 10] = [
    "Ромашка", "Дніпро", "Карпати", "Полісся", "Сокіл", "Атекс", "Вега", "Оріон", "Сігма", "Ланка",
];
#[rustfmt::skip]
const COMPANY_NAMES: [&str; 10] = [
    "Romashka", "Dnipro", "Karpaty", "Polissia", "Sokil", "Ateks", "Vega", "Orion", "Sigma",
    "Lanka",
];
#[rustfmt::skip]
const COMPANY_KINDS: [&str; 8] = [
    "LLC", "Trade", "Group", "Logistics", "Pharm", "Build", "Clinic", "Lyceum",
];
const REGIONS: [&str; 5] = ["Kyiv", "Lviv", "Dnipro", "Odesa", "Kharkiv"];
const MOBILE_CODES: [u32; 10] = [50, 63, 66, 67, 68, 73, 93, 95, 97, 99];

// --- the simulation -------------------------------------------------------------------------------------

/// Something that happens at a time on the agenda.
enum Step {
    /// Money goes to a marketing source.
    Spend {
        source: usize,
        amount: Money,
        note: String,
    },
    /// A request arrives.
    Request(Box<Request>),
    /// The manager first looks at a lead: a call or e-mail back, or junk.
    FirstResponse(Case),
    /// The manager reviews a lead after talking to the person: qualify, lose, or call again later.
    Review { case: Case, round: u8 },
    /// A qualified lead becomes a client and a deal, or is lost.
    Decide(Case),
    /// A deal moves one stage on, or is won or lost.
    Deal(Box<DealCase>),
    /// A client orders again, in their own rhythm.
    Reorder { client: ClientId, every_days: i64 },
    /// An order is cancelled or returned.
    Unwind { order: OrderId, status: OrderStatus },
    /// The host's evening cron: `run_due` marks missed deadlines and makes escalation tasks.
    EndOfDay,
    /// A manager keeps a promise made to a client (the call back about an offer) — unless forgotten.
    KeepPromise { promise: PromiseId, manager: usize },
    /// A client complains about an order.
    Complain { client: ClientId, order: OrderId },
    /// The complaint's owner works it: 0 takes it, 1 resumes after waiting for the client, 2 resolves
    /// (or rejects) it, 3 closes it.
    WorkComplaint { complaint: ComplaintId, round: u8 },
    /// The managers start a working day with their agenda: what is overdue, then what is due today.
    Morning,
    /// The phone rings on one of the office's lines; the PBX bridge reports each event of the call.
    Ring { line: usize, caller: Caller },
    /// A manager calls back a number whose call was missed.
    CallBack {
        line: usize,
        number: String,
        manager: usize,
        lead: Option<LeadId>,
    },
    /// Somebody the company does not know buys in the web shop.
    WebShopper,
}

/// Who is calling.
enum Caller {
    /// A client of the base, from the number on its card.
    Client(ClientId),
    /// A number the store has never seen.
    Stranger(String),
}

/// What went through the web shop's port over the quarter.
#[derive(Default)]
struct WebTotals {
    orders: u32,
    resent: u32,
    new_clients: u32,
    leads: u32,
}

/// What the evening runs of `run_due` did over the quarter.
#[derive(Default)]
struct DueTotals {
    runs: u32,
    /// Moves on the dormancy ladder: first placements, and moves by the rung reached (`to active` is a
    /// return with a purchase).
    moves: BTreeMap<String, u64>,
    /// Retention rules that acted, by rule.
    fired: BTreeMap<String, u64>,
    tasks: u64,
    promises_reminded: u64,
    promises_broken: u64,
    complaints_breached: u64,
}

impl DueTotals {
    fn add(&mut self, run: &DueRun) {
        self.runs += 1;
        for d in &run.dormancy {
            let key = match d.from {
                None => "first placed".to_string(),
                Some(_) => format!("to {}", d.to),
            };
            *self.moves.entry(key).or_default() += 1;
        }
        for f in &run.fired {
            *self.fired.entry(f.rule.clone()).or_default() += 1;
        }
        self.tasks += run.tasks.len() as u64;
        self.promises_reminded += run.promises_reminded.len() as u64;
        self.promises_broken += run.promises_broken.len() as u64;
        self.complaints_breached += run.complaints_breached.len() as u64;
    }
}

/// A request before it is captured, with what only the simulation knows about it.
struct Request {
    lead: NewLead,
    source: Option<usize>,
    need: usize,
    junk: Option<JunkKind>,
    /// The same web form delivered a second time: it must not become a second lead.
    resent: bool,
}

/// A captured lead as the simulation follows it.
#[derive(Clone, Copy)]
struct Case {
    lead: LeadId,
    source: Option<usize>,
    manager: usize,
    need: usize,
    junk: Option<JunkKind>,
    /// How the manager reaches the person: a call when the phone is usable, else e-mail or messenger.
    reach: ActivityKind,
}

/// An open deal as the simulation follows it.
struct DealCase {
    id: DealId,
    client: ClientId,
    manager: usize,
    /// Index of the current stage in the pipeline.
    stage: usize,
    /// What the client will order when the deal is won; the deal's amount is its total.
    basket: Vec<OrderLine>,
}

/// The simulated company: the store, the generator, the clock and the ids the store handed out.
struct Company {
    crm: Crm,
    rng: Rng,
    agenda: Agenda<Step>,
    managers: Vec<Manager>,
    sources: Vec<Source>,
    lost_reasons: Vec<LostReason>,
    stages: Vec<Stage>,
    /// The last number used in an outside reference (`FORM-…`, `WEB-…`); they must be unique.
    last_ref: u64,
    /// The second cards planted on purpose (see [`PLANTED_DUPLICATES`]).
    planted: Vec<ClientId>,
    /// Clients who stopped ordering, with their old rhythm in days: a reactivation call may bring one
    /// back.
    silent: BTreeMap<ClientId, i64>,
    /// What `run_due` did, evening by evening.
    due: DueTotals,
    /// The clients of the old base, as imported.
    base: Vec<ClientId>,
    /// Until when each phone line is busy with a call (one operator per line).
    line_busy: [DateTime<Utc>; 2],
    /// What the web shop's port did.
    web: WebTotals,
}

fn main() -> Result<()> {
    let started = Instant::now();
    let first_day = date(2026, 7, 1)?;
    let last_day = date(2026, 9, 30)?;

    remove_store(STORE)?;
    let crm = Crm::open(STORE)?;
    let mut company = Company::set_up(crm, first_day, last_day)?;
    let import = company.import_erp_clients()?;
    print_import(&import);
    company.set_up_phones()?;
    company.plan_spend(first_day, last_day);
    company.plan_requests(first_day, last_day)?;
    company.run()?;
    let quarter_end = last_day.and_time(NaiveTime::MIN).and_utc() + TimeDelta::days(1);
    let (pairs, planted, merged, orders_moved) = company.merge_duplicates(quarter_end)?;
    let simulated = started.elapsed();

    let due = company.due;
    let web = company.web;
    let crm = company.crm;
    print_summary(&crm, first_day, last_day)?;
    print_retention(&crm, &due, first_day, last_day)?;
    print_ports(&crm, &web, first_day, last_day)?;
    println!(
        "\nDuplicates  {PLANTED_DUPLICATES} second cards of ERP clients typed in during the quarter \
         (Cyrillic, typos, other phone formats)\n  duplicate_pairs(0.9): {pairs} pairs, {planted} of them \
         the planted cards, {} the same company and contact person by the generator's chance\n  \
         merged {merged} clients, moving {orders_moved} orders (undo any with unmerge)",
        pairs - planted
    );
    let checked = crm.integrity_check()?;
    let seq = crm.last_seq()?;
    let version = crm.schema_version()?;
    // Closing writes the log back into the file, so its size below is the real one.
    crm.close()?;
    let size = std::fs::metadata(STORE)?.len();
    println!(
        "\nStore     {STORE}: {} KiB, schema v{version} (library v{SCHEMA_VERSION}), integrity {}, \
         event log {} (last_seq)",
        grouped(&kibibytes(size).to_string()),
        checked.join("; "),
        grouped(&seq.to_string())
    );
    println!(
        "Elapsed   {} ms (simulation {} ms, read-back {} ms)",
        started.elapsed().as_millis(),
        simulated.as_millis(),
        (started.elapsed() - simulated).as_millis()
    );
    Ok(())
}

impl Company {
    /// Opens the quarter: the managers, the sources and the catalogues the store came with.
    fn set_up(crm: Crm, first_day: NaiveDate, last_day: NaiveDate) -> Result<Company> {
        let start = local(first_day, 8 * 60);
        crm.set_actor("admin");
        let mut managers = Vec::new();
        for (name, email, weight) in MANAGERS {
            let mut new = NewManager::new(name);
            new.email = Some(email.into());
            new.team = Some("sales".into());
            new.weight = weight;
            managers.push(crm.add_manager(new, start)?);
        }
        // How requests reach managers is the store's business: a calendar, rules, response targets.
        let (y, m, d) = HOLIDAY;
        let kyiv = CalendarSpec::new("Europe/Kyiv")
            .hours("mon-fri", &[("09:00", "18:00")])
            .holiday(date(y, m, d)?);
        crm.set_calendar(None, Some(kyiv), start)?;
        let mut shop = NewRoutingRule::new("web shop orders", Strategy::RoundRobin);
        shop.when = Some("channel = 'shop'".into());
        shop.managers = vec![managers[1].id, managers[2].id];
        shop.priority = 10;
        crm.add_routing_rule(shop, start)?;
        let mut everyone = NewRoutingRule::new("everyone else", Strategy::Weighted);
        everyone.team = Some("sales".into());
        everyone.priority = 100;
        crm.add_routing_rule(everyone, start)?;
        // Sales plans for the quarter, per manager and month, in proportion to each one's share of work.
        for (manager, (_, _, weight)) in managers.iter().zip(MANAGERS) {
            for month in ["2026-07", "2026-08", "2026-09"] {
                let plan = NewPlan {
                    manager_id: manager.id,
                    month: month.into(),
                    revenue: Money::from_minor(i64::from(weight) * 120_000_000),
                    deals: weight * 5,
                };
                crm.set_plan(plan, start)?;
            }
        }
        let mut calls = NewSlaPolicy::new("calls", "30m");
        calls.when = Some("channel = 'phone'".into());
        calls.escalation = Escalation::Task;
        calls.escalate_to = Some(managers[0].id);
        crm.set_response_sla(calls, start)?;
        crm.set_response_sla(NewSlaPolicy::new("default", "2h"), start)?;
        let ((y1, m1, d1), (y2, m2, d2)) = VACATION;
        let vacation = NewAbsence {
            manager_id: managers[1].id,
            start: date(y1, m1, d1)?,
            end: date(y2, m2, d2)?,
            reason: Some("vacation".into()),
        };
        crm.add_absence(vacation, start)?;
        crm.set_actor("marketing");
        let mut sources = Vec::new();
        for plan in &SOURCES {
            let new = NewSource {
                name: plan.name.into(),
                channel: plan.channel,
                campaign: plan.campaign.map(Into::into),
            };
            sources.push(crm.add_source(new, start)?);
        }
        // The default catalogue and pipeline are used as they come; a company would adjust them first
        // (`add_lost_reason`, `set_pipeline`).
        let lost_reasons = crm.lost_reasons()?;
        let stages = crm.pipeline()?;
        let horizon = local(last_day, CLOSE + 6 * 60);
        Ok(Company {
            crm,
            rng: Rng::new(SEED),
            agenda: Agenda::new(start, horizon),
            managers,
            sources,
            lost_reasons,
            stages,
            last_ref: 100_000,
            planted: Vec::new(),
            silent: BTreeMap::new(),
            due: DueTotals::default(),
            base: Vec::new(),
            line_busy: [start; 2],
            web: WebTotals::default(),
        })
    }

    /// The clients the ERP already knows, poured in from the old base: the spreadsheet the company kept
    /// its clients in ([`LEGACY_FILE`], written here the way such files look) is imported with upsert by
    /// the 1C code, the tax id, the e-mail and the phone. Rows typed in twice become one client; bad
    /// rows are reported with their row and column, and every good row is kept. The clients then order
    /// through the quarter in their own rhythm.
    fn import_erp_clients(&mut self) -> Result<ImportReport> {
        let at = self.agenda.now();
        let mut cards = Vec::new();
        let mut rows = Vec::new();
        for i in 1..=ERP_CLIENTS {
            let manager = self.pick_manager();
            let name = if self.rng.chance(80, 100) {
                Name::Company(self.rng.below(10) as usize, self.rng.below(8) as usize)
            } else {
                Name::Person(self.rng.below(16) as usize, self.rng.below(14) as usize)
            };
            let (code, number) = self.phone_number();
            let born = match name {
                // The ERP knows the birthdays of the private buyers: the birthday rule uses them.
                Name::Person(..) => Some(date(1960, 1, 1)? + days(self.rng.range(0, 40 * 365))),
                Name::Company(..) => None,
            };
            let row = LegacyRow {
                code: format!("1C-CL-{i:06}"),
                name: name.latin(),
                person: matches!(name, Name::Person(..)),
                tax_id: format!("{:08}", self.rng.range(10_000_000, 44_999_999)),
                // Some exports keep the phone as a number (the cell shows 380671234567).
                phone: if self.rng.chance(1, 4) {
                    LegacyPhone::Number(380_000_000_000 + i64::from(code) * 10_000_000 + number)
                } else {
                    LegacyPhone::Text(self.phone_as(code, number))
                },
                email: new_email(i),
                region: (*self.rng.pick(&REGIONS)).into(),
                manager: MANAGERS[manager].0.into(),
                born: born.map(LegacyDate::Date),
            };
            rows.push(row);
            cards.push((name, code, number, manager, new_email(i)));
        }
        // The old base is not clean: some clients were typed in twice (another phone format, the e-mail
        // in capitals, no 1C code), and some rows are broken.
        let twice: Vec<usize> = (0..LEGACY_TYPED_TWICE)
            .map(|_| self.rng.below(ERP_CLIENTS as u64) as usize)
            .collect();
        let originals = rows.clone();
        for &i in &twice {
            rows[i].region.clear(); // the first card lacked the region; the second one has it
        }
        for &i in &twice {
            let (_, code, number, _, email) = &cards[i];
            let mut again = originals[i].clone();
            again.code = String::new();
            again.phone = LegacyPhone::Text(format!(
                "0{code} {:03} {:04}",
                number / 10_000,
                number % 10_000
            ));
            again.email = email.to_uppercase();
            // Somewhere after the first card: exports list clients in the order they were typed in.
            let first = rows
                .iter()
                .position(|r| r.code == originals[i].code)
                .unwrap_or(0);
            let position = first + 1 + self.rng.below((rows.len() - first) as u64) as usize;
            rows.insert(position.min(rows.len()), again);
        }
        for broken in legacy_broken_rows() {
            let position = self.rng.below(rows.len() as u64) as usize;
            rows.insert(position, broken);
        }
        write_legacy_excel(LEGACY_FILE, &rows)?;

        self.crm.set_actor("import");
        let options = ImportOptions {
            kind: ImportKind::Clients,
            match_on: vec![
                MatchKey::ExternalRef,
                MatchKey::TaxId,
                MatchKey::Email,
                MatchKey::Phone,
            ],
            ..ImportOptions::default()
        };
        let report = self
            .crm
            .import_file(Path::new(LEGACY_FILE), &options, at, &mut |_, _| true)?;
        self.crm.set_actor("1C exchange");
        for (i, card) in cards.iter().enumerate() {
            let query = ClientQuery {
                external_ref: Some(format!("1C-CL-{:06}", i + 1)),
                ..ClientQuery::default()
            };
            let client = self.crm.list_clients(&query)?;
            let Some(client) = client.first() else {
                return Err(format!("client {} of the old base was not imported", i + 1).into());
            };
            self.base.push(client.id);
            let every_days = self.rng.range(5, 24);
            let offset = days(self.rng.range(0, every_days));
            let first = self.working_day_time(local_day(at) + offset);
            self.agenda.schedule(
                first,
                Step::Reorder {
                    client: client.id,
                    every_days,
                },
            );
            let _ = card;
        }
        self.plant_duplicates(&cards)?;
        Ok(report)
    }

    /// Second cards of some ERP clients, typed in by another manager from a call or a business card: the
    /// name in Cyrillic, with a legal form or with a typo, the same phone written another way, the
    /// e-mail in capitals or none, no tax id and no ERP reference. They get orders of their own, as
    /// happens when a second card exists.
    fn plant_duplicates(&mut self, cards: &[(Name, u32, i64, usize, String)]) -> Result<()> {
        let at = self.agenda.now() + TimeDelta::days(3);
        let mut chosen = std::collections::BTreeSet::new();
        while chosen.len() < PLANTED_DUPLICATES {
            chosen.insert(self.rng.below(cards.len() as u64) as usize);
        }
        for index in chosen {
            let (name, code, number, manager, email) = &cards[index];
            let other = (manager + 1 + self.rng.below(2) as usize) % self.managers.len();
            self.act_as(other);
            let (kind, written) = match *name {
                Name::Company(n, k) => (
                    ClientKind::Company,
                    match self.rng.below(3) {
                        0 => format!("ТОВ «{} {}»", COMPANY_NAMES_UK[n], COMPANY_KINDS[k]),
                        1 => format!("{} {} Ltd.", COMPANY_NAMES[n], COMPANY_KINDS[k]),
                        _ => format!("{} {}", typo(COMPANY_NAMES[n]), COMPANY_KINDS[k]),
                    },
                ),
                Name::Person(f, l) => (
                    ClientKind::Person,
                    match self.rng.below(3) {
                        0 => format!("{} {}", LAST_NAMES_UK[l], FIRST_NAMES_UK[f]),
                        1 => format!("{} {}", FIRST_NAMES[f], typo(LAST_NAMES[l])),
                        _ => format!("{} {}", LAST_NAMES[l].to_uppercase(), FIRST_NAMES[f]),
                    },
                ),
            };
            let mut new = NewClient::new(kind, written);
            new.phone = Some(format!(
                "(0{code}) {:03}-{:02}-{:02}",
                number / 10_000,
                number / 100 % 100,
                number % 100
            ));
            if self.rng.chance(1, 2) {
                new.email = Some(email.to_uppercase());
            }
            new.owner_id = Some(self.managers[other].id);
            let client = self.crm.add_client(new, at)?;
            self.planted.push(client.id);
            let every_days = self.rng.range(15, 35);
            let offset = days(self.rng.range(1, 20));
            let first = self.working_day_time(local_day(at) + offset);
            self.agenda.schedule(
                first,
                Step::Reorder {
                    client: client.id,
                    every_days,
                },
            );
        }
        Ok(())
    }

    /// At the end of the quarter: every likely duplicate pair (score at least 0.9) is merged into the
    /// card the ERP knows (the one with an external reference, else the older). Returns (pairs found, planted ones among them, clients merged, orders moved).
    fn merge_duplicates(&mut self, at: DateTime<Utc>) -> Result<(usize, usize, usize, usize)> {
        self.crm.set_actor("admin");
        let pairs = self.crm.duplicate_pairs(0.9)?;
        let planted = pairs
            .iter()
            .filter(|p| self.planted.contains(&p.a) || self.planted.contains(&p.b))
            .count();
        let mut gone = std::collections::BTreeSet::new();
        let (mut merged, mut orders) = (0, 0);
        for pair in &pairs {
            if gone.contains(&pair.a) || gone.contains(&pair.b) {
                continue;
            }
            let (a, b) = (self.crm.get_client(pair.a)?, self.crm.get_client(pair.b)?);
            let (keep, merge) = if b.external_ref.is_some() && a.external_ref.is_none() {
                (b.id, a.id)
            } else {
                (a.id, b.id)
            };
            let record = self.crm.merge_clients(keep, merge, at)?;
            orders += record.moved.orders.len();
            merged += 1;
            gone.insert(merge);
        }
        Ok((pairs.len(), planted, merged, orders))
    }

    /// Books each source's spend on its days: weekly sources every Monday, monthly ones on the 1st.
    fn plan_spend(&mut self, first_day: NaiveDate, last_day: NaiveDate) {
        for day in first_day.iter_days().take_while(|d| *d <= last_day) {
            for (source, plan) in SOURCES.iter().enumerate() {
                let (amount, note) = match plan.budget {
                    Budget::Weekly(base) if day.weekday() == Weekday::Mon || day == first_day => {
                        let minor = self
                            .rng
                            .range(base.minor() * 85 / 100, base.minor() * 115 / 100);
                        (Money::from_minor(minor), format!("week of {day}"))
                    }
                    Budget::Monthly(fee) if day.day() == 1 => {
                        (fee, day.format("%B %Y").to_string())
                    }
                    _ => continue,
                };
                let at = local(day, 8 * 60 + 30);
                self.agenda.schedule(
                    at,
                    Step::Spend {
                        source,
                        amount,
                        note,
                    },
                );
            }
        }
    }

    /// Puts the quarter's requests on the agenda: about 30 each working day, mostly in office hours.
    fn plan_requests(&mut self, first_day: NaiveDate, last_day: NaiveDate) -> Result<()> {
        let weights: Vec<u32> = SOURCES
            .iter()
            .map(|s| s.share)
            .chain([WALK_IN_SHARE])
            .collect();
        for day in first_day.iter_days().take_while(|d| *d <= last_day) {
            self.agenda
                .schedule(local(day, 23 * 60 + 30), Step::EndOfDay);
            if !is_working_day(day) {
                continue;
            }
            self.agenda.schedule(local(day, OPEN + 5), Step::Morning);
            self.plan_calls(day);
            if self.rng.chance(2, 3) {
                let minute = self.rng.range(8 * 60, 23 * 60);
                self.agenda.schedule(local(day, minute), Step::WebShopper);
            }
            for _ in 0..self.rng.range(24, 36) {
                let source = Some(self.rng.weighted(&weights)).filter(|&s| s < SOURCES.len());
                let request = self.request(source)?;
                // Forms and messengers keep coming in the evening; calls and visits need the office open.
                let minute = match request.lead.channel {
                    Channel::Web | Channel::Messenger | Channel::Email | Channel::Shop => {
                        self.rng.range(7 * 60, 23 * 60)
                    }
                    _ => self.rng.range(OPEN, CLOSE - 1),
                };
                let at = local(day, minute);
                self.plan_echoes(&request, at);
                self.agenda.schedule(at, Step::Request(Box::new(request)));
            }
        }
        Ok(())
    }

    /// Some requests come twice: a form delivered again by a retrying web site (the same reference), or a
    /// person who calls after sending a form (a duplicate the manager will junk).
    fn plan_echoes(&mut self, request: &Request, at: DateTime<Utc>) {
        if request.junk.is_some() {
            return;
        }
        if request.lead.external_ref.is_some() && self.rng.chance(1, 100) {
            let resent = Request {
                lead: request.lead.clone(),
                resent: true,
                ..*request
            };
            self.agenda
                .schedule(at + TimeDelta::seconds(40), Step::Request(Box::new(resent)));
        } else if request.lead.channel == Channel::Web && self.rng.chance(3, 100) {
            let mut lead = request.lead.clone();
            lead.channel = Channel::Phone;
            lead.external_ref = Some(self.next_ref("CALL"));
            lead.phone = lead.phone.or_else(|| Some(self.phone()));
            let call = Request {
                lead,
                junk: Some(JunkKind::Duplicate),
                resent: false,
                ..*request
            };
            let delay = minutes(self.rng.range(30, 180));
            let later = self.office_time(at + delay);
            self.agenda.schedule(later, Step::Request(Box::new(call)));
        }
    }

    fn run(&mut self) -> Result<()> {
        while let Some((at, step)) = self.agenda.pop() {
            match step {
                Step::Spend {
                    source,
                    amount,
                    note,
                } => self.book_spend(source, amount, &note, at)?,
                Step::Request(request) => self.capture(*request, at)?,
                Step::FirstResponse(case) => self.first_response(case, at)?,
                Step::Review { case, round } => self.review(case, round, at)?,
                Step::Decide(case) => self.decide(case, at)?,
                Step::Deal(deal) => self.advance_deal(deal, at)?,
                Step::Reorder { client, every_days } => self.reorder(client, every_days, at)?,
                Step::Unwind { order, status } => {
                    self.crm.set_actor("1C exchange");
                    self.crm.set_order_status(order, status, at)?;
                }
                Step::EndOfDay => {
                    self.crm.set_actor("cron");
                    let run = self.crm.run_due(at)?;
                    if !run.assigned.is_empty() {
                        return Err("a queued lead: the catch-all rule always finds someone".into());
                    }
                    self.due.add(&run);
                }
                Step::KeepPromise { promise, manager } => {
                    self.keep_promise(promise, manager, at)?
                }
                Step::Complain { client, order } => self.complain(client, order, at)?,
                Step::WorkComplaint { complaint, round } => {
                    self.work_complaint(complaint, round, at)?;
                }
                Step::Morning => self.morning(at)?,
                Step::Ring { line, caller } => self.ring(line, caller, at)?,
                Step::CallBack {
                    line,
                    number,
                    manager,
                    lead,
                } => self.call_back(line, &number, manager, lead, at)?,
                Step::WebShopper => self.web_shopper(at)?,
            }
        }
        Ok(())
    }

    fn book_spend(
        &mut self,
        source: usize,
        amount: Money,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.crm.set_actor("marketing");
        let spend = NewSpend {
            source_id: self.sources[source].id,
            on: local_day(at),
            amount,
            note: Some(note.into()),
        };
        self.crm.add_spend(spend, at)?;
        Ok(())
    }

    // --- leads ------------------------------------------------------------------------------------------

    /// Captures a request the moment it arrives and hands it to its manager.
    fn capture(&mut self, request: Request, at: DateTime<Utc>) -> Result<()> {
        self.crm.set_actor(intake(request.lead.channel));
        let capture = self.crm.capture_lead(request.lead, at)?;
        if request.resent {
            // The store recognised the reference and returned the lead it already had.
            if !capture.warnings.iter().any(|w| w.field == "external_ref") {
                return Err(
                    format!("a resent form became a second lead ({})", capture.lead.id).into(),
                );
            }
            return Ok(());
        }
        let lead = &capture.lead;
        // The store chose the manager (a rule, or the client's own manager).
        let manager = self
            .managers
            .iter()
            .position(|m| Some(m.id) == lead.owner_id)
            .ok_or_else(|| {
                format!(
                    "lead {} was queued: the catch-all rule always finds someone",
                    lead.id
                )
            })?;
        let reach = if lead.phone_quality == Some(Quality::Valid) {
            ActivityKind::Call
        } else if lead.email_quality == Some(Quality::Valid) {
            ActivityKind::Email
        } else if lead.messenger.is_some() {
            ActivityKind::Message
        } else {
            ActivityKind::Call
        };
        let case = Case {
            lead: lead.id,
            source: request.source,
            manager,
            need: request.need,
            junk: request.junk,
            reach,
        };
        let delay = minutes(self.rng.range(3, 150));
        let answer_at = self.office_time(at + delay);
        self.agenda.schedule(answer_at, Step::FirstResponse(case));
        Ok(())
    }

    /// The manager's first look: junk is marked as such, a real request is answered.
    fn first_response(&mut self, case: Case, at: DateTime<Utc>) -> Result<()> {
        self.act_as(case.manager);
        if let Some(kind) = case.junk {
            let note = match kind {
                JunkKind::Duplicate => "the same person's web form is being worked already",
                JunkKind::Spam => "advertising sent through the form",
                JunkKind::Test => "our own test of the form",
            };
            self.crm.junk_lead(case.lead, kind, Some(note), at)?;
            return Ok(());
        }
        // The first outbound contact is the first response: the store records when and by whom.
        self.contact(
            case,
            case.reach,
            "introduced ourselves, asked about the need",
            at,
        )?;
        let next = self.working_days_later(at, 1, 3);
        self.agenda.schedule(next, Step::Review { case, round: 1 });
        Ok(())
    }

    fn review(&mut self, case: Case, round: u8, at: DateTime<Utc>) -> Result<()> {
        self.act_as(case.manager);
        let quality = case.source.map_or(WALK_IN_QUALITY, |s| SOURCES[s].quality);
        let roll = self.rng.below(100);
        if roll < quality {
            self.contact(case, ActivityKind::Meeting, "need and budget confirmed", at)?;
            self.crm.qualify_lead(case.lead, at)?;
            let next = self.working_days_later(at, 2, 6);
            self.agenda.schedule(next, Step::Decide(case));
        } else if roll < quality + 40 {
            let reason = self.lost_reason(&LEAD_LOSSES)?;
            let note = (reason == "no_answer").then_some("no answer to repeated calls");
            self.crm.lose_lead(case.lead, &reason, note, at)?;
        } else if round < 2 {
            self.contact(case, case.reach, "still deciding, call back next week", at)?;
            let next = self.working_days_later(at, 3, 7);
            let round = round + 1;
            self.agenda.schedule(next, Step::Review { case, round });
        }
        // After two rounds without a decision the lead stays in progress: the kind of forgotten lead
        // that retention rules are there to bring back.
        Ok(())
    }

    /// A qualified lead: most become a client and a deal, the rest are lost on price or to a competitor.
    fn decide(&mut self, case: Case, at: DateTime<Utc>) -> Result<()> {
        self.act_as(case.manager);
        if !self.rng.chance(60, 100) {
            let reason = self.lost_reason(&DEAL_LOSSES)?;
            self.crm.lose_lead(case.lead, &reason, None, at)?;
            return Ok(());
        }
        let basket = self.basket(NEEDS[case.need].1, 1, 3, 2, 25);
        let options = ConvertLead {
            amount: Some(total(&basket)?),
            ..ConvertLead::default()
        };
        let conversion = self.crm.convert_lead(case.lead, options, at)?;
        let deal = DealCase {
            id: conversion.deal_id,
            client: conversion.client_id,
            manager: case.manager,
            stage: 0,
            basket,
        };
        let next = self.working_days_later(at, 1, 4);
        self.agenda.schedule(next, Step::Deal(Box::new(deal)));
        Ok(())
    }

    /// Logs an outbound contact by the lead's manager.
    fn contact(
        &mut self,
        case: Case,
        kind: ActivityKind,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut activity = NewActivity::new(kind, Some(Direction::Out));
        activity.lead_id = Some(case.lead);
        activity.manager_id = Some(self.managers[case.manager].id);
        activity.outcome = Some(outcome.into());
        if matches!(kind, ActivityKind::Call | ActivityKind::Meeting) {
            let seconds = self.rng.range(60, 1_800);
            activity.duration_seconds = u32::try_from(seconds).ok();
        }
        self.crm.log_activity(activity, at)?;
        Ok(())
    }

    // --- deals and orders -------------------------------------------------------------------------------

    /// One step of a deal: lost at this stage, on to the next one, or won after the last.
    fn advance_deal(&mut self, mut deal: Box<DealCase>, at: DateTime<Utc>) -> Result<()> {
        self.act_as(deal.manager);
        let loss = DEAL_LOSS_BY_STAGE.get(deal.stage).copied().unwrap_or(10);
        if self.rng.chance(loss, 100) {
            let reason = self.lost_reason(&DEAL_LOSSES)?;
            self.crm.lose_deal(deal.id, &reason, None, at)?;
            return Ok(());
        }
        let Some(next) = self.stages.get(deal.stage + 1).map(|s| s.code.clone()) else {
            self.crm.win_deal(deal.id, at)?;
            return self.first_order(&deal, at);
        };
        self.crm.move_deal(deal.id, &next, at)?;
        self.send_document(&deal, &next, at)?;
        deal.stage += 1;
        let later = self.working_days_later(at, 2, 6);
        self.agenda.schedule(later, Step::Deal(deal));
        Ok(())
    }

    /// The document a deal gets on entering a stage: an offer, then a contract. Other stages are talk.
    fn send_document(&mut self, deal: &DealCase, stage: &str, at: DateTime<Utc>) -> Result<()> {
        let document = match stage {
            "proposal" => format!("offer KP-2026-{}", deal.id),
            "contract" => format!("contract D-2026-{}", deal.id),
            _ => return Ok(()),
        };
        let mut activity = NewActivity::new(ActivityKind::Document, Some(Direction::Out));
        activity.deal_id = Some(deal.id);
        activity.manager_id = Some(self.managers[deal.manager].id);
        activity.document_ref = Some(document.clone());
        let sent = self.crm.log_activity(activity, at)?;
        if stage != "proposal" {
            return Ok(());
        }
        // With the offer goes a promise: a call back in two working days to talk it through. Most are
        // kept the next working day; some are forgotten, and `run_due` marks them broken.
        let due = self.working_days_later(at, 2, 2);
        let promise = NewPromise {
            client_id: deal.client,
            manager_id: Some(self.managers[deal.manager].id),
            what: format!("call back about {document}"),
            due_at: due,
            activity_id: Some(sent.id),
        };
        let promise = self.crm.promise(promise, at)?;
        if self.rng.chance(85, 100) {
            let when = self.working_days_later(at, 1, 1);
            let step = Step::KeepPromise {
                promise: promise.id,
                manager: deal.manager,
            };
            self.agenda.schedule(when, step);
        }
        Ok(())
    }

    /// A won deal's order comes through the ERP; from then on the client reorders in its own rhythm.
    fn first_order(&mut self, deal: &DealCase, at: DateTime<Utc>) -> Result<()> {
        self.crm.set_actor("1C exchange");
        let order = NewOrder {
            client_id: deal.client,
            total: total(&deal.basket)?,
            lines: deal.basket.clone(),
            deal_id: Some(deal.id),
            external_ref: Some(self.next_ref("1C")),
            ..NewOrder::default()
        };
        self.crm.record_order(order, at)?;
        let every_days = self.rng.range(7, 28);
        let next = self.working_day_time(local_day(at) + days(every_days));
        let step = Step::Reorder {
            client: deal.client,
            every_days,
        };
        self.agenda.schedule(next, step);
        Ok(())
    }

    /// A repeat purchase, through the web shop or the ERP; a few are cancelled or returned later, a few
    /// bring a complaint, and now and then a client simply stops ordering (the dormancy ladder and the
    /// reactivation rule notice).
    fn reorder(&mut self, client: ClientId, every_days: i64, at: DateTime<Utc>) -> Result<()> {
        if self.rng.chance(4, 100) {
            self.silent.insert(client, every_days);
            return Ok(());
        }
        let lines = self.basket("supplies", 1, 3, 1, 20);
        let (actor, prefix) = if self.rng.chance(1, 2) {
            ("web shop", "WEB")
        } else {
            ("1C exchange", "1C")
        };
        self.crm.set_actor(actor);
        let card = self.crm.get_client(client)?;
        // A buyer the shop could not reach (no phone, no e-mail on the card) orders through the office.
        let reachable = card.phone.is_some() || card.email.is_some();
        let order = if prefix == "WEB" && reachable {
            // The shop knows the buyer by the details typed at checkout, not by a client id: its port
            // matches them to the client.
            let customer = WebCustomer {
                name: card.name,
                phone: card.phone,
                email: card.email,
                company: None,
            };
            self.web_order(customer, lines, at)?.order
        } else {
            let order = NewOrder {
                client_id: client,
                total: total(&lines)?,
                lines,
                external_ref: Some(self.next_ref(prefix)),
                ..NewOrder::default()
            };
            self.crm.record_order(order, at)?
        };
        let client = order.client_id;
        if self.rng.chance(3, 100) {
            let when = self.working_days_later(at, 1, 3);
            let step = Step::Complain {
                client,
                order: order.id,
            };
            self.agenda.schedule(when, step);
        }
        if self.rng.chance(2, 100) {
            let when = at + TimeDelta::hours(self.rng.range(1, 30));
            self.agenda.schedule(
                when,
                Step::Unwind {
                    order: order.id,
                    status: OrderStatus::Cancelled,
                },
            );
        } else if self.rng.chance(1, 100) {
            let when = self.working_days_later(at, 3, 10);
            self.agenda.schedule(
                when,
                Step::Unwind {
                    order: order.id,
                    status: OrderStatus::Returned,
                },
            );
        }
        let jitter = every_days / 3;
        let gap = every_days + self.rng.range(-jitter, jitter);
        let next = self.working_day_time(local_day(at) + days(gap.max(1)));
        self.agenda
            .schedule(next, Step::Reorder { client, every_days });
        Ok(())
    }

    // --- the ports: the web shop and the phone lines --------------------------------------------------

    /// An order as the web shop's back end sends it to `record_web_order`: its own order number, the
    /// buyer's details, the lines and the UTM tags of the visit. Now and then the shop's webhook fires
    /// twice; the port records the order once.
    fn web_order(
        &mut self,
        customer: WebCustomer,
        lines: Vec<OrderLine>,
        at: DateTime<Utc>,
    ) -> Result<WebOrderResult> {
        let utm = match self.rng.below(4) {
            0 => Some(Utm {
                source: "google".into(),
                medium: Some("cpc".into()),
                campaign: Some("autumn".into()),
            }),
            1 => Some(Utm {
                source: "newsletter".into(),
                medium: Some("email".into()),
                campaign: Some("regulars".into()),
            }),
            _ => None,
        };
        let order = WebOrder {
            shop: Some("komfort-office.ua".into()),
            id: self.next_ref("WEB"),
            placed_at: Some(at),
            customer,
            total: total(&lines)?,
            lines: lines
                .into_iter()
                .map(|l| WebOrderLine {
                    sku: l.sku,
                    name: None,
                    quantity: l.quantity,
                    price: l.unit_price,
                })
                .collect(),
            shipping: None,
            currency: None,
            status: None,
            utm,
            note: None,
        };
        self.crm.set_actor("web shop");
        let result = self.crm.record_web_order(order.clone(), at)?;
        self.web.orders += 1;
        self.web.new_clients += u32::from(result.client_created);
        self.web.leads += u32::from(result.lead_id.is_some());
        if self.rng.chance(1, 25) {
            let again = self
                .crm
                .record_web_order(order, at + TimeDelta::seconds(30))?;
            if !again.duplicate || again.order.id != result.order.id {
                return Err("a web order delivered twice was recorded twice".into());
            }
            self.web.resent += 1;
        }
        Ok(result)
    }

    /// A first-time buyer in the web shop: the port makes the client and a converted lead of the
    /// order, so the funnel and the source report count the sale; some come back for more.
    fn web_shopper(&mut self, at: DateTime<Utc>) -> Result<()> {
        let (f, l) = (self.rng.below(16) as usize, self.rng.below(14) as usize);
        self.last_ref += 1;
        let customer = WebCustomer {
            name: format!("{} {}", FIRST_NAMES[f], LAST_NAMES[l]),
            phone: Some(self.phone()),
            email: Some(format!("shopper{}@mail.example", self.last_ref)),
            company: None,
        };
        let lines = self.basket("supplies", 1, 3, 1, 6);
        let result = self.web_order(customer, lines, at)?;
        if self.rng.chance(1, 2) {
            let every_days = self.rng.range(14, 40);
            let next = self.working_day_time(local_day(at) + days(every_days));
            self.agenda.schedule(
                next,
                Step::Reorder {
                    client: result.client_id,
                    every_days,
                },
            );
        }
        Ok(())
    }

    /// The office's phones: an extension per manager, and two lines — sales (the number in the Google
    /// ads, a missed call called back within 30 working minutes) and service (within 2 hours).
    fn set_up_phones(&mut self) -> Result<()> {
        let at = self.agenda.now();
        self.crm.set_actor("admin");
        for (i, manager) in self.managers.iter().enumerate() {
            self.crm
                .set_phone_extension(manager.id, &format!("10{}", i + 1), at)?;
        }
        for (line, source, within) in [
            ("sales", Some(self.sources[0].id), "30m"),
            ("service", None, "2h"),
        ] {
            let new = NewPhoneLine {
                line: line.into(),
                source_id: source,
                callback_within: Some(within.into()),
            };
            self.crm.set_phone_line(new, at)?;
        }
        Ok(())
    }

    /// A working day's calls: clients of the base calling about orders, and people the store has never
    /// heard of; mostly in office hours, a few before opening.
    fn plan_calls(&mut self, day: NaiveDate) {
        for _ in 0..self.rng.range(6, 14) {
            let line = usize::from(self.rng.chance(1, 3));
            let caller = if !self.base.is_empty() && self.rng.chance(3, 5) {
                Caller::Client(*self.rng.pick(&self.base))
            } else {
                Caller::Stranger(self.phone())
            };
            let minute = if self.rng.chance(1, 12) {
                self.rng.range(OPEN - 60, OPEN)
            } else {
                self.rng.range(OPEN, CLOSE)
            };
            let at = local(day, minute) + TimeDelta::seconds(self.rng.range(0, 59));
            self.agenda.schedule(at, Step::Ring { line, caller });
        }
    }

    /// One inbound call, event by event as the PBX bridge reports them: started, then answered and
    /// finished (an activity on the client), or missed — a line already busy, or the office closed —
    /// which the port turns into a lead or a call-back task with a deadline.
    fn ring(&mut self, line: usize, caller: Caller, at: DateTime<Utc>) -> Result<()> {
        let (number, owner) = match caller {
            Caller::Client(id) => {
                let card = self.crm.get_client(id)?;
                let owner = card
                    .owner_id
                    .and_then(|o| self.managers.iter().position(|m| m.id == o));
                match card.phone {
                    Some(phone) => (phone, owner),
                    None => return Ok(()),
                }
            }
            Caller::Stranger(number) => (number, None),
        };
        let call_id = self.next_ref("PBX");
        let line_name = ["sales", "service"][line];
        let event = |kind: CallEventKind, when: DateTime<Utc>| CallEvent {
            call_id: call_id.clone(),
            event: kind,
            at: when,
            direction: Direction::In,
            caller: number.clone(),
            line: Some(line_name.into()),
            extension: None,
            duration_seconds: None,
            recording: None,
        };
        self.crm.set_actor("pbx");
        self.crm.record_call(event(CallEventKind::Started, at))?;
        let open = is_working_day(local_day(at)) && (OPEN..CLOSE).contains(&local_minute(at));
        let busy = self.line_busy[line] > at;
        if open && !busy && !self.rng.chance(1, 12) {
            let manager = owner.unwrap_or_else(|| self.pick_manager());
            let answered = at + TimeDelta::seconds(self.rng.range(5, 40));
            let seconds = self.rng.range(40, 600);
            let ended = answered + TimeDelta::seconds(seconds);
            let mut answer = event(CallEventKind::Answered, answered);
            answer.extension = Some(format!("10{}", manager + 1));
            self.crm.record_call(answer)?;
            let mut finish = event(CallEventKind::Finished, ended);
            finish.extension = Some(format!("10{}", manager + 1));
            finish.duration_seconds = Some(seconds);
            finish.recording = Some(format!("rec/{call_id}.mp3"));
            self.crm.record_call(finish.clone())?;
            if self.rng.chance(1, 20) {
                self.crm.record_call(finish)?; // the bridge retries: nothing happens twice
            }
            self.line_busy[line] = ended;
            return Ok(());
        }
        let missed = self
            .crm
            .record_call(event(CallEventKind::Missed, at + TimeDelta::seconds(45)))?;
        if missed.linked_to.is_some() {
            return Ok(()); // the same number already waits for a call-back
        }
        let manager = owner.unwrap_or_else(|| self.pick_manager());
        // Most missed calls are returned within half an hour of the office being open; some wait.
        let delay = if self.rng.chance(3, 4) {
            minutes(self.rng.range(3, 25))
        } else {
            minutes(self.rng.range(40, 240))
        };
        let when = self.office_time(at) + delay;
        let when = self.office_time(when);
        let step = Step::CallBack {
            line,
            number,
            manager,
            lead: missed.lead_id,
        };
        self.agenda.schedule(when, step);
        Ok(())
    }

    /// A manager returns a missed call: an outbound call the port counts as the call-back (closing the
    /// call-back task). A stranger's lead is then worked like any other: here, mostly lost with a
    /// reason, since most such calls are questions rather than orders.
    fn call_back(
        &mut self,
        line: usize,
        number: &str,
        manager: usize,
        lead: Option<LeadId>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let call_id = self.next_ref("PBX");
        let answered = self.rng.chance(4, 5);
        let seconds = self.rng.range(30, 300);
        self.act_as(manager);
        let mut events = vec![(CallEventKind::Started, at)];
        if answered {
            events.push((CallEventKind::Answered, at + TimeDelta::seconds(10)));
            events.push((
                CallEventKind::Finished,
                at + TimeDelta::seconds(10 + seconds),
            ));
        } else {
            events.push((CallEventKind::Missed, at + TimeDelta::seconds(30)));
        }
        for (kind, when) in events {
            self.crm.record_call(CallEvent {
                call_id: call_id.clone(),
                event: kind,
                at: when,
                direction: Direction::Out,
                caller: number.into(),
                line: Some(["sales", "service"][line].into()),
                extension: Some(format!("10{}", manager + 1)),
                duration_seconds: (kind == CallEventKind::Finished).then_some(seconds),
                recording: None,
            })?;
        }
        if let Some(lead) = lead {
            let current = self.crm.get_lead(lead)?;
            if answered && matches!(current.status, LeadStatus::New | LeadStatus::InProgress) {
                let later = at + TimeDelta::seconds(20 + seconds);
                let reason = self.lost_reason(&LEAD_LOSSES)?;
                if current.status == LeadStatus::New {
                    self.crm.start_lead(lead, later)?;
                }
                self.crm.lose_lead(
                    lead,
                    &reason,
                    Some("a question on the phone, not an order"),
                    later,
                )?;
            }
        }
        Ok(())
    }

    /// Order lines from one category (now and then something from supplies too), each a different SKU.
    fn basket(
        &mut self,
        category: &str,
        min_lines: i64,
        max_lines: i64,
        min_qty: i64,
        max_qty: i64,
    ) -> Vec<OrderLine> {
        let wanted = self.rng.range(min_lines, max_lines);
        let mut lines: Vec<OrderLine> = Vec::new();
        for n in 0..wanted {
            let category = if n > 0 && self.rng.chance(1, 4) {
                "supplies"
            } else {
                category
            };
            let choices: Vec<&Product> = PRODUCTS
                .iter()
                .filter(|p| p.category == category && !lines.iter().any(|l| l.sku == p.sku))
                .collect();
            if choices.is_empty() {
                continue;
            }
            let product = *self.rng.pick(&choices);
            let quantity = self.rng.range(min_qty, max_qty);
            lines.push(OrderLine::new(product.sku, quantity, product.price));
        }
        lines
    }

    // --- after the sale: promises, complaints, the agenda ---------------------------------------------

    /// The call back promised with an offer, made the day before it is due (if still open).
    fn keep_promise(&mut self, id: PromiseId, manager: usize, at: DateTime<Utc>) -> Result<()> {
        if self.crm.get_promise(id)?.status == PromiseStatus::Open {
            self.act_as(manager);
            self.crm
                .keep_promise(id, Some("called, talked the offer through"), at)?;
        }
        Ok(())
    }

    /// A complaint about an order, by phone or e-mail; its owner is the client's manager.
    fn complain(&mut self, client: ClientId, order: OrderId, at: DateTime<Utc>) -> Result<()> {
        const SUBJECTS: [(&str, ComplaintPriority); 5] = [
            ("late delivery", ComplaintPriority::High),
            ("damaged goods", ComplaintPriority::High),
            ("wrong item delivered", ComplaintPriority::Normal),
            (
                "invoice does not match the order",
                ComplaintPriority::Normal,
            ),
            ("rude courier", ComplaintPriority::Low),
        ];
        let (subject, priority) = *self.rng.pick(&SUBJECTS);
        self.crm.set_actor("office");
        let new = NewComplaint {
            client_id: client,
            order_id: Some(order),
            subject: subject.into(),
            body: None,
            priority: Some(priority),
            owner_id: None,
        };
        let complaint = self.crm.open_complaint(new, at)?;
        // Usually taken within the hour or two; sometimes left till the next day (a breach).
        let delay = if self.rng.chance(85, 100) {
            minutes(self.rng.range(10, 120))
        } else {
            TimeDelta::hours(self.rng.range(6, 30))
        };
        let when = self.office_time(at + delay);
        self.agenda.schedule(
            when,
            Step::WorkComplaint {
                complaint: complaint.id,
                round: 0,
            },
        );
        Ok(())
    }

    fn work_complaint(&mut self, id: ComplaintId, round: u8, at: DateTime<Utc>) -> Result<()> {
        let complaint = self.crm.get_complaint(id)?;
        let manager = self
            .managers
            .iter()
            .position(|m| Some(m.id) == complaint.owner_id)
            .unwrap_or(0);
        self.act_as(manager);
        let next = match round {
            0 => {
                if self.rng.chance(30, 100) {
                    // Photos of the damage, the delivery note: the clock stops meanwhile.
                    self.crm.wait_for_client(id, at)?;
                    Some((self.working_days_later(at, 1, 3), 1))
                } else {
                    self.crm.take_complaint(id, at)?;
                    Some((self.working_days_later(at, 0, 2), 2))
                }
            }
            1 => {
                self.crm.resume_complaint(id, at)?;
                let later = at + TimeDelta::hours(self.rng.range(1, 20));
                Some((self.office_time(later), 2))
            }
            2 => {
                if self.rng.chance(8, 100) {
                    self.crm.reject_complaint(
                        id,
                        "the delivery note shows the goods intact",
                        at,
                    )?;
                    None
                } else {
                    let resolution = match complaint.subject.as_str() {
                        "late delivery" => "apologised, 5 % off the next order",
                        "damaged goods" | "wrong item delivered" => "replaced the goods",
                        "invoice does not match the order" => "corrected invoice sent",
                        _ => "apologised; the courier service was told",
                    };
                    self.crm.resolve_complaint(id, resolution, at)?;
                    Some((self.working_days_later(at, 2, 4), 3))
                }
            }
            _ => {
                self.crm.close_complaint(id, at)?;
                None
            }
        };
        if let Some((when, round)) = next {
            self.agenda.schedule(
                when,
                Step::WorkComplaint {
                    complaint: id,
                    round,
                },
            );
        }
        Ok(())
    }

    /// Each manager at work opens the agenda and works through what is overdue and due today (most of
    /// it: some slips to tomorrow). A reactivation call brings a silent client back now and then.
    fn morning(&mut self, at: DateTime<Utc>) -> Result<()> {
        let ((y1, m1, d1), (y2, m2, d2)) = VACATION;
        let today = local_day(at);
        for manager in 0..self.managers.len() {
            if manager == 1 && (date(y1, m1, d1)?..=date(y2, m2, d2)?).contains(&today) {
                continue;
            }
            let agenda = self.crm.agenda(self.managers[manager].id, at)?;
            let mut when = at;
            for task in agenda.overdue.iter().chain(&agenda.today) {
                if !self.rng.chance(80, 100) {
                    continue;
                }
                when += minutes(self.rng.range(5, 25));
                self.work_task(task, manager, when)?;
            }
        }
        Ok(())
    }

    fn work_task(&mut self, task: &Task, manager: usize, at: DateTime<Utc>) -> Result<()> {
        self.act_as(manager);
        let outcome = match task.kind.as_str() {
            "promise" => {
                if let Some(id) = task.promise_id
                    && self.crm.get_promise(id)?.status == PromiseStatus::Open
                {
                    self.crm
                        .keep_promise(id, Some("done from the agenda"), at)?;
                }
                "done as promised"
            }
            "reactivate" => {
                let back = task
                    .client_id
                    .filter(|c| self.silent.contains_key(c))
                    .filter(|_| self.rng.chance(40, 100));
                if let Some(client) = back {
                    let every_days = self.silent.remove(&client).unwrap_or(14);
                    let first = self.working_days_later(at, 1, 6);
                    self.agenda
                        .schedule(first, Step::Reorder { client, every_days });
                    "will order again"
                } else {
                    "no need at the moment"
                }
            }
            "thank_you" => "thanked, offered the usual companion product",
            "complaint_follow_up" => "client satisfied with the resolution",
            "congratulate" => "congratulated",
            _ => "done",
        };
        if self.crm.get_task(task.id)?.status == crm_core::TaskStatus::Open {
            let done = CompleteTask {
                outcome: outcome.into(),
                ..CompleteTask::default()
            };
            self.crm.complete_task(task.id, done, at)?;
        }
        Ok(())
    }

    // --- made-up people ---------------------------------------------------------------------------------

    /// A request from a source (or a walk-in); the store's rules will give it to a manager.
    fn request(&mut self, source: Option<usize>) -> Result<Request> {
        let channel = match source {
            Some(s) => {
                let arrives_by = SOURCES[s].arrives_by;
                let weights: Vec<u32> = arrives_by.iter().map(|(_, w)| *w).collect();
                arrives_by[self.rng.weighted(&weights)].0
            }
            None => Channel::WalkIn,
        };
        let need = usize::try_from(self.rng.below(NEEDS.len() as u64))?;
        let junk = match channel {
            Channel::Web if self.rng.chance(5, 100) => Some(JunkKind::Spam),
            Channel::Web if self.rng.chance(1, 200) => Some(JunkKind::Test),
            _ => None,
        };
        let mut lead = match junk {
            Some(JunkKind::Spam) => spam(channel),
            Some(_) => self_test(channel),
            None => self.person(channel, need),
        };
        lead.source_id = source.map(|s| self.sources[s].id);
        lead.external_ref = match channel {
            Channel::Web => Some(self.next_ref("FORM")),
            Channel::Shop => Some(self.next_ref("PROM")),
            Channel::Phone => Some(self.next_ref("CALL")),
            _ => None,
        };
        Ok(Request {
            lead,
            source,
            need,
            junk,
            resent: false,
        })
    }

    /// A real person with a real need, reachable the way the channel suggests.
    fn person(&mut self, channel: Channel, need: usize) -> NewLead {
        let mut lead = NewLead::new(channel);
        let name = self.person_name();
        // Namesakes are common (the name tables are short); their mailboxes are not.
        let mailbox = email_of(&name, self.rng.range(1, 9_999));
        let wants_phone = match channel {
            Channel::Email => 30,
            Channel::Messenger => 40,
            Channel::Web => 80,
            _ => 100,
        };
        let wants_email = match channel {
            Channel::Email => 100,
            Channel::Web | Channel::Shop => 70,
            _ => 30,
        };
        if self.rng.chance(wants_phone, 100) {
            lead.phone = Some(self.phone());
        }
        if self.rng.chance(wants_email, 100)
            || lead.phone.is_none() && channel != Channel::Messenger
        {
            lead.email = Some(mailbox.clone());
        }
        if channel == Channel::Messenger {
            lead.messenger = Some(format!("@{}", name.replace(' ', "_").to_lowercase()));
        }
        // A typo in a phone never loses the request: it is stored flagged invalid, and the manager
        // writes back by e-mail instead.
        if lead.phone.is_some() && self.rng.chance(15, 1000) {
            lead.phone = Some(self.malformed_phone());
            lead.email.get_or_insert(mailbox);
        }
        if self.rng.chance(60, 100) {
            lead.company = Some(self.company_name());
        }
        if self.rng.chance(1, 2) {
            lead.estimated_value = Some(Money::from_minor(self.rng.range(5, 200) * 100_000));
        }
        lead.name = Some(name);
        lead.need = Some(NEEDS[need].0.into());
        lead.interest = Some(NEEDS[need].1.into());
        lead.region = Some((*self.rng.pick(&REGIONS)).into());
        lead.language = Some("uk".into());
        lead
    }

    fn person_name(&mut self) -> String {
        format!(
            "{} {}",
            self.rng.pick(&FIRST_NAMES),
            self.rng.pick(&LAST_NAMES)
        )
    }

    fn company_name(&mut self) -> String {
        format!(
            "{} {}",
            self.rng.pick(&COMPANY_NAMES),
            self.rng.pick(&COMPANY_KINDS)
        )
    }

    /// A Ukrainian mobile number, written the way people write them.
    fn phone(&mut self) -> String {
        let (code, number) = self.phone_number();
        self.phone_as(code, number)
    }

    /// A Ukrainian mobile number: the operator's code and the subscriber's seven digits.
    fn phone_number(&mut self) -> (u32, i64) {
        (*self.rng.pick(&MOBILE_CODES), self.rng.range(0, 9_999_999))
    }

    /// The number written in one of the ways people write them.
    fn phone_as(&mut self, code: u32, number: i64) -> String {
        match self.rng.below(3) {
            0 => format!(
                "+380 {code} {:03} {:02} {:02}",
                number / 10_000,
                number / 100 % 100,
                number % 100
            ),
            1 => format!("0{code}-{:03}-{:04}", number / 10_000, number % 10_000),
            _ => format!("+380{code}{number:07}"),
        }
    }

    /// The typos that reach a CRM: most of the digits missing, or a Cyrillic letter О for a zero.
    fn malformed_phone(&mut self) -> String {
        let code = *self.rng.pick(&MOBILE_CODES);
        if self.rng.chance(1, 2) {
            format!("0{code} {}", self.rng.range(10, 99))
        } else {
            format!(
                "О{code} {} {}",
                self.rng.range(100, 999),
                self.rng.range(1000, 9999)
            )
        }
    }

    // --- helpers ----------------------------------------------------------------------------------------

    /// A manager by their share of the work (for the ERP's own clients; requests are routed by the store).
    fn pick_manager(&mut self) -> usize {
        let weights: Vec<u32> = MANAGERS.iter().map(|(_, _, w)| *w).collect();
        self.rng.weighted(&weights)
    }

    /// Names the manager as the author of the following commands in the event log.
    fn act_as(&self, manager: usize) {
        self.crm.set_actor(self.managers[manager].name.as_str());
    }

    /// A reason code from the store's catalogue, as common as `weights` says.
    fn lost_reason(&mut self, weights: &[(&str, u32)]) -> Result<String> {
        let odds: Vec<u32> = self
            .lost_reasons
            .iter()
            .map(|r| {
                weights
                    .iter()
                    .find(|(code, _)| *code == r.code)
                    .map_or(1, |(_, w)| *w)
            })
            .collect();
        let i = self.rng.weighted(&odds);
        let reason = self
            .lost_reasons
            .get(i)
            .ok_or("the lost-reason catalogue is empty")?;
        Ok(reason.code.clone())
    }

    fn next_ref(&mut self, prefix: &str) -> String {
        self.last_ref += 1;
        format!("{prefix}-{}", self.last_ref)
    }

    /// The first office moment at or after `t`. Work left overnight is picked up during the first hour
    /// and a half of the morning, not all at 09:00 sharp.
    fn office_time(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        let day = local_day(t);
        let minute = local_minute(t);
        if is_working_day(day) && (OPEN..CLOSE).contains(&minute) {
            return t;
        }
        let day = if is_working_day(day) && minute < OPEN {
            day
        } else {
            next_working_day(day)
        };
        local(day, OPEN + self.rng.range(0, 90))
    }

    /// Some time during office hours, `lo` to `hi` working days after `t`.
    fn working_days_later(&mut self, t: DateTime<Utc>, lo: i64, hi: i64) -> DateTime<Utc> {
        let mut day = local_day(t);
        for _ in 0..self.rng.range(lo, hi) {
            day = next_working_day(day);
        }
        local(day, self.rng.range(OPEN, CLOSE - 30))
    }

    /// Some time during office hours on `day`, or on the next working day if `day` is a weekend.
    fn working_day_time(&mut self, day: NaiveDate) -> DateTime<Utc> {
        let day = if is_working_day(day) {
            day
        } else {
            next_working_day(day)
        };
        local(day, self.rng.range(OPEN, CLOSE - 1))
    }
}

/// Who captures a request in the event log: the system it came through, or the office for a visit.
/// A client's name as the generator chose it: indexes into the name tables.
#[derive(Clone, Copy)]
enum Name {
    Company(usize, usize),
    Person(usize, usize),
}

impl Name {
    fn latin(self) -> String {
        match self {
            Name::Company(n, k) => format!("{} {}", COMPANY_NAMES[n], COMPANY_KINDS[k]),
            Name::Person(f, l) => format!("{} {}", FIRST_NAMES[f], LAST_NAMES[l]),
        }
    }
}

/// A word with two neighbouring letters swapped after the first two: the commonest typo.
fn typo(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() > 3 {
        chars.swap(2, 3);
    }
    chars.into_iter().collect()
}

fn new_email(i: usize) -> String {
    format!("buyer{i}@clients.example")
}

fn intake(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "web site",
        Channel::Shop => "prom.ua",
        Channel::Phone => "telephony",
        Channel::Email => "mail robot",
        Channel::Messenger => "messenger bot",
        _ => "front desk",
    }
}

fn spam(channel: Channel) -> NewLead {
    let mut lead = NewLead::new(channel);
    lead.name = Some("SEO promotion".into());
    lead.email = Some("offer@top-seo.example".into());
    lead.need = Some("We will bring your site to the top of Google in 7 days!".into());
    lead
}

fn self_test(channel: Channel) -> NewLead {
    let mut lead = NewLead::new(channel);
    lead.name = Some("Test".into());
    lead.email = Some("it@komfort-office.ua".into());
    lead.need = Some("test of the form, please ignore".into());
    lead
}

fn email_of(name: &str, number: i64) -> String {
    format!(
        "{}{number}@mail.example",
        name.replace(' ', ".").to_lowercase()
    )
}

/// The sum of the lines; checked, because money never wraps around.
fn total(lines: &[OrderLine]) -> Result<Money> {
    let amounts = lines
        .iter()
        .map(|l| l.unit_price.checked_mul(l.quantity))
        .collect::<Option<Vec<Money>>>()
        .ok_or("an order line is out of range")?;
    Ok(Money::checked_sum(amounts).ok_or("an order total is out of range")?)
}

// --- time ---------------------------------------------------------------------------------------------

fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate> {
    Ok(NaiveDate::from_ymd_opt(year, month, day).ok_or("not a date")?)
}

fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

/// Office wall time on `day`, `minute` minutes after midnight, as the UTC instant the store keeps.
fn local(day: NaiveDate, minute: i64) -> DateTime<Utc> {
    let wall = day.and_time(NaiveTime::MIN) + minutes(minute);
    (wall - TimeDelta::hours(UTC_OFFSET_HOURS)).and_utc()
}

/// The office's calendar day at `t`.
fn local_day(t: DateTime<Utc>) -> NaiveDate {
    (t + TimeDelta::hours(UTC_OFFSET_HOURS)).date_naive()
}

/// Minutes after the office's midnight at `t`.
fn local_minute(t: DateTime<Utc>) -> i64 {
    i64::from((t + TimeDelta::hours(UTC_OFFSET_HOURS)).num_seconds_from_midnight() / 60)
}

fn is_working_day(day: NaiveDate) -> bool {
    let (y, m, d) = HOLIDAY;
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
        && NaiveDate::from_ymd_opt(y, m, d) != Some(day)
}

fn next_working_day(day: NaiveDate) -> NaiveDate {
    let mut next = day + days(1);
    while !is_working_day(next) {
        next += days(1);
    }
    next
}

// --- reading it back ----------------------------------------------------------------------------------

/// Reads a whole listing page by page: `fetch` gets the page after a key, `key` gives a row's key.
fn all_pages<T>(
    mut fetch: impl FnMut(Page) -> crm_core::Result<Vec<T>>,
    key: impl Fn(&T) -> i64,
) -> crm_core::Result<Vec<T>> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(Page { after, limit: PAGE })?;
        let Some(last) = page.last() else {
            return Ok(rows);
        };
        after = Some(key(last));
        rows.extend(page);
    }
}

/// Everything below comes from the store, not from the simulation.
/// The import of the old base: what each row became, the columns as mapped, the rows that could not be
/// imported (row and column as the spreadsheet shows them) and the values that disagreed with the store.
fn print_import(report: &ImportReport) {
    let mapped: Vec<String> = report
        .columns
        .iter()
        .map(|c| match &c.field {
            Some(field) => format!("{} → {field}", c.header),
            None => format!("{} (ignored)", c.header),
        })
        .collect();
    println!(
        "Import    {LEGACY_FILE} (the old base, {} sheet, header on row {}): {} rows → {} clients created, \
         {} updated (typed in twice, the second card adding the region), {} unchanged, {} failed; batch {} (undo_import would take it back)",
        report.encoding,
        report.header_row,
        report.total,
        report.created,
        report.updated,
        report.unchanged,
        report.failed,
        report.batch_id.map_or("-".to_string(), |id| id.to_string()),
    );
    println!("  columns: {}", mapped.join(", "));
    for error in &report.errors {
        println!(
            "  row {} {}: {}",
            error.row,
            error.column.as_deref().unwrap_or("-"),
            error.message
        );
    }
    for conflict in report.conflicts.iter().take(5) {
        println!(
            "  row {} conflict on {} {}: {} stored, {} in the file (kept the stored one)",
            conflict.row, conflict.entity, conflict.field, conflict.stored, conflict.incoming
        );
    }
}

/// The ports: what the web shop's orders and the PBX's call events became, and the call report by line
/// and hour (where the lines are overloaded: the hours with the most missed calls).
fn print_ports(
    crm: &Crm,
    web: &WebTotals,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<()> {
    println!(
        "\nWeb shop  record_web_order: {} orders ({} delivered twice by the webhook, recorded once); {} from \
         buyers the store did not know → {} new clients, each with a converted lead and a won deal",
        web.orders, web.resent, web.new_clients, web.leads
    );
    let query = CallReportQuery {
        start: local(first_day, 0),
        end: local(last_day, 0) + TimeDelta::days(1),
        line: None,
    };
    let report = crm.call_report(&query)?;
    let t = &report.total;
    println!(
        "Calls     record_call: {} inbound, {} answered ({:.0} %, median wait {} s), {} missed: {} called \
         back in time, {} late, {} not called back",
        t.calls,
        t.answered,
        t.answer_rate.unwrap_or(0.0) * 100.0,
        t.median_wait_seconds.unwrap_or(0),
        t.missed,
        t.called_back_in_time,
        t.called_back_late,
        t.not_called_back
    );
    for line in ["sales", "service"] {
        let mut rows: Vec<_> = report
            .rows
            .iter()
            .filter(|r| r.line.as_deref() == Some(line))
            .collect();
        let calls: u64 = rows.iter().map(|r| r.figures.calls).sum();
        let missed: u64 = rows.iter().map(|r| r.figures.missed).sum();
        rows.sort_by(|a, b| {
            b.figures
                .missed
                .cmp(&a.figures.missed)
                .then(a.hour.cmp(&b.hour))
        });
        let worst: Vec<String> = rows
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "{:02}:00 {} of {}",
                    r.hour, r.figures.missed, r.figures.calls
                )
            })
            .collect();
        println!(
            "  line {line:<8} {calls} calls, {missed} missed; most missed at {}",
            worst.join(", ")
        );
    }
    Ok(())
}

fn print_summary(crm: &Crm, first_day: NaiveDate, last_day: NaiveDate) -> Result<()> {
    let leads = all_pages(
        |page| {
            crm.list_leads(&LeadQuery {
                page,
                ..Default::default()
            })
        },
        |l| l.id.0,
    )?;
    let deals = all_pages(
        |page| {
            crm.list_deals(&DealQuery {
                page,
                ..Default::default()
            })
        },
        |d| d.id.0,
    )?;
    let orders = all_pages(
        |page| {
            crm.list_orders(&OrderQuery {
                page,
                ..Default::default()
            })
        },
        |o| o.id.0,
    )?;
    let rollups = all_pages(|page| crm.list_rollups(page), |r| r.client_id.0)?;

    println!("crmkit tour: Komfort Office, {first_day} .. {last_day}, seed {SEED}");
    print_leads(&leads);
    print_distribution(crm, &leads, last_day)?;
    print_funnel(crm, first_day, last_day)?;
    print_sources(crm, first_day, last_day)?;
    print_deals(crm, &deals)?;
    print_orders(&orders, &rollups)?;
    print_segments(crm, last_day)?;
    print_analytics(crm, first_day, last_day)?;
    print_managers(crm, first_day, last_day)?;
    Ok(())
}

/// After the sale: what the evening `run_due` did over the quarter, the dormancy ladder, promises and
/// complaints, whether the retention rules' tasks brought orders, and one manager's agenda.
fn print_retention(
    crm: &Crm,
    due: &DueTotals,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<()> {
    let joined = |m: &BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "\nRetention   run_due every evening ({} runs): {} tasks made, {} promise reminders, {} promises \
         broken, {} complaint deadlines breached",
        due.runs, due.tasks, due.promises_reminded, due.promises_broken, due.complaints_breached
    );
    println!("  dormancy ladder moves: {}", joined(&due.moves));
    println!("  retention rules fired: {}", joined(&due.fired));
    let ladder = crm.dormancy_counts()?;
    println!(
        "  dormancy ladder at the quarter's end: active {}, cooling {}, dormant {}, lost {}",
        ladder.active, ladder.cooling, ladder.dormant, ladder.lost
    );

    let promises = all_pages(
        |page| {
            crm.list_promises(&PromiseQuery {
                page,
                ..Default::default()
            })
        },
        |p| p.id.0,
    )?;
    let count = |status: PromiseStatus| promises.iter().filter(|p| p.status == status).count();
    println!(
        "  promises: {} made, {} kept, {} broken, {} cancelled, {} still open",
        promises.len(),
        count(PromiseStatus::Kept),
        count(PromiseStatus::Broken),
        count(PromiseStatus::Cancelled),
        count(PromiseStatus::Open)
    );
    let complaints = crm.complaint_report(&ComplaintReportQuery {
        start: first_day,
        end: last_day,
    })?;
    let t = &complaints.total;
    let hours = |secs: Option<i64>| {
        secs.map_or_else(
            || "-".to_string(),
            |s| format!("{:.1} h", s as f64 / 3600.0),
        )
    };
    println!(
        "  complaints: {} opened, {} answered in time, {} resolved ({} in time), {} rejected; median \
         time to resolve {} of working time",
        t.opened,
        t.responded_within_sla,
        t.resolved,
        t.resolved_within_sla,
        t.rejected,
        hours(t.median_resolve_secs)
    );
    for row in &complaints.by_priority {
        let f = &row.figures;
        println!(
            "    {:<9} {:>3} opened, {:>3} resolved, {:>3} in time, median {}",
            row.key.to_string(),
            f.opened,
            f.resolved,
            f.resolved_within_sla,
            hours(f.median_resolve_secs)
        );
    }

    let report = crm.retention_report(&RetentionReportQuery {
        start: first_day,
        end: last_day,
        window_days: 30,
    })?;
    let rate =
        |r: Option<f64>| r.map_or_else(|| "-".to_string(), |r| format!("{:.0} %", 100.0 * r));
    println!(
        "  did it work (an order within {} days of a rule's task): {} tasks, {} done, {} followed by an \
         order: {}",
        report.window_days,
        report.total.tasks,
        report.total.done,
        report.total.ordered,
        rate(report.total.rate)
    );
    for r in &report.rules {
        println!(
            "    {:<40} {:>4} tasks, {:>4} ordered  {}",
            truncate(&r.rule, 40),
            r.outcome.tasks,
            r.outcome.ordered,
            rate(r.outcome.rate)
        );
    }
    for m in &report.managers {
        let name = m
            .manager_id
            .map(|id| crm.get_manager(id).map(|m| m.name))
            .transpose()?
            .unwrap_or_else(|| "(nobody)".into());
        println!(
            "    {:<40} {:>4} tasks, {:>4} ordered  {}",
            truncate(&name, 40),
            m.outcome.tasks,
            m.outcome.ordered,
            rate(m.outcome.rate)
        );
    }
    let (within, breached) = (&report.complaints_within_sla, &report.complaints_breached);
    println!(
        "  repeat purchase after a complaint: resolved in time {} of {} clients ({}), late {} of {} ({})",
        within.ordered,
        within.clients,
        rate(within.rate),
        breached.ordered,
        breached.clients,
        rate(breached.rate)
    );

    // The agenda the first manager sees the morning after the quarter.
    let managers = crm.list_managers()?;
    let Some(manager) = managers.first() else {
        return Ok(());
    };
    let morning = local(next_working_day(last_day), OPEN);
    let agenda = crm.agenda(manager.id, morning)?;
    println!(
        "  agenda of {} at {}: {} overdue, {} today, {} upcoming, {} undated",
        manager.name,
        morning.format("%Y-%m-%d %H:%M UTC"),
        agenda.overdue.len(),
        agenda.today.len(),
        agenda.upcoming.len(),
        agenda.undated.len()
    );
    for task in agenda.overdue.iter().chain(&agenda.today).take(5) {
        let due = task
            .due_at
            .map_or_else(|| "-".to_string(), |d| d.format("%m-%d %H:%M").to_string());
        println!(
            "    due {due}  [{}] {}",
            task.kind,
            truncate(&task.title, 80)
        );
    }
    Ok(())
}

/// Each manager's quarter: response in working time, response targets kept, conversion, sales, and
/// the plan against what was done, month by month.
fn print_managers(crm: &Crm, first_day: NaiveDate, last_day: NaiveDate) -> Result<()> {
    let rows = crm.manager_report(&ManagerReportQuery {
        start: first_day,
        end: last_day,
    })?;
    println!(
        "\n{:<28}{:>9}{:>12}{:>9}{:>11}{:>6}{:>15}{:>10}   plan kept: revenue / won deals, by month",
        "Managers", "requests", "response", "SLA met", "converted", "won", "revenue", "promises"
    );
    let pct = |share: Option<f64>| {
        share.map_or_else(|| "-".to_string(), |s| format!("{:.0} %", 100.0 * s))
    };
    for r in &rows {
        let response = r
            .response_median_secs
            .map_or_else(|| "-".to_string(), |s| format!("{} min", s / 60));
        let months: Vec<String> = r
            .months
            .iter()
            .map(|m| {
                format!(
                    "{} {}/{}",
                    &m.month[5..],
                    pct(m.revenue_achieved),
                    pct(m.deals_achieved)
                )
            })
            .collect();
        println!(
            "  {:<26}{:>9}{:>12}{:>9}{:>11}{:>6}{:>15}{:>10}   {}",
            truncate(&r.name, 26),
            r.received,
            response,
            pct(r.sla_met_share),
            pct(r.conversion_rate),
            r.deals_won,
            money(r.revenue),
            pct(r.promises_kept),
            months.join(", ")
        );
    }
    Ok(())
}

/// The clients by value and rhythm: the ABC×XYZ matrix of the quarter, the RFM segments and the
/// BG/NBD model's view at its end, repeat purchases and the strongest cross-sell pairs.
fn print_analytics(crm: &Crm, first_day: NaiveDate, last_day: NaiveDate) -> Result<()> {
    let period = AbcQuery {
        start: Some(first_day),
        end: Some(last_day),
        ..AbcQuery::default()
    };
    let matrix = crm.abc_xyz(&AbcXyzQuery {
        abc: period,
        ..AbcXyzQuery::default()
    })?;
    let total: i64 = matrix.cells.iter().map(|c| c.revenue.minor()).sum();
    let months = format!(
        "{} .. {}",
        matrix.months.first().map_or("", |m| m.as_str()),
        matrix.months.last().map_or("", |m| m.as_str())
    );
    println!(
        "\n{:<28}{:>14}{:>14}{:>14}{:>14}   clients (share of revenue)",
        format!("ABC x XYZ {months}"),
        "X steady",
        "Y uneven",
        "Z irregular",
        "(< 3 months)"
    );
    for class in [AbcClass::A, AbcClass::B, AbcClass::C] {
        let cells: Vec<String> = [
            Some(XyzClass::X),
            Some(XyzClass::Y),
            Some(XyzClass::Z),
            None,
        ]
        .into_iter()
        .map(|x| {
            matrix.cell(class, x).map_or_else(String::new, |c| {
                let share = if total > 0 {
                    100.0 * c.revenue.minor() as f64 / total as f64
                } else {
                    0.0
                };
                format!("{} ({share:.1} %)", c.clients)
            })
        })
        .collect();
        println!(
            "  {:<26}{:>14}{:>14}{:>14}{:>14}",
            class.as_str(),
            cells[0],
            cells[1],
            cells[2],
            cells[3]
        );
    }
    let rfm = crm.rfm(&RfmQuery::as_of(last_day))?;
    println!(
        "\n{:<28}{:>8}{:>15}",
        format!("RFM segments ({last_day})"),
        "clients",
        "revenue"
    );
    for s in &rfm.segments {
        println!(
            "  {:<26}{:>8}{:>15}",
            s.segment.as_str(),
            s.clients,
            money(s.monetary)
        );
    }
    match crm.p_alive(&PAliveQuery::as_of(last_day)) {
        Ok(model) => {
            let rows = &model.rows;
            let doubtful = rows.iter().filter(|r| r.p_alive < 0.5).count();
            let expected: f64 = rows.iter().map(|r| r.expected).sum();
            println!(
                "\nP(alive)  BG/NBD on the store's own history: r {:.3}, alpha {:.1} days, a {:.3}, b {:.3}; \
                 {} of {} buyers below 0.5; {:.0} purchases expected in the next {} days",
                model.params.r,
                model.params.alpha,
                model.params.a,
                model.params.b,
                doubtful,
                rows.len(),
                expected,
                model.horizon_days
            );
        }
        Err(e) => println!("\nP(alive)  not fitted: {e}"),
    }
    let repeat = crm.repeat_sales(&Period {
        start: Some(first_day),
        end: Some(last_day),
    })?;
    println!(
        "Repeat    {} of {} buying clients bought twice or more ({:.0} %); average order {}",
        repeat.repeat_clients,
        repeat.clients,
        100.0 * repeat.repeat_rate.unwrap_or(0.0),
        repeat.average_order.map_or_else(|| "-".to_string(), money)
    );
    let pairs = crm.product_pairs(&PairQuery::default())?;
    for rule in pairs.rules.iter().take(3) {
        println!(
            "  cross-sell: {} -> {} (lift {:.2}, confidence {:.0} %, {} clients)",
            rule.if_bought,
            rule.then,
            rule.lift,
            100.0 * rule.confidence,
            rule.count
        );
    }
    Ok(())
}

/// Two saved segments, as a marketer would define them for the next quarter's mailings, and their
/// sizes at the end of the quarter. Refreshing records who entered each (an event on every client).
fn print_segments(crm: &Crm, last_day: NaiveDate) -> Result<()> {
    let as_of = last_day.and_time(NaiveTime::MIN).and_utc() + TimeDelta::days(1);
    let segments = [
        (
            "repeat buyers going quiet",
            "orders >= 2 and days_since_last_order > 30",
        ),
        (
            "Kyiv companies, big this quarter",
            "region = 'Kyiv' and kind = 'company' and revenue_90d >= 20000",
        ),
    ];
    println!(
        "\n{:<44}{:>8}",
        "Segments (saved, as of the quarter's end)", "clients"
    );
    for (name, expression) in segments {
        crm.save_segment(name, expression, as_of)?;
        let change = crm.refresh_segment(name, as_of)?;
        println!(
            "  {name:<42}{:>8}   {expression}",
            count(change.entered.len())
        );
    }
    Ok(())
}

/// Leads by status, with the junk kinds, the malformed phones that were kept rather than refused, and
/// how fast leads were answered.
/// Who got the requests and why, and whether they were answered in time — all read from the store.
fn print_distribution(crm: &Crm, leads: &[Lead], last_day: NaiveDate) -> Result<()> {
    let managers = crm.list_managers()?;
    let end = last_day.and_time(NaiveTime::MIN).and_utc() + days(1);
    let name = |id: Option<ManagerId>| {
        managers
            .iter()
            .find(|m| Some(m.id) == id)
            .map_or("nobody", |m| m.name.as_str())
    };
    let mut per: BTreeMap<ManagerId, (usize, usize, usize)> = BTreeMap::new();
    let mut sla: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut samples: Vec<(LeadId, Assignment)> = Vec::new();
    let mut wanted = vec!["absent", "owner", "shop"];
    for lead in leads {
        let Some(first) = crm.lead_assignments(lead.id)?.into_iter().next() else {
            continue;
        };
        if let Some(m) = first.manager_id {
            let row = per.entry(m).or_default();
            row.0 += 1;
            match first.via {
                AssignedVia::Rule => row.1 += 1,
                AssignedVia::Owner => row.2 += 1,
                _ => {}
            }
        }
        let kind = if first.skipped.iter().any(|s| s.reason == SkipReason::Absent) {
            "absent"
        } else if first.via == AssignedVia::Owner {
            "owner"
        } else if first.rule.as_deref() == Some("web shop orders") {
            "shop"
        } else {
            ""
        };
        if let Some(i) = wanted.iter().position(|w| *w == kind) {
            wanted.remove(i);
            samples.push((lead.id, first));
        }
        if let Some(policy) = &lead.sla_policy {
            let status = crm.lead_sla_status(lead.id, end)?;
            let entry = sla.entry(policy.clone()).or_default();
            match status.state {
                SlaState::Met => entry.0 += 1,
                SlaState::Breached => entry.1 += 1,
                _ => {}
            }
        }
    }
    println!(
        "\n{:<28}{:>8}{:>9}{:>14}",
        "Distribution (by the rules)", "leads", "by rule", "client's own"
    );
    for (id, (all, rule, own)) in &per {
        println!(
            "  {:<26}{:>8}{:>9}{:>14}",
            name(Some(*id)),
            count(*all),
            count(*rule),
            count(*own)
        );
    }
    let ((y1, m1, d1), (y2, m2, d2)) = VACATION;
    let (from, to) = (date(y1, m1, d1)?, date(y2, m2, d2)?);
    let in_vacation = leads
        .iter()
        .filter(|l| (from..=to).contains(&local_day(l.received_at)))
        .filter(|l| l.owner_id == Some(managers[1].id))
        .count();
    println!(
        "  {} on vacation {from} .. {to}: {} new leads meanwhile (a known client's request goes to \
         the others too)",
        managers[1].name,
        count(in_vacation)
    );
    println!("  first response against the deadline (working time, Kyiv calendar):");
    for (policy, (met, breached)) in &sla {
        let total = met + breached;
        println!(
            "    {policy:<10} met {:>6} ({:>3} %), breached {:>5}",
            count(*met),
            (met * 100).checked_div(total).unwrap_or(0),
            count(*breached)
        );
    }
    let tasks = crm.list_tasks(Some(managers[0].id), false)?;
    println!(
        "  run_due each evening: {} escalation tasks for {} (calls still unanswered when it ran)",
        count(tasks.len()),
        managers[0].name
    );
    println!("  three decisions as the store explains them (lead_assignments):");
    for (lead, a) in samples {
        let skipped: Vec<String> = a
            .skipped
            .iter()
            .map(|s| format!("{} ({})", name(Some(s.manager_id)), s.detail))
            .collect();
        let skipped = if skipped.is_empty() {
            String::new()
        } else {
            format!("; passed over: {}", skipped.join(", "))
        };
        println!(
            "    lead {lead} -> {}: {}{skipped}",
            name(a.manager_id),
            a.reason
        );
    }
    Ok(())
}

fn print_leads(leads: &[Lead]) {
    let mut by_status: BTreeMap<LeadStatus, usize> = BTreeMap::new();
    let mut junk: BTreeMap<JunkKind, usize> = BTreeMap::new();
    for lead in leads {
        *by_status.entry(lead.status).or_default() += 1;
        if let Some(kind) = lead.junk_kind {
            *junk.entry(kind).or_default() += 1;
        }
    }
    println!(
        "\n{:<28}{:>8}",
        format!("Leads ({})", count(leads.len())),
        "count"
    );
    for status in LeadStatus::ALL {
        let n = by_status.get(status).copied().unwrap_or(0);
        let mut row = format!("  {:<26}{:>8}", status.as_str(), count(n));
        if *status == LeadStatus::Junk {
            let kinds: Vec<String> = junk.iter().map(|(k, n)| format!("{k} {n}")).collect();
            row += &format!("   {}", kinds.join(", "));
        }
        println!("{row}");
    }
    let malformed = leads
        .iter()
        .filter(|l| l.phone_quality == Some(Quality::Invalid))
        .count();
    let mut waits: Vec<i64> = leads
        .iter()
        .filter_map(|l| Some((l.first_response_at? - l.received_at).num_minutes()))
        .collect();
    waits.sort_unstable();
    println!(
        "  {malformed} malformed phones kept; {} leads answered, median {} min, 90% within {} h",
        count(waits.len()),
        percentile(&waits, 50),
        (percentile(&waits, 90) + 59) / 60
    );
}

/// The quarter's requests as a funnel: how many reached each step, the conversion from the step
/// before, who was lost where and why, and how long a request spends in each step.
fn print_funnel(crm: &Crm, first_day: NaiveDate, last_day: NaiveDate) -> Result<()> {
    let funnel = crm.funnel(&FunnelQuery::new(first_day, last_day))?;
    println!(
        "\n{:<28}{:>8}{:>8}{:>8}{:>12}   lost at this step, by reason",
        "Funnel (quarter's requests)", "reached", "of prev", "dropped", "median"
    );
    for step in &funnel.steps {
        let of_prev = step
            .conversion_from_previous
            .map_or_else(String::new, |c| format!("{:.0} %", 100.0 * c));
        let median = step.median_seconds.map_or_else(String::new, duration);
        let mut reasons: Vec<String> = step
            .lost_reasons
            .iter()
            .take(3)
            .map(|r| format!("{} {}", r.reason, r.count))
            .collect();
        if step.junk > 0 {
            reasons.push(format!("junk {}", step.junk));
        }
        println!(
            "  {:<26}{:>8}{:>8}{:>8}{:>12}   {}",
            truncate(&step.label, 26),
            count(step.entered as usize),
            of_prev,
            count(step.dropped as usize),
            median,
            reasons.join(", ")
        );
    }
    Ok(())
}

/// A span of seconds as days, hours or minutes, whichever reads best.
fn duration(seconds: i64) -> String {
    match seconds {
        s if s >= 2 * 86_400 => format!("{:.1} d", s as f64 / 86_400.0),
        s if s >= 3_600 => format!("{:.1} h", s as f64 / 3_600.0),
        s => format!("{} min", s / 60),
    }
}

/// What each source brought and cost in the quarter, best return first: spend is counted once per
/// source, revenue is what the clients it won bought within a year of their conversion.
fn print_sources(crm: &Crm, first_day: NaiveDate, last_day: NaiveDate) -> Result<()> {
    println!(
        "\n{:<28}{:>7}{:>10}{:>15}{:>13}{:>13}{:>15}{:>8}",
        "Sources by ROMI", "leads", "converted", "spend", "per lead", "CAC", "revenue", "ROMI"
    );
    let opt = |m: Option<Money>| m.map_or_else(|| "-".to_string(), money);
    for row in crm.source_report(&SourceQuery::new(first_day, last_day))? {
        let name = match (&row.source_id, &row.campaign) {
            (None, _) => "(none: walk-ins)".to_string(),
            (Some(_), Some(campaign)) => format!("{} / {campaign}", row.name),
            (Some(_), None) => row.name.clone(),
        };
        println!(
            "  {:<26}{:>7}{:>10}{:>15}{:>13}{:>13}{:>15}{:>8}",
            truncate(&name, 26),
            count(row.leads as usize),
            count(row.converted as usize),
            money(row.spend),
            opt(row.cost_per_lead),
            opt(row.cac),
            money(row.revenue),
            row.romi
                .map_or_else(|| "-".to_string(), |r| format!("{:.0} %", 100.0 * r))
        );
    }
    Ok(())
}

/// Deals by status, and where the open ones stand in the pipeline.
fn print_deals(crm: &Crm, deals: &[Deal]) -> Result<()> {
    println!(
        "\n{:<28}{:>8}{:>15}",
        format!("Deals ({})", count(deals.len())),
        "count",
        "amount"
    );
    for status in DealStatus::ALL {
        let of_status: Vec<&Deal> = deals.iter().filter(|d| d.status == *status).collect();
        let amount =
            Money::checked_sum(of_status.iter().map(|d| d.amount)).ok_or("amount overflows")?;
        println!(
            "  {:<26}{:>8}{:>15}",
            status.as_str(),
            count(of_status.len()),
            money(amount)
        );
    }
    let open_by_stage: Vec<String> = crm
        .pipeline()?
        .iter()
        .map(|stage| {
            let open = deals
                .iter()
                .filter(|d| d.status == DealStatus::Open && d.stage == stage.code)
                .count();
            format!("{} {open}", stage.code)
        })
        .collect();
    println!("  open by stage: {}", open_by_stage.join(", "));
    Ok(())
}

/// Orders by status, and revenue from the per-client rollups, checked against the orders themselves.
fn print_orders(orders: &[Order], rollups: &[ClientRollup]) -> Result<()> {
    println!(
        "\n{:<28}{:>8}{:>15}",
        format!("Orders ({})", count(orders.len())),
        "count",
        "total"
    );
    let mut completed = Money::ZERO;
    for status in OrderStatus::ALL {
        let of_status: Vec<&Order> = orders.iter().filter(|o| o.status == *status).collect();
        let sum = Money::checked_sum(of_status.iter().map(|o| o.total)).ok_or("total overflows")?;
        if *status == OrderStatus::Completed {
            completed = sum;
        }
        println!(
            "  {:<26}{:>8}{:>15}",
            status.as_str(),
            count(of_status.len()),
            money(sum)
        );
    }
    let revenue =
        Money::checked_sum(rollups.iter().map(|r| r.revenue)).ok_or("revenue overflows")?;
    let check = if revenue == completed {
        "= completed orders"
    } else {
        "DIFFERS from completed orders"
    };
    let label = format!("revenue ({} client rollups)", count(rollups.len()));
    println!("  {label:<34}{:>15}  {check}", money(revenue));
    Ok(())
}

/// The value below which `pct` percent of the sorted `values` lie (0 for none).
fn percentile(sorted: &[i64], pct: usize) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = (sorted.len() - 1) * pct / 100;
    sorted.get(i).copied().unwrap_or(0)
}

/// A count for reading: `12345` → `12,345`.
fn count(n: usize) -> String {
    grouped(&n.to_string())
}

/// Money for reading: `1234567.80` → `1,234,567.80`. The stored value is untouched.
fn money(m: Money) -> String {
    grouped(&m.to_string())
}

/// Digits grouped in thousands: `1234567.80` → `1,234,567.80`.
fn grouped(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("-", r));
    let (whole, fraction) = rest
        .split_once('.')
        .map_or((rest, None), |(w, f)| (w, Some(f)));
    let mut out = String::from(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.into();
    }
    let cut: String = text.chars().take(width - 1).collect();
    format!("{cut}…")
}

fn kibibytes(bytes: u64) -> u64 {
    bytes.div_ceil(1024)
}

/// Deletes the store and its WAL side files, so every run starts from nothing.
fn remove_store(path: &str) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        match std::fs::remove_file(format!("{path}{suffix}")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// One row of the old base.
#[derive(Clone)]
struct LegacyRow {
    code: String,
    name: String,
    person: bool,
    tax_id: String,
    phone: LegacyPhone,
    email: String,
    region: String,
    manager: String,
    born: Option<LegacyDate>,
}

/// A phone as the old base has it: text, or a number the spreadsheet formatted away.
#[derive(Clone)]
enum LegacyPhone {
    Text(String),
    Number(i64),
}

/// A birth date: a real spreadsheet date, or text somebody typed.
#[derive(Clone)]
enum LegacyDate {
    Date(NaiveDate),
    Text(&'static str),
}

/// The rows an old base always has that cannot be imported as they are: no name, an impossible date,
/// a date that is not a date, a manager who left long ago.
fn legacy_broken_rows() -> Vec<LegacyRow> {
    let row = |name: &str, born: Option<LegacyDate>, manager: &str, i: u32| LegacyRow {
        code: String::new(),
        name: name.into(),
        person: true,
        tax_id: String::new(),
        phone: LegacyPhone::Text(format!("+380 67 555 {:02} {:02}", i, i + 10)),
        email: String::new(),
        region: "Kyiv".into(),
        manager: manager.into(),
        born,
    };
    vec![
        row("", None, MANAGERS[0].0, 1),
        row(
            "Petro Savchuk",
            Some(LegacyDate::Text("31.02.1985")),
            MANAGERS[1].0,
            2,
        ),
        row(
            "Hanna Lysenko",
            Some(LegacyDate::Text("давно")),
            MANAGERS[2].0,
            3,
        ),
        row("Vasyl Hnatiuk", None, "Petro Sydorenko", 4),
    ]
}

/// Writes the old base as an XLSX workbook the way such files look: a merged title row, a merged group
/// header over the columns, Ukrainian headers, phones as text or as numbers, birthdays as spreadsheet
/// dates (or as typed text), an empty row now and then.
fn write_legacy_excel(path: &str, rows: &[LegacyRow]) -> Result<()> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Клієнти")?;
    let bold = Format::new().set_bold();
    let day = Format::new().set_num_format("dd.mm.yyyy");
    sheet.merge_range(
        0,
        0,
        0,
        8,
        "Комфорт Офіс — клієнти з 1С станом на 30.06.2026",
        &bold,
    )?;
    sheet.merge_range(1, 0, 1, 3, "Клієнт", &bold)?;
    sheet.merge_range(1, 4, 1, 5, "Контакти", &bold)?;
    sheet.merge_range(1, 6, 1, 8, "Інше", &bold)?;
    let headers = [
        "Код 1С",
        "Назва",
        "Тип",
        "ЄДРПОУ",
        "Телефон",
        "E-mail",
        "Область",
        "Менеджер",
        "Дата народження",
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *header, &bold)?;
    }
    let mut r: u32 = 3;
    for (i, row) in rows.iter().enumerate() {
        if i > 0 && i % 60 == 0 {
            r += 1; // an empty row, as people leave them
        }
        sheet.write_string(r, 0, &row.code)?;
        sheet.write_string(r, 1, &row.name)?;
        sheet.write_string(
            r,
            2,
            if row.person {
                "Фізична особа"
            } else {
                "Юридична особа"
            },
        )?;
        sheet.write_string(r, 3, &row.tax_id)?;
        match &row.phone {
            LegacyPhone::Text(text) => sheet.write_string(r, 4, text)?,
            LegacyPhone::Number(n) => sheet.write_number(r, 4, *n as f64)?,
        };
        sheet.write_string(r, 5, &row.email)?;
        sheet.write_string(r, 6, &row.region)?;
        sheet.write_string(r, 7, &row.manager)?;
        match &row.born {
            Some(LegacyDate::Date(d)) => {
                let when =
                    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                sheet.write_datetime_with_format(r, 8, &when, &day)?;
            }
            Some(LegacyDate::Text(text)) => {
                sheet.write_string(r, 8, *text)?;
            }
            None => {}
        }
        r += 1;
    }
    book.save(path)?;
    Ok(())
}
