//! Segments in SQL: a checked condition compiled to one parameterised statement over the clients, and
//! the saved segments with their last computed members.
//!
//! Every value of an expression is a bound parameter; the statement's text is built only from fixed
//! fragments chosen by field and test. The translation keeps the evaluator's meaning exactly (the
//! differential test holds the two together):
//! - a client without orders has revenue and orders 0: a test that 0 passes also takes clients with no
//!   rollup row; one it fails requires the row (and then the index on the rollup serves it);
//! - a date test on a stored time becomes a range of its text (`created_at >= '2026-11-01'`), which the
//!   time's index serves; `days_since_last_order > 90` becomes `last_order_at < 'as_of date − 90'`;
//! - `and`/`or` with many terms are grouped as a balanced tree, so SQLite's expression depth stays
//!   small whatever the number of terms.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::convert::{Day, Json, Time, ts};
use crate::error::{Error, Result};
use crate::model::{ClientId, ClientKind, Money, Segment, SegmentId};
use crate::segment::{ClientFacts, CmpOp, Condition, Field, Node, Test, Val};

/// The time-dependent parts of a statement: the evaluation time, whether the stored rollups already
/// are the state at that time, and the clients added after it (usually none).
#[derive(Debug, Clone)]
pub(crate) struct AsOf {
    at: DateTime<Utc>,
    /// No completed order is dated after `at`: `client_rollups` is the state at `at`.
    rollups_current: bool,
    /// Clients added after `at`, ascending: they are not members. They are left out of the results
    /// here rather than by a condition in SQL, which would read every candidate's client row.
    later: Vec<ClientId>,
}

impl AsOf {
    fn is_later(&self, id: ClientId) -> bool {
        self.later.binary_search(&id).is_ok()
    }
}

