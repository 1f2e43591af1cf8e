//! Normalisation and well-formedness of phones, e-mails and tax ids. A value that is not well-formed is
//! kept as given but gets no normal form, so it is never used as a matching key.
//!
//! The normal forms are matching keys, not display forms:
//!
//! * a phone becomes E.164 (`+380671234567`), read against a default country for national forms
//!   ([`phone_in`]);
//! * an e-mail becomes its canonical mailbox: lowercase, without a `+tag`, with the provider's own
//!   equivalences applied (Gmail ignores dots, Yandex has several domains, ...; see [`email`]);
//! * a tax id becomes uppercase letters and digits; [`tax_id_is_strong`] tells whether it also passes a
//!   known national checksum (Ukrainian ЄДРПОУ and РНОКПП, Russian ИНН).
//!
//! Everything here is pure: no I/O, no clock, no tables loaded at run time.

use crate::model::Quality;

/// A value as checked: its quality and, when valid, its normal form (the matching key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Whether the value is well-formed.
    pub quality: Quality,
    /// The matching key, only for a valid value.
    pub normal: Option<String>,
}

impl Checked {
    fn valid(normal: String) -> Self {
        Checked {
            quality: Quality::Valid,
            normal: Some(normal),
        }
    }

    fn invalid() -> Self {
        Checked {
            quality: Quality::Invalid,
            normal: None,
        }
    }

    fn from_normal(normal: Option<String>) -> Self {
        normal.map_or_else(Checked::invalid, Checked::valid)
    }
}

// ---------------------------------------------------------------------------------------------------
// Phones
// ---------------------------------------------------------------------------------------------------

/// The country national phone numbers are read against by [`phone`]: Ukraine.
pub const DEFAULT_COUNTRY: &str = "UA";

/// What it takes to turn a national number of one country into E.164.
struct Country {
    /// ISO 3166-1 alpha-2 code.
    code: &'static str,
    /// ITU-T E.164 country calling code.
    calling: &'static str,
    /// National (trunk) prefixes dialled before the national significant number, tried in order.
    trunk: &'static [&'static str],
    /// International access prefixes besides `00`, which is accepted everywhere.
    exit: &'static [&'static str],
    /// Shortest and longest national significant number (the digits after the calling code).
    nsn: (usize, usize),
}

/// The countries whose national forms [`phone_in`] understands. The trunk prefixes include the old
/// ex-USSR `8`: Ukraine dialled `8 0xx ...` before it moved to `0xx ...`, Belarus still dials `8 0xx`
/// (so both `80` and `0` are accepted there), Russia and Kazakhstan dial `8 xxx`. Lithuania moved its
/// trunk prefix from `8` to `0`; both are accepted. Lengths are those of the national numbering plans
/// (variable where the plan is: Germany, Austria, Italy, the United Kingdom, China).
const COUNTRIES: &[Country] = &[
    country("AM", "374", &["0"], &[], (8, 8)),
    country("AT", "43", &["0"], &[], (6, 13)),
    country("AU", "61", &["0"], &[], (9, 10)),
    country("AZ", "994", &["0"], &[], (9, 9)),
    country("BE", "32", &["0"], &[], (8, 9)),
    country("BG", "359", &["0"], &[], (6, 9)),
    country("BY", "375", &["80", "8", "0"], &["810"], (9, 9)),
    country("CA", "1", &["1"], &["011"], (10, 10)),
    country("CH", "41", &["0"], &[], (9, 9)),
    country("CN", "86", &["0"], &[], (9, 11)),
    country("CZ", "420", &[], &[], (9, 9)),
    country("DE", "49", &["0"], &[], (6, 13)),
    country("DK", "45", &[], &[], (8, 8)),
    country("EE", "372", &[], &[], (7, 8)),
    country("ES", "34", &[], &[], (9, 9)),
    country("FR", "33", &["0"], &[], (9, 9)),
    country("GB", "44", &["0"], &[], (9, 10)),
    country("GE", "995", &["0"], &[], (9, 9)),
    country("GR", "30", &[], &[], (10, 10)),
    country("HU", "36", &["06"], &[], (8, 9)),
    country("IE", "353", &["0"], &[], (7, 10)),
    country("IL", "972", &["0"], &[], (8, 9)),
    country("IN", "91", &["0"], &[], (10, 10)),
    country("IT", "39", &[], &[], (6, 12)),
    country("KZ", "7", &["8"], &["810"], (10, 10)),
    country("LT", "370", &["8", "0"], &[], (8, 8)),
    country("LV", "371", &[], &[], (8, 8)),
    country("MD", "373", &["0"], &[], (8, 8)),
    country("NL", "31", &["0"], &[], (7, 11)),
    country("NO", "47", &[], &[], (8, 8)),
    country("PL", "48", &[], &[], (9, 9)),
    country("PT", "351", &[], &[], (9, 9)),
    country("RO", "40", &["0"], &[], (9, 9)),
    country("RU", "7", &["8"], &["810"], (10, 10)),
    country("SE", "46", &["0"], &[], (7, 9)),
    country("SK", "421", &["0"], &[], (9, 9)),
    country("TR", "90", &["0"], &[], (10, 10)),
    country("UA", "380", &["0", "80"], &[], (9, 9)),
    country("US", "1", &["1"], &["011"], (10, 10)),
];

