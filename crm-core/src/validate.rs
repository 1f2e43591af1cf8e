//! Input rules shared by the commands: pure checks that name the field and the rule.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::dedup::normalize::{self, Checked};
use crate::error::{Error, Result};
use crate::model::{Money, Quality, Warning};

/// The longest short text (names, codes, references), in characters.
pub(crate) const SHORT_TEXT: usize = 1_000;
/// The longest free text (a need, an activity body), in characters.
pub(crate) const LONG_TEXT: usize = 100_000;

fn check_length(field: &str, text: &str, max: usize) -> Result<()> {
    if text.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A required short text: trimmed, not empty.
pub(crate) fn required(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    check_length(field, text, SHORT_TEXT)?;
    Ok(text.to_string())
}

/// An optional short text: trimmed; empty counts as absent.
pub(crate) fn optional(field: &str, text: Option<&str>) -> Result<Option<String>> {
    optional_within(field, text, SHORT_TEXT)
}

/// A required long text (an expression): trimmed, not empty, at most `LONG_TEXT` bytes.
pub(crate) fn required_long(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    check_length(field, text, LONG_TEXT)?;
    Ok(text.to_string())
}

/// An optional free text: trimmed; empty counts as absent.
pub(crate) fn optional_long(field: &str, text: Option<&str>) -> Result<Option<String>> {
    optional_within(field, text, LONG_TEXT)
}

fn optional_within(field: &str, text: Option<&str>, max: usize) -> Result<Option<String>> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => {
            check_length(field, text, max)?;
            Ok(Some(text.to_string()))
        }
    }
}

/// Replaces control characters (other than line breaks and tabs) with spaces, with a warning: pasted
/// text often carries them, and a request must not be lost for that. Strict mode leaves them in, so the
/// text rules refuse them.
pub(crate) fn scrub(
    field: &str,
    text: Option<String>,
    strict: bool,
    warnings: &mut Vec<Warning>,
) -> Option<String> {
    let is_bad = |c: char| c.is_control() && !matches!(c, '\n' | '\t' | '\r');
    match text {
        Some(text) if !strict && text.chars().any(is_bad) => {
            warnings.push(Warning {
                field: field.to_string(),
                message: "control characters were replaced with spaces".to_string(),
            });
            Some(
                text.chars()
                    .map(|c| if is_bad(c) { ' ' } else { c })
                    .collect(),
            )
        }
        other => other,
    }
}

/// A list of short labels (tags, skills): trimmed, empty ones dropped, de-duplicated and sorted so that
/// the stored order never depends on the order given.
pub(crate) fn labels(field: &str, items: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if let Some(item) = optional(&format!("{field}[{i}]"), Some(item))? {
            out.push(item);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A list of contact values (phones, e-mails) kept in the order given: trimmed, empty ones dropped.
pub(crate) fn values(field: &str, items: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if let Some(item) = optional(&format!("{field}[{i}]"), Some(item))? {
            if !out.contains(&item) {
                out.push(item);
            }
        }
    }
    Ok(out)
}

/// The largest amount one record may carry, in minor units (ten trillion units). Far above any real
/// order or deal, and low enough that millions of them still add up inside an `i64`.
pub(crate) const MAX_AMOUNT: Money = Money::from_minor(1_000_000_000_000_000);

/// An amount that must not be negative nor above [`MAX_AMOUNT`].
pub(crate) fn non_negative(field: &str, amount: Money) -> Result<Money> {
    if amount.is_negative() {
        return Err(Error::validation(field, "must not be negative"));
    }
    if amount > MAX_AMOUNT {
        return Err(Error::validation(
            field,
            format!("must be at most {MAX_AMOUNT}"),
        ));
    }
    Ok(amount)
}

/// A time: years 1 to 9999, the range stored times keep their fixed width and order in.
pub(crate) fn time(field: &str, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if !(1..=9999).contains(&at.year()) {
        return Err(Error::validation(
            field,
            "must be within the years 1 to 9999",
        ));
    }
    Ok(at)
}

/// A calendar date: years 1 to 9999.
pub(crate) fn date(field: &str, day: NaiveDate) -> Result<NaiveDate> {
    if !(1..=9999).contains(&day.year()) {
        return Err(Error::validation(
            field,
            "must be within the years 1 to 9999",
        ));
    }
    Ok(day)
}

/// A code (lost reason, stage): lowercase ASCII letters, digits and `_`, starting with a letter.
pub(crate) fn code(field: &str, text: &str) -> Result<String> {
    let text = required(field, text)?;
    let well_formed = text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        return Err(Error::validation(
            field,
            "must be lowercase letters, digits and _, starting with a letter",
        ));
    }
    Ok(text)
}

