//! TrustFeed's business rules, free of GraphQL and HTTP: this crate does not
//! depend on async-graphql or actix, so the compiler keeps every rule here.
//!
//! Services are plain async functions over `&impl ConnectionTrait`, so they
//! run on the pool or inside a transaction alike. Every trust & safety
//! decision goes through `policy`, built once per operation by the caller
//! (the GraphQL layer) from the credential and the clock.
pub mod accounts;
pub mod age_checks;
pub mod auth;
pub mod campaign;
pub mod clock;
pub mod comments;
pub mod content;
pub mod data_rights;
pub mod domain;
pub mod error;
pub mod family;
pub mod feed;
pub mod hmac_tokens;
pub mod identity;
pub mod ids;
pub mod interactions;
pub mod kindness;
pub mod live;
pub mod moderation;
pub mod notifications;
pub mod pagination;
pub mod plans;
pub mod policy;
pub mod privacy;
pub mod privacy_settings;
pub mod rate_limit;
mod rows;
pub mod screen_time;
pub mod sessions;
pub mod settings;
pub mod social;
pub mod taxonomy;
pub mod text;

use sea_orm::{DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions, TransactionTrait};

use crate::error::AppResult;

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once (`BEGIN IMMEDIATE`), so a transaction that reads before it writes
/// waits for the lock (busy timeout) instead of failing with "database is
/// locked" when it tries to upgrade; PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    Ok(db.begin_with_options(options).await?)
}