/// Reads what decides how a statement for `at` is built (index lookups only).
pub(crate) fn as_of(conn: &Connection, at: DateTime<Utc>) -> Result<AsOf> {
    let key = ts(&at);
    let last_order: Option<String> =
        conn.query_row("SELECT max(ordered_at) FROM orders", [], |r| r.get(0))?;
    // By the creation-time index; sorted here (an ORDER BY id would read the table in id order).
    let mut stmt = conn.prepare_cached("SELECT id FROM clients WHERE created_at > ?1")?;
    let mut later = stmt
        .query_map([&key], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<ClientId>>>()?;
    later.sort_unstable();
    Ok(AsOf {
        at,
        rollups_current: last_order.is_none_or(|t| t <= key),
        later,
    })
}

/// A statement under construction: text and bound values.
struct Builder {
    sql: String,
    params: Vec<SqlValue>,
    as_of: DateTime<Utc>,
    /// Day number (from the common era) of the evaluation date.
    as_of_day: i64,
    rollups: bool,
    /// The condition reads the client scores: `temp.client_scores s` is joined.
    scores: bool,
    /// The placeholder of the evaluation time, once a fragment needs it.
    at: Option<String>,
    /// The column that holds the client's id: `c.id`, or `r.client_id` when the statement reads the
    /// order figures alone.
    id: &'static str,
}

/// How a field is read in SQL.
enum Column {
    /// A column or expression compared directly; NULL when missing.
    Plain(String),
    /// A stored time tested by its UTC date.
    Time(&'static str),
    /// A rollup column that is 0 for a client without a rollup row.
    ZeroWithoutOrders(&'static str),
    /// Days since the last order: tested as a date range of the last order's time.
    DaysSinceLastOrder,
    /// Days since a time an expression reads (NULL when missing): tested as a date range of it.
    DaysSince(String),
    /// An attribute path (bound as `$."a"."b"`).
    Attribute(Vec<String>),
    /// Revenue over a window starting at the placeholder `start`: `sum` computes it per client.
    Window { start: String, sum: String },
}

/// A day number as the text a stored time is compared with. Days beyond the years 0000–9999 (which no
/// stored time reaches) become text below or above every stored time.
fn day_key(day: i64) -> String {
    i32::try_from(day)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .filter(|d| (0..=9999).contains(&d.year()))
        .map_or_else(
            || {
                if day > 0 {
                    "9999-99".to_string()
                } else {
                    String::new()
                }
            },
            |d| d.format("%Y-%m-%d").to_string(),
        )
}

fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

/// Whether a test holds for the value 0 (for revenue and orders of a client without orders).
fn holds_for_zero(test: &Test) -> bool {
    let zero = |v: &Val| match v {
        Val::Int(i) => Some(0.cmp(i)),
        _ => None,
    };
    match test {
        Test::Compare(op, v) => zero(v).is_some_and(|o| op.holds(o)),
        Test::In(vs) => vs
            .iter()
            .any(|v| zero(v) == Some(std::cmp::Ordering::Equal)),
        Test::Between(lo, hi) => {
            zero(lo).is_some_and(|o| o != std::cmp::Ordering::Less)
                && zero(hi).is_some_and(|o| o != std::cmp::Ordering::Greater)
        }
        Test::Contains(_) | Test::StartsWith(_) | Test::IsNull => false,
    }
}

fn sql_value(v: &Val) -> SqlValue {
    match v {
        Val::Int(i) => SqlValue::Integer(*i),
        Val::Real(x) => SqlValue::Real(*x),
        Val::Text(t) => SqlValue::Text(t.clone()),
        Val::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Val::Date(d) => SqlValue::Text(d.format("%Y-%m-%d").to_string()),
        Val::DaysAgo(n) => SqlValue::Integer(*n),
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

fn unsupported() -> Error {
    Error::Corrupt("a checked condition holds a test its field does not take".into())
}

impl Builder {
    fn new(as_of: DateTime<Utc>) -> Builder {
        Builder {
            sql: String::new(),
            params: Vec::new(),
            as_of,
            as_of_day: day_number(as_of.date_naive()),
            rollups: false,
            scores: false,
            at: None,
            id: "c.id",
        }
    }

    /// The placeholder of the evaluation time (bound once, however often it is used).
    fn at(&mut self) -> String {
        if let Some(p) = &self.at {
            return p.clone();
        }
        let p = self.param(SqlValue::Text(ts(&self.as_of)));
        self.at = Some(p.clone());
        p
    }

    fn param(&mut self, value: SqlValue) -> String {
        self.params.push(value);
        format!("?{}", self.params.len())
    }

    fn node(&mut self, node: &Node) -> Result<()> {
        match node {
            Node::All(items) => self.balanced(items, " AND "),
            Node::Any(items) => self.balanced(items, " OR "),
            Node::Not(inner) => {
                self.sql.push_str("NOT (");
                self.node(inner)?;
                self.sql.push(')');
                Ok(())
            }
            Node::HasTag(tag) => {
                let p = self.param(SqlValue::Text(tag.clone()));
                self.sql.push_str(&format!(
                    "{} IN (SELECT t.client_id FROM client_tags t WHERE t.tag = {p})",
                    self.id
                ));
                Ok(())
            }
            Node::Test(field, test) => self.test(field, test),
        }
    }

    /// Joins `items` with `op` as a balanced tree of parentheses.
    fn balanced(&mut self, items: &[Node], op: &str) -> Result<()> {
        match items {
            [] => {
                self.sql.push_str(if op == " AND " { "1" } else { "0" });
                Ok(())
            }
            [one] => {
                self.sql.push('(');
                self.node(one)?;
                self.sql.push(')');
                Ok(())
            }
            _ => {
                let (left, right) = items.split_at(items.len() / 2);
                self.sql.push('(');
                self.balanced(left, op)?;
                self.sql.push_str(op);
                self.balanced(right, op)?;
                self.sql.push(')');
                Ok(())
            }
        }
    }

    fn column(&mut self, field: &Field) -> Result<Column> {
        let plain = |s: &str| Ok(Column::Plain(s.to_string()));
        match field {
            Field::Name => plain("c.name"),
            Field::Kind => plain("c.kind"),
            Field::Region => plain("c.region"),
            Field::Industry => plain("c.industry"),
            Field::Owner => plain("c.owner_id"),
            Field::Email => plain("c.email"),
            Field::Phone => plain("c.phone"),
            Field::TaxId => plain("c.tax_id"),
            Field::Created => Ok(Column::Time("c.created_at")),
            Field::FirstSource => {
                let at = self.at();
                Ok(Column::Plain(format!(
                    "(SELECT l.source_id FROM leads l WHERE l.client_id = c.id AND l.received_at <= {at}
                      ORDER BY l.received_at, l.id LIMIT 1)"
                )))
            }
            Field::Revenue => {
                self.rollups = true;
                Ok(Column::ZeroWithoutOrders("r.revenue"))
            }
            Field::Orders => {
                self.rollups = true;
                Ok(Column::ZeroWithoutOrders("r.orders"))
            }
            Field::FirstOrder => {
                self.rollups = true;
                Ok(Column::Time("r.first_order_at"))
            }
            Field::LastOrder => {
                self.rollups = true;
                Ok(Column::Time("r.last_order_at"))
            }
            Field::DaysSinceLastOrder => {
                self.rollups = true;
                Ok(Column::DaysSinceLastOrder)
            }
            Field::AverageOrder => {
                self.rollups = true;
                plain(
                    "(CASE WHEN r.orders > 0 THEN (2 * r.revenue + r.orders) / (2 * r.orders) END)",
                )
            }
            Field::Revenue90 | Field::Revenue365 => {
                let days = if *field == Field::Revenue90 { 90 } else { 365 };
                let start = self.as_of - Duration::days(days);
                let p = self.param(SqlValue::Text(ts(&start)));
                let at = self.at();
                Ok(Column::Window {
                    start: p.clone(),
                    sum: format!(
                        "coalesce((SELECT sum(o.total) FROM orders o WHERE o.client_id = {}
                          AND o.status = 'completed' AND o.ordered_at > {p} AND o.ordered_at <= {at}), 0)",
                        self.id
                    ),
                })
            }
            Field::Abc => self.score("s.abc"),
            Field::Xyz => self.score("s.xyz"),
            Field::RfmSegment => self.score("s.rfm_segment"),
            Field::PAlive => self.score("s.p_alive"),
            Field::RScore => self.score("s.r_score"),
            Field::FScore => self.score("s.f_score"),
            Field::MScore => self.score("s.m_score"),
            Field::Dormancy => {
                plain("(SELECT h.state FROM client_rhythm h WHERE h.client_id = c.id)")
            }
            Field::Updated => Ok(Column::Time("c.updated_at")),
            Field::DaysToBirthday => Ok(Column::Plain(self.days_to_birthday())),
            Field::DaysSinceComplaintResolved => {
                let at = self.at();
                Ok(Column::DaysSince(format!(
                    "(SELECT max(k.resolved_at) FROM complaints k WHERE k.client_id = c.id
                      AND k.status IN ('resolved', 'closed') AND k.resolved_at <= {at})"
                )))
            }
            Field::OpenComplaints => {
                let at = self.at();
                Ok(Column::Plain(format!(
                    "(SELECT count(*) FROM complaints k WHERE k.client_id = c.id
                      AND k.status IN ('open', 'in_progress') AND k.opened_at <= {at})"
                )))
            }
            Field::Attribute(path) => Ok(Column::Attribute(path.clone())),
            Field::Tags => Err(unsupported()),
            _ => Err(Error::validation(
                "expression",
                "a condition about leads cannot select clients",
            )),
        }
    }

    /// Days from the evaluation date to the client's next birthday, as `segment::days_to_birthday`
    /// counts them: this year's birthday (29 February read as 1 March in a common year) if it is not
    /// before the evaluation date, else next year's; NULL without a birth date, and beyond the year
    /// 9999 (where `julianday` gives NULL, as the evaluator gives none).
    fn days_to_birthday(&mut self) -> String {
        let on = self.as_of.date_naive();
        let year = on.year();
        let leap = |y: i32| NaiveDate::from_ymd_opt(y, 2, 29).is_some();
        let feb29 = |y: i32| if leap(y) { "02-29" } else { "03-01" };
        let d = self.param(SqlValue::Text(on.format("%Y-%m-%d").to_string()));
        let md = self.param(SqlValue::Text(on.format("%m-%d").to_string()));
        let y0 = self.param(SqlValue::Text(format!("{year:04}")));
        let y1 = self.param(SqlValue::Text(format!("{:04}", year.saturating_add(1))));
        let f0 = self.param(SqlValue::Text(feb29(year).to_string()));
        let f1 = self.param(SqlValue::Text(feb29(year.saturating_add(1)).to_string()));
        let md_in = |f: &str| {
            format!(
                "(CASE substr(c.birth_date, 6) WHEN '02-29' THEN {f} ELSE substr(c.birth_date, 6) END)"
            )
        };
        let (this, next) = (md_in(&f0), md_in(&f1));
        format!(
            "(CASE WHEN c.birth_date IS NULL THEN NULL
                   WHEN {this} >= {md}
                   THEN CAST(julianday({y0} || '-' || {this}) - julianday({d}) AS INTEGER)
                   ELSE CAST(julianday({y1} || '-' || {next}) - julianday({d}) AS INTEGER) END)"
        )
    }

    /// A column of `temp.client_scores` (NULL for a client without a row there, as without a score).
    fn score(&mut self, col: &str) -> Result<Column> {
        self.scores = true;
        Ok(Column::Plain(col.to_string()))
    }

    fn test(&mut self, field: &Field, test: &Test) -> Result<()> {
        match self.column(field)? {
            Column::Plain(expr) => self.plain(&expr, test),
            Column::ZeroWithoutOrders(col) => {
                let guard = if holds_for_zero(test) {
                    "r.client_id IS NULL OR "
                } else {
                    "r.client_id IS NOT NULL AND "
                };
                self.sql.push('(');
                self.sql.push_str(guard);
                self.plain(col, test)?;
                self.sql.push(')');
                Ok(())
            }
            Column::Window { start, sum } => {
                // A client without orders in the window has 0 there. When 0 fails the test, only
                // clients whose last order falls in the window can pass: the rollups' index on the
                // last order finds them, and the sum is computed for those alone.
                if !holds_for_zero(test) {
                    self.rollups = true;
                    self.sql
                        .push_str(&format!("(r.last_order_at > {start} AND "));
                    self.plain(&sum, test)?;
                    self.sql.push(')');
                    Ok(())
                } else {
                    self.plain(&sum, test)
                }
            }
            Column::Time(col) => self.time(col, test, false),
            Column::DaysSinceLastOrder => self.time("r.last_order_at", test, true),
            Column::DaysSince(expr) => self.time(&expr, test, true),
            Column::Attribute(path) => {
                let quoted: Vec<String> = path.iter().map(|k| format!("\"{k}\"")).collect();
                let p = self.param(SqlValue::Text(format!("$.{}", quoted.join("."))));
                let types = match test {
                    Test::IsNull => {
                        self.sql.push_str(&format!(
                            "coalesce(json_type(c.attributes, {p}), 'null') = 'null'"
                        ));
                        return Ok(());
                    }
                    Test::Contains(_) | Test::StartsWith(_) => "'text'",
                    Test::Compare(_, v) | Test::Between(v, _) => json_types(v),
                    Test::In(vs) => vs.first().map_or("'text'", json_types),
                };
                let expr = format!(
                    "(CASE WHEN json_type(c.attributes, {p}) IN ({types}) THEN json_extract(c.attributes, {p}) END)"
                );
                self.plain(&expr, test)
            }
        }
    }

    /// `expr <test>` with bound values.
    fn plain(&mut self, expr: &str, test: &Test) -> Result<()> {
        let text = match test {
            Test::Compare(op, v) => {
                let p = self.param(sql_value(v));
                format!("{expr} {} {p}", op.as_str())
            }
            Test::In(vs) => {
                let ps: Vec<String> = vs.iter().map(|v| self.param(sql_value(v))).collect();
                format!("{expr} IN ({})", ps.join(", "))
            }
            Test::Between(lo, hi) => {
                let lo = self.param(sql_value(lo));
                let hi = self.param(sql_value(hi));
                format!("{expr} BETWEEN {lo} AND {hi}")
            }
            Test::Contains(needle) => {
                let p = self.param(SqlValue::Text(needle.clone()));
                format!("crm_contains({expr}, {p})")
            }
            Test::StartsWith(prefix) => {
                let p = self.param(SqlValue::Text(prefix.clone()));
                format!("crm_starts_with({expr}, {p})")
            }
            Test::IsNull => format!("{expr} IS NULL"),
        };
        self.sql.push_str(&text);
        Ok(())
    }

    /// The day number a date value stands for.
    fn day(&self, v: &Val) -> Result<i64> {
        match v {
            Val::Date(d) => Ok(day_number(*d)),
            Val::DaysAgo(n) => Ok(self.as_of_day - n),
            _ => Err(unsupported()),
        }
    }

    /// `col` holds a time whose UTC date is `day`.
    fn on_day(&mut self, col: &str, day: i64) -> String {
        let from = self.param(SqlValue::Text(day_key(day)));
        let to = self.param(SqlValue::Text(day_key(day + 1)));
        format!("({col} >= {from} AND {col} < {to})")
    }

    fn day_compare(&mut self, col: &str, op: CmpOp, day: i64) -> String {
        match op {
            CmpOp::Eq => self.on_day(col, day),
            CmpOp::Ne => format!("NOT {}", self.on_day(col, day)),
            CmpOp::Lt => format!("{col} < {}", self.param(SqlValue::Text(day_key(day)))),
            CmpOp::Le => format!("{col} < {}", self.param(SqlValue::Text(day_key(day + 1)))),
            CmpOp::Gt => format!("{col} >= {}", self.param(SqlValue::Text(day_key(day + 1)))),
            CmpOp::Ge => format!("{col} >= {}", self.param(SqlValue::Text(day_key(day)))),
        }
    }

    /// A date test on a stored time; with `days_since`, the values are days before the evaluation
    /// date (a larger number is an earlier date).
    fn time(&mut self, col: &str, test: &Test, days_since: bool) -> Result<()> {
        let as_of_day = self.as_of_day;
        let day_of = |b: &Builder, v: &Val| -> Result<i64> {
            if days_since {
                match v {
                    Val::Int(n) => Ok(as_of_day - n),
                    _ => Err(unsupported()),
                }
            } else {
                b.day(v)
            }
        };
        let text = match test {
            Test::IsNull => format!("{col} IS NULL"),
            Test::Compare(op, v) => {
                let day = day_of(self, v)?;
                let op = if days_since { flip(*op) } else { *op };
                self.day_compare(col, op, day)
            }
            Test::In(vs) => {
                let mut parts = Vec::with_capacity(vs.len());
                for v in vs {
                    let day = day_of(self, v)?;
                    parts.push(self.on_day(col, day));
                }
                // Balanced, like `or` itself.
                balanced_text(&parts, " OR ")
            }
            Test::Between(lo, hi) => {
                let (lo, hi) = (day_of(self, lo)?, day_of(self, hi)?);
                let (first, last) = if days_since { (hi, lo) } else { (lo, hi) };
                let from = self.param(SqlValue::Text(day_key(first)));
                let to = self.param(SqlValue::Text(day_key(last + 1)));
                format!("({col} >= {from} AND {col} < {to})")
            }
            Test::Contains(_) | Test::StartsWith(_) => return Err(unsupported()),
        };
        self.sql.push_str(&text);
        Ok(())
    }
}

