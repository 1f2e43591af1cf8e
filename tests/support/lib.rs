//! Helpers shared by the examples and the end-to-end tests.
//!
//! - [`Rng`]: a tiny seeded generator (SplitMix64), so a simulation gives the same store on every machine
//!   and every run without pulling in the `rand` crate.
//! - [`Agenda`]: a simulated clock with a queue of things to happen, so commands are issued in time order
//!   with an explicit `at` and nothing reads the wall clock.
//! - [`measure`]: the rounding and quantiles the benchmarks report with.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

/// A seeded pseudo-random generator (SplitMix64): fast, tiny, and the same sequence for the same seed on
/// every platform. Not for anything secret.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number from `0` to `n - 1` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-and-shift instead of `%`: no division, and the bias is at most n / 2^64.
        let wide = u128::from(self.next_u64()) * u128::from(n);
        // The high half of a u64 × u64 product always fits in a u64.
        u64::try_from(wide >> 64).unwrap_or(0)
    }

    /// A number from `lo` to `hi`, both included (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = i128::from(hi) - i128::from(lo) + 1;
        // Only the whole i64 range (2^64 values) does not fit a u64, and then any 64 bits will do.
        let offset = match u64::try_from(span) {
            Ok(n) => self.below(n),
            Err(_) => self.next_u64(),
        };
        let value = i128::from(lo) + i128::from(offset);
        i64::try_from(value).unwrap_or(hi)
    }

    /// True `n` times out of `out_of` (`chance(3, 100)` is a 3 % chance). Integer odds keep simulations
    /// free of floating point.
    pub fn chance(&mut self, n: u64, out_of: u64) -> bool {
        self.below(out_of) < n
    }

    /// One of `items`, each equally likely.
    ///
    /// # Panics
    ///
    /// When `items` is empty, like indexing an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let len = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let i = usize::try_from(self.below(len)).unwrap_or(0);
        &items[i]
    }

    /// An index into `weights`, each as likely as its weight (`[3, 1]` gives 0 three times as often as
    /// 1). Returns 0 when every weight is 0 or there are none.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut draw = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            let w = u64::from(w);
            if draw < w {
                return i;
            }
            draw -= w;
        }
        0
    }
}

/// A simulated clock with an agenda: things to happen at given times, taken out in time order (ties in
/// the order they were scheduled, so a run is deterministic).
///
/// The clock never goes backwards: [`Agenda::pop`] moves it to the time of the next item, and an item
/// scheduled in the past happens now. Items after the horizon are dropped, which is how a simulation of
/// a period ends with work still open.
#[derive(Debug)]
pub struct Agenda<T> {
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
    queue: BinaryHeap<Entry<T>>,
    scheduled: u64,
}

impl<T> Agenda<T> {
    /// An empty agenda whose clock starts at `start` and which accepts items up to `horizon` included.
    pub fn new(start: DateTime<Utc>, horizon: DateTime<Utc>) -> Self {
        Agenda {
            now: start,
            horizon,
            queue: BinaryHeap::new(),
            scheduled: 0,
        }
    }

    /// The simulated time: the time of the item taken last (or the start).
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The last time items are accepted for.
    pub fn horizon(&self) -> DateTime<Utc> {
        self.horizon
    }

    /// Schedules `item` at `at` (or now, if `at` has passed). Returns false, and drops the item, when
    /// `at` is after the horizon.
    pub fn schedule(&mut self, at: DateTime<Utc>, item: T) -> bool {
        if at > self.horizon {
            return false;
        }
        let at = at.max(self.now);
        self.scheduled += 1;
        self.queue.push(Entry {
            at,
            seq: self.scheduled,
            item,
        });
        true
    }

    /// Takes the next item and moves the clock to its time; `None` when nothing is left.
    pub fn pop(&mut self) -> Option<(DateTime<Utc>, T)> {
        let entry = self.queue.pop()?;
        self.now = entry.at;
        Some((entry.at, entry.item))
    }

    /// How many items are waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[derive(Debug)]
struct Entry<T> {
    at: DateTime<Utc>,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    // Reversed, because BinaryHeap pops the greatest and the agenda wants the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The rounding and quantiles every benchmark reports with, in one place so their figures agree.
pub mod measure {
    /// Rounded to one decimal.
    pub fn round1(x: f64) -> f64 {
        (x * 10.0).round() / 10.0
    }

    /// Rounded to three decimals.
    pub fn round3(x: f64) -> f64 {
        (x * 1000.0).round() / 1000.0
    }

    /// The value at quantile `q` of sorted values (nearest rank); NaN when there are none.
    pub fn quantile(sorted: &[f64], q: f64) -> f64 {
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = (q * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        // The published first output of SplitMix64 for seed 0: a changed generator changes every
        // simulated store, so it must not change by accident.
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(42);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(42);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn draws_stay_in_their_bounds() {
        let mut r = Rng::new(7);
        for _ in 0..10_000 {
            assert!(r.below(10) < 10);
            let x = r.range(-3, 3);
            assert!((-3..=3).contains(&x));
            assert!(r.weighted(&[0, 5, 0, 1]) % 2 == 1);
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.range(5, 1), 5);
        assert_eq!(r.weighted(&[]), 0);
        assert!((0..100).all(|_| !r.chance(0, 100) && r.chance(100, 100)));
    }

    #[test]
    fn the_agenda_runs_in_time_order_and_never_goes_back() {
        let t0 = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        let mut agenda = Agenda::new(t0, t0 + Duration::days(1));
        agenda.schedule(t0 + Duration::hours(2), "b");
        agenda.schedule(t0 + Duration::hours(1), "a");
        agenda.schedule(t0 + Duration::hours(2), "c");
        assert!(!agenda.schedule(t0 + Duration::days(2), "too late"));
        assert_eq!(agenda.pop(), Some((t0 + Duration::hours(1), "a")));
        assert_eq!(agenda.pop(), Some((t0 + Duration::hours(2), "b")));
        agenda.schedule(t0, "past");
        assert_eq!(agenda.pop(), Some((t0 + Duration::hours(2), "c")));
        assert_eq!(agenda.pop(), Some((t0 + Duration::hours(2), "past")));
        assert_eq!(agenda.pop(), None);
        assert!(agenda.is_empty());
    }
}
