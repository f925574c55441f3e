//! Revision 2 of the contract: what notifications are about, what the
//! affected user sees of a decision, and attempts counted per account and per
//! client address in one table (it replaces `login_failures`).
use crate::prelude::*;
use crate::schema::*;

use crate::index;

pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    CaseId,
    ContentId,
    LinkId,
    TimeRequestId,
    MentionedUserId,
}

#[derive(DeriveIden)]
enum ModerationCases {
    Table,
    SuspendedUntil,
    AppealMessage,
}

#[derive(DeriveIden)]
enum Attempts {
    Table,
    Id,
    Bucket,
    Subject,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
}

/// SQLite takes one column per ALTER.
async fn add_column(manager: &SchemaManager<'_>, table: impl IntoIden, column: ColumnDef) -> Result<(), DbErr> {
    manager.alter_table(Table::alter().table(table).add_column(column).to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Notifications::CaseId,
            Notifications::ContentId,
            Notifications::LinkId,
            Notifications::TimeRequestId,
            Notifications::MentionedUserId,
        ] {
            add_column(manager, Notifications::Table, uuid_null(column)).await?;
        }
        add_column(manager, ModerationCases::Table, timestamp_with_time_zone_null(ModerationCases::SuspendedUntil))
            .await?;
        add_column(manager, ModerationCases::Table, text_null(ModerationCases::AppealMessage)).await?;
        manager
            .create_table(
                Table::create()
                    .table(Attempts::Table)
                    .col(uuid(Attempts::Id).primary_key())
                    .col(string_len(Attempts::Bucket, 32))
                    .col(string_len(Attempts::Subject, 64))
                    .col(timestamp_with_time_zone(Attempts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_attempts_bucket_subject_created",
                Attempts::Table,
                vec![Attempts::Bucket.into_iden(), Attempts::Subject.into_iden(), Attempts::CreatedAt.into_iden()],
                false,
            ))
            .await?;
        manager.drop_table(Table::drop().table(LoginFailures::Table).to_owned()).await
    }
}
