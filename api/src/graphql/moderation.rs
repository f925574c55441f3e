//! Reports, the moderation queue and its decisions, the audit log,
//! notifications, and the live queue subscription.
use async_graphql::futures_util::Stream;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription, Union};
use chrono::{DateTime, Utc};
use entity::moderation_case as case;
use entity::{moderation_event, notification, report};

use super::enums::{CaseStatus, ModerationAction, ReportReason, ReportStatus, ReportTargetType};
use futures_util::StreamExt;
use uuid::Uuid;

use super::accounts::User;
use super::connection::{Connection, Edge};
use super::content::{Comment, Content};
use super::loaders::{CommentEvidence, ContentEvidence, ProfileLoader};
use super::{Credential, access, app, data, loader, parse_id, reauthorise, viewer};
use crate::error::{ApiError, AppResult};
use crate::service::moderation::{self, Decision, MODERATORS, NewReport, QueueFilter};
use crate::service::notifications;
use crate::service::pagination::PageRequest;
use crate::service::policy::Access;

/// Whether the viewer reads Vietnamese (the default) or English.
fn vietnamese(ctx: &Context<'_>) -> bool {
    access(ctx).map_or(true, |p| p.vietnamese())
}

pub struct Report(pub report::Model);

/// A report: one person's complaint about a content item, an account or a comment.
#[Object]
impl Report {
    /// The report's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What kind of thing was reported.
    async fn target_type(&self) -> ReportTargetType {
        self.0.target_type.into()
    }
    /// The id of the reported content, account or comment.
    async fn target_id(&self) -> ID {
        ID(self.0.target_id.to_string())
    }
    /// Why it was reported.
    async fn reason(&self) -> ReportReason {
        self.0.reason.into()
    }
    /// What the reporter wrote; null when they wrote nothing.
    async fn details(&self) -> Option<&str> {
        self.0.details.as_deref()
    }
    /// Whether its case has been decided, and how.
    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }
    /// What was decided, in plain words; null while the report is open.
    async fn outcome(&self, ctx: &Context<'_>) -> Option<String> {
        self.0.outcome_action.map(|action| notifications::outcome_text(action, vietnamese(ctx)))
    }
    /// When it was filed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When its case was decided; null while the report is open.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
}

/// What a case is about, as it is now.
#[derive(Union)]
pub enum ReportTarget {
    Content(Content),
    User(User),
    Comment(Comment),
}

/// The target as it was when first reported.
#[derive(SimpleObject)]
pub struct CaseSnapshot {
    /// The content's title; null for accounts and comments.
    title: Option<String>,
    /// The content's caption; null for accounts and comments.
    caption: Option<String>,
    /// The comment's text; null for content and accounts.
    body: Option<String>,
    /// The handle of the reported account, or of the content's or comment's author.
    author_handle: Option<String>,
    /// The display name of that account.
    author_display_name: Option<String>,
}

/// A case as the policy lets the caller see it (see `Access::present_case`);
/// `present` is the only way to make one.
pub struct ModerationCase(case::Model);

impl ModerationCase {
    fn present(access: &Access, case: case::Model) -> Self {
        Self(access.present_case(case))
    }
}

