//! Matching: what a record is compared on (its [`Profile`]), the blocking keys that find candidates,
//! and the score of a pair.
//!
//! # Keys (candidate generation)
//!
//! Every client stores its keys in the store's `client_keys` table (indexed), so a check on capture
//! looks up a dozen keys and reads only the clients that share one: O(1) in the size of the base. A key
//! is a prefix and a normal form:
//!
//! | key | from |
//! |---|---|
//! | `t:<id>` | the tax id (upper case, no separators) |
//! | `p:<e164>` | every phone (the client's and its contact persons'), in E.164 |
//! | `e:<mailbox>` | every e-mail, canonical (see [`super::normalize::email`]) |
//! | `d:<domain>` | every e-mail domain that is not a free-mail provider's |
//! | `c:<name>` | a company's name without legal form and quotes, folded |
//! | `n:<tokens>` | a person's name, folded tokens sorted (so word order does not matter) |
//! | `s:<token>:<letter>` | each name token with the first letter of another (a typo in one word still meets) |
//! | `b:<yyyymmdd>:<letter>` | the date of birth with the first letter of each name token |
//! | `a:<number>:<word>` | the address's first number with the word after it (a house and its street) |
//! | `z:<number>:<letter>` | the address's last number (a postcode) with the first letter of each name token |
//!
//! A key shared by more than `key_limit` clients (a shared office phone, a reception e-mail, a common
//! name) stops counting: it finds no candidates, and its agreement adds nothing to a score.
//!
//! # Score
//!
//! Each field compared gives evidence in log-odds (positive: the same party; negative: different ones;
//! zero: one side does not have it). The score is the logistic of the sum minus 3, so agreement worth
//! less than 3 never passes 0.5:
//!
//! | field | agrees | close | disagrees |
//! |---|---|---|---|
//! | tax id, both pass a checksum | +8 | | −6 |
//! | tax id, other formats | +5 | one edit apart: +2 | −2.5 |
//! | phone (any shared) | +5.5 | | −0.5 |
//! | e-mail (any shared) | +6 | same company domain: +1.5 (companies), +0.5 (persons) | −0.5 |
//! | company name | +4 | Jaro–Winkler ≥ 0.93: +2 | −3 |
//! | person name (≥ 2 words each) | +3 | ≥ 0.95: +2.5; ≥ 0.9: +1.5; ≥ 0.85: 0; ≥ 0.75: −1.5 | −4 |
//! | person name (one word on a side) | the word in the other: +1 | | −2 |
//! | date of birth | +5 | day and month swapped, or one digit off: +2.5 | −3 |
//! | address | ≥ 0.95: +3 | ≥ 0.85: +1.5; ≥ 0.6: 0 | −1 |
//!
//! A patronymic in a full name of three words (`Петренко Олена Іванівна`) is left out of the comparison.
//! Name and address similarity is the symmetric Monge–Elkan mean: each word of the shorter side scored by
//! its best Jaro–Winkler partner on the other side (numbers must be equal). Names are compared in their
//! folded, transliterated, sound-alike form (see [`super::names`]), so `Петренко Іван` and
//! `Ivan Petrenko` agree. So: a phone alone gives 0.92, a name alone 0.5, name and date of birth 0.99.
//! The weights were set from how often each field agrees by chance and how often it is mistyped, not
//! fitted to any data set; the Febrl evaluation (`tests/dedup_febrl.rs`) measures them.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::{names, normalize};
use crate::model::{Client, ClientKind, Contact, Lead, Probe};

/// What a client, a request or a probe is compared on, normalised once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Persons' names as sound-alike tokens: a person client's own name, a company's contact persons,
    /// a request's sender.
    pub names: Vec<Vec<String>>,
    /// A company's name without legal form, folded (empty: none).
    pub company: String,
    /// Phones in E.164.
    pub phones: Vec<String>,
    /// Canonical e-mails.
    pub emails: Vec<String>,
    /// E-mail domains that are not free mail.
    pub domains: Vec<String>,
    /// The tax id's normal form and whether it passed a checksum.
    pub tax: Option<(String, bool)>,
    /// Address tokens, folded.
    pub address: Vec<String>,
    /// Date of birth.
    pub birth: Option<NaiveDate>,
}

/// A score and the fields that agreed.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// 0..1, rounded to 4 decimals.
    pub score: f64,
    /// The fields that agreed, strongest first.
    pub keys: Vec<&'static str>,
}

