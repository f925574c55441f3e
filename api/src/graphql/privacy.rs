//! Privacy policies, consent and privacy settings.
use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{consent, privacy_policy, user_settings};

use super::enums::CommentPolicy;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{access, app, viewer};
use crate::error::AppResult;
use crate::service::{data_rights, privacy, privacy_settings, settings};

pub struct PrivacyPolicy(privacy_policy::Model);

/// A published version of the privacy policy, in English and Vietnamese.
#[Object]
impl PrivacyPolicy {
    /// The version number: 1 for the first, one more for each next.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was published and came into force.
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
    /// A short summary, in English.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// A short summary, in Vietnamese.
    async fn summary_vi(&self) -> &str {
        &self.0.summary_vi
    }
    /// The full text, in English.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The full text, in Vietnamese.
    async fn body_vi(&self) -> &str {
        &self.0.body_vi
    }
}

/// One acceptance of a policy version.
#[derive(SimpleObject)]
pub struct Consent {
    /// The version accepted.
    version: i32,
    /// When it was accepted.
    accepted_at: DateTime<Utc>,
}

impl From<consent::Model> for Consent {
    fn from(row: consent::Model) -> Self {
        Self { version: row.version, accepted_at: row.accepted_at }
    }
}

/// Where the user stands with the privacy policy.
#[derive(SimpleObject)]
pub struct ConsentStatus {
    /// The newest version the user accepted.
    accepted_version: Option<i32>,
    /// The version in force.
    current_version: i32,
    /// Whether the user accepted the current version; until they do, most mutations fail with CONSENT_REQUIRED.
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

/// The account's privacy settings.
#[derive(SimpleObject)]
pub struct PrivacySettings {
    /// Whether only accepted followers see the account's content; follows of it become requests.
    private_account: bool,
    /// Whether the feed is ranked by the tastes learned from the user's activity.
    personalized_feed: bool,
    /// Who may comment on the account's content.
    comment_policy: CommentPolicy,
    /// Whether MATURE content is hidden from the account; always true for teens.
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
    async fn privacy_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A published version; the current one when absent.")] version: Option<i32>,
    ) -> AppResult<PrivacyPolicy> {
        Ok(PrivacyPolicy(privacy::version(&app(ctx)?.db, version).await?))
    }

    /// Every published version, newest first.
    async fn privacy_policies(&self, ctx: &Context<'_>) -> AppResult<Vec<PrivacyPolicy>> {
        Ok(privacy::all(&app(ctx)?.db).await?.into_iter().map(PrivacyPolicy).collect())
    }
}

/// Changes to the viewer's privacy settings; absent fields stay as they are. Once a guardian has set a
/// teen's controls, the teen may make the account private and comments stricter, never the reverse.
#[derive(InputObject)]
pub struct PrivacySettingsInput {
    /// Whether only accepted followers see your content; making it public accepts every pending request.
    private_account: Option<bool>,
    /// Whether the feed is ranked by the tastes learned from your activity.
    personalized_feed: Option<bool>,
    /// Who may comment on your content.
    comment_policy: Option<CommentPolicy>,
    /// Hides MATURE content. Cannot be turned off by teens.
    restricted_mode: Option<bool>,
}

/// The next version of the privacy policy.
#[derive(InputObject)]
pub struct PublishPolicyInput {
    /// The summary in English, 1..=2,000 characters.
    summary: String,
    /// The summary in Vietnamese, 1..=2,000 characters.
    summary_vi: String,
    /// The full text in English, 1..=100,000 characters.
    body: String,
    /// The full text in Vietnamese, 1..=100,000 characters.
    body_vi: String,
}

/// An account scheduled for deletion.
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
    async fn accept_privacy_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current version's number.")] version: i32,
    ) -> AppResult<ConsentStatus> {
        let state = app(ctx)?;
        let me = viewer(ctx)?;
        privacy::accept(&state.db, me.id(), version, access(ctx)?.now()).await?;
        ConsentStatus::load(&state.db, me.id()).await
    }

    /// Publishes the next version; everyone must accept it again.
    /// Admins only.
    async fn publish_privacy_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new version's texts.")] input: PublishPolicyInput,
    ) -> AppResult<PrivacyPolicy> {
        let state = app(ctx)?;
        let new = privacy::NewPolicy {
            summary: input.summary,
            summary_vi: input.summary_vi,
            body: input.body,
            body_vi: input.body_vi,
        };
        Ok(PrivacyPolicy(privacy::publish(&state.db, access(ctx)?, new).await?))
    }

    /// Everything held about you, as one JSON document.
    async fn export_my_data(&self, ctx: &Context<'_>) -> AppResult<Json<serde_json::Value>> {
        let state = app(ctx)?;
        Ok(Json(data_rights::export(&state.db, viewer(ctx)?, access(ctx)?.now()).await?))
    }

    /// Deactivates the account at once; signing in within 30 days restores it.
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your password; a wrong one is UNAUTHENTICATED. At most 128 characters.")] password: String,
    ) -> AppResult<DeletionStatus> {
        let state = app(ctx)?;
        let scheduled_for =
            data_rights::delete_account(&state.db, &state.hasher, viewer(ctx)?, &password, access(ctx)?.now()).await?;
        Ok(DeletionStatus { scheduled_for })
    }

    /// Changes your privacy settings. Making an account public accepts every pending follow request.
    async fn update_privacy_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: PrivacySettingsInput,
    ) -> AppResult<PrivacySettings> {
        let state = app(ctx)?;
        let viewer = viewer(ctx)?;
        let now = access(ctx)?.now();
        let change = privacy_settings::PrivacyChange {
            private_account: input.private_account,
            personalized_feed: input.personalized_feed,
            comment_policy: input.comment_policy.map(Into::into),
            restricted_mode: input.restricted_mode,
        };
        let updated = privacy_settings::update_privacy(&state.db, &viewer.user, change, now).await?;
        Ok(PrivacySettings::new(&updated, settings::age_band(&viewer.user, now)))
    }
}
