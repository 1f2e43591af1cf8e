//! Duplicate detection over realistic stores: `cargo bench --bench dedup` (options after `--`:
//! `--clients N`, default 1,000,000; `--captures K`, default 3,000; `--pairs-clients N`, default 100,000;
//! `--min-score S`, default 0.9; `--dir DIR`, default `target/bench-dedup`; `--only capture|pairs`;
//! `--rebuild`). Prints one JSON object.
//!
//! **Capture.** `capture_lead` with its duplicate check, on a base of N clients: per-capture latency
//! (median, p99, p999, mean, max) of K captures in a seeded mix — a third from a known client's phone
//! written in another format (with the first name, a name in another script, or nothing), a third from a
//! known client's e-mail in other letter case, a third from people the base does not know (a new phone,
//! a new e-mail, a name) — each group and overall, with what the check found (auto-linked, linked to the
//! client the capture came from, matches suggested). After `WARMUP` captures of the same mix that are
//! not counted. In the same run, the same captures against raw SQLite on the same clients: per capture,
//! one transaction with an indexed lookup of the phone and of the e-mail (normalised the naive way: the
//! digits with the country code, the e-mail lowercased) in a four-column clients table, and one
//! `INSERT` of a bare lead row linked to the single client found — the ratio of the medians is the price
//! of the validation, the event log, the matching keys and the scoring. And, for scale, crmkit's
//! captures on an empty store (no base, no candidates). The three sides take each capture in turn, so
//! that whatever else the machine is doing weighs on all of them alike. The measured stores are copies
//! of the cached ones (flushed to disk before the first capture), so the cache does not grow with every
//! run.
//!
//! **Pairs.** `duplicate_pairs(S)` over the store of `--pairs-clients` clients (built by the same
//! generator; the capture store itself when the two counts are equal): the median of 3,
//! each on a freshly opened store, the pairs found and how many of the planted duplicates they are
//! (precision and recall against the planted pairs; recall by how many strong identifiers — phone,
//! e-mail, tax id, birth date — the duplicate kept exactly). In the same run, the naive exact-key
//! dedup a user would write: a raw SQLite self-join of `clients` on `phone_norm`, its time, its pairs
//! and the same precision and recall.
//!
//! The stores are built through crm-core's public API from a seeded generator, so every run builds the
//! same ones: 50 managers, then clients in transactions of 20,000 `add_client` calls. Clients are
//! Ukrainian-ish: a quarter companies (legal forms, ФОП, ЄДРПОУ with a valid checksum, company
//! domains), the rest persons (names in Cyrillic and in Latin transliteration, in either order, with a
//! patronymic, surnames from a long tail; РНОКПП for some), phones in E.164 and in national formats (a
//! few malformed), e-mails on free-mail and company domains (a few malformed), dates of birth and
//! addresses in Ukrainian and Latin forms. 2 % of the clients are planted duplicates of an earlier
//! client, entered again the way a second manager would: the name in another script or order (now and
//! then with a typo), the phone in another format or missing or new, the e-mail in other case or missing
//! or another one, the tax id, birth date and address kept, dropped or mistyped. Each store is cached
//! in `DIR/<N>` (`store.crm`, the raw baseline's `raw.db`, the planted pairs in `planted.csv` and a
//! `manifest.json`); a later run with the same client count, data format, `crm_core::SCHEMA_VERSION` and
//! store fingerprint (schema, normal forms and matching keys of a sample) reuses it. The build rate
//! (clients per second) is in the manifest and reported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use crm_core::{Channel, ClientKind, Crm, ManagerId, NewClient, NewLead, NewManager};
use crmkit_suite::Rng;
use crmkit_suite::measure::{quantile, round1, round3};
use rusqlite::{Connection, params};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The version of the generated data and of the cached files: change it whenever either changes, so that
/// cached stores are rebuilt.
const FORMAT_VERSION: u32 = 2;
const SEED: u64 = 0xDED0_2026;
/// Clients per transaction while building.
const CHUNK: usize = 20_000;
const MANAGERS: usize = 50;
/// A client is a planted duplicate of an earlier one this many times in 10,000.
const DUPLICATES_PER_10K: u64 = 200;
/// Captures run before the measured ones on each side (same mix), not counted.
const WARMUP: usize = 100;
/// Clients in the sample whose normal forms and keys go into the store fingerprint.
const FINGERPRINT_SAMPLE: usize = 300;

// --- reference data -------------------------------------------------------------------------------------

/// First names with whether they are a woman's.
const FIRST_NAMES: &[(&str, bool)] = &[
    ("Олександр", false),
    ("Олена", true),
    ("Іван", false),
    ("Наталія", true),
    ("Андрій", false),
    ("Оксана", true),
    ("Сергій", false),
    ("Тетяна", true),
    ("Дмитро", false),
    ("Ольга", true),
    ("Максим", false),
    ("Юлія", true),
    ("Володимир", false),
    ("Ірина", true),
    ("Віктор", false),
    ("Марія", true),
    ("Микола", false),
    ("Катерина", true),
    ("Богдан", false),
    ("Анна", true),
    ("Василь", false),
    ("Світлана", true),
    ("Юрій", false),
    ("Галина", true),
    ("Роман", false),
    ("Вікторія", true),
    ("Олег", false),
    ("Анастасія", true),
    ("Ігор", false),
    ("Людмила", true),
    ("Михайло", false),
    ("Софія", true),
    ("Петро", false),
    ("Дар'я", true),
    ("Тарас", false),
    ("Ярослава", true),
    ("Євген", false),
    ("Христина", true),
    ("Костянтин", false),
    ("Надія", true),
    ("В'ячеслав", false),
    ("Кирило", false),
    ("Артем", false),
    ("Денис", false),
];

/// Patronymics, a man's and a woman's.
const PATRONYMICS: &[(&str, &str)] = &[
    ("Олександрович", "Олександрівна"),
    ("Іванович", "Іванівна"),
    ("Миколайович", "Миколаївна"),
    ("Васильович", "Василівна"),
    ("Петрович", "Петрівна"),
    ("Сергійович", "Сергіївна"),
    ("Володимирович", "Володимирівна"),
    ("Анатолійович", "Анатоліївна"),
    ("Михайлович", "Михайлівна"),
    ("Юрійович", "Юріївна"),
    ("Андрійович", "Андріївна"),
    ("Віталійович", "Віталіївна"),
    ("Григорович", "Григорівна"),
    ("Богданович", "Богданівна"),
];

/// The most common surnames, most common first; a long tail is made from `STEMS` and `ENDINGS`.
const SURNAMES: &[&str] = &[
    "Мельник",
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Бойко",
    "Ткаченко",
    "Кравченко",
    "Ковальчук",
    "Коваль",
    "Олійник",
    "Шевчук",
    "Поліщук",
    "Ткачук",
    "Савченко",
    "Марченко",
    "Лисенко",
    "Руденко",
    "Петренко",
    "Мороз",
    "Павленко",
    "Кузьменко",
    "Гриценко",
    "Клименко",
    "Левчук",
    "Карпенко",
    "Сидоренко",
    "Романюк",
    "Іваненко",
    "Литвин",
    "Кравчук",
    "Гнатюк",
    "Савчук",
    "Мазур",
    "Остапчук",
    "Яковенко",
    "Вовк",
    "Дяченко",
    "Гончар",
    "Юрченко",
    "Костенко",
    "Щербак",
    "Приходько",
    "Ґудзь",
    "Заїка",
    "Єременко",
];
const STEMS: &[&str] = &[
    "Андрі",
    "Бабі",
    "Бережн",
    "Білоус",
    "Бірюк",
    "Бурлак",
    "Василь",
    "Верб",
    "Вихор",
    "Гаврил",
    "Галушк",
    "Герас",
    "Головат",
    "Горб",
    "Гребін",
    "Данил",
    "Демч",
    "Дзюб",
    "Дорош",
    "Дудар",
    "Жук",
    "Задорож",
    "Зінч",
    "Кармел",
    "Кирил",
    "Климч",
    "Козач",
    "Колесн",
    "Корол",
    "Костюк",
    "Кучер",
    "Лебед",
    "Лук'ян",
    "Лях",
    "Мартин",
    "Мацюк",
    "Мирон",
    "Мовчан",
    "Назар",
    "Нестер",
    "Олексі",
    "Осадч",
    "Панас",
    "Пилип",
    "Прокоп",
    "Радч",
    "Рибак",
    "Рог",
    "Сахн",
    "Семен",
    "Сердюк",
    "Симон",
    "Скрип",
    "Сокол",
    "Стасюк",
    "Стецюк",
    "Тарас",
    "Тимч",
    "Федор",
    "Філіп",
    "Харч",
    "Хом",
    "Цимбал",
    "Чорн",
    "Шаповал",
    "Шульг",
    "Юрк",
    "Яким",
    "Ярош",
    "Яцен",
    "Дмитр",
    "Остап",
    "Степан",
    "Бойч",
    "Гордій",
    "Зайч",
    "Кушнір",
    "Процен",
    "Пономар",
    "Борис",
];
const ENDINGS: &[&str] = &[
    "енко",
    "ук",
    "чук",
    "юк",
    "ишин",
    "ович",
    "евич",
    "ський",
    "цький",
    "ець",
    "ик",
    "ак",
];
/// More stems, made of an opening syllable and a consonant (`Ко` + `вч` + `енко`), so that the tail is
/// as long as a real population's: the most common surname is about 0.5 % of the persons, as Мельник
/// is in Ukraine, and most surnames are rare.
const ONSETS: &[&str] = &[
    "Бо", "Ва", "Га", "Да", "Же", "За", "Ка", "Ко", "Ку", "Ле", "Ли", "Ма", "Ми", "Мо", "На", "Не",
    "Па", "Пе", "По", "Ра", "Ро", "Са", "Се", "Со", "Та", "Те", "Ти", "Фе", "Ха", "Че", "Ша", "Ше",
    "Ю", "Я",
];
const CONSONANTS: &[&str] = &[
    "б", "в", "вч", "д", "з", "к", "л", "льн", "м", "н", "р", "с", "т", "х", "ц", "ч", "ш", "щ",
    "рн", "лк",
];