/// The matching key of a normalised tax id (as [`crate::dedup::normalize::tax_id`] gives it).
pub(crate) fn tax_key(normal: &str) -> String {
    format!("t:{normal}")
}

/// The matching key of a normalised phone (E.164, as [`crate::dedup::normalize::phone_in`] gives it).
pub(crate) fn phone_key(normal: &str) -> String {
    format!("p:{normal}")
}

/// The matching key of a normalised e-mail (as [`crate::dedup::normalize::email`] gives it).
pub(crate) fn email_key(normal: &str) -> String {
    format!("e:{normal}")
}

impl Profile {
    /// A client with its contact persons. Phones are read in `country` when they have no country code.
    pub fn of_client(client: &Client, contacts: &[Contact], country: &str) -> Profile {
        let mut p = Profile::default();
        match client.kind {
            ClientKind::Person => p.add_person(&client.name),
            ClientKind::Company => p.company = names::company_key(&client.name),
        }
        p.add_phone(client.phone.as_deref(), country);
        p.add_email(client.email.as_deref());
        if let Some(tax) = client.tax_id.as_deref() {
            p.set_tax(tax);
        }
        if let Some(address) = client.address.as_deref() {
            p.address = address_tokens(address);
        }
        p.birth = client.birth_date;
        for contact in contacts {
            p.add_person(&contact.name);
            for phone in &contact.phones {
                p.add_phone(Some(phone), country);
            }
            for email in &contact.emails {
                p.add_email(Some(email));
            }
        }
        p.tidy();
        p
    }

    /// A request: its sender's name, company, phone and e-mail.
    pub fn of_lead(lead: &Lead, country: &str) -> Profile {
        let mut p = Profile::default();
        if let Some(name) = lead.name.as_deref() {
            p.add_person(name);
        }
        if let Some(company) = lead.company.as_deref() {
            p.company = names::company_key(company);
        }
        p.add_phone(lead.phone.as_deref(), country);
        p.add_email(lead.email.as_deref());
        p.tidy();
        p
    }

    /// The details given to `find_duplicates`. A name is a company's when `kind` says so, else a person's.
    pub fn of_probe(probe: &Probe, country: &str) -> Profile {
        let mut p = Profile::default();
        if let Some(name) = probe.name.as_deref() {
            match probe.kind {
                Some(ClientKind::Company) => p.company = names::company_key(name),
                _ => p.add_person(name),
            }
        }
        if let Some(company) = probe.company.as_deref() {
            p.company = names::company_key(company);
        }
        p.add_phone(probe.phone.as_deref(), country);
        p.add_email(probe.email.as_deref());
        if let Some(tax) = probe.tax_id.as_deref() {
            p.set_tax(tax);
        }
        if let Some(address) = probe.address.as_deref() {
            p.address = address_tokens(address);
        }
        p.birth = probe.birth_date;
        p.tidy();
        p
    }

    fn add_person(&mut self, name: &str) {
        let mut tokens = names::person_tokens(name);
        drop_patronymic(&mut tokens);
        if !tokens.is_empty() && !self.names.contains(&tokens) {
            self.names.push(tokens);
        }
    }

    fn add_phone(&mut self, raw: Option<&str>, country: &str) {
        if let Some(normal) = raw.and_then(|r| normalize::phone_in(r, country).normal) {
            self.phones.push(normal);
        }
    }

    fn add_email(&mut self, raw: Option<&str>) {
        if let Some(normal) = raw.and_then(|r| normalize::email(r).normal) {
            let domain = normalize::email_domain(&normal);
            if !normalize::is_free_mail(domain) {
                self.domains.push(domain.to_string());
            }
            self.emails.push(normal);
        }
    }

    fn set_tax(&mut self, raw: &str) {
        if let Some(normal) = normalize::tax_id(raw).normal {
            let strong = normalize::tax_id_is_strong(&normal);
            self.tax = Some((normal, strong));
        }
    }

    fn tidy(&mut self) {
        for list in [&mut self.phones, &mut self.emails, &mut self.domains] {
            list.sort();
            list.dedup();
        }
    }

