//! The forecast of the open pipeline: weighted by the stages' probabilities and, beside it, by the win
//! rates the store's own history shows.
//!
//! # Conventions
//!
//! - **Open deals** are the deals open now; `as_of` dates the month buckets and ends the history.
//! - **Months.** A deal falls in the month (`YYYY-MM`) of its expected close date. A date before
//!   `as_of`'s day (UTC) is overdue: the deal is counted in `as_of`'s month (it can still close, but not
//!   in the past) and in that month's `overdue`. A deal without a date falls in the *unscheduled*
//!   bucket, listed after the months; months are listed oldest first, only those with deals.
//! - **Weighted:** each deal's amount × its stage's probability / 100.
//! - **Historic:** each deal's amount × the win rate of its stage, where a stage's rate is: of the
//!   deals closed (won or lost) from `history_start` (00:00 UTC) up to `as_of` that were ever in the
//!   stage (any visit, the stage a deal was closed from included), the share won. A stage without such
//!   history has no rate (`None`) and contributes 0 to the historic estimate.
//! - **Exact money.** Each deal's weighted and historic amounts are computed in integers and rounded
//!   half away from zero to a minor unit; the months, the stages and the total are sums of those rounded
//!   amounts, so they add up exactly. Totals are summed in 128 bits and saturate at the limits of
//!   [`Money`] (never reached by real figures).
//! - **Stages** are listed in pipeline order, every stage (with zeros when no deal is in it). An open
//!   deal in a stage no longer in the pipeline (the pipeline refuses to drop a stage in use, so only
//!   in a store edited by hand) counts in its month and the total with a probability and a rate of 0.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::sources::saturate;
use crate::model::{
    DealId, ForecastFigures, ForecastMonth, ForecastReport, ForecastStage, Money, Stage,
};

/// `amount × num / den`, rounded half away from zero to a minor unit, computed in 128 bits (`den` of 0
/// gives 0; a result beyond [`Money`]'s range saturates).
pub fn mul_div_round(amount: Money, num: i64, den: i64) -> Money {
    if den == 0 {
        return Money::ZERO;
    }
    let product = i128::from(amount.minor()) * i128::from(num);
    let den = i128::from(den);
    let (q, r) = (product / den, product % den);
    // |r| ≥ |den| / 2, decided as 2|r| ≥ |den| in integers.
    let away = 2 * r.abs() >= den.abs();
    let q = if away {
        if (product < 0) != (den < 0) {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    };
    saturate(q)
}

/// An open deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDeal {
    /// The deal.
    pub deal_id: DealId,
    /// Its stage.
    pub stage: String,
    /// Its amount.
    pub amount: Money,
    /// When it is expected to close.
    pub expected_close: Option<NaiveDate>,
}

/// A stage a closed deal of the history window was in, and how the deal ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageOutcome {
    /// The deal.
    pub deal_id: DealId,
    /// A stage it was in.
    pub stage: String,
    /// Whether it was won (else lost).
    pub won: bool,
}

#[derive(Default)]
struct Sums {
    deals: u64,
    amount: i128,
    weighted: i128,
    historic: i128,
    overdue: u64,
}

impl Sums {
    fn add(&mut self, amount: Money, weighted: Money, historic: Money, overdue: bool) {
        self.deals += 1;
        self.amount += i128::from(amount.minor());
        self.weighted += i128::from(weighted.minor());
        self.historic += i128::from(historic.minor());
        self.overdue += u64::from(overdue);
    }

    fn figures(&self) -> ForecastFigures {
        ForecastFigures {
            deals: self.deals,
            amount: saturate(self.amount),
            weighted: saturate(self.weighted),
            historic: saturate(self.historic),
        }
    }
}

