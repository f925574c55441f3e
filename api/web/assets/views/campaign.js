// The campaign's pages: public safety figures, the anonymous survey and the
// analysts' KPI dashboard, all from the contract's survey, KPI and
// transparency operations.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { Icon } from '../icons.js';
import { gql } from '../api.js';
import { useStore } from '../store.js';
import { formatNumber, t } from '../i18n.js';
import { download, ErrorNote, Loading, SignInNeeded, useQuery } from '../ui.js';

/** A server that predates these operations answers "unknown field". */
function notServed(error) {
  return /Unknown field|Unknown type|Unknown argument/i.test(error?.message ?? '');
}

function Unavailable({ error, onRetry, notYet }) {
  if (notServed(error)) return html`<p class="muted" role="status">${t(notYet)}</p>`;
  return html`<${ErrorNote} error=${error} onRetry=${onRetry} />`;
}

/** A published count: the server shows counts under 10 as 0, which reads as "none". */
const count = (n) => (n === 0 ? t('numbers.underTen') : formatNumber(n));

const percent = (share) => (share === null || share === undefined ? '—' : `${formatNumber(share * 100, 0)}%`);

export function Numbers() {
  const { data, error, loading, reload } = useQuery(
    `query Transparency { safetyTransparency(days: 30) { days reportsReceived casesDecided actionedShare medianHoursToDecision appealsDecided overturnedShare byReason { reason count } kindness { nudgesShown rewrittenShare withdrawnShare postedAnywayShare commentsHeld } } }`,
    {},
  );
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${Unavailable} error=${error} onRetry=${reload} notYet="numbers.notYet" />`;
  const s = data.safetyTransparency;
  const top = Math.max(1, ...s.byReason.map((r) => r.count));
  return html`<section class="panel numbers" aria-labelledby="numbers-title">
    <h1 id="numbers-title">${t('numbers.title')}</h1>
    <p class="muted">${t('numbers.intro', { d: s.days })}</p>
    <dl class="figures">
      <div><dt>${t('numbers.reports')}</dt><dd>${count(s.reportsReceived)}</dd></div>
      <div><dt>${t('numbers.decided')}</dt><dd>${count(s.casesDecided)}</dd></div>
      <div><dt>${t('numbers.actioned')}</dt><dd>${percent(s.actionedShare)}</dd></div>
      <div><dt>${t('numbers.median')}</dt><dd>${s.medianHoursToDecision === null ? '—' : t('numbers.hours', { n: formatNumber(s.medianHoursToDecision, 1) })}</dd></div>
      <div><dt>${t('numbers.appeals')}</dt><dd>${count(s.appealsDecided)}</dd></div>
      <div><dt>${t('numbers.overturned')}</dt><dd>${percent(s.overturnedShare)}</dd></div>
    </dl>
    <h2>${t('numbers.byReason')}</h2>
    <ul class="bars plain">
      ${s.byReason.map(
        (r) => html`<li><span>${t(`reason.${r.reason}`)}</span><span class="bar-track"><span class="bar-fill" style=${{ width: `${(r.count / top) * 100}%` }}></span></span><span>${count(r.count)}</span></li>`,
      )}
    </ul>
    <h2>${t('numbers.kindness')}</h2>
    <${KindnessFigures} k=${s.kindness} />
  </section>`;
}

/** The kind-words figures, for the public page and the analyst's dashboard alike. */
function KindnessFigures({ k }) {
  return html`<dl class="figures kindness-figures">
    <div><dt>${t('numbers.nudges')}</dt><dd>${count(k.nudgesShown)}</dd></div>
    <div><dt>${t('numbers.rewritten')}</dt><dd>${percent(k.rewrittenShare)}</dd></div>
    <div><dt>${t('numbers.withdrawn')}</dt><dd>${percent(k.withdrawnShare)}</dd></div>
    <div><dt>${t('numbers.postedAnyway')}</dt><dd>${percent(k.postedAnywayShare)}</dd></div>
    <div><dt>${t('numbers.held')}</dt><dd>${count(k.commentsHeld)}</dd></div>
  </dl>`;
}

function respondentKey(surveyId) {
  const name = `trustfeed.respondent.${surveyId}`;
  let key = localStorage.getItem(name);
  if (!key) {
    key = crypto.randomUUID();
    localStorage.setItem(name, key);
  }
  return key;
}

export function Survey() {
  const { lang } = useStore();
  const { data, error, loading, reload } = useQuery(
    `query Surveys { campaigns { slug isActive } }`,
    {},
  );
  const [surveys, setSurveys] = useState(null);
  const [failure, setFailure] = useState(null);
  useEffect(() => {
    if (!data) return;
    Promise.all(
      data.campaigns.map((c) =>
        gql(`query Open($slug: String!) { campaignSurveys(campaignSlug: $slug) { id wave questions { key kind text textVi } } }`, { slug: c.slug }).then((d) => d.campaignSurveys),
      ),
    ).then((lists) => setSurveys(lists.flat()), setFailure);
  }, [data]);
  if ((loading && !data) || (!surveys && !failure && !error)) return html`<${Loading} />`;
  if (error || failure) return html`<${Unavailable} error=${error ?? failure} onRetry=${reload} notYet="survey.notYet" />`;
  return html`<section class="panel survey" aria-labelledby="survey-title">
    <h1 id="survey-title">${t('survey.title')}</h1>
    <p class="muted">${t('survey.intro')}</p>
    ${surveys.length === 0 && html`<p>${t('survey.none')}</p>`}
    ${surveys.slice(0, 1).map((survey) => html`<${SurveyForm} survey=${survey} lang=${lang} />`)}
  </section>`;
}

const SCALE = { TRUST_9: [1, 2, 3, 4, 5, 6, 7, 8, 9], AGREE_5: [1, 2, 3, 4, 5], YES_NO: [1, 0] };

/** Surveys this browser answered, so the form does not come back on a refresh. */
const answeredKey = (surveyId) => `trustfeed.answered.${surveyId}`;

function SurveyForm({ survey, lang }) {
  const [answers, setAnswers] = useState({});
  const [usesApp, setUsesApp] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(() => localStorage.getItem(answeredKey(survey.id)) !== null);
  const answered = () => {
    localStorage.setItem(answeredKey(survey.id), new Date().toISOString());
    setDone(true);
  };
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      await gql(`mutation Submit($input: SurveyResponseInput!) { submitSurveyResponse(input: $input) { id group } }`, {
        input: {
          surveyId: survey.id,
          respondentKey: respondentKey(survey.id),
          usesApp,
          answers: Object.entries(answers).map(([key, value]) => ({ key, value })),
        },
      });
      answered();
    } catch (failure) {
      // CONFLICT: this browser's key has answered already (another tab).
      if (failure.code === 'CONFLICT') answered();
      else setError(failure);
    }
  };
  if (done) return html`<p class="ok" role="status">${t('survey.thanks')}</p>`;
  return html`<form onSubmit=${submit}>
    <label class="check"><input type="checkbox" checked=${usesApp} onChange=${(e) => setUsesApp(e.target.checked)} /> ${t('survey.usesApp')}</label>
    ${survey.questions.map(
      (q) => html`<fieldset class="question">
        <legend>${lang === 'en' ? q.text : q.textVi}</legend>
        <div class="scale">
          ${SCALE[q.kind].map(
            (value) => html`<label class="radio"><input type="radio" name=${q.key} value=${value} required checked=${answers[q.key] === value}
              onChange=${() => setAnswers((previous) => ({ ...previous, [q.key]: value }))} /> ${q.kind === 'YES_NO' ? (value ? t('survey.yes') : t('survey.no')) : value}</label>`,
          )}
        </div>
      </fieldset>`,
    )}
    <${ErrorNote} error=${error} />
    <button type="submit">${t('survey.submit')}</button>
  </form>`;
}

const ESTIMATE = 'value low high n suppressed';
const CHANGE = `key pre { ${ESTIMATE} } post { ${ESTIMATE} } change low high significant`;
const GROUP = `group trustIndex { ${CHANGE} } relevance { ${CHANGE} } usefulness { ${CHANGE} } awareness { ${CHANGE} }`;
const KPIS = `query Kpis($slug: String!) {
  campaignKpis(campaignSlug: $slug) {
    all { ${GROUP} } users { ${GROUP} } nonUsers { ${GROUP} } trustGap { ${CHANGE} }
    behaviour { newcomers newcomersFindingUseful reportsFiled medianHoursToDecision reportersToldOutcome teensWithGuardian entries kindness { nudgesShown rewrittenShare withdrawnShare postedAnywayShare commentsHeld } }
    csv
  }
}`;

export function Dashboard() {
  const { signedIn, me } = useStore();
  const campaigns = useQuery(`query { campaigns { slug name hashtag startsAt } }`, {});
  // The latest campaign first (the list comes newest first), until one is chosen.
  const [chosen, setSlug] = useState(null);
  const slug = chosen ?? campaigns.data?.campaigns[0]?.slug ?? 'tryitwithtiktok';
  const kpis = useQuery(KPIS, { slug }, [slug, signedIn]);
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (!me) return html`<${Loading} />`;
  if (!['ANALYST', 'ADMIN'].includes(me.role)) return html`<${ErrorNote} error=${{ code: 'FORBIDDEN' }} />`;
  return html`<section class="dashboard" aria-labelledby="dash-title">
    <h1 id="dash-title">${t('dash.title')}</h1>
    <label>${t('dash.campaign')}
      <select value=${slug} onChange=${(e) => setSlug(e.target.value)}>
        ${(campaigns.data?.campaigns ?? []).map(
          (c) => html`<option value=${c.slug}>${c.name.includes(c.startsAt.slice(0, 4)) ? c.name : `${c.name} (${c.startsAt.slice(0, 4)})`}</option>`,
        )}
      </select>
    </label>
    ${kpis.loading && !kpis.data && html`<${Loading} />`}
    ${kpis.error && html`<${Unavailable} error=${kpis.error} onRetry=${kpis.reload} notYet="dash.notYet" />`}
    ${kpis.data && html`<${KpiReport} kpis=${kpis.data.campaignKpis} slug=${slug} />`}
  </section>`;
}

function KpiReport({ kpis, slug }) {
  const groups = [
    ['dash.all', kpis.all],
    ['dash.users', kpis.users],
    ['dash.nonUsers', kpis.nonUsers],
  ];
  const b = kpis.behaviour;
  // A wave hidden anywhere is said once here; its figures read "—" below.
  const changes = [kpis.trustGap, ...groups.flatMap(([, g]) => [g.trustIndex, g.relevance, g.usefulness, ...g.awareness])];
  const hidden = ['pre', 'post'].filter((wave) => changes.some((change) => change[wave].suppressed));
  return html`<div>
    <button type="button" class="secondary" onClick=${() => download(`kpis-${slug}.csv`, kpis.csv, 'text/csv')}><${Icon} name="download" /> ${t('dash.csv')}</button>
    <p class="legend">
      <span class="key pre">● ${t('dash.pre')}</span> <span class="key post">● ${t('dash.post')}</span>
      <span class="muted">${t('dash.legend')}</span>
    </p>
    ${hidden.map((wave) => html`<p class="notice-line muted">${t('dash.hiddenWave', { wave: t(`dash.${wave}`) })}</p>`)}
    ${['trustIndex', 'relevance', 'usefulness'].map(
      (measure) => html`<section class="panel kpi">
        <h2>${t(measure === 'trustIndex' ? 'dash.trust' : `dash.${measure}`)}</h2>
        ${groups.map(([label, group]) => html`<${ChangeRow} label=${t(label)} change=${group[measure]} />`)}
      </section>`,
    )}
    <section class="panel kpi">
      <h2>${t('dash.gap')}</h2>
      <${ChangeRow} label=${t('dash.gap')} change=${kpis.trustGap} />
    </section>
    <section class="panel kpi">
      <h2>${t('kpi.AWARE_REPORTING')} · ${t('kpi.AWARE_PRIVACY')} · ${t('kpi.AWARE_GUARDIAN')} · ${t('kpi.AWARE_SCREEN_TIME')}</h2>
      ${kpis.all.awareness.map((change) => html`<${ChangeRow} label=${t(`kpi.${change.key}`)} change=${change} />`)}
    </section>
    <section class="panel">
      <h2>${t('dash.behaviour')}</h2>
      <dl class="figures">
        <div><dt>${t('dash.newcomers')}</dt><dd>${formatNumber(b.newcomers)}</dd></div>
        <div><dt>${t('dash.findingUseful')}</dt><dd>${percent(b.newcomersFindingUseful)}</dd></div>
        <div><dt>${t('dash.reportsFiled')}</dt><dd>${formatNumber(b.reportsFiled)}</dd></div>
        <div><dt>${t('numbers.median')}</dt><dd>${b.medianHoursToDecision === null ? '—' : t('numbers.hours', { n: formatNumber(b.medianHoursToDecision, 1) })}</dd></div>
        <div><dt>${t('dash.toldOutcome')}</dt><dd>${percent(b.reportersToldOutcome)}</dd></div>
        <div><dt>${t('dash.teensWithGuardian')}</dt><dd>${percent(b.teensWithGuardian)}</dd></div>
        <div><dt>${t('dash.entries')}</dt><dd>${formatNumber(b.entries)}</dd></div>
      </dl>
      <h3>${t('numbers.kindness')}</h3>
      <${KindnessFigures} k=${b.kindness} />
    </section>
  </div>`;
}

/** Before and after with their 95% intervals on a 0–100 (or ±100) axis. */
function ChangeRow({ label, change }) {
  const lowest = Math.min(0, change.pre.low ?? 0, change.post.low ?? 0);
  const scale = (v) => ((v - lowest) / (100 - lowest)) * 300 + 10;
  const estimate = (e, y, cls) =>
    e.suppressed || e.value === null
      ? null
      : html`<g class=${cls}><line x1=${scale(e.low)} x2=${scale(e.high)} y1=${y} y2=${y} /><circle cx=${scale(e.value)} cy=${y} r="4" /></g>`;
  // No axis is drawn with nothing on it.
  const shown = [change.pre, change.post].some((e) => !e.suppressed && e.value !== null);
  const describe = (e) => (e.suppressed || e.value === null ? '—' : `${formatNumber(e.value, 1)} [${formatNumber(e.low, 1)}–${formatNumber(e.high, 1)}], n=${e.n}`);
  return html`<div class="change-row">
    <p><strong>${label}</strong>: ${t('dash.pre')} ${describe(change.pre)} → ${t('dash.post')} ${describe(change.post)}</p>
    ${shown && html`<svg viewBox="0 0 320 46" role="img" aria-label=${`${label}: ${describe(change.pre)} → ${describe(change.post)}`}>
      <line class="axis" x1=${scale(lowest)} x2=${scale(100)} y1="34" y2="34" />
      ${[lowest, 0, 50, 100].filter((v, i, all) => all.indexOf(v) === i).map(
        (v) => html`<text x=${scale(v)} y="44" text-anchor="middle">${formatNumber(v)}</text>`,
      )}
      ${estimate(change.pre, 10, 'pre')}${estimate(change.post, 24, 'post')}
    </svg>`}
    <p class=${change.significant ? 'ok' : 'muted'}>${t('dash.change')}: ${change.change === null ? '—' : `${change.change > 0 ? '+' : ''}${formatNumber(change.change, 1)} [${formatNumber(change.low, 1)}–${formatNumber(change.high, 1)}], ${change.significant ? t('dash.significant') : t('dash.notSignificant')}`}</p>
  </div>`;
}
