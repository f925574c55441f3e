//! An age check a moderator asked of an account: what its owner says and
//! shows, and the admin's decision.
use sea_orm::entity::prelude::*;

use crate::AgeCheckStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "age_checks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// None once the account is purged (a child's, at once): the decision stays.
    pub user_id: Option<Uuid>,
    /// The account while the check waits, None once decided: unique, so an
    /// account has at most one check waiting.
    #[sea_orm(unique)]
    pub pending_user_id: Option<Uuid>,
    /// The `REQUIRE_AGE_CHECK` decision that asked for it.
    pub case_id: Option<Uuid>,
    pub status: AgeCheckStatus,
    /// What the owner says, once they answer.
    pub claimed_birth_date: Option<Date>,
    /// What the owner shows (1..=2000 characters); erased once decided.
    pub evidence: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
