//! Segments over a realistic store of a million clients: `cargo bench --bench segment` (options after
//! `--`: `--clients N`, default 1,000,000; `--dir DIR`, default `target/bench-segment/<N>`; `--runs R`,
//! default 7; `--expressions FILE`, one expression a line; `--rebuild`). Prints one JSON object.
//!
//! The store is built through crm-core's public API (managers, then clients in transactions of 20,000,
//! then orders in `record_orders` batches in time order), from a seeded generator, so every run builds
//! the same store. It is cached in DIR with CSV exports of what the segments read (clients, tags,
//! attributes, rollups, orders) and a manifest; a later run with the same client count, data format and
//! store schema reuses it and takes seconds. `tests/bench/segment_duckdb.py` runs this benchmark, loads
//! the CSVs into DuckDB, runs the same filters there and compares counts, ids and times.
//!
//! For each expression: one warm-up, then the median of R runs of `Crm::segment` (the ids) and of
//! `Crm::segment_count`, on a store opened fresh from its file, `as_of` fixed at 2026-11-01T00:00:00Z. The
//! ids of each expression are written to `DIR/ids/<index>.i64` (little-endian `i64`) for the driver to
//! compare. An expression that fails is reported with its error; the others still run.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crm_core::{
    ClientId, ClientKind, Crm, ManagerId, Money, NewClient, NewManager, NewOrder, OrderLine,
    OrderStatus,
};
use crmkit_suite::Rng;
use crmkit_suite::measure::round3;
use rusqlite::Connection;
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The version of the generated data and of the CSV layout: change it whenever either changes, so that
/// cached stores are rebuilt.
const FORMAT_VERSION: u32 = 1;
const SEED: u64 = 0x5E6_2026;
/// Clients per transaction and orders per `record_orders` batch.
const CHUNK: usize = 20_000;
const MANAGERS: usize = 50;

/// The expressions run when no `--expressions` file is given (the driver passes its own list).
const EXPRESSIONS: &[&str] = &[
    "region = 'Kyiv'",
    "owner = 17",
    "has tag 'vip'",
    "revenue > 50000",
    "orders >= 2 and days_since_last_order > 90",
    "region in ('Kyiv', 'Lviv') and kind = 'company'",
    "revenue_365d > 10000",
    "name contains 'ко'",
    "attributes.loyalty = 'gold' and orders >= 3",
];

// --- time -----------------------------------------------------------------------------------------------

fn utc(y: i32, m: u32, d: u32) -> BoxResult<DateTime<Utc>> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .ok_or_else(|| format!("bad date {y}-{m}-{d}").into())
}

fn at(secs: i64) -> BoxResult<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("bad time {secs}").into())
}

const DAY: i64 = 86_400;

/// The fixed points of the simulated history, in Unix seconds.
struct Clock {
    as_of: i64,
    first_client: i64,
    first_order: i64,
}

impl Clock {
    fn new() -> BoxResult<Clock> {
        Ok(Clock {
            as_of: utc(2026, 11, 1)?.timestamp(),
            first_client: utc(2019, 1, 1)?.timestamp(),
            first_order: utc(2023, 1, 1)?.timestamp(),
        })
    }
}

// --- reference data -------------------------------------------------------------------------------------

/// Regions by size; weights follow Zipf with exponent 0.65 (Kyiv about 15 %).
const REGIONS: &[(&str, u32)] = &[
    ("Kyiv", 10_000),
    ("Kharkiv", 6_373),
    ("Dnipro", 4_898),
    ("Odesa", 4_061),
    ("Lviv", 3_513),
    ("Zaporizhzhia", 3_121),
    ("Vinnytsia", 2_823),
    ("Poltava", 2_588),
    ("Ivano-Frankivsk", 2_398),
    ("Khmelnytskyi", 2_239),
    ("Chernihiv", 2_105),
    ("Cherkasy", 1_989),
    ("Zhytomyr", 1_889),
    ("Sumy", 1_801),
    ("Rivne", 1_723),
    ("Ternopil", 1_653),
    ("Volyn", 1_591),
    ("Zakarpattia", 1_535),
    ("Chernivtsi", 1_484),
    ("Kropyvnytskyi", 1_437),
    ("Mykolaiv", 1_395),
    ("Kherson", 1_356),
    ("Donetsk", 1_319),
    ("Luhansk", 1_286),
    ("Crimea", 1_255),
];

