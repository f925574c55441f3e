//! Accounts and sign-in: `User`, `Me`, sign-up, sessions and roles.
use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{FollowState, user};

use super::enums::{AgeBand, Role};
use validator::{Validate, ValidationError};

use super::connection::{Connection, Edge, EdgeCursor};
use super::family::{ScreenTimeStatus, TeenControls};
use super::identity::VerificationKind;
use super::kindness::CommentControls;
use super::privacy::{ConsentStatus, PrivacySettings};
use super::scalars::Date;
use super::{access, app, loader, parse_id, viewer};
use crate::domain::{self, DisplayName, Email, Handle, Locale, Password, checks};
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::{FollowCountsLoader, FollowStatusLoader, ProfileLoader, ResemblesLoader, SettingsLoader};
use crate::service::accounts::{self, NewAccount};
use crate::service::pagination::PageRequest;
use crate::service::sessions::{self, IssuedTokens};
use crate::service::{auth, screen_time, settings, social};

/// A public profile.
pub struct User(pub user::Profile);

impl User {
    /// The public profile of an account read whole.
    pub fn of(account: &user::Model) -> Self {
        Self(account.into())
    }
}

/// A person's public profile.
#[Object]
impl User {
    /// The account's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Unique name, lower-case: 3..=24 of a-z, 0-9, `.` and `_`.
    async fn handle(&self) -> &str {
        &self.0.handle
    }
    /// The name shown, 1..=50 characters of any script.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Whether the account carries the verified badge.
    async fn verified(&self) -> bool {
        self.0.verified
    }
    /// What the badge says the account is; null unless verified.
    async fn verified_kind(&self) -> Option<VerificationKind> {
        self.0.verified_kind.map(Into::into)
    }
    /// A few words about the account, 0..=160 characters.
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    /// The verified account this one's handle or display name is within one
    /// edit of, so clients can warn ("this is not @minh.tran"); null when none.
    async fn resembles(&self, ctx: &Context<'_>) -> AppResult<Option<User>> {
        let Some(id) = loader::<ResemblesLoader>(ctx)?.load_one(self.0.id).await? else { return Ok(None) };
        let now = access(ctx)?.now();
        // A locked, suspended or deleted account is hidden here as on its own profile.
        let resembled = loader::<ProfileLoader>(ctx)?.load_one(id).await?;
        Ok(resembled.filter(|account| auth::is_visible_account(account, now)).map(User))
    }
    /// Whether the account is private: only accepted followers see its content, and follows become requests.
    async fn is_private(&self, ctx: &Context<'_>) -> AppResult<bool> {
        Ok(loader::<SettingsLoader>(ctx)?.load_one(self.0.id).await?.is_some_and(|s| s.private_account))
    }
    /// Accepted followers (pending requests not counted).
    async fn follower_count(&self, ctx: &Context<'_>) -> AppResult<i32> {
        Ok(loader::<FollowCountsLoader>(ctx)?.load_one(self.0.id).await?.unwrap_or_default().followers)
    }
    /// Accounts this user follows, accepted follows only.
    async fn following_count(&self, ctx: &Context<'_>) -> AppResult<i32> {
        Ok(loader::<FollowCountsLoader>(ctx)?.load_one(self.0.id).await?.unwrap_or_default().following)
    }
    /// NONE for anonymous viewers.
    async fn viewer_follow_status(&self, ctx: &Context<'_>) -> AppResult<FollowStatus> {
        Ok(match loader::<FollowStatusLoader>(ctx)?.load_one(self.0.id).await?.flatten() {
            None => FollowStatus::None,
            Some(FollowState::Requested) => FollowStatus::Requested,
            Some(FollowState::Accepted) => FollowStatus::Following,
        })
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Where the viewer stands with following a user.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowStatus {
    /// Not following, and no request waiting.
    None,
    /// A request to follow this private account waits for its owner's answer.
    Requested,
    /// Following: the follow is accepted.
    Following,
}

/// The signed-in viewer's own account.
pub struct Me(pub user::Model);

impl Me {
    async fn settings_row(&self, ctx: &Context<'_>) -> AppResult<entity::user_settings::Model> {
        Ok(loader::<SettingsLoader>(ctx)?
            .load_one(self.0.id)
            .await?
            .ok_or_else(|| AppError::internal(format!("settings missing for user {}", self.0.id)))?)
    }

    fn band(&self, ctx: &Context<'_>) -> AppResult<domain::AgeBand> {
        Ok(settings::age_band(&self.0, access(ctx)?.now()))
    }
}

/// The signed-in viewer's own account, with what only they may see.
#[Object]
impl Me {
    /// The viewer's public profile.
    async fn user(&self) -> User {
        User::of(&self.0)
    }
    /// The sign-in email, lower-case.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The account's role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The birth date given at sign-up.
    async fn birth_date(&self) -> Date {
        Date(self.0.birth_date)
    }
    /// The age band today, from the birth date in the account's time zone.
    async fn age_band(&self, ctx: &Context<'_>) -> AppResult<AgeBand> {
        Ok(self.band(ctx)?.into())
    }
    /// IANA time zone, such as `Asia/Ho_Chi_Minh`: it sets the local day for screen time and late night.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// "vi" or "en": the language of notifications and feed reasons.
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    /// What holds comments on your content for your approval.
    async fn comment_controls(&self, ctx: &Context<'_>) -> AppResult<CommentControls> {
        Ok(CommentControls::new(&self.settings_row(ctx).await?, access(ctx)?.now()))
    }
    /// The privacy settings.
    async fn settings(&self, ctx: &Context<'_>) -> AppResult<PrivacySettings> {
        Ok(PrivacySettings::new(&self.settings_row(ctx).await?, self.band(ctx)?))
    }
    /// The controls that apply to a teen; null for adults.
    async fn controls(&self, ctx: &Context<'_>) -> AppResult<Option<TeenControls>> {
        if !self.band(ctx)?.is_teen() {
            return Ok(None);
        }
        Ok(Some(TeenControls::from(self.settings_row(ctx).await?)))
    }
    /// Today's screen time; limits apply only to teens.
    async fn screen_time(&self, ctx: &Context<'_>) -> AppResult<ScreenTimeStatus> {
        let settings = self.settings_row(ctx).await?;
        Ok(screen_time::status(&app(ctx)?.db, &self.0, &settings, access(ctx)?.now()).await?.into())
    }
    /// Consent to the privacy policy: the versions accepted and the current one.
    async fn consent(&self, ctx: &Context<'_>) -> AppResult<ConsentStatus> {
        ConsentStatus::load(&app(ctx)?.db, self.0.id).await
    }
}

/// A new session's credentials, and the account signed in.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    /// A JWT to send as `Authorization: Bearer <token>`; valid 15 minutes.
    access_token: String,
    /// Opaque and single-use, valid 30 days: trade it with `refreshSession`, or end the session with `logOut`.
    refresh_token: String,
    /// When the access token stops working.
    access_token_expires_at: DateTime<Utc>,
    /// True when this sign-in cancelled the account's deletion, requested within the last 30 days.
    deletion_cancelled: bool,
    #[graphql(skip)]
    user: user::Model,
}

#[ComplexObject]
impl AuthPayload {
    /// The account signed in.
    async fn me(&self) -> Me {
        Me(self.user.clone())
    }

