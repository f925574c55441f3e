use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    /// In Vietnamese (in the recipient's language, for rows written before
    /// `title_en` was).
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// In English; null for rows written in one language only.
    pub title_en: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub body_en: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    /// What the notification is about, where there is one.
    pub case_id: Option<Uuid>,
    pub content_id: Option<Uuid>,
    pub link_id: Option<Uuid>,
    pub time_request_id: Option<Uuid>,
    /// The account the text names by handle.
    pub mentioned_user_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// (title, body) in English when `english`, else in Vietnamese; rows
    /// written in one language give that one.
    pub fn words(&self, english: bool) -> (&str, &str) {
        match (english, &self.title_en, &self.body_en) {
            (true, Some(title), Some(body)) => (title, body),
            _ => (&self.title, &self.body),
        }
    }
}