const INDUSTRIES: &[(&str, u32)] = &[
    ("Retail", 20),
    ("Wholesale", 14),
    ("Agriculture", 10),
    ("Construction", 9),
    ("Manufacturing", 9),
    ("IT", 8),
    ("Logistics", 7),
    ("HoReCa", 7),
    ("Healthcare", 5),
    ("Education", 4),
    ("Finance", 4),
    ("Automotive", 3),
];

/// Surnames, in Cyrillic and transliterated for e-mail addresses.
const SURNAMES: &[(&str, &str)] = &[
    ("Коваленко", "kovalenko"),
    ("Бондаренко", "bondarenko"),
    ("Ткаченко", "tkachenko"),
    ("Шевченко", "shevchenko"),
    ("Кравченко", "kravchenko"),
    ("Олійник", "oliinyk"),
    ("Шевчук", "shevchuk"),
    ("Поліщук", "polishchuk"),
    ("Бойко", "boiko"),
    ("Мельник", "melnyk"),
    ("Коваль", "koval"),
    ("Лисенко", "lysenko"),
    ("Марченко", "marchenko"),
    ("Савченко", "savchenko"),
    ("Руденко", "rudenko"),
    ("Петренко", "petrenko"),
    ("Мороз", "moroz"),
    ("Павленко", "pavlenko"),
    ("Кузьменко", "kuzmenko"),
    ("Гриценко", "hrytsenko"),
    ("Клименко", "klymenko"),
    ("Левчук", "levchuk"),
    ("Карпенко", "karpenko"),
    ("Сидоренко", "sydorenko"),
    ("Ковальчук", "kovalchuk"),
    ("Ткачук", "tkachuk"),
    ("Романюк", "romaniuk"),
    ("Іваненко", "ivanenko"),
    ("Литвин", "lytvyn"),
    ("Кравчук", "kravchuk"),
    ("Гнатюк", "hnatiuk"),
    ("Савчук", "savchuk"),
    ("Мазур", "mazur"),
    ("Остапчук", "ostapchuk"),
    ("Яковенко", "yakovenko"),
    ("Вовк", "vovk"),
    ("Дяченко", "diachenko"),
    ("Заїка", "zaika"),
    ("Гончар", "honchar"),
    ("Юрченко", "yurchenko"),
    ("Пономар", "ponomar"),
    ("Костенко", "kostenko"),
    ("Щербак", "shcherbak"),
    ("Їжак", "yizhak"),
    ("Єременко", "yeremenko"),
    ("Ґудзь", "gudz"),
    ("Приходько", "prykhodko"),
    ("Собко", "sobko"),
    ("Тимошук", "tymoshuk"),
    ("Цибуля", "tsybulia"),
];

const FIRST_NAMES: &[(&str, &str)] = &[
    ("Олена", "olena"),
    ("Іван", "ivan"),
    ("Андрій", "andrii"),
    ("Оксана", "oksana"),
    ("Наталія", "nataliia"),
    ("Сергій", "serhii"),
    ("Тетяна", "tetiana"),
    ("Ольга", "olha"),
    ("Дмитро", "dmytro"),
    ("Юлія", "yuliia"),
    ("Максим", "maksym"),
    ("Марія", "mariia"),
    ("Олександр", "oleksandr"),
    ("Віктор", "viktor"),
    ("Ірина", "iryna"),
    ("Богдан", "bohdan"),
    ("Катерина", "kateryna"),
    ("Микола", "mykola"),
    ("Анна", "anna"),
    ("Василь", "vasyl"),
    ("Світлана", "svitlana"),
    ("Юрій", "yurii"),
    ("Галина", "halyna"),
    ("Роман", "roman"),
    ("Дар'я", "daria"),
    ("В'ячеслав", "viacheslav"),
    ("Ярослава", "yaroslava"),
    ("Євген", "yevhen"),
    ("Костянтин", "kostiantyn"),
    ("Людмила", "liudmyla"),
    ("Тарас", "taras"),
    ("Софія", "sofiia"),
    ("Кирило", "kyrylo"),
];

