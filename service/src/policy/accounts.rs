//! Accounts: consent to the privacy policy, roles, and the settings whose
//! strictness depends on age.
use chrono::{DateTime, Utc};
use entity::{consent, privacy_policy, user};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::settings;

/// Admins change roles, never their own: the last admin cannot lock
/// everyone out by accident.
pub fn may_set_role(actor: Uuid, user_id: Uuid) -> AppResult<()> {
    if actor == user_id {
        return Err(AppError::Forbidden("You cannot change your own role".into()));
    }
    Ok(())
}

/// Restricted mode is always on under 18.
pub fn may_set_restricted_mode(user: &user::Model, on: Option<bool>, now: DateTime<Utc>) -> AppResult<()> {
    if on == Some(false) && settings::age_band(user, now).is_teen() {
        return Err(AppError::Forbidden("Restricted mode is always on for accounts under 18".into()));
    }
    Ok(())
}

/// Mutations that work without consent to the current policy: a user must
/// always be able to consent, leave, take their data and delete it.
/// A survey response is stored apart from the account (`campaign::surveys`),
/// so answering one needs no consent to the account's data processing.
pub const ALLOWED_WITHOUT_CONSENT: &[&str] = &[
    "signUp",
    "logIn",
    "refreshSession",
    "logOut",
    "acceptPrivacyPolicy",
    "exportMyData",
    "deleteAccount",
    "submitSurveyResponse",
];

/// Refuses with `CONSENT_REQUIRED` until the user accepted the current
/// version of the privacy policy.
pub async fn require_consent(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<()> {
    let newest =
        Query::select().expr(Expr::col(privacy_policy::Column::Version).max()).from(privacy_policy::Entity).to_owned();
    let accepted = consent::Entity::find()
        .filter(consent::Column::UserId.eq(user_id))
        .filter(consent::Column::Version.in_subquery(newest))
        .one(db)
        .await?;
    if accepted.is_some() {
        return Ok(());
    }
    let current: Option<i32> = privacy_policy::Entity::find()
        .select_only()
        .column(privacy_policy::Column::Version)
        .order_by_desc(privacy_policy::Column::Version)
        .into_tuple()
        .one(db)
        .await?;
    Err(AppError::ConsentRequired(current.ok_or_else(|| AppError::internal("no privacy policy has been published"))?))
}