    /// Keep it on this device and send it with `logIn`: the device then has a sign-in budget of its
    /// own, which wrong passwords tried elsewhere cannot use up. Valid 365 days; it opens nothing else.
    async fn device_token(&self, ctx: &Context<'_>) -> AppResult<String> {
        Ok(app(ctx)?.tokens.issue_device(self.user.id, access(ctx)?.now())?.token)
    }
}

impl AuthPayload {
    fn new(user: user::Model, tokens: IssuedTokens) -> Self {
        Self {
            access_token: tokens.access.token,
            refresh_token: tokens.refresh_token,
            access_token_expires_at: tokens.access.expires_at,
            deletion_cancelled: false,
            user,
        }
    }
}

/// A new account.
#[derive(InputObject, Validate)]
pub struct SignUpInput {
    /// 3..=24 of a-z 0-9 . _ ; unique, case-insensitive. At most 24 characters.
    #[validate(custom(function = "checks::handle"))]
    handle: String,
    /// 1..=50 characters, any script.
    #[validate(custom(function = "checks::display_name"))]
    display_name: String,
    /// Unique, case-insensitive. At most 254 characters.
    #[validate(custom(function = "checks::email"))]
    email: String,
    /// 10..=128 characters.
    #[validate(custom(function = "checks::password"))]
    password: String,
    /// Sets the age band: under 13 is refused with AGE_RESTRICTED; not in the future nor over 120 years ago.
    birth_date: Date,
    /// Must equal the current privacy policy version.
    accepted_policy_version: i32,
    /// IANA name; default Asia/Ho_Chi_Minh. At most 64 characters.
    #[validate(custom(function = "checks::timezone"))]
    timezone: Option<String>,
    /// "vi" (default) or "en". At most 8 characters.
    #[validate(custom(function = "checks::locale"))]
    locale: Option<String>,
}

fn parsed<T>(field: &str, result: Result<T, ValidationError>) -> AppResult<T> {
    Ok(result.map_err(|e| AppError::field(field, e.message.map_or_else(|| "is invalid".into(), |m| m.to_string())))?)
}

impl SignUpInput {
    fn into_account(self) -> AppResult<NewAccount> {
        self.validate()?;
        Ok(NewAccount {
            handle: parsed("handle", Handle::parse(&self.handle))?,
            display_name: parsed("displayName", DisplayName::parse(&self.display_name))?,
            email: parsed("email", Email::parse(&self.email))?,
            password: parsed("password", Password::parse(&self.password))?,
            birth_date: self.birth_date.0,
            timezone: parsed(
                "timezone",
                domain::parse_timezone(self.timezone.as_deref().unwrap_or(domain::DEFAULT_TIMEZONE)),
            )?,
            locale: parsed("locale", Locale::parse(self.locale.as_deref().unwrap_or("vi")))?,
            role: entity::Role::User,
            accepted_policy_version: self.accepted_policy_version,
        })
    }
}

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in viewer, or null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> AppResult<Option<Me>> {
        Ok(access(ctx)?.viewer()?.map(|v| Me(v.user.clone())))
    }

