//! Who is who: profiles, the verified badge and the requests for it.
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::verification_request as request;
use validator::Validate;

use super::accounts::{Me, User};
use super::connection::{Connection, Edge};
use super::loaders::ProfileLoader;
use super::{access, app, loader, parse_id};
use crate::domain::{DisplayName, Handle};
use crate::error::{AppError, AppResult};
use crate::service::identity::{self, ProfileChange};
use crate::service::pagination::PageRequest;

/// What a verified account is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::VerificationKind")]
pub enum VerificationKind {
    /// A person who makes videos.
    Creator,
    /// A company, an authority, a charity or a newsroom.
    Organisation,
    /// A person known to the public.
    PublicFigure,
}

/// Where a request for verification stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::VerificationStatus")]
pub enum VerificationStatus {
    /// Waiting for an admin.
    Pending,
    /// The account is verified.
    Approved,
    /// Not granted; see the note.
    Denied,
}

/// A request for the verified badge: seen by the account that made it and by admins.
pub struct VerificationRequest(pub request::Model);

#[Object]
impl VerificationRequest {
    /// The request's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The account asking.
    async fn user(&self, ctx: &Context<'_>) -> AppResult<User> {
        let user = loader::<ProfileLoader>(ctx)?.load_one(self.0.user_id).await?;
        Ok(user.map(User).ok_or_else(|| AppError::NotFound("No such user".into()))?)
    }
    /// What the account says it is.
    async fn kind(&self) -> VerificationKind {
        self.0.kind.into()
    }
    /// Why: links, documents described, who can vouch (20..=1000 characters).
    async fn evidence(&self) -> &str {
        &self.0.evidence
    }
    /// Where it stands.
    async fn status(&self) -> VerificationStatus {
        self.0.status.into()
    }
    /// The admin's note, once decided.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When an admin decided it.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
}

/// Changes to your profile; fields left out stay as they are.
#[derive(InputObject, Validate)]
pub struct UpdateProfileInput {
    /// 3..=24 of `a-z 0-9 . _`; at most one change per 30 days. At most 24 characters.
    #[validate(length(max = 24))]
    handle: Option<String>,
    /// 1..=50 characters of any script; no check marks. At most 50 characters.
    #[validate(length(max = 50))]
    display_name: Option<String>,
    /// 0..=160 characters; empty clears it. At most 160 characters.
    #[validate(length(max = 160))]
    bio: Option<String>,
}

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// Your requests for the verified badge, newest first (at most 50).
    async fn my_verification_requests(&self, ctx: &Context<'_>) -> AppResult<Vec<VerificationRequest>> {
        let requests = identity::my_requests(&app(ctx)?.db, access(ctx)?).await?;
        Ok(requests.into_iter().map(VerificationRequest).collect())
    }

    /// Requests for the badge, oldest first: admins only.
    async fn verification_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which requests; PENDING when absent.")] status: Option<VerificationStatus>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<VerificationRequest>>> {
        let page =
            identity::queue(&app(ctx)?.db, access(ctx)?, status.map(Into::into), &PageRequest::new(first, after)?)
                .await?;
        Ok(Connection::from_page(page, VerificationRequest))
    }
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Changes your handle, display name or bio. A name too close to a
    /// verified account's is refused; a verified account that changes its
    /// handle or display name loses the badge until verified again.
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> AppResult<Me> {
        input.validate()?;
        let change = ProfileChange {
            handle: input
                .handle
                .as_deref()
                .map(Handle::parse)
                .transpose()
                .map_err(|e| AppError::invalid("handle", &e))?,
            display_name: input
                .display_name
                .as_deref()
                .map(DisplayName::parse)
                .transpose()
                .map_err(|e| AppError::invalid("displayName", &e))?,
            bio: input.bio,
        };
        Ok(Me(identity::update_profile(&app(ctx)?.db, access(ctx)?, change).await?))
    }

    /// Asks for the verified badge (adults only; one request waits at a time).
    async fn request_verification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the account is.")] kind: VerificationKind,
        #[graphql(desc = "Why: links, documents described, who can vouch. 20..=1000 characters.")] evidence: String,
    ) -> AppResult<VerificationRequest> {
        let made = identity::request_verification(&app(ctx)?.db, access(ctx)?, kind.into(), &evidence).await?;
        Ok(VerificationRequest(made))
    }

    /// Approves or denies a waiting request (admins only); the account is told either way.
    async fn decide_verification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] id: ID,
        #[graphql(desc = "True verifies the account.")] approve: bool,
        #[graphql(desc = "Why, shown to the account. 1..=500 characters.")] note: String,
    ) -> AppResult<VerificationRequest> {
        let id = parse_id(&id, "verification request")?;
        let decided = identity::decide(&app(ctx)?.db, access(ctx)?, id, approve, &note).await?;
        Ok(VerificationRequest(decided))
    }
}
