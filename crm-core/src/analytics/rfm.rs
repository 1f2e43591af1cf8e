//! RFM scoring: each client's recency, frequency and monetary value as of a date, scored 1..5 (5 the
//! best: bought most recently, most often, most) and named by a segment.
//!
//! # Measures
//!
//! `recency_days` is `as_of − last_purchase` in whole days (negative when the last purchase is after
//! `as_of`: the most recent of all). `frequency` and `monetary` (minor units) are taken as given: the
//! caller decides what counts (the CDNOW test counts rows and sums every row's amount).
//!
//! # Scores
//!
//! [`RfmScoring::Quantiles`] ranks the clients on each measure from worst to best (recency descending,
//! frequency and monetary ascending), ties by client id ascending, and cuts the ranking like SQL
//! `NTILE(5)`: five buckets of `n / 5` clients, the first `n % 5` buckets one client larger; bucket
//! *k* is score *k*. The tie rule decides equal values:
//!
//! | [`RfmTieRule`] | equal values | reference (`tests/data/cdnow`) |
//! |---|---|---|
//! | `Ntile` | may get different scores, by client id | `r_score`, `f_score`, `m_score` |
//! | `TieShared` | all get the score of the group's *first* (worst-ranked) position | `*_score_tie` |
//!
//! So under `TieShared` a large tie group takes the lower score and later scores can be skipped (in
//! CDNOW the 11,908 one-time buyers all get F = 1 and no client gets F = 2).
//!
//! [`RfmScoring::Thresholds`] uses fixed bounds instead, four ascending per measure:
//! recency `[t1, t2, t3, t4]` gives 5 when `days ≤ t1`, 4 when `≤ t2`, 3 when `≤ t3`, 2 when `≤ t4`,
//! else 1; frequency and monetary `[t1, t2, t3, t4]` give 1 when `value < t1`, 2 when `< t2`, 3 when
//! `< t3`, 4 when `< t4`, else 5 (one plus the number of bounds reached).
//!
//! # Segments
//!
//! Named from the R and F scores by the R×F grid widely used in practice (the "champions … lost" maps
//! of marketing tools and tutorials, e.g. the 10–11-segment grids with *promising*, *need attention*
//! and *about to sleep*), merged into eight segments: *promising* counts as potential, *need
//! attention* as at risk, *about to sleep* as hibernating. M does not enter.
//!
//! | R \ F | 1 | 2 | 3 | 4 | 5 |
//! |---|---|---|---|---|---|
//! | 5 | new | potential | potential | champions | champions |
//! | 4 | potential | potential | potential | loyal | loyal |
//! | 3 | hibernating | hibernating | at risk | loyal | loyal |
//! | 2 | hibernating | hibernating | at risk | at risk | can't lose |
//! | 1 | lost | lost | at risk | at risk | can't lose |

use std::cmp::Ordering;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::ClientId;

/// One client's purchase summary, the input of [`rfm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmInput {
    /// The client.
    pub client_id: ClientId,
    /// The date of the last purchase.
    pub last_purchase: NaiveDate,
    /// How many purchases (as the caller counts them).
    pub frequency: i64,
    /// How much in total, in minor units.
    pub monetary: i64,
}

/// How equal values are scored by [`RfmScoring::Quantiles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfmTieRule {
    /// SQL `NTILE(5)` with the client id breaking ties: every bucket the same size (±1).
    #[default]
    Ntile,
    /// Equal values share the score of the first (worst-ranked) position of their group.
    TieShared,
}

/// Fixed score bounds, four ascending per measure (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmThresholds {
    /// Recency in days: at most `[0]` scores 5, … more than `[3]` scores 1.
    pub recency_days: [i64; 4],
    /// Frequency: below `[0]` scores 1, … at least `[3]` scores 5.
    pub frequency: [i64; 4],
    /// Monetary, minor units: below `[0]` scores 1, … at least `[3]` scores 5.
    pub monetary: [i64; 4],
}

/// How the scores are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RfmScoring {
    /// Quintiles of the clients given, with a tie rule.
    Quantiles(RfmTieRule),
    /// Fixed bounds.
    Thresholds(RfmThresholds),
}

impl Default for RfmScoring {
    fn default() -> Self {
        RfmScoring::Quantiles(RfmTieRule::Ntile)
    }
}

/// A named RFM segment (see the table in the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfmSegment {
    /// Bought recently and often.
    Champions,
    /// Buy often, fairly recently.
    Loyal,
    /// Recent, not yet frequent.
    Potential,
    /// The most recent, one purchase.
    New,
    /// Bought fairly often, not lately.
    AtRisk,
    /// Bought most often, long ago.
    CantLose,
    /// Seldom, not lately.
    Hibernating,
    /// Seldom, long ago.
    Lost,
}

