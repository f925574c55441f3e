//! Campaigns and their surveys: creating them (admins), listing the open
//! ones, and taking responses, anonymously or signed in, once each.
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::{
    KpiKey, QuestionKind, RespondentGroup, Role, SurveyWave, campaign, survey, survey_question, survey_respondent,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, SqlErr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::inbox::{self, SurveySeal};
use crate::auth::hex;
use crate::error::{AppError, AppResult, InputProblems};
use crate::policy::Access;
use crate::rate_limit::{self, Limit};

/// An account this old answers as a user of the app, whatever it says.
const USER_ACCOUNT_AGE: Duration = Duration::days(7);
const MAX_QUESTIONS: usize = 30;

pub struct NewCampaign {
    pub slug: String,
    pub name: String,
    pub hashtag: String,
    pub tagline: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Admins only; a taken slug is a CONFLICT.
pub async fn create_campaign(
    db: &impl ConnectionTrait,
    access: &Access,
    new: NewCampaign,
) -> AppResult<campaign::Model> {
    access.staff(&[Role::Admin])?;
    let mut errors = InputProblems::default();
    let slug = new.slug.trim().to_lowercase();
    let slug_ok = (3..=40).contains(&slug.len())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.contains("--")
        && !slug.ends_with('-');
    if !slug_ok {
        errors.add("slug", "must be 3 to 40 of a-z, 0-9 and inner hyphens");
    }
    let name = new.name.trim().to_owned();
    if !(1..=100).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        errors.add("name", "must be 1 to 100 characters long, without control characters");
    }
    let hashtag = new.hashtag.trim().to_owned();
    let tag_ok = hashtag.starts_with('#')
        && (2..=50).contains(&hashtag.chars().count())
        && hashtag.chars().skip(1).all(|c| c.is_alphanumeric() || c == '_');
    if !tag_ok {
        errors.add("hashtag", "must be # followed by 1 to 49 letters, digits or underscores");
    }
    let tagline = new.tagline.unwrap_or_default().trim().to_owned();
    if tagline.chars().count() > 200 || tagline.chars().any(char::is_control) {
        errors.add("tagline", "must be at most 200 characters long, without control characters");
    }
    if new.ends_at <= new.starts_at {
        errors.add("endsAt", "must be after startsAt");
    }
    errors.into_result()?;
    let model = campaign::ActiveModel {
        id: Set(Uuid::new_v4()),
        slug: Set(slug),
        name: Set(name),
        hashtag: Set(hashtag),
        tagline: Set(tagline),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
    };
    campaign::Entity::insert(model).exec_with_returning(db).await.map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("A campaign with this slug already exists".into())
        }
        _ => err.into(),
    })
}

/// One question as asked.
#[derive(Debug, Clone)]
pub struct Question {
    pub key: String,
    pub kind: QuestionKind,
    pub measures: KpiKey,
    pub text: String,
    pub text_vi: String,
}

fn question(key: &str, kind: QuestionKind, measures: KpiKey, text: &str, text_vi: &str) -> Question {
    Question { key: key.into(), kind, measures, text: text.into(), text_vi: text_vi.into() }
}

