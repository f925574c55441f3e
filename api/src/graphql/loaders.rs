//! DataLoaders batch the lookups that lists of objects make, one query per
//! kind per request instead of one per object.
use std::collections::HashMap;

use entity::user_settings;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;

pub struct SettingsLoader(pub DatabaseConnection);

impl async_graphql::dataloader::Loader<Uuid> for SettingsLoader {
    type Value = user_settings::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = user_settings::Entity::find()
            .filter(user_settings::Column::UserId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|row| (row.user_id, row)).collect())
    }
}
