//! Cross-sell from what clients buy together: product pairs with support, confidence and lift, and
//! suggestions per client.
//!
//! The unit of co-occurrence is the **client** (the set of products a client bought over the period),
//! not the single order: a client who buys chairs in March and desks in May bought both — which is what a
//! cross-sell suggestion to similar clients should learn from. (A caller who wants the order as the unit
//! passes one set per order.) Each set counts a product once, however often it was bought.
//!
//! For products `a` and `b`, over `n` sets:
//! - `count(a)`: sets with `a`; `count(a, b)`: sets with both;
//! - **support** of the pair: `count(a, b) / n`;
//! - **confidence** of `a → b`: `count(a, b) / count(a)` — of the clients who bought `a`, the share who
//!   also bought `b`;
//! - **lift** of `a → b`: `confidence(a → b) / (count(b) / n)` = `count(a, b) · n / (count(a) · count(b))`
//!   — how many times likelier `b` is with `a` than without knowing; 1 means independent.
//!
//! Every rule with `count(a, b) >= min_count` is returned in both directions (`a → b` and `b → a`),
//! ordered by lift (descending), then confidence, then pair count (both descending), then `a`, then `b`
//! (text order): a deterministic order with documented ties. Counts are exact integers; the ratios are
//! computed from them at the end.
//!
//! [`suggest`] ranks for one client the products it has not bought, by the best rule from a product it
//! has: the highest lift, then confidence, then the product's text; each suggestion names the rule.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A directional rule `if → then` with its measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairRule {
    /// The product bought.
    pub if_bought: String,
    /// The product suggested.
    pub then: String,
    /// Sets with both.
    pub count: u64,
    /// `count / n`.
    pub support: f64,
    /// `count / count(if_bought)`.
    pub confidence: f64,
    /// `confidence / (count(then) / n)`.
    pub lift: f64,
}

/// Counts every pair of products over `sets` (each a client's products; duplicates within a set count
/// once) and returns the rules of pairs seen in at least `min_count` sets (at least 1), in the order
/// documented in the [module documentation](self).
pub fn pair_rules<S: AsRef<str>>(sets: &[Vec<S>], min_count: u64) -> Vec<PairRule> {
    let min_count = min_count.max(1);
    let n = sets.len() as u64;
    let mut single: BTreeMap<&str, u64> = BTreeMap::new();
    let mut pairs: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for set in sets {
        let items: BTreeSet<&str> = set.iter().map(AsRef::as_ref).collect();
        let items: Vec<&str> = items.into_iter().collect();
        for (i, a) in items.iter().enumerate() {
            *single.entry(a).or_default() += 1;
            for b in &items[i + 1..] {
                *pairs.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut rules = Vec::new();
    for (&(a, b), &both) in &pairs {
        if both < min_count {
            continue;
        }
        for (x, y) in [(a, b), (b, a)] {
            let cx = single.get(x).copied().unwrap_or(0);
            let cy = single.get(y).copied().unwrap_or(0);
            if cx == 0 || cy == 0 || n == 0 {
                continue;
            }
            rules.push(PairRule {
                if_bought: x.to_string(),
                then: y.to_string(),
                count: both,
                support: both as f64 / n as f64,
                confidence: both as f64 / cx as f64,
                lift: (both as f64 * n as f64) / (cx as f64 * cy as f64),
            });
        }
    }
    rules.sort_by(|p, q| {
        q.lift
            .total_cmp(&p.lift)
            .then(q.confidence.total_cmp(&p.confidence))
            .then(q.count.cmp(&p.count))
            .then_with(|| p.if_bought.cmp(&q.if_bought))
            .then_with(|| p.then.cmp(&q.then))
    });
    rules
}

/// A product to offer a client, with the rule behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The product to offer.
    pub product: String,
    /// The strongest rule from a product the client bought.
    pub because: PairRule,
}

/// The products a client with `bought` has not bought yet, best first (see the
/// [module documentation](self)), at most `limit`.
pub fn suggest<S: AsRef<str>>(bought: &[S], rules: &[PairRule], limit: usize) -> Vec<Suggestion> {
    let have: BTreeSet<&str> = bought.iter().map(AsRef::as_ref).collect();
    let mut best: BTreeMap<&str, &PairRule> = BTreeMap::new();
    // `rules` may come in any order: the best rule per product is chosen here by the same ordering.
    let better = |p: &PairRule, q: &PairRule| {
        p.lift
            .total_cmp(&q.lift)
            .then(p.confidence.total_cmp(&q.confidence))
            .then(p.count.cmp(&q.count))
            .then_with(|| q.if_bought.cmp(&p.if_bought))
            .is_gt()
    };
    for rule in rules {
        if !have.contains(rule.if_bought.as_str()) || have.contains(rule.then.as_str()) {
            continue;
        }
        let entry = best.entry(rule.then.as_str()).or_insert(rule);
        if better(rule, entry) {
            *entry = rule;
        }
    }
    let mut out: Vec<Suggestion> = best
        .into_iter()
        .map(|(product, rule)| Suggestion {
            product: product.to_string(),
            because: rule.clone(),
        })
        .collect();
    out.sort_by(|p, q| {
        q.because
            .lift
            .total_cmp(&p.because.lift)
            .then(q.because.confidence.total_cmp(&p.because.confidence))
            .then_with(|| p.product.cmp(&q.product))
    });
    out.truncate(limit);
    out
}
