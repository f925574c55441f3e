//! Campaigns, their surveys and KPIs, and public safety transparency.
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{campaign, survey_question};
use uuid::Uuid;

use super::content::Campaign;
use super::enums::{KpiKey, QuestionKind, ReportReason, RespondentGroup, SurveyWave};
use super::loaders::CampaignLoader;
use super::{app, loader, policy};
use crate::error::{AppError, AppResult};
use crate::service::campaign::kpis::{self, Estimate};
use crate::service::campaign::{surveys, transparency};

#[derive(SimpleObject)]
pub struct SurveyQuestion {
    key: String,
    kind: QuestionKind,
    measures: KpiKey,
    text: String,
    text_vi: String,
}

impl From<survey_question::Model> for SurveyQuestion {
    fn from(q: survey_question::Model) -> Self {
        Self { key: q.key, kind: q.kind.into(), measures: q.measures.into(), text: q.text, text_vi: q.text_vi }
    }
}

pub struct Survey(surveys::Survey);

#[Object]
impl Survey {
    async fn id(&self) -> Uuid {
        self.0.survey.id
    }
    async fn campaign(&self, ctx: &Context<'_>) -> AppResult<Campaign> {
        let found = loader::<CampaignLoader>(ctx)?.load_one(self.0.survey.campaign_id).await?;
        Ok(Campaign(found.ok_or_else(|| AppError::internal("a survey without its campaign"))?))
    }
    async fn wave(&self) -> SurveyWave {
        self.0.survey.wave.into()
    }
    async fn opens_at(&self) -> DateTime<Utc> {
        self.0.survey.opens_at
    }
    async fn closes_at(&self) -> DateTime<Utc> {
        self.0.survey.closes_at
    }
    async fn questions(&self) -> Vec<SurveyQuestion> {
        self.0.questions.iter().cloned().map(SurveyQuestion::from).collect()
    }
}

#[derive(SimpleObject)]
pub struct SurveyReceipt {
    id: Uuid,
    group: RespondentGroup,
    submitted_at: DateTime<Utc>,
}

/// A figure on the 0–100 scale with its 95% interval; null when fewer than
/// 30 respondents gave it (`suppressed`), `n` always the true count.
#[derive(SimpleObject)]
pub struct KpiEstimate {
    value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    n: i32,
    suppressed: bool,
}

impl From<Estimate> for KpiEstimate {
    fn from(e: Estimate) -> Self {
        Self {
            value: e.value,
            low: e.low,
            high: e.high,
            n: i32::try_from(e.n).unwrap_or(i32::MAX),
            suppressed: e.suppressed,
        }
    }
}

/// POST − PRE with its 95% interval; null when either side is suppressed.
#[derive(SimpleObject)]
pub struct KpiChange {
    key: KpiKey,
    pre: KpiEstimate,
    post: KpiEstimate,
    change: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    /// The interval leaves out 0.
    significant: bool,
}

impl From<&kpis::Change> for KpiChange {
    fn from(c: &kpis::Change) -> Self {
        Self {
            key: c.key.into(),
            pre: c.pre.into(),
            post: c.post.into(),
            change: c.change.map(|d| d.value),
            low: c.change.map(|d| d.low),
            high: c.change.map(|d| d.high),
            significant: c.significant(),
        }
    }
}

#[derive(SimpleObject)]
pub struct GroupKpis {
    /// Null: everyone.
    group: Option<RespondentGroup>,
    trust_index: KpiChange,
    relevance: KpiChange,
    usefulness: KpiChange,
    /// AWARE_REPORTING, AWARE_PRIVACY, AWARE_GUARDIAN, AWARE_SCREEN_TIME.
    awareness: Vec<KpiChange>,
}

impl From<&kpis::GroupKpis> for GroupKpis {
    fn from(g: &kpis::GroupKpis) -> Self {
        Self {
            group: g.group.map(Into::into),
            trust_index: (&g.trust_index).into(),
            relevance: (&g.relevance).into(),
            usefulness: (&g.usefulness).into(),
            awareness: g.awareness.iter().map(Into::into).collect(),
        }
    }
}

/// From the product's own records over the campaign's dates; shares are 0–1.
#[derive(SimpleObject)]
pub struct CampaignBehaviour {
    newcomers: i32,
    newcomers_finding_useful: Option<f64>,
    reports_filed: i32,
    median_hours_to_decision: Option<f64>,
    reporters_told_outcome: Option<f64>,
    teens_with_guardian: Option<f64>,
    entries: i32,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub struct CampaignKpis(kpis::CampaignKpis);

#[Object]
impl CampaignKpis {
    async fn campaign(&self) -> Campaign {
        Campaign(self.0.campaign.clone())
    }
    async fn all(&self) -> GroupKpis {
        (&self.0.all).into()
    }
    async fn users(&self) -> GroupKpis {
        (&self.0.users).into()
    }
    async fn non_users(&self) -> GroupKpis {
        (&self.0.non_users).into()
    }
    /// Users − non-users in each wave, and the change of that gap.
    async fn trust_gap(&self) -> KpiChange {
        (&self.0.trust_gap).into()
    }
    async fn behaviour(&self) -> CampaignBehaviour {
        let b = &self.0.behaviour;
        CampaignBehaviour {
            newcomers: int(b.newcomers),
            newcomers_finding_useful: b.newcomers_finding_useful,
            reports_filed: int(b.reports_filed),
            median_hours_to_decision: b.median_hours_to_decision,
            reporters_told_outcome: b.reporters_told_outcome,
            teens_with_guardian: b.teens_with_guardian,
            entries: int(b.entries),
        }
    }
    /// Every figure of the report in one table (no respondent is in it).
    async fn csv(&self) -> String {
        self.0.csv()
    }
}

#[derive(SimpleObject)]
pub struct ReasonCount {
    reason: ReportReason,
    count: i32,
}

/// Counts under 10 are shown as 0, and the shares they would divide as null.
#[derive(SimpleObject)]
pub struct SafetyTransparency {
    days: i32,
    reports_received: i32,
    cases_decided: i32,
    actioned_share: Option<f64>,
    median_hours_to_decision: Option<f64>,
    appeals_decided: i32,
    overturned_share: Option<f64>,
    by_reason: Vec<ReasonCount>,
}

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// The campaign's surveys open now; anyone may read them.
    async fn campaign_surveys(&self, ctx: &Context<'_>, campaign_slug: String) -> AppResult<Vec<Survey>> {
        let found = surveys::open_surveys(&app(ctx)?.db, policy(ctx)?, &campaign_slug).await?;
        Ok(found.into_iter().map(Survey).collect())
    }

