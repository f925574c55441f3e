//! Who has answered a survey, kept only to refuse a second response. It
//! names no response, so answers cannot be joined back to a person.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_respondents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub survey_id: Uuid,
    /// SHA-256 of the client's `respondentKey`, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    pub user_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
