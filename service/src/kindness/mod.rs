//! Kind words: the check for unkind wording, the nudge before an unkind
//! comment is posted, and what becomes of each nudge.
mod check;
pub mod controls;
pub mod evaluation;
pub mod figures;
mod lexicon;
pub mod nudges;

pub use check::{Unkind, check, contains_words};
pub use lexicon::Harm;
