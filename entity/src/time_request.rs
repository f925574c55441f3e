use sea_orm::entity::prelude::*;

use crate::TimeRequestStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub teen_id: Uuid,
    pub minutes: i32,
    pub reason: Option<String>,
    pub status: TimeRequestStatus,
    pub granted_minutes: Option<i32>,
    /// The teen's local day the granted minutes belong to; they end at its midnight.
    pub granted_for: Option<Date>,
    pub answered_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
