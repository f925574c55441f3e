//! Announces changes to every instance: changed moderation cases, for their
//! subscribers, and that data changed at all, for caches of what anonymous
//! visitors see.
//!
//! With PostgreSQL a change is sent with `NOTIFY` and each instance keeps one
//! `LISTEN` connection that forwards what it hears locally, so a report filed
//! through one instance reaches moderators connected to another, and a video
//! taken down through one is gone from every instance's cache. With SQLite
//! (one process) local announcements are all there is.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::error::AppResult;

pub const CHANNEL: &str = "trustfeed_moderation_queue";
pub const DATA_CHANNEL: &str = "trustfeed_data_changed";

#[derive(Clone)]
pub struct Changes {
    cases: broadcast::Sender<Uuid>,
    /// Goes up whenever data changed, here or on another instance.
    data_version: Arc<AtomicU64>,
    /// Whether this instance's PostgreSQL listener is connected.
    listening: Arc<AtomicBool>,
    /// Names this instance in its data announcements: it counted each one
    /// when it made it, and hearing it back later must not count it again
    /// (that would drop the answers cached in between).
    instance: Arc<str>,
}

impl Default for Changes {
    fn default() -> Self {
        Self {
            cases: broadcast::channel(1024).0,
            data_version: Arc::new(AtomicU64::new(0)),
            listening: Arc::new(AtomicBool::new(false)),
            instance: Uuid::new_v4().to_string().into(),
        }
    }
}

impl Changes {
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    pub fn subscribe_cases(&self) -> broadcast::Receiver<Uuid> {
        self.cases.subscribe()
    }

    /// Announces that `case_id` changed; call after the change is committed.
    pub async fn publish_case(&self, db: &DatabaseConnection, case_id: Uuid) -> AppResult<()> {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => notify(db, CHANNEL, &case_id.to_string()).await?,
            _ => {
                // No subscriber is not an error.
                let _ = self.cases.send(case_id);
            }
        }
        Ok(())
    }

    /// The version of the data as this instance knows it.
    pub fn data_version(&self) -> u64 {
        self.data_version.load(Ordering::Acquire)
    }

    /// Announces that data changed; call after the change is committed.
    pub async fn publish_data_changed(&self, db: &DatabaseConnection) -> AppResult<()> {
        self.data_version.fetch_add(1, Ordering::AcqRel);
        if db.get_database_backend() == DatabaseBackend::Postgres {
            notify(db, DATA_CHANNEL, &self.instance).await?;
        }
        Ok(())
    }

    /// For PostgreSQL: keeps one listening connection for this instance,
    /// reconnecting when it drops, and forwards every change locally.
    pub fn spawn_listener(&self, database_url: String) {
        let changes = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = changes.listen(&database_url).await {
                    changes.listening.store(false, Ordering::Release);
                    tracing::warn!(%err, "change listener lost its connection; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn listen(&self, database_url: &str) -> Result<(), sea_orm::sqlx::Error> {
        let mut listener = PgListener::connect(database_url).await?;
        listener.listen_all([CHANNEL, DATA_CHANNEL]).await?;
        // Whatever changed while nobody listened is unknown: count it as a change.
        self.data_version.fetch_add(1, Ordering::AcqRel);
        self.listening.store(true, Ordering::Release);
        tracing::info!("listening for changes from every instance");
        loop {
            // `try_recv`, not `recv`: `recv` reconnects silently, and what was
            // announced meanwhile would be missed while the cache went on.
            let Some(notification) = listener.try_recv().await? else {
                self.listening.store(false, Ordering::Release);
                return Err(sea_orm::sqlx::Error::Protocol("the listening connection was lost".into()));
            };
            if notification.channel() == DATA_CHANNEL {
                if notification.payload() != &*self.instance {
                    self.data_version.fetch_add(1, Ordering::AcqRel);
                }
            } else if let Ok(case_id) = Uuid::parse_str(notification.payload()) {
                let _ = self.cases.send(case_id);
            }
        }
    }
}

async fn notify(db: &DatabaseConnection, channel: &str, payload: &str) -> AppResult<()> {
    let notify = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [channel.into(), payload.into()],
    );
    db.execute_raw(notify).await?;
    Ok(())
}