const fn country(
    code: &'static str,
    calling: &'static str,
    trunk: &'static [&'static str],
    exit: &'static [&'static str],
    nsn: (usize, usize),
) -> Country {
    Country {
        code,
        calling,
        trunk,
        exit,
        nsn,
    }
}

impl Country {
    /// Whether a national significant number has a possible length and a possible first digit: never
    /// 0 (that is a trunk or international prefix), except in Italy, whose numbers keep their 0; never
    /// 1 in the North American plan either.
    fn fits(&self, nsn: &str) -> bool {
        let first_digit_ok = match self.calling {
            "39" => true,
            "1" => !nsn.starts_with(['0', '1']),
            _ => !nsn.starts_with('0'),
        };
        first_digit_ok && (self.nsn.0..=self.nsn.1).contains(&nsn.len())
    }

    /// The national significant number of a national form (`0671234567` → `671234567`), after the
    /// first trunk prefix that leaves a number of a possible length.
    fn strip_trunk<'a>(&self, national: &'a str) -> Option<&'a str> {
        self.trunk
            .iter()
            .filter_map(|trunk| national.strip_prefix(trunk))
            .find(|nsn| self.fits(nsn))
    }
}

fn country_by_code(code: &str) -> Option<&'static Country> {
    let code = code.trim();
    COUNTRIES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

/// The country whose calling code starts `international` (calling codes are prefix-free, so there is
/// at most one; countries sharing one, like RU and KZ, share the length rules too).
fn country_by_calling(international: &str) -> Option<&'static Country> {
    COUNTRIES
        .iter()
        .find(|c| international.starts_with(c.calling))
}

/// Whether [`phone_in`] knows the national numbering of a country, by its ISO 3166-1 alpha-2 code
/// (`UA`, `pl`; case and surrounding spaces are ignored). Known: AM AT AU AZ BE BG BY CA CH CN CZ DE DK
/// EE ES FR GB GE GR HU IE IL IN IT KZ LT LV MD NL NO PL PT RO RU SE SK TR UA US.
pub fn is_known_country(code: &str) -> bool {
    country_by_code(code).is_some()
}

/// A phone read against [`DEFAULT_COUNTRY`] (Ukraine): `phone_in(raw, "UA")`.
pub fn phone(raw: &str) -> Checked {
    phone_in(raw, DEFAULT_COUNTRY)
}

/// A phone, read against a default country for numbers written without an international prefix. The
/// normal form is E.164: `+`, the calling code and the national significant number.
///
/// Accepted, for Ukraine: `067 123 45 67`, `0671234567`, `+38 (067) 123-45-67`, `+380 (0)67 ...`,
/// `380671234567`, `38 067 ...`, `8 067 123 45 67` (the old trunk prefix), `0038067...`,
/// `00 380 ...`, `67 123 45 67` (the trunk prefix left out); all become `+380671234567`. For Russia
/// `8 916 123-45-67` and `7 916 ...` become `+79161234567`; `8 10 380 ...` (the old international
/// prefix of RU, KZ and BY) and `011 ...` (US, CA) are international.
///
/// The rules, in order:
/// 1. an extension after `ext`, `доб`, `дод`, `вн`, `x`, `х` or `#` is dropped;
/// 2. the separators space, NBSP and other spaces, `-` and other dashes, `.`, `/`, `(` and `)` are
///    ignored, a `+` may only lead, anything else makes the phone invalid;
/// 3. a number with `+` or `00` is international: for a calling code in the table
///    ([`is_known_country`]) the national part must have a possible length (a trunk prefix written after
///    the calling code, as in `+44 (0)20 ...`, is dropped when the rest has a possible length); any
///    other calling code is taken as it is;
/// 4. otherwise, in the default country: a trunk prefix and a possible national number; the calling
///    code without the `+`; a possible national number without the trunk prefix (`812 123-45-67` in
///    Russia, `800 123 456` in Ukraine); the country's other international prefixes; last, a calling
///    code of another known country without the `+` and a possible national number
///    (`79161234567` in Ukraine is Russian: no Ukrainian number has 11 digits).
///
/// A possible national number has a length of the country's plan and does not start with 0 (Italy's
/// may) nor, in North America, with 1.
///
/// An unknown `country` (say `""`) accepts the international forms of rule 3 only. Whatever the rule,
/// the result must have 7 to 15 digits and must not start with 0, or the phone is invalid.
pub fn phone_in(raw: &str, country: &str) -> Checked {
    let normal = strip_extension(raw.trim())
        .and_then(phone_digits)
        .and_then(|(plus, digits)| {
            if plus {
                international(&digits)
            } else {
                national(&digits, country_by_code(country))
            }
        })
        .filter(|e164| (7..=15).contains(&e164.len()) && !e164.starts_with('0'))
        .map(|e164| format!("+{e164}"));
    Checked::from_normal(normal)
}

