//! Age checks: the locked account's answer and the admins' queue.
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{age_check, user};

use super::accounts::User;
use super::connection::{Connection, Edge};
use super::loaders::ProfileLoader;
use super::scalars::Date;
use super::{access, app, loader, parse_id};
use crate::error::{AppError, AppResult};
use crate::service::age_checks;
use crate::service::pagination::PageRequest;

/// Where an age check stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::AgeCheckStatus")]
pub enum AgeCheckStatus {
    /// The account is locked; waiting for its owner's answer or an admin's decision.
    Pending,
    /// 18 or over: the account is open again.
    ConfirmedAdult,
    /// 13 to 17: the account is open again, with that age band's teen defaults.
    ConfirmedTeen,
    /// Under 13: the account was deleted and purged, and its email may not sign up for a year.
    Under13,
}

/// An age check a moderator asked of an account (`REQUIRE_AGE_CHECK`): seen
/// by admins, and by the account's owner when they answer it.
pub struct AgeCheck {
    check: age_check::Model,
    /// The account as it was decided, for a check whose account is gone (under 13).
    decided_account: Option<user::Profile>,
}

impl AgeCheck {
    fn waiting(check: age_check::Model) -> Self {
        Self { check, decided_account: None }
    }
}

#[Object]
impl AgeCheck {
    /// The check's id.
    async fn id(&self) -> ID {
        ID(self.check.id.to_string())
    }
    /// The account checked. In the answer to a decision that found it under 13, the account as it was
    /// just before it was purged.
    async fn user(&self, ctx: &Context<'_>) -> AppResult<User> {
        if let Some(account) = &self.decided_account {
            return Ok(User(account.clone()));
        }
        let gone = || AppError::NotFound("The account was deleted".into());
        let account = loader::<ProfileLoader>(ctx)?.load_one(self.check.user_id.ok_or_else(gone)?).await?;
        Ok(account.map(User).ok_or_else(gone)?)
    }
    /// Where it stands.
    async fn status(&self) -> AgeCheckStatus {
        self.check.status.into()
    }
    /// The birth date the owner gave; null until they answer.
    async fn claimed_birth_date(&self) -> Option<Date> {
        self.check.claimed_birth_date.map(Date)
    }
    /// What the owner showed; null until they answer, and erased once decided.
    async fn evidence(&self) -> Option<&str> {
        self.check.evidence.as_deref()
    }
    /// When the owner answered; null until then.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.check.submitted_at
    }
    /// When the moderator's decision asked for it.
    async fn created_at(&self) -> DateTime<Utc> {
        self.check.created_at
    }
    /// When an admin decided it.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.check.decided_at
    }
}

#[derive(Default)]
pub struct AgeCheckQuery;

#[Object]
impl AgeCheckQuery {
    /// Age checks waiting, oldest first: admins only.
    async fn age_check_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<AgeCheck>>> {
        let page = age_checks::queue(&app(ctx)?.db, access(ctx)?, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, AgeCheck::waiting))
    }
}

#[derive(Default)]
pub struct AgeCheckMutation;

#[Object]
impl AgeCheckMutation {
    /// Answers the age check a moderator asked of your account, once; an admin then decides. Only with the
    /// `ageCheckToken` that signing in gave (the error AGE_CHECK_REQUIRED).
    async fn submit_age_check(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your birth date.")] birth_date: Date,
        #[graphql(desc = "What shows it: a document described, a guardian who can vouch. 1..=2000 characters.")]
        evidence: String,
    ) -> AppResult<AgeCheck> {
        let check = age_checks::submit(&app(ctx)?.db, access(ctx)?, birth_date.0, &evidence).await?;
        Ok(AgeCheck::waiting(check))
    }

    /// Decides a waiting age check with the birth date an admin confirmed (admins only): 18 or over
    /// unlocks the account; 13 to 17 unlocks it with the teen defaults of that band; under 13 deletes
    /// and purges it at once and refuses its email for a year. The evidence is erased.
    async fn decide_age_check(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The age check.")] id: ID,
        #[graphql(desc = "The birth date the admin confirmed.")] birth_date: Date,
        #[graphql(desc = "Why, for the case's audit log. 1..=2000 characters.")] note: String,
    ) -> AppResult<AgeCheck> {
        let id = parse_id(&id, "age check")?;
        let decided = age_checks::decide(&app(ctx)?.db, access(ctx)?, id, birth_date.0, &note).await?;
        Ok(AgeCheck { check: decided.check, decided_account: Some(user::Profile::from(&decided.account)) })
    }
}
