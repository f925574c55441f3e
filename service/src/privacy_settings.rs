//! Changing one's privacy settings (`updatePrivacySettings`): the rules of
//! age and of a guardian's lock, and what a change sets off (follow requests
//! accepted when an account turns public, guardians told).
use chrono::{DateTime, Utc};
use entity::{CommentPolicy, user, user_settings};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

use crate::error::AppResult;
use crate::settings::{controls_apply, get};
use crate::{accounts, family, social};

/// A change to the privacy settings; absent fields stay as they are.
#[derive(Debug, Default, Clone)]
pub struct PrivacyChange {
    pub private_account: Option<bool>,
    pub personalized_feed: Option<bool>,
    pub comment_policy: Option<CommentPolicy>,
    pub restricted_mode: Option<bool>,
}

pub async fn update_privacy(
    db: &DatabaseConnection,
    user: &user::Model,
    change: PrivacyChange,
    now: DateTime<Utc>,
) -> AppResult<user_settings::Model> {
    crate::policy::accounts::may_set_restricted_mode(user, change.restricted_mode, now)?;
    let txn = crate::begin_write(db).await?;
    // The teen's row first: a guardian's `set_controls` takes it too, so the
    // lock checked below cannot change before this write commits.
    accounts::lock_user(&txn, user.id).await?;
    let current = get(&txn, user.id).await?;
    let teen = controls_apply(user, now);
    let has_guardian = teen && !family::active_guardians(&txn, user, now).await?.is_empty();
    if teen {
        crate::policy::family::may_change_own_controls(&current, has_guardian, loosens(&current, &change), now)?;
    }
    let touches_controls = change.private_account.is_some_and(|v| v != current.private_account)
        || change.comment_policy.is_some_and(|v| v != current.comment_policy);
    let becomes_public = current.private_account && change.private_account == Some(false);
    let mut active: user_settings::ActiveModel = current.into();
    if let Some(value) = change.private_account {
        active.private_account = Set(value);
    }
    if let Some(value) = change.personalized_feed {
        active.personalized_feed = Set(value);
    }
    if let Some(value) = change.comment_policy {
        active.comment_policy = Set(value);
    }
    if let Some(value) = change.restricted_mode {
        active.restricted_mode = Set(value);
    }
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    if becomes_public {
        social::accept_all(&txn, user.id, now).await?;
    }
    if teen && touches_controls {
        family::notify_controls_changed(&txn, user, Some(user.id), now).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Whether the change makes a guardian-lockable setting less strict.
fn loosens(current: &user_settings::Model, change: &PrivacyChange) -> bool {
    let opens_account = current.private_account && change.private_account == Some(false);
    let opens_comments =
        change.comment_policy.is_some_and(|policy| policy.strictness() < current.comment_policy.strictness());
    opens_account || opens_comments
}
