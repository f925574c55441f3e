use sea_orm::entity::prelude::*;

use crate::LinkStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "family_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub guardian_id: Uuid,
    pub teen_id: Uuid,
    pub status: LinkStatus,
    pub created_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    /// A teen of 13 to 15 asked to end this link: it ends when the guardian
    /// agrees, or 7 days after this.
    pub unlink_requested_at: Option<DateTimeUtc>,
    /// The former guardian a new pairing waits for, when it came within 30
    /// days of the teen's last link ending; it becomes active after 7 days
    /// without an answer.
    pub approver_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
