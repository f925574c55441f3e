//! The campaign's KPIs from its surveys (the contract's definitions), and
//! behaviour over its dates from the product's own records.
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use entity::{
    KpiKey, QuestionKind, RespondentGroup, Role, SurveyWave, campaign, survey, survey_answer, survey_question,
    survey_response,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use uuid::Uuid;

use super::behaviour::{self, Behaviour};
use super::stats::{self, Interval, Mean};
use super::surveys::{campaign_by_slug, questions_of};
use crate::error::AppResult;
use crate::policy::Policy;

/// Estimates from fewer respondents are not shown.
pub const MIN_RESPONDENTS: usize = 30;
pub const AWARENESS: [KpiKey; 4] =
    [KpiKey::AwareReporting, KpiKey::AwarePrivacy, KpiKey::AwareGuardian, KpiKey::AwareScreenTime];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub n: usize,
    pub suppressed: bool,
}

impl Estimate {
    fn shown(interval: Interval, n: usize) -> Self {
        Self { value: Some(interval.value), low: Some(interval.low), high: Some(interval.high), n, suppressed: false }
    }

    fn suppressed(n: usize) -> Self {
        Self { value: None, low: None, high: None, n, suppressed: true }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub key: KpiKey,
    pub pre: Estimate,
    pub post: Estimate,
    pub change: Option<Interval>,
}

impl Change {
    pub fn significant(&self) -> bool {
        self.change.is_some_and(|c| c.excludes_zero())
    }
}

pub struct GroupKpis {
    pub group: Option<RespondentGroup>,
    pub trust_index: Change,
    pub relevance: Change,
    pub usefulness: Change,
    pub awareness: Vec<Change>,
}

pub struct CampaignKpis {
    pub campaign: campaign::Model,
    pub all: GroupKpis,
    pub users: GroupKpis,
    pub non_users: GroupKpis,
    pub trust_gap: Change,
    pub behaviour: Behaviour,
}

/// One respondent's scores: the share of trust items trusted, and for each
/// share measure whether they answered in its top boxes.
#[derive(Debug, Default, Clone)]
struct Scores {
    trust: Option<f64>,
    shares: HashMap<KpiKey, bool>,
}

struct Respondent {
    wave: SurveyWave,
    group: RespondentGroup,
    scores: Scores,
}

/// Top boxes: trust 6–9 of 9, agreement 4–5 of 5, awareness "yes".
fn top_box(kind: QuestionKind, value: i32) -> bool {
    match kind {
        QuestionKind::Trust9 => value >= 6,
        QuestionKind::Agree5 => value >= 4,
        QuestionKind::YesNo => value == 1,
    }
}

/// A respondent's scores from their answers. With several items for one
/// share measure, they count when every one of them is in the top boxes.
fn score(questions: &[survey_question::Model], answers: &[(String, i32)]) -> Scores {
    let mut trusted = (0_u32, 0_u32);
    let mut shares: HashMap<KpiKey, bool> = HashMap::new();
    for (key, value) in answers {
        let Some(q) = questions.iter().find(|q| &q.key == key) else { continue };
        let top = top_box(q.kind, *value);
        if q.measures == KpiKey::Trust {
            trusted = (trusted.0 + u32::from(top), trusted.1 + 1);
        } else {
            *shares.entry(q.measures).or_insert(true) &= top;
        }
    }
    let trust = (trusted.1 > 0).then(|| f64::from(trusted.0) / f64::from(trusted.1));
    Scores { trust, shares }
}

#[derive(Debug, FromQueryResult)]
struct AnswerRow {
    response_id: Uuid,
    survey_id: Uuid,
    respondent_group: RespondentGroup,
    question_key: String,
    value: i32,
}

/// One response as read back: its survey, its group and its answers.
type Answered = (Uuid, RespondentGroup, Vec<(String, i32)>);

async fn respondents(db: &impl ConnectionTrait, campaign: &campaign::Model) -> AppResult<Vec<Respondent>> {
    let surveys = survey::Entity::find().filter(survey::Column::CampaignId.eq(campaign.id)).all(db).await?;
    let ids: Vec<Uuid> = surveys.iter().map(|s| s.id).collect();
    let waves: HashMap<Uuid, SurveyWave> = surveys.iter().map(|s| (s.id, s.wave)).collect();
    let questions = questions_of(db, &ids).await?;
    let rows = survey_answer::Entity::find()
        .select_only()
        .column(survey_answer::Column::ResponseId)
        .column(survey_answer::Column::QuestionKey)
        .column(survey_answer::Column::Value)
        .column(survey_response::Column::SurveyId)
        .column(survey_response::Column::RespondentGroup)
        .join(JoinType::InnerJoin, survey_answer::Relation::Response.def())
        .filter(survey_response::Column::SurveyId.is_in(ids))
        .into_model::<AnswerRow>()
        .all(db)
        .await?;
    let mut responses: BTreeMap<Uuid, Answered> = BTreeMap::new();
    for row in rows {
        responses
            .entry(row.response_id)
            .or_insert_with(|| (row.survey_id, row.respondent_group, Vec::new()))
            .2
            .push((row.question_key, row.value));
    }
    Ok(responses
        .into_values()
        .filter_map(|(survey_id, group, answers)| {
            let wave = *waves.get(&survey_id)?;
            let scores = score(questions.get(&survey_id).map_or(&[][..], Vec::as_slice), &answers);
            Some(Respondent { wave, group, scores })
        })
        .collect())
}

/// The Trust Index of one wave (0–100), or None under the threshold.
fn trust_mean(respondents: &[&Respondent]) -> (Option<Mean>, usize) {
    let values: Vec<f64> = respondents.iter().filter_map(|r| r.scores.trust).collect();
    let n = values.len();
    (if n >= MIN_RESPONDENTS { Mean::of(&values) } else { None }, n)
}

fn index_estimate(mean: Option<Mean>, n: usize) -> Estimate {
    mean.map_or(Estimate::suppressed(n), |m| Estimate::shown(m.interval().scaled(100.0), n))
}

fn trust_change(pre: &[&Respondent], post: &[&Respondent]) -> Change {
    let (before, n_before) = trust_mean(pre);
    let (after, n_after) = trust_mean(post);
    let change = before.zip(after).map(|(b, a)| stats::difference(&[(1.0, a), (-1.0, b)]).scaled(100.0));
    Change { key: KpiKey::Trust, pre: index_estimate(before, n_before), post: index_estimate(after, n_after), change }
}

/// (successes, respondents) for a share measure.
fn counts(respondents: &[&Respondent], key: KpiKey) -> (u64, u64) {
    respondents
        .iter()
        .filter_map(|r| r.scores.shares.get(&key))
        .fold((0, 0), |(x, n), top| (x + u64::from(*top), n + 1))
}

fn share_estimate((x, n): (u64, u64)) -> Estimate {
    let respondents = usize::try_from(n).unwrap_or(usize::MAX);
    match stats::wilson(x, n) {
        Some(interval) if respondents >= MIN_RESPONDENTS => Estimate::shown(interval.scaled(100.0), respondents),
        _ => Estimate::suppressed(respondents),
    }
}

fn share_change(pre: &[&Respondent], post: &[&Respondent], key: KpiKey) -> Change {
    let (before, after) = (counts(pre, key), counts(post, key));
    let pre_estimate = share_estimate(before);
    let post_estimate = share_estimate(after);
    let change = (!pre_estimate.suppressed && !post_estimate.suppressed)
        .then(|| stats::newcombe(before.0, before.1, after.0, after.1))
        .flatten()
        .map(|d| d.scaled(100.0));
    Change { key, pre: pre_estimate, post: post_estimate, change }
}

fn group_kpis(all: &[Respondent], group: Option<RespondentGroup>) -> GroupKpis {
    let wave = |wave: SurveyWave| -> Vec<&Respondent> {
        all.iter().filter(|r| r.wave == wave && group.is_none_or(|g| r.group == g)).collect()
    };
    let (pre, post) = (wave(SurveyWave::Pre), wave(SurveyWave::Post));
    GroupKpis {
        group,
        trust_index: trust_change(&pre, &post),
        relevance: share_change(&pre, &post, KpiKey::Relevance),
        usefulness: share_change(&pre, &post, KpiKey::Usefulness),
        awareness: AWARENESS.iter().map(|key| share_change(&pre, &post, *key)).collect(),
    }
}

/// Users − non-users in each wave, and the change of that gap, with the
/// root of the four squared standard errors.
fn trust_gap(all: &[Respondent]) -> Change {
    let mean = |wave: SurveyWave, group: RespondentGroup| {
        let chosen: Vec<&Respondent> = all.iter().filter(|r| r.wave == wave && r.group == group).collect();
        trust_mean(&chosen)
    };
    let gap = |wave: SurveyWave| {
        let (users, n_users) = mean(wave, RespondentGroup::User);
        let (non_users, n_non_users) = mean(wave, RespondentGroup::NonUser);
        let pair = users.zip(non_users);
        let estimate = pair.map_or(Estimate::suppressed(n_users + n_non_users), |(u, o)| {
            Estimate::shown(stats::difference(&[(1.0, u), (-1.0, o)]).scaled(100.0), n_users + n_non_users)
        });
        (pair, estimate)
    };
    let (before, pre) = gap(SurveyWave::Pre);
    let (after, post) = gap(SurveyWave::Post);
    let change = before
        .zip(after)
        .map(|((u1, o1), (u2, o2))| stats::difference(&[(1.0, u2), (-1.0, o2), (-1.0, u1), (1.0, o1)]).scaled(100.0));
    Change { key: KpiKey::Trust, pre, post, change }
}

/// For analysts and admins.
pub async fn campaign_kpis(db: &impl ConnectionTrait, policy: &Policy, slug: &str) -> AppResult<CampaignKpis> {
    policy.staff(&[Role::Analyst, Role::Admin])?;
    let campaign = campaign_by_slug(db, slug).await?;
    let all = respondents(db, &campaign).await?;
    let behaviour = behaviour::over(db, &campaign).await?;
    Ok(CampaignKpis {
        all: group_kpis(&all, None),
        users: group_kpis(&all, Some(RespondentGroup::User)),
        non_users: group_kpis(&all, Some(RespondentGroup::NonUser)),
        trust_gap: trust_gap(&all),
        behaviour,
        campaign,
    })
}

const CSV_HEADER: &str = "section,group,key,wave,value,low,high,n,suppressed,significant";

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn key_name(key: KpiKey) -> &'static str {
    match key {
        KpiKey::Trust => "TRUST",
        KpiKey::Relevance => "RELEVANCE",
        KpiKey::Usefulness => "USEFULNESS",
        KpiKey::AwareReporting => "AWARE_REPORTING",
        KpiKey::AwarePrivacy => "AWARE_PRIVACY",
        KpiKey::AwareGuardian => "AWARE_GUARDIAN",
        KpiKey::AwareScreenTime => "AWARE_SCREEN_TIME",
    }
}

