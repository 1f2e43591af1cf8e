//! Normalisation and well-formedness of phones, e-mails and tax ids. A value that is not well-formed is
//! kept as given but gets no normal form, so it is never used as a matching key.

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
}

/// A phone: digits with the usual separators (space, `-`, `.`, `(`, `)`), an optional leading `+`,
/// 7 to 15 digits (E.164 allows at most 15). The normal form is the digits alone, with the `+` when given.
pub fn phone(raw: &str) -> Checked {
    let raw = raw.trim();
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return Checked::invalid(),
        }
    }
    if !(7..=15).contains(&digits.len()) {
        return Checked::invalid();
    }
    Checked::valid(if plus { format!("+{digits}") } else { digits })
}

/// An e-mail: one `@`, a non-empty local part, a domain with a dot and no empty label, no white space.
/// The normal form is the trimmed address in lowercase.
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
    if well_formed {
        Checked::valid(raw.to_lowercase())
    } else {
        Checked::invalid()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(phone("067 123 45 67").normal.as_deref(), Some("0671234567"));
        assert_eq!(
            phone("+38 (067) 123-45-67").normal.as_deref(),
            Some("+380671234567")
        );
        assert_eq!(phone("+38 0").quality, Quality::Invalid);
        assert_eq!(phone("call me").quality, Quality::Invalid);
        assert_eq!(phone("1234567890123456").quality, Quality::Invalid);
    }

    #[test]
    fn emails() {
        assert_eq!(
            email(" Ivan.Petrenko@Romashka.UA ").normal.as_deref(),
            Some("ivan.petrenko@romashka.ua")
        );
        for bad in [
            "ivan",
            "ivan@",
            "@x.ua",
            "ivan@romashka",
            "ivan@@x.ua",
            "iv an@x.ua",
            "ivan@x..ua",
        ] {
            assert_eq!(email(bad).quality, Quality::Invalid, "{bad}");
        }
    }

    #[test]
    fn tax_ids() {
        assert_eq!(tax_id("1234-5678").normal.as_deref(), Some("12345678"));
        assert_eq!(tax_id("ua 12345678").normal.as_deref(), Some("UA12345678"));
        assert_eq!(tax_id("123").quality, Quality::Invalid);
        assert_eq!(tax_id("12/34/5678").quality, Quality::Invalid);
    }
}
