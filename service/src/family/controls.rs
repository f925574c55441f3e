//! Guardian controls: what a guardian may set, and who is told.
use super::*;

#[derive(Debug, Default, Clone)]
pub struct ControlsChange {
    pub daily_limit_minutes: Option<i32>,
    pub clear_daily_limit: bool,
    pub weekend_limit_minutes: Option<i32>,
    pub clear_weekend_limit: bool,
    pub search_enabled: Option<bool>,
    pub comment_policy: Option<CommentPolicy>,
    pub private_account: Option<bool>,
    pub time_away: Option<Vec<(Vec<Weekday>, String, String)>>,
    pub blocked_keywords: Option<Vec<String>>,
}

/// Whether a new limit (`None`: no limit) is looser than the current one.
fn looser_limit(current: Option<i32>, new: Option<i32>) -> bool {
    match (current, new) {
        (Some(_), None) => true,
        (Some(old), Some(new)) => new > old,
        (None, _) => false,
    }
}

/// A limit to set (`Some(Some(minutes))`), to clear (`Some(None)`) or to leave
/// (`None`): 15..=480 minutes, and never both set and cleared.
pub(super) fn limit_change(
    (field, minutes): (&str, Option<i32>),
    (clear_field, clear): (&str, bool),
) -> AppResult<Option<Option<i32>>> {
    match (minutes, clear) {
        (Some(m), _) if !(15..=480).contains(&m) => Err(AppError::field(field, "must be between 15 and 480")),
        (Some(_), true) => Err(AppError::field(clear_field, format!("cannot go with a new {field}"))),
        (Some(m), false) => Ok(Some(Some(m))),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
    }
}

pub(super) fn parse_windows(windows: &[(Vec<Weekday>, String, String)]) -> AppResult<Vec<TimeWindow>> {
    if windows.len() > 20 {
        return Err(AppError::field("timeAway", "may hold at most 20 windows"));
    }
    windows
        .iter()
        .map(|(days, start, end)| {
            let bad = || AppError::field("timeAway", "needs at least one day and times written HH:MM that differ");
            let (start, end): (NaiveTime, NaiveTime) =
                (parse_clock_time(start).ok_or_else(bad)?, parse_clock_time(end).ok_or_else(bad)?);
            if days.is_empty() || start == end {
                return Err(bad());
            }
            let mut days = days.clone();
            days.sort_by_key(Weekday::num_days_from_monday);
            days.dedup();
            Ok(TimeWindow { days, start, end })
        })
        .collect()
}

pub(super) fn parse_keywords(keywords: &[String]) -> AppResult<Vec<String>> {
    if keywords.len() > 100 {
        return Err(AppError::field("blockedKeywords", "may hold at most 100 keywords"));
    }
    let mut cleaned: Vec<String> = Vec::new();
    for keyword in keywords {
        let keyword = keyword.split_whitespace().collect::<Vec<_>>().join(" ");
        if !(1..=50).contains(&keyword.chars().count()) {
            return Err(AppError::field("blockedKeywords", "must each be 1 to 50 characters long"));
        }
        if !cleaned.iter().any(|k| k.to_lowercase() == keyword.to_lowercase()) {
            cleaned.push(keyword);
        }
    }
    Ok(cleaned)
}

