//! Business rules as plain async functions over `&impl ConnectionTrait`, so
//! they run on the pool or inside a transaction alike. They take `now` from
//! the caller, who reads it from the app's clock.
pub mod accounts;
pub mod privacy;
pub mod sessions;
pub mod settings;