/// The standard questionnaire: three trust items, relevance, usefulness and
/// awareness of each safety feature, in English and Vietnamese.
pub fn standard_questionnaire() -> Vec<Question> {
    use KpiKey::*;
    use QuestionKind::*;
    vec![
        question(
            "trust_data",
            Trust9,
            Trust,
            "This app keeps my data safe (1 = not at all, 9 = completely).",
            "Ứng dụng này giữ dữ liệu của tôi an toàn (1 = hoàn toàn không, 9 = hoàn toàn đúng).",
        ),
        question(
            "trust_teens",
            Trust9,
            Trust,
            "This app protects teens (1 = not at all, 9 = completely).",
            "Ứng dụng này bảo vệ thanh thiếu niên (1 = hoàn toàn không, 9 = hoàn toàn đúng).",
        ),
        question(
            "trust_reports",
            Trust9,
            Trust,
            "This app acts on what people report (1 = not at all, 9 = completely).",
            "Ứng dụng này xử lý những gì mọi người báo cáo (1 = hoàn toàn không, 9 = hoàn toàn đúng).",
        ),
        question(
            "relevance",
            Agree5,
            Relevance,
            "There is content relevant to me (1 = strongly disagree, 5 = strongly agree).",
            "Có nội dung phù hợp với tôi (1 = rất không đồng ý, 5 = rất đồng ý).",
        ),
        question(
            "usefulness",
            Agree5,
            Usefulness,
            "I find useful content for my daily life (1 = strongly disagree, 5 = strongly agree).",
            "Tôi tìm thấy nội dung hữu ích cho cuộc sống hằng ngày (1 = rất không đồng ý, 5 = rất đồng ý).",
        ),
        question(
            "aware_reporting",
            YesNo,
            AwareReporting,
            "Did you know you can report a video, an account or a comment in the app?",
            "Bạn có biết có thể báo cáo video, tài khoản hoặc bình luận ngay trong ứng dụng?",
        ),
        question(
            "aware_privacy",
            YesNo,
            AwarePrivacy,
            "Did you know you can download your data and choose who sees your videos?",
            "Bạn có biết có thể tải dữ liệu của mình và chọn ai được xem video của bạn?",
        ),
        question(
            "aware_guardian",
            YesNo,
            AwareGuardian,
            "Did you know parents can link with their teen's account to set limits together?",
            "Bạn có biết cha mẹ có thể liên kết với tài khoản của con để cùng đặt giới hạn?",
        ),
        question(
            "aware_screen_time",
            YesNo,
            AwareScreenTime,
            "Did you know the app can limit daily screen time?",
            "Bạn có biết ứng dụng có thể giới hạn thời gian sử dụng mỗi ngày?",
        ),
    ]
}

/// The kind of answer each measure takes.
fn kind_for(measures: KpiKey) -> QuestionKind {
    match measures {
        KpiKey::Trust => QuestionKind::Trust9,
        KpiKey::Relevance | KpiKey::Usefulness => QuestionKind::Agree5,
        KpiKey::AwareReporting | KpiKey::AwarePrivacy | KpiKey::AwareGuardian | KpiKey::AwareScreenTime => {
            QuestionKind::YesNo
        }
    }
}

/// The answers a kind of question accepts.
pub fn accepts(kind: QuestionKind, value: i32) -> bool {
    match kind {
        QuestionKind::Trust9 => (1..=9).contains(&value),
        QuestionKind::Agree5 => (1..=5).contains(&value),
        QuestionKind::YesNo => value == 0 || value == 1,
    }
}

pub struct NewSurvey {
    pub campaign_slug: String,
    pub wave: SurveyWave,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// None: the standard questionnaire.
    pub questions: Option<Vec<Question>>,
}

pub struct Survey {
    pub survey: survey::Model,
    pub questions: Vec<survey_question::Model>,
}

/// Admins only.
pub async fn create_survey(db: &DatabaseConnection, access: &Access, new: NewSurvey) -> AppResult<Survey> {
    access.staff(&[Role::Admin])?;
    let campaign = campaign_by_slug(db, &new.campaign_slug).await?;
    let mut errors = InputProblems::default();
    if new.closes_at <= new.opens_at {
        errors.add("closesAt", "must be after opensAt");
    }
    let questions = new.questions.unwrap_or_else(standard_questionnaire);
    if !(1..=MAX_QUESTIONS).contains(&questions.len()) {
        errors.add("questions", format!("must hold 1 to {MAX_QUESTIONS} questions"));
    }
    let mut keys = HashSet::new();
    for q in &questions {
        let key_ok = (1..=40).contains(&q.key.len())
            && q.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            errors.add("questions", format!("key {:?} must be 1 to 40 of a-z, 0-9 and _", q.key));
        } else if !keys.insert(q.key.as_str()) {
            errors.add("questions", format!("key {:?} is repeated", q.key));
        }
        if kind_for(q.measures) != q.kind {
            errors.add("questions", format!("{:?} cannot measure {:?}", q.kind, q.measures));
        }
        for text in [&q.text, &q.text_vi] {
            if !(1..=500).contains(&text.trim().chars().count()) || text.chars().any(char::is_control) {
                errors.add(
                    "questions",
                    format!("the texts of {:?} must be 1 to 500 characters long, without control characters", q.key),
                );
            }
        }
    }
    errors.into_result()?;
    let txn = crate::begin_write(db).await?;
    let survey =
        insert_survey(&txn, campaign.id, new.wave, (new.opens_at, new.closes_at), &questions, access.now()).await?;
    txn.commit().await?;
    let questions = questions_of(db, &[survey.id]).await?.remove(&survey.id).unwrap_or_default();
    Ok(Survey { survey, questions })
}

