//! ABC analysis: clients ranked by a value (revenue in minor units, or any `i64`) and split into the few
//! that make most of it (A), the middle (B) and the long tail (C).
//!
//! # Conventions
//!
//! Rows are sorted by value, largest first; equal values by client id, smallest first. A row's
//! *share* is its value over the total of all values, its *cumulative share* the sum of the shares of
//! every row up to and including it. With thresholds `a` and `b` (default 80 % and 95 %):
//!
//! | rule | the row's class is decided on | A | B | C |
//! |---|---|---|---|---|
//! | [`AbcRule::Inclusive`] (default) | its cumulative share | `cum < a` | `a ≤ cum < b` | `cum ≥ b` |
//! | [`AbcRule::Exclusive`] | the cumulative share *before* it | `prev < a` | `a ≤ prev < b` | `prev ≥ b` |
//! | [`AbcRule::TieGroup`] | the cumulative share at the *end* of its group of equal values | `end < a` | `a ≤ end < b` | `end ≥ b` |
//!
//! So under `Inclusive` the row that crosses a threshold falls to the lower class (A holds strictly
//! less than `a` of the total); under `Exclusive` it stays in the upper class (A holds the smallest set
//! reaching `a`); under `TieGroup` clients with equal values always share a class, the class the last
//! of them gets under `Inclusive` (a group that straddles a threshold goes down whole). The comparisons
//! are exact: thresholds are whole basis points and `cum < a` is decided as
//! `cum_value × 10 000 < total × a` in `i128`, so no float rounding decides a class. The shares reported
//! are `f64` for display only.
//!
//! These are the conventions of the reference answers in `tests/data/cdnow` (`class_inclusive`,
//! `class_exclusive`, `class_tie_group`; `Inclusive` is also what the `inventorize` package computes,
//! except that it sorts ties unstably).
//!
//! Edge cases: a total of zero (no rows, or all values zero) makes every share 0 and every row C. Values
//! are meant to be non-negative; a negative value sorts last and the same comparisons apply to the
//! running sums. One row per client is expected; duplicate ids are ranked as separate rows.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::model::ClientId;

/// Parts per 10 000 of the total: the unit of [`AbcThresholds`].
pub const BASIS_POINTS: u32 = 10_000;

/// An ABC class: A the top, C the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AbcClass {
    /// The rows making the first `a` of the total.
    A,
    /// The rows making the next part up to `b`.
    B,
    /// The rest.
    C,
}

impl AbcClass {
    /// The class as one letter: `"A"`, `"B"` or `"C"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AbcClass::A => "A",
            AbcClass::B => "B",
            AbcClass::C => "C",
        }
    }
}

/// Which cumulative share decides a row's class (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbcRule {
    /// The cumulative share including the row itself.
    #[default]
    Inclusive,
    /// The cumulative share before the row: the row that crosses a threshold stays in the upper class.
    Exclusive,
    /// The cumulative share at the end of the row's group of equal values: equal values, equal class.
    TieGroup,
}

/// The two cumulative-share thresholds, in basis points (parts per 10 000) of the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbcThresholds {
    a: u32,
    b: u32,
}

impl AbcThresholds {
    /// Thresholds `a` (end of A) and `b` (end of B) in basis points; `None` unless
    /// `0 ≤ a ≤ b ≤ 10 000`.
    pub fn new(a: u32, b: u32) -> Option<Self> {
        (a <= b && b <= BASIS_POINTS).then_some(AbcThresholds { a, b })
    }

    /// The end of class A, in basis points.
    pub fn a(self) -> u32 {
        self.a
    }

    /// The end of class B, in basis points.
    pub fn b(self) -> u32 {
        self.b
    }
}

impl Default for AbcThresholds {
    /// 80 % and 95 %.
    fn default() -> Self {
        AbcThresholds { a: 8_000, b: 9_500 }
    }
}

