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
use super::loaders::{CommentLoader, ContentLoader, UserLoader};
use super::{Credential, app, loader, parse_id, policy, reauthorise, viewer};
use crate::error::{ApiError, AppResult};
use crate::service::moderation::{self, Decision, MODERATORS, NewReport, QueueFilter};
use crate::service::notifications;
use crate::service::pagination::PageRequest;
use crate::service::policy::Policy;

/// Whether the viewer reads Vietnamese (the default) or English.
fn vietnamese(ctx: &Context<'_>) -> bool {
    policy(ctx).map_or(true, |p| p.vietnamese())
}

pub struct Report(pub report::Model);

#[Object]
impl Report {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn target_type(&self) -> ReportTargetType {
        self.0.target_type.into()
    }
    async fn target_id(&self) -> ID {
        ID(self.0.target_id.to_string())
    }
    async fn reason(&self) -> ReportReason {
        self.0.reason.into()
    }
    async fn details(&self) -> Option<&str> {
        self.0.details.as_deref()
    }
    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }
    /// What was decided, in plain words; null while the report is open.
    async fn outcome(&self, ctx: &Context<'_>) -> Option<String> {
        self.0.outcome_action.map(|action| notifications::outcome_text(action, vietnamese(ctx)))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
}

#[derive(Union)]
pub enum ReportTarget {
    Content(Content),
    User(User),
    Comment(Comment),
}

/// The target as it was when first reported.
#[derive(SimpleObject)]
pub struct CaseSnapshot {
    title: Option<String>,
    caption: Option<String>,
    body: Option<String>,
    author_handle: Option<String>,
    author_display_name: Option<String>,
}

/// A case as the policy lets the caller see it (see `Policy::present_case`);
/// `present` is the only way to make one.
pub struct ModerationCase(case::Model);

impl ModerationCase {
    fn present(policy: &Policy, case: case::Model) -> Self {
        Self(policy.present_case(case))
    }
}

#[Object]
impl ModerationCase {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn target_type(&self) -> ReportTargetType {
        self.0.target_type.into()
    }
    /// The target as it is now; null once it is deleted (see `snapshot`).
    async fn target(&self, ctx: &Context<'_>) -> AppResult<Option<ReportTarget>> {
        let id = self.0.target_id;
        Ok(match self.0.target_type {
            entity::ReportTargetType::Content => loader::<ContentLoader>(ctx)?
                .load_one(id)
                .await?
                .filter(|c| c.deleted_at.is_none())
                .map(|c| ReportTarget::Content(Content(c))),
            entity::ReportTargetType::User => {
                loader::<UserLoader>(ctx)?.load_one(id).await?.map(|u| ReportTarget::User(User(u)))
            }
            entity::ReportTargetType::Comment => {
                loader::<CommentLoader>(ctx)?.load_one(id).await?.map(|c| ReportTarget::Comment(Comment(c)))
            }
        })
    }
    /// Empty in the affected user's view.
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
    async fn status(&self, ctx: &Context<'_>) -> AppResult<CaseStatus> {
        Ok(moderation::status(&self.0, app(ctx)?.now()).into())
    }
    /// Severity of the reasons, distinct reporters and hours open; see the README.
    async fn priority(&self, ctx: &Context<'_>) -> AppResult<i32> {
        Ok(moderation::priority(&self.0, policy(ctx)?))
    }
    async fn report_count(&self) -> i32 {
        self.0.report_count
    }
    async fn reasons(&self) -> Vec<ReportReason> {
        moderation::reasons(&self.0).into_iter().map(Into::into).collect()
    }
    /// Whether the content was hidden automatically when reported.
    async fn auto_hidden(&self) -> bool {
        self.0.auto_hidden
    }
    async fn assignee(&self, ctx: &Context<'_>) -> AppResult<Option<User>> {
        let Some(id) = moderation::live_claim(&self.0, app(ctx)?.now()) else { return Ok(None) };
        Ok(loader::<UserLoader>(ctx)?.load_one(id).await?.map(User))
    }
    async fn claimed_until(&self, ctx: &Context<'_>) -> AppResult<Option<DateTime<Utc>>> {
        let now = app(ctx)?.now();
        Ok(moderation::live_claim(&self.0, now).and(self.0.claimed_until))
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn resolution(&self) -> Option<ModerationAction> {
        self.0.resolution.map(Into::into)
    }
    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }
    async fn last_reported_at(&self) -> DateTime<Utc> {
        self.0.last_reported_at
    }
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
    async fn reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Report>>> {
        let page =
            moderation::case_reports(&app(ctx)?.db, policy(ctx)?, &self.0, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, Report))
    }
    /// Every step, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> AppResult<Vec<ModerationEvent>> {
        let events = moderation::case_events(&app(ctx)?.db, policy(ctx)?, &self.0).await?;
        Ok(events.into_iter().map(ModerationEvent).collect())
    }
}

