//! Who a request counts against, and how many of one client's requests run
//! at once.
//!
//! A client is a signed-in account, or else its address: an IPv4 address, or
//! an IPv6 /64 (one subscriber's whole prefix, which they can change at
//! will). At most `MAX_RUNNING` requests of one client run at once; the next
//! ones wait their turn, and past `MAX_WAITING` waiting they are refused with
//! `RATE_LIMITED`. So no single client can take every database connection,
//! and people behind one carrier-grade NAT address are counted by account.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

/// Requests of one client running at once.
pub const MAX_RUNNING: usize = 8;
/// Requests of one client waiting for a turn before the next is refused.
pub const MAX_WAITING: usize = 64;

/// The key per-address limits count an address under: the address itself
/// for IPv4 (and IPv4 mapped into IPv6), its /64 prefix for IPv6.
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// One client's turns.
struct Turns {
    running: Arc<Semaphore>,
    waiting: AtomicUsize,
}

/// The turns of every client with a request running or waiting.
#[derive(Default)]
pub struct Concurrency {
    clients: Mutex<HashMap<String, Arc<Turns>>>,
}

/// A running request's turn; dropping it lets the next one run.
pub struct Turn {
    _permit: OwnedSemaphorePermit,
}

impl Concurrency {
    /// Waits for a turn of `client`, at most `patience`.
    pub async fn turn(&self, client: &str, patience: Duration) -> Result<Turn, AppError> {
        let turns = {
            let Ok(mut clients) = self.clients.lock() else { return Err(AppError::internal("a poisoned lock")) };
            clients
                .entry(client.to_owned())
                .or_insert_with(|| {
                    Arc::new(Turns { running: Arc::new(Semaphore::new(MAX_RUNNING)), waiting: AtomicUsize::new(0) })
                })
                .clone()
        };
        if let Ok(permit) = turns.running.clone().try_acquire_owned() {
            return Ok(Turn { _permit: permit });
        }
        if turns.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
            turns.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(too_many());
        }
        let waited = tokio::time::timeout(patience, turns.running.clone().acquire_owned()).await;
        turns.waiting.fetch_sub(1, Ordering::AcqRel);
        match waited {
            Ok(Ok(permit)) => Ok(Turn { _permit: permit }),
            _ => Err(too_many()),
        }
    }

    /// Forgets clients with nothing running or waiting, so the table holds
    /// only the clients of the moment.
    pub fn prune(&self) {
        if let Ok(mut clients) = self.clients.lock() {
            clients.retain(|_, turns| Arc::strong_count(turns) > 1 || turns.running.available_permits() < MAX_RUNNING);
        }
    }

    /// Clients in the table now.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.clients.lock().map_or(0, |clients| clients.len())
    }
}

/// Open sockets per client: at most `MAX_ANONYMOUS_SOCKETS` per address
/// while anonymous, `MAX_ACCOUNT_SOCKETS` per signed-in account.
#[derive(Default)]
pub struct SocketCounts {
    open: Mutex<HashMap<String, usize>>,
}

pub const MAX_ANONYMOUS_SOCKETS: usize = 20;
pub const MAX_ACCOUNT_SOCKETS: usize = 10;

/// One open socket's place in its client's count; freed when dropped.
pub struct SocketSlot {
    counts: Arc<SocketCounts>,
    client: String,
}

impl SocketCounts {
    /// A place for one more socket of `client`, unless it has `max` open.
    pub fn take(self: &Arc<Self>, client: String, max: usize) -> Option<SocketSlot> {
        let mut open = self.open.lock().ok()?;
        let count = open.entry(client.clone()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(SocketSlot { counts: self.clone(), client })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.counts.open.lock()
            && let Some(count) = open.get_mut(&self.client)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

fn too_many() -> AppError {
    crate::metrics::rate_limited("concurrent_requests");
    AppError::RateLimited {
        message: format!("At most {MAX_RUNNING} of your requests run at once; wait for them to finish"),
        retry_after_seconds: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_per_64_and_ipv4_alone() {
        let key = |text: &str| address_key(text.parse().unwrap());
        assert_eq!(key("203.0.113.9"), "203.0.113.9");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.9"), "203.0.113.9");
    }

    #[tokio::test]
    async fn eight_run_then_sixty_four_wait_then_refusal() {
        let gates = Concurrency::default();
        let patience = Duration::from_secs(30);
        let mut running = Vec::new();
        for _ in 0..MAX_RUNNING {
            running.push(gates.turn("a", patience).await.unwrap());
        }
        let gates = Arc::new(gates);
        let waiters: Vec<_> = (0..MAX_WAITING)
            .map(|_| {
                let gates = gates.clone();
                tokio::spawn(async move { gates.turn("a", patience).await.is_ok() })
            })
            .collect();
        while gates.clients.lock().unwrap()["a"].waiting.load(Ordering::Acquire) < MAX_WAITING {
            tokio::task::yield_now().await;
        }
        assert!(matches!(gates.turn("a", patience).await, Err(AppError::RateLimited { .. })));
        // Another client is not held up.
        assert!(gates.turn("b", patience).await.is_ok());
        running.clear();
        for waiter in waiters {
            assert!(waiter.await.unwrap());
        }
        gates.prune();
        assert_eq!(gates.tracked(), 0);
    }
}