/// One client's place in the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AbcRow {
    /// The client.
    pub client_id: ClientId,
    /// Its value, as given.
    pub value: i64,
    /// Value over the total (0 when the total is 0).
    pub share: f64,
    /// Sum of the shares up to and including this row (0 when the total is 0).
    pub cumulative_share: f64,
    /// The class under the rule asked for.
    pub class: AbcClass,
}

/// One class's totals.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct AbcClassSummary {
    /// Rows in the class.
    pub count: usize,
    /// Sum of their values (`i128`: cannot overflow).
    pub value: i128,
    /// That sum over the total (0 when the total is 0).
    pub share: f64,
}

/// The totals of classes A, B and C.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct AbcSummary {
    /// Class A.
    pub a: AbcClassSummary,
    /// Class B.
    pub b: AbcClassSummary,
    /// Class C.
    pub c: AbcClassSummary,
}

impl AbcSummary {
    /// The totals of one class.
    pub fn class(&self, class: AbcClass) -> &AbcClassSummary {
        match class {
            AbcClass::A => &self.a,
            AbcClass::B => &self.b,
            AbcClass::C => &self.c,
        }
    }
}

/// Ranks `rows` (client, value) and classes them; the result is in rank order (largest value first,
/// ties by client id ascending). See the [module documentation](self) for the rules.
pub fn abc(rows: &[(ClientId, i64)], thresholds: AbcThresholds, rule: AbcRule) -> Vec<AbcRow> {
    let mut sorted: Vec<(ClientId, i64)> = rows.to_vec();
    sorted.sort_by(|x, y| match y.1.cmp(&x.1) {
        Ordering::Equal => x.0.cmp(&y.0),
        other => other,
    });
    let total: i128 = sorted.iter().map(|&(_, v)| i128::from(v)).sum();
    let class_of = |cum: i128| -> AbcClass {
        if total == 0 {
            return AbcClass::C;
        }
        // cum / total < a / 10 000, with total > 0 (for a negative total the inequality flips, and
        // sums of mostly negative values have no meaningful classes: treat them the same way).
        let scaled = cum * i128::from(BASIS_POINTS);
        let below = |t: u32| {
            let bound = total * i128::from(t);
            if total > 0 {
                scaled < bound
            } else {
                scaled > bound
            }
        };
        if below(thresholds.a) {
            AbcClass::A
        } else if below(thresholds.b) {
            AbcClass::B
        } else {
            AbcClass::C
        }
    };
    let ratio = |part: i128| {
        if total == 0 {
            0.0
        } else {
            part as f64 / total as f64
        }
    };

    let mut out = Vec::with_capacity(sorted.len());
    let mut cum: i128 = 0;
    let mut i = 0;
    while i < sorted.len() {
        // The group of equal values starting at i.
        let value = sorted[i].1;
        let end = sorted[i..]
            .iter()
            .position(|&(_, v)| v != value)
            .map_or(sorted.len(), |n| i + n);
        let group_end = cum + i128::from(value) * (end - i) as i128;
        for &(client_id, value) in &sorted[i..end] {
            let prev = cum;
            cum += i128::from(value);
            let class = match rule {
                AbcRule::Inclusive => class_of(cum),
                AbcRule::Exclusive => class_of(prev),
                AbcRule::TieGroup => class_of(group_end),
            };
            out.push(AbcRow {
                client_id,
                value,
                share: ratio(i128::from(value)),
                cumulative_share: ratio(cum),
                class,
            });
        }
        i = end;
    }
    out
}