/// Company names are a prefix and a suffix, an extension now and then, and a city now and then.
const NAME_PREFIXES: &[&str] = &[
    "Агро",
    "Буд",
    "Техно",
    "Укр",
    "Київ",
    "Львів",
    "Дніпро",
    "Енерго",
    "Мета",
    "Фарм",
    "Транс",
    "Хліб",
    "Еко",
    "Прод",
    "Авто",
    "Мед",
    "Сталь",
    "Електро",
    "Тепло",
    "Аква",
    "Світло",
    "Смарт",
    "Нова",
    "Поділ",
    "Карпат",
];
const NAME_SUFFIXES: &[&str] = &[
    "світ",
    "майстер",
    "ком",
    "пласт",
    "постач",
    "трейд",
    "інвест",
    "пром",
    "лайн",
    "сервіс",
    "маркет",
    "альянс",
    "центр",
    "стиль",
    "груп",
    "бізнес",
    "лідер",
    "ресурс",
];
const NAME_EXTENSIONS: &[&str] = &[
    "",
    "",
    "",
    "",
    "",
    "",
    " Плюс",
    "-2000",
    " Груп",
    " Україна",
    " Сервіс",
    " Захід",
    " Схід",
    " Центр",
    " Люкс",
    " Нова",
    "-К",
    " Про",
];
/// Legal forms: as written in Ukrainian, in Latin, and how often.
const FORMS: &[(&str, &str, u32)] = &[
    ("ТОВ", "LLC", 55),
    ("ПП", "PE", 12),
    ("ПрАТ", "PrJSC", 4),
    ("ТзОВ", "TzOV", 6),
    ("АТ", "JSC", 3),
    ("", "", 20),
];

/// Cities: name, region (as clients store it), the first two digits of their postcodes, and weight.
const CITIES: &[(&str, &str, u32, u32)] = &[
    ("Київ", "Kyiv", 1, 300),
    ("Харків", "Kharkiv", 61, 90),
    ("Дніпро", "Dnipro", 49, 80),
    ("Одеса", "Odesa", 65, 80),
    ("Львів", "Lviv", 79, 75),
    ("Запоріжжя", "Zaporizhzhia", 69, 45),
    ("Вінниця", "Vinnytsia", 21, 35),
    ("Полтава", "Poltava", 36, 30),
    ("Івано-Франківськ", "Ivano-Frankivsk", 76, 28),
    ("Хмельницький", "Khmelnytskyi", 29, 27),
    ("Чернігів", "Chernihiv", 14, 25),
    ("Черкаси", "Cherkasy", 18, 25),
    ("Житомир", "Zhytomyr", 10, 24),
    ("Суми", "Sumy", 40, 23),
    ("Рівне", "Rivne", 33, 22),
    ("Тернопіль", "Ternopil", 46, 21),
    ("Луцьк", "Volyn", 43, 20),
    ("Ужгород", "Zakarpattia", 88, 12),
    ("Чернівці", "Chernivtsi", 58, 19),
    ("Кропивницький", "Kropyvnytskyi", 25, 18),
    ("Миколаїв", "Mykolaiv", 54, 22),
    ("Херсон", "Kherson", 73, 15),
];
const STREETS: &[&str] = &[
    "Шевченка",
    "Хрещатик",
    "Соборна",
    "Незалежності",
    "Франка",
    "Лесі Українки",
    "Грушевського",
    "Садова",
    "Миру",
    "Центральна",
    "Молодіжна",
    "Шкільна",
    "Лісова",
    "Польова",
    "Зелена",
    "Набережна",
    "Київська",
    "Заводська",
    "Перемоги",
    "Бандери",
    "Коновальця",
    "Мазепи",
    "Сагайдачного",
    "Хмельницького",
    "Січових Стрільців",
    "Вишнева",
    "Квіткова",
    "Паркова",
    "Весняна",
    "Героїв Майдану",
];

/// Mobile operators' codes, and (for companies' landlines) area codes.
const OPERATORS: &[&str] = &[
    "67", "68", "96", "97", "98", "50", "66", "95", "99", "63", "73", "93",
];
const AREAS: &[&str] = &["44", "57", "56", "48", "32", "61", "43", "53"];
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "ukr.net",
    "i.ua",
    "meta.ua",
    "outlook.com",
    "gmail.com",
    "ukr.net",
];
const MAILBOXES: &[&str] = &["office", "info", "sales", "zakaz", "buh", "post"];
const NEEDS: &[&str] = &[
    "Прошу передзвонити",
    "Потрібен рахунок на оплату",
    "Цікавить оптова ціна",
    "Хочу оформити замовлення",
    "Питання щодо доставки",
    "Please call me back",
];

// --- small helpers ----------------------------------------------------------------------------------------

/// A Zipf-like draw over `n` ranks (rank 0 the most likely), by a binary search of cumulative weights.
struct Zipf {
    cumulative: Vec<u64>,
}