/// Free attributes: a JSON object or null.
pub(crate) fn attributes(field: &str, value: &serde_json::Value) -> Result<serde_json::Value> {
    match value {
        serde_json::Value::Null | serde_json::Value::Object(_) => Ok(value.clone()),
        _ => Err(Error::validation(field, "must be a JSON object or null")),
    }
}

/// What kind of contact value a field holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ContactKind<'a> {
    /// A phone, read in this country (ISO 3166 alpha-2) when it has no country code.
    Phone(&'a str),
    Email,
    TaxId,
}

impl ContactKind<'_> {
    fn check(self, raw: &str) -> Checked {
        match self {
            ContactKind::Phone(country) => normalize::phone_in(raw, country),
            ContactKind::Email => normalize::email(raw),
            ContactKind::TaxId => normalize::tax_id(raw),
        }
    }

    fn rule(self) -> &'static str {
        match self {
            ContactKind::Phone(_) => {
                "is not a phone number: give + and the country code, or a full national number of the default country"
            }
            ContactKind::Email => "is not a well-formed e-mail address",
            ContactKind::TaxId => "is not a well-formed tax id (5 to 20 letters and digits)",
        }
    }
}

/// A contact value as it will be stored: the text as given, its quality, and its matching key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ContactValue {
    pub text: Option<String>,
    pub quality: Option<Quality>,
    pub key: Option<String>,
}

/// Checks an optional phone, e-mail or tax id. A malformed value is kept as given with quality `invalid`
/// and a warning, unless `strict`, where it is refused.
pub(crate) fn contact_value(
    field: &str,
    kind: ContactKind<'_>,
    raw: Option<&str>,
    strict: bool,
    warnings: &mut Vec<Warning>,
) -> Result<ContactValue> {
    let Some(text) = optional(field, raw)? else {
        return Ok(ContactValue::default());
    };
    let checked = kind.check(&text);
    if checked.quality == Quality::Invalid {
        if strict {
            return Err(Error::validation(field, kind.rule()));
        }
        warnings.push(Warning {
            field: field.to_string(),
            message: format!("{}; stored as given and not used for matching", kind.rule()),
        });
    }
    Ok(ContactValue {
        text: Some(text),
        quality: Some(checked.quality),
        key: checked.normal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules_name_the_field() {
        assert_eq!(required("name", "  Ivan ").unwrap(), "Ivan");
        assert_eq!(
            required("name", "   ").unwrap_err().to_string(),
            "name: must not be empty"
        );
        assert_eq!(optional("x", Some("  ")).unwrap(), None);
        let long = "a".repeat(SHORT_TEXT + 1);
        assert_eq!(required("name", &long).unwrap_err().field(), Some("name"));
        assert!(required("name", "a\u{0}b").is_err());
    }

    #[test]
    fn labels_are_sorted_and_unique() {
        let got = labels(
            "tags",
            &[" vip".into(), "b2b".into(), "vip".into(), "".into()],
        )
        .unwrap();
        assert_eq!(got, vec!["b2b".to_string(), "vip".to_string()]);
    }

    #[test]
    fn malformed_contacts_warn_or_refuse() {
        let mut warnings = Vec::new();
        let v = contact_value(
            "phone",
            ContactKind::Phone("UA"),
            Some("+38 0"),
            false,
            &mut warnings,
        )
        .unwrap();
        assert_eq!(v.quality, Some(Quality::Invalid));
        assert_eq!(v.key, None);
        assert_eq!(warnings.len(), 1);
        let err = contact_value(
            "phone",
            ContactKind::Phone("UA"),
            Some("+38 0"),
            true,
            &mut warnings,
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("phone"));
    }

    #[test]
    fn times_and_amounts_stay_in_their_stored_range() {
        use chrono::TimeZone;
        let ok = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert!(time("at", ok).is_ok());
        let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(time("at", far).unwrap_err().field(), Some("at"));
        let before = Utc.with_ymd_and_hms(0, 12, 31, 0, 0, 0).unwrap();
        assert!(time("at", before).is_err());
        assert!(non_negative("total", MAX_AMOUNT).is_ok());
        let above = Money::from_minor(MAX_AMOUNT.minor() + 1);
        assert_eq!(
            non_negative("total", above).unwrap_err().field(),
            Some("total")
        );
    }

    #[test]
    fn codes() {
        assert_eq!(code("code", "no_budget").unwrap(), "no_budget");
        for bad in ["No", "1x", "a-b", ""] {
            assert!(code("code", bad).is_err(), "{bad}");
        }
    }
}