/// Company names, in Cyrillic (or Latin) and as a slug for the domain.
const COMPANIES: &[(&str, &str)] = &[
    ("Агросвіт", "agrosvit"),
    ("Будмайстер", "budmaister"),
    ("Техноком", "tekhnokom"),
    ("Київхліб", "kyivkhlib"),
    ("Львівпласт", "lvivplast"),
    ("Укрпостач", "ukrpostach"),
    ("Меридіан", "merydian"),
    ("Зоря", "zoria"),
    ("Колос", "kolos"),
    ("Комфорт", "komfort"),
    ("Карпати", "karpaty"),
    ("Дніпросталь", "dniprostal"),
    ("Полтавамолоко", "poltavamoloko"),
    ("Оріон", "orion"),
    ("Вектор", "vektor"),
    ("Галичина", "halychyna"),
    ("Смарт Лоджистик", "smartlogistic"),
    ("Енергобуд", "enerhobud"),
    ("Фармація", "farmatsiia"),
    ("Світанок", "svitanok"),
    ("Південь-Транс", "pivden-trans"),
    ("Поділля Агро", "podillia-agro"),
    ("Еко Продукт", "eko-produkt"),
    ("Метал Груп", "metal-group"),
    ("Nova Trade", "novatrade"),
    ("Kyiv Digital", "kyivdigital"),
    ("West Logistics", "westlogistics"),
    ("Green Farm", "greenfarm"),
];

const COMPANY_FORMS: &[(&str, u32)] =
    &[("ТОВ", 55), ("ПП", 12), ("ПрАТ", 5), ("ТзОВ", 8), ("", 20)];
const NAME_SUFFIXES: &[&str] = &["", "", "", " Плюс", "-2000", " Груп", " Україна", " Сервіс"];
const MAIL_DOMAINS: &[&str] = &["gmail.com", "ukr.net", "i.ua", "meta.ua", "outlook.com"];
const OPERATORS: &[&str] = &[
    "67", "68", "96", "97", "98", "50", "66", "95", "99", "63", "73", "93",
];
const LOYALTY: &[(&str, u32)] = &[
    ("gold", 20),
    ("silver", 30),
    ("bronze", 40),
    ("platinum", 10),
];
const SOURCES: &[&str] = &[
    "instagram",
    "facebook",
    "google",
    "friend",
    "exhibition",
    "olx",
];

// --- the generator --------------------------------------------------------------------------------------

/// A uniform float in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - unit(rng); // (0, 1]
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal amount in minor units around `median_units`, at least 1.00 and at most 10 million.
fn amount(rng: &mut Rng, median_units: f64, sigma: f64) -> i64 {
    let units = median_units * (sigma * normal(rng)).exp();
    // A float only draws the amount; the money itself is an integer of minor units.
    let minor = (units * 100.0).round().clamp(100.0, 1e9);
    minor as i64
}

