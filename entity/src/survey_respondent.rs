//! Who has answered a wave of a campaign, kept only to refuse a second
//! response. It names no response and keeps no time, so answers cannot be
//! joined back to a person.
use sea_orm::entity::prelude::*;

use crate::SurveyWave;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_respondents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub wave: SurveyWave,
    /// SHA-256 of the client's `respondentKey`, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    pub user_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
