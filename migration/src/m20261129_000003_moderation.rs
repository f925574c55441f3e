//! Reports, moderation cases, the audit log and notifications.
use crate::prelude::*;
use crate::schema::*;

use crate::index;

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    RemovedAt,
}

#[derive(DeriveIden)]
enum ModerationCases {
    Table,
    Id,
    TargetType,
    TargetId,
    ActiveTargetId,
    TargetUserId,
    Snapshot,
    Status,
    PriorityBase,
    QueueRank,
    ReportCount,
    Reasons,
    AssigneeId,
    ClaimedUntil,
    Version,
    Resolution,
    ResolvedBy,
    AutoHidden,
    AppealedAt,
    OpenedAt,
    LastReportedAt,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    CaseId,
    ReporterId,
    TargetType,
    TargetId,
    Reason,
    Details,
    Status,
    OutcomeAction,
    CreatedAt,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum ModerationEvents {
    Table,
    Id,
    CaseId,
    ActorId,
    Kind,
    Action,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Body,
    CreatedAt,
    ReadAt,
}

/// A user reference that survives the user's purge as null (anonymised).
fn nulls_out(from: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from_col(from).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::SetNull).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(timestamp_with_time_zone_null(Comments::RemovedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ModerationCases::Table)
                    .col(uuid(ModerationCases::Id).primary_key())
                    .col(string_len(ModerationCases::TargetType, 16))
                    .col(uuid(ModerationCases::TargetId))
                    .col(uuid_null(ModerationCases::ActiveTargetId))
                    .col(uuid_null(ModerationCases::TargetUserId))
                    .col(json(ModerationCases::Snapshot))
                    .col(string_len(ModerationCases::Status, 16))
                    .col(integer(ModerationCases::PriorityBase))
                    .col(big_integer(ModerationCases::QueueRank))
                    .col(integer(ModerationCases::ReportCount))
                    .col(string_len(ModerationCases::Reasons, 512))
                    .col(uuid_null(ModerationCases::AssigneeId))
                    .col(timestamp_with_time_zone_null(ModerationCases::ClaimedUntil))
                    .col(integer(ModerationCases::Version))
                    .col(string_len_null(ModerationCases::Resolution, 24))
                    .col(uuid_null(ModerationCases::ResolvedBy))
                    .col(boolean(ModerationCases::AutoHidden))
                    .col(timestamp_with_time_zone_null(ModerationCases::AppealedAt))
                    .col(timestamp_with_time_zone(ModerationCases::OpenedAt))
                    .col(timestamp_with_time_zone(ModerationCases::LastReportedAt))
                    .col(timestamp_with_time_zone_null(ModerationCases::ResolvedAt))
                    .foreign_key(&mut nulls_out(ModerationCases::TargetUserId))
                    .foreign_key(&mut nulls_out(ModerationCases::AssigneeId))
                    .foreign_key(&mut nulls_out(ModerationCases::ResolvedBy))
                    .to_owned(),
            )
            .await?;
        for statement in [
            // One undecided case per target (nulls do not collide).
            index(
                "idx_cases_active_target",
                ModerationCases::Table,
                vec![ModerationCases::TargetType.into_iden(), ModerationCases::ActiveTargetId.into_iden()],
                true,
            ),
            // The queue: status filter, then priority order.
            index(
                "idx_cases_queue",
                ModerationCases::Table,
                vec![ModerationCases::Status.into_iden(), ModerationCases::QueueRank.into_iden()],
                false,
            ),
            index(
                "idx_cases_target_user",
                ModerationCases::Table,
                vec![ModerationCases::TargetUserId.into_iden()],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .col(uuid(Reports::Id).primary_key())
                    .col(uuid(Reports::CaseId))
                    .col(uuid_null(Reports::ReporterId))
                    .col(string_len(Reports::TargetType, 16))
                    .col(uuid(Reports::TargetId))
                    .col(string_len(Reports::Reason, 32))
                    .col(string_len_null(Reports::Details, 4000))
                    .col(string_len(Reports::Status, 16))
                    .col(string_len_null(Reports::OutcomeAction, 24))
                    .col(timestamp_with_time_zone(Reports::CreatedAt))
                    .col(timestamp_with_time_zone_null(Reports::ResolvedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(Reports::CaseId)
                            .to(ModerationCases::Table, ModerationCases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut nulls_out(Reports::ReporterId))
                    .to_owned(),
            )
            .await?;
        for statement in [
            // One report per reporter per case.
            index(
                "idx_reports_case_reporter",
                Reports::Table,
                vec![Reports::CaseId.into_iden(), Reports::ReporterId.into_iden()],
                true,
            ),
            // "My reports" and the hourly rate limit.
            index(
                "idx_reports_reporter_created",
                Reports::Table,
                vec![Reports::ReporterId.into_iden(), Reports::CreatedAt.into_iden()],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ModerationEvents::Table)
                    .col(uuid(ModerationEvents::Id).primary_key())
                    .col(uuid(ModerationEvents::CaseId))
                    .col(uuid_null(ModerationEvents::ActorId))
                    .col(string_len(ModerationEvents::Kind, 32))
                    .col(string_len_null(ModerationEvents::Action, 24))
                    .col(string_len_null(ModerationEvents::Note, 4000))
                    .col(timestamp_with_time_zone(ModerationEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(ModerationEvents::CaseId)
                            .to(ModerationCases::Table, ModerationCases::Id),
                    )
                    .foreign_key(&mut nulls_out(ModerationEvents::ActorId))
                    .to_owned(),
            )
            .await?;
        for statement in [
            index(
                "idx_events_case",
                ModerationEvents::Table,
                vec![ModerationEvents::CaseId.into_iden(), ModerationEvents::CreatedAt.into_iden()],
                false,
            ),
            index(
                "idx_events_created",
                ModerationEvents::Table,
                vec![ModerationEvents::CreatedAt.into_iden(), ModerationEvents::Id.into_iden()],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(uuid(Notifications::Id).primary_key())
                    .col(uuid(Notifications::UserId))
                    .col(string_len(Notifications::Kind, 32))
                    .col(string_len(Notifications::Title, 200))
                    .col(text(Notifications::Body))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(Notifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_notifications_user_created",
                Notifications::Table,
                vec![Notifications::UserId.into_iden(), Notifications::CreatedAt.into_iden()],
                false,
            ))
            .await?;
        Ok(())
    }
}
