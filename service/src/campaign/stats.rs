//! The campaign's statistics, as pure functions: Wilson intervals for
//! shares, Newcombe's hybrid score interval for the difference of two
//! shares, and normal (Welch) intervals for means and their differences.
//! Every interval is two-sided at 95%.
use statrs::distribution::{ContinuousCDF, Normal};

/// The 97.5th percentile of the standard normal distribution (≈ 1.959964).
pub fn z95() -> f64 {
    Normal::standard().inverse_cdf(0.975)
}

/// A point estimate with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Whether the interval leaves out zero.
    pub fn excludes_zero(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }

    pub fn scaled(self, by: f64) -> Self {
        Self { value: self.value * by, low: self.low * by, high: self.high * by }
    }
}

/// Wilson's score interval for `successes` out of `n`; None when `n` is 0.
pub fn wilson(successes: u64, n: u64) -> Option<Interval> {
    if n == 0 || successes > n {
        return None;
    }
    let z = z95();
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    Some(Interval {
        value: p,
        low: ((centre - spread) / denominator).max(0.0),
        high: ((centre + spread) / denominator).min(1.0),
    })
}

/// Newcombe's hybrid score interval (his method 10) for `p2 − p1`, built
/// from the two Wilson intervals; None when either sample is empty.
pub fn newcombe(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<Interval> {
    let first = wilson(x1, n1)?;
    let second = wilson(x2, n2)?;
    let d = second.value - first.value;
    Some(Interval {
        value: d,
        low: d - ((second.value - second.low).powi(2) + (first.high - first.value).powi(2)).sqrt(),
        high: d + ((second.high - second.value).powi(2) + (first.value - first.low).powi(2)).sqrt(),
    })
}

/// A sample mean with its standard error (sample standard deviation, n − 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mean {
    pub mean: f64,
    pub standard_error: f64,
    pub n: usize,
}

impl Mean {
    /// None for an empty sample; a single value has no spread to measure, so
    /// its standard error is 0.
    pub fn of(values: &[f64]) -> Option<Self> {
        let sum = values.iter().sum();
        let squares = values.iter().map(|v| v * v).sum();
        Self::from_sums(values.len(), sum, squares)
    }

    /// The same from a sample's size, sum and sum of squares, which a
    /// database can add up without sending every value.
    pub fn from_sums(n: usize, sum: f64, squares: f64) -> Option<Self> {
        if n == 0 {
            return None;
        }
        let mean = sum / n as f64;
        let variance = if n > 1 { ((squares - n as f64 * mean * mean) / (n - 1) as f64).max(0.0) } else { 0.0 };
        Some(Self { mean, standard_error: (variance / n as f64).sqrt(), n })
    }

    /// mean ± 1.96 standard errors.
    pub fn interval(&self) -> Interval {
        normal_interval(self.mean, self.standard_error)
    }
}

/// `value ± z × standard_error`.
pub fn normal_interval(value: f64, standard_error: f64) -> Interval {
    let margin = z95() * standard_error;
    Interval { value, low: value - margin, high: value + margin }
}

/// The difference of independent estimates, `Σ sign × value`, with the
/// root of the summed squared standard errors (Welch's unpooled error for
/// two means; four terms for a change in a gap).
pub fn difference(terms: &[(f64, Mean)]) -> Interval {
    let value = terms.iter().map(|(sign, m)| sign * m.mean).sum();
    let standard_error = terms.iter().map(|(_, m)| m.standard_error.powi(2)).sum::<f64>().sqrt();
    normal_interval(value, standard_error)
}

/// The median of `values`; None when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2.0 } else { values[middle] })
}

/// Counts below this are shown as 0 (see `shown_share` for shares).
pub const SMALLEST_SHOWN: u64 = 10;

pub fn shown(count: u64) -> u64 {
    if count < SMALLEST_SHOWN { 0 } else { count }
}

/// `part / whole`, unless the part, the whole or what the part leaves out
/// is too small to show (a share of 7 in 10 would reveal a hidden 3).
pub fn shown_share(part: u64, whole: u64) -> Option<f64> {
    let large = |count: u64| count >= SMALLEST_SHOWN;
    (large(part) && large(whole) && large(whole.saturating_sub(part))).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 0.00005, "{actual} is not {expected} to four decimals");
    }

    fn interval(actual: Interval, low: f64, high: f64) {
        close(actual.low, low);
        close(actual.high, high);
    }

    #[test]
    fn the_normal_quantile_is_the_familiar_one() {
        assert!((z95() - 1.959_963_985).abs() < 1e-8);
    }

    /// Newcombe (1998), "Two-sided confidence intervals for the single
    /// proportion", Table I, method 3 (score, no continuity correction).
    #[test]
    fn wilson_matches_newcombes_single_proportion_examples() {
        interval(wilson(81, 263).unwrap(), 0.2553, 0.3662);
        interval(wilson(15, 148).unwrap(), 0.0624, 0.1605);
        interval(wilson(0, 20).unwrap(), 0.0, 0.1611);
        interval(wilson(1, 29).unwrap(), 0.0061, 0.1718);
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(3, 2), None);
    }

    /// Newcombe (1998), "Interval estimation for the difference between
    /// independent proportions", Table II, method 10 (hybrid score). The
    /// paper writes each example as p1 − p2; here the first sample is
    /// subtracted, so the examples are given in that order.
    #[test]
    fn newcombe_matches_the_papers_worked_examples() {
        interval(newcombe(48, 80, 56, 70).unwrap(), 0.0524, 0.3339);
        interval(newcombe(3, 10, 9, 10).unwrap(), 0.1705, 0.8090);
        interval(newcombe(2, 7, 6, 7).unwrap(), 0.0582, 0.8062);
        interval(newcombe(0, 29, 5, 56).unwrap(), -0.0381, 0.1926);
        interval(newcombe(0, 20, 0, 10).unwrap(), -0.1611, 0.2775);
        interval(newcombe(0, 20, 10, 10).unwrap(), 0.6791, 1.0);
        assert_eq!(newcombe(1, 0, 1, 2), None);
    }

    /// By hand: a = [0, 1/3, 2/3, 1] has mean 1/2 and sample variance
    /// (1/4 + 1/36 + 1/36 + 1/4)/3 = 5/27, so se² = 5/108; b = [1, 1, 2/3]
    /// has mean 8/9 and variance (1/81 + 1/81 + 4/81)/2 = 1/27, so
    /// se² = 1/81. b − a = 7/18 = 0.388889, se = √(5/108 + 1/81) = √0.058642 = 0.242161,
    /// and the interval is 0.388889 ± 1.959964 × 0.242161 = [−0.085738, 0.863516].
    #[test]
    fn a_welch_difference_matches_a_hand_computation() {
        let a = Mean::of(&[0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]).unwrap();
        let b = Mean::of(&[1.0, 1.0, 2.0 / 3.0]).unwrap();
        close(a.mean, 0.5);
        close(a.standard_error, (5.0_f64 / 108.0).sqrt());
        let d = difference(&[(1.0, b), (-1.0, a)]);
        close(d.value, 0.388_889);
        interval(d, 0.388_889 - 1.959_964 * 0.242_161, 0.388_889 + 1.959_964 * 0.242_161);
        interval(d, -0.085_738, 0.863_516);
        assert!(!d.excludes_zero());
        let single = Mean::of(&[0.7]).unwrap();
        assert_eq!(single.standard_error, 0.0);
        assert_eq!(Mean::of(&[]), None);
    }

    #[test]
    fn medians_of_odd_and_even_samples() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
