#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Product pairs for cross-sell: exact figures on a hand-checked example, and properties over random
//! purchase sets (symmetry of support, lift from the counts, suggestions never of what a client has).

use crm_core::analytics::baskets::{pair_rules, suggest};
use proptest::prelude::*;

fn sets(raw: &[&[&str]]) -> Vec<Vec<String>> {
    raw.iter()
        .map(|s| s.iter().map(|x| x.to_string()).collect())
        .collect()
}

#[test]
fn figures_of_a_small_example_checked_by_hand() {
    // Five clients. chair: 4, desk: 3, lamp: 2; chair+desk: 3, chair+lamp: 1, desk+lamp: 1.
    let s = sets(&[
        &["chair", "desk"],
        &["chair", "desk", "lamp"],
        &["chair", "desk", "chair"],
        &["chair"],
        &["lamp"],
    ]);
    let rules = pair_rules(&s, 1);
    let find = |a: &str, b: &str| {
        rules
            .iter()
            .find(|r| r.if_bought == a && r.then == b)
            .unwrap()
            .clone()
    };
    let desk_chair = find("desk", "chair");
    assert_eq!(desk_chair.count, 3);
    assert!((desk_chair.support - 0.6).abs() < 1e-12);
    assert!((desk_chair.confidence - 1.0).abs() < 1e-12); // every desk buyer bought a chair
    assert!((desk_chair.lift - 1.25).abs() < 1e-12); // 3·5 / (3·4)
    let chair_desk = find("chair", "desk");
    assert!((chair_desk.confidence - 0.75).abs() < 1e-12);
    assert!((chair_desk.lift - 1.25).abs() < 1e-12);
    let lamp_chair = find("lamp", "chair");
    assert!((lamp_chair.lift - 0.625).abs() < 1e-12); // 1·5 / (2·4): less likely than average
    assert_eq!(rules.len(), 6);
    // Order: lift, then confidence: desk→chair (1.25, 1.0) before chair→desk (1.25, 0.75).
    assert_eq!(
        (rules[0].if_bought.as_str(), rules[0].then.as_str()),
        ("desk", "chair")
    );
    assert_eq!(
        (rules[1].if_bought.as_str(), rules[1].then.as_str()),
        ("chair", "desk")
    );
    // A pair seen fewer than min_count times is left out.
    assert_eq!(pair_rules(&s, 2).len(), 2);
    // Suggestions for a client who bought a lamp only: chair and desk, by their best rule.
    let got = suggest(&["lamp"], &rules, 5);
    let names: Vec<&str> = got.iter().map(|g| g.product.as_str()).collect();
    assert_eq!(names, ["desk", "chair"]); // lamp→desk lift 0.833 > lamp→chair 0.625
    assert!(suggest(&["chair", "desk", "lamp"], &rules, 5).is_empty());
    assert_eq!(suggest(&["chair"], &rules, 1).len(), 1);
}

fn products() -> impl Strategy<Value = Vec<Vec<String>>> {
    proptest::collection::vec(
        proptest::collection::vec(
            prop_oneof![Just("a"), Just("b"), Just("c"), Just("d"), Just("e")]
                .prop_map(String::from),
            0..5,
        ),
        0..30,
    )
}

proptest! {
    #[test]
    fn measures_follow_from_the_counts(s in products(), min_count in 1u64..3) {
        let n = s.len() as f64;
        let rules = pair_rules(&s, min_count);
        let count = |x: &str| s.iter().filter(|set| set.iter().any(|p| p == x)).count() as f64;
        for r in &rules {
            prop_assert!(r.count >= min_count);
            let both = s
                .iter()
                .filter(|set| set.contains(&r.if_bought) && set.contains(&r.then))
                .count() as u64;
            prop_assert_eq!(r.count, both);
            prop_assert!((r.support - both as f64 / n).abs() < 1e-12);
            prop_assert!((r.confidence - both as f64 / count(&r.if_bought)).abs() < 1e-12);
            prop_assert!((r.lift - r.confidence / (count(&r.then) / n)).abs() < 1e-9);
            // The reverse rule is there with the same support.
            let back = rules.iter().find(|q| q.if_bought == r.then && q.then == r.if_bought);
            prop_assert!(back.is_some_and(|q| q.count == r.count));
        }
        for w in rules.windows(2) {
            prop_assert!(w[0].lift >= w[1].lift);
        }
        if let Some(first) = s.first() {
            for g in suggest(first, &rules, 10) {
                prop_assert!(!first.contains(&g.product));
                prop_assert!(first.contains(&g.because.if_bought));
            }
        }
    }
}
