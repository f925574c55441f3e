//! Campaign surveys, their KPIs and public safety transparency.
pub mod stats;
