//! Campaigns, their surveys and KPIs, and public safety transparency.
pub mod behaviour;
pub mod figures;
pub mod inbox;
pub mod kpis;
pub mod precomputed;
pub mod stats;
pub mod surveys;
pub mod transparency;
