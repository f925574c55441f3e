//! Campaigns, their surveys and KPIs, and public safety transparency.
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{campaign, survey_question};
use uuid::Uuid;

use super::content::Campaign;
use super::enums::{KpiKey, QuestionKind, ReportReason, RespondentGroup, SurveyWave};
use super::loaders::CampaignLoader;
use super::{access, app, loader};
use crate::error::{AppError, AppResult};
use crate::service::campaign::kpis::{self, Estimate};
use crate::service::campaign::{surveys, transparency};
use crate::service::kindness::figures;

/// A question of a survey.
#[derive(SimpleObject)]
pub struct SurveyQuestion {
    /// Unique within the survey; an answer names its question by it.
    key: String,
    /// How it is answered.
    kind: QuestionKind,
    /// What the answers count towards.
    measures: KpiKey,
    /// The question in English.
    text: String,
    /// The question in Vietnamese.
    text_vi: String,
}

impl From<survey_question::Model> for SurveyQuestion {
    fn from(q: survey_question::Model) -> Self {
        Self { key: q.key, kind: q.kind.into(), measures: q.measures.into(), text: q.text, text_vi: q.text_vi }
    }
}

pub struct Survey(surveys::Survey);

/// A campaign's questionnaire for one wave, taking responses for a window of time.
#[Object]
impl Survey {
    /// The survey's id.
    async fn id(&self) -> Uuid {
        self.0.survey.id
    }
    /// The campaign it belongs to.
    async fn campaign(&self, ctx: &Context<'_>) -> AppResult<Campaign> {
        let found = loader::<CampaignLoader>(ctx)?.load_one(self.0.survey.campaign_id).await?;
        Ok(Campaign(found.ok_or_else(|| AppError::internal("a survey without its campaign"))?))
    }
    /// The wave it belongs to.
    async fn wave(&self) -> SurveyWave {
        self.0.survey.wave.into()
    }
    /// When it starts taking responses.
    async fn opens_at(&self) -> DateTime<Utc> {
        self.0.survey.opens_at
    }
    /// The first instant it takes no more.
    async fn closes_at(&self) -> DateTime<Utc> {
        self.0.survey.closes_at
    }
    /// Its questions, in the order to ask them; a response answers every one.
    async fn questions(&self) -> Vec<SurveyQuestion> {
        self.0.questions.iter().cloned().map(SurveyQuestion::from).collect()
    }
}

/// A stored survey response; it holds nothing that names the respondent.
#[derive(SimpleObject)]
pub struct SurveyReceipt {
    /// The response's id.
    id: Uuid,
    /// The group the response counts in.
    group: RespondentGroup,
    /// When it came in, rounded down to the hour.
    submitted_at: DateTime<Utc>,
}

