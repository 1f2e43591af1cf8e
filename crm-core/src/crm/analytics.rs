//! The client analytics commands: ABC, XYZ, RFM, P(alive), repeat sales, product pairs and cross-sell;
//! and the scores the segment language reads. The figures are decided by [`crate::analytics`]; this file
//! loads what they need (rollups, never every order where a rollup will do) and assembles the answers.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

use super::{Crm, Session, Transaction, require_client};
use crate::analytics::abc::{self, AbcClass, AbcRule, AbcThresholds, BASIS_POINTS};
use crate::analytics::baskets::{self, Suggestion};
use crate::analytics::bgnbd::{self, Summary};
use crate::analytics::rfm::{self, RfmInput, RfmScoring, RfmSegment};
use crate::analytics::xyz::{self, XyzClass, XyzInput};
use crate::error::{Error, Result};
use crate::model::{
    AbcMeasure, AbcQuery, AbcReport, AbcXyzCell, AbcXyzMatrix, AbcXyzQuery, ClientId, Money,
    PAliveQuery, PAliveReport, PAliveRow, PairQuery, PairReport, Period, RepeatReport, RfmQuery,
    RfmReport, RfmSegmentSize, XyzQuery, XyzReport,
};
use crate::store::analytics::{self as store, ClientHistory, ScoreRow, month_of};

super::facade! {
    writes {}
    reads {
        /// ABC of the clients who bought in a period: ranked by revenue (or order count), classed by
        /// cumulative share with the boundary and tie rule asked for (see [`crate::analytics::abc`]).
        /// Over all history, or a period of whole months, it reads one rollup row per client (and per
        /// month); only a period's partial months read orders.
        fn abc(query: &AbcQuery) -> AbcReport;
        /// XYZ of the clients with revenue in a window of calendar months (by default the twelve months
        /// ending with the month of the last order): the coefficient of variation of monthly revenue
        /// (see [`crate::analytics::xyz`]). Reads the monthly rollups.
        fn xyz(query: &XyzQuery) -> XyzReport;
        /// The ABC×XYZ matrix over one period: clients and revenue per cell (twelve cells, an XYZ
        /// "none" column for clients with too few months).
        fn abc_xyz(query: &AbcXyzQuery) -> AbcXyzMatrix;
        /// RFM of every client with a completed order by `as_of`: recency, frequency (completed
        /// orders), monetary (their revenue), scores 1..5 and the named segment (see
        /// [`crate::analytics::rfm`]), with the size of each segment.
        fn rfm(query: &RfmQuery) -> RfmReport;
        /// The BG/NBD model fitted by maximum likelihood on the store's own purchase history up to
        /// `as_of` (distinct purchase days, time in days), and for each client the probability of
        /// still being active and the purchases expected in the horizon (see
        /// [`crate::analytics::bgnbd`]).
        fn p_alive(query: &PAliveQuery) -> PAliveReport;
        /// Repeat purchases over a period: clients who bought, those who bought twice or more, the
        /// rate, orders, revenue and the average order.
        fn repeat_sales(period: &Period) -> RepeatReport;
        /// The product pairs bought by the same clients in a period, with support, confidence and
        /// lift (see [`crate::analytics::baskets`]).
        fn product_pairs(query: &PairQuery) -> PairReport;
        /// What to offer one client next: the products it has not bought, best first, each with the
        /// pair rule behind it (rules learned from `query`'s period), at most `limit`.
        fn cross_sell(client: ClientId, query: &PairQuery, limit: u32) -> Vec<Suggestion>;
    }
}

/// Which analytic scores a segment condition reads (each costs a pass over the clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ScoreNeeds {
    pub abc: bool,
    pub xyz: bool,
    pub rfm: bool,
    pub p_alive: bool,
}

impl ScoreNeeds {
    /// Whether any score is needed.
    pub(crate) fn any(self) -> bool {
        self.abc || self.xyz || self.rfm || self.p_alive
    }
}

/// A share (0..=1) as basis points, named by `field` when out of range.
fn basis_points(field: &str, share: f64) -> Result<u32> {
    if !(0.0..=1.0).contains(&share) || share.is_nan() {
        return Err(Error::validation(field, "must be a share between 0 and 1"));
    }
    // Exact for shares given with up to four decimals, which is what thresholds are.
    Ok((share * f64::from(BASIS_POINTS)).round() as u32)
}

fn check_period(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Result<()> {
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(Error::validation("end", "is before start"));
        }
    }
    Ok(())
}

fn check_xyz_thresholds(x: f64, y: f64) -> Result<()> {
    if !(x >= 0.0 && x.is_finite()) {
        return Err(Error::validation("x", "must be a non-negative number"));
    }
    if !(y >= x && y.is_finite()) {
        return Err(Error::validation("y", "must be a number not below x"));
    }
    Ok(())
}

