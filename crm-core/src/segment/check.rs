//! The checker: a syntax tree against a subject's field catalogue, to a typed condition.
//!
//! Every field is resolved, every value converted to the field's type (money to minor units, a
//! manager's or source's name to its ids), and every test checked against what the type allows. What
//! comes out can be evaluated in memory or compiled to SQL and means the same either way.

use super::ast::{CmpOp, Expr, FieldName, Literal, Value};
use super::error::{ExprError, closest};
use super::fields::{Field, FieldType, Subject, catalogue};
use super::fold;
use crate::model::Money;

/// The managers and sources a name in an expression may refer to (`owner = 'Olena Koval'`).
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Every manager: name and id.
    pub managers: Vec<(String, i64)>,
    /// Every source: name and id (a name may have several ids, one per campaign).
    pub sources: Vec<(String, i64)>,
}

/// A checked value, in the field's own units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    /// Whole numbers, money in minor units, ids, hours, weekdays 1–7, days.
    Int(i64),
    /// A number with a fraction: an attribute's, or a probability (always `Real`, even `1`).
    Real(f64),
    Text(String),
    Date(chrono::NaiveDate),
    /// The date this many days before the evaluation date.
    DaysAgo(i64),
    Bool(bool),
}

/// A test on one field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    Compare(CmpOp, Val),
    In(Vec<Val>),
    Between(Val, Val),
    /// Folded text looked for anywhere.
    Contains(String),
    /// Folded prefix.
    StartsWith(String),
    IsNull,
}

/// A checked condition tree. Negated forms (`not in`, `is not null` …) become `Not`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Test(Field, Test),
    /// A folded tag.
    HasTag(String),
}

/// An expression checked against a subject's fields: ready to be evaluated on a record or compiled to
/// SQL. It does not depend on the evaluation time; relative values (`90d ago`, `revenue_90d`) are taken
/// from the time given when it is used.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub(crate) subject: Subject,
    pub(crate) node: Node,
    pub(crate) canonical: String,
}

impl Condition {
    /// The subject it is about.
    pub fn subject(&self) -> Subject {
        self.subject
    }

    /// The expression in canonical form (keywords in lower case, minimal parentheses).
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Which of the client scores (`abc`, `xyz`, `rfm_segment` and the R/F/M scores, `p_alive`) the
    /// condition reads: the statement it compiles to reads them from `temp.client_scores`, which must be
    /// filled for the evaluation time first (a pass over every client, so only when needed).
    pub(crate) fn scores_read(&self) -> ScoresRead {
        fn walk(node: &Node, read: &mut ScoresRead) {
            match node {
                Node::All(items) | Node::Any(items) => {
                    items.iter().for_each(|n| walk(n, read));
                }
                Node::Not(inner) => walk(inner, read),
                Node::HasTag(_) => {}
                Node::Test(field, _) => match field {
                    Field::Abc => read.abc = true,
                    Field::Xyz => read.xyz = true,
                    Field::RfmSegment | Field::RScore | Field::FScore | Field::MScore => {
                        read.rfm = true;
                    }
                    Field::PAlive => read.p_alive = true,
                    _ => {}
                },
            }
        }
        let mut read = ScoresRead::default();
        walk(&self.node, &mut read);
        read
    }
}

/// The client scores a condition reads (see [`Condition::scores_read`]); `rfm` covers `rfm_segment`,
/// `r_score`, `f_score` and `m_score`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ScoresRead {
    pub(crate) abc: bool,
    pub(crate) xyz: bool,
    pub(crate) rfm: bool,
    pub(crate) p_alive: bool,
}

impl ScoresRead {
    /// Whether any score is read.
    pub(crate) fn any(self) -> bool {
        self.abc || self.xyz || self.rfm || self.p_alive
    }
}

/// Checks a parsed expression against `subject`'s fields, resolving names with `names`.
pub fn check(expr: &Expr, subject: Subject, names: &Names) -> Result<Condition, ExprError> {
    let checker = Checker {
        subject,
        names,
        entries: catalogue(subject),
    };
    let node = checker.node(expr)?;
    Ok(Condition {
        subject,
        node,
        canonical: canonical(expr).to_string(),
    })
}