fn weighted<'a>(rng: &mut Rng, items: &'a [(&'a str, u32)]) -> &'a str {
    let weights: Vec<u32> = items.iter().map(|(_, w)| *w).collect();
    items[rng.weighted(&weights)].0
}

/// One client as generated, before it has an id.
struct Planned {
    created: i64,
    client: NewClient,
}

/// One order as generated: the client is an index into the planned clients.
struct PlannedOrder {
    at: i64,
    client: usize,
    total: i64,
    status: OrderStatus,
    lines: u8,
    seq: u64,
}

fn phone(rng: &mut Rng) -> String {
    let op = rng.pick(OPERATORS);
    let n = rng.below(10_000_000);
    let (a, b, c) = (n / 10_000, n / 100 % 100, n % 100);
    match rng.below(100) {
        0..=44 => format!("+380{op}{n:07}"),
        45..=69 => format!("0{op} {a:03} {b:02} {c:02}"),
        70..=84 => format!("+38 (0{op}) {a:03}-{b:02}-{c:02}"),
        85..=97 => format!("380{op}{n:07}"),
        _ => format!("0{op} {a:03} {b}"), // too short: stored, flagged invalid
    }
}

fn person(rng: &mut Rng, i: usize) -> NewClient {
    let (sur, sur_lat) = *rng.pick(SURNAMES);
    let (first, first_lat) = *rng.pick(FIRST_NAMES);
    let name = match rng.below(100) {
        0..=66 => format!("{first} {sur}"),
        67..=96 => format!("{sur} {first}"),
        // As in registry extracts: the surname in capitals.
        _ => format!("{} {first}", sur.to_uppercase()),
    };
    let mut client = NewClient::new(ClientKind::Person, name);
    if rng.chance(70, 100) {
        let domain = rng.pick(MAIL_DOMAINS);
        client.email = Some(match rng.below(100) {
            0..=91 => format!("{first_lat}.{sur_lat}{i}@{domain}"),
            92..=96 => format!("{}.{}{i}@{domain}", capital(first_lat), capital(sur_lat)),
            _ => format!("{first_lat}.{sur_lat}{i}.{domain}"), // no @: stored, flagged invalid
        });
    }
    if rng.chance(82, 100) {
        client.phone = Some(phone(rng));
    }
    if rng.chance(20, 100) {
        client.industry = Some(weighted(rng, INDUSTRIES).into());
    }
    if rng.chance(40, 100) {
        let day = rng.range(0, 365 * 60);
        client.birth_date = NaiveDate::from_ymd_opt(1946, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(day.unsigned_abs())));
    }
    client
}

fn capital(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn company(rng: &mut Rng, i: usize) -> NewClient {
    let (core, slug) = *rng.pick(COMPANIES);
    let form = weighted(rng, COMPANY_FORMS);
    let name = if rng.chance(15, 100) {
        let (sur, _) = *rng.pick(SURNAMES);
        let (first, _) = *rng.pick(FIRST_NAMES);
        let initial: String = first.chars().take(1).collect();
        format!("ФОП {sur} {initial}.")
    } else {
        let suffix = rng.pick(NAME_SUFFIXES);
        match form {
            "" => format!("{core}{suffix}"),
            _ => format!("{form} \"{core}{suffix}\""),
        }
    };
    let mut client = NewClient::new(ClientKind::Company, name);
    if rng.chance(85, 100) {
        client.email = Some(format!("office@{slug}{i}.com.ua"));
    }
    if rng.chance(90, 100) {
        client.phone = Some(phone(rng));
    }
    if rng.chance(95, 100) {
        client.industry = Some(weighted(rng, INDUSTRIES).into());
    }
    if rng.chance(80, 100) {
        client.tax_id = Some(format!("{:08}", rng.below(100_000_000)));
    }
    if rng.chance(30, 100) {
        client.website = Some(format!("https://{slug}{i}.com.ua"));
    }
    client
}

/// The whole data set: clients (sorted by creation time, as they are added) and orders (by time).
fn plan(n: usize, clock: &Clock) -> (Vec<Planned>, Vec<PlannedOrder>) {
    let mut rng = Rng::new(SEED);
    let mut clients = Vec::with_capacity(n);
    let mut orders = Vec::with_capacity(n * 2);
    let order_span = clock.as_of - clock.first_order;
    let boundaries = [
        clock.as_of,
        clock.as_of - 1,
        clock.as_of - 365 * DAY,
        clock.as_of - 365 * DAY + 1,
        clock.as_of - 90 * DAY,
        clock.as_of - 90 * DAY + 1,
        clock.as_of - 90 * DAY - 1, // 23:59:59 of the day 91 days back
    ];
    let mut seq = 0_u64;
    for i in 0..n {
        let is_company = rng.chance(20, 100);
        let mut client = if is_company {
            company(&mut rng, i)
        } else {
            person(&mut rng, i)
        };
        if rng.chance(98, 100) {
            client.region = Some(weighted(&mut rng, REGIONS).into());
        }
        if rng.chance(90, 100) {
            let m = rng.below(MANAGERS as u64);
            client.owner_id = Some(ManagerId(i64::try_from(m).unwrap_or(0) + 1));
        }
        let vip = if is_company {
            rng.chance(6, 100)
        } else {
            rng.chance(225, 10_000)
        };
        if vip {
            // Tags are kept as typed: a few were typed in capitals, a very few twice.
            match rng.below(100) {
                0..=94 => client.tags.push("vip".into()),
                95..=98 => client.tags.push("VIP".into()),
                _ => client.tags.extend(["vip".into(), "VIP".into()]),
            }
        }
        let wholesale = if is_company {
            rng.chance(45, 100)
        } else {
            rng.chance(75, 1_000)
        };
        if wholesale {
            client.tags.push("wholesale".into());
        }
        if rng.chance(25, 100) {
            client.tags.push("newsletter".into());
        }
        if rng.chance(10, 100) {
            client.tags.push("постійний".into());
        }
        if rng.chance(30, 100) {
            let mut attributes = serde_json::Map::new();
            if rng.chance(85, 100) {
                attributes.insert("loyalty".into(), weighted(&mut rng, LOYALTY).into());
            }
            if rng.chance(30, 100) {
                attributes.insert("discount".into(), rng.range(1, 20).into());
            }
            if rng.chance(40, 100) {
                attributes.insert("source".into(), (*rng.pick(SOURCES)).into());
            }
            client.attributes = Value::Object(attributes);
        }
        if rng.chance(50, 100) {
            client.external_ref = Some(format!("1C-C{i:07}"));
        }

        // A few clients are added after as_of (segments must leave them out); a very few exactly at it.
        let future = rng.chance(5, 1_000);
        let exactly_now = !future && rng.chance(1, 10_000);
        let buys = !future && !exactly_now && rng.chance(if is_company { 700 } else { 575 }, 1_000);
        let created = if future {
            clock.as_of + rng.range(1, 45 * DAY)
        } else if exactly_now {
            clock.as_of
        } else if buys {
            let heavy = if is_company {
                rng.chance(8, 100)
            } else {
                rng.chance(175, 10_000)
            };
            let count = if heavy {
                rng.range(10, 50)
            } else {
                // Geometric: 1 + the number of successes at 58 %, mean about 2.4.
                let mut k = 1;
                while k < 50 && rng.chance(58, 100) {
                    k += 1;
                }
                k
            };
            let first = clock.first_order + rng.range(0, order_span - 1);
            let mut times: Vec<i64> = (1..count)
                .map(|_| first + rng.range(0, clock.as_of - first))
                .collect();
            times.push(first);
            if rng.chance(1, 500) {
                times.push(*rng.pick(&boundaries));
            }
            let first = times.iter().copied().min().unwrap_or(first);
            let median = if is_company { 6_000.0 } else { 1_200.0 };
            let sigma = if is_company { 1.2 } else { 1.0 };
            for t in times {
                let status = match rng.below(100) {
                    0..=93 => OrderStatus::Completed,
                    94..=97 => OrderStatus::Cancelled,
                    _ => OrderStatus::Returned,
                };
                let lines = if rng.chance(20, 100) {
                    1 + u8::try_from(rng.below(3)).unwrap_or(0)
                } else {
                    0
                };
                seq += 1;
                orders.push(PlannedOrder {
                    at: t,
                    client: i,
                    total: amount(&mut rng, median, sigma),
                    status,
                    lines,
                    seq,
                });
            }
            (first - rng.range(0, 400 * DAY)).max(clock.first_client)
        } else {
            clock.first_client + rng.range(0, clock.as_of - clock.first_client - 1)
        };
        clients.push(Planned { created, client });
    }
    // Ids follow creation time, as in a real store; orders are recorded in time order.
    let mut order_of: Vec<usize> = (0..n).collect();
    order_of.sort_by_key(|&i| (clients[i].created, i));
    let mut position = vec![0; n];
    for (pos, &i) in order_of.iter().enumerate() {
        position[i] = pos;
    }
    let mut slots: Vec<Option<Planned>> = clients.into_iter().map(Some).collect();
    let clients = order_of
        .iter()
        .filter_map(|&i| slots[i].take())
        .collect::<Vec<_>>();
    for o in &mut orders {
        o.client = position[o.client];
    }
    orders.sort_by_key(|o| (o.at, o.seq));
    (clients, orders)
}

fn new_order(o: &PlannedOrder, client_id: ClientId) -> NewOrder {
    let total = Money::from_minor(o.total);
    let n = i64::from(o.lines);
    let lines = if n == 0 {
        Vec::new()
    } else {
        // Lines that add up to the total: equal shares, the remainder on the first line.
        let share = o.total / n;
        (0..n)
            .map(|k| {
                let price = if k == 0 {
                    o.total - share * (n - 1)
                } else {
                    share
                };
                let sku = format!("SKU-{:04}", (o.seq * 7 + k.unsigned_abs()) % 5_000);
                OrderLine::new(sku, 1, Money::from_minor(price))
            })
            .collect()
    };
    let external_ref = match o.seq % 10 {
        0..=5 => Some(format!("SHOP-{:08}", o.seq)),
        6 | 7 => Some(format!("1C-{:08}", o.seq)),
        _ => None,
    };
    NewOrder {
        client_id,
        total,
        lines,
        status: Some(o.status),
        external_ref,
        ..Default::default()
    }
}

// --- building the store -----------------------------------------------------------------------------------

struct Build {
    clients_s: f64,
    orders_s: f64,
    export_s: f64,
    stats: Value,
}

fn build(store: &Path, dir: &Path, n: usize, clock: &Clock) -> BoxResult<Build> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", store.display()));
    }
    let started = Instant::now();
    let (clients, orders) = plan(n, clock);
    eprintln!(
        "segment bench: planned {} clients and {} orders in {:.1} s",
        clients.len(),
        orders.len(),
        started.elapsed().as_secs_f64()
    );

    let crm = Crm::open(store)?;
    let t0 = at(clock.first_client - DAY)?;
    let mut managers = Vec::with_capacity(MANAGERS);
    for m in 0..MANAGERS {
        let (first, _) = FIRST_NAMES[m % FIRST_NAMES.len()];
        let (sur, lat) = SURNAMES[(m * 7) % SURNAMES.len()];
        let mut new = NewManager::new(format!("{first} {sur}"));
        new.email = Some(format!("{lat}{m}@crm.example.ua"));
        new.team = Some(if m % 5 == 0 { "wholesale" } else { "sales" }.into());
        managers.push(crm.add_manager(new, t0)?.id);
    }
    if managers.first() != Some(&ManagerId(1)) || managers.last() != Some(&ManagerId(50)) {
        return Err("managers must get ids 1 to 50 in a new store".into());
    }

    let started = Instant::now();
    let mut ids = Vec::with_capacity(clients.len());
    for chunk in clients.chunks(CHUNK) {
        let got = crm.transaction(|tx| {
            let mut got = Vec::with_capacity(chunk.len());
            for p in chunk {
                got.push(tx.add_client(p.client.clone(), at(p.created)?)?.id);
            }
            Ok::<_, Box<dyn std::error::Error>>(got)
        })?;
        ids.extend(got);
        eprint!("\rsegment bench: clients {}/{}", ids.len(), clients.len());
    }
    let clients_s = started.elapsed().as_secs_f64();
    eprintln!(" in {clients_s:.1} s");
    drop(clients);

    let started = Instant::now();
    let mut done = 0;
    for chunk in orders.chunks(CHUNK) {
        let batch = chunk
            .iter()
            .map(|o| Ok((new_order(o, ids[o.client]), at(o.at)?)))
            .collect::<BoxResult<Vec<_>>>()?;
        for (k, result) in crm.record_orders(batch)?.into_iter().enumerate() {
            if let Err(e) = result {
                return Err(format!("order {} refused: {e}", done + k).into());
            }
        }
        done += chunk.len();
        eprint!("\rsegment bench: orders {done}/{}", orders.len());
    }
    let orders_s = started.elapsed().as_secs_f64();
    eprintln!(" in {orders_s:.1} s");
    crm.close()?;

    let started = Instant::now();
    let stats = export(store, dir, clock)?;
    let export_s = started.elapsed().as_secs_f64();
    eprintln!("segment bench: CSV export in {export_s:.1} s");
    Ok(Build {
        clients_s,
        orders_s,
        export_s,
        stats,
    })
}

