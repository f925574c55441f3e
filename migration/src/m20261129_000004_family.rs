//! Family pairing, pairing codes and requests for more screen time.
use crate::prelude::*;
use crate::schema::*;

use crate::{cascade, index};

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FamilyLinks {
    Table,
    Id,
    GuardianId,
    TeenId,
    Status,
    CreatedAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum PairingCodes {
    Table,
    Id,
    GuardianId,
    CodeHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PairingAttempts {
    Table,
    Id,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TimeRequests {
    Table,
    Id,
    TeenId,
    Minutes,
    Reason,
    Status,
    GrantedMinutes,
    GrantedFor,
    AnsweredBy,
    CreatedAt,
    AnsweredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FamilyLinks::Table)
                    .col(uuid(FamilyLinks::Id).primary_key())
                    .col(uuid(FamilyLinks::GuardianId))
                    .col(uuid(FamilyLinks::TeenId))
                    .col(string_len(FamilyLinks::Status, 16))
                    .col(timestamp_with_time_zone(FamilyLinks::CreatedAt))
                    .col(timestamp_with_time_zone_null(FamilyLinks::EndedAt))
                    .foreign_key(&mut cascade(FamilyLinks::GuardianId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(FamilyLinks::TeenId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        for statement in [
            index(
                "idx_family_links_teen",
                FamilyLinks::Table,
                vec![FamilyLinks::TeenId.into_iden(), FamilyLinks::Status.into_iden()],
                false,
            ),
            index(
                "idx_family_links_guardian",
                FamilyLinks::Table,
                vec![FamilyLinks::GuardianId.into_iden(), FamilyLinks::Status.into_iden()],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PairingCodes::Table)
                    .col(uuid(PairingCodes::Id).primary_key())
                    .col(uuid(PairingCodes::GuardianId))
                    .col(string_len_uniq(PairingCodes::CodeHash, 64))
                    .col(timestamp_with_time_zone(PairingCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PairingCodes::UsedAt))
                    .col(timestamp_with_time_zone(PairingCodes::CreatedAt))
                    .foreign_key(&mut cascade(PairingCodes::GuardianId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PairingAttempts::Table)
                    .col(uuid(PairingAttempts::Id).primary_key())
                    .col(uuid(PairingAttempts::UserId))
                    .col(timestamp_with_time_zone(PairingAttempts::CreatedAt))
                    .foreign_key(&mut cascade(PairingAttempts::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_pairing_attempts_user",
                PairingAttempts::Table,
                vec![PairingAttempts::UserId.into_iden(), PairingAttempts::CreatedAt.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TimeRequests::Table)
                    .col(uuid(TimeRequests::Id).primary_key())
                    .col(uuid(TimeRequests::TeenId))
                    .col(integer(TimeRequests::Minutes))
                    .col(string_len_null(TimeRequests::Reason, 800))
                    .col(string_len(TimeRequests::Status, 16))
                    .col(integer_null(TimeRequests::GrantedMinutes))
                    .col(date_null(TimeRequests::GrantedFor))
                    .col(uuid_null(TimeRequests::AnsweredBy))
                    .col(timestamp_with_time_zone(TimeRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(TimeRequests::AnsweredAt))
                    .foreign_key(&mut cascade(TimeRequests::TeenId, Users::Table, Users::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(TimeRequests::AnsweredBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_time_requests_teen",
                TimeRequests::Table,
                vec![TimeRequests::TeenId.into_iden(), TimeRequests::Status.into_iden()],
                false,
            ))
            .await?;
        Ok(())
    }
}
