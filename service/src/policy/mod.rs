//! Every trust & safety rule in one place, one file per area: who is calling
//! and the teen gate (here), what content and comments each caller may see
//! and who may publish, comment or delete (`content`), who acts on and who
//! appeals a case and what each sees of it (`cases`), pairing, links and a
//! guardian's powers (`family`), consent, roles and age-bound settings
//! (`accounts`). `docs/safety.md` lists every rule with its function.
//!
//! An `Access` is built once per operation (an HTTP request, or one operation
//! over a WebSocket) from the caller's credential and one reading of the
//! clock, and every service takes what it needs from it. Reads need proofs
//! only this module makes: [`ContentReads`] (after the teen gate),
//! [`TargetChecks`], `cases::CaseActor`, `cases::CaseEvidence`. A read path
//! that forgets a rule has no proof to pass, and does not compile.
use chrono::{DateTime, Utc};
use entity::{Role, user};
use sea_orm::ConnectionTrait;
use tokio::sync::OnceCell;

use crate::auth::{Caller, Viewer};
use crate::domain::AgeBand;
use crate::error::{AppError, AppResult};
use crate::{screen_time, settings};

pub mod accounts;
pub mod cases;
pub mod content;
pub mod family;

pub use content::{ContentReads, Scope, TargetChecks};

/// What the token of a locked account may do: read and appeal its
/// decisions, and answer an age check.
pub const LOCKED_ACCOUNT_OPERATIONS: &[&str] = &["myDecisions", "appealDecision", "submitAgeCheck"];

pub struct Access {
    caller: Caller,
    now: DateTime<Utc>,
    /// The client's address, from the connection or a trusted proxy's header.
    address: Option<String>,
    /// The teen gate's verdict, decided at most once per operation.
    gate: OnceCell<Result<(), AppError>>,
}

impl Access {
    pub fn new(caller: Caller, now: DateTime<Utc>, address: Option<String>) -> Self {
        Self { caller, now, address, gate: OnceCell::new() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Where the operation came from, for per-address limits.
    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    /// The signed-in member, if any. A bad token, and an appeal-only token,
    /// are errors rather than anonymity.
    pub fn viewer(&self) -> AppResult<Option<&Viewer>> {
        self.caller.viewer()
    }

    /// The signed-in member; `UNAUTHENTICATED` for anonymous callers.
    pub fn member(&self) -> AppResult<&Viewer> {
        self.viewer()?.ok_or_else(AppError::unauthenticated)
    }

    /// A member who is 18 or over.
    pub fn adult(&self) -> AppResult<&user::Model> {
        let viewer = self.member()?;
        if settings::age_band(&viewer.user, self.now) != AgeBand::Adult {
            return Err(AppError::Forbidden("Only adults can do this".into()));
        }
        Ok(&viewer.user)
    }

    /// A member holding one of `roles`.
    pub fn staff(&self, roles: &[Role]) -> AppResult<&Viewer> {
        let viewer = self.member()?;
        if !viewer.has_role(roles) {
            return Err(AppError::Forbidden("You do not have permission to do this".into()));
        }
        Ok(viewer)
    }

    /// The account that may read and appeal its own decisions: a member, or
    /// a suspended or banned user with an appeal token.
    pub fn appellant(&self) -> AppResult<&user::Model> {
        match &self.caller {
            Caller::Appealing(user) => Ok(user),
            _ => Ok(&self.member()?.user),
        }
    }

    /// The account answering its age check: only with the token that
    /// signing in gave it while locked for one.
    pub fn age_check_subject(&self) -> AppResult<&user::Model> {
        match &self.caller {
            Caller::Appealing(user) if user.age_check_required_at.is_some() => Ok(user),
            Caller::Appealing(_) => Err(AppError::Forbidden("No age check is asked of this account".into())),
            _ => {
                self.member()?;
                Err(AppError::Forbidden("No age check is asked of this account".into()))
            }
        }
    }

    /// Whether the caller reads Vietnamese (the default) or English.
    pub fn vietnamese(&self) -> bool {
        match &self.caller {
            Caller::Signed(viewer) => viewer.user.locale != "en",
            Caller::Appealing(user) => user.locale != "en",
            _ => true,
        }
    }

    /// The visibility rules for acting on an item without showing it (a
    /// report, a deletion, a view's minutes). Reads use `content_reads`.
    pub fn target_checks(&self) -> AppResult<TargetChecks> {
        Ok(TargetChecks::new(Scope::of(self.viewer()?, self.now)))
    }

    /// Permission to read content: refused to a teen inside a time-away
    /// window or past today's limit, on every path that shows content.
    pub async fn content_reads(&self, db: &impl ConnectionTrait) -> AppResult<ContentReads> {
        let viewer = self.viewer()?;
        if let Some(viewer) = viewer {
            let verdict = self.gate.get_or_init(|| async { teen_gate(db, viewer, self.now).await }).await;
            verdict.clone()?;
        }
        Ok(ContentReads::new(Scope::of(viewer, self.now)))
    }

    /// Whether a teen's guardian has left search on.
    pub fn search(&self) -> AppResult<()> {
        match self.viewer()? {
            Some(viewer) if !settings::search_allowed(viewer, self.now) => {
                Err(AppError::Forbidden("A guardian has turned search off for this account".into()))
            }
            _ => Ok(()),
        }
    }

    /// Whether the caller may run this root operation at all: a locked
    /// account's token opens `LOCKED_ACCOUNT_OPERATIONS` and nothing else,
    /// not even what anonymous callers may read.
    pub fn admits(&self, operation: &str) -> AppResult<()> {
        match &self.caller {
            Caller::Appealing(_) if !LOCKED_ACCOUNT_OPERATIONS.contains(&operation) => self.caller.viewer().map(drop),
            _ => Ok(()),
        }
    }

    /// Every mutation but the few a user needs to consent, leave or take
    /// their data requires the current privacy policy.
    pub async fn consent_for(&self, db: &impl ConnectionTrait, mutation: &str) -> AppResult<()> {
        if accounts::ALLOWED_WITHOUT_CONSENT.contains(&mutation) {
            return Ok(());
        }
        // Anonymous callers and bad tokens are refused by the operation itself.
        match self.viewer() {
            Ok(Some(viewer)) => accounts::require_consent(db, viewer.id()).await,
            _ => Ok(()),
        }
    }
}

/// Time away first, then today's limit.
async fn teen_gate(db: &impl ConnectionTrait, viewer: &Viewer, now: DateTime<Utc>) -> AppResult<()> {
    if !settings::controls_apply(&viewer.user, now) {
        return Ok(());
    }
    let status = screen_time::status(db, &viewer.user, &viewer.settings, now).await?;
    if let Some(ends_at) = status.away_until {
        return Err(AppError::TimeAway { ends_at });
    }
    if status.limit_reached {
        return Err(AppError::ScreenTimeLimitReached {
            used_minutes: status.used_minutes,
            limit_minutes: status.limit_minutes.unwrap_or(0) + status.extra_minutes,
            resets_at: status.resets_at,
        });
    }
    Ok(())
}