fn change_rows(out: &mut String, section: &str, group: &str, change: &Change) {
    let key = key_name(change.key);
    for (wave, e) in [("PRE", change.pre), ("POST", change.post)] {
        let _ = writeln!(
            out,
            "{section},{group},{key},{wave},{},{},{},{},{},",
            number(e.value),
            number(e.low),
            number(e.high),
            e.n,
            e.suppressed
        );
    }
    let _ = writeln!(
        out,
        "{section},{group},{key},CHANGE,{},{},{},,{},{}",
        number(change.change.map(|c| c.value)),
        number(change.change.map(|c| c.low)),
        number(change.change.map(|c| c.high)),
        change.change.is_none(),
        change.significant()
    );
}

impl CampaignKpis {
    /// Every figure of the report in one table.
    pub fn csv(&self) -> String {
        let mut out = format!("{CSV_HEADER}\n");
        for (name, group) in [("ALL", &self.all), ("USER", &self.users), ("NON_USER", &self.non_users)] {
            for change in [&group.trust_index, &group.relevance, &group.usefulness].into_iter().chain(&group.awareness)
            {
                change_rows(&mut out, "survey", name, change);
            }
        }
        change_rows(&mut out, "trust_gap", "USER-NON_USER", &self.trust_gap);
        let b = &self.behaviour;
        let figures: [(&str, Option<f64>); 7] = [
            ("newcomers", Some(b.newcomers as f64)),
            ("newcomersFindingUseful", b.newcomers_finding_useful),
            ("reportsFiled", Some(b.reports_filed as f64)),
            ("medianHoursToDecision", b.median_hours_to_decision),
            ("reportersToldOutcome", b.reporters_told_outcome),
            ("teensWithGuardian", b.teens_with_guardian),
            ("entries", Some(b.entries as f64)),
        ];
        for (key, value) in figures {
            let _ = writeln!(out, "behaviour,,{key},,{},,,,,", number(value));
        }
        out
    }
}
