//! Notifications keep their words in both languages, so that each is read
//! in the language its reader uses when reading it (`title`/`body` hold the
//! Vietnamese, these the English). Rows written before hold one language in
//! `title`/`body`, and these stay null.
use crate::prelude::*;

pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    TitleEn,
    BodyEn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(ColumnDef::new(Notifications::TitleEn).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(ColumnDef::new(Notifications::BodyEn).text().null())
                    .to_owned(),
            )
            .await
    }
}
