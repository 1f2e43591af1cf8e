//! Cells as values: dates, date-times, money and quantities written the way Ukrainian, Russian and
//! English spreadsheets write them. Errors are short human messages without the cell's text (the
//! import wraps them with the row and the column).
//!
//! **Dates.** `2025-12-31`, `2025.12.31`, `2025/12/31` (year first); `31.12.2025`, `31/12/2025`,
//! `31-12-2025` and the same with a two-digit year (`31.12.25`) — always **day first**: `01/02/2025` is
//! the 1st of February, as in Ukraine and Russia (an American month-first file must be converted before
//! import). Two-digit years follow Excel: `00`–`29` are 2000–2029, `30`–`99` are 1930–1999. A time may
//! follow after `T` or a space: `HH:MM` or `HH:MM:SS` (fractions of a second are dropped). A bare number
//! from 20000 to 80000 (1954-10-03 … 2119-01-11) is an Excel serial date in the 1900 system, as a cell
//! formatted as a number shows it (Excel's fictitious 1900-02-29 lies far below that range, so serials
//! count from 1899-12-30); a fraction is the time of day.
//!
//! **Money.** White space of any kind (non-breaking and narrow non-breaking spaces too) and apostrophes
//! group thousands and are dropped; currency marks (`грн`, `грн.`, `₴`, `UAH`, `руб`, `руб.`, `₽`, `$`,
//! `€`, `USD`, `EUR`) are dropped. With both `.` and `,` the last one is the decimal separator and the
//! other groups thousands (`1,234.50`, `1.234,50`); a separator that occurs more than once groups
//! thousands (`1,234,567`); a single `.` or `,` is the decimal separator (`1234,5`, `1234.50`). More than
//! two decimals is an error: amounts are never rounded (and `1.234` might mean 1234).
//!
//! **Quantities.** Whole units: `2`, `1 000`, `2,0` and `2.000` (a single separator followed by zeros)
//! are whole; `1,5` is an error. A trailing `шт`/`шт.`/`pcs` is dropped.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::model::Money;

/// The cell's text for a text field: trimmed, non-breaking spaces and control characters (line breaks
/// of a quoted cell too) as plain spaces; `None` when nothing is left.
pub fn clean(text: &str) -> Option<String> {
    let replaced: String = text
        .chars()
        .map(|c| {
            if c.is_control() || (c.is_whitespace() && c != ' ') || c == '\u{feff}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

const DATE_HINT: &str = "must be a date like 31.12.2025 or 2025-12-31";

/// A date (see the module docs for the forms). A time after the date is checked and ignored.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    parse_datetime(text).map(|dt| dt.date())
}

/// A date with an optional time of day (`31.12.2025 14:30`, `2025-12-31T14:30:00`); a date alone is
/// midnight. See the module docs for the forms.
pub fn parse_datetime(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty".to_string());
    }
    if let Some(serial) = excel_serial(text) {
        return serial;
    }
    let (date_part, time_part) = match text.find(['T', 't', ' ']) {
        Some(i) => (&text[..i], Some(text[i + 1..].trim())),
        None => (text, None),
    };
    let date = parse_date_only(date_part)?;
    let time = match time_part {
        None | Some("") => NaiveTime::MIN,
        Some(t) => parse_time(t)?,
    };
    Ok(date.and_time(time))
}

fn excel_serial(text: &str) -> Option<Result<NaiveDateTime, String>> {
    let (whole, frac) = match text.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 6
    {
        return None;
    }
    let days: i64 = whole.parse().ok()?;
    if !(20_000..=80_000).contains(&days) {
        if !frac.is_empty() {
            return None;
        }
        return Some(Err(
            "is a number, not a date (an excel serial date lies between 20000 and 80000)"
                .to_string(),
        ));
    }
    // Seconds of the day from the fraction, rounded to the nearest second, without floats.
    let frac = &frac[..frac.len().min(9)];
    let seconds = if frac.is_empty() {
        0
    } else {
        let digits: i64 = frac.parse().ok()?;
        let scale = 10_i64.pow(frac.len() as u32);
        (digits * 86_400 + scale / 2) / scale
    };
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    Some(Ok(epoch
        + Duration::days(days)
        + Duration::seconds(seconds)))
}

fn number(part: &str) -> Option<u32> {
    if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn parse_date_only(text: &str) -> Result<NaiveDate, String> {
    let separator = text
        .chars()
        .find(|c| matches!(c, '.' | '/' | '-'))
        .ok_or_else(|| DATE_HINT.to_string())?;
    let parts: Vec<&str> = text.split(separator).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(DATE_HINT.to_string());
    };
    let (Some(na), Some(nb), Some(nc)) = (number(a), number(b), number(c)) else {
        return Err(DATE_HINT.to_string());
    };
    let (year, month, day) = if a.len() == 4 {
        (na as i32, nb, nc)
    } else if a.len() <= 2 && b.len() <= 2 && (c.len() == 4 || c.len() == 2) {
        let year = match (c.len(), nc) {
            (4, y) => y as i32,
            (_, y) if y < 30 => 2000 + y as i32,
            (_, y) => 1900 + y as i32,
        };
        (year, nb, na)
    } else {
        return Err(DATE_HINT.to_string());
    };
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| "is not a day of the calendar (month or day out of range)".to_string())
}

