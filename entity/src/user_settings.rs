//! One row per user: the privacy settings and, for teens, the controls a
//! guardian may lock. `me.settings` and `me.controls` are two views of it, so
//! there is a single source of truth for overlapping fields.
use chrono::{NaiveTime, Weekday};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::CommentPolicy;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub days: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct TimeWindows(pub Vec<TimeWindow>);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Keywords(pub Vec<String>);

/// The guardians who have set each control (by the control's input name):
/// any guardian may tighten a control, and loosen it only while no other
/// guardian has set it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Setters(pub std::collections::BTreeMap<String, Vec<Uuid>>);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub private_account: bool,
    pub personalized_feed: bool,
    pub comment_policy: CommentPolicy,
    /// The user's own choice; teens are always restricted whatever this says.
    pub restricted_mode: bool,
    pub daily_limit_minutes: Option<i32>,
    /// Used instead of `daily_limit_minutes` on Saturday and Sunday.
    pub weekend_limit_minutes: Option<i32>,
    pub search_enabled: bool,
    #[sea_orm(column_type = "Json")]
    pub time_away: TimeWindows,
    #[sea_orm(column_type = "Json")]
    pub blocked_keywords: Keywords,
    pub locked_by_guardian: bool,
    /// Comments on this account's content that the kindness check flags are held.
    pub filter_unkind: bool,
    /// Comments on this account's content containing one of these (compared
    /// by skeleton) are held.
    #[sea_orm(column_type = "Json")]
    pub filter_keywords: Keywords,
    /// Until then, comments from accounts that do not follow this one, or
    /// are younger than 7 days, are held.
    pub comments_limited_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// When the teen last dismissed the wind-down prompt.
    pub wind_down_dismissed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Json", nullable)]
    pub controls_set_by: Option<Setters>,
    /// The guardian of the teen's last link to end, and when it ended: for
    /// 30 days a new pairing waits for them, and the controls stay locked.
    pub former_guardian_id: Option<Uuid>,
    pub guardian_left_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