/// Counts, value sums and shares of each class in `rows` (as returned by [`abc`]).
pub fn abc_summary(rows: &[AbcRow]) -> AbcSummary {
    let mut summary = AbcSummary::default();
    let mut total: i128 = 0;
    for row in rows {
        total += i128::from(row.value);
        let entry = match row.class {
            AbcClass::A => &mut summary.a,
            AbcClass::B => &mut summary.b,
            AbcClass::C => &mut summary.c,
        };
        entry.count += 1;
        entry.value += i128::from(row.value);
    }
    for entry in [&mut summary.a, &mut summary.b, &mut summary.c] {
        entry.share = if total == 0 {
            0.0
        } else {
            entry.value as f64 / total as f64
        };
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(rows: &[(i64, i64)], rule: AbcRule) -> Vec<(i64, AbcClass)> {
        let input: Vec<_> = rows.iter().map(|&(c, v)| (ClientId(c), v)).collect();
        abc(&input, AbcThresholds::default(), rule)
            .into_iter()
            .map(|r| (r.client_id.0, r.class))
            .collect()
    }

    #[test]
    fn exact_threshold_is_not_below_it() {
        // 80 of 100: cum = 0.80 exactly is not < 0.80, so B under Inclusive, A under Exclusive.
        let rows = [(1, 80), (2, 15), (3, 5)];
        use AbcClass::*;
        assert_eq!(
            classes(&rows, AbcRule::Inclusive),
            vec![(1, B), (2, C), (3, C)]
        );
        assert_eq!(
            classes(&rows, AbcRule::Exclusive),
            vec![(1, A), (2, B), (3, C)]
        );
    }

    #[test]
    fn ties_sort_by_id_and_tie_group_goes_down_whole() {
        use AbcClass::*;
        // Total 100; 70 then two 10s (ids 5 and 4, sorted 4 first): cum 70, 80, 90, 96, 100.
        let rows = [(9, 70), (5, 10), (4, 10), (7, 6), (8, 4)];
        assert_eq!(
            classes(&rows, AbcRule::Inclusive),
            vec![(9, A), (4, B), (5, B), (7, C), (8, C)]
        );
        assert_eq!(
            classes(&rows, AbcRule::TieGroup),
            vec![(9, A), (4, B), (5, B), (7, C), (8, C)]
        );
        let rows = [(1, 74), (2, 5), (3, 5), (4, 16)];
        // sorted: 74, 16, 5 (id 2), 5 (id 3): cum 74, 90, 95, 100.
        assert_eq!(
            classes(&rows, AbcRule::Inclusive),
            vec![(1, A), (4, B), (2, C), (3, C)]
        );
        let rows = [(1, 70), (2, 6), (3, 6), (4, 18)];
        // sorted: 70, 18, 6, 6: cum 70, 88, 94, 100 → Inclusive A B B C; TieGroup A B C C.
        assert_eq!(
            classes(&rows, AbcRule::Inclusive),
            vec![(1, A), (4, B), (2, B), (3, C)]
        );
        assert_eq!(
            classes(&rows, AbcRule::TieGroup),
            vec![(1, A), (4, B), (2, C), (3, C)]
        );
    }

    #[test]
    fn zero_total_and_summary() {
        let rows = [(ClientId(1), 0), (ClientId(2), 0)];
        let out = abc(&rows, AbcThresholds::default(), AbcRule::Inclusive);
        assert!(out.iter().all(|r| r.class == AbcClass::C && r.share == 0.0));
        assert!(abc(&[], AbcThresholds::default(), AbcRule::Inclusive).is_empty());

        let rows = [(ClientId(1), 60), (ClientId(2), 30), (ClientId(3), 10)];
        let summary = abc_summary(&abc(&rows, AbcThresholds::default(), AbcRule::Exclusive));
        assert_eq!(summary.a.count, 2);
        assert_eq!(summary.a.value, 90);
        assert_eq!(summary.class(AbcClass::B).count, 1);
        assert_eq!(summary.c.count, 0);
        assert!((summary.b.share - 0.1).abs() < 1e-12);
    }

    #[test]
    fn thresholds_are_validated() {
        assert!(AbcThresholds::new(9_500, 8_000).is_none());
        assert!(AbcThresholds::new(8_000, 10_001).is_none());
        assert_eq!(
            AbcThresholds::new(8_000, 9_500),
            Some(AbcThresholds::default())
        );
    }
}
