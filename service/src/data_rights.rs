//! Data rights: an export of everything held about a user, and deletion
//! that is undone by signing in within 30 days and is final after it.
use chrono::{DateTime, Duration, Utc};
use entity::moderation_case::{self as case, Snapshot};
use entity::moderation_event as event;
use entity::{
    FollowState, age_check, comment, content, content_tag, family_link, follow, interaction, like, notification,
    report, session, time_request, user, verification_request,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::{PasswordHasher, Viewer};
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Notice, outcome_text};
use crate::{family, privacy, rate_limit, screen_time, settings};

/// How long a deleted account can still be restored by signing in.
pub const GRACE_PERIOD: Duration = Duration::days(30);

fn handles(users: &[user::Model], id: Option<Uuid>) -> Value {
    id.and_then(|id| users.iter().find(|u| u.id == id)).map_or(Value::Null, |u| json!(u.handle))
}

/// Everything held about the viewer, as one JSON document. Other people
/// appear only as the handles the viewer could already see.
pub async fn export(db: &impl ConnectionTrait, viewer: &Viewer, now: DateTime<Utc>) -> AppResult<Value> {
    let me = &viewer.user;
    let s = settings::get(db, me.id).await?;
    let consents = privacy::history(db, me.id).await?;
    let contents = content::Entity::find()
        .filter(content::Column::AuthorId.eq(me.id))
        .order_by_asc(content::Column::CreatedAt)
        .all(db)
        .await?;
    let content_ids: Vec<Uuid> = contents.iter().map(|c| c.id).collect();
    let tags = content_tag::Entity::find().filter(content_tag::Column::ContentId.is_in(content_ids)).all(db).await?;
    let comments = comment::Entity::find()
        .filter(comment::Column::AuthorId.eq(me.id))
        .order_by_asc(comment::Column::CreatedAt)
        .all(db)
        .await?;
    let interactions = interaction::Entity::find()
        .filter(interaction::Column::UserId.eq(me.id))
        .order_by_asc(interaction::Column::CreatedAt)
        .all(db)
        .await?;
    let likes = like::Entity::find().filter(like::Column::UserId.eq(me.id)).all(db).await?;
    let follows = follow::Entity::find()
        .filter(Condition::any().add(follow::Column::FollowerId.eq(me.id)).add(follow::Column::FolloweeId.eq(me.id)))
        .all(db)
        .await?;
    let reports = report::Entity::find()
        .filter(report::Column::ReporterId.eq(me.id))
        .order_by_asc(report::Column::CreatedAt)
        .all(db)
        .await?;
    let links = family_link::Entity::find()
        .filter(
            Condition::any().add(family_link::Column::GuardianId.eq(me.id)).add(family_link::Column::TeenId.eq(me.id)),
        )
        .all(db)
        .await?;
    let requests = time_request::Entity::find().filter(time_request::Column::TeenId.eq(me.id)).all(db).await?;
    let badge_requests = verification_request::Entity::find()
        .filter(verification_request::Column::UserId.eq(me.id))
        .order_by_asc(verification_request::Column::CreatedAt)
        .all(db)
        .await?;
    let age_checks = age_check::Entity::find()
        .filter(age_check::Column::UserId.eq(me.id))
        .order_by_asc(age_check::Column::CreatedAt)
        .all(db)
        .await?;
    let notes = notification::Entity::find()
        .filter(notification::Column::UserId.eq(me.id))
        .order_by_asc(notification::Column::CreatedAt)
        .all(db)
        .await?;

    let mut others: Vec<Uuid> = follows.iter().flat_map(|f| [f.follower_id, f.followee_id]).collect();
    others.extend(links.iter().flat_map(|l| [l.guardian_id, l.teen_id]));
    others.retain(|id| *id != me.id);
    let people = user::Entity::find().filter(user::Column::Id.is_in(others)).all(db).await?;
    let vietnamese = me.locale != "en";
    let first_day = interactions.first().map_or(now, |i| i.created_at);
    let days = u32::try_from((now - first_day).num_days() + 1).unwrap_or(1).clamp(1, 3660);
    let usage = screen_time::report(db, me, days, now).await?;

    Ok(json!({
        "exportedAt": now.to_rfc3339(),
        "profile": {
            "id": me.id, "handle": me.handle, "displayName": me.display_name, "email": me.email,
            "birthDate": me.birth_date.to_string(), "role": me.role, "timezone": me.timezone, "locale": me.locale,
            "verified": me.verified, "createdAt": me.created_at.to_rfc3339(),
            "suspendedUntil": me.suspended_until.map(|t| t.to_rfc3339()), "banned": me.banned_at.is_some(),
        },
        "settings": {
            "privateAccount": s.private_account, "personalizedFeed": s.personalized_feed, "commentPolicy": s.comment_policy,
            "restrictedMode": settings::restricted_mode(&s, settings::age_band(me, now)),
        },
        "controls": {
            "dailyLimitMinutes": s.daily_limit_minutes, "searchEnabled": s.search_enabled,
            "timeAway": s.time_away.0.iter().map(|w| json!({
                "days": w.days.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                "start": w.start.format("%H:%M").to_string(), "end": w.end.format("%H:%M").to_string() })).collect::<Vec<_>>(),
            "blockedKeywords": s.blocked_keywords.0, "lockedByGuardian": s.locked_by_guardian,
        },
        "consents": consents.iter().map(|c| json!({ "version": c.version, "acceptedAt": c.accepted_at.to_rfc3339() })).collect::<Vec<_>>(),
        "content": contents.iter().map(|c| json!({
            "id": c.id, "title": c.title, "caption": c.caption, "language": c.language, "mediaUrl": c.media_url,
            "durationSeconds": c.duration_seconds, "audience": c.audience, "status": c.status,
            "tags": tags.iter().filter(|t| t.content_id == c.id).map(|t| t.tag_slug.clone()).collect::<Vec<_>>(),
            "viewCount": c.view_count, "likeCount": c.like_count, "commentCount": c.comment_count,
            "createdAt": c.created_at.to_rfc3339(), "deletedAt": c.deleted_at.map(|t| t.to_rfc3339()),
        })).collect::<Vec<_>>(),
        "comments": comments.iter().map(|c| json!({
            "id": c.id, "contentId": c.content_id, "body": c.body, "createdAt": c.created_at.to_rfc3339(),
            "removed": c.removed_at.is_some() })).collect::<Vec<_>>(),
        "interactions": interactions.iter().map(|i| json!({
            "kind": i.kind, "contentId": i.content_id, "watchedMs": i.watched_ms, "search": i.query,
            "at": i.created_at.to_rfc3339() })).collect::<Vec<_>>(),
        "likes": likes.iter().map(|l| json!({ "contentId": l.content_id, "at": l.created_at.to_rfc3339() })).collect::<Vec<_>>(),
        "follows": {
            "following": follows.iter().filter(|f| f.follower_id == me.id).map(|f| json!({
                "handle": handles(&people, Some(f.followee_id)), "status": if f.status == FollowState::Accepted { "FOLLOWING" } else { "REQUESTED" },
                "since": f.created_at.to_rfc3339() })).collect::<Vec<_>>(),
            "followers": follows.iter().filter(|f| f.followee_id == me.id).map(|f| json!({
                "handle": handles(&people, Some(f.follower_id)), "status": if f.status == FollowState::Accepted { "FOLLOWING" } else { "REQUESTED" },
                "since": f.created_at.to_rfc3339() })).collect::<Vec<_>>(),
        },
        "reports": reports.iter().map(|r| json!({
            "id": r.id, "targetType": r.target_type, "targetId": r.target_id, "reason": r.reason, "details": r.details,
            "status": r.status, "outcome": r.outcome_action.map(|a| outcome_text(a, vietnamese)),
            "createdAt": r.created_at.to_rfc3339(), "resolvedAt": r.resolved_at.map(|t| t.to_rfc3339()) })).collect::<Vec<_>>(),
        "familyLinks": links.iter().map(|l| json!({
            "role": if l.guardian_id == me.id { "GUARDIAN" } else { "TEEN" },
            "with": handles(&people, Some(if l.guardian_id == me.id { l.teen_id } else { l.guardian_id })),
            "status": l.status, "createdAt": l.created_at.to_rfc3339(), "endedAt": l.ended_at.map(|t| t.to_rfc3339()) })).collect::<Vec<_>>(),
        "screenTime": usage.iter().filter(|d| d.views > 0).map(|d| json!({
            "date": d.date.to_string(), "minutes": d.minutes, "views": d.views, "lateNightMinutes": d.late_night_minutes })).collect::<Vec<_>>(),
        "timeRequests": requests.iter().map(|r| json!({
            "minutes": r.minutes, "reason": r.reason, "status": r.status, "grantedMinutes": r.granted_minutes,
            "createdAt": r.created_at.to_rfc3339(), "answeredAt": r.answered_at.map(|t| t.to_rfc3339()) })).collect::<Vec<_>>(),
        "verificationRequests": badge_requests.iter().map(|r| json!({
            "kind": r.kind, "evidence": r.evidence, "status": r.status, "note": r.note,
            "createdAt": r.created_at.to_rfc3339(), "decidedAt": r.decided_at.map(|t| t.to_rfc3339()) })).collect::<Vec<_>>(),
        "ageChecks": age_checks.iter().map(|c| json!({
            "status": c.status, "claimedBirthDate": c.claimed_birth_date.map(|d| d.to_string()),
            "createdAt": c.created_at.to_rfc3339(), "submittedAt": c.submitted_at.map(|t| t.to_rfc3339()),
            "decidedAt": c.decided_at.map(|t| t.to_rfc3339()) })).collect::<Vec<_>>(),
        "notifications": notes.iter().map(|n| json!({
            "kind": n.kind, "title": n.title, "body": n.body, "createdAt": n.created_at.to_rfc3339(),
            "readAt": n.read_at.map(|t| t.to_rfc3339()) })).collect::<Vec<_>>(),
    }))
}