fn balanced_text(parts: &[String], op: &str) -> String {
    match parts {
        [] => "0".into(),
        [one] => one.clone(),
        _ => {
            let (l, r) = parts.split_at(parts.len() / 2);
            format!("({}{op}{})", balanced_text(l, op), balanced_text(r, op))
        }
    }
}

/// The JSON types an attribute must have to be compared with `v`.
fn json_types(v: &Val) -> &'static str {
    match v {
        Val::Int(_) | Val::Real(_) => "'integer', 'real'",
        Val::Bool(_) => "'true', 'false'",
        _ => "'text'",
    }
}

/// Whether a condition reads nothing of a client but its order figures, and cannot hold for a client
/// without completed orders (decided by evaluating it on such a client): then the statement reads the
/// order figures alone, and never touches the wide client rows.
fn order_figures_only(cond: &Condition, at: DateTime<Utc>) -> bool {
    fn figures_only(node: &Node) -> bool {
        match node {
            Node::All(items) | Node::Any(items) => items.iter().all(figures_only),
            Node::Not(inner) => figures_only(inner),
            Node::HasTag(_) => false,
            Node::Test(field, _) => matches!(
                field,
                Field::Revenue
                    | Field::Revenue90
                    | Field::Revenue365
                    | Field::Orders
                    | Field::FirstOrder
                    | Field::LastOrder
                    | Field::DaysSinceLastOrder
                    | Field::AverageOrder
            ),
        }
    }
    if !figures_only(&cond.node) {
        return false;
    }
    let no_orders = ClientFacts {
        id: ClientId(0),
        name: String::new(),
        kind: ClientKind::Person,
        region: None,
        industry: None,
        owner_id: None,
        tags: Vec::new(),
        created_at: at,
        first_source: None,
        email: None,
        phone: None,
        tax_id: None,
        attributes: serde_json::Value::Null,
        revenue: Money::from_minor(0),
        orders: 0,
        first_order_at: None,
        last_order_at: None,
        revenue_90d: Money::from_minor(0),
        revenue_365d: Money::from_minor(0),
        abc: None,
        xyz: None,
        rfm_segment: None,
        p_alive: None,
        r_score: None,
        f_score: None,
        m_score: None,
        updated_at: at,
        birth_date: None,
        dormancy: None,
        complaint_resolved_at: None,
        open_complaints: 0,
    };
    cond.test_client(&no_orders, at) != Some(true)
}

