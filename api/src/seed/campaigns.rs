//! Demo data for the campaign pages: the running 2026 relaunch with its
//! entries and an open survey, PRE and POST waves of synthetic responses for
//! the 2023 campaign, and a month of moderation history for transparency.
use chrono::{DateTime, Duration, Utc};
use entity::moderation_case::Snapshot;
use entity::{
    CaseStatus, KpiKey, ModerationAction, ReportReason, ReportStatus, ReportTargetType, RespondentGroup, SurveyWave,
    campaign, comment, content, moderation_case, moderation_event, report, survey_answer, survey_response, user,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveEnum;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{CAMPAIGN_SLUG, vietnam_midnight};
use crate::error::{AppError, ServiceResult as AppResult};
use crate::service::campaign::surveys::{Question, find_campaign, insert_survey, standard_questionnaire};
use crate::service::comments;
use crate::service::moderation;

pub const RELAUNCH_SLUG: &str = "tryitwithtiktok-2026";
/// Responses per wave of the 2023 campaign.
const WAVE_SIZE: usize = 600;
/// Responses to the 2026 relaunch's PRE survey so far.
const RELAUNCH_RESPONSES: usize = 240;

pub(super) async fn seed(
    db: &DatabaseConnection,
    spammer: &user::Model,
    reporters: &[user::Model],
    now: DateTime<Utc>,
) -> AppResult<()> {
    relaunch(db, now).await?;
    survey_waves(db, now).await?;
    moderation_history(db, spammer, reporters, now).await
}

/// The 2026 relaunch: running now, with every third recent video entered
/// and a PRE survey still collecting.
async fn relaunch(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<()> {
    let starts_at = now - Duration::days(14);
    let relaunch = campaign::ActiveModel {
        id: Set(Uuid::new_v4()),
        slug: Set(RELAUNCH_SLUG.into()),
        name: Set("Try it with TikTok 2026".into()),
        hashtag: Set("#tryitwithtiktok".into()),
        tagline: Set("Trăm xem không bằng một thử — lần nữa".into()),
        starts_at: Set(starts_at),
        ends_at: Set(now + Duration::days(46)),
    };
    let relaunch = campaign::Entity::insert(relaunch).exec_with_returning(db).await?;
    let recent = content::Entity::find()
        .filter(content::Column::CampaignId.is_null())
        .filter(content::Column::CreatedAt.gte(starts_at))
        .order_by_desc(content::Column::CreatedAt)
        .all(db)
        .await?;
    let entries: Vec<Uuid> = recent.iter().step_by(3).map(|c| c.id).collect();
    content::Entity::update_many()
        .col_expr(content::Column::CampaignId, Expr::value(relaunch.id))
        .filter(content::Column::Id.is_in(entries))
        .exec(db)
        .await?;
    let questions = standard_questionnaire();
    let opens_at = starts_at - Duration::days(7);
    let survey =
        insert_survey(db, relaunch.id, SurveyWave::Pre, (opens_at, now + Duration::days(14)), &questions, now).await?;
    // Answers so far, enough for every figure of the PRE wave to show.
    let mut rng = StdRng::seed_from_u64(2026);
    respond(db, &mut rng, survey.id, SurveyWave::Pre, &questions, (opens_at, now), RELAUNCH_RESPONSES).await
}

/// Chances that drive one synthetic respondent's answers.
struct Leaning {
    trust: f64,
    relevance: f64,
    usefulness: f64,
    awareness: f64,
}

/// A modest real effect among non-users, and little among users.
fn leaning(group: RespondentGroup, wave: SurveyWave) -> Leaning {
    match (group, wave) {
        (RespondentGroup::User, SurveyWave::Pre) => {
            Leaning { trust: 0.62, relevance: 0.70, usefulness: 0.66, awareness: 0.55 }
        }
        (RespondentGroup::User, SurveyWave::Post) => {
            Leaning { trust: 0.64, relevance: 0.72, usefulness: 0.68, awareness: 0.60 }
        }
        (RespondentGroup::NonUser, SurveyWave::Pre) => {
            Leaning { trust: 0.40, relevance: 0.45, usefulness: 0.40, awareness: 0.25 }
        }
        (RespondentGroup::NonUser, SurveyWave::Post) => {
            Leaning { trust: 0.49, relevance: 0.55, usefulness: 0.50, awareness: 0.40 }
        }
    }
}

/// An answer in the top boxes with chance `p`, spread over the boxes.
fn answer(rng: &mut StdRng, p: f64, top: std::ops::RangeInclusive<i32>, rest: std::ops::RangeInclusive<i32>) -> i32 {
    if rng.random_bool(p) { rng.random_range(top) } else { rng.random_range(rest) }
}

/// The 2023 campaign's PRE and POST waves, from a seeded generator.
async fn survey_waves(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<()> {
    let launch =
        find_campaign(db, CAMPAIGN_SLUG).await?.ok_or_else(|| AppError::internal("the launch campaign is missing"))?;
    let questions = standard_questionnaire();
    let mut rng = StdRng::seed_from_u64(2023);
    let waves = [
        (SurveyWave::Pre, vietnam_midnight(2023, 5, 3), vietnam_midnight(2023, 5, 17)),
        (SurveyWave::Post, vietnam_midnight(2023, 7, 1), vietnam_midnight(2023, 7, 15)),
    ];
    for (wave, opens_at, closes_at) in waves {
        let survey = insert_survey(db, launch.id, wave, (opens_at, closes_at), &questions, now).await?;
        respond(db, &mut rng, survey.id, wave, &questions, (opens_at, closes_at), WAVE_SIZE).await?;
    }
    Ok(())
}

/// `count` synthetic responses to a survey, submitted within `window`.
async fn respond(
    db: &DatabaseConnection,
    rng: &mut StdRng,
    survey_id: Uuid,
    wave: SurveyWave,
    questions: &[Question],
    (opens_at, closes_at): (DateTime<Utc>, DateTime<Utc>),
    count: usize,
) -> AppResult<()> {
    let window = (closes_at - opens_at).num_seconds().max(1);
    let mut responses = Vec::with_capacity(count);
    let mut answers = Vec::with_capacity(count * questions.len());
    for _ in 0..count {
        let group = if rng.random_bool(0.5) { RespondentGroup::User } else { RespondentGroup::NonUser };
        let lean = leaning(group, wave);
        let id = Uuid::new_v4();
        responses.push(survey_response::ActiveModel {
            id: Set(id),
            survey_id: Set(survey_id),
            respondent_group: Set(group),
            submitted_at: Set(opens_at + Duration::seconds(rng.random_range(0..window))),
        });
        for q in questions {
            let value = match q.measures {
                KpiKey::Trust => answer(rng, lean.trust, 6..=9, 1..=5),
                KpiKey::Relevance => answer(rng, lean.relevance, 4..=5, 1..=3),
                KpiKey::Usefulness => answer(rng, lean.usefulness, 4..=5, 1..=3),
                _ => i32::from(rng.random_bool(lean.awareness)),
            };
            answers.push(survey_answer::ActiveModel {
                response_id: Set(id),
                question_key: Set(q.key.clone()),
                value: Set(value),
            });
        }
    }
    // Synthetic respondents have no keys or accounts: nothing to dedupe.
    for chunk in responses.chunks(500) {
        survey_response::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    for chunk in answers.chunks(2000) {
        survey_answer::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    Ok(())
}

const OUTCOMES: [ModerationAction; 5] = [
    ModerationAction::RemoveContent,
    ModerationAction::Dismiss,
    ModerationAction::RemoveContent,
    ModerationAction::WarnUser,
    ModerationAction::RemoveContent,
];
/// The appealed decision whose appeal still waits for a moderator: a
/// removal, not one of those overturned.
const WAITING_APPEAL: usize = 12;
const SPAM: [(ReportReason, &str); 4] = [
    (ReportReason::Spam, "Săn sale giá sốc, inbox ngay!!!"),
    (ReportReason::ScamFraud, "Đầu tư 1 triệu lãi 30%/tháng, bảo đảm không lỗ"),
    (ReportReason::Misinformation, "Uống nước chanh nóng chữa khỏi mọi bệnh"),
    (ReportReason::BullyingHarassment, "Video dở tệ, nghỉ làm đi"),
];

/// A month of moderation: 44 comments by a spammer on the catalogue are
/// reported; 36 cases were decided a few hours after opening (removed
/// comments really are removed), 12 decisions were appealed, 11 of them
/// decided again (4 overturned) and one appeal waits, and 8 cases still
/// wait in the queue.
async fn moderation_history(
    db: &DatabaseConnection,
    spammer: &user::Model,
    reporters: &[user::Model],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let videos = content::Entity::find().order_by_asc(content::Column::CreatedAt).all(db).await?;
    for (index, video) in videos.iter().take(44).enumerate() {
        let step = i64::try_from(index).unwrap_or(0);
        let opened_at = now - Duration::hours(2 + step * 15);
        let (reason, body) = SPAM[index % SPAM.len()];
        let decided = index >= 8;
        let action = OUTCOMES[index % OUTCOMES.len()];
        let decided_at = opened_at + Duration::minutes(40 + step * 23 % 600);
        // Every third decision is appealed; a third of those overturned.
        let appealed = decided && index % 3 == 0;
        let overturned = appealed && index % 9 == 0;
        let appeal_waits = index == WAITING_APPEAL;
        let removed = decided && action == ModerationAction::RemoveContent && !overturned;
        let comment_id = Uuid::new_v4();
        comment::Entity::insert(comment::ActiveModel {
            id: Set(comment_id),
            removed_at: Set(removed.then_some(decided_at)),
            ..comments::row(video.id, spammer.id, body, opened_at - Duration::minutes(30))
        })
        .exec_without_returning(db)
        .await?;
        let case_id = Uuid::new_v4();
        let reporter_count = 1 + index % 3;
        let priority = 20 + i32::try_from(reporter_count).unwrap_or(1);
        let case = moderation_case::ActiveModel {
            id: Set(case_id),
            target_type: Set(ReportTargetType::Comment),
            target_id: Set(comment_id),
            active_target_id: Set((!decided).then_some(comment_id)),
            target_user_id: Set(Some(spammer.id)),
            snapshot: Set(Snapshot {
                body: Some(body.into()),
                author_handle: Some(spammer.handle.clone()),
                author_display_name: Some(spammer.display_name.clone()),
                ..Default::default()
            }),
            status: Set(match (decided, appeal_waits) {
                (false, _) => CaseStatus::Open,
                (true, false) => CaseStatus::Resolved,
                (true, true) => CaseStatus::Appealed,
            }),
            priority_base: Set(priority),
            tier: Set(moderation::tier(&[reason])),
            queue_rank: Set(moderation::queue_rank(moderation::tier(&[reason]), priority, opened_at)),
            report_count: Set(i32::try_from(reporter_count).unwrap_or(1)),
            reasons: Set(format!("|{}|", reason.to_value())),
            assignee_id: Set(None),
            claimed_until: Set(None),
            version: Set(if decided { 2 } else { 1 }),
            resolution: Set(decided.then_some(if overturned { ModerationAction::Dismiss } else { action })),
            resolved_by: Set(None),
            auto_hidden: Set(false),
            appealed_at: Set(appealed.then_some(decided_at + Duration::hours(6))),
            opened_at: Set(opened_at),
            last_reported_at: Set(opened_at),
            resolved_at: Set(decided.then_some(decided_at)),
            suspended_until: Set(None),
            appeal_message: Set(appealed.then(|| "Tôi chỉ chia sẻ thông tin khuyến mãi.".to_owned())),
        };
        moderation_case::Entity::insert(case).exec_without_returning(db).await?;
        let mut events = Vec::new();
        for r in 0..reporter_count {
            let reporter = reporters.get((index + r * 3) % reporters.len().max(1)).map(|u| u.id);
            let reported_at = opened_at + Duration::minutes(i64::try_from(r).unwrap_or(0) * 11);
            report::Entity::insert(report::ActiveModel {
                id: Set(Uuid::new_v4()),
                case_id: Set(case_id),
                reporter_id: Set(reporter),
                target_type: Set(ReportTargetType::Comment),
                target_id: Set(comment_id),
                reason: Set(reason),
                details: Set(None),
                status: Set(match (decided, action) {
                    (false, _) => ReportStatus::Open,
                    (true, ModerationAction::Dismiss) => ReportStatus::Dismissed,
                    (true, _) => ReportStatus::Actioned,
                }),
                outcome_action: Set(decided.then_some(action)),
                created_at: Set(reported_at),
                resolved_at: Set(decided.then_some(decided_at)),
            })
            .exec_without_returning(db)
            .await?;
            events.push(event(case_id, reporter, "REPORT", None, reported_at));
        }
        if decided {
            events.push(event(case_id, None, "ACTION", Some(action), decided_at));
        }
        if appealed {
            events.push(event(case_id, Some(spammer.id), "APPEAL", None, decided_at + Duration::hours(6)));
        }
        if appealed && !appeal_waits {
            let second = if overturned { ModerationAction::Dismiss } else { action };
            events.push(event(case_id, None, "APPEAL_DECISION", Some(second), decided_at + Duration::hours(20)));
        }
        moderation_event::Entity::insert_many(events).exec_without_returning(db).await?;
    }
    Ok(())
}

fn event(
    case_id: Uuid,
    actor: Option<Uuid>,
    kind: &str,
    action: Option<ModerationAction>,
    at: DateTime<Utc>,
) -> moderation_event::ActiveModel {
    moderation_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        case_id: Set(case_id),
        actor_id: Set(actor),
        kind: Set(kind.into()),
        action: Set(action),
        note: Set(None),
        created_at: Set(at),
    }
}
