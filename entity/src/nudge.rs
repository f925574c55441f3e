//! A kindness nudge: an unkind comment someone was asked to think again
//! about, and what they did.
use sea_orm::entity::prelude::*;

use crate::NudgeOutcome;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nudges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub content_id: Uuid,
    /// The words the check matched, as written, joined by ", ".
    pub words: String,
    /// None until settled: by the next comment on the item within 10
    /// minutes, or as withdrawn after them.
    pub outcome: Option<NudgeOutcome>,
    pub created_at: DateTimeUtc,
    pub settled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