/// The reports on one target, gathered into a case for moderators to decide. Moderators and admins see it
/// whole. The affected user (a moderator too, on a case about themselves) sees a redacted copy: the
/// decision and their own appeal, never who reported, how many did, or who moderated.
#[Object]
impl ModerationCase {
    /// The case's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What kind of thing the case is about.
    async fn target_type(&self) -> ReportTargetType {
        self.0.target_type.into()
    }
    /// The target as it is now; null once it is deleted (see `snapshot`). Moderators see it whatever its
    /// state; the affected user sees it as the visibility rules let them (their own content, even removed).
    async fn target(&self, ctx: &Context<'_>) -> AppResult<Option<ReportTarget>> {
        let (id, access) = (self.0.target_id, access(ctx)?);
        let evidence = access.case_evidence(&self.0);
        let db = &app(ctx)?.db;
        Ok(match (self.0.target_type, &evidence) {
            (entity::ReportTargetType::User, _) => {
                loader::<ProfileLoader>(ctx)?.load_one(id).await?.map(|u| ReportTarget::User(User(u)))
            }
            (entity::ReportTargetType::Content, Some(evidence)) => data::<ContentEvidence>(ctx)?
                .load(evidence, id)
                .await?
                .filter(|c| c.deleted_at.is_none())
                .map(|c| ReportTarget::Content(Content(c))),
            (entity::ReportTargetType::Content, None) => {
                crate::service::content::read(db, access, id).await?.map(|c| ReportTarget::Content(Content(c)))
            }
            (entity::ReportTargetType::Comment, Some(evidence)) => {
                data::<CommentEvidence>(ctx)?.load(evidence, id).await?.map(|c| ReportTarget::Comment(Comment(c)))
            }
            (entity::ReportTargetType::Comment, None) => {
                crate::service::comments::read(db, access, id).await?.map(|c| ReportTarget::Comment(Comment(c)))
            }
        })
    }
    /// The target as first reported, kept as evidence. Empty in the affected user's view.
    async fn snapshot(&self) -> CaseSnapshot {
        let s = self.0.snapshot.clone();
        CaseSnapshot {
            title: s.title,
            caption: s.caption,
            body: s.body,
            author_handle: s.author_handle,
            author_display_name: s.author_display_name,
        }
    }
    /// Where the case stands now; a claim that has lapsed reads OPEN.
    async fn status(&self, ctx: &Context<'_>) -> AppResult<CaseStatus> {
        Ok(moderation::status(&self.0, access(ctx)?.now()).into())
    }
    /// The queue's first key: 1 (a child's safety, self-harm), 2 (violence,
    /// nudity, hate, bullying, a user who may be under 13, impersonation by
    /// an account that resembles a verified one) or 3 (the rest);
    /// the most severe reason decides. 3 in the affected user's view.
    async fn tier(&self) -> i32 {
        self.0.tier
    }
    /// Severity of the reasons, distinct reporters and hours open, within
    /// the tier; see the README. 0 in the affected user's view.
    async fn priority(&self, ctx: &Context<'_>) -> AppResult<i32> {
        Ok(moderation::priority(&self.0, access(ctx)?))
    }
    /// Distinct reporters; 0 in the affected user's view.
    async fn report_count(&self) -> i32 {
        self.0.report_count
    }
    /// Every reason given, in the order first reported.
    async fn reasons(&self) -> Vec<ReportReason> {
        moderation::reasons(&self.0).into_iter().map(Into::into).collect()
    }
    /// Whether the content was hidden automatically when reported. False in the affected user's view.
    async fn auto_hidden(&self) -> bool {
        self.0.auto_hidden
    }
    /// The moderator whose claim holds now; null when none (and in the affected user's view).
    async fn assignee(&self, ctx: &Context<'_>) -> AppResult<Option<User>> {
        let Some(id) = moderation::live_claim(&self.0, access(ctx)?.now()) else { return Ok(None) };
        Ok(loader::<ProfileLoader>(ctx)?.load_one(id).await?.map(User))
    }
    /// When the claim that holds now lapses; null when none (and in the affected user's view).
    async fn claimed_until(&self, ctx: &Context<'_>) -> AppResult<Option<DateTime<Utc>>> {
        let now = access(ctx)?.now();
        Ok(moderation::live_claim(&self.0, now).and(self.0.claimed_until))
    }
    /// Goes up with every change; `resolveCase` needs the current one. 0 in the affected user's view.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The decision; null until decided (ESCALATE decides nothing). Once an appeal is decided, the appeal's
    /// action: DISMISS then means the decision was reversed.
    async fn resolution(&self) -> Option<ModerationAction> {
        self.0.resolution.map(Into::into)
    }
    /// When the first report opened the case.
    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }
    /// When the latest report came in; `openedAt` in the affected user's view.
    async fn last_reported_at(&self) -> DateTime<Utc> {
        self.0.last_reported_at
    }
    /// When it was decided (the appeal, once that is decided); null until then.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// The end of the suspension this case decided.
    async fn suspended_until(&self) -> Option<DateTime<Utc>> {
        self.0.suspended_until
    }
    /// Until when the affected user may appeal; null when they cannot.
    async fn appealable_until(&self) -> Option<DateTime<Utc>> {
        moderation::appealable_until(&self.0)
    }
    /// The affected user's appeal, in their words.
    async fn appeal_message(&self) -> Option<&str> {
        self.0.appeal_message.as_deref()
    }
    /// The reports gathered in the case, oldest first; empty in the affected user's view.
    async fn reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Report>>> {
        let page =
            moderation::case_reports(&app(ctx)?.db, access(ctx)?, &self.0, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, Report))
    }
    /// Every step, oldest first; empty in the affected user's view.
    async fn events(&self, ctx: &Context<'_>) -> AppResult<Vec<ModerationEvent>> {
        let events = moderation::case_events(&app(ctx)?.db, access(ctx)?, &self.0).await?;
        Ok(events.into_iter().map(ModerationEvent).collect())
    }
}