// --- CSV export ---------------------------------------------------------------------------------------------

/// A CSV cell: a missing value is an empty cell, text is always quoted (so an empty text is `""`, which
/// the driver reads with `allow_quoted_nulls = false`), numbers are bare.
enum Cell {
    Null,
    Int(i64),
    Text(String),
}

fn write_row(out: &mut impl Write, cells: &[Cell]) -> std::io::Result<()> {
    for (k, cell) in cells.iter().enumerate() {
        if k > 0 {
            out.write_all(b",")?;
        }
        match cell {
            Cell::Null => {}
            Cell::Int(v) => write!(out, "{v}")?,
            Cell::Text(t) => {
                out.write_all(b"\"")?;
                out.write_all(t.replace('"', "\"\"").as_bytes())?;
                out.write_all(b"\"")?;
            }
        }
    }
    out.write_all(b"\n")
}

fn cell(row: &rusqlite::Row<'_>, k: usize) -> rusqlite::Result<Cell> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(k)? {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(v) => Cell::Int(v),
        ValueRef::Real(v) => Cell::Text(v.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Cell::Text(String::from_utf8_lossy(t).into_owned())
        }
    })
}

/// Writes the rows of `sql` to `dir/name` with a header; returns the row count.
fn export_table(
    conn: &Connection,
    dir: &Path,
    name: &str,
    header: &str,
    sql: &str,
) -> BoxResult<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(dir.join(name))?);
    writeln!(out, "{header}")?;
    let mut stmt = conn.prepare(sql)?;
    let width = stmt.column_count();
    let mut rows = stmt.query([])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let cells = (0..width)
            .map(|k| cell(row, k))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        write_row(&mut out, &cells)?;
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

