//! Teen controls and the types they are made of.
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::accounts::User;
use super::connection::{Connection, Edge};
use super::loaders::{AccountLoader, ProfileLoader};
use super::scalars::Date;
use super::{access, app, loader, parse_id, viewer};
use crate::error::{AppError, AppResult};
use crate::service::pagination::PageRequest;
use crate::service::screen_time::{self, ScreenTime};
use crate::service::{family, settings};
use entity::{family_link, time_request, user_settings};

use super::enums::{CommentPolicy, LinkStatus, TimeRequestStatus};
use uuid::Uuid;

/// A day of the week, in the teen's time zone.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl From<Weekday> for chrono::Weekday {
    fn from(day: Weekday) -> Self {
        match day {
            Weekday::Mon => chrono::Weekday::Mon,
            Weekday::Tue => chrono::Weekday::Tue,
            Weekday::Wed => chrono::Weekday::Wed,
            Weekday::Thu => chrono::Weekday::Thu,
            Weekday::Fri => chrono::Weekday::Fri,
            Weekday::Sat => chrono::Weekday::Sat,
            Weekday::Sun => chrono::Weekday::Sun,
        }
    }
}

impl From<chrono::Weekday> for Weekday {
    fn from(day: chrono::Weekday) -> Self {
        match day {
            chrono::Weekday::Mon => Weekday::Mon,
            chrono::Weekday::Tue => Weekday::Tue,
            chrono::Weekday::Wed => Weekday::Wed,
            chrono::Weekday::Thu => Weekday::Thu,
            chrono::Weekday::Fri => Weekday::Fri,
            chrono::Weekday::Sat => Weekday::Sat,
            chrono::Weekday::Sun => Weekday::Sun,
        }
    }
}

/// A daily window, `HH:MM` to `HH:MM`; it crosses midnight when end < start.
#[derive(SimpleObject)]
pub struct TimeWindow {
    /// The days on which the window opens.
    days: Vec<Weekday>,
    /// When it opens, `HH:MM` in the teen's time zone.
    start: String,
    /// When it closes, `HH:MM`; on the next day when earlier than `start`.
    end: String,
}

impl From<&user_settings::TimeWindow> for TimeWindow {
    fn from(window: &user_settings::TimeWindow) -> Self {
        Self {
            days: window.days.iter().copied().map(Weekday::from).collect(),
            start: window.start.format("%H:%M").to_string(),
            end: window.end.format("%H:%M").to_string(),
        }
    }
}

/// The controls that apply to a teen, as guardians (or the age band's defaults) set them.
#[derive(SimpleObject)]
pub struct TeenControls {
    /// Minutes of watching a day, counted in the teen's time zone; null for no limit.
    daily_limit_minutes: Option<i32>,
    /// Applies on Saturday and Sunday instead of `dailyLimitMinutes`.
    weekend_limit_minutes: Option<i32>,
    /// Always true for teens.
    restricted_mode: bool,
    /// Whether the teen may search content.
    search_enabled: bool,
    /// Who may comment on the teen's content.
    comment_policy: CommentPolicy,
    /// Whether the teen's account is private.
    private_account: bool,
    /// Windows in which the teen cannot watch: reading content fails with TIME_AWAY.
    time_away: Vec<TimeWindow>,
    /// Content and comments containing any of these are hidden from the teen (case and diacritics ignored).
    blocked_keywords: Vec<String>,
    /// Whether a guardian has set the controls; the teen may then make the account private or comments
    /// stricter, never the reverse.
    locked_by_guardian: bool,
    /// When the settings last changed.
    updated_at: DateTime<Utc>,
}

impl From<user_settings::Model> for TeenControls {
    fn from(row: user_settings::Model) -> Self {
        Self {
            daily_limit_minutes: row.daily_limit_minutes,
            weekend_limit_minutes: row.weekend_limit_minutes,
            restricted_mode: true,
            search_enabled: row.search_enabled,
            comment_policy: row.comment_policy.into(),
            private_account: row.private_account,
            time_away: row.time_away.0.iter().map(TimeWindow::from).collect(),
            blocked_keywords: row.blocked_keywords.0,
            locked_by_guardian: row.locked_by_guardian,
            updated_at: row.updated_at,
        }
    }
}

/// Today's screen time in the user's time zone.
#[derive(SimpleObject)]
pub struct ScreenTimeStatus {
    /// Today, in the user's time zone.
    date: Date,
    /// Minutes watched today, from the `watchedMs` of VIEW interactions.
    used_minutes: i32,
    /// Today's limit (the weekend one on Saturday and Sunday), extra minutes not included; null when no
    /// limit applies, as for adults.
    limit_minutes: Option<i32>,
    /// Minutes guardians granted for today; 0 without a limit.
    extra_minutes: i32,
    /// Minutes left today (limit plus extra, less used), never below 0; null without a limit.
    remaining_minutes: Option<i32>,
    /// Whether today's minutes are used up; reading content then fails with SCREEN_TIME_LIMIT_REACHED.
    limit_reached: bool,
    /// Whether a time-away window is open now.
    in_time_away: bool,
}

