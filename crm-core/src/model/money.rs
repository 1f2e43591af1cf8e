//! Money in integer minor units.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// An amount of money in integer minor units (kopecks, cents) of the store's one currency.
///
/// Every amount has two decimal places: `Money::parse("245.9")` is 24 590 minor units. Arithmetic is
/// checked: an overflow is an error, never a wrapped value. Money is never a float; serde writes it as
/// decimal text (`"245.90"`) and reads decimal text or a whole number of units, and refuses a JSON float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// How many minor units make one unit.
const SCALE: i64 = 100;

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// From minor units (kopecks, cents).
    pub const fn from_minor(minor: i64) -> Self {
        Money(minor)
    }

    /// From whole units; `None` on overflow.
    pub fn from_units(units: i64) -> Option<Self> {
        units.checked_mul(SCALE).map(Money)
    }

    /// The amount in minor units.
    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Parses decimal text: an optional sign, digits, optionally `.` and at most two decimals
    /// (`"1200"`, `"245.9"`, `"-0.05"`). Surrounding white space is ignored. Anything else — a comma, an
    /// exponent, a third decimal — is refused rather than guessed or rounded.
    pub fn parse(text: &str) -> Result<Self> {
        Money::parse_as("amount", text)
    }

    /// [`Money::parse`] with the field a failure names (`total`, `lines[1].unit_price`).
    pub fn parse_as(field: &str, text: &str) -> Result<Self> {
        parse_decimal(text).ok_or_else(|| {
            Error::validation(
                field,
                "must be a decimal number with at most two decimals, like 1234.50",
            )
        })
    }

    /// Checked addition.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Checked subtraction.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Checked multiplication by a quantity.
    pub fn checked_mul(self, quantity: i64) -> Option<Money> {
        self.0.checked_mul(quantity).map(Money)
    }

    /// Checked sum of many amounts.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, Money::checked_add)
    }
}

fn parse_decimal(text: &str) -> Option<Money> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.contains('.') && frac.is_empty() {
        return None;
    }
    // Trailing zeros beyond two decimals are exact ("1.500"), anything else would need rounding.
    let frac_trimmed = if frac.len() > 2 {
        if !frac[2..].bytes().all(|b| b == b'0') {
            return None;
        }
        &frac[..2]
    } else {
        frac
    };
    let whole_value: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut frac_value: i64 = if frac_trimmed.is_empty() {
        0
    } else {
        frac_trimmed.parse().ok()?
    };
    if frac_trimmed.len() == 1 {
        frac_value *= 10;
    }
    let minor = whole_value.checked_mul(SCALE)?.checked_add(frac_value)?;
    Some(Money(if negative { -minor } else { minor }))
}

impl FromStr for Money {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Money::parse(s)
    }
}

impl fmt::Display for Money {
    /// Decimal text with exactly two decimals: `245.90`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let scale = SCALE.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / scale, abs % scale)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct MoneyVisitor;
        impl Visitor<'_> for MoneyVisitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("decimal text like \"1234.50\" or a whole number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Money, E> {
                parse_decimal(v).ok_or_else(|| {
                    E::custom(
                        "money must be decimal text with at most two decimals, like \"1234.50\"",
                    )
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Money, E> {
                Money::from_units(v).ok_or_else(|| E::custom("money is out of range"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Money, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(Money::from_units)
                    .ok_or_else(|| E::custom("money is out of range"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Money, E> {
                Err(E::custom(
                    "money must not be a float (it cannot be exact); write it as text, like \"1234.50\"",
                ))
            }
        }
        deserializer.deserialize_any(MoneyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_decimal_text() {
        let cases = [
            ("0", 0, "0.00"),
            ("1200", 120_000, "1200.00"),
            ("245.9", 24_590, "245.90"),
            ("245.90", 24_590, "245.90"),
            ("-0.05", -5, "-0.05"),
            (".5", 50, "0.50"),
            ("+3.10", 310, "3.10"),
            ("1.500", 150, "1.50"),
            (" 7 ", 700, "7.00"),
        ];
        for (text, minor, shown) in cases {
            let m = Money::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(m.minor(), minor, "{text}");
            assert_eq!(m.to_string(), shown, "{text}");
        }
    }

    #[test]
    fn refuses_what_would_need_guessing() {
        for text in [
            "",
            "-",
            ".",
            "1.",
            "1,5",
            "1.005",
            "1e3",
            "abc",
            "1.2.3",
            "--1",
            "99999999999999999999",
        ] {
            let err = Money::parse(text).expect_err(text);
            assert_eq!(err.field(), Some("amount"), "{text}");
        }
        assert_eq!(
            Money::parse_as("lines[1].unit_price", "1,5")
                .unwrap_err()
                .field(),
            Some("lines[1].unit_price")
        );
    }

    #[test]
    fn serde_uses_text_and_refuses_floats() {
        let m: Money = serde_json::from_str("\"18000.50\"").unwrap();
        assert_eq!(m, Money::from_minor(1_800_050));
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"18000.50\"");
        let whole: Money = serde_json::from_str("42").unwrap();
        assert_eq!(whole.minor(), 4200);
        let err = serde_json::from_str::<Money>("42.5").unwrap_err();
        assert!(err.to_string().contains("float"), "{err}");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(
            Money::from_minor(i64::MAX).checked_add(Money::from_minor(1)),
            None
        );
        assert_eq!(Money::from_minor(i64::MAX / 2 + 1).checked_mul(2), None);
        assert_eq!(
            Money::checked_sum([Money::from_minor(1), Money::from_minor(2)]),
            Some(Money::from_minor(3))
        );
        assert_eq!(
            Money::from_minor(i64::MIN).to_string(),
            "-92233720368547758.08"
        );
    }
}
