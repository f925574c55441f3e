//! Privacy policies, consent and privacy settings.
use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{consent, privacy_policy, user_settings};

use super::enums::CommentPolicy;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{app, policy, viewer};
use crate::error::AppResult;
use crate::service::{data_rights, privacy, settings};

pub struct PrivacyPolicy(privacy_policy::Model);

#[Object]
impl PrivacyPolicy {
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn summary_vi(&self) -> &str {
        &self.0.summary_vi
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn body_vi(&self) -> &str {
        &self.0.body_vi
    }
}

#[derive(SimpleObject)]
pub struct Consent {
    version: i32,
    accepted_at: DateTime<Utc>,
}

impl From<consent::Model> for Consent {
    fn from(row: consent::Model) -> Self {
        Self { version: row.version, accepted_at: row.accepted_at }
    }
}

#[derive(SimpleObject)]
pub struct ConsentStatus {
    /// The newest version the user accepted.
    accepted_version: Option<i32>,
    current_version: i32,
    up_to_date: bool,
    /// Every acceptance, oldest first.
    history: Vec<Consent>,
}

impl ConsentStatus {
    pub async fn load(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Self> {
        let current = privacy::current(db).await?.version;
        let history = privacy::history(db, user_id).await?;
        let accepted_version = history.iter().map(|c| c.version).max();
        Ok(Self {
            accepted_version,
            current_version: current,
            up_to_date: accepted_version == Some(current),
            history: history.into_iter().map(Consent::from).collect(),
        })
    }
}

#[derive(SimpleObject)]
pub struct PrivacySettings {
    private_account: bool,
    personalized_feed: bool,
    comment_policy: CommentPolicy,
    /// Always true for teens.
    restricted_mode: bool,
}

impl PrivacySettings {
    pub fn new(row: &user_settings::Model, band: crate::domain::AgeBand) -> Self {
        Self {
            private_account: row.private_account,
            personalized_feed: row.personalized_feed,
            comment_policy: row.comment_policy.into(),
            restricted_mode: settings::restricted_mode(row, band),
        }
    }
}

#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// The given version, or the current one.
    async fn privacy_policy(&self, ctx: &Context<'_>, version: Option<i32>) -> AppResult<PrivacyPolicy> {
        Ok(PrivacyPolicy(privacy::version(&app(ctx)?.db, version).await?))
    }

    /// Every published version, newest first.
    async fn privacy_policies(&self, ctx: &Context<'_>) -> AppResult<Vec<PrivacyPolicy>> {
        Ok(privacy::all(&app(ctx)?.db).await?.into_iter().map(PrivacyPolicy).collect())
    }
}

#[derive(InputObject)]
pub struct PrivacySettingsInput {
    private_account: Option<bool>,
    personalized_feed: Option<bool>,
    comment_policy: Option<CommentPolicy>,
    /// Cannot be turned off by teens.
    restricted_mode: Option<bool>,
}

#[derive(InputObject)]
pub struct PublishPolicyInput {
    /// 1..=2,000 characters.
    summary: String,
    summary_vi: String,
    /// 1..=100,000 characters.
    body: String,
    body_vi: String,
}

#[derive(SimpleObject)]
pub struct DeletionStatus {
    /// When the account is purged for good unless you sign in before.
    scheduled_for: DateTime<Utc>,
}

#[derive(Default)]
pub struct PrivacyMutation;

#[Object]
impl PrivacyMutation {
    /// Accepts the current version (an older or unknown one is refused).
    async fn accept_privacy_policy(&self, ctx: &Context<'_>, version: i32) -> AppResult<ConsentStatus> {
        let state = app(ctx)?;
        let me = viewer(ctx)?;
        privacy::accept(&state.db, me.id(), version, state.now()).await?;
        ConsentStatus::load(&state.db, me.id()).await
    }

    /// Publishes the next version; everyone must accept it again.
    /// Admins only.
    async fn publish_privacy_policy(&self, ctx: &Context<'_>, input: PublishPolicyInput) -> AppResult<PrivacyPolicy> {
        let state = app(ctx)?;
        let new = privacy::NewPolicy {
            summary: input.summary,
            summary_vi: input.summary_vi,
            body: input.body,
            body_vi: input.body_vi,
        };
        Ok(PrivacyPolicy(privacy::publish(&state.db, policy(ctx)?, new).await?))
    }

    /// Everything held about you, as one JSON document.
    async fn export_my_data(&self, ctx: &Context<'_>) -> AppResult<Json<serde_json::Value>> {
        let state = app(ctx)?;
        Ok(Json(data_rights::export(&state.db, viewer(ctx)?, state.now()).await?))
    }

    /// Deactivates the account at once; signing in within 30 days restores it.
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> AppResult<DeletionStatus> {
        let state = app(ctx)?;
        let scheduled_for =
            data_rights::delete_account(&state.db, &state.hasher, viewer(ctx)?, &password, state.now()).await?;
        Ok(DeletionStatus { scheduled_for })
    }

    /// Making an account public accepts every pending follow request.
    async fn update_privacy_settings(
        &self,
        ctx: &Context<'_>,
        input: PrivacySettingsInput,
    ) -> AppResult<PrivacySettings> {
        let state = app(ctx)?;
        let viewer = viewer(ctx)?;
        let now = state.now();
        let change = settings::PrivacyChange {
            private_account: input.private_account,
            personalized_feed: input.personalized_feed,
            comment_policy: input.comment_policy.map(Into::into),
            restricted_mode: input.restricted_mode,
        };
        let updated = settings::update_privacy(&state.db, &viewer.user, change, now).await?;
        Ok(PrivacySettings::new(&updated, settings::age_band(&viewer.user, now)))
    }
}