impl From<ScreenTime> for ScreenTimeStatus {
    fn from(s: ScreenTime) -> Self {
        Self {
            date: Date(s.date),
            used_minutes: s.used_minutes,
            limit_minutes: s.limit_minutes,
            extra_minutes: s.extra_minutes,
            remaining_minutes: s.remaining_minutes,
            limit_reached: s.limit_reached,
            in_time_away: s.in_time_away,
        }
    }
}

/// A code an adult gives a teen, who enters it with `acceptPairingCode` to make the adult their guardian.
#[derive(SimpleObject)]
pub struct PairingCode {
    /// 8 characters, no look-alikes (0/O, 1/I/L); single use.
    code: String,
    /// When the code stops working, 15 minutes after it was made.
    expires_at: DateTime<Utc>,
}

pub struct FamilyLink(pub family_link::Model);

impl FamilyLink {
    async fn circle(
        &self,
        ctx: &Context<'_>,
        circle: family::Circle,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Edge<User>>> {
        let page = PageRequest::new(first, after)?;
        let people = family::teen_circle(&app(ctx)?.db, access(ctx)?, &self.0, circle, &page).await?;
        Ok(Connection::from_page(people, |account| User::of(&account)))
    }
}

/// A link between a guardian and a teen.
#[Object]
impl FamilyLink {
    /// The link's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The adult.
    async fn guardian(&self, ctx: &Context<'_>) -> AppResult<User> {
        user_by_id(ctx, self.0.guardian_id).await
    }
    /// Whom the teen follows; for this link's active guardian only.
    async fn teen_following(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<User>>> {
        self.circle(ctx, family::Circle::Following, first, after).await
    }
    /// Who follows the teen; for this link's active guardian only.
    async fn teen_followers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<User>>> {
        self.circle(ctx, family::Circle::Followers, first, after).await
    }
    /// The teen.
    async fn teen(&self, ctx: &Context<'_>) -> AppResult<User> {
        user_by_id(ctx, self.0.teen_id).await
    }
    /// PENDING until an existing guardian approves; ACTIVE until either side
    /// unlinks or the teen turns 18.
    async fn status(&self, ctx: &Context<'_>) -> AppResult<LinkStatus> {
        // The teen's age decides it, which a public profile does not hold.
        let accounts = loader::<AccountLoader>(ctx)?;
        let missing = || AppError::NotFound("No such user".into());
        let teen = accounts.load_one(self.0.teen_id).await?.ok_or_else(missing)?;
        let guardian = accounts.load_one(self.0.guardian_id).await?.ok_or_else(missing)?;
        Ok(family::status(&self.0, &teen, &guardian, access(ctx)?.now()).into())
    }
    /// When the teen accepted the guardian's code.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was unlinked or refused, or ended by the teen turning 18; null before.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    /// When a teen of 13 to 15 asked to end this link; it ends when the guardian agrees
    /// (`answerFamilyLink`) or at `answerBy`. Null when nobody asked, or the guardian kept it.
    async fn unlink_requested_at(&self) -> Option<DateTime<Utc>> {
        self.0.unlink_requested_at.filter(|_| self.0.ended_at.is_none())
    }
    /// True while this link, made within 30 days of the teen's last link ending, waits for that
    /// former guardian (who sees it in their `familyLinks` and answers with `answerFamilyLink`).
    async fn waits_for_former_guardian(&self) -> bool {
        self.0.approver_id.is_some() && self.0.status == entity::LinkStatus::Pending
    }
    /// When what waits on this link happens without an answer: a young teen's unlink ends it, a
    /// pairing waiting for a former guardian becomes ACTIVE. Null when nothing waits on a deadline.
    async fn answer_by(&self) -> Option<DateTime<Utc>> {
        let waiting_since = match self.0.status {
            entity::LinkStatus::Active => self.0.unlink_requested_at,
            entity::LinkStatus::Pending => self.0.approver_id.map(|_| self.0.created_at),
            entity::LinkStatus::Revoked => None,
        };
        waiting_since.map(|since| since + family::ANSWER_WITHIN)
    }
}

async fn user_by_id(ctx: &Context<'_>, id: Uuid) -> AppResult<User> {
    let user = loader::<ProfileLoader>(ctx)?.load_one(id).await?;
    Ok(user.map(User).ok_or_else(|| AppError::NotFound("No such user".into()))?)
}

pub struct TimeRequest(pub time_request::Model);

/// A teen's request to their guardians for more screen time.
#[Object]
impl TimeRequest {
    /// The request's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The teen who asked.
    async fn teen(&self, ctx: &Context<'_>) -> AppResult<User> {
        user_by_id(ctx, self.0.teen_id).await
    }
    /// Minutes asked for: 15, 30 or 60.
    async fn minutes(&self) -> i32 {
        self.0.minutes
    }
    /// Why, in the teen's words; null when none was given.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Whether it was answered, and how.
    async fn status(&self) -> TimeRequestStatus {
        self.0.status.into()
    }
    /// Minutes granted, for the teen's local day on which it was approved; null unless APPROVED.
    async fn granted_minutes(&self) -> Option<i32> {
        self.0.granted_minutes
    }
    /// When the teen asked.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When a guardian answered; null while PENDING.
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }
}

/// One day of a user's watching.
#[derive(SimpleObject)]
pub struct DailyUsage {
    /// The day, in the user's time zone.
    date: Date,
    /// Minutes watched, from the `watchedMs` of VIEW interactions.
    minutes: i32,
    /// VIEW interactions recorded.
    views: i32,
    /// Minutes of the views recorded between 22:00 and 06:00 local time.
    late_night_minutes: i32,
}

impl From<screen_time::DailyUsage> for DailyUsage {
    fn from(d: screen_time::DailyUsage) -> Self {
        Self { date: Date(d.date), minutes: d.minutes, views: d.views, late_night_minutes: d.late_night_minutes }
    }
}

/// A time-away window.
#[derive(InputObject)]
pub struct TimeWindowInput {
    /// The days on which it opens; at least one, at most 7 items.
    days: Vec<Weekday>,
    /// HH:MM; at most 5 characters.
    start: String,
    /// HH:MM; earlier than `start` crosses midnight. At most 5 characters.
    end: String,
}

/// Changes to a teen's controls; absent fields stay as they are. When guardians disagree the stricter
/// setting wins: a guardian may loosen a control only while no other active guardian has set it.
#[derive(InputObject)]
pub struct TeenControlsInput {
    /// 15..=480 minutes a day.
    daily_limit_minutes: Option<i32>,
    /// Removes the daily limit.
    clear_daily_limit: Option<bool>,
    /// 15..=480 minutes on Saturday and Sunday, in the teen's zone.
    weekend_limit_minutes: Option<i32>,
    /// Removes the weekend limit (the daily limit applies every day).
    clear_weekend_limit: Option<bool>,
    /// Whether the teen may search content.
    search_enabled: Option<bool>,
    /// Who may comment on the teen's content.
    comment_policy: Option<CommentPolicy>,
    /// Whether the teen's account is private.
    private_account: Option<bool>,
    /// Replaces the windows: at most 20 items, and an empty list removes them all.
    time_away: Option<Vec<TimeWindowInput>>,
    /// Replaces the list: at most 100 items, each 1..=50 characters.
    blocked_keywords: Option<Vec<String>>,
}

#[derive(Default)]
pub struct FamilyQuery;

#[Object]
impl FamilyQuery {
    /// Your family links, as guardian or as teen, newest first.
    async fn family_links(&self, ctx: &Context<'_>) -> AppResult<Vec<FamilyLink>> {
        Ok(family::links(&app(ctx)?.db, viewer(ctx)?.id()).await?.into_iter().map(FamilyLink).collect())
    }

