//! Family: who may pair, who answers a new link, how a link ends, and who
//! may set or loosen a teen's controls.
use chrono::{DateTime, Duration, Utc};
use entity::{LinkStatus, family_link, user, user_settings};
use uuid::Uuid;

use crate::domain::AgeBand;
use crate::error::{AppError, AppResult};
use crate::settings;

/// After a teen's link ends, how long a new pairing waits for the former
/// guardian, and how long the controls then in force stay locked.
pub const FORMER_GUARDIAN_HOLD: Duration = Duration::days(30);
/// How long a guardian has to answer a young teen's unlink, or a former
/// guardian a new pairing, before it happens anyway.
pub const ANSWER_WITHIN: Duration = Duration::days(7);

/// An adult invites a teen to pair; teens cannot.
pub fn may_invite(adult: &user::Model, now: DateTime<Utc>) -> AppResult<()> {
    if settings::age_band(adult, now).is_teen() {
        return Err(AppError::Forbidden("Only adults can invite a teen to pair".into()));
    }
    Ok(())
}

/// Only a teen (13 to 17) enters codes.
pub fn may_accept(teen: &user::Model, now: DateTime<Utc>) -> AppResult<()> {
    if !settings::age_band(teen, now).is_teen() {
        return Err(AppError::Forbidden("Pairing codes are for accounts of 13 to 17 year olds".into()));
    }
    Ok(())
}

/// Nobody pairs with themselves.
pub fn may_pair(teen: &user::Model, code_owner: Uuid) -> AppResult<()> {
    if code_owner == teen.id {
        return Err(AppError::Forbidden("You cannot pair with yourself".into()));
    }
    Ok(())
}

/// Who must approve a new link before it has powers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewLink {
    /// The teen's first guardian: active at once.
    Active,
    /// A second guardian: waits for an existing one, however long.
    WaitsForGuardians,
    /// Within `FORMER_GUARDIAN_HOLD` of the teen's last link ending: waits
    /// for that former guardian, and is active after `ANSWER_WITHIN`.
    WaitsForFormer(Uuid),
}

/// A teen cannot add a guardian alone while one is linked, nor swap the one
/// who just left for an account of their own making.
pub fn new_link(
    teen: &user_settings::Model,
    has_guardian: bool,
    adult: Uuid,
    former_still_here: bool,
    now: DateTime<Utc>,
) -> NewLink {
    if has_guardian {
        return NewLink::WaitsForGuardians;
    }
    match (teen.former_guardian_id, teen.guardian_left_at) {
        (Some(former), Some(left)) if former != adult && former_still_here && now < left + FORMER_GUARDIAN_HOLD => {
            NewLink::WaitsForFormer(former)
        }
        _ => NewLink::Active,
    }
}

/// Whether `me` may approve or refuse this pending link: one of the teen's
/// guardians, or the former guardian it waits for. Never the teen, and never
/// the adult waiting.
pub fn may_answer_pending(link: &family_link::Model, me: Uuid, guardians: &[Uuid]) -> AppResult<()> {
    if guardians.contains(&me) || link.approver_id == Some(me) {
        return Ok(());
    }
    if me == link.teen_id || me == link.guardian_id {
        return Err(AppError::Forbidden("Only a guardian already linked to this teen can answer".into()));
    }
    Err(AppError::NotFound("No such family link".into()))
}

/// How a link ends when `me` ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlink {
    Now,
    /// A teen of 13 to 15 asks their guardian, who may agree; it ends
    /// anyway `ANSWER_WITHIN` after the request.
    AskGuardian,
}

pub fn unlink(me: &user::Model, link: &family_link::Model, now: DateTime<Utc>) -> Unlink {
    let young_teen = settings::age_band(me, now) == AgeBand::Teen13To15;
    if me.id == link.teen_id && young_teen && link.status == LinkStatus::Active {
        Unlink::AskGuardian
    } else {
        Unlink::Now
    }
}

/// Only the guardian asked may agree to a young teen's unlink.
pub fn may_answer_unlink(link: &family_link::Model, me: Uuid) -> AppResult<()> {
    if link.guardian_id == me {
        return Ok(());
    }
    if me == link.teen_id {
        return Err(AppError::Forbidden("Your guardian answers this request".into()));
    }
    Err(AppError::NotFound("No such family link".into()))
}

/// A teen changes their own controls: stricter always, looser only once
/// they no longer bind them (see `controls_locked`).
pub fn may_change_own_controls(
    teen: &user_settings::Model,
    has_guardian: bool,
    loosens: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if loosens && controls_locked(teen, has_guardian, now) {
        return Err(AppError::Forbidden(
            "A guardian manages this setting: you can make it stricter, but not looser".into(),
        ));
    }
    Ok(())
}

/// When guardians disagree the stricter setting wins: each may tighten any
/// control, and loosen only those that no other guardian still linked set.
pub fn may_loosen(control: &str, set_by: &[Uuid], me: Uuid) -> AppResult<()> {
    if set_by.iter().any(|g| *g != me) {
        return Err(AppError::Forbidden(format!(
            "Another guardian set {control}: you can make it stricter, but only they can loosen it"
        )));
    }
    Ok(())
}

/// A teen asks for more time only of a guardian.
pub fn may_ask_for_time(guardians: &[Uuid]) -> AppResult<()> {
    if guardians.is_empty() {
        return Err(AppError::Forbidden("Only a teen paired with a guardian can ask for more time".into()));
    }
    Ok(())
}

/// A teen's controls and reports: the teen (when `teen_may`) and their
/// active guardians.
pub fn may_see_teen(me: Uuid, teen: Uuid, guardians: &[Uuid], teen_may: bool) -> AppResult<()> {
    if (teen_may && me == teen) || guardians.contains(&me) {
        return Ok(());
    }
    Err(AppError::Forbidden(if teen_may {
        "Only the teen and their guardians can see this".into()
    } else {
        "Only the teen's guardians can change this".into()
    }))
}

/// What anyone asking after an account that is not (or no longer) there as
/// a teen is told: the same as a stranger asking after someone's teen.
pub fn not_your_teen() -> AppError {
    AppError::Forbidden("That is not your teen".into())
}

/// A teen's circle: that link's guardian, while the link is in force.
pub fn may_see_circle(link: &family_link::Model, me: Uuid, in_force: bool) -> AppResult<()> {
    if link.guardian_id != me || !in_force {
        return Err(AppError::Forbidden("Only this teen's guardian can see whom they follow".into()));
    }
    Ok(())
}

/// Whether the controls a guardian locked still bind the teen: while a
/// guardian is linked, and for `FORMER_GUARDIAN_HOLD` after the last one
/// left. Until then the teen may make them stricter, never looser.
pub fn controls_locked(teen: &user_settings::Model, has_guardian: bool, now: DateTime<Utc>) -> bool {
    // A link that ended before its end was recorded holds the controls as before.
    teen.locked_by_guardian
        && (has_guardian || teen.guardian_left_at.is_none_or(|left| now < left + FORMER_GUARDIAN_HOLD))
}
