//! Announces changed moderation cases to subscribers on every instance.
//!
//! With PostgreSQL a change is sent with `NOTIFY` and each instance keeps one
//! `LISTEN` connection that forwards what it hears to its local subscribers,
//! so a report filed through one instance reaches moderators connected to
//! another. With SQLite (one process) a local channel is all there is.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::error::AppResult;

pub const CHANNEL: &str = "trustfeed_moderation_queue";

#[derive(Clone)]
pub struct CaseChanges {
    local: broadcast::Sender<Uuid>,
    /// Whether this instance's PostgreSQL listener is connected.
    listening: Arc<AtomicBool>,
}

impl Default for CaseChanges {
    fn default() -> Self {
        Self { local: broadcast::channel(1024).0, listening: Arc::new(AtomicBool::new(false)) }
    }
}

impl CaseChanges {
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Uuid> {
        self.local.subscribe()
    }

    /// Announces that `case_id` changed; call after the change is committed.
    pub async fn publish(&self, db: &DatabaseConnection, case_id: Uuid) -> AppResult<()> {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let notify = Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), case_id.to_string().into()],
                );
                db.execute_raw(notify).await?;
            }
            _ => {
                // No subscriber is not an error.
                let _ = self.local.send(case_id);
            }
        }
        Ok(())
    }

    /// For PostgreSQL: keeps one listening connection for this instance,
    /// reconnecting when it drops, and forwards every change locally.
    pub fn spawn_listener(&self, database_url: String) {
        let (local, listening) = (self.local.clone(), self.listening.clone());
        tokio::spawn(async move {
            loop {
                if let Err(err) = listen(&database_url, &local, &listening).await {
                    listening.store(false, Ordering::Release);
                    tracing::warn!(%err, "moderation queue listener lost its connection; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

async fn listen(
    database_url: &str,
    local: &broadcast::Sender<Uuid>,
    listening: &AtomicBool,
) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(CHANNEL).await?;
    listening.store(true, Ordering::Release);
    tracing::info!("listening for moderation queue changes");
    loop {
        let notification = listener.recv().await?;
        if let Ok(case_id) = Uuid::parse_str(notification.payload()) {
            let _ = local.send(case_id);
        }
    }
}