/// The `FROM … WHERE …` of a segment, and the column of the client's id: clients `c` with their order
/// figures `r` when the condition needs them, or the order figures alone (see `order_figures_only`).
fn from_where(cond: &Condition, as_of: &AsOf) -> Result<(String, Vec<SqlValue>, &'static str)> {
    let mut b = Builder::new(as_of.at);
    // One tag alone: its rows in `client_tags` are the answer; no client row needs reading.
    if let Node::HasTag(tag) = &cond.node {
        let p = b.param(SqlValue::Text(tag.clone()));
        return Ok((
            format!("FROM client_tags t\n WHERE t.tag = {p}"),
            b.params,
            "t.client_id",
        ));
    }
    let figures_only = order_figures_only(cond, as_of.at);
    if figures_only {
        b.id = "r.client_id";
    }
    b.node(&cond.node)?;
    let rollups = if as_of.rollups_current || !(figures_only || b.rollups) {
        "client_rollups".to_string()
    } else {
        let at = b.at();
        format!(
            "(SELECT client_id, sum(total) AS revenue, count(*) AS orders,
               min(ordered_at) AS first_order_at, max(ordered_at) AS last_order_at
               FROM orders WHERE status = 'completed' AND ordered_at <= {at} GROUP BY client_id)"
        )
    };
    let mut from = if figures_only {
        format!("FROM {rollups} r")
    } else if b.rollups {
        format!("FROM clients c\n LEFT JOIN {rollups} r ON r.client_id = c.id")
    } else {
        "FROM clients c".to_string()
    };
    if b.scores {
        // Filled for this evaluation time by `Session::fill_client_scores` before the statement runs.
        from.push_str(&format!(
            "\n LEFT JOIN temp.client_scores s ON s.client_id = {}",
            b.id
        ));
    }
    Ok((format!("{from}\n WHERE ({})", b.sql), b.params, b.id))
}