/// The months from `from`'s to `to`'s, `YYYY-MM`, oldest first.
fn months_between(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut months = Vec::new();
    let mut day = from.with_day0(0).unwrap_or(from);
    while day <= to {
        months.push(month_of(day));
        match day.checked_add_months(Months::new(1)) {
            Some(next) => day = next,
            None => break,
        }
    }
    months
}

/// Half away from zero: `numerator / denominator` for non-negative figures.
fn rounded_div(numerator: i64, denominator: i64) -> i64 {
    if denominator == 0 {
        return 0;
    }
    let (n, d) = (i128::from(numerator), i128::from(denominator));
    i64::try_from((2 * n + d) / (2 * d)).unwrap_or(i64::MAX)
}

impl Session<'_> {
    pub(crate) fn abc(&self, query: &AbcQuery) -> Result<AbcReport> {
        check_period(query.start, query.end)?;
        let a = basis_points("a", query.a)?;
        let b = basis_points("b", query.b)?;
        let thresholds =
            AbcThresholds::new(a, b).ok_or_else(|| Error::validation("b", "is below a"))?;
        let totals = store::period_totals(self.conn, query.start, query.end)?;
        let values: Vec<(ClientId, i64)> = totals
            .into_iter()
            .map(|(client, revenue, orders)| match query.measure {
                AbcMeasure::Revenue => (client, revenue),
                AbcMeasure::Orders => (client, orders),
            })
            .collect();
        let rows = abc::abc(&values, thresholds, query.rule);
        let summary = abc::abc_summary(&rows);
        Ok(AbcReport { rows, summary })
    }

    /// The window of an XYZ query: explicit months, or the twelve ending with the last order's month.
    fn xyz_window(&self, query: &XyzQuery) -> Result<Option<(NaiveDate, NaiveDate)>> {
        check_period(query.start, query.end)?;
        check_xyz_thresholds(query.x, query.y)?;
        let Some((first, last)) = store::order_span(self.conn)? else {
            return Ok(None);
        };
        let end = query.end.unwrap_or(last);
        let start = match query.start {
            Some(s) => s,
            None => end
                .with_day(1)
                .and_then(|d| d.checked_sub_months(Months::new(11)))
                .unwrap_or(first),
        };
        Ok(Some((start, end)))
    }

    pub(crate) fn xyz(&self, query: &XyzQuery) -> Result<XyzReport> {
        let Some((start, end)) = self.xyz_window(query)? else {
            return Ok(XyzReport {
                months: Vec::new(),
                rows: Vec::new(),
            });
        };
        let months = months_between(start, end);
        let rows = xyz::xyz(&self.xyz_inputs(start, end)?, query.x, query.y);
        Ok(XyzReport { months, rows })
    }

    /// XYZ inputs over the months of `start` to `end` from the monthly rollups.
    fn xyz_inputs(&self, start: NaiveDate, end: NaiveDate) -> Result<Vec<XyzInput>> {
        let (first, last) = (store::month_number(start), store::month_number(end));
        let Ok(len) = usize::try_from(last - first + 1) else {
            return Ok(Vec::new());
        };
        let clients = store::month_revenue(self.conn, start, end)?;
        Ok(clients
            .into_iter()
            .map(|c| {
                let mut revenue = vec![0_i64; len];
                for (month, value) in &c.months {
                    if let Some(slot) = usize::try_from(month - first)
                        .ok()
                        .and_then(|i| revenue.get_mut(i))
                    {
                        *slot = *value;
                    }
                }
                // A client whose first order falls inside the window is measured from that month.
                let first_period = usize::try_from(c.first_month - first).unwrap_or(0).min(len);
                XyzInput {
                    client_id: c.client_id,
                    revenue,
                    first_period,
                }
            })
            .collect())
    }

    pub(crate) fn abc_xyz(&self, query: &AbcXyzQuery) -> Result<AbcXyzMatrix> {
        let abc_query = AbcQuery {
            measure: AbcMeasure::Revenue,
            ..query.abc
        };
        let abc = self.abc(&abc_query)?;
        let xyz = self.xyz(&XyzQuery {
            start: query.abc.start,
            end: query.abc.end,
            ..query.xyz
        })?;
        let mut cells: Vec<AbcXyzCell> = Vec::with_capacity(12);
        for a in [AbcClass::A, AbcClass::B, AbcClass::C] {
            for x in [
                Some(XyzClass::X),
                Some(XyzClass::Y),
                Some(XyzClass::Z),
                None,
            ] {
                cells.push(AbcXyzCell {
                    abc: a,
                    xyz: x,
                    clients: 0,
                    revenue: Money::ZERO,
                });
            }
        }
        let classes: std::collections::HashMap<ClientId, Option<XyzClass>> =
            xyz.rows.iter().map(|r| (r.client_id, r.class)).collect();
        for row in &abc.rows {
            let x = classes.get(&row.client_id).copied().flatten();
            let col = match x {
                Some(XyzClass::X) => 0,
                Some(XyzClass::Y) => 1,
                Some(XyzClass::Z) => 2,
                None => 3,
            };
            let r = match row.class {
                AbcClass::A => 0,
                AbcClass::B => 1,
                AbcClass::C => 2,
            };
            let cell = &mut cells[r * 4 + col];
            cell.clients += 1;
            cell.revenue = Money::from_minor(cell.revenue.minor().saturating_add(row.value));
        }
        Ok(AbcXyzMatrix {
            months: xyz.months,
            cells,
        })
    }

    pub(crate) fn rfm(&self, query: &RfmQuery) -> Result<RfmReport> {
        let scoring = match query.thresholds {
            Some(t) => RfmScoring::Thresholds(t),
            None => RfmScoring::Quantiles(query.tie_rule),
        };
        let histories = store::histories(self.conn, query.as_of)?;
        let rows = rfm::rfm(&rfm_inputs(&histories), query.as_of, scoring);
        let segments = RfmSegment::ALL
            .into_iter()
            .map(|segment| {
                let (clients, monetary) = rows
                    .iter()
                    .filter(|r| r.segment == segment)
                    .fold((0_u64, 0_i64), |(n, m), r| {
                        (n + 1, m.saturating_add(r.monetary))
                    });
                RfmSegmentSize {
                    segment,
                    clients,
                    monetary: Money::from_minor(monetary),
                }
            })
            .collect();
        Ok(RfmReport {
            as_of: query.as_of,
            rows,
            segments,
        })
    }

    pub(crate) fn p_alive(&self, query: &PAliveQuery) -> Result<PAliveReport> {
        let histories = store::histories(self.conn, query.as_of)?;
        let summaries: Vec<Summary> = histories.iter().map(|h| summary(h, query.as_of)).collect();
        if summaries.is_empty() {
            return Err(Error::validation(
                "as_of",
                "no completed order by this day: nothing to fit the model on",
            ));
        }
        let fit = bgnbd::fit(&summaries).map_err(|e| {
            Error::validation(
                "as_of",
                format!("the purchase history up to this day cannot be fitted ({e})"),
            )
        })?;
        let horizon = f64::from(query.horizon_days);
        let rows = histories
            .iter()
            .zip(&summaries)
            .map(|(h, s)| PAliveRow {
                client_id: h.client_id,
                x: s.x,
                t_x: s.t_x,
                age: s.age,
                p_alive: bgnbd::p_alive(&fit.params, s.x, s.t_x, s.age),
                expected: bgnbd::expected_purchases(&fit.params, horizon, s.x, s.t_x, s.age),
            })
            .collect();
        Ok(PAliveReport {
            as_of: query.as_of,
            horizon_days: query.horizon_days,
            params: fit.params,
            log_likelihood: fit.log_likelihood,
            rows,
        })
    }

    pub(crate) fn repeat_sales(&self, period: &Period) -> Result<RepeatReport> {
        check_period(period.start, period.end)?;
        let totals = store::period_totals(self.conn, period.start, period.end)?;
        let clients = totals.len() as u64;
        let repeat_clients = totals.iter().filter(|t| t.2 >= 2).count() as u64;
        let orders: i64 = totals.iter().map(|t| t.2).sum();
        let revenue = totals.iter().fold(0_i64, |s, t| s.saturating_add(t.1));
        Ok(RepeatReport {
            clients,
            repeat_clients,
            repeat_rate: (clients > 0).then(|| repeat_clients as f64 / clients as f64),
            orders: orders as u64,
            revenue: Money::from_minor(revenue),
            average_order: (orders > 0).then(|| Money::from_minor(rounded_div(revenue, orders))),
        })
    }

    /// The product sets per client of a period: one set per client, by client id.
    fn product_sets(&self, query: &PairQuery) -> Result<Vec<Vec<String>>> {
        check_period(query.period.start, query.period.end)?;
        let rows = store::client_products(self.conn, query.period.start, query.period.end, None)?;
        let mut sets: Vec<Vec<String>> = Vec::new();
        let mut current: Option<ClientId> = None;
        for (client, sku) in rows {
            if current != Some(client) {
                sets.push(Vec::new());
                current = Some(client);
            }
            if let Some(set) = sets.last_mut() {
                set.push(sku);
            }
        }
        Ok(sets)
    }

    pub(crate) fn product_pairs(&self, query: &PairQuery) -> Result<PairReport> {
        let sets = self.product_sets(query)?;
        Ok(PairReport {
            clients: sets.len() as u64,
            rules: baskets::pair_rules(&sets, query.min_count.max(1)),
        })
    }

    pub(crate) fn cross_sell(
        &self,
        client: ClientId,
        query: &PairQuery,
        limit: u32,
    ) -> Result<Vec<Suggestion>> {
        require_client(self.conn, client)?;
        let sets = self.product_sets(query)?;
        let rules = baskets::pair_rules(&sets, query.min_count.max(1));
        // What the client bought at any time counts as bought: it is not offered again.
        let bought: Vec<String> = store::client_products(self.conn, None, None, Some(client))?
            .into_iter()
            .map(|(_, sku)| sku)
            .collect();
        Ok(baskets::suggest(&bought, &rules, limit as usize))
    }

    /// Fills the connection's temporary `client_scores` table with the scores a segment condition
    /// reads, as of `as_of`'s UTC day: ABC by revenue over all history up to that day (80 % / 95 %,
    /// the inclusive rule), XYZ over the twelve whole months before its month, RFM quintiles (NTILE)
    /// and P(alive) from a BG/NBD fit on the history up to that day (null when it cannot be fitted).
    pub(crate) fn fill_client_scores(&self, as_of: DateTime<Utc>, needs: ScoreNeeds) -> Result<()> {
        let day = as_of.date_naive();
        let mut rows: std::collections::BTreeMap<ClientId, ScoreRow> =
            std::collections::BTreeMap::new();
        let histories = if needs.abc || needs.rfm || needs.p_alive {
            store::histories(self.conn, day)?
        } else {
            Vec::new()
        };
        if needs.abc {
            let values: Vec<(ClientId, i64)> =
                histories.iter().map(|h| (h.client_id, h.revenue)).collect();
            for r in abc::abc(&values, AbcThresholds::default(), AbcRule::Inclusive) {
                entry(&mut rows, r.client_id).abc = Some(r.class.as_str());
            }
        }
        if needs.rfm {
            for r in rfm::rfm(&rfm_inputs(&histories), day, RfmScoring::default()) {
                let e = entry(&mut rows, r.client_id);
                e.rfm_segment = Some(r.segment.as_str());
                e.r_score = Some(r.r_score);
                e.f_score = Some(r.f_score);
                e.m_score = Some(r.m_score);
            }
        }
        if needs.p_alive && !histories.is_empty() {
            let summaries: Vec<Summary> = histories.iter().map(|h| summary(h, day)).collect();
            if let Ok(fit) = bgnbd::fit(&summaries) {
                for (h, s) in histories.iter().zip(&summaries) {
                    entry(&mut rows, h.client_id).p_alive =
                        Some(bgnbd::p_alive(&fit.params, s.x, s.t_x, s.age));
                }
            }
        }
        if needs.xyz {
            let this_month = day.with_day(1).unwrap_or(day);
            let end = this_month.pred_opt().unwrap_or(this_month);
            let start = this_month
                .checked_sub_months(Months::new(12))
                .unwrap_or(this_month);
            let inputs = self.xyz_inputs(start, end)?;
            for r in xyz::xyz(&inputs, 0.10, 0.25) {
                if let Some(class) = r.class {
                    entry(&mut rows, r.client_id).xyz = Some(match class {
                        XyzClass::X => "X",
                        XyzClass::Y => "Y",
                        XyzClass::Z => "Z",
                    });
                }
            }
        }
        let rows: Vec<ScoreRow> = rows.into_values().collect();
        store::write_scores(self.conn, &rows)
    }
}

fn entry(rows: &mut std::collections::BTreeMap<ClientId, ScoreRow>, id: ClientId) -> &mut ScoreRow {
    rows.entry(id).or_insert_with(|| ScoreRow {
        client_id: id,
        ..ScoreRow::default()
    })
}

/// RFM inputs: frequency = completed orders, monetary = their revenue, last purchase = the last
/// order's UTC date.
fn rfm_inputs(histories: &[ClientHistory]) -> Vec<RfmInput> {
    histories
        .iter()
        .map(|h| RfmInput {
            client_id: h.client_id,
            last_purchase: h.last,
            frequency: h.orders,
            monetary: h.revenue,
        })
        .collect()
}

/// The BG/NBD summary of a client's history as of `as_of`, in days: repeat purchase days, the last
/// purchase day and the age, each from the first purchase day.
fn summary(h: &ClientHistory, as_of: NaiveDate) -> Summary {
    let (first, last) = (h.first, h.last);
    Summary {
        x: u32::try_from((h.days - 1).max(0)).unwrap_or(u32::MAX),
        t_x: (last - first).num_days() as f64,
        age: (as_of - first).num_days() as f64,
    }
}