fn parse_time(text: &str) -> Result<NaiveTime, String> {
    const HINT: &str = "has a time that is not like 14:30 or 14:30:00";
    let text = text.trim_end_matches('Z');
    let parts: Vec<&str> = text.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(HINT.to_string()),
    };
    // Fractions of a second are dropped.
    let s = s.split_once('.').map_or(s, |(whole, _)| whole);
    let ok = |p: &str| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !(ok(h) && ok(m) && ok(s)) {
        return Err(HINT.to_string());
    }
    let (h, m, s) = (
        h.parse().map_err(|_| HINT)?,
        m.parse().map_err(|_| HINT)?,
        s.parse().map_err(|_| HINT)?,
    );
    NaiveTime::from_hms_opt(h, m, s).ok_or_else(|| HINT.to_string())
}

/// Currency marks, longest first so that `грн.` goes before `грн`.
const CURRENCY: &[&str] = &[
    "грн.", "грн", "руб.", "руб", "uah", "usd", "eur", "₴", "₽", "$", "€",
];

/// Digits and separators with white space, apostrophes and currency marks removed; the sign apart.
fn strip_number(text: &str) -> Result<(bool, String), String> {
    let mut s = text.trim().to_lowercase();
    for mark in CURRENCY {
        s = s.replace(mark, "");
    }
    let s: String = s
        .chars()
        .filter(|&c| !(c.is_whitespace() || matches!(c, '\'' | '’' | 'ʼ' | '`')))
        .map(|c| if c == '−' { '-' } else { c })
        .collect();
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, s.strip_prefix('+').unwrap_or(&s).to_string()),
    };
    if body.is_empty() {
        return Err("is empty".to_string());
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err("must be a number like 1 234,50 or 1234.50".to_string());
    }
    Ok((negative, body))
}

/// Splits `body` (digits, `.` and `,`) into its whole digits and its decimals (see the module docs).
fn split_decimal(body: &str) -> Result<(String, String), String> {
    const GROUPS: &str = "has thousands groups that are not three digits";
    let dots = body.matches('.').count();
    let commas = body.matches(',').count();
    let decimal = match (dots, commas) {
        (0, 0) => None,
        (_, 0) if dots > 1 => None,
        (0, _) if commas > 1 => None,
        (0, 1) => Some(','),
        (1, 0) => Some('.'),
        _ => {
            let last = body.rfind(['.', ',']).unwrap_or(0);
            let sep = body[last..].chars().next().unwrap_or('.');
            if body.matches(sep).count() > 1 {
                return Err("has both . and , in a way that is not a number".to_string());
            }
            Some(sep)
        }
    };
    let (whole, frac) = match decimal {
        Some(sep) => body.rsplit_once(sep).unwrap_or((body, "")),
        None => (body, ""),
    };
    let groups: Vec<&str> = whole.split(['.', ',']).collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return Err(GROUPS.to_string());
    }
    let whole: String = groups.concat();
    if whole.is_empty() && frac.is_empty() {
        return Err("must be a number like 1 234,50 or 1234.50".to_string());
    }
    if decimal.is_some() && frac.is_empty() {
        return Err("ends with a decimal separator".to_string());
    }
    Ok((whole, frac.to_string()))
}

