//! Weekend screen-time limits, the wind-down prompt's dismissal, and which
//! guardian set each control.
use crate::prelude::*;
use crate::schema::*;

pub struct Migration;

#[derive(DeriveIden)]
enum UserSettings {
    Table,
    WeekendLimitMinutes,
    WindDownDismissedAt,
    ControlsSetBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER.
        manager
            .alter_table(
                Table::alter()
                    .table(UserSettings::Table)
                    .add_column(integer_null(UserSettings::WeekendLimitMinutes))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserSettings::Table)
                    .add_column(timestamp_with_time_zone_null(UserSettings::WindDownDismissedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(UserSettings::Table).add_column(json_null(UserSettings::ControlsSetBy)).to_owned(),
            )
            .await
    }
}