    /// Analysts and admins.
    async fn campaign_kpis(&self, ctx: &Context<'_>, campaign_slug: String) -> AppResult<CampaignKpis> {
        Ok(CampaignKpis(kpis::campaign_kpis(&app(ctx)?.db, policy(ctx)?, &campaign_slug).await?))
    }

    /// What the moderation team did over the last `days` (1..=365, default 30); anyone.
    async fn safety_transparency(&self, ctx: &Context<'_>, days: Option<i32>) -> AppResult<SafetyTransparency> {
        let t = transparency::safety_transparency(&app(ctx)?.db, policy(ctx)?, days).await?;
        Ok(SafetyTransparency {
            days: t.days,
            reports_received: int(t.reports_received),
            cases_decided: int(t.cases_decided),
            actioned_share: t.actioned_share,
            median_hours_to_decision: t.median_hours_to_decision,
            appeals_decided: int(t.appeals_decided),
            overturned_share: t.overturned_share,
            by_reason: t
                .by_reason
                .into_iter()
                .map(|(reason, count)| ReasonCount { reason: reason.into(), count: int(count) })
                .collect(),
        })
    }
}

#[derive(InputObject)]
pub struct SurveyAnswerInput {
    key: String,
    value: i32,
}

#[derive(InputObject)]
pub struct SurveyResponseInput {
    survey_id: Uuid,
    /// A client-made id of 16..=64 characters; one response per key.
    respondent_key: String,
    uses_app: Option<bool>,
    answers: Vec<SurveyAnswerInput>,
}

#[derive(InputObject)]
pub struct SurveyQuestionInput {
    key: String,
    kind: QuestionKind,
    measures: KpiKey,
    text: String,
    text_vi: String,
}

#[derive(InputObject)]
pub struct CreateSurveyInput {
    campaign_slug: String,
    wave: SurveyWave,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    /// Absent: the standard questionnaire.
    questions: Option<Vec<SurveyQuestionInput>>,
}

#[derive(InputObject)]
pub struct CreateCampaignInput {
    /// 3..=40 of a-z, 0-9 and inner hyphens; unique.
    slug: String,
    name: String,
    /// `#` and 1..=49 letters, digits or underscores.
    hashtag: String,
    tagline: Option<String>,
    starts_at: DateTime<Utc>,
    /// The first instant after the campaign.
    ends_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Anonymous or signed in; once per survey per respondent.
    async fn submit_survey_response(&self, ctx: &Context<'_>, input: SurveyResponseInput) -> AppResult<SurveyReceipt> {
        let state = app(ctx)?;
        let response = surveys::Response {
            survey_id: input.survey_id,
            respondent_key: input.respondent_key,
            uses_app: input.uses_app,
            answers: input.answers.into_iter().map(|a| (a.key, a.value)).collect(),
        };
        let limit = surveys::per_address_limit(state.settings.survey_responses_per_address_per_hour);
        let stored = surveys::submit(&state.db, policy(ctx)?, response, &limit).await?;
        Ok(SurveyReceipt { id: stored.id, group: stored.respondent_group.into(), submitted_at: stored.submitted_at })
    }

    /// Admins only.
    async fn create_survey(&self, ctx: &Context<'_>, input: CreateSurveyInput) -> AppResult<Survey> {
        let new = surveys::NewSurvey {
            campaign_slug: input.campaign_slug,
            wave: input.wave.into(),
            opens_at: input.opens_at,
            closes_at: input.closes_at,
            questions: input.questions.map(|questions| {
                questions
                    .into_iter()
                    .map(|q| surveys::Question {
                        key: q.key,
                        kind: q.kind.into(),
                        measures: q.measures.into(),
                        text: q.text,
                        text_vi: q.text_vi,
                    })
                    .collect()
            }),
        };
        Ok(Survey(surveys::create_survey(&app(ctx)?.db, policy(ctx)?, new).await?))
    }

    /// Admins only; a taken slug is a CONFLICT.
    async fn create_campaign(&self, ctx: &Context<'_>, input: CreateCampaignInput) -> AppResult<Campaign> {
        let new = surveys::NewCampaign {
            slug: input.slug,
            name: input.name,
            hashtag: input.hashtag,
            tagline: input.tagline,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
        };
        let created: campaign::Model = surveys::create_campaign(&app(ctx)?.db, policy(ctx)?, new).await?;
        Ok(Campaign(created))
    }
}