/// Exports what the segments read, straight from the store file (times as stored: RFC 3339 UTC with
/// nanoseconds; money in minor units), and returns the data set's numbers.
fn export(store: &Path, dir: &Path, clock: &Clock) -> BoxResult<Value> {
    let conn = Connection::open(store)?;
    let mut stats = serde_json::Map::new();
    let tables: &[(&str, &str, &str)] = &[
        (
            "clients.csv",
            "id,kind,name,email,phone,region,industry,owner_id,created_at",
            "SELECT id, kind, name, email, phone, region, industry, owner_id, created_at FROM clients ORDER BY id",
        ),
        (
            "client_tags.csv",
            "client_id,tag",
            "SELECT c.id, t.value FROM clients c, json_each(c.tags) t ORDER BY c.id, t.value",
        ),
        (
            "client_attributes.csv",
            "client_id,key,type,value",
            "SELECT c.id, a.key, a.type, CAST(a.value AS TEXT) FROM clients c, json_each(c.attributes) a
             WHERE json_type(c.attributes) = 'object' ORDER BY c.id, a.key",
        ),
        (
            "rollups.csv",
            "client_id,revenue,orders,first_order_at,last_order_at",
            "SELECT client_id, revenue, orders, first_order_at, last_order_at FROM client_rollups ORDER BY client_id",
        ),
        (
            "orders.csv",
            "id,client_id,ordered_at,status,total",
            "SELECT id, client_id, ordered_at, status, total FROM orders ORDER BY id",
        ),
    ];
    for (name, header, sql) in tables {
        let rows = export_table(&conn, dir, name, header, sql)?;
        stats.insert((*name).into(), rows.into());
    }
    let as_of = crm_ts(at(clock.as_of)?);
    let counts = [
        (
            "clients_after_as_of",
            "SELECT count(*) FROM clients WHERE created_at > ?1",
        ),
        (
            "completed_orders",
            "SELECT count(*) FROM orders WHERE status = 'completed'",
        ),
        (
            "clients_with_completed_orders",
            "SELECT count(*) FROM client_rollups",
        ),
    ];
    for (name, sql) in counts {
        let mut stmt = conn.prepare(sql)?;
        let n: i64 = if stmt.parameter_count() == 1 {
            stmt.query_row([&as_of], |r| r.get(0))?
        } else {
            stmt.query_row([], |r| r.get(0))?
        };
        stats.insert(name.into(), n.into());
    }
    Ok(Value::Object(stats))
}