/// The digits of an international number (after `+` or `00`) as E.164 digits without the `+`.
fn international(digits: &str) -> Option<String> {
    if digits.starts_with('0') {
        return None;
    }
    let Some(country) = country_by_calling(digits) else {
        return Some(digits.to_string());
    };
    let nsn = &digits[country.calling.len()..];
    // A trunk prefix written after the calling code (`+49 (0)30 ...`) is dropped when what is left has a
    // possible length. No national number starts with its country's trunk prefix where lengths vary
    // (DE, AT, GB, CN: the prefix is 0), and where they are fixed the shorter rest cannot fit.
    if let Some(nsn) = country.strip_trunk(nsn) {
        return Some(format!("{}{nsn}", country.calling));
    }
    country.fits(nsn).then(|| digits.to_string())
}

/// The digits of a number written without `+`, read against the default country (rule 4 of
/// [`phone_in`]).
fn national(digits: &str, home: Option<&Country>) -> Option<String> {
    if let Some(rest) = digits.strip_prefix("00") {
        return international(rest);
    }
    let home = home?;
    if let Some(nsn) = home.strip_trunk(digits) {
        return Some(format!("{}{nsn}", home.calling));
    }
    if let Some(nsn) = digits.strip_prefix(home.calling)
        && home.fits(nsn)
    {
        return Some(digits.to_string());
    }
    if home.fits(digits) {
        return Some(format!("{}{digits}", home.calling));
    }
    if let Some(rest) = home.exit.iter().find_map(|e| digits.strip_prefix(e)) {
        return international(rest);
    }
    let other = country_by_calling(digits)?;
    other
        .fits(&digits[other.calling.len()..])
        .then(|| digits.to_string())
}

/// The words that start an extension: `ext`, Russian `доб` (добавочный), Ukrainian `дод` (додатковий)
/// and `вн` (внутрішній), `x` (and the Cyrillic `х` typed for it) and `#`.
const EXTENSION_MARKERS: &[&str] = &["ext", "доб", "дод", "вн", "x", "х", "#"];

/// The number without its extension; `None` when what follows an extension marker is not an extension.
fn strip_extension(text: &str) -> Option<&str> {
    let mut seen_digit = false;
    for (at, c) in text.char_indices() {
        if c.is_ascii_digit() {
            seen_digit = true;
            continue;
        }
        if !seen_digit {
            continue;
        }
        let rest = &text[at..];
        let Some(marker) = EXTENSION_MARKERS
            .iter()
            .find(|m| starts_with_ignore_case(rest, m))
        else {
            continue;
        };
        // The rest of the marker word ("extension", "доб.") and punctuation, then the extension digits.
        let tail = rest[marker.len()..]
            .trim_start_matches(|c: char| c.is_alphabetic() || matches!(c, '.' | ':' | '№'))
            .trim_start();
        let is_extension = tail.chars().any(|c| c.is_ascii_digit())
            && tail.chars().all(|c| c.is_ascii_digit() || is_separator(c));
        return is_extension.then_some(&text[..at]);
    }
    Some(text)
}

fn starts_with_ignore_case(text: &str, lowercase_prefix: &str) -> bool {
    let mut chars = text.chars();
    lowercase_prefix
        .chars()
        .all(|p| chars.next().is_some_and(|c| c.to_lowercase().eq([p])))
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '-'
            | '.'
            | '/'
            | '('
            | ')'
            | '\u{a0}'
            | '\u{2007}'
            | '\u{2009}'
            | '\u{202f}'
            | '\u{2010}'..='\u{2015}' | '\u{2212}'
    )
}

/// Whether the number had a leading `+`, and its digits; `None` for any other character or a `+`
/// that does not lead.
fn phone_digits(text: &str) -> Option<(bool, String)> {
    let mut plus = false;
    let mut digits = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if !plus && digits.is_empty() => plus = true,
            c if is_separator(c) => {}
            _ => return None,
        }
    }
    Some((plus, digits))
}

// ---------------------------------------------------------------------------------------------------
// E-mails
// ---------------------------------------------------------------------------------------------------

/// An e-mail: one `@`, a non-empty local part, a domain with a dot and no empty label, no white space,
/// at most 254 characters. The normal form is the canonical mailbox, so that the spellings one mailbox
/// receives mail under meet:
///
/// * the address is trimmed and lowercased (providers treat mailboxes case-insensitively, though
///   RFC 5321 allows them not to);
/// * a `+tag` is dropped from the local part, for every domain (`ivan+crm@romashka.ua` →
///   `ivan@romashka.ua`): sub-addressing is how people give one mailbox to many senders; a local part
///   that is only a tag is kept;
/// * Gmail: `googlemail.com` is `gmail.com`, and dots in the local part are ignored
///   (`Ivan.Petrenko@gmail.com` → `ivanpetrenko@gmail.com`);
/// * Yandex: `yandex.ru`, `yandex.ua`, `yandex.by`, `yandex.kz`, `yandex.com`, `ya.ru` and `narod.ru`
///   are domains of one mailbox and become `yandex.ru`; a dot and a hyphen in a Yandex login are the
///   same character, and the key uses the hyphen (`ivan.petrenko@ya.ru` → `ivan-petrenko@yandex.ru`);
/// * Apple: `me.com` and `mac.com` are older domains of an iCloud mailbox and become `icloud.com`;
/// * Proton: `protonmail.com`, `protonmail.ch` and `pm.me` become `proton.me`, and `.`, `_` and `-`
///   in the username are ignored, as Proton documents ("these characters are treated as transparent").
pub fn email(raw: &str) -> Checked {
    let raw = raw.trim();
    let Some((local, domain)) = raw.split_once('@') else {
        return Checked::invalid();
    };
    let well_formed = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
        && raw.len() <= 254;
    if !well_formed {
        return Checked::invalid();
    }
    Checked::valid(canonical_mailbox(
        &local.to_lowercase(),
        &domain.to_lowercase(),
    ))
}