    /// The blocking keys (see the module documentation), sorted and without repeats.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = BTreeSet::new();
        if let Some((tax, _)) = &self.tax {
            keys.insert(tax_key(tax));
        }
        for phone in &self.phones {
            keys.insert(phone_key(phone));
        }
        for email in &self.emails {
            keys.insert(email_key(email));
        }
        for domain in &self.domains {
            keys.insert(format!("d:{domain}"));
        }
        if !self.company.is_empty() {
            keys.insert(format!("c:{}", self.company));
        }
        let numbers: Vec<&String> = self
            .address
            .iter()
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        for tokens in &self.names {
            let tokens = &tokens[..tokens.len().min(3)];
            let mut sorted = tokens.to_vec();
            sorted.sort();
            keys.insert(format!("n:{}", sorted.join(" ")));
            for (i, x) in tokens.iter().enumerate() {
                let initial = first_char(x);
                if tokens.len() == 1 {
                    keys.insert(format!("s:{x}:"));
                }
                for (j, y) in tokens.iter().enumerate() {
                    if i != j {
                        keys.insert(format!("s:{x}:{}", first_char(y)));
                    }
                }
                if let Some(birth) = self.birth {
                    keys.insert(format!("b:{}:{initial}", birth.format("%Y%m%d")));
                }
                if let Some(last) = numbers.last() {
                    keys.insert(format!("z:{last}:{initial}"));
                }
            }
        }
        if self.names.is_empty() {
            if let Some(birth) = self.birth {
                keys.insert(format!("b:{}:", birth.format("%Y%m%d")));
            }
        }
        if let Some(pos) = self
            .address
            .iter()
            .position(|t| t.bytes().all(|b| b.is_ascii_digit()))
        {
            if let Some(word) = self.address[pos + 1..]
                .iter()
                .find(|t| !t.bytes().all(|b| b.is_ascii_digit()))
            {
                keys.insert(format!("a:{}:{word}", self.address[pos]));
            }
        }
        keys.into_iter().collect()
    }
}

/// Endings of East Slavic patronymics in their sound-alike form (`Олександрович`, `Петрівна`,
/// `Ильинична`).
const PATRONYMIC_ENDINGS: [&str; 6] = ["ovich", "evich", "ovna", "evna", "ivna", "ichna"];

/// Drops a patronymic from a full name of three or more words: it stands right after the given name, so
/// it is the second word (`Ivan Petrovich Lukashevich`) or the third (`Поліщук Денис Олександрович`) — the
/// second is looked at first, so a surname with the same ending (`Lukashevich`) stays. A patronymic
/// would otherwise pass for a given name (`Oleksandr` and `Oleksandrovych` are close), and it is often
/// left out.
fn drop_patronymic(tokens: &mut Vec<String>) {
    if tokens.len() < 3 {
        return;
    }
    let patronymic =
        |t: &String| t.chars().count() > 6 && PATRONYMIC_ENDINGS.iter().any(|e| t.ends_with(e));
    if let Some(i) = [1, 2].into_iter().find(|&i| patronymic(&tokens[i])) {
        tokens.remove(i);
    }
}

fn first_char(token: &str) -> char {
    token.chars().next().unwrap_or('_')
}