/// The tree with field names as the catalogue spells them (`REGION` → `region`, `Attributes.Key` →
/// `attributes.Key`: attribute keys keep their case).
fn canonical(expr: &Expr) -> Expr {
    let name = |f: &FieldName| {
        let mut f = f.clone();
        if let Some(first) = f.parts.first_mut() {
            *first = first.to_lowercase();
        }
        f
    };
    match expr {
        Expr::And(items) => Expr::And(items.iter().map(canonical).collect()),
        Expr::Or(items) => Expr::Or(items.iter().map(canonical).collect()),
        Expr::Not(inner) => Expr::Not(Box::new(canonical(inner))),
        Expr::Compare { field, op, value } => Expr::Compare {
            field: name(field),
            op: *op,
            value: value.clone(),
        },
        Expr::In {
            field,
            negated,
            values,
        } => Expr::In {
            field: name(field),
            negated: *negated,
            values: values.clone(),
        },
        Expr::Between {
            field,
            negated,
            low,
            high,
        } => Expr::Between {
            field: name(field),
            negated: *negated,
            low: low.clone(),
            high: high.clone(),
        },
        Expr::Contains {
            field,
            negated,
            value,
        } => Expr::Contains {
            field: name(field),
            negated: *negated,
            value: value.clone(),
        },
        Expr::StartsWith {
            field,
            negated,
            value,
        } => Expr::StartsWith {
            field: name(field),
            negated: *negated,
            value: value.clone(),
        },
        Expr::IsNull { field, negated } => Expr::IsNull {
            field: name(field),
            negated: *negated,
        },
        Expr::HasTag { .. } => expr.clone(),
    }
}

struct Checker<'a> {
    subject: Subject,
    names: &'a Names,
    entries: Vec<super::fields::Entry>,
}

fn negate(node: Node, negated: bool) -> Node {
    if negated {
        Node::Not(Box::new(node))
    } else {
        node
    }
}

/// What kind of literal was written, for messages.
fn kind_of(literal: &Literal) -> &'static str {
    match literal {
        Literal::Text(_) => "text",
        Literal::Number(n) if n.contains('.') => "a decimal number",
        Literal::Number(_) => "a number",
        Literal::Date(_) => "a date",
        Literal::Duration(..) => "a duration",
        Literal::Ago(..) => "a relative date",
        Literal::Bool(_) => "true/false",
    }
}

fn type_name(t: FieldType) -> &'static str {
    match t {
        FieldType::Text => "text",
        FieldType::Choice => "a choice",
        FieldType::Integer => "a whole number",
        FieldType::Money => "money",
        FieldType::Date => "a date",
        FieldType::Days => "a number of days",
        FieldType::Hour => "an hour (0-23)",
        FieldType::Weekday => "a day of the week",
        FieldType::Source => "a source",
        FieldType::Manager => "a manager",
        FieldType::Client => "a client id",
        FieldType::Tags => "a list of tags",
        FieldType::Probability => "a probability",
        FieldType::Attribute => "an attribute",
    }
}

const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
];

/// How far back or ahead a day count may reach (about 270 years).
const MAX_DAYS: u64 = 100_000;

/// The resolved field, its type and the name as the catalogue spells it.
struct Resolved {
    field: Field,
    field_type: FieldType,
    name: String,
    values: Vec<&'static str>,
}