/// The mail providers whose mailboxes have several spellings (see [`email`]).
#[derive(Clone, Copy)]
enum Provider {
    Gmail,
    Yandex,
    Icloud,
    Proton,
}

impl Provider {
    fn of(domain: &str) -> Option<(Provider, &'static str)> {
        let provider = match domain {
            "gmail.com" | "googlemail.com" => Provider::Gmail,
            "yandex.ru" | "yandex.ua" | "yandex.by" | "yandex.kz" | "yandex.com" | "ya.ru"
            | "narod.ru" => Provider::Yandex,
            "icloud.com" | "me.com" | "mac.com" => Provider::Icloud,
            "proton.me" | "protonmail.com" | "protonmail.ch" | "pm.me" => Provider::Proton,
            _ => return None,
        };
        Some((provider, provider.domain()))
    }

    fn domain(self) -> &'static str {
        match self {
            Provider::Gmail => "gmail.com",
            Provider::Yandex => "yandex.ru",
            Provider::Icloud => "icloud.com",
            Provider::Proton => "proton.me",
        }
    }

    fn local(self, local: &str) -> String {
        match self {
            Provider::Gmail => local.replace('.', ""),
            Provider::Yandex => local.replace('.', "-"),
            Provider::Icloud => local.to_string(),
            Provider::Proton => local.replace(['.', '_', '-'], ""),
        }
    }
}

/// The canonical mailbox of a lowercase, well-formed address.
fn canonical_mailbox(local: &str, domain: &str) -> String {
    let local = match local.split_once('+') {
        Some((mailbox, _tag)) if !mailbox.is_empty() => mailbox,
        _ => local,
    };
    match Provider::of(domain) {
        Some((provider, domain)) => format!("{}@{domain}", provider.local(local)),
        None => format!("{local}@{domain}"),
    }
}

/// The domain of a normal e-mail (the part after the last `@`; empty when there is none).
pub fn email_domain(normal: &str) -> &str {
    normal.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// Free mail domains, sorted (a test checks it) for a binary search. Ukrainian, Russian and
/// international providers whose mailboxes anyone can open; a shared domain says nothing about who
/// owns the mailbox, so it must not link clients.
const FREE_MAIL: &[&str] = &[
    "126.com",
    "163.com",
    "aol.com",
    "autorambler.ru",
    "bigmir.net",
    "bk.ru",
    "email.ua",
    "fastmail.com",
    "gmail.com",
    "googlemail.com",
    "i.ua",
    "icloud.com",
    "inbox.ru",
    "internet.ru",
    "lenta.ru",
    "list.ru",
    "mac.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "meta.ua",
    "msn.com",
    "myrambler.ru",
    "narod.ru",
    "pm.me",
    "proton.me",
    "qq.com",
    "rambler.ru",
    "rambler.ua",
    "ro.ru",
    "rocketmail.com",
    "tuta.com",
    "tuta.io",
    "ua.fm",
    "ukr.net",
    "web.de",
    "ya.ru",
    "yeah.net",
    "ymail.com",
    "zoho.com",
];

/// Providers with a domain in many countries (`yahoo.co.uk`, `gmx.de`, `yandex.kz`): the first label
/// of the domain, sorted. The rest of the domain must look like a public suffix: one label (`.de`,
/// `.com`) or `co.`, `com.`, `net.` or `org.` and a two-letter country (`.co.uk`, `.com.tr`).
const FREE_MAIL_FAMILIES: &[&str] = &[
    "gmx",
    "hotmail",
    "live",
    "outlook",
    "protonmail",
    "tutanota",
    "yahoo",
    "yandex",
];

/// Whether a domain belongs to a free mail provider (see the lists in the source: `ukr.net`, `i.ua`,
/// `gmail.com`, `mail.ru`, any `yandex.*`, `outlook.*`, `yahoo.*`, ...). Case and a trailing dot are
/// ignored. A company's own domain is not free mail and can link its people.
pub fn is_free_mail(domain: &str) -> bool {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if FREE_MAIL.binary_search(&domain.as_str()).is_ok() {
        return true;
    }
    let Some((first, suffix)) = domain.split_once('.') else {
        return false;
    };
    let public_suffix = match suffix.split_once('.') {
        None => !suffix.is_empty(),
        Some((second, country)) => {
            matches!(second, "co" | "com" | "net" | "org")
                && country.len() == 2
                && country.bytes().all(|b| b.is_ascii_lowercase())
        }
    };
    public_suffix && FREE_MAIL_FAMILIES.binary_search(&first).is_ok()
}

// ---------------------------------------------------------------------------------------------------
// Tax ids
// ---------------------------------------------------------------------------------------------------

/// A tax id (EDRPOU, INN, a VAT number): letters and digits with optional spaces and `-`, 5 to 20 of them,
/// at least five digits. The normal form is uppercase without separators.
pub fn tax_id(raw: &str) -> Checked {
    let mut normal = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        match c {
            c if c.is_ascii_alphanumeric() => normal.push(c.to_ascii_uppercase()),
            ' ' | '-' => {}
            _ => return Checked::invalid(),
        }
    }
    let digits = normal.bytes().filter(u8::is_ascii_digit).count();
    if (5..=20).contains(&normal.len()) && digits >= 5 {
        Checked::valid(normal)
    } else {
        Checked::invalid()
    }
}