fn address_tokens(address: &str) -> Vec<String> {
    names::fold(address)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Evidence (log-odds) and the field it is about, when it agreed.
struct Evidence {
    total: f64,
    agreed: Vec<&'static str>,
}

impl Evidence {
    fn add(&mut self, field: &'static str, weight: f64) {
        self.total += weight;
        if weight > 0.0 {
            self.agreed.push(field);
        }
    }
}

/// Scores a pair. `common` says whether a key is shared by too many clients to count (see the module
/// documentation); its agreement then adds nothing.
pub fn score(a: &Profile, b: &Profile, common: &dyn Fn(&str) -> bool) -> Scored {
    let mut ev = Evidence {
        total: 0.0,
        agreed: Vec::new(),
    };
    if let (Some((ta, sa)), Some((tb, sb))) = (&a.tax, &b.tax) {
        let strong = *sa && *sb;
        let weight = if ta == tb {
            if common(&format!("t:{ta}")) {
                0.0
            } else if strong {
                8.0
            } else {
                5.0
            }
        } else if !strong && one_edit_apart(ta, tb) {
            2.0
        } else if strong {
            -6.0
        } else {
            -2.5
        };
        ev.add("tax_id", weight);
    }
    ev.add("phone", shared(&a.phones, &b.phones, "p", 5.5, common));
    let email = shared(&a.emails, &b.emails, "e", 6.0, common);
    ev.add("email", email);
    if email <= 0.0 {
        let company = !a.company.is_empty() || !b.company.is_empty();
        let weight = if company { 1.5 } else { 0.5 };
        let domain = a
            .domains
            .iter()
            .any(|d| b.domains.contains(d) && !common(&format!("d:{d}")));
        if domain {
            ev.add("email_domain", weight);
        }
    }
    if !a.company.is_empty() && !b.company.is_empty() {
        let weight = if a.company == b.company {
            if common(&format!("c:{}", a.company)) {
                0.0
            } else {
                4.0
            }
        } else if strsim::jaro_winkler(&a.company, &b.company) >= 0.93 {
            2.0
        } else {
            -3.0
        };
        ev.add("company", weight);
    }
    if let Some(weight) = best_name(&a.names, &b.names) {
        ev.add("name", weight);
    }
    if let (Some(x), Some(y)) = (a.birth, b.birth) {
        let weight = if x == y {
            5.0
        } else if close_dates(x, y) {
            2.5
        } else {
            -3.0
        };
        ev.add("birth_date", weight);
    }
    if !a.address.is_empty() && !b.address.is_empty() {
        let sim = monge_elkan(&a.address, &b.address);
        let weight = if sim >= 0.95 {
            3.0
        } else if sim >= 0.85 {
            1.5
        } else if sim >= 0.6 {
            0.0
        } else {
            -1.0
        };
        ev.add("address", weight);
    }
    let score = 1.0 / (1.0 + (3.0 - ev.total).exp());
    Scored {
        score: (score * 10_000.0).round() / 10_000.0,
        keys: ev.agreed,
    }
}

/// Agreement on a list of exact values: `weight` when any is shared (and not common), −0.5 when both
/// sides have values and none is shared, 0 when a side has none.
fn shared(
    a: &[String],
    b: &[String],
    prefix: &str,
    weight: f64,
    common: &dyn Fn(&str) -> bool,
) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut any = false;
    for x in a {
        if b.contains(x) {
            any = true;
            if !common(&format!("{prefix}:{x}")) {
                return weight;
            }
        }
    }
    if any { 0.0 } else { -0.5 }
}

/// The best evidence any pair of the two sides' person names gives; `None` when a side has no name.
fn best_name(a: &[Vec<String>], b: &[Vec<String>]) -> Option<f64> {
    let mut best: Option<f64> = None;
    for x in a {
        for y in b {
            let weight = name_weight(x, y);
            best = Some(best.map_or(weight, |b| b.max(weight)));
        }
    }
    best
}

fn name_weight(a: &[String], b: &[String]) -> f64 {
    if a.len() == 1 || b.len() == 1 {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        let found = long
            .iter()
            .any(|t| strsim::jaro_winkler(&short[0], t) >= 0.95);
        return if found { 1.0 } else { -2.0 };
    }
    if a == b {
        return 3.0;
    }
    let sim = monge_elkan(a, b);
    if sim >= 0.999 {
        3.0
    } else if sim >= 0.95 {
        2.5
    } else if sim >= 0.9 {
        1.5
    } else if sim >= 0.85 {
        0.0
    } else if sim >= 0.75 {
        -1.5
    } else {
        -4.0
    }
}

/// Symmetric Monge–Elkan: the mean, over the words of the shorter side, of each word's best
/// Jaro–Winkler similarity on the other side (words of digits count only when equal).
fn monge_elkan(a: &[String], b: &[String]) -> f64 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0.0;
    }
    let total: f64 = short
        .iter()
        .map(|x| {
            long.iter()
                .map(|y| token_similarity(x, y))
                .fold(0.0, f64::max)
        })
        .sum();
    total / short.len() as f64
}

fn token_similarity(x: &str, y: &str) -> f64 {
    let digits = |t: &str| t.bytes().any(|b| b.is_ascii_digit());
    if digits(x) || digits(y) {
        return if x == y { 1.0 } else { 0.0 };
    }
    strsim::jaro_winkler(x, y)
}

/// Day and month swapped, or the dates written as `YYYYMMDD` one digit apart (a typo).
fn close_dates(a: NaiveDate, b: NaiveDate) -> bool {
    if a.year() == b.year() && a.month() == b.day() && a.day() == b.month() {
        return true;
    }
    let (x, y) = (
        a.format("%Y%m%d").to_string(),
        b.format("%Y%m%d").to_string(),
    );
    x.bytes().zip(y.bytes()).filter(|(p, q)| p != q).count() == 1
}