pub struct ModerationEvent(pub moderation_event::Model);

#[Object]
impl ModerationEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn case_id(&self) -> ID {
        ID(self.0.case_id.to_string())
    }
    /// Null for automatic steps and for purged accounts.
    async fn actor(&self, ctx: &Context<'_>) -> AppResult<Option<User>> {
        let Some(id) = self.0.actor_id else { return Ok(None) };
        Ok(loader::<UserLoader>(ctx)?.load_one(id).await?.map(User))
    }
    /// REPORT, AUTO_HIDE, CLAIM, RELEASE, ACTION, ESCALATION, APPEAL or APPEAL_DECISION.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn action(&self) -> Option<ModerationAction> {
        self.0.action.map(Into::into)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
    async fn case_id(&self) -> Option<ID> {
        self.0.case_id.map(|id| ID(id.to_string()))
    }
    async fn content_id(&self) -> Option<ID> {
        self.0.content_id.map(|id| ID(id.to_string()))
    }
    async fn link_id(&self) -> Option<ID> {
        self.0.link_id.map(|id| ID(id.to_string()))
    }
    async fn time_request_id(&self) -> Option<ID> {
        self.0.time_request_id.map(|id| ID(id.to_string()))
    }
}

#[derive(InputObject)]
pub struct FileReportInput {
    target_type: ReportTargetType,
    target_id: ID,
    reason: ReportReason,
    /// At most 1,000 characters; required for OTHER.
    details: Option<String>,
    /// A teen may ask that their guardians be told they reported (the reason
    /// only, never the item).
    notify_guardian: Option<bool>,
}

#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// Undecided cases (OPEN, IN_REVIEW, ESCALATED, APPEALED) unless given.
    status: Option<Vec<CaseStatus>>,
    reason: Option<ReportReason>,
    target_type: Option<ReportTargetType>,
    assigned_to_me: Option<bool>,
}