/// A guardian sets the teen's controls; from then on they are locked and
/// the teen may only tighten them.
pub async fn set_controls(
    db: &DatabaseConnection,
    guardian: &Viewer,
    teen_id: Uuid,
    change: ControlsChange,
    now: DateTime<Utc>,
) -> AppResult<user_settings::Model> {
    let teen = guarded_teen(db, guardian, teen_id, now).await?;
    let daily =
        limit_change(("dailyLimitMinutes", change.daily_limit_minutes), ("clearDailyLimit", change.clear_daily_limit))?;
    let weekend = limit_change(
        ("weekendLimitMinutes", change.weekend_limit_minutes),
        ("clearWeekendLimit", change.clear_weekend_limit),
    )?;
    let windows = change.time_away.as_deref().map(parse_windows).transpose()?;
    let keywords = change.blocked_keywords.as_deref().map(parse_keywords).transpose()?;

    let txn = crate::begin_write(db).await?;
    accounts::lock_user(&txn, teen.id).await?;
    let current = settings::get(&txn, teen.id).await?;
    // When guardians disagree the stricter setting wins: each may tighten any
    // control, and loosen only those they set themselves.
    let me = guardian.user.id;
    let guardians = active_guardians(&txn, &teen, now).await?;
    let mut setters = current.controls_set_by.clone().unwrap_or_default();
    // Without a weekend limit of its own, the weekend follows the daily limit,
    // and so does who holds it: a weekend limit above it, or clearing one
    // below it, loosens what the daily limit's guardians set.
    if current.weekend_limit_minutes.is_none()
        && let Some(daily_holders) = setters.0.get("dailyLimitMinutes").cloned()
    {
        setters.0.entry("weekendLimitMinutes".to_owned()).or_default().extend(daily_holders);
    }
    let weekend_now = current.weekend_limit_minutes.or(current.daily_limit_minutes);
    let daily_after = daily.unwrap_or(current.daily_limit_minutes);
    let changed = [
        ("dailyLimitMinutes", daily.map(|limit| looser_limit(current.daily_limit_minutes, limit))),
        ("weekendLimitMinutes", weekend.map(|limit| looser_limit(weekend_now, limit.or(daily_after)))),
        ("searchEnabled", change.search_enabled.map(|on| on && !current.search_enabled)),
        ("commentPolicy", change.comment_policy.map(|p| p.strictness() < current.comment_policy.strictness())),
        ("privateAccount", change.private_account.map(|private| current.private_account && !private)),
        ("timeAway", windows.as_ref().map(|new| current.time_away.0.iter().any(|old| !new.contains(old)))),
        (
            "blockedKeywords",
            keywords.as_ref().map(|new| {
                current.blocked_keywords.0.iter().any(|old| !new.iter().any(|k| k.to_lowercase() == old.to_lowercase()))
            }),
        ),
    ];
    for (control, loosens) in changed {
        let Some(loosens) = loosens else { continue };
        // Guardians who have left no longer hold anything.
        let mut set_by: Vec<Uuid> =
            setters.0.remove(control).unwrap_or_default().into_iter().filter(|g| guardians.contains(g)).collect();
        set_by.sort_unstable();
        set_by.dedup();
        if loosens {
            rules::may_loosen(control, &set_by, me)?;
        }
        if !set_by.contains(&me) {
            set_by.push(me);
        }
        setters.0.insert(control.to_owned(), set_by);
    }
    let mut active: user_settings::ActiveModel = current.into();
    active.controls_set_by = Set(Some(setters));
    if let Some(limit) = daily {
        active.daily_limit_minutes = Set(limit);
    }
    if let Some(limit) = weekend {
        active.weekend_limit_minutes = Set(limit);
    }
    if let Some(value) = change.search_enabled {
        active.search_enabled = Set(value);
    }
    if let Some(value) = change.comment_policy {
        active.comment_policy = Set(value);
    }
    if let Some(value) = change.private_account {
        active.private_account = Set(value);
    }
    if let Some(windows) = windows {
        active.time_away = Set(TimeWindows(windows));
    }
    if let Some(keywords) = keywords {
        active.blocked_keywords = Set(Keywords(keywords));
    }
    active.locked_by_guardian = Set(true);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    notify_controls_changed(&txn, &teen, Some(guardian.user.id), now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Tells the teen and their guardians, except whoever made the change.
pub async fn notify_controls_changed(
    db: &impl ConnectionTrait,
    teen: &user::Model,
    changed_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut recipients = active_guardians(db, teen, now).await?;
    recipients.push(teen.id);
    for recipient in recipients.into_iter().filter(|r| Some(*r) != changed_by) {
        notifications::notify_id(db, recipient, Notice::ControlsChanged { teen }, now).await?;
    }
    Ok(())
}
