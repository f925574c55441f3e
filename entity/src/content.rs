use sea_orm::entity::prelude::*;

use crate::{Audience, ContentStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub author_id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub caption: String,
    pub language: String,
    pub media_url: String,
    pub duration_seconds: i32,
    pub audience: Audience,
    pub status: ContentStatus,
    /// Title, caption, tags and author handle, lower-cased and without
    /// diacritics; written with the content, searched with LIKE.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub view_count: i32,
    pub like_count: i32,
    pub comment_count: i32,
    /// When its author was last told of a comment storm on it (once a day at most).
    pub storm_told_at: Option<DateTimeUtc>,
    pub share_count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set when the author deletes it; such content is gone from every read path.
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AuthorId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    Author,
    #[sea_orm(belongs_to = "super::campaign::Entity", from = "Column::CampaignId", to = "super::campaign::Column::Id")]
    Campaign,
    #[sea_orm(has_many = "super::content_tag::Entity")]
    Tags,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl Related<super::content_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tags.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
