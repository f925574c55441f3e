//! The append-only audit log. The code only ever inserts these rows.
use sea_orm::entity::prelude::*;

use crate::ModerationAction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    /// Null for the system (automatic hiding) and once an actor is purged.
    pub actor_id: Option<Uuid>,
    pub kind: String,
    pub action: Option<ModerationAction>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::moderation_case::Entity",
        from = "Column::CaseId",
        to = "super::moderation_case::Column::Id"
    )]
    Case,
}

impl Related<super::moderation_case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
