//! The tag taxonomy. It is reference data, written when the database is
//! prepared and never by a request, so each instance reads it once at start
//! instead of on every feed or listing.
use entity::tag;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::error::AppResult;

#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    tags: Vec<tag::Model>,
}

impl Taxonomy {
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<Self> {
        let mut tags = tag::Entity::find().all(db).await?;
        // Sorted here: the database's collation may order slugs otherwise.
        tags.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(Self { tags })
    }

    /// Every tag, in slug order.
    pub fn all(&self) -> &[tag::Model] {
        &self.tags
    }

    pub fn get(&self, slug: &str) -> Option<&tag::Model> {
        self.tags.binary_search_by(|t| t.slug.as_str().cmp(slug)).ok().and_then(|i| self.tags.get(i))
    }
}
