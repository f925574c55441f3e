//! Moderation tiers: a case's tier (1 to 3, from its most severe reason)
//! becomes the queue's first key. Cases on record get theirs from their
//! reasons, and their rank moves into their tier, in SQL on both databases.
use crate::prelude::*;
use crate::schema::*;

pub struct Migration;

#[derive(DeriveIden)]
enum ModerationCases {
    Table,
    Tier,
}

const TIERS: &str = "UPDATE moderation_cases SET tier = CASE
    WHEN reasons LIKE '%|MINOR_SAFETY|%' OR reasons LIKE '%|SELF_HARM|%' THEN 1
    WHEN reasons LIKE '%|VIOLENCE_DANGEROUS_ACTS|%' OR reasons LIKE '%|NUDITY_SEXUAL|%'
      OR reasons LIKE '%|HATE_SPEECH|%' OR reasons LIKE '%|BULLYING_HARASSMENT|%' THEN 2
    ELSE 3 END";

/// `moderation::queue_rank`: (3 − tier) × 10¹¹ on top of the rank within a tier.
const RANKS: &str = "UPDATE moderation_cases SET queue_rank = queue_rank + (3 - tier) * 100000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ModerationCases::Table)
                    .add_column(integer(ModerationCases::Tier).default(3))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(TIERS).await?;
        db.execute_unprepared(RANKS).await.map(|_| ())
    }
}