/// A time as crm-core stores it.
fn crm_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

// --- the cache ----------------------------------------------------------------------------------------------

/// A fingerprint of the schema this crm-core writes (FNV-1a over `sqlite_schema` and `user_version` of a
/// new store): a cached store written by another schema is rebuilt, not migrated.
fn schema_fingerprint(dir: &Path) -> BoxResult<String> {
    let probe = dir.join("schema-probe.crm");
    let remove = |p: &Path| {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    };
    remove(&probe);
    Crm::open(&probe)?.close()?;
    let text = {
        let conn = Connection::open(&probe)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let mut stmt = conn.prepare(
            "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY type, name",
        )?;
        let parts = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        format!("{version}\n{}", parts.join("\n"))
    };
    remove(&probe);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Ok(format!("{hash:016x}"))
}

const CSV_FILES: &[&str] = &[
    "clients.csv",
    "client_tags.csv",
    "client_attributes.csv",
    "rollups.csv",
    "orders.csv",
];

/// The manifest of a cached store, if it is complete and was built for this key.
fn cached(dir: &Path, key: &Value) -> Option<Value> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    let complete = std::iter::once("store.crm")
        .chain(CSV_FILES.iter().copied())
        .all(|f| dir.join(f).is_file());
    (complete && manifest.get("key") == Some(key)).then_some(manifest)
}

// --- measuring ------------------------------------------------------------------------------------------------

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// Times one expression; an error (a parse error, a missing field) is reported, not raised.
fn measure(crm: &Crm, expr: &str, as_of: DateTime<Utc>, runs: usize, ids_file: &Path) -> Value {
    let warm = crm.segment(expr, as_of).map_err(|e| e.to_string());
    let ids = match warm {
        Ok(ids) => ids,
        Err(e) => return json!({ "expression": expr, "error": e }),
    };
    let count = match crm.segment_count(expr, as_of).map_err(|e| e.to_string()) {
        Ok(c) => c,
        Err(e) => return json!({ "expression": expr, "error": format!("segment_count: {e}") }),
    };
    let mut ids_ms = Vec::with_capacity(runs);
    let mut count_ms = Vec::with_capacity(runs);
    let mut unstable = false;
    for _ in 0..runs {
        let started = Instant::now();
        let again = crm.segment(expr, as_of).map_err(|e| e.to_string());
        ids_ms.push(started.elapsed().as_secs_f64() * 1e3);
        unstable |= again.as_ref().map_or(true, |a| a.len() != ids.len());
        let started = Instant::now();
        let again = crm.segment_count(expr, as_of).map_err(|e| e.to_string());
        count_ms.push(started.elapsed().as_secs_f64() * 1e3);
        unstable |= again.as_ref().map_or(true, |c| *c != count);
    }
    let ascending = ids.windows(2).all(|w| w[0] < w[1]);
    let written = write_ids(ids_file, &ids).map_err(|e| e.to_string());
    json!({
        "expression": expr,
        "ids_ms": round3(median(ids_ms.clone())),
        "ids_ms_min": round3(ids_ms.iter().copied().fold(f64::INFINITY, f64::min)),
        "count_ms": round3(median(count_ms.clone())),
        "count_ms_min": round3(count_ms.iter().copied().fold(f64::INFINITY, f64::min)),
        "ids": ids.len(),
        "count": count,
        "ids_ascending": ascending,
        "ids_len_equals_count": u64::try_from(ids.len()).ok() == Some(count),
        "same_result_every_run": !unstable,
        "ids_file": written.map(|()| ids_file.display().to_string()).unwrap_or_else(|e| format!("error: {e}")),
    })
}

