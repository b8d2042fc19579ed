//! Latencies as an exponential histogram: bucket `i` holds durations from
//! `2^(i/8)` to `2^((i+1)/8)` microseconds, so any percentile read from it is
//! within about 4.5 % of the true value (half a bucket's width), whatever the
//! scale, with a fixed size and no sorting. Histograms of different minutes
//! and replicas merge by adding counts.

use std::collections::BTreeMap;

/// Buckets per doubling: the resolution.
const PER_DOUBLING: f64 = 8.0;
/// 2^(216/8) µs ≈ 134 s: anything slower lands in the last bucket.
pub const BUCKETS: usize = 216;

pub fn bucket_of(micros: u64) -> usize {
    if micros <= 1 {
        return 0;
    }
    ((micros as f64).log2() * PER_DOUBLING).floor().min((BUCKETS - 1) as f64) as usize
}

/// The value a bucket stands for: its geometric middle, in milliseconds.
fn middle_ms(bucket: usize) -> f64 {
    2f64.powf((bucket as f64 + 0.5) / PER_DOUBLING) / 1000.0
}

#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    counts: Vec<u64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self { counts: vec![0; BUCKETS] }
    }
}

impl Histogram {
    pub fn record(&mut self, micros: u64) {
        self.counts[bucket_of(micros)] += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q` quantile (0–1) in milliseconds; None when empty.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        // The rank of the wanted value, 1-based: the smallest with at least q of all at or below it.
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(middle_ms(bucket));
            }
        }
        None
    }

    /// `{"bucket": count}` for the buckets that have any: how minutes are stored.
    pub fn to_json(&self) -> String {
        let sparse: BTreeMap<usize, u64> = self.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(b, c)| (b, *c)).collect();
        serde_json::to_string(&sparse).unwrap_or_else(|_| "{}".into())
    }

    pub fn from_json(text: &str) -> Self {
        let mut histogram = Self::default();
        if let Ok(sparse) = serde_json::from_str::<BTreeMap<usize, u64>>(text) {
            for (bucket, count) in sparse.into_iter().filter(|(b, _)| *b < BUCKETS) {
                histogram.counts[bucket] = count;
            }
        }
        histogram
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    #[test]
    fn quantiles_are_within_the_bucket_error() {
        let mut h = Histogram::default();
        // 1 ms … 100 ms, one each.
        for ms in 1..=100u64 {
            h.record(ms * 1000);
        }
        for (q, exact) in [(0.5, 50.0), (0.95, 95.0), (0.99, 99.0)] {
            let got = h.quantile_ms(q).unwrap_or_default();
            assert!((got - exact).abs() / exact < 0.05, "q{q}: {got} vs {exact}");
        }
        assert_eq!(Histogram::default().quantile_ms(0.5), None);
    }

    #[test]
    fn minutes_merge_and_read_back() {
        let mut a = Histogram::default();
        a.record(500);
        let mut b = Histogram::from_json(&a.to_json());
        assert_eq!(a, b);
        b.record(70_000);
        a.merge(&b);
        assert_eq!(a.count(), 3);
    }
}