/// Whether a normal tax id (as [`tax_id`] gives it) passes the checksum of a known national format, so
/// that a typo is unlikely and the id can be trusted as a strong matching key. Any valid checksum
/// counts: a 10-digit id may be a Ukrainian РНОКПП or a Russian ИНН, and which one is not asked.
///
/// * **ЄДРПОУ** (Ukraine, legal entities): 8 digits. The first seven are weighted 1, 2, 3, 4, 5, 6, 7, or
///   7, 1, 2, 3, 4, 5, 6 when the code is from 30000000 to 59999999; the sum modulo 11 is the check
///   digit. When it is 10, the sum is taken again with every weight raised by 2 (3…9, or 9, 3…8), and
///   a second 10 gives 0. This is the Держстат method as documented in the Ukrainian Wikipedia article
///   «Код ЄДРПОУ» and implemented by python-stdnum (`stdnum.ua.edrpou`); checked here against
///   14360570 (ПриватБанк), 00032129 (Ощадбанк), 00032106 (Національний банк України).
/// * **РНОКПП / ІПН** (Ukraine, persons): 10 digits; the first nine weighted −1, 5, 7, 9, 4, 6, 10, 5, 7,
///   the sum modulo 11 (taken non-negative) modulo 10 is the last digit.
/// * **ИНН** (Russia): 10 digits for an organisation, weights 2, 4, 10, 3, 5, 9, 4, 6, 8, sum modulo 11
///   modulo 10; 12 digits for a person, two check digits, weights 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 for the
///   11th and 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 for the 12th (as in `stdnum.ru.inn`).
///
/// Anything else is not strong: foreign formats, a failed checksum, and placeholders made of one
/// repeated digit (`0000000000` passes the РНОКПП sum). A weak id is still a key, just a weaker one.
pub fn tax_id_is_strong(normal: &str) -> bool {
    let Some(digits) = normal
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
    else {
        return false;
    };
    if digits.windows(2).all(|pair| pair[0] == pair[1]) {
        return false;
    }
    match digits.len() {
        8 => edrpou_valid(&digits),
        10 => rnokpp_valid(&digits) || inn_valid(&digits),
        12 => inn_valid(&digits),
        _ => false,
    }
}

fn weighted(digits: &[u32], weights: &[i64]) -> i64 {
    digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| i64::from(d) * w)
        .sum()
}

fn last(digits: &[u32]) -> i64 {
    digits.last().map_or(-1, |&d| i64::from(d))
}

fn edrpou_valid(digits: &[u32]) -> bool {
    let middle_band = matches!(digits.first(), Some(3..=5));
    let weights: [i64; 7] = if middle_band {
        [7, 1, 2, 3, 4, 5, 6]
    } else {
        [1, 2, 3, 4, 5, 6, 7]
    };
    let mut check = weighted(digits, &weights) % 11;
    if check == 10 {
        check = weighted(digits, &weights.map(|w| w + 2)) % 11 % 10;
    }
    check == last(digits)
}

fn rnokpp_valid(digits: &[u32]) -> bool {
    weighted(digits, &[-1, 5, 7, 9, 4, 6, 10, 5, 7]).rem_euclid(11) % 10 == last(digits)
}