/// Writes a checked survey and its questions.
pub async fn insert_survey(
    db: &impl ConnectionTrait,
    campaign_id: Uuid,
    wave: SurveyWave,
    (opens_at, closes_at): (DateTime<Utc>, DateTime<Utc>),
    questions: &[Question],
    now: DateTime<Utc>,
) -> AppResult<survey::Model> {
    let survey = survey::ActiveModel {
        id: Set(Uuid::new_v4()),
        campaign_id: Set(campaign_id),
        wave: Set(wave),
        opens_at: Set(opens_at),
        closes_at: Set(closes_at),
        created_at: Set(now),
    };
    let survey = survey::Entity::insert(survey).exec_with_returning(db).await?;
    let rows = questions.iter().enumerate().map(|(position, q)| survey_question::ActiveModel {
        survey_id: Set(survey.id),
        key: Set(q.key.clone()),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        kind: Set(q.kind),
        measures: Set(q.measures),
        text: Set(q.text.trim().to_owned()),
        text_vi: Set(q.text_vi.trim().to_owned()),
    });
    survey_question::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(survey)
}

/// The campaign with this slug (slugs are lower case), if any.
pub async fn find_campaign(db: &impl ConnectionTrait, slug: &str) -> AppResult<Option<campaign::Model>> {
    Ok(campaign::Entity::find().filter(campaign::Column::Slug.eq(slug.to_lowercase())).one(db).await?)
}

/// The campaign an operation names; NOT_FOUND when there is none.
pub async fn campaign_by_slug(db: &impl ConnectionTrait, slug: &str) -> AppResult<campaign::Model> {
    find_campaign(db, slug.trim()).await?.ok_or_else(|| AppError::NotFound("No campaign has this slug".into()))
}

/// The questions of each survey, in their order.
pub async fn questions_of(
    db: &impl ConnectionTrait,
    surveys: &[Uuid],
) -> AppResult<BTreeMap<Uuid, Vec<survey_question::Model>>> {
    let rows = survey_question::Entity::find()
        .filter(survey_question::Column::SurveyId.is_in(surveys.iter().copied()))
        .order_by_asc(survey_question::Column::Position)
        .all(db)
        .await?;
    let mut by_survey: BTreeMap<Uuid, Vec<survey_question::Model>> = BTreeMap::new();
    for row in rows {
        by_survey.entry(row.survey_id).or_default().push(row);
    }
    Ok(by_survey)
}

