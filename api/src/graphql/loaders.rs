//! DataLoaders batch the lookups that lists of objects make: one query per
//! kind per request, however many objects ask.
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use entity::{FollowState, campaign, comment, content, content_tag, follow, like, tag, user, user_settings};
use sea_orm::sea_query::{Expr, Func, ValueType};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use async_graphql::dataloader::{DataLoader, HashMapCache};

use crate::error::AppError;
use crate::service::policy::cases::CaseEvidence;

/// Rows of `E` by their UUID primary key: users' settings, campaigns, evidence.
pub struct ById<E>(DatabaseConnection, PhantomData<fn() -> E>);

impl<E> ById<E> {
    pub fn new(db: DatabaseConnection) -> Self {
        Self(db, PhantomData)
    }
}

/// Whole accounts, for a rule that needs more than a profile (a family
/// link's status, by the teen's age); a `User` never shows one.
pub type AccountLoader = ById<user::Entity>;
pub type SettingsLoader = ById<user_settings::Entity>;
pub type CampaignLoader = ById<campaign::Entity>;

/// Rows of `E` whatever their state, past the visibility rules: a case's
/// evidence. Every load needs the policy's `CaseEvidence`, so no other read
/// path can use it.
pub struct EvidenceLoader<E: EntityTrait>(Arc<DataLoader<ById<E>, HashMapCache>>)
where
    E::Model: Send + Sync + Clone + 'static;

impl<E: EntityTrait> EvidenceLoader<E>
where
    E::Model: Send + Sync + Clone + 'static,
{
    pub fn new(loader: Arc<DataLoader<ById<E>, HashMapCache>>) -> Self {
        Self(loader)
    }

    pub async fn load(&self, _evidence: &CaseEvidence, id: Uuid) -> Result<Option<E::Model>, AppError> {
        self.0.load_one(id).await
    }

    /// Forgets what was read, for a subscription that reads every change afresh.
    pub fn clear(&self) {
        self.0.clear();
    }
}

impl<E: EntityTrait> Clone for EvidenceLoader<E>
where
    E::Model: Send + Sync + Clone + 'static,
{
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

pub type ContentEvidence = EvidenceLoader<content::Entity>;
pub type CommentEvidence = EvidenceLoader<comment::Entity>;

impl<E> async_graphql::dataloader::Loader<Uuid> for ById<E>
where
    E: EntityTrait,
    E::Model: Send + Sync + Clone + 'static,
{
    type Value = E::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let column = E::PrimaryKey::iter()
            .next()
            .ok_or_else(|| AppError::internal("an entity without a primary key"))?
            .into_column();
        let rows = E::find().filter(column.is_in(keys.iter().copied())).all(&self.0).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| <Uuid as ValueType>::try_from(row.get(column)).ok().map(|id| (id, row)))
            .collect())
    }
}

/// Public profiles by account id: every `User` an answer shows, read
/// without the columns only the account's owner may see.
pub struct ProfileLoader(pub DatabaseConnection);

impl async_graphql::dataloader::Loader<Uuid> for ProfileLoader {
    type Value = user::Profile;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().copied()))
            .into_partial_model::<user::Profile>()
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|profile| (profile.id, profile)).collect())
    }
}

/// The tags of each content, in slug order.
pub struct ContentTagsLoader(pub DatabaseConnection);

impl async_graphql::dataloader::Loader<Uuid> for ContentTagsLoader {
    type Value = Vec<tag::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = content_tag::Entity::find()
            .filter(content_tag::Column::ContentId.is_in(keys.iter().copied()))
            .find_also_related(tag::Entity)
            .all(&self.0)
            .await?;
        let mut tags: HashMap<Uuid, Vec<tag::Model>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (link, tag) in rows {
            if let Some(tag) = tag {
                tags.entry(link.content_id).or_default().push(tag);
            }
        }
        for list in tags.values_mut() {
            list.sort_by(|a, b| a.slug.cmp(&b.slug));
        }
        Ok(tags)
    }
}

/// Which of the contents the viewer likes; always false for anonymous viewers.
pub struct LikedLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Uuid>,
}

impl async_graphql::dataloader::Loader<Uuid> for LikedLoader {
    type Value = bool;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut liked: HashMap<Uuid, bool> = keys.iter().map(|k| (*k, false)).collect();
        if let Some(viewer) = self.viewer {
            let rows = like::Entity::find()
                .filter(like::Column::UserId.eq(viewer))
                .filter(like::Column::ContentId.is_in(keys.iter().copied()))
                .all(&self.db)
                .await?;
            for row in rows {
                liked.insert(row.content_id, true);
            }
        }
        Ok(liked)
    }
}

/// Accepted followers and followings of each user.
#[derive(Debug, Clone, Copy, Default)]
pub struct FollowCounts {
    pub followers: i32,
    pub following: i32,
}

pub struct FollowCountsLoader(pub DatabaseConnection);

impl FollowCountsLoader {
    async fn count_by(&self, keys: &[Uuid], side: follow::Column) -> Result<HashMap<Uuid, i32>, AppError> {
        let rows: Vec<(Uuid, i64)> = follow::Entity::find()
            .select_only()
            .column(side)
            .column_as(Expr::from(Func::count(Expr::col(side))), "n")
            .filter(side.is_in(keys.iter().copied()))
            .filter(follow::Column::Status.eq(FollowState::Accepted))
            .group_by(side)
            .into_tuple()
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|(id, n)| (id, <i32 as TryFrom<i64>>::try_from(n).unwrap_or(i32::MAX))).collect())
    }
}

impl async_graphql::dataloader::Loader<Uuid> for FollowCountsLoader {
    type Value = FollowCounts;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let followers = self.count_by(keys, follow::Column::FolloweeId).await?;
        let following = self.count_by(keys, follow::Column::FollowerId).await?;
        Ok(keys
            .iter()
            .map(|k| {
                let counts = FollowCounts {
                    followers: followers.get(k).copied().unwrap_or(0),
                    following: following.get(k).copied().unwrap_or(0),
                };
                (*k, counts)
            })
            .collect())
    }
}

/// The viewer's follow (or request) towards each user.
pub struct FollowStatusLoader {
    pub db: DatabaseConnection,
    pub viewer: Option<Uuid>,
}

impl async_graphql::dataloader::Loader<Uuid> for FollowStatusLoader {
    type Value = Option<FollowState>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut status: HashMap<Uuid, Option<FollowState>> = keys.iter().map(|k| (*k, None)).collect();
        if let Some(viewer) = self.viewer {
            let rows = follow::Entity::find()
                .filter(follow::Column::FollowerId.eq(viewer))
                .filter(follow::Column::FolloweeId.is_in(keys.iter().copied()))
                .all(&self.db)
                .await?;
            for row in rows {
                status.insert(row.followee_id, Some(row.status));
            }
        }
        Ok(status)
    }
}

/// The verified account each account resembles (`identity::resembling`):
/// two statements per batch, however many users a page shows.
pub struct ResemblesLoader(pub DatabaseConnection);

impl async_graphql::dataloader::Loader<Uuid> for ResemblesLoader {
    type Value = Uuid;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Uuid>, Self::Error> {
        let accounts = user::Entity::find().filter(user::Column::Id.is_in(keys.iter().copied())).all(&self.0).await?;
        crate::service::identity::resembling(&self.0, &accounts).await
    }
}