impl Checker<'_> {
    fn node(&self, expr: &Expr) -> Result<Node, ExprError> {
        Ok(match expr {
            Expr::And(items) => Node::All(
                items
                    .iter()
                    .map(|e| self.node(e))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(items) => Node::Any(
                items
                    .iter()
                    .map(|e| self.node(e))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(inner) => Node::Not(Box::new(self.node(inner)?)),
            Expr::HasTag { tag, .. } => {
                if self.subject != Subject::Clients {
                    return Err(ExprError::new(
                        expr.span(),
                        format!("{} have no tags", self.subject.as_str()),
                    ));
                }
                match &tag.literal {
                    Literal::Text(t) => Node::HasTag(fold(t.trim())),
                    other => {
                        return Err(ExprError::new(
                            tag.span,
                            format!("a tag is text in quotes, not {}", kind_of(other)),
                        ));
                    }
                }
            }
            Expr::Compare { field, op, value } => {
                let f = self.resolve(field)?;
                self.compare(f, *op, value)?
            }
            Expr::In {
                field,
                negated,
                values,
            } => {
                let f = self.resolve(field)?;
                self.allow(&f, field, "in", Self::orderable_or_choice)?;
                let mut vals = Vec::with_capacity(values.len());
                for v in values {
                    match self.value(&f, v, true)? {
                        Converted::One(x) => vals.push(x),
                        Converted::Many(xs) => vals.extend(xs),
                    }
                }
                if f.field_type == FieldType::Attribute {
                    same_json_type(&vals, values)?;
                }
                negate(Node::Test(f.field, Test::In(vals)), *negated)
            }
            Expr::Between {
                field,
                negated,
                low,
                high,
            } => {
                let f = self.resolve(field)?;
                self.allow(&f, field, "between", Self::orderable)?;
                let low_v = self.single(&f, low)?;
                let high_v = self.single(&f, high)?;
                if f.field_type == FieldType::Attribute {
                    same_json_type(
                        &[low_v.clone(), high_v.clone()],
                        &[low.clone(), high.clone()],
                    )?;
                }
                negate(Node::Test(f.field, Test::Between(low_v, high_v)), *negated)
            }
            Expr::Contains {
                field,
                negated,
                value,
            }
            | Expr::StartsWith {
                field,
                negated,
                value,
            } => {
                let f = self.resolve(field)?;
                let word = if matches!(expr, Expr::Contains { .. }) {
                    "contains"
                } else {
                    "starts with"
                };
                self.allow(&f, field, word, |t| {
                    matches!(t, FieldType::Text | FieldType::Attribute)
                })?;
                let Literal::Text(text) = &value.literal else {
                    return Err(ExprError::new(
                        value.span,
                        format!(
                            "'{word}' takes text in quotes, not {}",
                            kind_of(&value.literal)
                        ),
                    ));
                };
                let folded = fold(text);
                let test = if word == "contains" {
                    Test::Contains(folded)
                } else {
                    Test::StartsWith(folded)
                };
                negate(Node::Test(f.field, test), *negated)
            }
            Expr::IsNull { field, negated } => {
                let f = self.resolve(field)?;
                if f.field_type == FieldType::Tags {
                    return Err(tags_error(field));
                }
                negate(Node::Test(f.field, Test::IsNull), *negated)
            }
        })
    }

    fn orderable(t: FieldType) -> bool {
        !matches!(
            t,
            FieldType::Choice
                | FieldType::Tags
                | FieldType::Source
                | FieldType::Manager
                | FieldType::Client
        )
    }

    fn orderable_or_choice(t: FieldType) -> bool {
        t != FieldType::Tags
    }

    fn allow(
        &self,
        f: &Resolved,
        field: &FieldName,
        test: &str,
        ok: impl Fn(FieldType) -> bool,
    ) -> Result<(), ExprError> {
        if f.field_type == FieldType::Tags {
            return Err(tags_error(field));
        }
        if ok(f.field_type) {
            return Ok(());
        }
        let allowed = match f.field_type {
            FieldType::Choice | FieldType::Source | FieldType::Manager | FieldType::Client => {
                "=, !=, in, not in or is null"
            }
            _ => "=, !=, <, <=, >, >=, in, between or is null",
        };
        Err(ExprError::new(
            field.span,
            format!(
                "'{test}' does not apply to {} ({}); use {allowed}",
                f.name,
                type_name(f.field_type)
            ),
        ))
    }

    fn resolve(&self, name: &FieldName) -> Result<Resolved, ExprError> {
        let first = name.parts[0].to_lowercase();
        if first == "attributes" && self.subject == Subject::Clients {
            if name.parts.len() < 2 {
                return Err(ExprError::new(
                    name.span,
                    "'attributes' needs a key: attributes.loyalty",
                ));
            }
            let path = name.parts[1..].to_vec();
            // SQLite reads `"` and `\` inside a quoted JSON path key specially; such keys cannot be
            // looked up the same way in SQL and in memory, so they are refused.
            if path.iter().any(|k| k.contains(['"', '\\'])) {
                return Err(ExprError::new(
                    name.span,
                    "an attribute key cannot contain a double quote or a backslash",
                ));
            }
            return Ok(Resolved {
                field: Field::Attribute(path),
                field_type: FieldType::Attribute,
                name: name.dotted(),
                values: Vec::new(),
            });
        }
        if name.parts.len() == 1 {
            for e in &self.entries {
                if e.info.name == first {
                    return Ok(Resolved {
                        field: e.field.clone(),
                        field_type: e.info.field_type,
                        name: e.info.name.to_string(),
                        values: e.info.values.clone(),
                    });
                }
            }
        }
        let written = name.dotted();
        let names = self
            .entries
            .iter()
            .map(|e| e.info.name)
            .filter(|n| !n.contains('<'));
        let hint = closest(&written, names).map(|n| format!("did you mean '{n}'?"));
        Err(ExprError::new(
            name.span,
            format!("unknown field '{written}' for {}", self.subject.as_str()),
        )
        .hint(hint.or_else(|| {
            Some(format!(
                "the fields of {} are listed by fields(\"{}\")",
                self.subject.as_str(),
                self.subject.as_str()
            ))
        })))
    }

    fn compare(&self, f: Resolved, op: CmpOp, value: &Value) -> Result<Node, ExprError> {
        let equality = matches!(op, CmpOp::Eq | CmpOp::Ne);
        if f.field_type == FieldType::Tags {
            return Err(ExprError::new(
                value.span,
                "tags are tested with has tag 'vip'",
            ));
        }
        if !equality && !Self::orderable(f.field_type) {
            return Err(ExprError::new(
                value.span,
                format!(
                    "'{}' does not apply to {} ({}); use =, !=, in, not in or is null",
                    op.as_str(),
                    f.name,
                    type_name(f.field_type)
                ),
            ));
        }
        Ok(match self.value(&f, value, equality)? {
            Converted::One(v) => Node::Test(f.field, Test::Compare(op, v)),
            Converted::Many(ids) => negate(Node::Test(f.field, Test::In(ids)), op == CmpOp::Ne),
        })
    }

    fn single(&self, f: &Resolved, value: &Value) -> Result<Val, ExprError> {
        match self.value(f, value, false)? {
            Converted::One(v) => Ok(v),
            Converted::Many(_) => Err(ExprError::new(value.span, "a name cannot be a bound")),
        }
    }

    /// Converts a literal to the field's type.
    fn value(&self, f: &Resolved, value: &Value, names_ok: bool) -> Result<Converted, ExprError> {
        let span = value.span;
        let mismatch = || {
            ExprError::new(
                span,
                format!(
                    "{} is {} and cannot be compared with {} {}",
                    f.name,
                    type_name(f.field_type),
                    kind_of(&value.literal),
                    value.literal
                ),
            )
        };
        let one = |v: Val| Ok(Converted::One(v));
        match (f.field_type, &value.literal) {
            (FieldType::Text, Literal::Text(t)) => one(Val::Text(t.clone())),
            (FieldType::Choice, Literal::Text(t)) => {
                // An RFM segment is also accepted as people write it (`'at risk'`, `'Can''t Lose'`).
                let code = if f.field == Field::RfmSegment {
                    crate::analytics::rfm::RfmSegment::parse(t).map(|s| s.as_str())
                } else {
                    f.values.iter().copied().find(|v| *v == t.as_str())
                };
                if let Some(code) = code {
                    one(Val::Text(code.to_string()))
                } else {
                    // One letter is one edit from any other: only its other case is a suggestion.
                    let hint = if t.chars().count() == 1 {
                        f.values.iter().copied().find(|v| v.eq_ignore_ascii_case(t))
                    } else {
                        closest(t, f.values.iter().copied())
                    }
                    .map(|c| format!("did you mean '{c}'?"));
                    Err(ExprError::new(
                        span,
                        format!(
                            "'{t}' is not a {}: expected one of {}",
                            f.name,
                            f.values.join(", ")
                        ),
                    )
                    .hint(hint))
                }
            }
            (FieldType::Integer | FieldType::Client, Literal::Number(n)) => {
                one(Val::Int(integer(n).ok_or_else(|| {
                    ExprError::new(span, format!("{} is a whole number; {n} is not", f.name))
                })?))
            }
            (FieldType::Money, Literal::Number(n)) => {
                let money = Money::parse(n).map_err(|_| {
                    ExprError::new(
                        span,
                        format!(
                            "{n} is not an amount of money: at most two decimal places and 10^13 units"
                        ),
                    )
                })?;
                one(Val::Int(money.minor()))
            }
            (FieldType::Probability, Literal::Number(n)) => match n.parse::<f64>() {
                Ok(x) if (0.0..=1.0).contains(&x) => one(Val::Real(x)),
                _ => Err(ExprError::new(
                    span,
                    format!("{} is a probability from 0 to 1; {n} is not", f.name),
                )),
            },
            (FieldType::Date, Literal::Date(d)) => one(Val::Date(*d)),
            (FieldType::Date, Literal::Ago(n, unit)) => one(Val::DaysAgo(days(*n, *unit, span)?)),
            (FieldType::Date, Literal::Duration(n, unit)) => Err(ExprError::new(
                span,
                format!("{} is a date; a duration alone is not", f.name),
            )
            .hint(Some(format!(
                "write {n}{unit} ago for the date {n}{unit} before the evaluation date"
            )))),
            (FieldType::Days, Literal::Number(n)) => {
                let d = integer(n).ok_or_else(|| {
                    ExprError::new(
                        span,
                        format!("{} is a whole number of days; {n} is not", f.name),
                    )
                })?;
                if d.unsigned_abs() > MAX_DAYS {
                    return Err(ExprError::new(
                        span,
                        format!("{n} days is out of range (at most {MAX_DAYS})"),
                    ));
                }
                one(Val::Int(d))
            }
            (FieldType::Days, Literal::Duration(n, unit)) => one(Val::Int(days(*n, *unit, span)?)),
            (FieldType::Hour, Literal::Number(n)) => match integer(n) {
                Some(h) if (0..=23).contains(&h) => one(Val::Int(h)),
                _ => Err(ExprError::new(span, format!("{n} is not an hour (0-23)"))),
            },
            (FieldType::Weekday, Literal::Number(n)) => match integer(n) {
                Some(d) if (1..=7).contains(&d) => one(Val::Int(d)),
                _ => Err(ExprError::new(
                    span,
                    format!("{n} is not a day of the week (1 = Monday … 7 = Sunday)"),
                )),
            },
            (FieldType::Weekday, Literal::Text(t)) => {
                let lower = t.to_lowercase();
                match WEEKDAYS
                    .iter()
                    .position(|(short, long)| *short == lower || *long == lower)
                {
                    Some(i) => one(Val::Int(i64::try_from(i).unwrap_or(0) + 1)),
                    None => Err(ExprError::new(
                        span,
                        format!("'{t}' is not a day of the week: 'mon' … 'sun'"),
                    )),
                }
            }
            (FieldType::Source | FieldType::Manager, Literal::Number(n)) => {
                one(Val::Int(integer(n).ok_or_else(|| {
                    ExprError::new(span, format!("an id is a whole number; {n} is not"))
                })?))
            }
            (FieldType::Source | FieldType::Manager, Literal::Text(t)) if names_ok => {
                let (list, what) = if f.field_type == FieldType::Source {
                    (&self.names.sources, "source")
                } else {
                    (&self.names.managers, "manager")
                };
                let folded = fold(t);
                let ids: Vec<Val> = list
                    .iter()
                    .filter(|(name, _)| fold(name) == folded)
                    .map(|(_, id)| Val::Int(*id))
                    .collect();
                if ids.is_empty() {
                    let hint = closest(t, list.iter().map(|(n, _)| n.as_str()))
                        .map(|c| format!("did you mean '{c}'?"));
                    return Err(
                        ExprError::new(span, format!("no {what} is named '{t}'")).hint(hint)
                    );
                }
                Ok(Converted::Many(ids))
            }
            (FieldType::Attribute, Literal::Text(t)) => one(Val::Text(t.clone())),
            (FieldType::Attribute, Literal::Date(d)) => {
                one(Val::Text(d.format("%Y-%m-%d").to_string()))
            }
            (FieldType::Attribute, Literal::Bool(b)) => one(Val::Bool(*b)),
            (FieldType::Attribute, Literal::Number(n)) => match integer(n) {
                Some(i) => one(Val::Int(i)),
                None => match n.parse::<f64>() {
                    Ok(x) if x.is_finite() => one(Val::Real(x)),
                    _ => Err(ExprError::new(span, format!("{n} is not a number"))),
                },
            },
            _ => Err(mismatch()),
        }
    }
}

enum Converted {
    One(Val),
    /// A name that stands for several ids.
    Many(Vec<Val>),
}

fn tags_error(field: &FieldName) -> ExprError {
    ExprError::new(field.span, "tags are tested with has tag 'vip'")
}

/// A whole number as written, if it is one and fits.
fn integer(n: &str) -> Option<i64> {
    if n.contains('.') {
        return None;
    }
    n.parse::<i64>().ok()
}

/// A duration in days; hours do not make days.
fn days(n: u64, unit: char, span: super::ast::Span) -> Result<i64, ExprError> {
    let total = match unit {
        'd' => Some(n),
        'w' => n.checked_mul(7),
        _ => {
            return Err(ExprError::new(
                span,
                format!("{n}{unit}: hours do not apply here; use days (90d) or weeks (2w)"),
            ));
        }
    };
    match total {
        Some(d) if d <= MAX_DAYS => Ok(i64::try_from(d).unwrap_or(0)),
        _ => Err(ExprError::new(
            span,
            format!("{n}{unit} is out of range (at most {MAX_DAYS} days)"),
        )),
    }
}

/// An attribute is compared with values of one JSON type.
fn same_json_type(vals: &[Val], written: &[Value]) -> Result<(), ExprError> {
    let kind = |v: &Val| match v {
        Val::Int(_) | Val::Real(_) => 0,
        Val::Text(_) => 1,
        Val::Bool(_) => 2,
        Val::Date(_) | Val::DaysAgo(_) => 3,
    };
    if let Some(first) = vals.first() {
        for (i, v) in vals.iter().enumerate() {
            if kind(v) != kind(first) {
                let span = written.get(i).map(|w| w.span).unwrap_or_default();
                return Err(ExprError::new(
                    span,
                    "an attribute is compared with values of one type (all text, all numbers or all true/false)",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> ScoresRead {
        super::super::compile(text, Subject::Clients, &Names::default())
            .unwrap()
            .scores_read()
    }

    #[test]
    fn scores_read_are_found_anywhere_in_the_tree() {
        assert!(!read("revenue > 100 and has tag 'vip'").any());
        assert_eq!(
            read("abc = 'A'"),
            ScoresRead {
                abc: true,
                ..ScoresRead::default()
            }
        );
        assert_eq!(
            read("region = 'Kyiv' or not (xyz is null and (orders > 1 or p_alive < 0.3))"),
            ScoresRead {
                xyz: true,
                p_alive: true,
                ..ScoresRead::default()
            }
        );
        for rfm in [
            "rfm_segment = 'new'",
            "r_score = 5",
            "not f_score in (1, 2)",
            "m_score between 1 and 2",
        ] {
            assert_eq!(
                read(rfm),
                ScoresRead {
                    rfm: true,
                    ..ScoresRead::default()
                },
                "{rfm}"
            );
        }
    }

    #[test]
    fn rfm_segments_are_normalised_and_probabilities_bounded() {
        let cond = |text: &str| super::super::compile(text, Subject::Clients, &Names::default());
        for written in ["'at risk'", "'At-Risk'", "'at_risk'", "' AT RISK '"] {
            let c = cond(&format!("rfm_segment = {written}")).unwrap();
            assert_eq!(
                c.node,
                Node::Test(
                    Field::RfmSegment,
                    Test::Compare(CmpOp::Eq, Val::Text("at_risk".into()))
                ),
                "{written}"
            );
        }
        assert_eq!(
            cond("p_alive <= 1").unwrap().node,
            Node::Test(Field::PAlive, Test::Compare(CmpOp::Le, Val::Real(1.0)))
        );
        for bad in ["p_alive < 1.01", "p_alive > -0.5", "p_alive in (0.5, 2)"] {
            let e = cond(bad).unwrap_err();
            assert!(
                e.message.contains("p_alive is a probability from 0 to 1"),
                "{bad}: {e:?}"
            );
        }
        let e = cond("rfm_segment = 'vip'").unwrap_err();
        assert!(
            e.message.contains("expected one of champions, loyal"),
            "{e:?}"
        );
    }
}