impl Zipf {
    fn new(n: usize, exponent: f64) -> Zipf {
        let mut total = 0_u64;
        let cumulative = (0..n)
            .map(|k| {
                // The weights only shape the draw: a float is fine here.
                total += (1e6 / ((k + 1) as f64).powf(exponent)).round().max(1.0) as u64;
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        let x = rng.below(total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

fn weighted<T>(rng: &mut Rng, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
    let weights: Vec<u32> = items.iter().map(weight).collect();
    rng.weighted(&weights)
}

/// Ukrainian Cyrillic in the national Latin transliteration (KMU 2010): `Євген Григорович` → `Yevhen
/// Hryhorovych`; the apostrophe and the soft sign are dropped; other characters are kept. Written apart
/// from `crm_core::dedup::names` on purpose: the generator must not share the matcher's own rules.
fn translit(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    for (k, &c) in chars.iter().enumerate() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let upper = lower != c;
        let word_start = k == 0 || !(chars[k - 1].is_alphabetic() || chars[k - 1] == '\'');
        let after_z = k > 0 && matches!(chars[k - 1], 'з' | 'З');
        let latin = match lower {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' if after_z => "gh",
            'г' => "h",
            'ґ' => "g",
            'д' => "d",
            'е' => "e",
            'є' if word_start => "ye",
            'є' => "ie",
            'ж' => "zh",
            'з' => "z",
            'и' => "y",
            'і' => "i",
            'ї' if word_start => "yi",
            'ї' => "i",
            'й' if word_start => "y",
            'й' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ь' | '\'' | '’' => "",
            'ю' if word_start => "yu",
            'ю' => "iu",
            'я' if word_start => "ya",
            'я' => "ia",
            _ => {
                out.push(c);
                continue;
            }
        };
        if upper {
            out.push_str(&capital(latin));
        } else {
            out.push_str(latin);
        }
    }
    out
}

fn capital(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lowercase ASCII letters and digits only: for e-mail local parts and domains.
fn slug(text: &str) -> String {
    translit(text)
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn digits_of(n: u64, width: usize) -> Vec<u32> {
    let text = format!("{n:0width$}");
    text.chars().filter_map(|c| c.to_digit(10)).collect()
}

fn weighted_sum(digits: &[u32], weights: &[i64]) -> i64 {
    digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| i64::from(d) * w)
        .sum()
}

fn join_digits(digits: &[u32]) -> String {
    digits
        .iter()
        .filter_map(|&d| char::from_digit(d, 10))
        .collect()
}

/// An ЄДРПОУ code with a valid check digit (the Держстат method).
fn edrpou(rng: &mut Rng) -> String {
    let mut digits = digits_of(rng.below(5_000_000), 7);
    let middle_band = matches!(digits.first(), Some(3..=5));
    let weights: [i64; 7] = if middle_band {
        [7, 1, 2, 3, 4, 5, 6]
    } else {
        [1, 2, 3, 4, 5, 6, 7]
    };
    let mut check = weighted_sum(&digits, &weights) % 11;
    if check == 10 {
        check = weighted_sum(&digits, &weights.map(|w| w + 2)) % 11 % 10;
    }
    digits.push(u32::try_from(check).unwrap_or(0));
    join_digits(&digits)
}

/// A РНОКПП with a valid check digit; its first five digits are the days from 1899-12-31 to the birth date.
fn rnokpp(rng: &mut Rng, birth: Option<NaiveDate>) -> String {
    let days = birth
        .and_then(|b| NaiveDate::from_ymd_opt(1899, 12, 31).map(|o| (b - o).num_days()))
        .and_then(|d| u64::try_from(d).ok())
        .unwrap_or_else(|| 20_000 + rng.below(18_000));
    let mut digits = digits_of(days % 100_000 * 10_000 + rng.below(10_000), 9);
    let check = weighted_sum(&digits, &[-1, 5, 7, 9, 4, 6, 10, 5, 7]).rem_euclid(11) % 10;
    digits.push(u32::try_from(check).unwrap_or(0));
    join_digits(&digits)
}

// --- identities and how they are written -----------------------------------------------------------------

#[derive(Clone)]
struct Person {
    first: &'static str,
    surname: String,
    patronymic: &'static str,
}

#[derive(Clone)]
enum Party {
    Person(Person),
    Company {
        core: String,
        form: usize,
    },
    /// A ФОП: a person registered as an entrepreneur, kept as a company client.
    Sole(Person),
}

#[derive(Clone)]
struct Address {
    street: &'static str,
    house: u64,
    unit: Option<u64>,
    city: usize,
    postcode: u64,
}

/// A party as it is in the world; a client is one way of writing it down.
#[derive(Clone)]
struct Identity {
    party: Party,
    /// The national significant number (nine digits: operator or area code, then the subscriber).
    phone: Option<String>,
    email: Option<String>,
    birth: Option<NaiveDate>,
    tax: Option<String>,
    address: Option<Address>,
    city: usize,
}

/// The name lists the generator draws from.
struct Names {
    surnames: Vec<String>,
    surname_rank: Zipf,
    first_rank: Zipf,
}

impl Names {
    fn new() -> Names {
        let mut surnames: Vec<String> = SURNAMES.iter().map(|s| (*s).to_string()).collect();
        let mut tail: Vec<String> = Vec::new();
        for stem in STEMS {
            for ending in ENDINGS {
                tail.push(format!("{stem}{ending}"));
            }
        }
        for onset in ONSETS {
            for consonant in CONSONANTS {
                for ending in ENDINGS {
                    tail.push(format!("{onset}{consonant}{ending}"));
                }
            }
        }
        // The tail in a fixed shuffled order, so that no stem is systematically more common.
        let mut rng = Rng::new(SEED ^ 0x5A5A);
        for k in (1..tail.len()).rev() {
            let j = usize::try_from(rng.below(k as u64 + 1)).unwrap_or(0);
            tail.swap(k, j);
        }
        let mut seen: HashSet<String> = surnames.iter().cloned().collect();
        for name in tail {
            if seen.insert(name.clone()) {
                surnames.push(name);
            }
        }
        let n = surnames.len();
        Names {
            surnames,
            surname_rank: Zipf::new(n, 0.5),
            first_rank: Zipf::new(FIRST_NAMES.len(), 0.5),
        }
    }

    fn person(&self, rng: &mut Rng) -> Person {
        let (first, female) = FIRST_NAMES[self.first_rank.draw(rng)];
        let mut surname = self.surnames[self.surname_rank.draw(rng)].clone();
        if let Some(stem) = surname.strip_suffix("ський").filter(|_| female) {
            surname = format!("{stem}ська");
        }
        let (man, woman) = *rng.pick(PATRONYMICS);
        Person {
            first,
            surname,
            patronymic: if female { woman } else { man },
        }
    }
}

fn mobile(rng: &mut Rng) -> String {
    format!("{}{:07}", rng.pick(OPERATORS), rng.below(10_000_000))
}

/// How a phone is written: the stored client's format is remembered, so that a capture can use another.
const PHONE_FORMATS: usize = 6;

fn write_phone(nsn: &str, format: usize) -> String {
    let (code, rest) = nsn.split_at(2.min(nsn.len()));
    let (a, bc) = rest.split_at(3.min(rest.len()));
    let (b, c) = bc.split_at(2.min(bc.len()));
    match format {
        0 => format!("+380{nsn}"),
        1 => format!("0{code} {a} {b} {c}"),
        2 => format!("+38 (0{code}) {a}-{b}-{c}"),
        3 => format!("380{nsn}"),
        4 => format!("0{nsn}"),
        _ => format!("+380 {code} {a} {b} {c}"),
    }
}

fn person_email(rng: &mut Rng, p: &Person, unique: usize) -> String {
    let (f, s) = (slug(p.first), slug(&p.surname));
    let initial: String = f.chars().take(1).collect();
    let local = match rng.below(100) {
        0..=49 => format!("{f}.{s}{unique}"),
        50..=69 => format!("{s}.{f}{unique}"),
        70..=84 => format!("{initial}{s}{unique}"),
        _ => format!("{s}{unique}"),
    };
    format!("{local}@{}", rng.pick(FREE_MAIL))
}

fn company_email(rng: &mut Rng, core: &str, unique: usize) -> String {
    format!("{}@{}{unique}.com.ua", rng.pick(MAILBOXES), slug(core))
}

/// The same mailbox in other letter case, as people type it: capitals at the start of the words, or
/// the whole address in capitals.
fn recase(email: &str, rng: &mut Rng) -> String {
    if rng.chance(25, 100) {
        return email.to_uppercase();
    }
    let mut out = String::with_capacity(email.len());
    let mut start = true;
    for c in email.chars() {
        if start && c.is_ascii_alphabetic() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
        start = matches!(c, '.' | '@' | '_' | '-');
    }
    if out == email {
        out = email.to_uppercase();
    }
    out
}

fn write_person(rng: &mut Rng, p: &Person) -> String {
    let (first, sur, patr) = (p.first, p.surname.as_str(), p.patronymic);
    match rng.below(100) {
        0..=44 => format!("{first} {sur}"),
        45..=64 => format!("{sur} {first} {patr}"),
        65..=72 => format!("{} {first}", sur.to_uppercase()),
        73..=94 => format!("{} {}", translit(first), translit(sur)),
        _ => format!("{} {}", translit(sur), translit(first)),
    }
}

fn write_company(rng: &mut Rng, core: &str, form: usize) -> String {
    let (ua, latin, _) = FORMS[form];
    if ua.is_empty() {
        return match rng.below(100) {
            0..=84 => core.to_string(),
            _ => translit(core),
        };
    }
    match rng.below(100) {
        0..=49 => format!("{ua} \"{core}\""),
        50..=64 => format!("{ua} «{core}»"),
        65..=74 => format!("{core}, {ua}"),
        75..=82 => core.to_string(),
        83..=92 => format!("{} {latin}", translit(core)),
        _ if ua == "ТОВ" => format!("Товариство з обмеженою відповідальністю \"{core}\""),
        _ => format!("{ua} {core}"),
    }
}

fn write_sole(rng: &mut Rng, p: &Person) -> String {
    let initial = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    match rng.below(100) {
        0..=44 => format!("ФОП {} {}", p.surname, p.first),
        45..=74 => format!(
            "ФОП {} {}.{}.",
            p.surname,
            initial(p.first),
            initial(p.patronymic)
        ),
        75..=89 => format!("ФОП {} {} {}", p.surname, p.first, p.patronymic),
        _ => format!("FOP {} {}", translit(&p.surname), translit(p.first)),
    }
}

fn write_address(rng: &mut Rng, a: &Address, company: bool) -> String {
    let (city, _, _, _) = CITIES[a.city];
    let unit = match (a.unit, company) {
        (Some(u), false) => format!(", кв. {u}"),
        (Some(u), true) => format!(", офіс {u}"),
        (None, _) => String::new(),
    };
    let (street, house, postcode) = (a.street, a.house, a.postcode);
    match rng.below(100) {
        0..=44 => format!("вул. {street}, {house}{unit}, м. {city}, {postcode:05}"),
        45..=74 => format!("{postcode:05}, м. {city}, вул. {street}, буд. {house}{unit}"),
        75..=89 => format!("м. {city}, вул. {street} {house}{unit}"),
        _ => {
            let unit = a.unit.map(|u| format!(", apt {u}")).unwrap_or_default();
            format!(
                "{house} {} St{unit}, {} {postcode:05}",
                translit(street),
                translit(city)
            )
        }
    }
}

fn new_address(rng: &mut Rng, city: usize, company: bool) -> Address {
    let street = *rng.pick(STREETS);
    let (_, _, prefix, _) = CITIES[city];
    Address {
        street,
        house: 1 + rng.below(180),
        unit: rng
            .chance(if company { 40 } else { 70 }, 100)
            .then(|| 1 + rng.below(if company { 30 } else { 240 })),
        city,
        postcode: u64::from(prefix) * 1000 + rng.below(1000),
    }
}

/// One client as written down: what `add_client` gets, and what the captures need to know about it.
struct Planned {
    identity: Identity,
    client: NewClient,
    /// The format the stored phone is written in (`None`: no phone, or a malformed one).
    phone_format: Option<usize>,
    /// Whether the stored e-mail is well formed.
    email_ok: bool,
}

/// A planted duplicate: the earlier client, the later one, and which strong identifiers the later one
/// kept exactly (`phone`, `email`, `tax_id`, `birth_date`, joined by `+`; `none`).
struct Planted {
    original: usize,
    duplicate: usize,
    kept: String,
}

fn new_identity(rng: &mut Rng, names: &Names, cities: &[u32], i: usize) -> Identity {
    let city = rng.weighted(cities);
    let company = rng.chance(25, 100);
    let party = if !company {
        Party::Person(names.person(rng))
    } else if rng.chance(20, 100) {
        Party::Sole(names.person(rng))
    } else {
        let core = format!(
            "{}{}{}",
            rng.pick(NAME_PREFIXES),
            rng.pick(NAME_SUFFIXES),
            rng.pick(NAME_EXTENSIONS)
        );
        let core = if rng.chance(15, 100) {
            format!("{core} {}", CITIES[rng.weighted(cities)].0)
        } else {
            core
        };
        Party::Company {
            core,
            form: weighted(rng, FORMS, |f| f.2),
        }
    };
    let person = matches!(party, Party::Person(_));
    let phone = if rng.chance(if person { 85 } else { 92 }, 100) {
        Some(if !person && rng.chance(30, 100) {
            format!("{}{:07}", rng.pick(AREAS), rng.below(10_000_000))
        } else {
            mobile(rng)
        })
    } else {
        None
    };
    let email = match &party {
        Party::Person(p) | Party::Sole(p) if rng.chance(70, 100) => Some(person_email(rng, p, i)),
        Party::Company { core, .. } if rng.chance(85, 100) => Some(company_email(rng, core, i)),
        _ => None,
    };
    let birth = if person && rng.chance(45, 100) {
        NaiveDate::from_ymd_opt(1950, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(rng.below(365 * 55))))
    } else {
        None
    };
    let tax = match &party {
        Party::Company { .. } if rng.chance(85, 100) => Some(edrpou(rng)),
        Party::Sole(_) if rng.chance(70, 100) => Some(rnokpp(rng, None)),
        Party::Person(_) if rng.chance(15, 100) => Some(rnokpp(rng, birth)),
        _ => None,
    };
    let address = rng
        .chance(if person { 40 } else { 70 }, 100)
        .then(|| new_address(rng, city, !person));
    Identity {
        party,
        phone,
        email,
        birth,
        tax,
        address,
        city,
    }
}

/// The same party entered again by someone else: what they kept, dropped or changed.
fn duplicate_of(rng: &mut Rng, original: &Identity, names: &Names, i: usize) -> (Identity, String) {
    let mut d = original.clone();
    let mut kept = Vec::new();
    let typo = |rng: &mut Rng, word: &str| -> String {
        let mut chars: Vec<char> = word.chars().collect();
        if chars.len() > 3 {
            let k = 1 + usize::try_from(rng.below(chars.len() as u64 - 2)).unwrap_or(0);
            if rng.chance(50, 100) {
                chars.swap(k, k + 1);
            } else {
                chars.remove(k);
            }
        }
        chars.into_iter().collect()
    };
    match &mut d.party {
        Party::Person(p) | Party::Sole(p) => {
            if rng.chance(10, 100) {
                p.surname = typo(rng, &p.surname);
            }
        }
        Party::Company { core, form } => {
            if rng.chance(5, 100) {
                *core = typo(rng, core);
            }
            if rng.chance(20, 100) {
                *form = weighted(rng, FORMS, |f| f.2);
            }
        }
    }
    if d.phone.is_some() {
        match rng.below(100) {
            0..=64 => kept.push("phone"),
            65..=84 => d.phone = None,
            _ => d.phone = Some(mobile(rng)),
        }
    }
    if d.email.is_some() {
        match rng.below(100) {
            0..=44 => kept.push("email"),
            45..=74 => d.email = None,
            _ => {
                let p = match &d.party {
                    Party::Person(p) | Party::Sole(p) => p.clone(),
                    Party::Company { .. } => names.person(rng),
                };
                d.email = Some(person_email(rng, &p, i));
            }
        }
    }
    if let Some(tax) = &d.tax {
        match rng.below(100) {
            0..=69 => kept.push("tax_id"),
            70..=94 => d.tax = None,
            _ => {
                let mut chars: Vec<char> = tax.chars().collect();
                let k = usize::try_from(rng.below(chars.len() as u64)).unwrap_or(0);
                let digit = chars[k].to_digit(10).unwrap_or(0);
                chars[k] = char::from_digit((digit + 1) % 10, 10).unwrap_or('0');
                d.tax = Some(chars.into_iter().collect());
            }
        }
    }
    if let Some(birth) = d.birth {
        match rng.below(100) {
            0..=79 => kept.push("birth_date"),
            80..=91 => d.birth = None,
            _ => {
                let swapped = NaiveDate::from_ymd_opt(birth.year(), birth.day(), birth.month());
                d.birth = swapped
                    .filter(|s| *s != birth)
                    .or_else(|| birth.checked_add_days(chrono::Days::new(10)));
            }
        }
    }
    match &d.address {
        Some(_) if rng.chance(45, 100) => d.address = None,
        Some(_) => {}
        None if rng.chance(10, 100) => {
            let company = !matches!(d.party, Party::Person(_));
            d.address = Some(new_address(rng, d.city, company));
        }
        None => {}
    }
    let kept = if kept.is_empty() {
        "none".to_string()
    } else {
        kept.join("+")
    };
    (d, kept)
}

/// Writes an identity down as a client (formats drawn anew each time).
fn write_client(rng: &mut Rng, id: Identity, managers: u64) -> Planned {
    let (kind, name) = match &id.party {
        Party::Person(p) => (ClientKind::Person, write_person(rng, p)),
        Party::Company { core, form } => (ClientKind::Company, write_company(rng, core, *form)),
        Party::Sole(p) => (ClientKind::Company, write_sole(rng, p)),
    };
    let company = kind == ClientKind::Company;
    let mut client = NewClient::new(kind, name);
    let mut phone_format = None;
    if let Some(nsn) = &id.phone {
        if rng.chance(2, 100) {
            // Too short: stored, flagged invalid.
            client.phone = Some(format!("0{}", &nsn[..nsn.len().min(7)]));
        } else {
            let format = usize::try_from(rng.below(PHONE_FORMATS as u64)).unwrap_or(0);
            client.phone = Some(write_phone(nsn, format));
            phone_format = Some(format);
        }
    }
    let mut email_ok = false;
    if let Some(email) = &id.email {
        if rng.chance(2, 100) {
            // No @: stored, flagged invalid.
            client.email = Some(email.replacen('@', ".", 1));
        } else {
            client.email = Some(if rng.chance(5, 100) {
                recase(email, rng)
            } else {
                email.clone()
            });
            email_ok = true;
        }
    }
    client.tax_id = id.tax.clone();
    client.birth_date = id.birth;
    client.address = id.address.as_ref().map(|a| write_address(rng, a, company));
    client.region = Some(CITIES[id.city].1.to_string());
    if rng.chance(90, 100) {
        let m = i64::try_from(rng.below(managers)).unwrap_or(0);
        client.owner_id = Some(ManagerId(m + 1));
    }
    Planned {
        identity: id,
        client,
        phone_format,
        email_ok,
    }
}

/// The whole base: clients in the order they are added (client id = position + 1), and the planted
/// duplicates. The first k clients are the same for any `n` ≥ k.
fn plan(n: usize) -> (Vec<Planned>, Vec<Planted>) {
    let mut rng = Rng::new(SEED);
    let names = Names::new();
    let cities: Vec<u32> = CITIES.iter().map(|c| c.3).collect();
    let mut clients: Vec<Planned> = Vec::with_capacity(n);
    let mut planted = Vec::new();
    let mut taken = vec![false; n];
    for i in 0..n {
        let mut original = None;
        if i >= 100 && rng.chance(DUPLICATES_PER_10K, 10_000) {
            for _ in 0..4 {
                let j = usize::try_from(rng.below(i as u64)).unwrap_or(0);
                if !taken[j] {
                    original = Some(j);
                    break;
                }
            }
        }
        let planned = match original {
            Some(j) => {
                taken[j] = true;
                taken[i] = true;
                let (identity, kept) = duplicate_of(&mut rng, &clients[j].identity, &names, i);
                planted.push(Planted {
                    original: j,
                    duplicate: i,
                    kept,
                });
                write_client(&mut rng, identity, MANAGERS as u64)
            }
            None => {
                let identity = new_identity(&mut rng, &names, &cities, i);
                write_client(&mut rng, identity, MANAGERS as u64)
            }
        };
        clients.push(planned);
    }
    (clients, planted)
}

// --- time -------------------------------------------------------------------------------------------------

fn at(secs: i64) -> BoxResult<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("bad time {secs}").into())
}

fn epoch() -> BoxResult<i64> {
    Ok(Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()
        .ok_or("bad start date")?
        .timestamp())
}

/// When client `i` was added: 30 seconds apart.
fn created(i: usize) -> BoxResult<DateTime<Utc>> {
    at(epoch()? + i64::try_from(i)? * 30)
}

// --- the raw SQLite baseline --------------------------------------------------------------------------------

/// A phone as a user would normalise it by hand: the digits, with Ukraine's country code.
fn naive_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        12 if digits.starts_with("380") => Some(format!("+{digits}")),
        10 if digits.starts_with('0') => Some(format!("+38{digits}")),
        9 => Some(format!("+380{digits}")),
        _ => None,
    }
}

