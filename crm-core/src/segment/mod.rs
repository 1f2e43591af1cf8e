//! The segment language: one small expression language for segments of clients, conditions of routing
//! rules and response-time policies over leads, and retention rules.
//!
//! ```text
//! orders >= 2 and days_since_last_order > 90 and region in ('Kyiv', 'Lviv')
//! has tag 'vip' or revenue_365d >= 100000
//! name contains 'ромашка' and not (owner is null)
//! interest = 'wholesale' and channel in ('web', 'phone') and hour between 9 and 17
//! ```
//!
//! # The language
//! - **Conditions** `field op value` with `=`, `!=` (or `<>`), `<`, `<=`, `>`, `>=`; `field in (v, …)`,
//!   `field not in (…)`; `field between low and high` (both ends included), `not between`;
//!   `field contains 'x'`, `field starts with 'x'` (case-insensitive, Unicode-aware; `not contains`,
//!   `not starts with`); `field is null`, `field is not null`; `has tag 'vip'` (case-insensitive).
//! - **Combined** with `and`, `or`, `not` and parentheses; `and` binds tighter than `or`.
//! - **Values**: text in single quotes, any Unicode, `''` for a quote inside (`'O''Brien'`); numbers
//!   (`12`, `-3`, `1500.50`; money has at most two decimal places and is compared exactly); dates
//!   `2026-11-01`; durations `90d`, `2w` (and `4h` where hours make sense); `90d ago`, the date 90 days
//!   before the evaluation date; `true`, `false`.
//! - Keywords and field names are case-insensitive; attribute keys are not. `--` starts a comment that
//!   runs to the end of the line.
//! - **Fields** depend on the subject (clients or leads) and are listed, with their types, by
//!   [`fields`] (and `Crm::fields`, `crm_segment_fields`, `crm.fields()`).
//!
//! # Meaning
//! - A test on a missing value (`region` not recorded, `last_order` of a client without orders, an
//!   attribute that is absent or of another JSON type) is *unknown*. The logic is SQL's: `not unknown`
//!   is unknown, `false and unknown` is false, `true or unknown` is true, and a record is in a segment
//!   only when the whole condition is true. So `region != 'Kyiv'` leaves out clients without a region;
//!   write `region != 'Kyiv' or region is null` to include them.
//! - Text compares exactly (`=`) and by code point (`<`); `contains` and `starts with` compare
//!   lower-cased text (Unicode lower case: `'київ'` finds `'Київ'`).
//! - Everything relative is taken from the evaluation time (`as_of`): `days_since_last_order`,
//!   `revenue_90d`, `90d ago`. Order figures count completed orders placed by then; clients added after
//!   it are not members. Details, tags and attributes are the ones recorded now.
//! - The client scores `abc`, `xyz`, `rfm_segment` (with `r_score`, `f_score`, `m_score`) and `p_alive`
//!   are the analyses of [`crate::analytics`] run as of the evaluation time over every client with a
//!   completed order by then; a client without one has none (`abc is null`). `p_alive` is compared
//!   as an `f64`.
//! - Dates are UTC calendar dates.
//!
//! # Limits
//! An expression is at most [`MAX_LENGTH`] bytes, nests at most [`MAX_DEPTH`] levels, and has at most
//! [`MAX_CONDITIONS`] conditions and [`MAX_VALUES`] values; a longer or deeper one is refused with an
//! error, never a crash. Values reach SQL only as bound parameters: an expression cannot change the
//! statement it becomes.

mod ast;
mod check;
mod error;
mod eval;
mod fields;
mod lexer;
mod parser;

pub use ast::{CmpOp, Expr, FieldName, Literal, Span, Value};
pub use check::{Condition, Names, check};
pub use error::{ExprError, position};
pub use eval::ClientFacts;
pub use fields::{FieldInfo, FieldType, Subject, fields};
pub use parser::parse;

pub(crate) use check::{Node, Test, Val};
pub(crate) use fields::Field;

/// The longest expression accepted, in bytes.
pub const MAX_LENGTH: usize = 65_536;
/// The deepest nesting of parentheses and `not` accepted.
pub const MAX_DEPTH: usize = 64;
/// The most conditions (field tests and `has tag`) in one expression.
pub const MAX_CONDITIONS: usize = 1_000;
/// The most values in one expression (all lists together).
pub const MAX_VALUES: usize = 10_000;

/// Parses and checks `text` against `subject`'s fields.
pub fn compile(text: &str, subject: Subject, names: &Names) -> Result<Condition, ExprError> {
    check(&parse(text)?, subject, names)
}

/// The columns of a segment export, in order.
pub const EXPORT_COLUMNS: &[&str] = &[
    "client_id",
    "name",
    "kind",
    "email",
    "phone",
    "contact_name",
    "contact_email",
    "contact_phone",
    "region",
    "industry",
    "owner_id",
    "tags",
];

/// Who entered and who left: `before` and `now` ascending, results ascending. A merge, linear in both.
pub fn diff<T: Ord + Copy>(before: &[T], now: &[T]) -> (Vec<T>, Vec<T>) {
    let (mut entered, mut left) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < before.len() || j < now.len() {
        match (before.get(i), now.get(j)) {
            (Some(b), Some(n)) if b == n => {
                i += 1;
                j += 1;
            }
            (Some(b), Some(n)) if b < n => {
                left.push(*b);
                i += 1;
            }
            (Some(_), Some(n)) => {
                entered.push(*n);
                j += 1;
            }
            (Some(b), None) => {
                left.push(*b);
                i += 1;
            }
            (None, Some(n)) => {
                entered.push(*n);
                j += 1;
            }
            (None, None) => break,
        }
    }
    (entered, left)
}

/// Text folded for case-insensitive comparison: Unicode lower case.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// Whether `haystack`, folded, contains `needle` (already folded).
pub fn contains(haystack: &str, needle: &str) -> bool {
    fold(haystack).contains(needle)
}

/// Whether `text`, folded, starts with `prefix` (already folded).
pub fn starts_with(text: &str, prefix: &str) -> bool {
    fold(text).starts_with(prefix)
}
