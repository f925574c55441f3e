//! Failed sign-ins, counted per email to slow password guessing.
use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    EmailHash,
    CreatedAt,
}

/// The table as this migration made it (the safety migration restores it
/// on the way down).
pub(crate) fn table() -> TableCreateStatement {
    Table::create()
        .table(LoginFailures::Table)
        .col(uuid(LoginFailures::Id).primary_key())
        .col(string_len(LoginFailures::EmailHash, 64))
        .col(timestamp_with_time_zone(LoginFailures::CreatedAt))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(table()).await?;
        manager
            .create_index(index(
                "idx_login_failures_email_created",
                LoginFailures::Table,
                vec![LoginFailures::EmailHash.into_iden(), LoginFailures::CreatedAt.into_iden()],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_tables(manager, vec![LoginFailures::Table.into_iden()]).await
    }
}