/// An e-mail as a user would normalise it by hand: trimmed and lowercased.
fn naive_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    email.contains('@').then_some(email)
}

fn raw_connection(path: &Path) -> BoxResult<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "busy_timeout", 5_000)?;
    Ok(conn)
}

/// The raw baseline's store: the same clients (id, name, phone and e-mail normalised the naive way),
/// and a bare leads table.
fn build_raw(path: &Path, clients: &[Planned]) -> BoxResult<()> {
    let mut conn = raw_connection(path)?;
    conn.execute_batch(
        "CREATE TABLE clients (
             id    INTEGER PRIMARY KEY,
             name  TEXT NOT NULL,
             phone TEXT,
             email TEXT
         ) STRICT;
         CREATE TABLE leads (
             id          INTEGER PRIMARY KEY,
             channel     TEXT NOT NULL,
             received_at TEXT NOT NULL,
             name        TEXT,
             company     TEXT,
             phone       TEXT,
             email       TEXT,
             need        TEXT,
             client_id   INTEGER REFERENCES clients (id)
         ) STRICT;
         CREATE INDEX leads_by_client ON leads (client_id);",
    )?;
    let tx = conn.transaction()?;
    {
        let mut stmt =
            tx.prepare("INSERT INTO clients (id, name, phone, email) VALUES (?1, ?2, ?3, ?4)")?;
        for (k, p) in clients.iter().enumerate() {
            stmt.execute(params![
                i64::try_from(k)? + 1,
                p.client.name,
                p.client.phone.as_deref().and_then(naive_phone),
                p.client.email.as_deref().and_then(naive_email),
            ])?;
        }
    }
    tx.execute_batch(
        "CREATE INDEX clients_by_phone ON clients (phone) WHERE phone IS NOT NULL;
         CREATE INDEX clients_by_email ON clients (email) WHERE email IS NOT NULL;",
    )?;
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

