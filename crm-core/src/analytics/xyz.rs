//! XYZ: how steady a client's demand is, by the coefficient of variation of its revenue per period.
//!
//! For each client, the revenue of every period (a calendar month by default) of the window is taken —
//! a period without purchases counts as 0, since a month without an order is exactly the unsteadiness
//! XYZ measures. A client younger than the window is measured from the period of its first purchase
//! on (its months before it existed are not "months without purchases"); a client with fewer than
//! [`MIN_PERIODS`] such periods, or with no revenue in the window, gets no class: there is too little to
//! say. The coefficient of variation is the population standard deviation over the mean (σ/μ); with the
//! default thresholds a CV up to 10 % is X (steady), up to 25 % is Y (fluctuating), above is Z
//! (irregular). The comparisons are `cv <= x` and `cv <= y`, so a CV exactly on a threshold takes the
//! steadier class.

use serde::{Deserialize, Serialize};

use crate::model::ClientId;

/// The fewest periods a client must have been measured over to get a class.
pub const MIN_PERIODS: usize = 3;

/// A steadiness class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum XyzClass {
    /// Steady demand.
    X,
    /// Fluctuating demand.
    Y,
    /// Irregular demand.
    Z,
}

/// One client's revenue per period of the window, oldest first (the window's periods, all of them, 0
/// where there was no purchase), and the index of the period of its first purchase ever (0 when it
/// bought before the window began).
#[derive(Debug, Clone, PartialEq)]
pub struct XyzInput {
    /// The client.
    pub client_id: ClientId,
    /// Revenue per period in minor units, one entry per period of the window.
    pub revenue: Vec<i64>,
    /// The first period of the window the client existed in (its first purchase's period, or 0).
    pub first_period: usize,
}

/// One client's XYZ result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XyzRow {
    /// The client.
    pub client_id: ClientId,
    /// The periods it was measured over.
    pub periods: usize,
    /// Mean revenue per period, minor units.
    pub mean: f64,
    /// The coefficient of variation (σ/μ), `None` without revenue in the window.
    pub cv: Option<f64>,
    /// The class, `None` when there is too little to say (see the module documentation).
    pub class: Option<XyzClass>,
}

/// Classifies every client; `x` and `y` are the CV thresholds (default 0.10 and 0.25). Rows come back
/// in the order given.
pub fn xyz(inputs: &[XyzInput], x: f64, y: f64) -> Vec<XyzRow> {
    inputs
        .iter()
        .map(|input| {
            let start = input.first_period.min(input.revenue.len());
            let values = &input.revenue[start..];
            let periods = values.len();
            let total: i64 = values.iter().sum();
            if periods == 0 || total <= 0 {
                return XyzRow {
                    client_id: input.client_id,
                    periods,
                    mean: 0.0,
                    cv: None,
                    class: None,
                };
            }
            let n = periods as f64;
            let mean = total as f64 / n;
            let variance = values
                .iter()
                .map(|&v| {
                    let d = v as f64 - mean;
                    d * d
                })
                .sum::<f64>()
                / n;
            let cv = variance.sqrt() / mean;
            let steadiness = if cv <= x {
                XyzClass::X
            } else if cv <= y {
                XyzClass::Y
            } else {
                XyzClass::Z
            };
            let class = (periods >= MIN_PERIODS).then_some(steadiness);
            XyzRow {
                client_id: input.client_id,
                periods,
                mean,
                cv: Some(cv),
                class,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: i64, revenue: &[i64], first_period: usize) -> XyzInput {
        XyzInput {
            client_id: ClientId(id),
            revenue: revenue.to_vec(),
            first_period,
        }
    }

    #[test]
    fn steady_fluctuating_and_irregular() {
        let rows = xyz(
            &[
                input(1, &[100, 100, 100, 100, 100, 100], 0),
                input(2, &[100, 120, 80, 100, 120, 80], 0),
                input(3, &[300, 0, 0, 300, 0, 0], 0),
                input(4, &[0, 0, 0, 0, 0, 0], 0),
            ],
            0.10,
            0.25,
        );
        let classes: Vec<Option<XyzClass>> = rows.iter().map(|r| r.class).collect();
        assert_eq!(
            classes,
            [
                Some(XyzClass::X),
                Some(XyzClass::Y),
                Some(XyzClass::Z),
                None
            ]
        );
        assert_eq!(rows[0].cv, Some(0.0));
        // σ of (100, 120, 80, …) is sqrt(800/3) ≈ 16.33, over a mean of 100.
        let cv = rows[1].cv.unwrap_or_default();
        assert!((cv - (800.0f64 / 3.0).sqrt() / 100.0).abs() < 1e-12);
        assert_eq!(rows[3].cv, None);
    }

    #[test]
    fn a_young_client_is_measured_from_its_first_period_and_needs_three() {
        let rows = xyz(
            &[
                input(1, &[0, 0, 0, 100, 100, 100], 3),
                input(2, &[0, 0, 0, 0, 100, 100], 4),
            ],
            0.10,
            0.25,
        );
        assert_eq!((rows[0].periods, rows[0].class), (3, Some(XyzClass::X)));
        assert_eq!((rows[1].periods, rows[1].class), (2, None));
        assert_eq!(
            rows[1].cv,
            Some(0.0),
            "the figure is given, the class is not"
        );
    }

    #[test]
    fn a_cv_on_a_threshold_takes_the_steadier_class() {
        // 90 and 110: σ = 10, μ = 100, CV exactly 0.10.
        let rows = xyz(&[input(1, &[90, 110, 90, 110], 0)], 0.10, 0.25);
        assert_eq!(rows[0].class, Some(XyzClass::X));
    }
}
