//! Family rules of revision 3: a young teen's unlink waits for the guardian,
//! a new pairing soon after a link ended waits for the former guardian, and
//! the controls in force when the last link ended stay for 30 days.
use crate::prelude::*;

pub struct Migration;

#[derive(DeriveIden)]
enum FamilyLinks {
    Table,
    UnlinkRequestedAt,
    ApproverId,
}

#[derive(DeriveIden)]
enum UserSettings {
    Table,
    FormerGuardianId,
    GuardianLeftAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            ColumnDef::new(FamilyLinks::UnlinkRequestedAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(FamilyLinks::ApproverId).uuid().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(FamilyLinks::Table).add_column(column).to_owned()).await?;
        }
        for column in [
            ColumnDef::new(UserSettings::FormerGuardianId).uuid().null().to_owned(),
            ColumnDef::new(UserSettings::GuardianLeftAt).timestamp_with_time_zone().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(UserSettings::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
