//! Password attempts wait their turn: an attempt is `pending` while its
//! password is being checked, and only settled failures use up a budget, so
//! that many simultaneous right passwords are all let through in turn.
use crate::prelude::*;
use crate::schema::*;

pub struct Migration;

#[derive(DeriveIden)]
enum Attempts {
    Table,
    Pending,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Attempts::Table).add_column(boolean(Attempts::Pending).default(false)).to_owned(),
            )
            .await
    }
}