fn write_ids(path: &Path, ids: &[ClientId]) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    for id in ids {
        out.write_all(&id.0.to_le_bytes())?;
    }
    out.flush()
}

// --- main -----------------------------------------------------------------------------------------------------

struct Args {
    clients: usize,
    dir: Option<PathBuf>,
    runs: usize,
    expressions: Option<PathBuf>,
    rebuild: bool,
}

fn args() -> BoxResult<Args> {
    let mut args = Args {
        clients: 1_000_000,
        dir: None,
        runs: 7,
        expressions: None,
        rebuild: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--clients" => args.clients = value()?.replace('_', "").parse()?,
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--runs" => args.runs = value()?.parse()?,
            "--expressions" => args.expressions = Some(PathBuf::from(value()?)),
            "--rebuild" => args.rebuild = true,
            _ => {} // `--bench`, which cargo passes, and anything else
        }
    }
    if args.clients == 0 || args.runs == 0 {
        return Err("--clients and --runs must be at least 1".into());
    }
    Ok(args)
}

fn main() -> BoxResult<()> {
    let args = args()?;
    let clock = Clock::new()?;
    let as_of = at(clock.as_of)?;
    let dir = args.dir.clone().unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/bench-segment")
            .join(args.clients.to_string())
    });
    std::fs::create_dir_all(dir.join("ids"))?;
    let store = dir.join("store.crm");

    let key = json!({
        "format_version": FORMAT_VERSION,
        "clients": args.clients,
        "seed": SEED,
        "schema": schema_fingerprint(&dir)?,
    });
    let (manifest, built) = match cached(&dir, &key).filter(|_| !args.rebuild) {
        Some(manifest) => (manifest, false),
        None => {
            let _ = std::fs::remove_file(dir.join("manifest.json"));
            eprintln!("segment bench: building the store in {}", dir.display());
            let started = Instant::now();
            let b = build(&store, &dir, args.clients, &clock)?;
            let manifest = json!({
                "key": key,
                "build_s": round3(started.elapsed().as_secs_f64()),
                "clients_s": round3(b.clients_s),
                "orders_s": round3(b.orders_s),
                "export_s": round3(b.export_s),
                "data": b.stats,
            });
            std::fs::write(
                dir.join("manifest.json"),
                serde_json::to_string_pretty(&manifest)?,
            )?;
            (manifest, true)
        }
    };

    let expressions: Vec<String> = match &args.expressions {
        Some(file) => std::fs::read_to_string(file)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect(),
        None => EXPRESSIONS.iter().map(|e| (*e).to_string()).collect(),
    };

    let started = Instant::now();
    let crm = Crm::open(&store)?;
    let open_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut results = Vec::with_capacity(expressions.len());
    for (k, expr) in expressions.iter().enumerate() {
        eprintln!("segment bench: {expr}");
        let ids_file = dir.join("ids").join(format!("{k:02}.i64"));
        let _ = std::fs::remove_file(&ids_file);
        results.push(measure(&crm, expr, as_of, args.runs, &ids_file));
    }
    drop(crm);

    let store_bytes = std::fs::metadata(&store).map(|m| m.len()).unwrap_or(0);
    let build_info: BTreeMap<&str, Value> = ["build_s", "clients_s", "orders_s", "export_s"]
        .into_iter()
        .map(|k| (k, manifest.get(k).cloned().unwrap_or(Value::Null)))
        .collect();
    let report = json!({
        "benchmark": "crm-core segments on a file store, median of runs after one warm-up",
        "clients": args.clients,
        "as_of": crm_ts(as_of),
        "dir": dir.display().to_string(),
        "store_bytes": store_bytes,
        "store_built_this_run": built,
        "build": build_info,
        "data": manifest.get("data").cloned().unwrap_or(Value::Null),
        "schema_version": crm_core::SCHEMA_VERSION,
        "runs": args.runs,
        "open_ms": round3(open_ms),
        "segments": results,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
