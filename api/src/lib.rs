//! TrustFeed: the GraphQL back end of a short-video community built to be
//! useful and trustworthy. `main.rs` is a thin CLI over this library.
pub mod auth;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod seed;
pub mod service;
pub mod socket;
pub mod startup;
pub mod state;
