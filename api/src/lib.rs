//! TrustFeed: the GraphQL back end of a short-video community built to be
//! useful and trustworthy. `main.rs` only calls `cli::main`.
pub mod anonymous_cache;
pub mod cli;
pub mod clients;
pub mod config;
pub mod durability;
pub mod error;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod seed;
pub mod shutdown;
pub mod socket;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webapp;

// The rules live in the `service` crate; these names keep `crate::service::…`,
// `crate::auth` and friends reading as before.
pub use service::{self, auth, clock, domain};

/// Every binary that links the server (it, its tests and examples) allocates
/// with mimalloc: under load glibc's malloc and free took a fifth of the
/// server's time (docs/measurements.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