pub struct ModerationEvent(pub moderation_event::Model);

/// One step of a case, as kept in the audit log.
#[Object]
impl ModerationEvent {
    /// The step's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The case it belongs to.
    async fn case_id(&self) -> ID {
        ID(self.0.case_id.to_string())
    }
    /// Null for automatic steps and for purged accounts.
    async fn actor(&self, ctx: &Context<'_>) -> AppResult<Option<User>> {
        let Some(id) = self.0.actor_id else { return Ok(None) };
        Ok(loader::<ProfileLoader>(ctx)?.load_one(id).await?.map(User))
    }
    /// REPORT, AUTO_HIDE, CLAIM, RELEASE, ACTION, ESCALATION, APPEAL, APPEAL_DECISION or AGE_CHECK (an
    /// admin decided the age check the case asked for; the note is theirs).
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The action of an ACTION, ESCALATION or APPEAL_DECISION step; null for other steps.
    async fn action(&self) -> Option<ModerationAction> {
        self.0.action.map(Into::into)
    }
    /// The moderator's note on an ACTION, ESCALATION or APPEAL_DECISION, the appellant's message on an
    /// APPEAL, why on an AUTO_HIDE; null otherwise.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When it happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub struct Notification(pub notification::Model);

/// A message to you, in your account's language as you read it.
#[Object]
impl Notification {
    /// The notification's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// REPORT_RESOLVED, CONTENT_REMOVED, ACCOUNT_WARNED, ACCOUNT_SUSPENDED (bans too), APPEAL_DECIDED,
    /// FAMILY_LINKED, FAMILY_UNLINKED, FAMILY_LINK_PENDING, FAMILY_LINK_REFUSED, CONTROLS_CHANGED,
    /// TIME_REQUESTED, TIME_REQUEST_ANSWERED, TEEN_REPORTED, POLICY_UPDATED, VERIFICATION_DECIDED or
    /// AGE_CHECK_DECIDED.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// A short title.
    async fn title(&self, ctx: &Context<'_>) -> &str {
        self.0.words(!vietnamese(ctx)).0
    }
    /// The message.
    async fn body(&self, ctx: &Context<'_>) -> &str {
        self.0.words(!vietnamese(ctx)).1
    }
    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was marked read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
    /// The moderation case it is about (REPORT_RESOLVED, CONTENT_REMOVED, ACCOUNT_WARNED,
    /// ACCOUNT_SUSPENDED, APPEAL_DECIDED); null otherwise.
    async fn case_id(&self) -> Option<ID> {
        self.0.case_id.map(|id| ID(id.to_string()))
    }
    /// The content it is about (CONTENT_REMOVED, for content); null otherwise.
    async fn content_id(&self) -> Option<ID> {
        self.0.content_id.map(|id| ID(id.to_string()))
    }
    /// The family link it is about (FAMILY_LINKED, FAMILY_UNLINKED, FAMILY_LINK_PENDING,
    /// FAMILY_LINK_REFUSED); null otherwise.
    async fn link_id(&self) -> Option<ID> {
        self.0.link_id.map(|id| ID(id.to_string()))
    }
    /// The request for more time it is about (TIME_REQUESTED, TIME_REQUEST_ANSWERED); null otherwise.
    async fn time_request_id(&self) -> Option<ID> {
        self.0.time_request_id.map(|id| ID(id.to_string()))
    }
}

/// A report. Reporting the same target again while its case is undecided returns the first report; at most
/// 20 reports an hour.
#[derive(InputObject)]
pub struct FileReportInput {
    /// What kind of thing is reported.
    target_type: ReportTargetType,
    /// The content, account or comment: one you can see, and not you or yours.
    target_id: ID,
    /// Why.
    reason: ReportReason,
    /// At most 1,000 characters; required for OTHER.
    details: Option<String>,
    /// A teen may ask that their guardians be told they reported (the reason
    /// only, never the item).
    notify_guardian: Option<bool>,
}

/// Narrows the moderation queue; a case must match every field given.
#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// Undecided cases (OPEN, IN_REVIEW, ESCALATED, APPEALED) unless given. At most 10 items.
    status: Option<Vec<CaseStatus>>,
    /// Cases with this reason among theirs.
    reason: Option<ReportReason>,
    /// Cases about this kind of target.
    target_type: Option<ReportTargetType>,
    /// Only the cases whose claim you hold now (default false).
    assigned_to_me: Option<bool>,
}

