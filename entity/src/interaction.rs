//! Every signal a viewer gives, with its time: views with their watch time,
//! likes, shares, swipes, "not interested", and searches.
use sea_orm::entity::prelude::*;

use crate::InteractionKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// Absent for searches.
    pub content_id: Option<Uuid>,
    pub kind: InteractionKind,
    pub watched_ms: Option<i32>,
    /// The folded search text, for searches.
    pub query: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::content::Entity",
        from = "Column::ContentId",
        to = "super::content::Column::Id",
        on_delete = "Cascade"
    )]
    Content,
}

impl ActiveModelBehavior for ActiveModel {}