/// The ids of the clients matching `cond` as of `as_of`, ascending.
pub(crate) fn client_ids(
    conn: &Connection,
    cond: &Condition,
    as_of: &AsOf,
) -> Result<Vec<ClientId>> {
    let (from_where, params, id) = from_where(cond, as_of)?;
    // No ORDER BY: SQLite would then prefer a plan that reads rows in id order over one that uses the
    // index of the condition. The ids are sorted here instead (a pass when they come sorted already).
    let sql = format!("SELECT {id} {from_where}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(params.iter()), |r| r.get(0))?;
    let mut ids: Vec<ClientId> = rows.collect::<rusqlite::Result<_>>()?;
    ids.sort_unstable();
    if !as_of.later.is_empty() {
        ids.retain(|id| !as_of.is_later(*id));
    }
    Ok(ids)
}

/// The `FROM … WHERE …` of a segment's members, when their client rows are read anyway: the
/// members found by id (see `client_ids`' statement) joined to their rows.
fn member_from_where(cond: &Condition, as_of: &AsOf) -> Result<(String, Vec<SqlValue>)> {
    let (from_where, params, id) = from_where(cond, as_of)?;
    Ok((
        format!("FROM clients c WHERE c.id IN (SELECT {id} {from_where})"),
        params,
    ))
}

/// How many clients match `cond` as of `as_of`.
pub(crate) fn client_count(conn: &Connection, cond: &Condition, as_of: &AsOf) -> Result<u64> {
    if !as_of.later.is_empty() {
        return Ok(client_ids(conn, cond, as_of)?.len() as u64);
    }
    let (from_where, params, _) = from_where(cond, as_of)?;
    let sql = format!("SELECT count(*) {from_where}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let n: i64 = stmt.query_row(params_from_iter(params.iter()), |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
/// The statement a segment runs as, and its plan (for tests and for people tuning indexes).
pub(crate) fn explain(
    conn: &Connection,
    cond: &Condition,
    as_of: &AsOf,
) -> Result<(String, Vec<String>)> {
    let (from_where, params, id) = from_where(cond, as_of)?;
    let sql = format!("SELECT {id} {from_where}");
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let rows = stmt.query_map(params_from_iter(params.iter()), |r| r.get::<_, String>(3))?;
    Ok((sql, rows.collect::<rusqlite::Result<_>>()?))
}

/// One member's row of an export: the client and its first contact person.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MemberRow {
    pub id: ClientId,
    pub name: String,
    pub kind: ClientKind,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub owner_id: Option<i64>,
    pub tags: Vec<String>,
}

/// The members of a segment with their contact details, by id; `each` gets them one at a time, so an
/// export of a large segment holds one row in memory.
pub(crate) fn each_member(
    conn: &Connection,
    cond: &Condition,
    as_of: &AsOf,
    mut each: impl FnMut(MemberRow) -> Result<()>,
) -> Result<u64> {
    let (from_where, params) = member_from_where(cond, as_of)?;
    let sql = format!(
        "SELECT c.id, c.name, c.kind, c.email, c.phone, ct.name, json_extract(ct.emails, '$[0]'),
                json_extract(ct.phones, '$[0]'), c.region, c.industry, c.owner_id, c.tags,
                ct.id
         {from_where}
         ORDER BY c.id"
    );
    // The first contact person is read per member, by the contacts' client index.
    let sql = sql.replacen(
        "FROM clients c",
        "FROM clients c
         LEFT JOIN contacts ct ON ct.id = (SELECT min(x.id) FROM contacts x WHERE x.client_id = c.id)",
        1,
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    let mut n = 0;
    while let Some(row) = rows.next()? {
        let member = member_row(row)?;
        if as_of.is_later(member.id) {
            continue;
        }
        each(member)?;
        n += 1;
    }
    Ok(n)
}

fn member_row(row: &Row<'_>) -> rusqlite::Result<MemberRow> {
    Ok(MemberRow {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: row.get(2)?,
        email: row.get(3)?,
        phone: row.get(4)?,
        contact_name: row.get(5)?,
        contact_email: text_or_none(row, 6)?,
        contact_phone: text_or_none(row, 7)?,
        region: row.get(8)?,
        industry: row.get(9)?,
        owner_id: row.get(10)?,
        tags: row.get::<_, Json<_>>(11)?.0,
    })
}

/// A JSON list element that should be text (anything else is left out).
fn text_or_none(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    Ok(match row.get_ref(i)? {
        rusqlite::types::ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    })
}

/// What the client fields read for one client as of `at`, computed from its orders (not from the
/// rollups), or `None` if there is no such client.
pub(crate) fn client_facts(
    conn: &Connection,
    id: ClientId,
    at: DateTime<Utc>,
) -> Result<Option<ClientFacts>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.name, c.kind, c.region, c.industry, c.owner_id, c.tags, c.created_at,
                (SELECT l.source_id FROM leads l WHERE l.client_id = c.id AND l.received_at <= ?2
                 ORDER BY l.received_at, l.id LIMIT 1),
                c.email, c.phone, c.tax_id, c.attributes,
                coalesce(o.revenue, 0), coalesce(o.orders, 0), o.first_order_at, o.last_order_at,
                coalesce(o.revenue_90d, 0), coalesce(o.revenue_365d, 0),
                c.updated_at, c.birth_date,
                (SELECT h.state FROM client_rhythm h WHERE h.client_id = c.id),
                (SELECT max(k.resolved_at) FROM complaints k WHERE k.client_id = c.id
                  AND k.status IN ('resolved', 'closed') AND k.resolved_at <= ?2),
                (SELECT count(*) FROM complaints k WHERE k.client_id = c.id
                  AND k.status IN ('open', 'in_progress') AND k.opened_at <= ?2)
         FROM clients c
         LEFT JOIN (SELECT client_id, sum(total) AS revenue, count(*) AS orders,
                           min(ordered_at) AS first_order_at, max(ordered_at) AS last_order_at,
                           sum(CASE WHEN ordered_at > ?3 THEN total ELSE 0 END) AS revenue_90d,
                           sum(CASE WHEN ordered_at > ?4 THEN total ELSE 0 END) AS revenue_365d
                    FROM orders WHERE client_id = ?1 AND status = 'completed' AND ordered_at <= ?2
                    GROUP BY client_id) o ON o.client_id = c.id
         WHERE c.id = ?1",
    )?;
    let facts = stmt
        .query_row(
            params![
                id,
                ts(&at),
                ts(&(at - Duration::days(90))),
                ts(&(at - Duration::days(365)))
            ],
            |row| {
                Ok(ClientFacts {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    kind: row.get(2)?,
                    region: row.get(3)?,
                    industry: row.get(4)?,
                    owner_id: row.get(5)?,
                    tags: row.get::<_, Json<_>>(6)?.0,
                    created_at: row.get::<_, Time>(7)?.0,
                    first_source: row.get(8)?,
                    email: row.get(9)?,
                    phone: row.get(10)?,
                    tax_id: row.get(11)?,
                    attributes: row.get::<_, Json<_>>(12)?.0,
                    revenue: Money::from_minor(row.get(13)?),
                    orders: row.get(14)?,
                    first_order_at: row.get::<_, Option<Time>>(15)?.map(|t| t.0),
                    last_order_at: row.get::<_, Option<Time>>(16)?.map(|t| t.0),
                    revenue_90d: Money::from_minor(row.get(17)?),
                    revenue_365d: Money::from_minor(row.get(18)?),
                    abc: None,
                    xyz: None,
                    rfm_segment: None,
                    p_alive: None,
                    r_score: None,
                    f_score: None,
                    m_score: None,
                    updated_at: row.get::<_, Time>(19)?.0,
                    birth_date: row.get::<_, Option<Day>>(20)?.map(|d| d.0),
                    dormancy: row.get(21)?,
                    complaint_resolved_at: row.get::<_, Option<Time>>(22)?.map(|t| t.0),
                    open_complaints: row.get(23)?,
                })
            },
        )
        .optional()?;
    Ok(facts)
}

/// Sets a client's scores in `facts` (`abc`, `xyz`, `rfm_segment`, `p_alive`, the R/F/M scores) from
/// `temp.client_scores`, which `Session::fill_client_scores` must have filled for the same evaluation
/// time; a client without a row there has none.
pub(crate) fn read_client_scores(conn: &Connection, facts: &mut ClientFacts) -> Result<()> {
    use crate::analytics::{abc::AbcClass, rfm::RfmSegment, xyz::XyzClass};
    type Scores = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<f64>,
        Option<u8>,
        Option<u8>,
        Option<u8>,
    );
    let row: Option<Scores> = conn
        .prepare_cached(
            "SELECT abc, xyz, rfm_segment, p_alive, r_score, f_score, m_score
             FROM temp.client_scores WHERE client_id = ?1",
        )?
        .query_row([facts.id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .optional()?;
    let (abc, xyz, rfm, p_alive, r, f, m) = row.unwrap_or_default();
    let corrupt = |what: &str| Error::Corrupt(format!("client_scores: unknown {what}"));
    facts.abc = match abc.as_deref() {
        None => None,
        Some("A") => Some(AbcClass::A),
        Some("B") => Some(AbcClass::B),
        Some("C") => Some(AbcClass::C),
        Some(_) => return Err(corrupt("abc class")),
    };
    facts.xyz = match xyz.as_deref() {
        None => None,
        Some("X") => Some(XyzClass::X),
        Some("Y") => Some(XyzClass::Y),
        Some("Z") => Some(XyzClass::Z),
        Some(_) => return Err(corrupt("xyz class")),
    };
    facts.rfm_segment = match rfm.as_deref() {
        None => None,
        Some(code) => Some(
            RfmSegment::ALL
                .into_iter()
                .find(|s| s.as_str() == code)
                .ok_or_else(|| corrupt("rfm segment"))?,
        ),
    };
    facts.p_alive = p_alive;
    (facts.r_score, facts.f_score, facts.m_score) = (r, f, m);
    Ok(())
}

/// Every manager's and source's name with its id, for names in expressions.
pub(crate) fn names(conn: &Connection) -> Result<crate::segment::Names> {
    let read = |sql: &str| -> Result<Vec<(String, i64)>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    Ok(crate::segment::Names {
        managers: read("SELECT name, id FROM managers ORDER BY id")?,
        sources: read("SELECT name, id FROM sources ORDER BY id")?,
    })
}

// --- saved segments ------------------------------------------------------------------------------

const SEGMENT_COLUMNS: &str = "id, name, expression, created_at, updated_at, refreshed_at, members";

fn segment(row: &Row<'_>) -> rusqlite::Result<Segment> {
    Ok(Segment {
        id: SegmentId(row.get(0)?),
        name: row.get(1)?,
        expression: row.get(2)?,
        created_at: row.get::<_, Time>(3)?.0,
        updated_at: row.get::<_, Time>(4)?.0,
        refreshed_at: row.get::<_, Option<Time>>(5)?.map(|t| t.0),
        members: row.get(6)?,
    })
}

/// The saved segment of this name.
pub(crate) fn by_name(conn: &Connection, name: &str) -> Result<Option<Segment>> {
    let sql = format!("SELECT {SEGMENT_COLUMNS} FROM segments WHERE name = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([name], segment)
        .optional()?)
}

/// Every saved segment, by name.
pub(crate) fn all(conn: &Connection) -> Result<Vec<Segment>> {
    let sql = format!("SELECT {SEGMENT_COLUMNS} FROM segments ORDER BY name, id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], segment)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Inserts a segment and returns its id.
pub(crate) fn insert(
    conn: &Connection,
    name: &str,
    expression: &str,
    at: &DateTime<Utc>,
) -> Result<SegmentId> {
    conn.prepare_cached(
        "INSERT INTO segments (name, expression, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(params![name, expression, ts(at)])?;
    Ok(SegmentId(conn.last_insert_rowid()))
}

/// Replaces a segment's expression.
pub(crate) fn set_expression(
    conn: &Connection,
    id: SegmentId,
    expression: &str,
    at: &DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached("UPDATE segments SET expression = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id.0, expression, ts(at)])?;
    Ok(())
}

/// Deletes a segment and its members.
pub(crate) fn delete(conn: &Connection, id: SegmentId) -> Result<()> {
    conn.prepare_cached("DELETE FROM segment_members WHERE segment_id = ?1")?
        .execute([id.0])?;
    conn.prepare_cached("DELETE FROM segments WHERE id = ?1")?
        .execute([id.0])?;
    Ok(())
}

/// The members recorded at the last refresh, ascending.
pub(crate) fn members(conn: &Connection, id: SegmentId) -> Result<Vec<ClientId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT client_id FROM segment_members WHERE segment_id = ?1 ORDER BY client_id",
    )?;
    let rows = stmt.query_map([id.0], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a refresh: who entered and who left, and when.
pub(crate) fn record_refresh(
    conn: &Connection,
    id: SegmentId,
    entered: &[ClientId],
    left: &[ClientId],
    members: usize,
    at: &DateTime<Utc>,
) -> Result<()> {
    let at = ts(at);
    let mut remove = conn
        .prepare_cached("DELETE FROM segment_members WHERE segment_id = ?1 AND client_id = ?2")?;
    for c in left {
        remove.execute(params![id.0, c])?;
    }
    let mut add = conn.prepare_cached(
        "INSERT INTO segment_members (segment_id, client_id, since) VALUES (?1, ?2, ?3)",
    )?;
    for c in entered {
        add.execute(params![id.0, c, at])?;
    }
    conn.prepare_cached("UPDATE segments SET refreshed_at = ?2, members = ?3 WHERE id = ?1")?
        .execute(params![
            id.0,
            at,
            i64::try_from(members).unwrap_or(i64::MAX)
        ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::{as_of, explain};
    use crate::Crm;
    use crate::segment::{Names, Subject, compile};

    /// The plan of a segment over an empty store, as SQLite's `EXPLAIN QUERY PLAN` lines joined.
    fn plan(text: &str) -> String {
        let crm = Crm::open_in_memory().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let cond = compile(text, Subject::Clients, &Names::default()).unwrap();
        crm.with_connection(|conn| {
            let (_, lines) = explain(conn, &cond, &as_of(conn, at)?)?;
            Ok(lines.join(" | "))
        })
        .unwrap()
    }

    #[test]
    fn indexed_conditions_use_their_indexes() {
        for (text, index) in [
            ("region = 'Kyiv'", "clients_by_region"),
            ("industry in ('retail', 'food')", "clients_by_industry"),
            ("owner = 3", "clients_by_owner"),
            ("has tag 'vip'", "SEARCH t USING PRIMARY KEY (tag=?)"),
            (
                "has tag 'vip' and owner = 3",
                "SEARCH t USING PRIMARY KEY (tag=?)",
            ),
            ("revenue > 50000", "client_rollups_by_revenue"),
            (
                "days_since_last_order > 90 and days_since_last_order < 120",
                "client_rollups_by_last_order",
            ),
        ] {
            let plan = plan(text);
            assert!(plan.contains(index), "{text}: {plan}");
            assert!(!plan.contains("SCAN c"), "{text} scans the clients: {plan}");
        }
    }

    #[test]
    fn scores_are_joined_only_when_read() {
        let crm = Crm::open_in_memory().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let statement = |text: &str| {
            let cond = compile(text, Subject::Clients, &Names::default()).unwrap();
            crm.with_connection(|conn| {
                // What `Session::fill_client_scores` creates before a statement that reads scores.
                conn.execute_batch(
                    "CREATE TEMP TABLE IF NOT EXISTS client_scores (
                         client_id INTEGER PRIMARY KEY, abc TEXT, xyz TEXT, rfm_segment TEXT,
                         p_alive REAL, r_score INTEGER, f_score INTEGER, m_score INTEGER)",
                )?;
                let (sql, plan) = explain(conn, &cond, &as_of(conn, at)?)?;
                Ok((sql, plan.join(" | ")))
            })
            .unwrap()
        };
        for text in [
            "abc = 'A'",
            "rfm_segment = 'at risk' and revenue > 100",
            "p_alive < 0.3 or has tag 'vip'",
            "m_score >= 4",
        ] {
            let (sql, plan) = statement(text);
            assert!(
                sql.contains("LEFT JOIN temp.client_scores s ON s.client_id = c.id"),
                "{text}: {sql}"
            );
            // Either side is found by its key (SQLite may start from the scores, which hold only the
            // buyers), never one scan per row of the other.
            assert!(
                plan.contains("SEARCH s USING INTEGER PRIMARY KEY")
                    || plan.contains("SEARCH c USING INTEGER PRIMARY KEY"),
                "{text}: {plan}"
            );
            assert!(!sql.contains("'A'") && !sql.contains("0.3"), "{sql}");
        }
        // The fast paths stay as they were: no scores, no join.
        for text in ["revenue > 100", "has tag 'vip'", "region = 'Kyiv'"] {
            let (sql, _) = statement(text);
            assert!(!sql.contains("client_scores"), "{text}: {sql}");
        }
    }

    #[test]
    fn hostile_text_stays_a_parameter() {
        let crm = Crm::open_in_memory().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let text = "name = 'x''); DROP TABLE clients; --' or region in ('a\"b', '?1', ':x')";
        let cond = compile(text, Subject::Clients, &Names::default()).unwrap();
        let sql = crm
            .with_connection(|conn| Ok(explain(conn, &cond, &as_of(conn, at)?)?.0))
            .unwrap();
        assert!(
            !sql.contains("DROP") && !sql.contains("a\"b") && !sql.contains(":x"),
            "{sql}"
        );
    }
}