/// The forecast (see the [module documentation](self)) of `open` deals over `stages` (the pipeline,
/// in order), with the win rates learnt from `history` (each (deal, stage) pair counted once).
pub fn forecast(
    open: &[OpenDeal],
    history: &[StageOutcome],
    stages: &[Stage],
    as_of: DateTime<Utc>,
    history_start: NaiveDate,
) -> ForecastReport {
    let mut seen = BTreeSet::new();
    let mut rates: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for h in history {
        if seen.insert((h.deal_id, h.stage.as_str())) {
            let (won, closed) = rates.entry(h.stage.as_str()).or_default();
            *won += u64::from(h.won);
            *closed += 1;
        }
    }
    let today = as_of.date_naive();
    // (unscheduled, month): the unscheduled bucket sorts after every month.
    let mut months: BTreeMap<(bool, String), Sums> = BTreeMap::new();
    let mut by_stage: BTreeMap<&str, Sums> = BTreeMap::new();
    let mut total = Sums::default();
    for deal in open {
        let stage = stages.iter().find(|s| s.code == deal.stage);
        let probability = stage.map_or(0, |s| i64::from(s.probability));
        let weighted = mul_div_round(deal.amount, probability, 100);
        let historic = match rates.get(deal.stage.as_str()) {
            Some(&(won, closed)) if stage.is_some() => mul_div_round(
                deal.amount,
                i64::try_from(won).unwrap_or(i64::MAX),
                i64::try_from(closed).unwrap_or(i64::MAX),
            ),
            _ => Money::ZERO,
        };
        let overdue = deal.expected_close.is_some_and(|d| d < today);
        let key = match deal.expected_close {
            None => (true, String::new()),
            Some(d) => (false, d.max(today).format("%Y-%m").to_string()),
        };
        months
            .entry(key)
            .or_default()
            .add(deal.amount, weighted, historic, overdue);
        if let Some(stage) = stage {
            by_stage.entry(stage.code.as_str()).or_default().add(
                deal.amount,
                weighted,
                historic,
                overdue,
            );
        }
        total.add(deal.amount, weighted, historic, overdue);
    }
    ForecastReport {
        as_of,
        history_start,
        months: months
            .into_iter()
            .map(|((unscheduled, month), sums)| ForecastMonth {
                month: (!unscheduled).then_some(month),
                overdue: sums.overdue,
                figures: sums.figures(),
            })
            .collect(),
        stages: stages
            .iter()
            .map(|s| {
                let (won, closed) = rates.get(s.code.as_str()).copied().unwrap_or((0, 0));
                ForecastStage {
                    stage: s.code.clone(),
                    label: s.label.clone(),
                    probability: s.probability,
                    history_closed: closed,
                    history_won: won,
                    history_rate: (closed > 0).then(|| won as f64 / closed as f64),
                    figures: by_stage
                        .get(s.code.as_str())
                        .map(Sums::figures)
                        .unwrap_or_default(),
                }
            })
            .collect(),
        total: total.figures(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        let m = Money::from_minor;
        assert_eq!(mul_div_round(m(5), 1, 2), m(3));
        assert_eq!(mul_div_round(m(-5), 1, 2), m(-3));
        assert_eq!(mul_div_round(m(4), 1, 3), m(1));
        assert_eq!(mul_div_round(m(5), 1, 3), m(2));
        assert_eq!(mul_div_round(m(10_001), 30, 100), m(3_000));
        assert_eq!(mul_div_round(m(10_005), 30, 100), m(3_002));
        assert_eq!(mul_div_round(m(7), 1, 0), m(0));
        assert_eq!(mul_div_round(m(i64::MAX), 2, 1), m(i64::MAX));
    }

    #[test]
    fn months_stages_and_history() {
        let stage = |code: &str, p: u8, pos: u32| Stage {
            code: code.into(),
            label: code.into(),
            probability: p,
            position: pos,
        };
        let stages = vec![stage("proposal", 30, 0), stage("contract", 80, 1)];
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let deal = |id: i64, stage: &str, amount: i64, close: Option<NaiveDate>| OpenDeal {
            deal_id: DealId(id),
            stage: stage.into(),
            amount: Money::from_minor(amount),
            expected_close: close,
        };
        let open = vec![
            deal(1, "proposal", 100_000, Some(day(4, 10))),
            deal(2, "contract", 50_001, Some(day(2, 1))),
            deal(3, "proposal", 10_000, None),
            deal(4, "contract", 20_000, Some(day(3, 31))),
        ];
        let outcome = |id: i64, stage: &str, won: bool| StageOutcome {
            deal_id: DealId(id),
            stage: stage.into(),
            won,
        };
        let history = vec![
            outcome(10, "proposal", true),
            outcome(10, "proposal", true),
            outcome(10, "contract", true),
            outcome(11, "proposal", false),
            outcome(12, "proposal", false),
        ];
        let as_of = Utc.with_ymd_and_hms(2026, 3, 15, 9, 0, 0).unwrap();
        let r = forecast(&open, &history, &stages, as_of, day(1, 1));
        let months: Vec<Option<&str>> = r.months.iter().map(|m| m.month.as_deref()).collect();
        assert_eq!(months, vec![Some("2026-03"), Some("2026-04"), None]);
        // March: deal 2 (overdue, 80 % of 500.01 = 400.008 → 400.01) and deal 4 (160.00).
        assert_eq!(r.months[0].overdue, 1);
        assert_eq!(
            r.months[0].figures.weighted,
            Money::from_minor(40_001 + 16_000)
        );
        // Contract: 1 of 1 won → the full amounts.
        assert_eq!(r.months[0].figures.historic, Money::from_minor(70_001));
        // Proposal: 1 of 3 won: 1 000.00 / 3 = 333.33.
        assert_eq!(r.months[1].figures.historic, Money::from_minor(33_333));
        assert_eq!(r.stages[0].history_closed, 3);
        assert_eq!(r.stages[0].history_won, 1);
        assert_eq!(r.stages[1].history_rate, Some(1.0));
        assert_eq!(r.total.deals, 4);
        assert_eq!(
            r.total.weighted,
            Money::from_minor(30_000 + 40_001 + 3_000 + 16_000)
        );
        let sum: i64 = r.months.iter().map(|m| m.figures.historic.minor()).sum();
        assert_eq!(r.total.historic.minor(), sum);
    }
}
