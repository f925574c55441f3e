//! Who is who: profiles (a bio, when the handle last changed), verified
//! accounts (their kind, requests for verification), and the skeletons
//! that names are compared by. Each account keeps the skeleton of its
//! handle and display name (filled in by the server at start for accounts
//! made before, `identity::fill_skeletons`); each verified account's
//! skeletons and their one-edit variants are kept in `verified_names`, so a
//! sign-up finds a look-alike by index instead of scanning anyone.
use crate::prelude::*;
use crate::schema::*;

use crate::{cascade, index};

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Bio,
    VerifiedKind,
    HandleChangedAt,
    HandleSkeleton,
    NameSkeleton,
}

#[derive(DeriveIden)]
enum VerifiedNames {
    Table,
    Variant,
    UserId,
    Exact,
}

#[derive(DeriveIden)]
enum VerificationRequests {
    Table,
    Id,
    UserId,
    Kind,
    Evidence,
    Status,
    Note,
    DecidedBy,
    CreatedAt,
    DecidedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            ColumnDef::new(Users::Bio).string_len(160).null().to_owned(),
            ColumnDef::new(Users::VerifiedKind).string_len(16).null().to_owned(),
            ColumnDef::new(Users::HandleChangedAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Users::HandleSkeleton).string_len(64).null().to_owned(),
            ColumnDef::new(Users::NameSkeleton).string_len(200).null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Users::Table).add_column(column).to_owned()).await?;
        }
        for (name, column) in
            [("idx_users_handle_skeleton", Users::HandleSkeleton), ("idx_users_name_skeleton", Users::NameSkeleton)]
        {
            manager.create_index(index(name, Users::Table, vec![column.into_iden()], false)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(VerifiedNames::Table)
                    .col(string_len(VerifiedNames::Variant, 200))
                    .col(uuid(VerifiedNames::UserId))
                    .col(boolean(VerifiedNames::Exact))
                    .primary_key(
                        Index::create()
                            .col(VerifiedNames::Variant)
                            .col(VerifiedNames::UserId)
                            .col(VerifiedNames::Exact),
                    )
                    .foreign_key(&mut cascade(VerifiedNames::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_verified_names_user",
                VerifiedNames::Table,
                vec![VerifiedNames::UserId.into_iden()],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VerificationRequests::Table)
                    .col(uuid(VerificationRequests::Id).primary_key())
                    .col(uuid(VerificationRequests::UserId))
                    .col(string_len(VerificationRequests::Kind, 16))
                    .col(string_len(VerificationRequests::Evidence, 1000))
                    .col(string_len(VerificationRequests::Status, 16))
                    .col(ColumnDef::new(VerificationRequests::Note).string_len(500).null())
                    .col(ColumnDef::new(VerificationRequests::DecidedBy).uuid().null())
                    .col(timestamp_with_time_zone(VerificationRequests::CreatedAt))
                    .col(ColumnDef::new(VerificationRequests::DecidedAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut cascade(VerificationRequests::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_verification_requests_status_created",
                VerificationRequests::Table,
                vec![VerificationRequests::Status.into_iden(), VerificationRequests::CreatedAt.into_iden()],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_verification_requests_user",
                VerificationRequests::Table,
                vec![VerificationRequests::UserId.into_iden()],
                false,
            ))
            .await
    }
}
