//! The campaign's KPIs from its surveys (the contract's definitions), and
//! behaviour over its dates from the product's own records.
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use entity::{KpiKey, RespondentGroup, Role, SurveyWave, campaign};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement};
use uuid::Uuid;

use super::behaviour::{self, Behaviour};
use super::precomputed::Precomputed;
use super::stats::{self, Interval, Mean};
use super::surveys::campaign_by_slug;
use crate::error::AppResult;
use crate::policy::Access;

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

/// The share measures, in the order `Sums::shares` keeps them.
const SHARES: [KpiKey; 6] = [
    KpiKey::Relevance,
    KpiKey::Usefulness,
    KpiKey::AwareReporting,
    KpiKey::AwarePrivacy,
    KpiKey::AwareGuardian,
    KpiKey::AwareScreenTime,
];

/// What the respondents of one wave and group answered, added up in the
/// database: a mean needs its n, sum and sum of squares, a share its
/// successes and n. So the figures cost one statement over the answers,
/// however many there are, and no answer is read into memory.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    trust_n: u64,
    trust_sum: f64,
    trust_squares: f64,
    /// (successes, respondents) of each of `SHARES`.
    shares: [(u64, u64); 6],
}

impl Sums {
    fn add(mut self, other: &Sums) -> Sums {
        self.trust_n += other.trust_n;
        self.trust_sum += other.trust_sum;
        self.trust_squares += other.trust_squares;
        for (mine, theirs) in self.shares.iter_mut().zip(other.shares) {
            *mine = (mine.0 + theirs.0, mine.1 + theirs.1);
        }
        self
    }

    fn counts(&self, key: KpiKey) -> (u64, u64) {
        SHARES.iter().position(|k| *k == key).map_or((0, 0), |i| self.shares[i])
    }

    /// How many answered what `key` measures.
    fn respondents(&self, key: KpiKey) -> usize {
        let n = if key == KpiKey::Trust { self.trust_n } else { self.counts(key).1 };
        usize::try_from(n).unwrap_or(usize::MAX)
    }
}

/// Whether everyone's figure of `key` in `wave` would reveal a group's
/// suppressed one by subtraction: some group has respondents, but fewer
/// than `MIN_RESPONDENTS`. Then everyone's is suppressed too.
fn reveals_a_group(tally: &Tally, wave: SurveyWave, key: KpiKey) -> bool {
    [RespondentGroup::User, RespondentGroup::NonUser].into_iter().any(|group| {
        let n = sums(tally, wave, Some(group)).respondents(key);
        n > 0 && n < MIN_RESPONDENTS
    })
}

/// Per wave and group.
type Tally = HashMap<(SurveyWave, RespondentGroup), Sums>;

#[derive(Debug, FromQueryResult)]
struct SumsRow {
    wave: SurveyWave,
    grp: RespondentGroup,
    trust_n: i64,
    trust_sum: Option<f64>,
    trust_squares: Option<f64>,
    relevance_x: Option<f64>,
    relevance_n: i64,
    usefulness_x: Option<f64>,
    usefulness_n: i64,
    aware_reporting_x: Option<f64>,
    aware_reporting_n: i64,
    aware_privacy_x: Option<f64>,
    aware_privacy_n: i64,
    aware_guardian_x: Option<f64>,
    aware_guardian_n: i64,
    aware_screen_time_x: Option<f64>,
    aware_screen_time_n: i64,
}

/// One statement: each response scored (the share of its trust items in the
/// top boxes; for each share measure, whether every item of it is), then
/// the scores added up per wave and group. Top boxes: trust 6–9 of 9,
/// agreement 4–5 of 5, awareness "yes".
fn sums_statement(backend: DatabaseBackend, campaign_id: Uuid) -> Statement {
    let top = "CAST(CASE WHEN (q.kind = 'TRUST_9' AND a.value >= 6) OR (q.kind = 'AGREE_5' AND a.value >= 4) \
               OR (q.kind = 'YES_NO' AND a.value = 1) THEN 1 ELSE 0 END AS DOUBLE PRECISION)";
    let scored: String = SHARES
        .iter()
        .map(|key| format!(", MIN(CASE WHEN q.measures = '{}' THEN {top} END) AS {}", key_name(*key), column(*key)))
        .collect();
    let summed: String = SHARES
        .iter()
        .map(|key| format!(", SUM(per.{c}) AS {c}_x, COUNT(per.{c}) AS {c}_n", c = column(*key)))
        .collect();
    let placeholder = if backend == DatabaseBackend::Postgres { "$1" } else { "?" };
    let sql = format!(
        "SELECT s.wave AS wave, per.grp AS grp, COUNT(per.trust) AS trust_n, SUM(per.trust) AS trust_sum, \
         SUM(per.trust * per.trust) AS trust_squares{summed} \
         FROM (SELECT r.survey_id AS survey_id, r.respondent_group AS grp, \
               AVG(CASE WHEN q.measures = 'TRUST' THEN {top} END) AS trust{scored} \
               FROM survey_answers a \
               JOIN survey_responses r ON r.id = a.response_id \
               JOIN surveys sv ON sv.id = r.survey_id \
               JOIN survey_questions q ON q.survey_id = r.survey_id AND q.key = a.question_key \
               WHERE sv.campaign_id = {placeholder} \
               GROUP BY a.response_id, r.survey_id, r.respondent_group) per \
         JOIN surveys s ON s.id = per.survey_id \
         GROUP BY s.wave, per.grp"
    );
    Statement::from_sql_and_values(backend, sql, [campaign_id.into()])
}

