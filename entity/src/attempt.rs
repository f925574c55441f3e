//! Attempts at a rate-limited action (a sign-in, a sign-up, a password
//! check), by bucket and a hash of who made them (an account or an address).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub bucket: String,
    pub subject: String,
    pub created_at: DateTimeUtc,
    /// Being checked now: it waits its turn, and is settled as a failure or
    /// taken back as a success.
    pub pending: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
