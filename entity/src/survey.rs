//! A questionnaire for one wave of a campaign, open for a window of time.
use sea_orm::entity::prelude::*;

use crate::SurveyWave;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "surveys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub wave: SurveyWave,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Open from `opens_at` up to, not including, `closes_at`.
    pub fn is_open(&self, now: DateTimeUtc) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}