/// The column a share measure's score takes in `sums_statement`.
fn column(key: KpiKey) -> &'static str {
    match key {
        KpiKey::Trust => "trust",
        KpiKey::Relevance => "relevance",
        KpiKey::Usefulness => "usefulness",
        KpiKey::AwareReporting => "aware_reporting",
        KpiKey::AwarePrivacy => "aware_privacy",
        KpiKey::AwareGuardian => "aware_guardian",
        KpiKey::AwareScreenTime => "aware_screen_time",
    }
}

async fn tally(db: &impl ConnectionTrait, campaign: &campaign::Model) -> AppResult<Tally> {
    let rows = SumsRow::find_by_statement(sums_statement(db.get_database_backend(), campaign.id)).all(db).await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    // Successes are sums of 0s and 1s: whole numbers.
    let successes = |x: Option<f64>| x.unwrap_or(0.0).round() as u64;
    Ok(rows
        .into_iter()
        .map(|row| {
            let sums = Sums {
                trust_n: count(row.trust_n),
                trust_sum: row.trust_sum.unwrap_or(0.0),
                trust_squares: row.trust_squares.unwrap_or(0.0),
                shares: [
                    (successes(row.relevance_x), count(row.relevance_n)),
                    (successes(row.usefulness_x), count(row.usefulness_n)),
                    (successes(row.aware_reporting_x), count(row.aware_reporting_n)),
                    (successes(row.aware_privacy_x), count(row.aware_privacy_n)),
                    (successes(row.aware_guardian_x), count(row.aware_guardian_n)),
                    (successes(row.aware_screen_time_x), count(row.aware_screen_time_n)),
                ],
            };
            ((row.wave, row.grp), sums)
        })
        .collect())
}

/// The sums of one wave, for one group or (None) everyone.
fn sums(tally: &Tally, wave: SurveyWave, group: Option<RespondentGroup>) -> Sums {
    tally
        .iter()
        .filter(|((w, g), _)| *w == wave && group.is_none_or(|group| *g == group))
        .fold(Sums::default(), |total, (_, sums)| total.add(sums))
}

/// The Trust Index of one wave (0–100), or None under the threshold or
/// when `hidden`.
fn trust_mean(sums: &Sums, hidden: bool) -> (Option<Mean>, usize) {
    let n = sums.respondents(KpiKey::Trust);
    (if n >= MIN_RESPONDENTS && !hidden { Mean::from_sums(n, sums.trust_sum, sums.trust_squares) } else { None }, n)
}

fn index_estimate(mean: Option<Mean>, n: usize) -> Estimate {
    mean.map_or(Estimate::suppressed(n), |m| Estimate::shown(m.interval().scaled(100.0), n))
}

/// `hidden`: whether the PRE and the POST figures must be suppressed
/// whatever their size (see `reveals_a_group`).
fn trust_change(pre: &Sums, post: &Sums, hidden: [bool; 2]) -> Change {
    let (before, n_before) = trust_mean(pre, hidden[0]);
    let (after, n_after) = trust_mean(post, hidden[1]);
    let change = before.zip(after).map(|(b, a)| stats::difference(&[(1.0, a), (-1.0, b)]).scaled(100.0));
    Change { key: KpiKey::Trust, pre: index_estimate(before, n_before), post: index_estimate(after, n_after), change }
}

fn share_estimate((x, n): (u64, u64), hidden: bool) -> Estimate {
    let respondents = usize::try_from(n).unwrap_or(usize::MAX);
    match stats::wilson(x, n) {
        Some(interval) if respondents >= MIN_RESPONDENTS && !hidden => {
            Estimate::shown(interval.scaled(100.0), respondents)
        }
        _ => Estimate::suppressed(respondents),
    }
}