#[derive(InputObject)]
pub struct ResolveCaseInput {
    case_id: ID,
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
        first: Option<i32>,
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
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Edge<ModerationCase>>> {
        let policy = policy(ctx)?;
        let page = moderation::my_decisions(&app(ctx)?.db, policy, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, |case| ModerationCase::present(policy, case)))
    }

    /// Cases by priority, highest first, then oldest first.
    async fn moderation_queue(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Edge<ModerationCase>>> {
        let policy = policy(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = QueueFilter {
            statuses: filter.status.map(|all| all.into_iter().map(Into::into).collect()),
            reason: filter.reason.map(Into::into),
            target_type: filter.target_type.map(Into::into),
            assigned_to_me: filter.assigned_to_me.unwrap_or(false),
        };
        let page = moderation::queue(&app(ctx)?.db, policy, &filter, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, |case| ModerationCase::present(policy, case)))
    }

    async fn moderation_case(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<ModerationCase>> {
        let policy = policy(ctx)?;
        let case = moderation::find_case_for_staff(&app(ctx)?.db, policy, parse_id(&id, "case").ok()).await?;
        Ok(case.map(|case| ModerationCase::present(policy, case)))
    }

    /// Every moderation step, newest first.
    async fn moderation_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Edge<ModerationEvent>>> {
        let page = moderation::log(&app(ctx)?.db, policy(ctx)?, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, ModerationEvent))
    }

    /// Your notifications, newest first.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        unread_only: Option<bool>,
        first: Option<i32>,
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
    async fn file_report(&self, ctx: &Context<'_>, input: FileReportInput) -> AppResult<Report> {
        let state = app(ctx)?;
        let new = NewReport {
            target_type: input.target_type.into(),
            target_id: parse_id(&input.target_id, "target")?,
            reason: input.reason.into(),
            details: input.details,
            notify_guardian: input.notify_guardian.unwrap_or(false),
        };
        let (report, case_id) = moderation::file_report(&state.db, policy(ctx)?, new).await?;
        state.changes.publish_case(&state.db, case_id).await?;
        Ok(Report(report))
    }

    /// Takes the case for 10 minutes.
    async fn claim_case(&self, ctx: &Context<'_>, id: ID) -> AppResult<ModerationCase> {
        let policy = policy(ctx)?;
        let state = app(ctx)?;
        let case = moderation::claim(&state.db, policy, parse_id(&id, "case")?).await?;
        state.changes.publish_case(&state.db, case.id).await?;
        Ok(ModerationCase::present(policy, case))
    }

    async fn release_case(&self, ctx: &Context<'_>, id: ID) -> AppResult<ModerationCase> {
        let policy = policy(ctx)?;
        let state = app(ctx)?;
        let case = moderation::release(&state.db, policy, parse_id(&id, "case")?).await?;
        state.changes.publish_case(&state.db, case.id).await?;
        Ok(ModerationCase::present(policy, case))
    }

    /// Decides the case; `expectedVersion` must be its current version.
    async fn resolve_case(&self, ctx: &Context<'_>, input: ResolveCaseInput) -> AppResult<ModerationCase> {
        let policy = policy(ctx)?;
        let state = app(ctx)?;
        let decision = Decision {
            case_id: parse_id(&input.case_id, "case")?,
            action: input.action.into(),
            note: input.note,
            expected_version: input.expected_version,
            suspend_days: input.suspend_days,
        };
        let case = moderation::resolve(&state.db, policy, decision).await?;
        state.changes.publish_case(&state.db, case.id).await?;
        Ok(ModerationCase::present(policy, case))
    }

    /// The affected author appeals a decision, once, within 30 days; an
    /// appeal token works here. Answers with the case as they may see it.
    async fn appeal_decision(&self, ctx: &Context<'_>, case_id: ID, message: String) -> AppResult<ModerationCase> {
        let policy = policy(ctx)?;
        let state = app(ctx)?;
        let case = moderation::appeal(&state.db, policy, parse_id(&case_id, "case")?, &message).await?;
        state.changes.publish_case(&state.db, case.id).await?;
        Ok(ModerationCase::present(policy, case))
    }

    /// Marks your notifications read; returns how many changed.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Vec<ID>) -> AppResult<i32> {
        let state = app(ctx)?;
        let me = viewer(ctx)?;
        let ids: Vec<Uuid> = ids.iter().filter_map(|id| Uuid::parse_str(id.as_str()).ok()).collect();
        let changed = notifications::mark_read(&state.db, me.id(), &ids, state.now()).await?;
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

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Each new or changed case, for moderators and admins. The caller is
    /// authorised again for every delivery and every few seconds; losing the
    /// role ends the subscription with an error.
    async fn moderation_queue_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = AppResult<ModerationCase>>> {
        policy(ctx).and_then(|policy| policy.staff(MODERATORS)).map_err(ApiError)?;
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
        let users = loader::<UserLoader>(ctx).map_err(ApiError)?.clone();
        let contents = loader::<ContentLoader>(ctx).map_err(ApiError)?.clone();
        let comments = loader::<CommentLoader>(ctx).map_err(ApiError)?.clone();
        let deliveries = futures_util::stream::select(changes, checks)
            .then(move |wake| {
                let (state, credential) = (state.clone(), credential.clone());
                users.clear();
                contents.clear();
                comments.clear();
                async move {
                    // Both ways check the role: the change through `get_case`.
                    let policy = reauthorise(&state, &credential).await;
                    match wake {
                        Wake::Check => policy.staff(MODERATORS).err().map(|lost| Err(ApiError(lost))),
                        Wake::Changed(id) => {
                            let case = moderation::get_case(&state.db, &policy, id).await;
                            Some(case.map(|case| ModerationCase::present(&policy, case)).map_err(ApiError))
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
