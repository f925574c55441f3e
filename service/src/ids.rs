//! The ids of new accounts and content: random UUIDs, unless an evaluation
//! running the server in its own process seeds them (`seed_for_evaluation`),
//! so that a run of `feed_eval` with one seed gives the same figures again
//! (the feed samples from a pivot among ids).
use std::sync::{Mutex, OnceLock};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use uuid::Uuid;

static SEEDED: OnceLock<Mutex<StdRng>> = OnceLock::new();

/// From now on, ids come from `seed`, in the order they are asked for.
/// For evaluations only: the first seed of a process holds.
pub fn seed_for_evaluation(seed: u64) {
    SEEDED.get_or_init(|| Mutex::new(StdRng::seed_from_u64(seed)));
}

/// A new id: the next of the seeded sequence, or a random one.
pub fn new_id() -> Uuid {
    let Some(Ok(mut rng)) = SEEDED.get().map(Mutex::lock) else { return Uuid::new_v4() };
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