// --- building and caching -----------------------------------------------------------------------------------

fn remove_store(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Adds the managers and `clients` through the public API, in transactions of `CHUNK`; checks that
/// client ids are positions + 1. Returns the seconds the clients took.
fn fill(crm: &Crm, clients: &[Planned], progress: bool) -> BoxResult<f64> {
    let t0 = at(epoch()? - 86_400)?;
    for m in 0..MANAGERS {
        let (first, _) = FIRST_NAMES[m % FIRST_NAMES.len()];
        let surname = SURNAMES[(m * 7) % SURNAMES.len()];
        let mut new = NewManager::new(format!("{first} {surname}"));
        new.email = Some(format!("manager{m}@crm.example.ua"));
        let id = crm.add_manager(new, t0)?.id;
        if id != ManagerId(i64::try_from(m)? + 1) {
            return Err("managers must get ids 1 to 50 in a new store".into());
        }
    }
    let started = Instant::now();
    let mut done = 0_usize;
    for chunk in clients.chunks(CHUNK) {
        let first = done;
        crm.transaction(|tx| {
            for (k, p) in chunk.iter().enumerate() {
                let id = tx.add_client(p.client.clone(), created(first + k)?)?.id;
                if id.0 != i64::try_from(first + k)? + 1 {
                    return Err(format!("client {} got id {id}", first + k + 1).into());
                }
            }
            Ok::<_, Box<dyn std::error::Error>>(())
        })?;
        done += chunk.len();
        if progress {
            let rate = done as f64 / started.elapsed().as_secs_f64();
            eprint!(
                "\rdedup bench: clients {done}/{} ({rate:.0}/s)",
                clients.len()
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if progress {
        eprintln!(" in {seconds:.1} s");
    }
    Ok(seconds)
}

/// A fingerprint of what this crm-core writes for a client (FNV-1a over `user_version`, the schema, and
/// the normal forms and matching keys of the first clients of the plan): a cached store written by
/// another schema or with other keys is rebuilt, not migrated.
fn fingerprint(root: &Path) -> BoxResult<String> {
    let probe = root.join("fingerprint-probe.crm");
    remove_store(&probe);
    let (sample, _) = plan(FINGERPRINT_SAMPLE);
    let crm = Crm::open(&probe)?;
    fill(&crm, &sample, false)?;
    crm.close()?;
    let text = {
        let conn = Connection::open(&probe)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let mut parts = vec![version.to_string()];
        for sql in [
            "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY type, name",
            "SELECT id || ' ' || coalesce(phone_norm, '') || ' ' || coalesce(email_norm, '') || ' ' ||
                    coalesce(tax_id_norm, '') FROM clients ORDER BY id",
            "SELECT key || ' ' || client_id FROM client_keys ORDER BY key, client_id",
        ] {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            parts.extend(rows);
        }
        parts.join("\n")
    };
    remove_store(&probe);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Ok(format!("{hash:016x}"))
}

const CACHED_FILES: &[&str] = &["store.crm", "raw.db", "planted.csv"];

/// The manifest of a cached store, if it is complete and was built for this key.
fn cached(dir: &Path, key: &Value) -> Option<Value> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    let complete = CACHED_FILES.iter().all(|f| dir.join(f).is_file());
    (complete && manifest.get("key") == Some(key)).then_some(manifest)
}

fn build(dir: &Path, n: usize, key: &Value) -> BoxResult<Value> {
    std::fs::create_dir_all(dir)?;
    let _ = std::fs::remove_file(dir.join("manifest.json"));
    let store = dir.join("store.crm");
    let raw = dir.join("raw.db");
    remove_store(&store);
    remove_store(&raw);
    eprintln!(
        "dedup bench: building a store of {n} clients in {}",
        dir.display()
    );
    let started = Instant::now();
    let (clients, planted) = plan(n);
    let plan_s = started.elapsed().as_secs_f64();
    eprintln!("dedup bench: planned in {plan_s:.1} s");

    let crm = Crm::open(&store)?;
    let clients_s = fill(&crm, &clients, true)?;
    crm.close()?;

    let t = Instant::now();
    build_raw(&raw, &clients)?;
    let raw_s = t.elapsed().as_secs_f64();
    eprintln!("dedup bench: raw SQLite baseline in {raw_s:.1} s");

    let mut out = BufWriter::new(File::create(dir.join("planted.csv"))?);
    writeln!(out, "a,b,kept")?;
    for p in &planted {
        writeln!(out, "{},{},{}", p.original + 1, p.duplicate + 1, p.kept)?;
    }
    out.flush()?;

    let count = |f: &dyn Fn(&Planned) -> bool| clients.iter().filter(|p| f(p)).count();
    let data = json!({
        "clients": clients.len(),
        "persons": count(&|p| p.client.kind == Some(ClientKind::Person)),
        "companies": count(&|p| p.client.kind == Some(ClientKind::Company)),
        "sole_proprietors": count(&|p| matches!(p.identity.party, Party::Sole(_))),
        "with_phone": count(&|p| p.client.phone.is_some()),
        "with_valid_phone_format": count(&|p| p.phone_format.is_some()),
        "with_email": count(&|p| p.client.email.is_some()),
        "with_tax_id": count(&|p| p.client.tax_id.is_some()),
        "with_birth_date": count(&|p| p.client.birth_date.is_some()),
        "with_address": count(&|p| p.client.address.is_some()),
        "distinct_surnames": Names::new().surnames.len(),
        "planted_pairs": planted.len(),
    });
    let manifest = json!({
        "key": key,
        "build_s": round3(started.elapsed().as_secs_f64()),
        "plan_s": round3(plan_s),
        "clients_s": round3(clients_s),
        "clients_per_s": (n as f64 / clients_s).round(),
        "raw_baseline_s": round3(raw_s),
        "transaction_size": CHUNK,
        "data": data,
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    Ok(manifest)
}

/// The store of `n` clients in `root/<n>`: the cached one when it matches, else built now.
fn store(root: &Path, n: usize, print: &str, rebuild: bool) -> BoxResult<(PathBuf, Value, bool)> {
    let dir = root.join(n.to_string());
    let key = json!({
        "format_version": FORMAT_VERSION,
        "clients": n,
        "seed": SEED,
        "schema_version": crm_core::SCHEMA_VERSION,
        "fingerprint": print,
    });
    match cached(&dir, &key).filter(|_| !rebuild) {
        Some(manifest) => Ok((dir, manifest, false)),
        None => {
            let manifest = build(&dir, n, &key)?;
            Ok((dir, manifest, true))
        }
    }
}

fn build_report(manifest: &Value) -> Value {
    let keys = [
        "build_s",
        "plan_s",
        "clients_s",
        "clients_per_s",
        "raw_baseline_s",
        "transaction_size",
    ];
    let map: BTreeMap<&str, Value> = keys
        .into_iter()
        .map(|k| (k, manifest.get(k).cloned().unwrap_or(Value::Null)))
        .collect();
    json!(map)
}

// --- measuring --------------------------------------------------------------------------------------------

fn median(xs: &[f64]) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// Latency figures of a group of captures, in microseconds.
fn latency(us: &[f64]) -> Value {
    let mut sorted = us.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = sorted.iter().sum::<f64>() / sorted.len().max(1) as f64;
    json!({
        "n": sorted.len(),
        "median_us": round1(median(&sorted)),
        "p99_us": round1(quantile(&sorted, 0.99)),
        "p999_us": round1(quantile(&sorted, 0.999)),
        "mean_us": round1(mean),
        "max_us": round1(sorted.last().copied().unwrap_or(f64::NAN)),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    KnownPhone,
    KnownEmail,
    Unknown,
}

impl Group {
    const ALL: [Group; 3] = [Group::KnownPhone, Group::KnownEmail, Group::Unknown];

    fn name(self) -> &'static str {
        match self {
            Group::KnownPhone => "known_phone_other_format",
            Group::KnownEmail => "known_email_other_case",
            Group::Unknown => "unknown_person",
        }
    }
}

struct Case {
    group: Group,
    lead: NewLead,
    /// The client the capture came from (its id), for the known groups.
    expected: Option<i64>,
}

/// The captures: `WARMUP + k` of them, the groups in equal parts in a seeded order.
fn cases(clients: &[Planned], k: usize) -> Vec<Case> {
    let mut rng = Rng::new(SEED ^ 0xCA97_u64);
    let names = Names::new();
    let total = WARMUP + k;
    let mut groups: Vec<Group> = (0..total).map(|i| Group::ALL[i % 3]).collect();
    for i in (1..groups.len()).rev() {
        let j = usize::try_from(rng.below(i as u64 + 1)).unwrap_or(0);
        groups.swap(i, j);
    }
    let n = clients.len() as u64;
    let pick = |rng: &mut Rng, ok: &dyn Fn(&Planned) -> bool| -> Option<usize> {
        (0..1_000).find_map(|_| {
            let j = usize::try_from(rng.below(n)).unwrap_or(0);
            ok(&clients[j]).then_some(j)
        })
    };
    let mut out = Vec::with_capacity(total);
    for (i, group) in groups.into_iter().enumerate() {
        let mut lead = NewLead::new(Channel::Phone);
        let mut expected = None;
        let known = match group {
            Group::KnownPhone => pick(&mut rng, &|p| p.phone_format.is_some()),
            Group::KnownEmail => pick(&mut rng, &|p| p.email_ok),
            Group::Unknown => None,
        };
        match (group, known) {
            (Group::KnownPhone, Some(j)) => {
                let p = &clients[j];
                let stored = p.phone_format.unwrap_or(0);
                let shift = 1 + usize::try_from(rng.below(PHONE_FORMATS as u64 - 1)).unwrap_or(0);
                let nsn = p.identity.phone.as_deref().unwrap_or_default();
                lead.phone = Some(write_phone(nsn, (stored + shift) % PHONE_FORMATS));
                lead.name = caller_name(&mut rng, &p.identity, &names);
                if let Party::Company { core, .. } = &p.identity.party
                    && rng.chance(50, 100)
                {
                    lead.company = Some(core.clone());
                }
                expected = Some(i64::try_from(j).unwrap_or(0) + 1);
            }
            (Group::KnownEmail, Some(j)) => {
                let p = &clients[j];
                lead.channel = if rng.chance(50, 100) {
                    Channel::Web
                } else {
                    Channel::Email
                };
                let email = p.identity.email.as_deref().unwrap_or_default();
                lead.email = Some(recase(email, &mut rng));
                lead.name = match &p.identity.party {
                    Party::Person(person) | Party::Sole(person) if rng.chance(70, 100) => {
                        Some(write_person(&mut rng, person))
                    }
                    Party::Company { .. } if rng.chance(50, 100) => {
                        let caller = names.person(&mut rng);
                        Some(write_person(&mut rng, &caller))
                    }
                    _ => None,
                };
                expected = Some(i64::try_from(j).unwrap_or(0) + 1);
            }
            _ => {
                lead.channel = if rng.chance(50, 100) {
                    Channel::Web
                } else {
                    Channel::Phone
                };
                let person = names.person(&mut rng);
                lead.name = Some(write_person(&mut rng, &person));
                let with_phone = rng.chance(80, 100);
                if with_phone {
                    lead.phone = Some(write_phone(
                        &mobile(&mut rng),
                        usize::try_from(rng.below(PHONE_FORMATS as u64)).unwrap_or(0),
                    ));
                }
                if !with_phone || rng.chance(70, 100) {
                    // Numbers past the base's, so the mailbox is new.
                    lead.email = Some(person_email(&mut rng, &person, clients.len() + i));
                }
            }
        }
        lead.need = Some((*rng.pick(NEEDS)).to_string());
        out.push(Case {
            group,
            lead,
            expected,
        });
    }
    out
}

/// What a caller says their name is: the first name, the full name written another way, or nothing.
fn caller_name(rng: &mut Rng, id: &Identity, names: &Names) -> Option<String> {
    match &id.party {
        Party::Person(p) | Party::Sole(p) => match rng.below(100) {
            0..=49 => Some(p.first.to_string()),
            50..=79 => Some(write_person(rng, p)),
            _ => None,
        },
        Party::Company { .. } => rng
            .chance(70, 100)
            .then(|| names.person(rng).first.to_string()),
    }
}

/// One capture's result on either side.
struct Outcome {
    group: Group,
    us: f64,
    linked: bool,
    linked_to_expected: bool,
    expected_suggested: bool,
    matches: usize,
}

fn capture_base() -> BoxResult<i64> {
    // Well after the last client of the largest base.
    Ok(epoch()? + 10 * 365 * 86_400)
}

/// One capture through crmkit, timed.
fn crm_capture(crm: &Crm, case: &Case, when: DateTime<Utc>) -> BoxResult<Outcome> {
    let lead = case.lead.clone();
    let started = Instant::now();
    let capture = crm.capture_lead(lead, when)?;
    let us = started.elapsed().as_secs_f64() * 1e6;
    let expected = case.expected.map(crm_core::ClientId);
    Ok(Outcome {
        group: case.group,
        us,
        linked: capture.auto_linked,
        linked_to_expected: expected.is_some() && capture.lead.client_id == expected,
        expected_suggested: expected
            .is_some_and(|e| capture.matches.iter().any(|m| m.client_id == e)),
        matches: capture.matches.len(),
    })
}

/// One capture the raw way, timed: in one transaction, the naive lookups and a bare lead row.
fn raw_capture(conn: &mut Connection, case: &Case, when: DateTime<Utc>) -> BoxResult<Outcome> {
    let when = when.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let lead = &case.lead;
    let started = Instant::now();
    let tx = conn.transaction()?;
    let mut found: Vec<i64> = Vec::new();
    if let Some(phone) = lead.phone.as_deref().and_then(naive_phone) {
        let mut stmt =
            tx.prepare_cached("SELECT id FROM clients WHERE phone = ?1 ORDER BY id LIMIT 21")?;
        for id in stmt.query_map([&phone], |r| r.get(0))? {
            found.push(id?);
        }
    }
    if let Some(email) = lead.email.as_deref().and_then(naive_email) {
        let mut stmt =
            tx.prepare_cached("SELECT id FROM clients WHERE email = ?1 ORDER BY id LIMIT 21")?;
        for id in stmt.query_map([&email], |r| r.get(0))? {
            found.push(id?);
        }
    }
    found.sort_unstable();
    found.dedup();
    let client = match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    tx.prepare_cached(
        "INSERT INTO leads (channel, received_at, name, company, phone, email, need, client_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        lead.channel.as_str(),
        when,
        lead.name,
        lead.company,
        lead.phone,
        lead.email,
        lead.need,
        client
    ])?;
    tx.commit()?;
    let us = started.elapsed().as_secs_f64() * 1e6;
    Ok(Outcome {
        group: case.group,
        us,
        linked: client.is_some(),
        linked_to_expected: client.is_some() && client == case.expected,
        expected_suggested: case.expected.is_some_and(|e| found.contains(&e)),
        matches: found.len(),
    })
}

/// Every capture on the three sides — crmkit on the base, raw SQLite on the same clients, crmkit on an
/// empty store — taken in turn (the side that goes first rotating), so that whatever else the machine
/// does at a moment weighs on all three alike.
fn captures(run: &Path, cases: &[Case]) -> BoxResult<[Vec<Outcome>; 3]> {
    let crm = Crm::open(run.join("store.crm"))?;
    let mut raw = raw_connection(&run.join("raw.db"))?;
    let empty = Crm::open(run.join("empty.crm"))?;
    let base = capture_base()?;
    let mut out: [Vec<Outcome>; 3] = Default::default();
    for (k, case) in cases.iter().enumerate() {
        let when = at(base + i64::try_from(k)?)?;
        for turn in 0..3 {
            let side = (k + turn) % 3;
            let outcome = match side {
                0 => crm_capture(&crm, case, when)?,
                1 => raw_capture(&mut raw, case, when)?,
                _ => crm_capture(&empty, case, when)?,
            };
            out[side].push(outcome);
        }
        if (k + 1) % 500 == 0 {
            eprint!("\rdedup bench: captures {}/{}", k + 1, cases.len());
        }
    }
    eprintln!();
    crm.close()?;
    empty.close()?;
    Ok(out)
}

/// Latency and what was found, per group and overall, of the measured captures (after the warm-up).
fn summary(outcomes: &[Outcome]) -> Value {
    let measured = &outcomes[WARMUP.min(outcomes.len())..];
    let describe = |set: Vec<&Outcome>| {
        let us: Vec<f64> = set.iter().map(|o| o.us).collect();
        let mut value = latency(&us);
        let count = |f: &dyn Fn(&Outcome) -> bool| set.iter().filter(|o| f(o)).count();
        if let Value::Object(map) = &mut value {
            map.insert("linked".into(), count(&|o| o.linked).into());
            map.insert(
                "linked_to_expected".into(),
                count(&|o| o.linked_to_expected).into(),
            );
            map.insert(
                "expected_found".into(),
                count(&|o| o.expected_suggested).into(),
            );
            map.insert("with_matches".into(), count(&|o| o.matches > 0).into());
            let total: usize = set.iter().map(|o| o.matches).sum();
            map.insert(
                "mean_matches".into(),
                round3(total as f64 / set.len().max(1) as f64).into(),
            );
        }
        value
    };
    let mut map = serde_json::Map::new();
    map.insert("overall".into(), describe(measured.iter().collect()));
    for group in Group::ALL {
        let set = measured.iter().filter(|o| o.group == group).collect();
        map.insert(group.name().into(), describe(set));
    }
    Value::Object(map)
}

fn ratio(a: &Value, b: &Value, part: &str, figure: &str) -> Value {
    let get = |v: &Value| {
        v.get(part)
            .and_then(|p| p.get(figure))
            .and_then(Value::as_f64)
    };
    match (get(a), get(b)) {
        (Some(x), Some(y)) if y > 0.0 => json!((x / y * 100.0).round() / 100.0),
        _ => Value::Null,
    }
}

fn capture_bench(root: &Path, args: &Args, print: &str) -> BoxResult<Value> {
    let (dir, manifest, built) = store(root, args.clients, print, args.rebuild)?;
    let started = Instant::now();
    let (clients, _) = plan(args.clients);
    let cases = cases(&clients, args.captures);
    drop(clients);
    let cases_s = started.elapsed().as_secs_f64();

    // Captures write leads: they run on copies, so the cached stores stay as built.
    let run = dir.join("run");
    let _ = std::fs::remove_dir_all(&run);
    std::fs::create_dir_all(&run)?;
    let started = Instant::now();
    for file in ["store.crm", "raw.db"] {
        std::fs::copy(dir.join(file), run.join(file))?;
        // Flushed now, or the first checkpoint's fsync writes the whole copy back inside a capture.
        File::open(run.join(file))?.sync_all()?;
    }
    let copy_s = started.elapsed().as_secs_f64();
    let store_bytes = std::fs::metadata(dir.join("store.crm"))?.len();
    let raw_bytes = std::fs::metadata(dir.join("raw.db"))?.len();

    eprintln!(
        "dedup bench: {} captures on each side, in turn",
        cases.len()
    );
    let [crm, raw, empty] = captures(&run, &cases)?;
    let (crm, raw, empty) = (summary(&crm), summary(&raw), summary(&empty));
    let _ = std::fs::remove_dir_all(&run);

    let mut ratios = serde_json::Map::new();
    for part in std::iter::once("overall").chain(Group::ALL.iter().map(|g| g.name())) {
        ratios.insert(
            part.into(),
            json!({
                "median": ratio(&crm, &raw, part, "median_us"),
                "p99": ratio(&crm, &raw, part, "p99_us"),
            }),
        );
    }
    Ok(json!({
        "clients": args.clients,
        "dir": dir.display().to_string(),
        "store_built_this_run": built,
        "build": build_report(&manifest),
        "data": manifest.get("data").cloned().unwrap_or(Value::Null),
        "store_bytes": store_bytes,
        "raw_baseline_bytes": raw_bytes,
        "copy_s": round3(copy_s),
        "plan_and_cases_s": round3(cases_s),
        "captures": args.captures,
        "warmup_captures": WARMUP,
        "crmkit": crm,
        "raw_sqlite": raw,
        "crmkit_empty_store": empty,
        "ratio_crmkit_over_raw": Value::Object(ratios),
        "ratio_crmkit_over_empty_store_median": ratio(&crm, &empty, "overall", "median_us"),
        "raw_sqlite_does": "per capture, one transaction: the phone and the e-mail normalised by hand (digits with +380, lowercase), an indexed lookup of each in clients(id, name, phone, email), one INSERT of a bare lead row linked to the single client found",
    }))
}

// --- duplicate pairs ----------------------------------------------------------------------------------------

fn read_planted(path: &Path) -> BoxResult<HashMap<(i64, i64), String>> {
    let mut planted = HashMap::new();
    for line in BufReader::new(File::open(path)?).lines().skip(1) {
        let line = line?;
        let mut parts = line.splitn(3, ',');
        let (Some(a), Some(b), Some(kept)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("bad line in planted.csv: {line:?}").into());
        };
        let (a, b): (i64, i64) = (a.parse()?, b.parse()?);
        planted.insert((a.min(b), a.max(b)), kept.to_string());
    }
    Ok(planted)
}

fn quality(found: &HashSet<(i64, i64)>, planted: &HashMap<(i64, i64), String>) -> Value {
    let hits = found.iter().filter(|p| planted.contains_key(p)).count();
    let precision = if found.is_empty() {
        0.0
    } else {
        hits as f64 / found.len() as f64
    };
    let recall = hits as f64 / planted.len().max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    // Recall by how many strong identifiers the duplicate kept exactly.
    let mut by_kept: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (pair, kept) in planted {
        let strong = if kept == "none" {
            0
        } else {
            kept.split('+').count()
        };
        let label = match strong {
            0 => "0_strong_ids_kept (name, address only)".to_string(),
            1 => format!("1_strong_id_kept ({kept})"),
            2 => "2_strong_ids_kept".to_string(),
            _ => "3+_strong_ids_kept".to_string(),
        };
        let entry = by_kept.entry(label).or_default();
        entry.0 += 1;
        if found.contains(pair) {
            entry.1 += 1;
        }
    }
    let by_kept: BTreeMap<String, Value> = by_kept
        .into_iter()
        .map(|(k, (n, hit))| {
            (
                k,
                json!({ "planted": n, "found": hit, "recall": round3(hit as f64 / n as f64) }),
            )
        })
        .collect();
    json!({
        "pairs_found": found.len(),
        "planted_found": hits,
        "precision_vs_planted": round3(precision),
        "recall_vs_planted": round3(recall),
        "f1_vs_planted": round3(f1),
        "recall_by_what_the_duplicate_kept": by_kept,
    })
}

fn pairs_bench(root: &Path, args: &Args, print: &str) -> BoxResult<Value> {
    let (dir, manifest, built) = store(root, args.pairs_clients, print, args.rebuild)?;
    let store_path = dir.join("store.crm");
    let planted = read_planted(&dir.join("planted.csv"))?;

    let mut crm_s = Vec::new();
    let mut open_ms = Vec::new();
    let mut result = Vec::new();
    let mut stable = true;
    for run in 0..3 {
        eprintln!(
            "dedup bench: duplicate_pairs({}) run {}",
            args.min_score,
            run + 1
        );
        let started = Instant::now();
        let crm = Crm::open(&store_path)?;
        open_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let pairs = crm.duplicate_pairs(args.min_score)?;
        crm_s.push(started.elapsed().as_secs_f64());
        crm.close()?;
        stable &= run == 0 || pairs == result;
        result = pairs;
    }
    let found: HashSet<(i64, i64)> = result.iter().map(|p| (p.a.0, p.b.0)).collect();
    let mut crm_report = quality(&found, &planted);
    let unplanted: Vec<Value> = result
        .iter()
        .filter(|p| !planted.contains_key(&(p.a.0, p.b.0)))
        .take(5)
        .map(|p| json!({ "a": p.a.0, "b": p.b.0, "score": p.score, "keys": p.keys }))
        .collect();
    let mut keys_seen: BTreeMap<String, usize> = BTreeMap::new();
    for p in &result {
        keys_seen
            .entry(if p.keys.is_empty() {
                "(none)".into()
            } else {
                p.keys.join("+")
            })
            .and_modify(|n| *n += 1)
            .or_insert(1);
    }
    let mut common: Vec<(String, usize)> = keys_seen.into_iter().collect();
    common.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    common.truncate(8);
    if let Value::Object(map) = &mut crm_report {
        map.insert("runs_s".into(), crm_s.iter().map(|s| round3(*s)).collect());
        map.insert("median_s".into(), round3(median(&crm_s)).into());
        map.insert(
            "open_ms".into(),
            open_ms.iter().map(|s| round3(*s)).collect(),
        );
        map.insert("same_pairs_every_run".into(), stable.into());
        map.insert("first_unplanted_pairs".into(), unplanted.into());
        map.insert(
            "most_common_agreements".into(),
            common
                .into_iter()
                .map(|(k, n)| json!({ "keys": k, "pairs": n }))
                .collect(),
        );
    }

    let sql = "SELECT a.id, b.id FROM clients a JOIN clients b ON b.phone_norm = a.phone_norm AND b.id > a.id";
    let mut raw_s = Vec::new();
    let mut raw_pairs: Vec<(i64, i64)> = Vec::new();
    let mut plan_text = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let conn = Connection::open(&store_path)?;
        let mut stmt = conn.prepare(sql)?;
        raw_pairs = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        raw_s.push(started.elapsed().as_secs_f64());
        if plan_text.is_empty() {
            let mut explain = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            plan_text = explain
                .query_map([], |r| r.get::<_, String>(3))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
        }
    }
    let raw_found: HashSet<(i64, i64)> = raw_pairs.into_iter().collect();
    let mut raw_report = quality(&raw_found, &planted);
    if let Value::Object(map) = &mut raw_report {
        map.insert("sql".into(), sql.into());
        map.insert("query_plan".into(), plan_text.into());
        map.insert("runs_s".into(), raw_s.iter().map(|s| round3(*s)).collect());
        map.insert("median_s".into(), round3(median(&raw_s)).into());
    }
    let store_bytes = std::fs::metadata(&store_path)?.len();
    Ok(json!({
        "clients": args.pairs_clients,
        "dir": dir.display().to_string(),
        "store_built_this_run": built,
        "build": build_report(&manifest),
        "data": manifest.get("data").cloned().unwrap_or(Value::Null),
        "store_bytes": store_bytes,
        "min_score": args.min_score,
        "planted_pairs": planted.len(),
        "crmkit_duplicate_pairs": crm_report,
        "raw_sqlite_phone_self_join": raw_report,
        "ratio_crmkit_over_raw_median_time": round3(median(&crm_s) / median(&raw_s)),
    }))
}

// --- main -------------------------------------------------------------------------------------------------

struct Args {
    clients: usize,
    captures: usize,
    pairs_clients: usize,
    min_score: f64,
    dir: Option<PathBuf>,
    only: Option<String>,
    rebuild: bool,
}

fn args() -> BoxResult<Args> {
    let mut args = Args {
        clients: 1_000_000,
        captures: 3_000,
        pairs_clients: 100_000,
        min_score: 0.9,
        dir: None,
        only: None,
        rebuild: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--clients" => args.clients = value()?.replace('_', "").parse()?,
            "--captures" => args.captures = value()?.replace('_', "").parse()?,
            "--pairs-clients" => args.pairs_clients = value()?.replace('_', "").parse()?,
            "--min-score" => args.min_score = value()?.parse()?,
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--only" => args.only = Some(value()?),
            "--rebuild" => args.rebuild = true,
            _ => {} // `--bench`, which cargo passes, and anything else
        }
    }
    if args.clients < 1_000 || args.pairs_clients < 1_000 || args.captures == 0 {
        return Err(
            "--clients and --pairs-clients must be at least 1000, --captures at least 1".into(),
        );
    }
    if !matches!(args.only.as_deref(), None | Some("capture" | "pairs")) {
        return Err("--only takes capture or pairs".into());
    }
    Ok(args)
}

fn main() -> BoxResult<()> {
    let args = args()?;
    let root = args
        .dir
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-dedup"));
    std::fs::create_dir_all(&root)?;
    let print = fingerprint(&root)?;
    let run = |part: &str| args.only.as_deref().is_none_or(|o| o == part);
    let capture = if run("capture") {
        capture_bench(&root, &args, &print)?
    } else {
        Value::Null
    };
    let pairs = if run("pairs") {
        pairs_bench(&root, &args, &print)?
    } else {
        Value::Null
    };
    let report = json!({
        "benchmark": "crm-core duplicate detection: capture_lead with the duplicate check on a large base, and duplicate_pairs; raw SQLite in the same run",
        "schema_version": crm_core::SCHEMA_VERSION,
        "store_fingerprint": print,
        "capture": capture,
        "pairs": pairs,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
