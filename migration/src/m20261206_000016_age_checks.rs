//! Age checks: a `REQUIRE_AGE_CHECK` decision locks the account
//! (`users.age_check_required_at`) and opens its check, which its owner
//! answers and an admin decides. `pending_user_id` is the account while the
//! check waits and null after: unique, so one check waits per account
//! however many moderators decide at once. A decided check outlives its
//! account (a child's, purged), with nobody and no birth date in it.
use crate::prelude::*;
use crate::schema::*;

use crate::{index, set_null};

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    AgeCheckRequiredAt,
}

#[derive(DeriveIden)]
enum ModerationCases {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AgeChecks {
    Table,
    Id,
    UserId,
    PendingUserId,
    CaseId,
    Status,
    ClaimedBirthDate,
    Evidence,
    SubmittedAt,
    DecidedBy,
    CreatedAt,
    DecidedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::AgeCheckRequiredAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AgeChecks::Table)
                    .col(uuid(AgeChecks::Id).primary_key())
                    .col(ColumnDef::new(AgeChecks::UserId).uuid().null())
                    .col(ColumnDef::new(AgeChecks::PendingUserId).uuid().null().unique_key())
                    .col(ColumnDef::new(AgeChecks::CaseId).uuid().null())
                    .col(string_len(AgeChecks::Status, 16))
                    .col(ColumnDef::new(AgeChecks::ClaimedBirthDate).date().null())
                    .col(ColumnDef::new(AgeChecks::Evidence).string_len(2000).null())
                    .col(ColumnDef::new(AgeChecks::SubmittedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(AgeChecks::DecidedBy).uuid().null())
                    .col(timestamp_with_time_zone(AgeChecks::CreatedAt))
                    .col(ColumnDef::new(AgeChecks::DecidedAt).timestamp_with_time_zone().null())
                    // The decision outlives the account it purged (under 13), with nobody in it.
                    .foreign_key(&mut set_null(AgeChecks::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut set_null(AgeChecks::CaseId, ModerationCases::Table, ModerationCases::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_age_checks_status_created",
                AgeChecks::Table,
                vec![AgeChecks::Status.into_iden(), AgeChecks::CreatedAt.into_iden()],
                false,
            ))
            .await?;
        manager
            .create_index(index("idx_age_checks_user", AgeChecks::Table, vec![AgeChecks::UserId.into_iden()], false))
            .await
    }
}