impl RfmSegment {
    /// Every segment, in the order reports list them (best first).
    pub const ALL: [RfmSegment; 8] = [
        RfmSegment::Champions,
        RfmSegment::Loyal,
        RfmSegment::Potential,
        RfmSegment::New,
        RfmSegment::AtRisk,
        RfmSegment::CantLose,
        RfmSegment::Hibernating,
        RfmSegment::Lost,
    ];

    /// A segment from its code or the way people write it: case, spaces, hyphens and apostrophes do not
    /// matter (`at_risk`, `At risk`, `can't lose`, `cant-lose`).
    pub fn parse(text: &str) -> Option<RfmSegment> {
        let code: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '\'' | '’'))
            .map(|c| {
                if c == ' ' || c == '-' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        RfmSegment::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// The segment of an R and an F score (1..5; out-of-range scores are clamped).
    pub fn from_scores(r: u8, f: u8) -> Self {
        use RfmSegment::*;
        // Rows R = 5..1, columns F = 1..5, as in the module documentation.
        const GRID: [[RfmSegment; 5]; 5] = [
            [New, Potential, Potential, Champions, Champions],
            [Potential, Potential, Potential, Loyal, Loyal],
            [Hibernating, Hibernating, AtRisk, Loyal, Loyal],
            [Hibernating, Hibernating, AtRisk, AtRisk, CantLose],
            [Lost, Lost, AtRisk, AtRisk, CantLose],
        ];
        GRID[usize::from(5 - r.clamp(1, 5))][usize::from(f.clamp(1, 5) - 1)]
    }

    /// A stable lowercase name: `champions`, `loyal`, `potential`, `new`, `at_risk`, `cant_lose`,
    /// `hibernating`, `lost`.
    pub fn as_str(self) -> &'static str {
        match self {
            RfmSegment::Champions => "champions",
            RfmSegment::Loyal => "loyal",
            RfmSegment::Potential => "potential",
            RfmSegment::New => "new",
            RfmSegment::AtRisk => "at_risk",
            RfmSegment::CantLose => "cant_lose",
            RfmSegment::Hibernating => "hibernating",
            RfmSegment::Lost => "lost",
        }
    }
}

/// One client's measures, scores and segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmRow {
    /// The client.
    pub client_id: ClientId,
    /// Days from the last purchase to the date asked for.
    pub recency_days: i64,
    /// As given.
    pub frequency: i64,
    /// As given, minor units.
    pub monetary: i64,
    /// Recency score, 1..5 (5: the most recent).
    pub r_score: u8,
    /// Frequency score, 1..5 (5: the most frequent).
    pub f_score: u8,
    /// Monetary score, 1..5 (5: the most).
    pub m_score: u8,
    /// The segment of `r_score` and `f_score`.
    pub segment: RfmSegment,
}

/// Scores `clients` as of `as_of`; the rows are in the order of `clients`.
pub fn rfm(clients: &[RfmInput], as_of: NaiveDate, scoring: RfmScoring) -> Vec<RfmRow> {
    let recency: Vec<i64> = clients
        .iter()
        .map(|c| (as_of - c.last_purchase).num_days())
        .collect();
    let ids: Vec<ClientId> = clients.iter().map(|c| c.client_id).collect();
    let frequency: Vec<i64> = clients.iter().map(|c| c.frequency).collect();
    let monetary: Vec<i64> = clients.iter().map(|c| c.monetary).collect();

    let (r, f, m) = match scoring {
        RfmScoring::Quantiles(tie) => (
            // Worst first: the largest recency.
            quantile_scores(&ids, &recency, true, tie),
            quantile_scores(&ids, &frequency, false, tie),
            quantile_scores(&ids, &monetary, false, tie),
        ),
        RfmScoring::Thresholds(t) => (
            recency
                .iter()
                .map(|&d| 5 - t.recency_days.iter().filter(|&&b| d > b).count() as u8)
                .collect(),
            bound_scores(&frequency, &t.frequency),
            bound_scores(&monetary, &t.monetary),
        ),
    };

    clients
        .iter()
        .enumerate()
        .map(|(i, c)| RfmRow {
            client_id: c.client_id,
            recency_days: recency[i],
            frequency: c.frequency,
            monetary: c.monetary,
            r_score: r[i],
            f_score: f[i],
            m_score: m[i],
            segment: RfmSegment::from_scores(r[i], f[i]),
        })
        .collect()
}

/// One plus the number of ascending `bounds` each value reaches.
fn bound_scores(values: &[i64], bounds: &[i64; 4]) -> Vec<u8> {
    values
        .iter()
        .map(|&v| 1 + bounds.iter().filter(|&&b| v >= b).count() as u8)
        .collect()
}