/// A moderator's decision on a case.
#[derive(InputObject)]
pub struct ResolveCaseInput {
    /// The case to decide.
    case_id: ID,
    /// The decision. REMOVE_CONTENT does not apply to accounts, RESTRICT_TO_ADULTS only to content.
    action: ModerationAction,
    /// Why, 1..=2,000 characters; kept in the audit log.
    note: String,
    /// The case's current `version`.
    expected_version: i32,
    /// 1..=365, for SUSPEND_USER.
    suspend_days: Option<i32>,
}

#[derive(Default)]
pub struct ModerationQuery;

#[Object]
impl ModerationQuery {
    /// Your reports, newest first, with what became of them.
    async fn my_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Report>>> {
        let me = viewer(ctx)?;
        let page = moderation::my_reports(&app(ctx)?.db, me.id(), &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, Report))
    }

    /// Decided cases that acted on you, newest first; an appeal token reads them too.
    async fn my_decisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<ModerationCase>>> {
        let access = access(ctx)?;
        let page = moderation::my_decisions(&app(ctx)?.db, access, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, |case| ModerationCase::present(access, case)))
    }

    /// Cases by priority, highest first, then oldest first. Moderators and admins only.
    async fn moderation_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases; the undecided ones when absent.")] filter: Option<CaseFilter>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<ModerationCase>>> {
        let access = access(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = QueueFilter {
            statuses: filter.status.map(|all| all.into_iter().map(Into::into).collect()),
            reason: filter.reason.map(Into::into),
            target_type: filter.target_type.map(Into::into),
            assigned_to_me: filter.assigned_to_me.unwrap_or(false),
        };
        let page = moderation::queue(&app(ctx)?.db, access, &filter, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, |case| ModerationCase::present(access, case)))
    }

    /// A case, for moderators and admins; null when there is none. Redacted when it is about yourself.
    async fn moderation_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case's id.")] id: ID,
    ) -> AppResult<Option<ModerationCase>> {
        let access = access(ctx)?;
        let case = moderation::find_case_for_staff(&app(ctx)?.db, access, parse_id(&id, "case").ok()).await?;
        Ok(case.map(|case| ModerationCase::present(access, case)))
    }

    /// Every moderation step, newest first, except those of cases about yourself. Moderators and admins only.
    async fn moderation_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<ModerationEvent>>> {
        let page = moderation::log(&app(ctx)?.db, access(ctx)?, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, ModerationEvent))
    }

    /// Your notifications, newest first.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only unread ones (default false).")] unread_only: Option<bool>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Notification>>> {
        let me = viewer(ctx)?;
        let page =
            notifications::list(&app(ctx)?.db, me.id(), unread_only.unwrap_or(false), &PageRequest::new(first, after)?)
                .await?;
        Ok(Connection::from_page(page, Notification))
    }
}

#[derive(Default)]
pub struct ModerationMutation;