fn share_change(pre: &Sums, post: &Sums, key: KpiKey, hidden: [bool; 2]) -> Change {
    let (before, after) = (pre.counts(key), post.counts(key));
    let pre_estimate = share_estimate(before, hidden[0]);
    let post_estimate = share_estimate(after, hidden[1]);
    let change = (!pre_estimate.suppressed && !post_estimate.suppressed)
        .then(|| stats::newcombe(before.0, before.1, after.0, after.1))
        .flatten()
        .map(|d| d.scaled(100.0));
    Change { key, pre: pre_estimate, post: post_estimate, change }
}

fn group_kpis(tally: &Tally, group: Option<RespondentGroup>) -> GroupKpis {
    let (pre, post) = (sums(tally, SurveyWave::Pre, group), sums(tally, SurveyWave::Post, group));
    let hidden = |key: KpiKey| {
        let everyone = group.is_none();
        [SurveyWave::Pre, SurveyWave::Post].map(|wave| everyone && reveals_a_group(tally, wave, key))
    };
    GroupKpis {
        group,
        trust_index: trust_change(&pre, &post, hidden(KpiKey::Trust)),
        relevance: share_change(&pre, &post, KpiKey::Relevance, hidden(KpiKey::Relevance)),
        usefulness: share_change(&pre, &post, KpiKey::Usefulness, hidden(KpiKey::Usefulness)),
        awareness: AWARENESS.iter().map(|key| share_change(&pre, &post, *key, hidden(*key))).collect(),
    }
}

/// Users − non-users in each wave, and the change of that gap, with the
/// root of the four squared standard errors.
fn trust_gap(tally: &Tally) -> Change {
    let mean = |wave: SurveyWave, group: RespondentGroup| trust_mean(&sums(tally, wave, Some(group)), false);
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

/// For analysts and admins, from the figures worked out last when they are
/// fresh (see `precomputed`).
pub async fn campaign_kpis(
    db: &impl ConnectionTrait,
    access: &Access,
    slug: &str,
    figures: &Precomputed<Uuid, CampaignKpis>,
) -> AppResult<Arc<CampaignKpis>> {
    access.staff(&[Role::Analyst, Role::Admin])?;
    let campaign = campaign_by_slug(db, slug).await?;
    figures.get(campaign.id, access.now(), work_out(db, campaign)).await
}

/// Works out a campaign's KPIs and behaviour figures.
pub async fn work_out(db: &impl ConnectionTrait, campaign: campaign::Model) -> AppResult<CampaignKpis> {
    let tally = tally(db, &campaign).await?;
    let behaviour = behaviour::over(db, &campaign).await?;
    Ok(CampaignKpis {
        all: group_kpis(&tally, None),
        users: group_kpis(&tally, Some(RespondentGroup::User)),
        non_users: group_kpis(&tally, Some(RespondentGroup::NonUser)),
        trust_gap: trust_gap(&tally),
        behaviour,
        campaign,
    })
}

const CSV_HEADER: &str = "section,group,key,wave,value,low,high,n,suppressed,significant";

/// A CSV figure: at most four decimals (50.1667, not 50.16666666666666),
/// no trailing zeros; empty when there is none.
fn number(value: Option<f64>) -> String {
    value
        .map(|v| {
            let fixed = format!("{v:.4}");
            let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
            if trimmed == "-0" { "0".to_owned() } else { trimmed.to_owned() }
        })
        .unwrap_or_default()
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
        let kind = &b.kindness;
        let figures: [(&str, Option<f64>); 12] = [
            ("newcomers", Some(b.newcomers as f64)),
            ("newcomersFindingUseful", b.newcomers_finding_useful),
            ("reportsFiled", Some(b.reports_filed as f64)),
            ("medianHoursToDecision", b.median_hours_to_decision),
            ("reportersToldOutcome", b.reporters_told_outcome),
            ("teensWithGuardian", b.teens_with_guardian),
            ("entries", Some(b.entries as f64)),
            ("kindness.nudgesShown", Some(kind.nudges_shown as f64)),
            ("kindness.rewrittenShare", kind.rewritten_share),
            ("kindness.withdrawnShare", kind.withdrawn_share),
            ("kindness.postedAnywayShare", kind.posted_anyway_share),
            ("kindness.commentsHeld", Some(kind.comments_held as f64)),
        ];
        for (key, value) in figures {
            let _ = writeln!(out, "behaviour,,{key},,{},,,,,", number(value));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_figures_have_at_most_four_decimals() {
        assert_eq!(number(Some(50.166_666_666_666_66)), "50.1667");
        assert_eq!(number(Some(0.5)), "0.5");
        assert_eq!(number(Some(600.0)), "600");
        assert_eq!(number(Some(-0.000_01)), "0");
        assert_eq!(number(Some(-2.25)), "-2.25");
        assert_eq!(number(None), "");
    }
}
