//! Precision and recall of the kindness check on its evaluation set, by
//! language; `--verbose` lists the false nudges and the misses.
//!
//!     cargo run -p service --example kindness_eval [-- --verbose]
use service::kindness::evaluation::{EVALUATION_SET, evaluate};

fn main() {
    let verbose = std::env::args().any(|a| a == "--verbose");
    println!("language  comments  precision  recall");
    for (language, score) in evaluate(EVALUATION_SET) {
        println!("{language:<9} {:>8}  {:>9.3}  {:>6.3}", score.comments, score.precision(), score.recall());
        if verbose {
            for comment in &score.false_nudges {
                println!("  false nudge  {comment}");
            }
            for comment in &score.missed {
                println!("  missed       {comment}");
            }
        }
    }
}