/// A figure on the 0–100 scale with its 95% interval; null when fewer than
/// 30 respondents gave it (`suppressed`), `n` always the true count.
#[derive(SimpleObject)]
pub struct KpiEstimate {
    /// The figure; null when suppressed.
    value: Option<f64>,
    /// The lower end of its 95% interval; null when suppressed.
    low: Option<f64>,
    /// The upper end of its 95% interval; null when suppressed.
    high: Option<f64>,
    /// How many respondents it counts, suppressed or not.
    n: i32,
    /// Whether too few respondents answered for the figure to be shown.
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
    /// What is measured.
    key: KpiKey,
    /// The figure in the PRE wave.
    pre: KpiEstimate,
    /// The figure in the POST wave.
    post: KpiEstimate,
    /// POST − PRE, in points; null when either side is suppressed.
    change: Option<f64>,
    /// The lower end of the change's 95% interval; null with `change`.
    low: Option<f64>,
    /// The upper end of the change's 95% interval; null with `change`.
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

/// The KPIs of one group of respondents, PRE and POST, each on the 0–100 scale.
#[derive(SimpleObject)]
pub struct GroupKpis {
    /// Null: everyone.
    group: Option<RespondentGroup>,
    /// The Trust Index: 100 × the mean share of trust items a respondent trusts (answers 6–9).
    trust_index: KpiChange,
    /// 100 × the share of respondents answering 4–5 to every relevance question.
    relevance: KpiChange,
    /// 100 × the share of respondents answering 4–5 to every usefulness question.
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
    /// Accounts created during the campaign.
    newcomers: i32,
    /// The share of them who, among the first 10 videos they met, watched one to the end or liked one;
    /// null without newcomers.
    newcomers_finding_useful: Option<f64>,
    /// Reports filed during the campaign.
    reports_filed: i32,
    /// The median hours from a case opening to its first decision, for cases opened during the campaign;
    /// null when none is decided.
    median_hours_to_decision: Option<f64>,
    /// The share of those reports whose case is decided, which tells the reporter the outcome; null
    /// without reports.
    reporters_told_outcome: Option<f64>,
    /// The share of newcomers aged 13–17 at sign-up with an active guardian link now; null without such
    /// newcomers.
    teens_with_guardian: Option<f64>,
    /// Content items entered in the campaign.
    entries: i32,
    /// Kindness nudges and held comments over the campaign's dates.
    kindness: KindnessFigures,
}

/// What the kind-words features did. Counts under 10 are shown as 0; the three shares are of the nudges
/// settled, each null unless its numerator, its denominator and their difference are 10 or more, and all
/// three null if any one is (they add up to one).
#[derive(SimpleObject)]
pub struct KindnessFigures {
    /// Nudges shown before an unkind comment was posted.
    nudges_shown: i32,
    /// The share of settled nudges after which the writer posted a kinder comment within 10 minutes.
    rewritten_share: Option<f64>,
    /// The share after which the writer posted nothing on the item within 10 minutes.
    withdrawn_share: Option<f64>,
    /// The share posted anyway.
    posted_anyway_share: Option<f64>,
    /// Comments held by their creators' comment controls.
    comments_held: i32,
}

impl From<&figures::KindnessFigures> for KindnessFigures {
    fn from(k: &figures::KindnessFigures) -> Self {
        Self {
            nudges_shown: int(k.nudges_shown),
            rewritten_share: k.rewritten_share,
            withdrawn_share: k.withdrawn_share,
            posted_anyway_share: k.posted_anyway_share,
            comments_held: int(k.comments_held),
        }
    }
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub struct CampaignKpis(std::sync::Arc<kpis::CampaignKpis>);

/// How a campaign did: its surveys' KPIs and the product's own records over its dates.
#[Object]
impl CampaignKpis {
    /// The campaign.
    async fn campaign(&self) -> Campaign {
        Campaign(self.0.campaign.clone())
    }
    /// Every respondent.
    async fn all(&self) -> GroupKpis {
        (&self.0.all).into()
    }
    /// Respondents who use the app.
    async fn users(&self) -> GroupKpis {
        (&self.0.users).into()
    }
    /// Respondents who do not.
    async fn non_users(&self) -> GroupKpis {
        (&self.0.non_users).into()
    }
    /// Users − non-users in each wave, and the change of that gap.
    /// The Trust Index's gap may be negative; a wave's gap is suppressed when either group has fewer than 30
    /// respondents, and its `n` counts both groups.
    async fn trust_gap(&self) -> KpiChange {
        (&self.0.trust_gap).into()
    }
    /// What people did over the campaign's dates, from the product's records.
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
            kindness: (&b.kindness).into(),
        }
    }
    /// Every figure of the report in one table (no respondent is in it).
    async fn csv(&self) -> String {
        self.0.csv()
    }
}

/// Reports of one reason.
#[derive(SimpleObject)]
pub struct ReasonCount {
    /// The reason.
    reason: ReportReason,
    /// Reports filed for it in the period; under 10 is shown as 0.
    count: i32,
}

/// Counts under 10 are shown as 0; a share is null unless its numerator, its denominator and their difference
/// are each 10 or more.
#[derive(SimpleObject)]
pub struct SafetyTransparency {
    /// The window: this many days, ending at the last full UTC day (today's records count from tomorrow).
    days: i32,
    /// Reports filed in the period.
    reports_received: i32,
    /// Cases decided in the period (first decisions; appeals are counted apart).
    cases_decided: i32,
    /// The share (0–1) of those decisions that acted (anything but DISMISS).
    actioned_share: Option<f64>,
    /// The median hours from a case opening to its decision, over the period's decisions; null under 10.
    median_hours_to_decision: Option<f64>,
    /// Appeals decided in the period.
    appeals_decided: i32,
    /// The share (0–1) of those appeals that reversed the decision (DISMISS).
    overturned_share: Option<f64>,
    /// Reports per reason, for every reason.
    by_reason: Vec<ReasonCount>,
    /// Kindness nudges and held comments in the period.
    kindness: KindnessFigures,
}

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// The campaign's surveys open now; anyone may read them.
    async fn campaign_surveys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's slug. At most 40 characters.")] campaign_slug: String,
    ) -> AppResult<Vec<Survey>> {
        let found = surveys::open_surveys(&app(ctx)?.db, access(ctx)?, &campaign_slug).await?;
        Ok(found.into_iter().map(Survey).collect())
    }

    /// A campaign's KPIs and behaviour figures. Analysts and admins.
    async fn campaign_kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's slug. At most 40 characters.")] campaign_slug: String,
    ) -> AppResult<CampaignKpis> {
        let state = app(ctx)?;
        Ok(CampaignKpis(kpis::campaign_kpis(&state.db, access(ctx)?, &campaign_slug, &state.figures.kpis).await?))
    }

    /// What the moderation team did over the `days` (7, 30, 90 or 365; default 30) that end at the last full
    /// UTC day; anyone.
    async fn safety_transparency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window in days: 7, 30, 90 or 365 (default 30).")] days: Option<i32>,
    ) -> AppResult<SafetyTransparency> {
        let state = app(ctx)?;
        let t = transparency::safety_transparency(&state.db, access(ctx)?, days, &state.figures.transparency).await?;
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
                .iter()
                .map(|(reason, count)| ReasonCount { reason: (*reason).into(), count: int(*count) })
                .collect(),
            kindness: (&t.kindness).into(),
        })
    }
}

