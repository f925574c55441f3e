//! Accounts: roles, and the settings whose strictness depends on age.
use chrono::{DateTime, Utc};
use entity::user;
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
