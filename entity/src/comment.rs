use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub content_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    /// The body folded for keyword matching, like `contents.search_text`.
    pub body_folded: String,
    pub created_at: DateTimeUtc,
    /// Set when moderation removes it.
    pub removed_at: Option<DateTimeUtc>,
    /// Set when the content author's comment controls held it: until
    /// `approved_at`, only its writer and the content's author see it.
    pub held_at: Option<DateTimeUtc>,
    pub approved_at: Option<DateTimeUtc>,
    /// Set when the content's author hides it; then only its writer sees it.
    pub hidden_at: Option<DateTimeUtc>,
    /// The kindness check flagged it (posted anyway, or held).
    pub flagged: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::content::Entity",
        from = "Column::ContentId",
        to = "super::content::Column::Id",
        on_delete = "Cascade"
    )]
    Content,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AuthorId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    Author,
}

impl ActiveModelBehavior for ActiveModel {}
