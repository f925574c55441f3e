//! What the feed has learned of a viewer's taste for a tag (see
//! `service::feed::tastes` for how the weights are kept).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tag_tastes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag_slug: String,
    /// The sum of fading signals, each scaled up by its time.
    pub fading: f64,
    /// The sum of lasting signals (NOT_INTERESTED).
    pub lasting: f64,
    /// The sum of the fading signals against the tag (swipes, early exits,
    /// "not interested"), scaled like `fading`: `fading` is net of them.
    pub against: f64,
    /// Whether a search named this tag.
    pub searched: bool,
    /// How many of the viewer's signals were for the tag (a watch past 40%,
    /// a like, a share, a search): a reason names a taste only from two.
    pub positive_signals: i32,
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

impl ActiveModelBehavior for ActiveModel {}
