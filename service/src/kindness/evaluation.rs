//! How well the check does on the labelled comments in
//! `service/data/kindness/evaluation.tsv`: precision and recall of `unkind`
//! for each language. `cargo run -p service --example kindness_eval` prints
//! them; a unit test holds them to the targets.
use std::collections::BTreeMap;

use super::check;

/// The labelled comments, kept with the code they measure.
pub const EVALUATION_SET: &str = include_str!("../../data/kindness/evaluation.tsv");

/// One language's score, and the comments it got wrong.
#[derive(Debug, Default)]
pub struct Score {
    pub comments: usize,
    pub flagged_unkind: usize,
    pub flagged_other: usize,
    pub missed: Vec<String>,
    pub false_nudges: Vec<String>,
}

impl Score {
    /// Of the comments flagged, the share that were unkind.
    pub fn precision(&self) -> f64 {
        let flagged = self.flagged_unkind + self.flagged_other;
        if flagged == 0 { 1.0 } else { self.flagged_unkind as f64 / flagged as f64 }
    }

    /// Of the unkind comments, the share flagged.
    pub fn recall(&self) -> f64 {
        let unkind = self.flagged_unkind + self.missed.len();
        if unkind == 0 { 1.0 } else { self.flagged_unkind as f64 / unkind as f64 }
    }
}

/// Scores `set` (lines of `language<TAB>label<TAB>comment`; `#` starts a
/// comment line) by language.
pub fn evaluate(set: &str) -> BTreeMap<String, Score> {
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    for line in set.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let mut fields = line.splitn(3, '\t');
        let (Some(language), Some(label), Some(comment)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let score = scores.entry(language.to_owned()).or_default();
        score.comments += 1;
        let found = check(comment);
        match (label == "unkind", found.is_some()) {
            (true, true) => score.flagged_unkind += 1,
            (true, false) => score.missed.push(comment.to_owned()),
            (false, true) => {
                score.flagged_other += 1;
                let words = found.map(|f| f.words.join(", ")).unwrap_or_default();
                score.false_nudges.push(format!("{label}: {comment} [{words}]"));
            }
            (false, false) => {}
        }
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_meets_its_targets_on_the_evaluation_set() {
        let scores = evaluate(EVALUATION_SET);
        assert!(scores.values().map(|s| s.comments).sum::<usize>() >= 300);
        for (language, score) in &scores {
            assert!(
                score.precision() >= 0.9,
                "{language}: precision {:.3}, false nudges {:?}",
                score.precision(),
                score.false_nudges
            );
            assert!(score.recall() >= 0.75, "{language}: recall {:.3}, missed {:?}", score.recall(), score.missed);
        }
    }
}