/// An amount of money (see the module docs for the forms). `"1 234,50 грн"` is 1234.50.
pub fn parse_money(text: &str) -> Result<Money, String> {
    let (negative, body) = strip_number(text)?;
    let (whole, frac) = split_decimal(&body)?;
    if frac.len() > 2 {
        return Err(
            "has more than two decimals; amounts are not rounded (if the separator groups thousands, leave it out)"
                .to_string(),
        );
    }
    let whole = if whole.is_empty() { "0" } else { &whole };
    let sign = if negative { "-" } else { "" };
    let decimal = if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    };
    Money::parse(&decimal).map_err(|_| "is too large an amount".to_string())
}

/// A quantity in whole units (see the module docs): `"2"`, `"2,0"`, `"1 000"`.
pub fn parse_quantity(text: &str) -> Result<i64, String> {
    let lowered = text.trim().to_lowercase();
    let without_unit = ["шт.", "шт", "pcs", "pc"]
        .iter()
        .find_map(|unit| lowered.strip_suffix(unit))
        .unwrap_or(&lowered);
    let (negative, body) = strip_number(without_unit)?;
    let (whole, frac) = split_decimal(&body)?;
    if frac.bytes().any(|b| b != b'0') {
        return Err("must be a whole number of units".to_string());
    }
    if whole.is_empty() {
        return Err("must be a whole number like 2 or 1 000".to_string());
    }
    let value: i64 = whole
        .parse()
        .map_err(|_| "is too large a quantity".to_string())?;
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_local_forms() {
        let cases: &[(&str, NaiveDate)] = &[
            ("31.12.2025", d(2025, 12, 31)),
            ("1.2.2025", d(2025, 2, 1)),
            ("01/02/2025", d(2025, 2, 1)),
            ("31-12-2025", d(2025, 12, 31)),
            ("31.12.25", d(2025, 12, 31)),
            ("05.03.85", d(1985, 3, 5)),
            ("01.01.29", d(2029, 1, 1)),
            ("01.01.30", d(1930, 1, 1)),
            ("2025-12-31", d(2025, 12, 31)),
            ("2025.12.31", d(2025, 12, 31)),
            ("2025/1/9", d(2025, 1, 9)),
            ("2025-12-31T14:30:00", d(2025, 12, 31)),
            ("31.12.2025 14:30", d(2025, 12, 31)),
            (" 29.02.2024 ", d(2024, 2, 29)),
            ("45657", d(2024, 12, 31)),
            ("45658", d(2025, 1, 1)),
            ("20000", d(1954, 10, 3)),
            ("80000", d(2119, 1, 11)),
            ("45657.75", d(2024, 12, 31)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_date(text), Ok(*want), "{text}");
        }
    }

    #[test]
    fn bad_dates_are_errors() {
        for text in [
            "",
            "31.02.2025",
            "2025-13-01",
            "12345",
            "99999",
            "31.12",
            "31.12.2025.1",
            "завтра",
            "31.12.123",
            "2025-12-31 25:00",
            "2025-12-31 14",
            "31 грудня 2025",
            "-45657",
        ] {
            assert!(parse_date(text).is_err(), "{text}");
        }
        assert_eq!(
            parse_date("31.02.2025"),
            Err("is not a day of the calendar (month or day out of range)".to_string())
        );
        assert_eq!(parse_date("завтра"), Err(DATE_HINT.to_string()));
    }

    #[test]
    fn datetimes() {
        let at = |y, m, day, h, min, s| d(y, m, day).and_hms_opt(h, min, s).unwrap();
        let cases: &[(&str, NaiveDateTime)] = &[
            ("31.12.2025 14:30", at(2025, 12, 31, 14, 30, 0)),
            ("31.12.2025  9:05:07", at(2025, 12, 31, 9, 5, 7)),
            ("2025-12-31T14:30:00", at(2025, 12, 31, 14, 30, 0)),
            ("2025-12-31T14:30:00.250Z", at(2025, 12, 31, 14, 30, 0)),
            ("2025-12-31", at(2025, 12, 31, 0, 0, 0)),
            ("45657.5", at(2024, 12, 31, 12, 0, 0)),
            ("45657,75", at(2024, 12, 31, 18, 0, 0)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_datetime(text), Ok(*want), "{text}");
        }
        assert!(parse_datetime("31.12.2025 14:61").is_err());
    }

    #[test]
    fn money_in_local_forms() {
        let cases: &[(&str, i64)] = &[
            ("1 234,50", 123_450),
            ("1\u{a0}234,50", 123_450),
            ("1\u{202f}234,5", 123_450),
            ("1'234.50", 123_450),
            ("1234,5", 123_450),
            ("1,234.50", 123_450),
            ("1.234,50", 123_450),
            ("1234.50", 123_450),
            ("1,234,567", 123_456_700),
            ("1.234.567,89", 123_456_789),
            ("-5,00", -500),
            ("−5,00", -500),
            ("+7", 700),
            ("1 234,50 грн", 123_450),
            ("1 234,50 грн.", 123_450),
            ("₴1234", 123_400),
            ("1234 UAH", 123_400),
            ("99,90 руб.", 9_990),
            ("99,9₽", 9_990),
            ("$12.5", 1_250),
            ("12 € ", 1_200),
            ("12 USD", 1_200),
            ("EUR 12", 1_200),
            ("0,05", 5),
            (",5", 50),
            ("0", 0),
        ];
        for (text, want) in cases {
            assert_eq!(parse_money(text).map(Money::minor), Ok(*want), "{text}");
        }
    }

    #[test]
    fn bad_money_is_an_error_never_a_rounding() {
        for text in [
            "",
            " грн ",
            "1,234",
            "1.234",
            "12,345",
            "1.5.0,3",
            "1,23,4",
            "12a",
            "(5.00)",
            "1.",
            "1e5",
            "1,234.5,6",
            "99999999999999999999",
            "12,3456",
        ] {
            assert!(parse_money(text).is_err(), "{text}");
        }
        assert!(parse_money("12,345").unwrap_err().contains("not rounded"));
    }

    #[test]
    fn quantities_are_whole() {
        let cases: &[(&str, i64)] = &[
            ("2", 2),
            ("2,0", 2),
            ("2.000", 2),
            ("1 000", 1000),
            ("1\u{a0}000", 1000),
            ("3 шт.", 3),
            ("3шт", 3),
            ("10 pcs", 10),
            ("-1", -1),
            ("1.000.000", 1_000_000),
        ];
        for (text, want) in cases {
            assert_eq!(parse_quantity(text), Ok(*want), "{text}");
        }
        for text in ["1,5", "", "шт", "два", "2.", "1e3", "99999999999999999999"] {
            assert!(parse_quantity(text).is_err(), "{text}");
        }
        assert_eq!(
            parse_quantity("1,5"),
            Err("must be a whole number of units".to_string())
        );
    }

    #[test]
    fn clean_text() {
        assert_eq!(
            clean("  ТОВ\u{a0}Ромашка \n"),
            Some("ТОВ Ромашка".to_string())
        );
        assert_eq!(
            clean("рядок 1\nрядок 2"),
            Some("рядок 1 рядок 2".to_string())
        );
        assert_eq!(clean("a\u{0}b"), Some("a b".to_string()));
        assert_eq!(clean(" \u{a0}\t\r\n"), None);
        assert_eq!(clean(""), None);
    }
}