/// Deactivates the account at once: every session ends, and the profile,
/// content and comments leave every read path. Returns when it is purged.
pub async fn delete_account(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    viewer: &Viewer,
    password: &str,
    now: DateTime<Utc>,
) -> AppResult<DateTime<Utc>> {
    let check = rate_limit::guess(db, &rate_limit::PASSWORD_CHECK, &viewer.id().to_string(), now).await?;
    if !hasher.verify(password, Some(&viewer.user.password_hash)).await? {
        rate_limit::fail(db, check).await?;
        return Err(AppError::Unauthenticated("The password is incorrect".into()));
    }
    rate_limit::forgive(db, check).await?;
    let txn = crate::begin_write(db).await?;
    let mut active: user::ActiveModel = viewer.user.clone().into();
    active.deleted_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(viewer.user.id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    for guardian in family::active_guardians(&txn, &viewer.user, now).await? {
        notifications::notify_id(&txn, guardian, Notice::TeenAccountDeletion { teen: &viewer.user }, now).await?;
    }
    // A guardian who leaves leaves their teens, and what waited on them.
    if !settings::age_band(&viewer.user, now).is_teen() {
        family::end_links_of(&txn, &viewer.user, now).await?;
    }
    txn.commit().await?;
    tracing::info!(user = %viewer.user.id, "account scheduled for deletion");
    Ok(now + GRACE_PERIOD)
}

/// Removes for good every account deleted more than 30 days ago. Moderation
/// cases and events stay, with the person anonymised (foreign keys set to
/// null, snapshots and report details cleared). Idempotent, and safe on
/// several instances at once: each account goes in its own transaction
/// whose delete only one of them can win.
pub async fn purge(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let cutoff = now - GRACE_PERIOD;
    let due = user::Entity::find().filter(user::Column::DeletedAt.lte(cutoff)).all(db).await?;
    let mut purged = 0;
    for account in due {
        if purge_one(db, account.id, cutoff).await? {
            purged += 1;
        }
    }
    if purged > 0 {
        tracing::info!(purged, "purged deleted accounts");
    }
    Ok(purged)
}

async fn purge_one(db: &DatabaseConnection, id: Uuid, cutoff: DateTime<Utc>) -> AppResult<bool> {
    let txn = crate::begin_write(db).await?;
    let purged = erase(&txn, id, cutoff).await?;
    // Not purged: dropping the transaction undoes its anonymising too.
    if purged {
        txn.commit().await?;
    }
    Ok(purged)
}

/// Removes the account for good if it was deleted at or before `cutoff`,
/// inside the caller's transaction; false if it was not (restored
/// meanwhile, or purged by another instance), and then the caller must
/// roll back the anonymising done on the way. Age checks call it with the
/// moment of deletion: a child's account keeps no grace period.
pub(crate) async fn erase(txn: &impl ConnectionTrait, id: Uuid, cutoff: DateTime<Utc>) -> AppResult<bool> {
    // Counters of other people's content that this account liked or
    // commented on, recounted after its rows go.
    let liked: Vec<Uuid> = like::Entity::find()
        .filter(like::Column::UserId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.content_id)
        .collect();
    let commented: Vec<Uuid> = comment::Entity::find()
        .filter(comment::Column::AuthorId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.content_id)
        .collect();
    // Evidence about this person keeps no words of theirs.
    let own_content = Query::select()
        .column(content::Column::Id)
        .from(content::Entity)
        .and_where(Expr::col(content::Column::AuthorId).eq(id))
        .to_owned();
    let own_comments = Query::select()
        .column(comment::Column::Id)
        .from(comment::Entity)
        .and_where(Expr::col(comment::Column::AuthorId).eq(id))
        .to_owned();
    case::Entity::update_many()
        .col_expr(case::Column::Snapshot, Expr::value(Snapshot::default()))
        .filter(
            Condition::any()
                .add(case::Column::TargetUserId.eq(id))
                .add(case::Column::TargetId.eq(id))
                .add(case::Column::TargetId.in_subquery(own_content))
                .add(case::Column::TargetId.in_subquery(own_comments)),
        )
        .exec(txn)
        .await?;
    report::Entity::update_many()
        .col_expr(report::Column::Details, Expr::value(Option::<String>::None))
        .filter(report::Column::ReporterId.eq(id))
        .exec(txn)
        .await?;
    // Age checks stay as decisions, without the birth date or evidence given.
    age_check::Entity::update_many()
        .col_expr(age_check::Column::ClaimedBirthDate, Expr::value(Option::<chrono::NaiveDate>::None))
        .col_expr(age_check::Column::Evidence, Expr::value(Option::<String>::None))
        .filter(age_check::Column::UserId.eq(id))
        .exec(txn)
        .await?;
    // Appeals are the appellant's own words.
    case::Entity::update_many()
        .col_expr(case::Column::AppealMessage, Expr::value(Option::<String>::None))
        .filter(case::Column::TargetUserId.eq(id))
        .exec(txn)
        .await?;
    event::Entity::update_many()
        .col_expr(event::Column::Note, Expr::value(Option::<String>::None))
        .filter(event::Column::ActorId.eq(id))
        .filter(event::Column::Kind.eq("APPEAL"))
        .exec(txn)
        .await?;
    // Other people's notifications that name the account by handle: only
    // those recorded as naming it, so `@lan` never touches `@lan.nguyen`.
    if let Some(account) = user::Entity::find_by_id(id).one(txn).await? {
        let anonymised = |column: notification::Column| -> Expr {
            Func::cust(Alias::new("REPLACE"))
                .arg(Expr::col(column))
                .arg(format!("@{}", account.handle))
                .arg("@deleted-account")
                .into()
        };
        notification::Entity::update_many()
            .col_expr(notification::Column::Body, anonymised(notification::Column::Body))
            .col_expr(notification::Column::BodyEn, anonymised(notification::Column::BodyEn))
            .col_expr(notification::Column::MentionedUserId, Expr::value(Option::<Uuid>::None))
            .filter(notification::Column::MentionedUserId.eq(id))
            .exec(txn)
            .await?;
    }
    // The cascade removes profile, settings, credentials, sessions, consents,
    // content, comments, likes, interactions, follows, links, requests and
    // notifications; moderation rows keep the case with the person nulled.
    let deleted = user::Entity::delete_many()
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::DeletedAt.lte(cutoff))
        .exec(txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Ok(false);
    }
    recount(txn, &liked, &commented).await?;
    Ok(true)
}

async fn recount(db: &impl ConnectionTrait, liked: &[Uuid], commented: &[Uuid]) -> AppResult<()> {
    let likes = Query::select()
        .expr(Func::count(Expr::col((like::Entity, like::Column::UserId))))
        .from(like::Entity)
        .and_where(Expr::col((like::Entity, like::Column::ContentId)).equals((content::Entity, content::Column::Id)))
        .to_owned();
    let comments = Query::select()
        .expr(Func::count(Expr::col((comment::Entity, comment::Column::Id))))
        .from(comment::Entity)
        .and_where(
            Expr::col((comment::Entity, comment::Column::ContentId)).equals((content::Entity, content::Column::Id)),
        )
        .to_owned();
    if !liked.is_empty() {
        content::Entity::update_many()
            .col_expr(content::Column::LikeCount, Expr::SubQuery(None, Box::new(likes.into())))
            .filter(content::Column::Id.is_in(liked.iter().copied()))
            .exec(db)
            .await?;
    }
    if !commented.is_empty() {
        content::Entity::update_many()
            .col_expr(content::Column::CommentCount, Expr::SubQuery(None, Box::new(comments.into())))
            .filter(content::Column::Id.is_in(commented.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}