/// The answer to one question.
#[derive(InputObject)]
pub struct SurveyAnswerInput {
    /// The question's key. At most 40 characters.
    key: String,
    /// TRUST_9: 1..=9; AGREE_5: 1..=5; YES_NO: 0 (no) or 1 (yes).
    value: i32,
}

/// A response to a survey.
#[derive(InputObject)]
pub struct SurveyResponseInput {
    /// The survey, which must be open.
    survey_id: Uuid,
    /// A client-made id of 16..=64 characters; one response per key in each wave of a campaign.
    respondent_key: String,
    /// Whether the respondent uses the app; it decides the group unless they are signed in with an account at
    /// least 7 days old (then USER).
    uses_app: Option<bool>,
    /// One answer to every question of the survey, and nothing else: at most 30 items.
    answers: Vec<SurveyAnswerInput>,
}

/// A question of a new survey.
#[derive(InputObject)]
pub struct SurveyQuestionInput {
    /// 1..=40 of a-z, 0-9 and `_`; unique within the survey. At most 40 characters.
    key: String,
    /// Must fit `measures`: TRUST takes TRUST_9, RELEVANCE and USEFULNESS AGREE_5, the awareness keys YES_NO.
    kind: QuestionKind,
    /// What the answers count towards.
    measures: KpiKey,
    /// The question in English, 1..=500 characters.
    text: String,
    /// The question in Vietnamese, 1..=500 characters.
    text_vi: String,
}

/// A new survey for one wave of a campaign.
#[derive(InputObject)]
pub struct CreateSurveyInput {
    /// The campaign's slug. At most 40 characters.
    campaign_slug: String,
    /// The wave it belongs to; a wave may have several surveys, and its KPIs pool them.
    wave: SurveyWave,
    /// When it starts taking responses.
    opens_at: DateTime<Utc>,
    /// The first instant it takes no more; after `opensAt`.
    closes_at: DateTime<Utc>,
    /// Absent: the standard questionnaire. Otherwise 1..=30 questions: at most 30 items.
    questions: Option<Vec<SurveyQuestionInput>>,
}

/// A new campaign.
#[derive(InputObject)]
pub struct CreateCampaignInput {
    /// 3..=40 of a-z, 0-9 and inner hyphens; unique. At most 40 characters.
    slug: String,
    /// 1..=100 characters.
    name: String,
    /// `#` and 1..=49 letters, digits or underscores: at most 50 characters.
    hashtag: String,
    /// A slogan, at most 200 characters; empty when absent.
    tagline: Option<String>,
    /// The first instant of the campaign.
    starts_at: DateTime<Utc>,
    /// The first instant after the campaign; after `startsAt`.
    ends_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Anonymous or signed in; once per campaign wave per respondent (the same `respondentKey` or the same
    /// account is a CONFLICT), whichever of the wave's surveys. Needs no consent to the privacy policy.
    async fn submit_survey_response(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The response.")] input: SurveyResponseInput,
    ) -> AppResult<SurveyReceipt> {
        let state = app(ctx)?;
        let response = surveys::Response {
            survey_id: input.survey_id,
            respondent_key: input.respondent_key,
            uses_app: input.uses_app,
            answers: input.answers.into_iter().map(|a| (a.key, a.value)).collect(),
        };
        let limit = surveys::per_address_limit(state.settings.survey_responses_per_address_per_hour);
        let receipt = surveys::submit(&state.db, access(ctx)?, &state.survey_seal, response, &limit).await?;
        Ok(SurveyReceipt { id: receipt.id, group: receipt.group.into(), submitted_at: receipt.submitted_at })
    }

    /// Adds a survey to a campaign's wave. Admins only.
    async fn create_survey(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new survey.")] input: CreateSurveyInput,
    ) -> AppResult<Survey> {
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
        Ok(Survey(surveys::create_survey(&app(ctx)?.db, access(ctx)?, new).await?))
    }

    /// Admins only; a taken slug is a CONFLICT.
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new campaign.")] input: CreateCampaignInput,
    ) -> AppResult<Campaign> {
        let new = surveys::NewCampaign {
            slug: input.slug,
            name: input.name,
            hashtag: input.hashtag,
            tagline: input.tagline,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
        };
        let created: campaign::Model = surveys::create_campaign(&app(ctx)?.db, access(ctx)?, new).await?;
        Ok(Campaign(created))
    }
}
