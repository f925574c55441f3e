use sea_orm::entity::prelude::*;

use crate::{ModerationAction, ReportReason, ReportStatus, ReportTargetType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    /// Null once the reporter's account is purged.
    pub reporter_id: Option<Uuid>,
    pub target_type: ReportTargetType,
    pub target_id: Uuid,
    pub reason: ReportReason,
    pub details: Option<String>,
    pub status: ReportStatus,
    /// The decision that closed it; its words are rendered in the reader's language.
    pub outcome_action: Option<ModerationAction>,
    pub created_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::moderation_case::Entity",
        from = "Column::CaseId",
        to = "super::moderation_case::Column::Id",
        on_delete = "Cascade"
    )]
    Case,
}

impl ActiveModelBehavior for ActiveModel {}