    /// A teen's controls; for the teen and their active guardians.
    async fn teen_controls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The teen's user id.")] teen_id: ID,
    ) -> AppResult<TeenControls> {
        let state = app(ctx)?;
        let teen =
            family::readable_teen(&state.db, viewer(ctx)?, parse_id(&teen_id, "teen")?, access(ctx)?.now()).await?;
        Ok(TeenControls::from(settings::get(&state.db, teen.id).await?))
    }

    /// Daily use for the last `days` days (1..=28, default 7), for the user and their active guardians.
    /// Oldest first, days without use included.
    async fn screen_time_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Yourself, or a teen you guard.")] user_id: ID,
        #[graphql(desc = "How many days, today included: 1..=28 (default 7).")] days: Option<i32>,
    ) -> AppResult<Vec<DailyUsage>> {
        let state = app(ctx)?;
        let user =
            family::readable_teen(&state.db, viewer(ctx)?, parse_id(&user_id, "user")?, access(ctx)?.now()).await?;
        let report = screen_time::report(&state.db, &user, screen_time::report_days(days)?, access(ctx)?.now()).await?;
        Ok(report.into_iter().map(DailyUsage::from).collect())
    }

    /// Your requests for more time, and those of the teens you guard, newest first.
    async fn time_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only requests in this state; all when absent.")] status: Option<TimeRequestStatus>,
    ) -> AppResult<Vec<TimeRequest>> {
        let state = app(ctx)?;
        let requests =
            family::time_requests(&state.db, viewer(ctx)?, status.map(Into::into), access(ctx)?.now()).await?;
        Ok(requests.into_iter().map(TimeRequest).collect())
    }
}

