//! Integration tests: the real app over real HTTP, on a fresh database per
//! test; every scenario runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod accounts;
mod age_checks;
mod browser;
mod campaign;
mod content;
mod family;
mod feed;
mod identity;
mod inputs;
mod kindness;
mod limits;
mod matrix;
mod moderation;
mod operations;
mod privacy;
mod safety;
mod schema;
mod sessions;
mod social;
mod subscriptions;
mod visibility;
mod webapp;
