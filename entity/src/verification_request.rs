//! A request for the verified badge, with its evidence, and the admin's decision.
use sea_orm::entity::prelude::*;

use crate::{VerificationKind, VerificationStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "verification_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: VerificationKind,
    /// 20..=1000 characters.
    pub evidence: String,
    pub status: VerificationStatus,
    /// The admin's note, once decided.
    pub note: Option<String>,
    pub decided_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