#[derive(Default)]
pub struct FamilyMutation;

#[Object]
impl FamilyMutation {
    /// An adult's single-use code for a teen, valid 15 minutes.
    async fn create_pairing_code(&self, ctx: &Context<'_>) -> AppResult<PairingCode> {
        let state = app(ctx)?;
        let (code, expires_at) = family::create_code(&state.db, viewer(ctx)?, access(ctx)?.now()).await?;
        Ok(PairingCode { code, expires_at })
    }

    /// A teen (13–17) accepts a guardian's code. The first guardian's link is ACTIVE at once; a second is
    /// PENDING until an existing guardian approves it. At most 2 guardians.
    async fn accept_pairing_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The guardian's code; case, spaces and dashes are ignored. At most 32 characters.")]
        code: String,
    ) -> AppResult<FamilyLink> {
        let state = app(ctx)?;
        Ok(FamilyLink(family::accept_code(&state.db, viewer(ctx)?, &code, access(ctx)?.now()).await?))
    }

    /// Answers what waits on a link: an existing guardian (or the former guardian a new pairing waits
    /// for) approves or refuses a PENDING link; the guardian agrees to a young teen's unlink (`true`
    /// ends the link) or keeps it (`false`).
    async fn answer_family_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pending link.")] link_id: ID,
        #[graphql(desc = "True makes it ACTIVE; false refuses it (REVOKED).")] approve: bool,
    ) -> AppResult<FamilyLink> {
        let link =
            family::answer_link(&app(ctx)?.db, access(ctx)?, parse_id(&link_id, "family link")?, approve).await?;
        Ok(FamilyLink(link))
    }

    /// Either side ends the link; the other is notified. A teen of 13 to 15 only asks: the guardian
    /// is told (FAMILY_UNLINK_REQUESTED) and the link ends when they agree or after 7 days.
    async fn unlink_family(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A link you are part of.")] link_id: ID,
    ) -> AppResult<FamilyLink> {
        let state = app(ctx)?;
        Ok(FamilyLink(
            family::unlink(&state.db, viewer(ctx)?, parse_id(&link_id, "family link")?, access(ctx)?.now()).await?,
        ))
    }

    /// Active guardians only; the controls are then locked for the teen.
    async fn set_teen_controls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The teen's user id.")] teen_id: ID,
        #[graphql(desc = "The changes.")] input: TeenControlsInput,
    ) -> AppResult<TeenControls> {
        let state = app(ctx)?;
        let change = family::ControlsChange {
            daily_limit_minutes: input.daily_limit_minutes,
            clear_daily_limit: input.clear_daily_limit.unwrap_or(false),
            weekend_limit_minutes: input.weekend_limit_minutes,
            clear_weekend_limit: input.clear_weekend_limit.unwrap_or(false),
            search_enabled: input.search_enabled,
            comment_policy: input.comment_policy.map(Into::into),
            private_account: input.private_account,
            time_away: input.time_away.map(|windows| {
                windows
                    .into_iter()
                    .map(|w| (w.days.into_iter().map(chrono::Weekday::from).collect(), w.start, w.end))
                    .collect()
            }),
            blocked_keywords: input.blocked_keywords,
        };
        let updated =
            family::set_controls(&state.db, viewer(ctx)?, parse_id(&teen_id, "teen")?, change, access(ctx)?.now())
                .await?;
        Ok(TeenControls::from(updated))
    }

    /// A teen with an active guardian asks for 15, 30 or 60 more minutes today; at most 3 waiting.
    async fn request_more_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "15, 30 or 60.")] minutes: i32,
        #[graphql(desc = "Why, at most 200 characters.")] reason: Option<String>,
    ) -> AppResult<TimeRequest> {
        let state = app(ctx)?;
        Ok(TimeRequest(family::request_more_time(&state.db, viewer(ctx)?, minutes, reason, access(ctx)?.now()).await?))
    }

    /// Approve (with the asked minutes, or 5..=120 others) or deny. Active guardians of the teen only; granted
    /// minutes count for the teen's current local day.
    async fn answer_time_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pending request.")] request_id: ID,
        #[graphql(desc = "True grants it; false denies it.")] approve: bool,
        #[graphql(desc = "When approving, 5..=120 to grant other than the minutes asked.")] minutes: Option<i32>,
    ) -> AppResult<TimeRequest> {
        let state = app(ctx)?;
        let id = parse_id(&request_id, "request")?;
        Ok(TimeRequest(
            family::answer_time_request(&state.db, viewer(ctx)?, id, approve, minutes, access(ctx)?.now()).await?,
        ))
    }
}
