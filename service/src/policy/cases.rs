//! Moderation cases: who may act on one, who may appeal one, and what of
//! one each caller is shown.
use chrono::{DateTime, Duration, Utc};
use entity::{CaseStatus, ModerationAction, Role, moderation_case as case};
use uuid::Uuid;

use super::Access;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};

/// How long after a decision its affected user may appeal.
pub const APPEAL_WINDOW: Duration = Duration::days(30);

/// What of a moderation case the caller is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseView {
    /// Moderators and admins: everything.
    Full,
    /// The affected user: the decision, never who reported, what they wrote,
    /// or which moderator decided.
    Redacted,
}

/// Proof that a moderator may act on one case now: made only by
/// [`Access::case_actor`], and required by every action on a case.
#[derive(Debug)]
pub struct CaseActor<'a> {
    viewer: &'a Viewer,
    case_id: Uuid,
}

impl CaseActor<'_> {
    pub fn id(&self) -> Uuid {
        self.viewer.id()
    }

    /// Whether this proof was made for `case`.
    pub fn acts_on(&self, case: &case::Model) -> AppResult<()> {
        if self.case_id != case.id {
            return Err(AppError::internal("a case action was given another case's actor"));
        }
        Ok(())
    }
}

/// Proof that the caller reviews a case whole (a moderator or admin, not on
/// a case about themselves), so may read its target whatever the target's
/// state. Made only by [`Access::case_evidence`]; the loaders that read
/// content and comments past the visibility rules need it.
#[derive(Debug)]
pub struct CaseEvidence(());

/// Proof that the caller is the affected user of a decision they may still
/// appeal; made only by [`Access::appellant_of`].
#[derive(Debug)]
pub struct CaseAppellant {
    pub user_id: Uuid,
}

impl Access {
    /// A moderator or admin who may act on this case: never on a case about
    /// their own account or content; only an admin on a case about a
    /// moderator's or an admin's account or content, or on an escalated
    /// case; and an appeal only by another moderator than the one who
    /// decided.
    pub fn case_actor(&self, case: &case::Model, target_role: Option<Role>) -> AppResult<CaseActor<'_>> {
        let actor = self.staff(&[Role::Moderator, Role::Admin])?;
        let admin = actor.user.role == Role::Admin;
        if case.target_user_id == Some(actor.id()) {
            return Err(AppError::Forbidden("You cannot act on a case about your own account or content".into()));
        }
        if target_role.is_some_and(Role::moderates) && !admin {
            return Err(AppError::Forbidden("Only an admin can act on a case about a moderator or an admin".into()));
        }
        if case.status == CaseStatus::Resolved {
            return Err(AppError::Conflict("This case is already resolved".into()));
        }
        if case.status == CaseStatus::Escalated && !admin {
            return Err(AppError::Forbidden("Only an admin can decide an escalated case".into()));
        }
        if case.appealed_at.is_some() && case.resolved_by == Some(actor.id()) {
            return Err(AppError::Forbidden("An appeal must be decided by a different moderator".into()));
        }
        Ok(CaseActor { viewer: actor, case_id: case.id })
    }

    /// The affected user appealing a decision: once, within `APPEAL_WINDOW`
    /// of it. Anyone else is told the case does not exist.
    pub fn appellant_of(&self, case: &case::Model) -> AppResult<CaseAppellant> {
        let appellant = self.appellant()?.id;
        if case.target_user_id != Some(appellant) {
            return Err(AppError::NotFound("No such case".into()));
        }
        match appealable_until(case) {
            None => Err(AppError::Conflict("This decision cannot be appealed (again)".into())),
            Some(until) if self.now() > until => {
                Err(AppError::Forbidden("Decisions can be appealed within 30 days".into()))
            }
            Some(_) => Ok(CaseAppellant { user_id: appellant }),
        }
    }

    /// Permission to read the case's target past the visibility rules: for
    /// those who see the case whole; `None` for everyone else.
    pub fn case_evidence(&self, case: &case::Model) -> Option<CaseEvidence> {
        (self.case_view(case) == CaseView::Full).then_some(CaseEvidence(()))
    }

    /// How much of a case the caller sees: everything for moderators and
    /// admins, except on a case about themselves, where they are the
    /// affected user like anyone else.
    pub fn case_view(&self, case: &case::Model) -> CaseView {
        match self.viewer() {
            Ok(Some(viewer)) if viewer.user.role.moderates() && case.target_user_id != Some(viewer.id()) => {
                CaseView::Full
            }
            _ => CaseView::Redacted,
        }
    }

    /// The case as this caller may see it. The redacted copy keeps the
    /// decision and the affected user's own appeal, and drops every trace of
    /// who reported, how many did, who moderated and how the queue ranks it.
    pub fn present_case(&self, case: case::Model) -> case::Model {
        if self.case_view(&case) == CaseView::Full {
            return case;
        }
        case::Model {
            snapshot: case::Snapshot::default(),
            priority_base: 0,
            tier: case::LOWEST_TIER,
            queue_rank: 0,
            report_count: 0,
            assignee_id: None,
            claimed_until: None,
            version: 0,
            resolved_by: None,
            auto_hidden: false,
            last_reported_at: case.opened_at,
            ..case
        }
    }
}

/// Until when the affected user may appeal: 30 days after a decision that
/// acted on them, once; `None` for dismissals and appealed cases.
pub fn appealable_until(case: &case::Model) -> Option<DateTime<Utc>> {
    let acted =
        case.status == CaseStatus::Resolved && !matches!(case.resolution, Some(ModerationAction::Dismiss) | None);
    if !acted || case.appealed_at.is_some() {
        return None;
    }
    case.resolved_at.map(|at| at + APPEAL_WINDOW)
}
