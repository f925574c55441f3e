//! Stopping gracefully. On SIGTERM (or Ctrl-C) the instance says it is not
//! ready (`/readyz` answers 503), closes WebSockets with 1001 ("going away")
//! and stops its maintenance loop at once; it keeps serving for
//! `SHUTDOWN_DELAY_SECONDS` so load balancers stop sending it requests, then
//! stops accepting connections and lets the requests in flight finish
//! within `SHUTDOWN_DRAIN_SECONDS`.
use std::sync::Arc;

use tokio::sync::watch;

/// Whether this instance is stopping; shared by everything that must react.
#[derive(Debug, Clone)]
pub struct Shutdown(Arc<watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }
}

impl Shutdown {
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    pub fn has_begun(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the stop has begun (at once if it already has).
    pub async fn begun(&self) {
        let mut stopping = self.0.subscribe();
        // The sender lives in `self`, so the wait ends only when it is set.
        let _ = stopping.wait_for(|stopping| *stopping).await;
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(err) => tracing::warn!("cannot listen for SIGTERM ({err}); only Ctrl-C stops gracefully"),
        }
    }
    if let Err(err) = tokio::signal::ctrl_c().await {
        tracing::warn!("cannot listen for Ctrl-C ({err}); stopping only on request");
        std::future::pending::<()>().await;
    }
}