/// The campaign's surveys open now, for anyone.
pub async fn open_surveys(db: &impl ConnectionTrait, access: &Access, slug: &str) -> AppResult<Vec<Survey>> {
    // Anyone may read them, but a token that was sent must be good.
    access.viewer()?;
    let campaign = campaign_by_slug(db, slug).await?;
    let now = access.now();
    let surveys = survey::Entity::find()
        .filter(survey::Column::CampaignId.eq(campaign.id))
        .filter(survey::Column::OpensAt.lte(now))
        .filter(survey::Column::ClosesAt.gt(now))
        .order_by_asc(survey::Column::OpensAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = surveys.iter().map(|s| s.id).collect();
    let mut questions = questions_of(db, &ids).await?;
    Ok(surveys
        .into_iter()
        .map(|s| Survey { questions: questions.remove(&s.id).unwrap_or_default(), survey: s })
        .collect())
}

/// Anonymous responses allowed per client address per hour.
pub fn per_address_limit(max: u64) -> Limit {
    Limit {
        bucket: "survey:address",
        max,
        window: Duration::hours(1),
        message: "Too many survey responses from this address; try again later",
    }
}

pub struct Response {
    pub survey_id: Uuid,
    pub respondent_key: String,
    pub uses_app: Option<bool>,
    pub answers: Vec<(String, i32)>,
}

/// At most 40 characters of what a client sent, for echoing it in an error.
fn shortened(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Checks a response against its questions: every question answered once,
/// in range, and nothing else.
fn check_answers(questions: &[survey_question::Model], answers: &[(String, i32)]) -> AppResult<()> {
    if answers.len() > 2 * questions.len() {
        return Err(AppError::field("answers", format!("must answer each of the {} questions once", questions.len())));
    }
    let mut errors = InputProblems::default();
    let mut seen = HashSet::new();
    for (key, value) in answers {
        match questions.iter().find(|q| &q.key == key) {
            None => errors.add("answers", format!("{:?} is not a question of this survey", shortened(key))),
            Some(_) if !seen.insert(key.as_str()) => errors.add("answers", format!("{key:?} is answered twice")),
            Some(q) if !accepts(q.kind, *value) => {
                errors.add("answers", format!("{value} is not an answer to {key:?}"));
            }
            Some(_) => {}
        }
    }
    for q in questions {
        if !answers.iter().any(|(key, _)| key == &q.key) {
            errors.add("answers", format!("{:?} is not answered", q.key));
        }
    }
    errors.into_result()
}

/// Takes one response. Anonymous callers are limited per client address;
/// a second response with the same `respondentKey`, or from the same
/// signed-in user, is a CONFLICT. Nothing is stored unless all of it is good.
pub async fn submit(
    db: &DatabaseConnection,
    access: &Access,
    seal: &SurveySeal,
    response: Response,
    per_address: &Limit,
) -> AppResult<Receipt> {
    let viewer = access.viewer()?;
    let now = access.now();
    let key = response.respondent_key.trim();
    if !(16..=64).contains(&key.chars().count()) || key.chars().any(char::is_control) {
        return Err(AppError::field("respondentKey", "must be 16 to 64 characters long"));
    }
    let survey = survey::Entity::find_by_id(response.survey_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("No such survey".into()))?;
    let questions = questions_of(db, &[survey.id]).await?.remove(&survey.id).unwrap_or_default();
    check_answers(&questions, &response.answers)?;
    if !survey.is_open(now) {
        return Err(AppError::Forbidden("This survey is not open".into()));
    }
    let group = match viewer {
        Some(viewer) if now - viewer.user.created_at >= USER_ACCOUNT_AGE => RespondentGroup::User,
        _ if response.uses_app == Some(true) => RespondentGroup::User,
        _ => RespondentGroup::NonUser,
    };
    // Counted before it is stored, so parallel bursts stop at the limit.
    let attempt = match (viewer, access.address()) {
        (None, Some(address)) => Some(rate_limit::attempt(db, per_address, address, now).await?),
        _ => None,
    };
    let respondent = Respondent { key, user: viewer.map(|v| v.user.id), group };
    let stored = record(db, seal, &survey, respondent, &response.answers, now).await;
    if stored.is_err()
        && let Some(attempt) = attempt
    {
        rate_limit::forgive(db, attempt).await?;
    }
    stored
}

/// What a respondent is told: the response's id, its group, and the hour.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: Uuid,
    pub group: RespondentGroup,
    pub submitted_at: DateTime<Utc>,
}

/// Who answers: their client's key, their account if signed in, and the
/// group they answer in.
pub struct Respondent<'a> {
    pub key: &'a str,
    pub user: Option<Uuid>,
    pub group: RespondentGroup,
}

/// Stores a checked response in two steps, so that nothing ties the two
/// rows together (not even a shared transaction): first the claim that this
/// respondent has answered this wave, which refuses a second one, then, on
/// its own, the response, sealed until it is written in a shuffled batch
/// (see `inbox`). Should the second step fail, the claim is withdrawn so the
/// respondent may try again.
pub async fn record(
    db: &DatabaseConnection,
    seal: &SurveySeal,
    survey: &survey::Model,
    respondent: Respondent<'_>,
    answers: &[(String, i32)],
    now: DateTime<Utc>,
) -> AppResult<Receipt> {
    let key_hash = hex(&Sha256::digest(respondent.key.as_bytes()));
    let claim = survey_respondent::ActiveModel {
        campaign_id: Set(survey.campaign_id),
        wave: Set(survey.wave),
        key_hash: Set(key_hash.clone()),
        user_id: Set(respondent.user),
    };
    if let Err(err) = survey_respondent::Entity::insert(claim).exec_without_returning(db).await {
        return Err(match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict("This respondent already answered this wave of the campaign".into())
            }
            _ => err.into(),
        });
    }
    let stored = inbox::put(db, seal, survey.id, respondent.group, answers, now).await;
    if stored.is_err() {
        survey_respondent::Entity::delete_many()
            .filter(survey_respondent::Column::CampaignId.eq(survey.campaign_id))
            .filter(survey_respondent::Column::Wave.eq(survey.wave))
            .filter(survey_respondent::Column::KeyHash.eq(key_hash))
            .exec(db)
            .await?;
    }
    let submitted_at = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    Ok(Receipt { id: stored?, group: respondent.group, submitted_at })
}
