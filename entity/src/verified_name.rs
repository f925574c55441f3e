//! A verified account's names, as skeletons: each skeleton itself (`exact`)
//! and its one-edit variants, so look-alikes are found by index.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "verified_names")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub exact: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