/// The 1-based bucket of 0-based position `pos` among `n` under SQL `NTILE(5)`.
fn ntile(pos: usize, n: usize) -> u8 {
    const BUCKETS: usize = 5;
    let (size, larger) = (n / BUCKETS, n % BUCKETS);
    let big = larger * (size + 1);
    let bucket = if pos < big {
        pos / (size + 1)
    } else {
        // pos ≥ big implies size > 0 (when size is 0, big = n > pos).
        larger + (pos - big) / size.max(1)
    };
    (bucket + 1).min(BUCKETS) as u8
}

/// Scores by quintile: rank worst first (`descending` values are worse when larger), ties by id.
fn quantile_scores(ids: &[ClientId], values: &[i64], descending: bool, tie: RfmTieRule) -> Vec<u8> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| {
        let by_value = if descending {
            values[y].cmp(&values[x])
        } else {
            values[x].cmp(&values[y])
        };
        match by_value {
            Ordering::Equal => ids[x].cmp(&ids[y]),
            other => other,
        }
    });
    let mut scores = vec![0u8; n];
    let mut group_start = 0;
    for (pos, &i) in order.iter().enumerate() {
        if pos > 0 && values[i] != values[order[pos - 1]] {
            group_start = pos;
        }
        scores[i] = match tie {
            RfmTieRule::Ntile => ntile(pos, n),
            RfmTieRule::TieShared => ntile(group_start, n),
        };
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ntile_bucket_sizes_match_sql() {
        // 7 rows in 5 buckets: sizes 2, 2, 1, 1, 1.
        let got: Vec<u8> = (0..7).map(|p| ntile(p, 7)).collect();
        assert_eq!(got, vec![1, 1, 2, 2, 3, 4, 5]);
        // 3 rows: buckets 1, 2, 3.
        let got: Vec<u8> = (0..3).map(|p| ntile(p, 3)).collect();
        assert_eq!(got, vec![1, 2, 3]);
        let got: Vec<u8> = (0..10).map(|p| ntile(p, 10)).collect();
        assert_eq!(got, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn tie_rules_and_directions() {
        let as_of = date("2024-01-31");
        let clients: Vec<RfmInput> = (1..=5)
            .map(|i| RfmInput {
                client_id: ClientId(i),
                last_purchase: date("2024-01-01") + chrono::Days::new(i as u64),
                frequency: if i <= 3 { 1 } else { i },
                monetary: 100 * i,
            })
            .collect();
        let rows = rfm(&clients, as_of, RfmScoring::Quantiles(RfmTieRule::Ntile));
        assert_eq!(rows[0].recency_days, 29);
        let r: Vec<u8> = rows.iter().map(|r| r.r_score).collect();
        let f: Vec<u8> = rows.iter().map(|r| r.f_score).collect();
        assert_eq!(r, vec![1, 2, 3, 4, 5]);
        assert_eq!(f, vec![1, 2, 3, 4, 5]);
        let rows = rfm(
            &clients,
            as_of,
            RfmScoring::Quantiles(RfmTieRule::TieShared),
        );
        let f: Vec<u8> = rows.iter().map(|r| r.f_score).collect();
        assert_eq!(f, vec![1, 1, 1, 4, 5]);
    }

    #[test]
    fn thresholds() {
        let t = RfmThresholds {
            recency_days: [7, 30, 90, 180],
            frequency: [2, 3, 5, 10],
            monetary: [1_000, 5_000, 10_000, 50_000],
        };
        let as_of = date("2024-06-30");
        let c = |days: u64, f, m| RfmInput {
            client_id: ClientId(1),
            last_purchase: as_of - chrono::Days::new(days),
            frequency: f,
            monetary: m,
        };
        let rows = rfm(
            &[c(7, 1, 999), c(8, 2, 1_000), c(181, 10, 50_000)],
            as_of,
            RfmScoring::Thresholds(t),
        );
        let got: Vec<(u8, u8, u8)> = rows
            .iter()
            .map(|r| (r.r_score, r.f_score, r.m_score))
            .collect();
        assert_eq!(got, vec![(5, 1, 1), (4, 2, 2), (1, 5, 5)]);
    }

    #[test]
    fn segment_grid() {
        use RfmSegment::*;
        let grid = [
            [New, Potential, Potential, Champions, Champions],
            [Potential, Potential, Potential, Loyal, Loyal],
            [Hibernating, Hibernating, AtRisk, Loyal, Loyal],
            [Hibernating, Hibernating, AtRisk, AtRisk, CantLose],
            [Lost, Lost, AtRisk, AtRisk, CantLose],
        ];
        for (row, r) in grid.iter().zip([5u8, 4, 3, 2, 1]) {
            for (&want, f) in row.iter().zip(1u8..=5) {
                assert_eq!(RfmSegment::from_scores(r, f), want, "R{r} F{f}");
            }
        }
    }
}
