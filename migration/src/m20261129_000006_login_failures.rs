//! Failed sign-ins, counted per email to slow password guessing.
use crate::prelude::*;
use crate::schema::*;

use crate::index;

pub struct Migration;

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    EmailHash,
    CreatedAt,
}

fn table() -> TableCreateStatement {
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
}
