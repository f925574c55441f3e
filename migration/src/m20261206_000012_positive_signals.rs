//! How many positive signals (a watch past 40%, a like, a share, a search)
//! a viewer gave each tag: a reason may name a taste only with two of them.
//! Counted for the signals on record in SQL, on both databases.
use crate::prelude::*;
use crate::schema::*;

pub struct Migration;

#[derive(DeriveIden)]
enum TagTastes {
    Table,
    PositiveSignals,
}

/// The watches, likes and shares on record for each viewer and tag
/// (searches before this migration are not told apart by tag here; they
/// count again from now on).
const BACKFILL: &str = "UPDATE tag_tastes SET positive_signals = (
    SELECT count(*) FROM interactions i
    JOIN content_tags ct ON ct.content_id = i.content_id
    JOIN contents c ON c.id = i.content_id
    WHERE i.user_id = tag_tastes.user_id AND ct.tag_slug = tag_tastes.tag_slug
      AND (i.kind IN ('LIKE', 'SHARE')
           OR (i.kind = 'VIEW' AND i.watched_ms > 400 * CASE WHEN c.duration_seconds < 1 THEN 1 ELSE c.duration_seconds END)))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TagTastes::Table)
                    .add_column(integer(TagTastes::PositiveSignals).default(0))
                    .to_owned(),
            )
            .await?;
        manager.get_connection().execute_unprepared(BACKFILL).await.map(|_| ())
    }
}