    /// A public profile; null for unknown, suspended, banned and deleted accounts.
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The handle, case-insensitive. At most 24 characters.")] handle: String,
    ) -> AppResult<Option<User>> {
        Ok(accounts::find_visible_by_handle(&app(ctx)?.db, access(ctx)?, &handle).await?.as_ref().map(User::of))
    }

    /// Pending requests to follow me, oldest first.
    async fn follow_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<User>>> {
        let me = viewer(ctx)?;
        let state = app(ctx)?;
        let page =
            social::pending_requests(&state.db, me.user.id, &PageRequest::new(first, after)?, access(ctx)?.now())
                .await?;
        let users = loader::<ProfileLoader>(ctx)?.load_many(page.items.iter().map(|(_, f)| f.follower_id)).await?;
        let page = page.map(|f| f.follower_id);
        let mut edges = Vec::with_capacity(page.items.len());
        for (cursor, id) in page.items.iter() {
            if let Some(user) = users.get(id) {
                edges.push(Edge { cursor: EdgeCursor(*cursor), node: User(user.clone()) });
            }
        }
        let page_info =
            super::connection::PageInfo { has_next_page: page.has_next_page, end_cursor: page.end_cursor() };
        Ok(Connection { edges, page_info })
    }
}

#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Creates an account with its age band's default settings, accepts the policy and signs in.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: SignUpInput,
    ) -> AppResult<AuthPayload> {
        let state = app(ctx)?;
        let now = access(ctx)?.now();
        let address = access(ctx)?.address();
        let user = accounts::sign_up(&state.db, &state.hasher, input.into_account()?, address, now).await?;
        let tokens = sessions::start(&state.db, &state.tokens, user.id, now).await?;
        Ok(AuthPayload::new(user, tokens))
    }

    /// Signs in and opens a session. A wrong email or password is UNAUTHENTICATED; a suspended or banned
    /// account gets ACCOUNT_SUSPENDED with an `appealToken`, and an account locked for an age check gets
    /// AGE_CHECK_REQUIRED with an `ageCheckToken` (one hour; it opens `submitAgeCheck`, `myDecisions` and
    /// `appealDecision`), the `caseId` that asked for it and `submittedAt` once answered. Signing in
    /// cancels a pending account deletion.
    async fn log_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's email, case-insensitive. At most 254 characters.")] email: String,
        #[graphql(desc = "The account's password. At most 128 characters.")] password: String,
        #[graphql(desc = "The `deviceToken` this device was given when it last signed in to this account; \
                          a wrong or expired one is ignored. At most 512 characters.")]
        device_token: Option<String>,
    ) -> AppResult<AuthPayload> {
        let state = app(ctx)?;
        let access = access(ctx)?;
        let credentials =
            accounts::Credentials { email: &email, password: &password, device_token: device_token.as_deref() };
        let signed_in =
            accounts::log_in(&state.db, &state.hasher, &state.tokens, &credentials, access.address(), access.now())
                .await?;
        let deletion_cancelled = signed_in.deletion_cancelled;
        Ok(AuthPayload { deletion_cancelled, ..AuthPayload::new(signed_in.user, signed_in.tokens) })
    }

    /// Changes the language you read in: feed reasons and notifications (already sent ones too) follow it.
    async fn set_locale(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "\"vi\" or \"en\". At most 8 characters.")] locale: String,
    ) -> AppResult<Me> {
        Ok(Me(accounts::set_locale(&app(ctx)?.db, access(ctx)?, &locale).await?))
    }

    /// Trades a refresh token for a new pair. Each refresh token works once:
    /// presenting a used one signs the whole session out.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session's latest refresh token. At most 128 characters.")] refresh_token: String,
    ) -> AppResult<AuthPayload> {
        let state = app(ctx)?;
        let (user, tokens) = sessions::rotate(&state.db, &state.tokens, &refresh_token, access(ctx)?.now()).await?;
        Ok(AuthPayload::new(user, tokens))
    }

    /// Ends the session the refresh token belongs to, with all its tokens.
    async fn log_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A refresh token of the session to end. At most 128 characters.")] refresh_token: String,
    ) -> AppResult<bool> {
        let state = app(ctx)?;
        sessions::end(&state.db, &refresh_token, access(ctx)?.now()).await?;
        Ok(true)
    }

    /// Follows a public account at once, or asks to follow a private one.
    async fn follow(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to follow.")] user_id: ID,
    ) -> AppResult<User> {
        let state = app(ctx)?;
        let me = viewer(ctx)?;
        Ok(User::of(&social::follow(&state.db, me.user.id, parse_id(&user_id, "user")?, access(ctx)?.now()).await?))
    }

    /// Stops following, or withdraws a request.
    async fn unfollow(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to stop following.")] user_id: ID,
    ) -> AppResult<User> {
        let state = app(ctx)?;
        let me = viewer(ctx)?;
        Ok(User::of(&social::unfollow(&state.db, me.user.id, parse_id(&user_id, "user")?, access(ctx)?.now()).await?))
    }

    /// Stops another user following me (or drops their request).
    async fn remove_follower(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The follower (or requester) to remove.")] user_id: ID,
    ) -> AppResult<bool> {
        let me = viewer(ctx)?;
        social::remove_follower(&app(ctx)?.db, me.user.id, parse_id(&user_id, "user")?).await?;
        Ok(true)
    }

    /// Accepts or declines a request to follow me.
    async fn answer_follow_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account that asked to follow me.")] user_id: ID,
        #[graphql(desc = "True accepts the request; false declines it.")] accept: bool,
    ) -> AppResult<User> {
        let state = app(ctx)?;
        let me = viewer(ctx)?;
        Ok(User::of(
            &social::answer(&state.db, me.user.id, parse_id(&user_id, "user")?, accept, access(ctx)?.now()).await?,
        ))
    }

    /// Changes an account's role and returns its profile. Admins only; nobody changes their own role.
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to change; not your own.")] user_id: ID,
        #[graphql(desc = "The new role.")] role: Role,
    ) -> AppResult<User> {
        let user = accounts::set_role(&app(ctx)?.db, access(ctx)?, parse_id(&user_id, "user")?, role.into()).await?;
        Ok(User::of(&user))
    }
}