/// Two ids of the same length that differ in one character or by two neighbours swapped.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str) -> Profile {
        let mut p = Profile::default();
        p.add_person(name);
        p
    }

    fn never(_: &str) -> bool {
        false
    }

    #[test]
    fn a_phone_alone_is_a_strong_match_and_a_name_alone_is_not() {
        let mut a = person("Ivan Petrenko");
        let mut b = Profile::default();
        a.add_phone(Some("+380 67 123-45-67"), "UA");
        b.add_phone(Some("0671234567"), "UA");
        let s = score(&a, &b, &never);
        assert!(s.score >= 0.9, "{s:?}");
        assert_eq!(s.keys, ["phone"]);
        let s = score(&person("Ivan Petrenko"), &person("Петренко Іван"), &never);
        assert_eq!(s.score, 0.5);
        assert_eq!(s.keys, ["name"]);
    }

    #[test]
    fn a_common_key_counts_for_nothing() {
        let mut a = Profile::default();
        let mut b = Profile::default();
        a.add_phone(Some("0441234567"), "UA");
        b.add_phone(Some("044 123 45 67"), "UA");
        let common = |k: &str| k == "p:+380441234567";
        let s = score(&a, &b, &common);
        assert!(s.score < 0.1, "{s:?}");
        assert!(s.keys.is_empty());
    }

    #[test]
    fn name_and_birth_date_agree_and_a_different_birth_date_separates() {
        let mut a = person("Ivan Petrenko");
        let mut b = person("Ivan Petrenko");
        a.birth = NaiveDate::from_ymd_opt(1980, 3, 4);
        b.birth = a.birth;
        assert!(score(&a, &b, &never).score > 0.99);
        b.birth = NaiveDate::from_ymd_opt(1980, 4, 3);
        assert!(score(&a, &b, &never).score > 0.9, "day and month swapped");
        b.birth = NaiveDate::from_ymd_opt(1962, 11, 20);
        assert!(score(&a, &b, &never).score < 0.5);
    }

    #[test]
    fn a_patronymic_is_not_taken_for_a_given_name() {
        let p = person("Поліщук Денис Олександрович");
        assert_eq!(p.names, [names::person_tokens("Поліщук Денис")]);
        let p = person("Ivan Petrovich Lukashevich");
        assert_eq!(p.names, [names::person_tokens("Ivan Lukashevich")]);
        let p = person("Lukashevich Ivan");
        assert_eq!(
            p.names,
            [names::person_tokens("Lukashevich Ivan")],
            "two words: a surname"
        );
        let mut a = person("Oleksandr Polishchuk");
        let mut b = person("Поліщук Денис Олександрович");
        a.birth = NaiveDate::from_ymd_opt(1980, 3, 4);
        b.birth = a.birth;
        assert!(score(&a, &b, &never).score < 0.9);
        let c = person("Петренко Олена Іванівна");
        assert!(score(&person("Olena Petrenko"), &c, &never).score >= 0.5);
    }

    #[test]
    fn keys_are_sorted_and_cover_every_field() {
        let mut p = person("Ivan Petrenko");
        p.add_phone(Some("067 123 45 67"), "UA");
        p.add_email(Some("Ivan.Petrenko@Romashka.ua"));
        p.set_tax("3012345678");
        p.birth = NaiveDate::from_ymd_opt(1980, 3, 4);
        p.address = address_tokens("12 Khreshchatyk St, Kyiv 01001");
        let keys = p.keys();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        for prefix in ["t:", "p:", "e:", "d:", "n:", "s:", "b:", "a:", "z:"] {
            assert!(
                keys.iter().any(|k| k.starts_with(prefix)),
                "{prefix} {keys:?}"
            );
        }
    }

    #[test]
    fn edits_and_dates() {
        assert!(one_edit_apart("1234567", "1234576"));
        assert!(one_edit_apart("1234567", "1234568"));
        assert!(!one_edit_apart("1234567", "1243576"));
        assert!(!one_edit_apart("1234567", "123456"));
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert!(close_dates(d(1980, 3, 4), d(1980, 4, 3)));
        assert!(close_dates(d(1980, 3, 4), d(1981, 3, 4)));
        assert!(!close_dates(d(1980, 3, 4), d(1991, 3, 4)));
    }
}