fn inn_valid(digits: &[u32]) -> bool {
    const N10: [i64; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    const N11: [i64; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    const N12: [i64; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    let check = |weights: &[i64], at: usize| {
        digits
            .get(at)
            .is_some_and(|&d| weighted(digits, weights) % 11 % 10 == i64::from(d))
    };
    match digits.len() {
        10 => check(&N10, 9),
        12 => check(&N11, 10) && check(&N12, 11),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(raw: &str) -> Option<String> {
        phone(raw).normal
    }

    fn e164_in(raw: &str, country: &str) -> Option<String> {
        phone_in(raw, country).normal
    }

    #[test]
    fn ukrainian_phones_in_every_usual_spelling_meet() {
        for raw in [
            "067 123 45 67",
            "0671234567",
            "+380 67 123-45-67",
            "+38 (067) 123-45-67",
            "+380 (0)67 123 45 67",
            "380671234567",
            "38 067 123 45 67",
            "8 067 123 45 67",
            "8 (067) 123-45-67",
            "0038067 123 45 67",
            "00 380 67 123 45 67",
            "67 123 45 67",
            "067.123.45.67",
            "067/123-45-67",
            "067\u{a0}123\u{a0}45\u{a0}67",
            "067 123 45 67 доб. 12",
            "067 123 45 67 ext 12",
            "067-123-45-67 x12",
            "+380671234567 (вн. 305)",
            "  +380671234567  ",
        ] {
            assert_eq!(e164(raw).as_deref(), Some("+380671234567"), "{raw}");
            assert_eq!(phone(raw).quality, Quality::Valid, "{raw}");
        }
        assert_eq!(e164("0 800 123 456").as_deref(), Some("+380800123456"));
        assert_eq!(e164("0501112233").as_deref(), Some("+380501112233"));
    }

    #[test]
    fn other_countries_of_the_table() {
        let cases = [
            ("8 916 123-45-67", "RU", "+79161234567"),
            ("+7 (916) 123-45-67", "RU", "+79161234567"),
            ("7 916 123 45 67", "RU", "+79161234567"),
            ("916 123 45 67", "RU", "+79161234567"),
            ("8 800 123-45-67", "RU", "+78001234567"),
            ("8 10 380 67 123 45 67", "RU", "+380671234567"),
            ("8 701 123 4567", "KZ", "+77011234567"),
            ("8 017 123-45-67", "BY", "+375171234567"),
            ("8 029 123-45-67", "BY", "+375291234567"),
            ("029 123-45-67", "BY", "+375291234567"),
            ("0 22 123 456", "MD", "+37322123456"),
            ("069 123 456", "MD", "+37369123456"),
            ("12 345 67 89", "PL", "+48123456789"),
            ("+48 12 345 67 89", "UA", "+48123456789"),
            ("030 1234567", "DE", "+49301234567"),
            ("030/123 456 78", "DE", "+493012345678"),
            ("+49 (0)30 1234567", "UA", "+49301234567"),
            ("020 7946 0958", "GB", "+442079460958"),
            ("+44 (0) 20 7946 0958", "UA", "+442079460958"),
            ("07911 123456", "GB", "+447911123456"),
            ("(212) 555-0123", "US", "+12125550123"),
            ("1-212-555-0123", "US", "+12125550123"),
            ("011 380 67 123 45 67", "US", "+380671234567"),
            ("+1 416 555 0199 ext. 7", "CA", "+14165550199"),
            ("8 (5) 212 3456", "LT", "+37052123456"),
            ("06 1 234 5678", "HU", "+3612345678"),
            ("06 12345678", "IT", "+390612345678"),
            ("812 123-45-67", "RU", "+78121234567"),
            ("8 812 123-45-67", "RU", "+78121234567"),
            ("800 123 456", "UA", "+380800123456"),
            ("+32 (0)2 123 45 67", "UA", "+3221234567"),
            ("0470 12 34 56", "BE", "+32470123456"),
            ("+61 (0)4 1234 5678", "", "+61412345678"),
        ];
        for (raw, country, expected) in cases {
            assert_eq!(
                e164_in(raw, country).as_deref(),
                Some(expected),
                "{raw} in {country}"
            );
        }
    }

    #[test]
    fn a_foreign_number_without_plus_is_read_by_its_calling_code() {
        // 11 digits cannot be Ukrainian; 7 + 10 digits is a Russian number.
        assert_eq!(e164("79161234567").as_deref(), Some("+79161234567"));
        assert_eq!(e164("48 123 456 789").as_deref(), Some("+48123456789"));
        // A calling code outside the table needs the + or 00.
        assert_eq!(e164("998 90 123 45 67"), None);
        assert_eq!(e164("+998 90 123 45 67").as_deref(), Some("+998901234567"));
        assert_eq!(
            e164("00 998 90 123 45 67").as_deref(),
            Some("+998901234567")
        );
    }

    #[test]
    fn an_unknown_country_accepts_international_forms_only() {
        for country in ["", "XX", "Ukraine"] {
            assert!(!is_known_country(country));
            assert_eq!(e164_in("0671234567", country), None);
            assert_eq!(e164_in("380671234567", country), None);
            assert_eq!(
                e164_in("+380671234567", country).as_deref(),
                Some("+380671234567")
            );
            assert_eq!(
                e164_in("0038 067 123 45 67", country).as_deref(),
                Some("+380671234567")
            );
        }
        assert!(is_known_country("UA"));
        assert!(is_known_country(" ua "));
        assert!(is_known_country(DEFAULT_COUNTRY));
    }

    #[test]
    fn implausible_phones_are_invalid_without_a_normal_form() {
        for raw in [
            "",
            "+38 0",
            "call me",
            "123-45-67",
            "067 123 45 6",
            "067 123 45 678",
            "1234567890123456",
            "+380 67 123 45 6",
            "+7 916 123 45",
            "067 123 456",
            "+380 067 123 45 6",
            "+1 012 555 0123",
            "123 456 7890",
            "+0671234567",
            "+1234567890123456",
            "+12345",
            "067 123 45 67 или 068",
            "067 123 45 67 xyz",
            "067 123 45 67, 068 123 45 67",
            "38+0671234567",
            "++380671234567",
            "тел. 0671234567",
        ] {
            let checked = phone(raw);
            assert_eq!(checked.quality, Quality::Invalid, "{raw:?}");
            assert_eq!(checked.normal, None, "{raw:?}");
        }
    }

    #[test]
    fn the_country_table_is_consistent() {
        for (i, c) in COUNTRIES.iter().enumerate() {
            assert_eq!(c.code.len(), 2, "{}", c.code);
            assert!(c.code.bytes().all(|b| b.is_ascii_uppercase()), "{}", c.code);
            assert!(c.calling.bytes().all(|b| b.is_ascii_digit()), "{}", c.code);
            assert!(
                c.nsn.0 <= c.nsn.1 && c.calling.len() + c.nsn.1 <= 15,
                "{}",
                c.code
            );
            if let Some(next) = COUNTRIES.get(i + 1) {
                assert!(
                    c.code < next.code,
                    "sorted: {} before {}",
                    c.code,
                    next.code
                );
            }
            // Calling codes are prefix-free: no code is a proper prefix of another.
            for other in COUNTRIES {
                assert!(
                    other.calling == c.calling || !other.calling.starts_with(c.calling),
                    "{} and {}",
                    c.code,
                    other.code
                );
            }
        }
    }

    #[test]
    fn phone_normal_forms_are_fixed_points() {
        for raw in ["067 123 45 67", "+44 20 7946 0958", "8 916 123-45-67"] {
            for country in ["UA", "RU", "GB", ""] {
                if let Some(normal) = e164_in(raw, country) {
                    for again in ["UA", "RU", "US", ""] {
                        assert_eq!(
                            e164_in(&normal, again).as_deref(),
                            Some(normal.as_str()),
                            "{raw} {country} {again}"
                        );
                    }
                }
            }
        }
    }

    fn mailbox(raw: &str) -> Option<String> {
        email(raw).normal
    }

    #[test]
    fn emails_become_canonical_mailboxes() {
        let cases = [
            (" Ivan.Petrenko@Romashka.UA ", "ivan.petrenko@romashka.ua"),
            ("ivan+crm@romashka.ua", "ivan@romashka.ua"),
            ("Ivan.Petrenko@Gmail.com", "ivanpetrenko@gmail.com"),
            ("ivanpetrenko@gmail.com", "ivanpetrenko@gmail.com"),
            (
                "i.van.petrenko+news@googlemail.com",
                "ivanpetrenko@gmail.com",
            ),
            ("ivan.petrenko@yandex.ru", "ivan-petrenko@yandex.ru"),
            ("Ivan-Petrenko@ya.ru", "ivan-petrenko@yandex.ru"),
            ("ivan.petrenko+x@yandex.ua", "ivan-petrenko@yandex.ru"),
            ("ivan@yandex.by", "ivan@yandex.ru"),
            ("ivan@yandex.kz", "ivan@yandex.ru"),
            ("ivan@yandex.com", "ivan@yandex.ru"),
            ("ivan@narod.ru", "ivan@yandex.ru"),
            ("ivan.p@me.com", "ivan.p@icloud.com"),
            ("ivan.p@mac.com", "ivan.p@icloud.com"),
            ("Ivan.P@iCloud.com", "ivan.p@icloud.com"),
            ("ivan.petrenko@protonmail.com", "ivanpetrenko@proton.me"),
            ("ivan_petrenko@pm.me", "ivanpetrenko@proton.me"),
            ("ivan-petrenko@protonmail.ch", "ivanpetrenko@proton.me"),
            ("ivanpetrenko@proton.me", "ivanpetrenko@proton.me"),
            // Dots matter outside Gmail and Proton.
            ("ivan.petrenko@ukr.net", "ivan.petrenko@ukr.net"),
            ("ivan.petrenko@outlook.com", "ivan.petrenko@outlook.com"),
            // A local part that is only a tag is kept.
            ("+tag@romashka.ua", "+tag@romashka.ua"),
            ("Ірина@приклад.укр", "ірина@приклад.укр"),
        ];
        for (raw, expected) in cases {
            assert_eq!(mailbox(raw).as_deref(), Some(expected), "{raw}");
        }
        assert_eq!(
            mailbox("Ivan.Petrenko@Gmail.com"),
            mailbox("ivanpetrenko@gmail.com")
        );
    }

    #[test]
    fn malformed_emails_are_invalid() {
        for bad in [
            "ivan",
            "ivan@",
            "@x.ua",
            "ivan@romashka",
            "ivan@@x.ua",
            "iv an@x.ua",
            "ivan@x..ua",
            "ivan@.ua",
            "ivan@x.ua.",
        ] {
            let checked = email(bad);
            assert_eq!(checked.quality, Quality::Invalid, "{bad}");
            assert_eq!(checked.normal, None, "{bad}");
        }
    }

    #[test]
    fn email_normal_forms_are_fixed_points() {
        for raw in [
            "I.van+x@GoogleMail.com",
            "a.b-c+d@ya.ru",
            "x.y_z@pm.me",
            "Q@Me.com",
            "ivan+crm@romashka.ua",
        ] {
            let normal = mailbox(raw).unwrap_or_default();
            assert_eq!(mailbox(&normal), Some(normal.clone()), "{raw}");
        }
    }

    #[test]
    fn free_mail_domains() {
        assert_eq!(email_domain("ivan@romashka.ua"), "romashka.ua");
        assert_eq!(email_domain("nobody"), "");
        for free in [
            "gmail.com",
            "GMail.com",
            "gmail.com.",
            "ukr.net",
            "i.ua",
            "meta.ua",
            "email.ua",
            "bigmir.net",
            "mail.ru",
            "bk.ru",
            "list.ru",
            "inbox.ru",
            "internet.ru",
            "yandex.ru",
            "yandex.com.tr",
            "yandex.kz",
            "ya.ru",
            "rambler.ru",
            "lenta.ru",
            "ro.ru",
            "autorambler.ru",
            "myrambler.ru",
            "googlemail.com",
            "outlook.com",
            "outlook.de",
            "hotmail.co.uk",
            "live.ru",
            "msn.com",
            "yahoo.com",
            "yahoo.co.jp",
            "ymail.com",
            "icloud.com",
            "me.com",
            "mac.com",
            "proton.me",
            "protonmail.com",
            "protonmail.ch",
            "pm.me",
            "aol.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "mail.com",
            "zoho.com",
            "tutanota.com",
            "tuta.io",
            "qq.com",
            "163.com",
        ] {
            assert!(is_free_mail(free), "{free}");
        }
        for company in [
            "romashka.ua",
            "privatbank.ua",
            "live.romashka.ua",
            "yahoo.romashka.com",
            "mail.romashka.ua",
            "outlook",
            "",
            "gmail.co",
        ] {
            assert!(!is_free_mail(company), "{company}");
        }
        let domain = |raw: &str| mailbox(raw).map(|m| email_domain(&m).to_string());
        assert!(is_free_mail(&domain("Ivan@GMAIL.com").unwrap_or_default()));
        assert!(!is_free_mail(
            &domain("ivan@romashka.ua").unwrap_or_default()
        ));
    }

    #[test]
    fn free_mail_lists_are_sorted_and_lowercase() {
        for list in [FREE_MAIL, FREE_MAIL_FAMILIES] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
            assert!(list.iter().all(|d| *d == d.to_ascii_lowercase()));
        }
    }

    #[test]
    fn tax_ids() {
        assert_eq!(tax_id("1234-5678").normal.as_deref(), Some("12345678"));
        assert_eq!(tax_id("ua 12345678").normal.as_deref(), Some("UA12345678"));
        assert_eq!(tax_id("123").quality, Quality::Invalid);
        assert_eq!(tax_id("12/34/5678").quality, Quality::Invalid);
    }

    #[test]
    fn real_edrpou_codes_are_strong() {
        // ПриватБанк, Ощадбанк, Національний банк України, python-stdnum's example (middle band,
        // weights 7, 1, 2, ...), and a code of the middle band seen in a payment notice.
        for code in ["14360570", "00032129", "00032106", "32855961", "40044111"] {
            assert!(tax_id_is_strong(code), "{code}");
            let normal = tax_id(code).normal.unwrap_or_default();
            assert!(tax_id_is_strong(&normal), "{code}");
        }
        for code in ["14360571", "00032128", "32855968", "41436057"] {
            assert!(!tax_id_is_strong(code), "{code}");
        }
    }

    #[test]
    fn edrpou_second_pass() {
        // 0000200: 2 × 5 = 10 on the first pass; the second pass weighs it 7: 14 ≡ 3.
        assert!(tax_id_is_strong("00002003"));
        assert!(!tax_id_is_strong("00002000"));
        // 6050000: 6 × 1 + 5 × 3 = 21 ≡ 10, then 6 × 3 + 5 × 5 = 43 ≡ 10 again, so the digit is 0.
        assert!(tax_id_is_strong("60500000"));
        assert!(!tax_id_is_strong("60500001"));
    }

    #[test]
    fn rnokpp_and_russian_inn() {
        // python-stdnum's РНОКПП example; a Russian organisation (Сбербанк) and stdnum's examples.
        for id in ["1759013776", "7707083893", "1234567894", "123456789047"] {
            assert!(tax_id_is_strong(id), "{id}");
        }
        for id in ["1759013770", "7707083890", "1234567895", "123456789037"] {
            assert!(!tax_id_is_strong(id), "{id}");
        }
        // 1759013776 passes both 10-digit sums; 2817712530 only the Ukrainian one.
        assert!(rnokpp_valid(&digits_of("1759013776")) && inn_valid(&digits_of("1759013776")));
        assert!(rnokpp_valid(&digits_of("2817712530")));
        assert!(!inn_valid(&digits_of("2817712530")));
        assert!(tax_id_is_strong("2817712530"));
        assert!(!tax_id_is_strong("2817712531"));
        assert!(inn_valid(&digits_of("7707083893")));
    }

    fn digits_of(text: &str) -> Vec<u32> {
        text.chars().filter_map(|c| c.to_digit(10)).collect()
    }

    #[test]
    fn weak_tax_ids() {
        for id in [
            "0000000000",
            "00000000",
            "1111111111",
            "UA12345678",
            "DE123456789",
            "123456789",
            "12345",
            "1436057O",
        ] {
            assert!(!tax_id_is_strong(id), "{id}");
        }
    }
}
