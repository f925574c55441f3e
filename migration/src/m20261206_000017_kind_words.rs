//! Kind words: every account's comment controls (hold what the check flags,
//! hold keywords, a limit on newcomers and strangers until a moment), held
//! and hidden comments, the accounts a creator stopped from commenting, the
//! nudges and what became of each, and when a comment storm was last told.
use crate::prelude::*;
use crate::schema::*;

use crate::{cascade, index};

pub struct Migration;

#[derive(DeriveIden)]
enum UserSettings {
    Table,
    FilterUnkind,
    FilterKeywords,
    CommentsLimitedUntil,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    ContentId,
    HeldAt,
    ApprovedAt,
    HiddenAt,
    Flagged,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contents {
    Table,
    Id,
    StormToldAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Nudges {
    Table,
    Id,
    UserId,
    ContentId,
    Words,
    Outcome,
    CreatedAt,
    SettledAt,
}

#[derive(DeriveIden)]
enum CommentBlocks {
    Table,
    OwnerId,
    BlockedId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            boolean(UserSettings::FilterUnkind).default(false).to_owned(),
            json(UserSettings::FilterKeywords).default("[]").to_owned(),
            ColumnDef::new(UserSettings::CommentsLimitedUntil).timestamp_with_time_zone().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(UserSettings::Table).add_column(column).to_owned()).await?;
        }
        for column in [
            ColumnDef::new(Comments::HeldAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Comments::ApprovedAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Comments::HiddenAt).timestamp_with_time_zone().null().to_owned(),
            boolean(Comments::Flagged).default(false).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Comments::Table).add_column(column).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Contents::Table)
                    .add_column(ColumnDef::new(Contents::StormToldAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        // Storms count the flagged comments of an item within the hour.
        manager
            .create_index(index(
                "idx_comments_content_flagged_created",
                Comments::Table,
                vec![Comments::ContentId.into_iden(), Comments::Flagged.into_iden(), Comments::CreatedAt.into_iden()],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Nudges::Table)
                    .col(uuid(Nudges::Id).primary_key())
                    .col(uuid(Nudges::UserId))
                    .col(uuid(Nudges::ContentId))
                    .col(string_len(Nudges::Words, 500))
                    .col(ColumnDef::new(Nudges::Outcome).string_len(16).null())
                    .col(timestamp_with_time_zone(Nudges::CreatedAt))
                    .col(ColumnDef::new(Nudges::SettledAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut cascade(Nudges::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(Nudges::ContentId, Contents::Table, Contents::Id))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_nudges_user_content_created", vec![Nudges::UserId, Nudges::ContentId, Nudges::CreatedAt]),
            ("idx_nudges_outcome_created", vec![Nudges::Outcome, Nudges::CreatedAt]),
            ("idx_nudges_created", vec![Nudges::CreatedAt]),
        ] {
            let columns = columns.into_iter().map(IntoIden::into_iden).collect();
            manager.create_index(index(name, Nudges::Table, columns, false)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CommentBlocks::Table)
                    .col(uuid(CommentBlocks::OwnerId))
                    .col(uuid(CommentBlocks::BlockedId))
                    .col(timestamp_with_time_zone(CommentBlocks::CreatedAt))
                    .primary_key(Index::create().col(CommentBlocks::OwnerId).col(CommentBlocks::BlockedId))
                    .foreign_key(&mut cascade(CommentBlocks::OwnerId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(CommentBlocks::BlockedId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