#[Object]
impl ModerationMutation {
    /// Reports content, a user or a comment you can see.
    async fn file_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: FileReportInput,
    ) -> AppResult<Report> {
        let state = app(ctx)?;
        let new = NewReport {
            target_type: input.target_type.into(),
            target_id: parse_id(&input.target_id, "target")?,
            reason: input.reason.into(),
            details: input.details,
            notify_guardian: input.notify_guardian.unwrap_or(false),
        };
        let (report, case_id) = moderation::file_report(&state.db, access(ctx)?, new).await?;
        state.changes.publish_case(&state.db, case_id).await?;
        Ok(Report(report))
    }

    /// Takes the case for 10 minutes (an OPEN case becomes IN_REVIEW). Moderators and admins; another
    /// moderator's claim that still holds is a CONFLICT.
    async fn claim_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case to claim.")] id: ID,
    ) -> AppResult<ModerationCase> {
        let access = access(ctx)?;
        let state = app(ctx)?;
        let case = moderation::claim(&state.db, access, parse_id(&id, "case")?).await?;
        state.changes.publish_case(&state.db, case.id).await?;
        Ok(ModerationCase::present(access, case))
    }

    /// Gives up your claim on the case (an IN_REVIEW case is OPEN again); CONFLICT unless you hold it.
    async fn release_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case to release.")] id: ID,
    ) -> AppResult<ModerationCase> {
        let access = access(ctx)?;
        let state = app(ctx)?;
        let case = moderation::release(&state.db, access, parse_id(&id, "case")?).await?;
        state.changes.publish_case(&state.db, case.id).await?;
        Ok(ModerationCase::present(access, case))
    }

    /// Decides the case; `expectedVersion` must be its current version.
    async fn resolve_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision.")] input: ResolveCaseInput,
    ) -> AppResult<ModerationCase> {
        let access = access(ctx)?;
        let state = app(ctx)?;
        let decision = Decision {
            case_id: parse_id(&input.case_id, "case")?,
            action: input.action.into(),
            note: input.note,
            expected_version: input.expected_version,
            suspend_days: input.suspend_days,
        };
        let case = moderation::resolve(&state.db, access, decision).await?;
        state.changes.publish_case(&state.db, case.id).await?;
        Ok(ModerationCase::present(access, case))
    }

    /// The affected author appeals a decision, once, within 30 days; an
    /// appeal token works here. Answers with the case as they may see it.
    async fn appeal_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decided case, from `myDecisions` or the ACCOUNT_SUSPENDED error's `caseId`.")]
        case_id: ID,
        #[graphql(desc = "Why the decision is wrong, 1..=1,000 characters.")] message: String,
    ) -> AppResult<ModerationCase> {
        let access = access(ctx)?;
        let state = app(ctx)?;
        let case = moderation::appeal(&state.db, access, parse_id(&case_id, "case")?, &message).await?;
        state.changes.publish_case(&state.db, case.id).await?;
        Ok(ModerationCase::present(access, case))
    }

    /// Marks your notifications read; returns how many changed.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your notifications' ids; others', and malformed ones, are ignored. At most 100 items.")] ids: Vec<ID>,
    ) -> AppResult<i32> {
        let state = app(ctx)?;
        let me = viewer(ctx)?;
        let ids: Vec<Uuid> = ids.iter().filter_map(|id| Uuid::parse_str(id.as_str()).ok()).collect();
        let changed = notifications::mark_read(&state.db, me.id(), &ids, access(ctx)?.now()).await?;
        Ok(i32::try_from(changed).unwrap_or(i32::MAX))
    }
}
#[derive(Default)]
pub struct SubscriptionRoot;

/// What wakes the live queue: a changed case, or the regular check that its
/// subscriber still holds the role.
enum Wake {
    Changed(Uuid),
    Check,
}

/// Live updates, over GraphQL over WebSocket (`/graphql/ws`, the graphql-transport-ws protocol).
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Each new or changed case, for moderators and admins. The caller is
    /// authorised again for every delivery and every few seconds; losing the
    /// role ends the subscription with an error.
    async fn moderation_queue_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = AppResult<ModerationCase>>> {
        access(ctx).and_then(|access| access.staff(MODERATORS)).map_err(ApiError)?;
        let state = app(ctx).map_err(ApiError)?.clone();
        let credential = ctx.data::<Credential>().cloned().unwrap_or_default();
        let changes = futures_util::stream::unfold(state.changes.subscribe_cases(), |mut changes| async move {
            loop {
                match changes.recv().await {
                    Ok(id) => return Some((Wake::Changed(id), changes)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a queue subscriber fell behind");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        let checks =
            futures_util::stream::unfold(tokio::time::interval(crate::socket::SESSION_CHECK), |mut every| async move {
                every.tick().await;
                Some((Wake::Check, every))
            });
        // A subscription lives long: read every change afresh.
        let users = loader::<ProfileLoader>(ctx).map_err(ApiError)?.clone();
        let contents = data::<ContentEvidence>(ctx).map_err(ApiError)?.clone();
        let comments = data::<CommentEvidence>(ctx).map_err(ApiError)?.clone();
        let deliveries = futures_util::stream::select(changes, checks)
            .then(move |wake| {
                let (state, credential) = (state.clone(), credential.clone());
                users.clear();
                contents.clear();
                comments.clear();
                async move {
                    // Both ways check the role: the change through `get_case`.
                    let access = reauthorise(&state, &credential).await;
                    match wake {
                        Wake::Check => access.staff(MODERATORS).err().map(|lost| Err(ApiError(lost))),
                        Wake::Changed(id) => {
                            let case = moderation::get_case(&state.db, &access, id).await;
                            Some(case.map(|case| ModerationCase::present(&access, case)).map_err(ApiError))
                        }
                    }
                }
            })
            .filter_map(futures_util::future::ready);
        // The first refusal is delivered, and then the subscription ends.
        Ok(deliveries.scan(false, |ended, item| {
            let deliver = (!*ended).then(|| {
                *ended = item.is_err();
                item
            });
            futures_util::future::ready(deliver)
        }))
    }
}
