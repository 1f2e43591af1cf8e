//! The syntax tree, as written, and its canonical printing.
//!
//! `Display` prints the canonical form: keywords in lower case, one space around operators, parentheses
//! only where precedence needs them (`and` binds tighter than `or`). Parsing the printed form gives the
//! same tree: that is tested for random trees. Spans take no part in equality.

use std::fmt;

use chrono::NaiveDate;

/// A byte range of the expression's text. Two spans are always equal, so trees compare by content only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// A span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

/// A field as written: its dotted parts (`["attributes", "loyalty card"]`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldName {
    /// The parts, as written (a built-in field's case is not significant; an attribute key's is).
    pub parts: Vec<String>,
    /// Where it stands.
    pub span: Span,
}

impl FieldName {
    /// The name as one dotted string, as written.
    pub fn dotted(&self) -> String {
        self.parts.join(".")
    }
}

/// A literal value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'`
    Text(String),
    /// A number as written, with its sign: `12`, `-3`, `1500.50`.
    Number(String),
    /// `2026-11-01`
    Date(NaiveDate),
    /// `90d`, `2w`, `4h`: amount and unit.
    Duration(u64, char),
    /// `90d ago`: the date that many days (or weeks) before the evaluation date.
    Ago(u64, char),
    /// `true` / `false`
    Bool(bool),
}

/// A literal and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The literal.
    pub literal: Literal,
    /// Where it stands.
    pub span: Span,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether `ordering` (left compared with right) satisfies the operator.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
            CmpOp::Lt => ordering == Less,
            CmpOp::Le => ordering != Greater,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Ge => ordering != Less,
        }
    }
}

/// An expression of the segment language, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a and b and …` (two or more).
    And(Vec<Expr>),
    /// `a or b or …` (two or more).
    Or(Vec<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `field op value`
    Compare {
        /// The field.
        field: FieldName,
        /// The operator.
        op: CmpOp,
        /// The value.
        value: Value,
    },
    /// `field in (…)` / `field not in (…)`
    In {
        /// The field.
        field: FieldName,
        /// `not in`.
        negated: bool,
        /// The values (one or more).
        values: Vec<Value>,
    },
    /// `field between low and high` (both ends included) / `not between`
    Between {
        /// The field.
        field: FieldName,
        /// `not between`.
        negated: bool,
        /// The lower end.
        low: Value,
        /// The upper end.
        high: Value,
    },
    /// `field contains 'x'` / `not contains` (case-insensitive)
    Contains {
        /// The field.
        field: FieldName,
        /// `not contains`.
        negated: bool,
        /// The text looked for.
        value: Value,
    },
    /// `field starts with 'x'` / `not starts with` (case-insensitive)
    StartsWith {
        /// The field.
        field: FieldName,
        /// `not starts with`.
        negated: bool,
        /// The prefix.
        value: Value,
    },
    /// `field is null` / `field is not null`
    IsNull {
        /// The field.
        field: FieldName,
        /// `is not null`.
        negated: bool,
    },
    /// `has tag 'vip'` (case-insensitive)
    HasTag {
        /// The tag.
        tag: Value,
        /// Where `has` stands.
        span: Span,
    },
}

impl Expr {
    /// Where the expression starts (its first field or keyword), for messages.
    pub fn span(&self) -> Span {
        match self {
            Expr::And(items) | Expr::Or(items) => items.first().map(Expr::span).unwrap_or_default(),
            Expr::Not(inner) => inner.span(),
            Expr::Compare { field, .. }
            | Expr::In { field, .. }
            | Expr::Between { field, .. }
            | Expr::Contains { field, .. }
            | Expr::StartsWith { field, .. }
            | Expr::IsNull { field, .. } => field.span,
            Expr::HasTag { span, .. } => *span,
        }
    }
}

fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            if i == 0 || is_plain_key(part) {
                f.write_str(part)?;
            } else {
                write!(f, "\"{part}\"")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(text) => write!(f, "'{}'", text.replace('\'', "''")),
            Literal::Number(n) => f.write_str(n),
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Literal::Duration(n, unit) => write!(f, "{n}{unit}"),
            Literal::Ago(n, unit) => write!(f, "{n}{unit} ago"),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.literal.fmt(f)
    }
}

/// Writes `items` joined by `word`, parenthesising the children that bind looser than the parent or
/// that are the same n-ary operator (so the tree's shape survives a round trip).
fn join(f: &mut fmt::Formatter<'_>, items: &[Expr], word: &str, is_and: bool) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            write!(f, " {word} ")?;
        }
        let wrap = match item {
            Expr::And(_) => is_and,
            Expr::Or(_) => true,
            _ => false,
        };
        if wrap {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let not = |negated: &bool| if *negated { "not " } else { "" };
        match self {
            Expr::And(items) => join(f, items, "and", true),
            Expr::Or(items) => join(f, items, "or", false),
            Expr::Not(inner) => match **inner {
                Expr::And(_) | Expr::Or(_) => write!(f, "not ({inner})"),
                _ => write!(f, "not {inner}"),
            },
            Expr::Compare { field, op, value } => write!(f, "{field} {} {value}", op.as_str()),
            Expr::In {
                field,
                negated,
                values,
            } => {
                write!(f, "{field} {}in (", not(negated))?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str(")")
            }
            Expr::Between {
                field,
                negated,
                low,
                high,
            } => write!(f, "{field} {}between {low} and {high}", not(negated)),
            Expr::Contains {
                field,
                negated,
                value,
            } => write!(f, "{field} {}contains {value}", not(negated)),
            Expr::StartsWith {
                field,
                negated,
                value,
            } => write!(f, "{field} {}starts with {value}", not(negated)),
            Expr::IsNull { field, negated } => {
                write!(f, "{field} is {}null", not(negated))
            }
            Expr::HasTag { tag, .. } => write!(f, "has tag {tag}"),
        }
    }
}
