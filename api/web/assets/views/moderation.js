// The moderator console: a priority queue kept live over graphql-transport-ws,
// a case view with evidence and reports, decisions with version checks,
// appeals and the audit log.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { gql } from '../api.js';
import { subscribe, watchSocket } from '../live.js';
import { notify, useStore } from '../store.js';
import { formatDate, t } from '../i18n.js';
import { act, ErrorNote, Loading, SignInNeeded, useQuery } from '../ui.js';

const CASE_SUMMARY = `id targetType status tier priority reportCount reasons autoHidden openedAt lastReportedAt version
  snapshot { title caption body authorHandle } assignee { handle } claimedUntil`;

/** A line of what was reported, so cases about one account can be told apart. */
function excerpt(snapshot) {
  const text = snapshot.body ?? snapshot.caption ?? '';
  return text.length > 90 ? `${text.slice(0, 89)}…` : text;
}
const UNDECIDED = ['OPEN', 'IN_REVIEW', 'ESCALATED', 'APPEALED'];
const APPEALS = ['APPEALED', 'ESCALATED'];
/** The decisions that apply to each kind of target, as the server allows them. */
const ACTIONS = {
  CONTENT: ['DISMISS', 'REMOVE_CONTENT', 'RESTRICT_TO_ADULTS', 'WARN_USER', 'SUSPEND_USER', 'BAN_USER', 'ESCALATE'],
  COMMENT: ['DISMISS', 'REMOVE_CONTENT', 'WARN_USER', 'SUSPEND_USER', 'BAN_USER', 'ESCALATE'],
  USER: ['DISMISS', 'WARN_USER', 'SUSPEND_USER', 'BAN_USER', 'REQUIRE_AGE_CHECK', 'ESCALATE'],
};

/** An appeal is reversed (DISMISS), escalated, or upheld as decided; a first decision may be anything that applies. */
function actionsFor(c) {
  if (c.appealMessage && c.resolution) return ['DISMISS', c.resolution, 'ESCALATE'];
  return ACTIONS[c.targetType];
}

/** What the form starts on: an age check for an account reported as under 13, else the usual first step. */
function firstAction(c) {
  if (c.appealMessage && c.resolution) return 'DISMISS';
  if (c.targetType !== 'USER') return 'REMOVE_CONTENT';
  return c.reports.edges.some(({ node }) => node.reason === 'UNDERAGE_USER') ? 'REQUIRE_AGE_CHECK' : 'WARN_USER';
}

/** The server's order: tier first, then priority, then the older first. */
function byRank(a, b) {
  return a.tier - b.tier || b.priority - a.priority || a.openedAt.localeCompare(b.openedAt);
}

export function Moderation({ view, id }) {
  const { me, signedIn } = useStore();
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (!me) return html`<${Loading} />`;
  if (!['MODERATOR', 'ADMIN'].includes(me.role)) return html`<${ErrorNote} error=${{ code: 'FORBIDDEN' }} />`;
  return html`<section class="moderation" aria-labelledby="mod-title">
    <h1 id="mod-title">${t('mod.title')}</h1>
    <nav class="tabs">
      <a href="#/moderation" aria-current=${view === 'queue' ? 'page' : null}>${t('mod.queue')}</a>
      <a href="#/moderation/appeals" aria-current=${view === 'appeals' ? 'page' : null}>${t('mod.appeals')}</a>
      <a href="#/moderation/log" aria-current=${view === 'log' ? 'page' : null}>${t('mod.log')}</a>
    </nav>
    ${view === 'case' && html`<${CaseView} id=${id} />`}
    ${view === 'queue' && html`<${Queue} statuses=${UNDECIDED} />`}
    ${view === 'appeals' && html`<${Queue} statuses=${APPEALS} />`}
    ${view === 'log' && html`<${AuditLog} />`}
  </section>`;
}

function Queue({ statuses }) {
  const [cases, setCases] = useState(null);
  const [error, setError] = useState(null);
  const [live, setLive] = useState(false);
  const key = statuses.join();
  useEffect(() => {
    let stopped = false;
    gql(`query Queue($filter: CaseFilter) { moderationQueue(filter: $filter, first: 50) { edges { node { ${CASE_SUMMARY} } } } }`, {
      filter: { status: statuses },
    }).then(
      (data) => !stopped && setCases(data.moderationQueue.edges.map((e) => e.node)),
      (failure) => !stopped && setError(failure),
    );
    // Each change arrives without a reload: new and updated cases move into
    // place by priority, decided ones leave.
    const unsubscribe = subscribe(
      `subscription { moderationQueueChanged { ${CASE_SUMMARY} } }`,
      (data) => {
        const changed = data.moderationQueueChanged;
        setCases((current) => {
          const others = (current ?? []).filter((c) => c.id !== changed.id);
          return statuses.includes(changed.status) ? [...others, changed].sort(byRank) : others;
        });
      },
      (failure) => failure.code !== 'NETWORK' && setError(failure),
    );
    const unwatch = watchSocket(setLive);
    return () => {
      stopped = true;
      unsubscribe();
      unwatch();
    };
  }, [key]);
  const claim = async (id) => {
    if (await act(`mutation Claim($id: ID!) { claimCase(id: $id) { id } }`, { id })) location.hash = `#/moderation/case/${id}`;
  };
  return html`<div>
    <p class=${live ? 'live on' : 'live'} role="status">${live ? `● ${t('mod.live')}` : t('mod.offline')}</p>
    <${ErrorNote} error=${error} />
    ${cases === null && !error && html`<${Loading} />`}
    ${cases?.length === 0 && html`<p class="muted">${t('mod.empty')}</p>`}
    <ol class="queue" aria-live="polite">
      ${cases?.map(
        (c) => html`<li class="case-row" data-id=${c.id} data-status=${c.status}>
          <div>
            <span class="pill target">${t(`target.${c.targetType}`)}</span>
            <strong>${c.snapshot.title ?? (c.snapshot.authorHandle ? `@${c.snapshot.authorHandle}` : t(`target.${c.targetType}`))}</strong>
            <span class="pill">${t(`caseStatus.${c.status}`)}</span>
            ${c.autoHidden && html`<span class="pill warn">${t('mod.autoHidden')}</span>`}
          </div>
          ${excerpt(c.snapshot) && html`<p class="excerpt">${c.snapshot.title && c.snapshot.authorHandle ? `@${c.snapshot.authorHandle}: ` : ''}${excerpt(c.snapshot)}</p>`}
          <small>${t('mod.tier', { n: c.tier })} · ${t('mod.priority', { n: c.priority })} · ${t('mod.reports', { n: c.reportCount })} · ${c.reasons.map((r) => t(`reason.${r}`)).join(', ')}</small>
          ${c.assignee && html`<small class="muted"> · ${t('mod.claimedBy', { h: c.assignee.handle })}</small>`}
          <div class="actions">
            <a class="button secondary" href=${`#/moderation/case/${c.id}`}>${t('mod.open')}</a>
            <button type="button" class="claim" onClick=${() => claim(c.id)}>${t('mod.claim')}</button>
          </div>
        </li>`,
      )}
    </ol>
  </div>`;
}

const CASE = `query Case($id: ID!) {
  moderationCase(id: $id) {
    ${CASE_SUMMARY} resolution resolvedAt suspendedUntil appealMessage
    snapshot { title caption body authorHandle authorDisplayName }
    target { __typename ... on Content { id title status } ... on User { id handle displayName verifiedKind resembles { handle } } ... on Comment { id body } }
    reports(first: 50) { edges { node { id reason details createdAt } } }
    events { id kind action note createdAt actor { handle } }
  }
}`;

function CaseView({ id }) {
  const { me } = useStore();
  const { data, error, loading, reload } = useQuery(CASE, { id }, [id]);
  const [chosen, setAction] = useState(null);
  const [note, setNote] = useState('');
  const [days, setDays] = useState(7);
  const [failure, setFailure] = useState(null);
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorNote} error=${error} onRetry=${reload} />`;
  const c = data.moderationCase;
  if (!c) return html`<${ErrorNote} error=${{ code: 'NOT_FOUND' }} />`;
  const action = chosen ?? firstAction(c);
  const decide = async (event) => {
    event.preventDefault();
    setFailure(null);
    try {
      const input = { caseId: c.id, action, note, expectedVersion: c.version, suspendDays: action === 'SUSPEND_USER' ? Number(days) : null };
      await gql(`mutation Resolve($input: ResolveCaseInput!) { resolveCase(input: $input) { id status } }`, { input });
      notify(t('mod.decided'));
      location.hash = '#/moderation';
    } catch (problem) {
      setFailure(problem.code === 'CONFLICT' ? await explainConflict(c, me) : problem);
    }
  };
  const release = async () => {
    if (await act(`mutation Release($id: ID!) { releaseCase(id: $id) { id } }`, { id: c.id })) reload();
  };
  const claim = async () => {
    if (await act(`mutation Claim($id: ID!) { claimCase(id: $id) { id } }`, { id: c.id })) reload();
  };
  const target = c.target;
  return html`<article class="case" data-id=${c.id} data-version=${c.version}>
    <p><a href="#/moderation">← ${t('mod.back')}</a></p>
    <h2>${t(`target.${c.targetType}`)} · <span class="pill">${t(`caseStatus.${c.status}`)}</span></h2>
    <p class="muted">${t('mod.priority', { n: c.priority })} · ${t('mod.reports', { n: c.reportCount })} · ${formatDate(c.openedAt)}
      ${c.assignee && ` · ${t('mod.claimedBy', { h: c.assignee.handle })}`}</p>
    <div class="columns">
      <section class="evidence">
        <h3>${t('mod.snapshot')}</h3>
        ${c.snapshot.title && html`<p><strong>${c.snapshot.title}</strong></p>`}
        ${c.snapshot.caption && html`<p>${c.snapshot.caption}</p>`}
        ${c.snapshot.body && html`<blockquote>${c.snapshot.body}</blockquote>`}
        ${c.snapshot.authorHandle && html`<p class="muted">@${c.snapshot.authorHandle} ${c.snapshot.authorDisplayName ?? ''}</p>`}
        <h3>${t('mod.current')}</h3>
        <p>${target ? target.title ?? target.body ?? `@${target.handle}` : t('mod.deleted')} ${target?.status ? html`<span class="pill">${t(`contentStatus.${target.status}`)}</span>` : ''}</p>
        ${target?.verifiedKind && html`<p><span class="verified-badge">✔ ${t(`verified.${target.verifiedKind}`)}</span></p>`}
        ${target?.resembles && html`<p class="look-alike">${t('verify.resembles', { h: target.resembles.handle })}</p>`}
        ${c.appealMessage && html`<h3>${t('mod.appealMessage')}</h3><blockquote>${c.appealMessage}</blockquote>`}
      </section>
      <section>
        <h3>${t('mod.reportList')}</h3>
        <ul class="plain">${c.reports.edges.map(({ node: r }) => html`<li>${t(`reason.${r.reason}`)}${r.details ? `: ${r.details}` : ''} <small class="muted">${formatDate(r.createdAt)}</small></li>`)}</ul>
        <h3>${t('mod.events')}</h3>
        <ol class="plain">${c.events.map((e) => html`<li>${t(`event.${e.kind}`)}${e.action ? ` · ${t(`action.${e.action}`)}` : ''}${e.actor ? ` · @${e.actor.handle}` : ''} <small class="muted">${formatDate(e.createdAt)}</small>${e.note ? html`<br /><span>${e.note}</span>` : ''}</li>`)}</ol>
      </section>
    </div>
    ${UNDECIDED.includes(c.status) && whyNot(c, me) && html`<p class="cannot-decide" role="note" data-why=${whyNot(c, me)}>${t(whyNot(c, me))}</p>`}
    ${UNDECIDED.includes(c.status) && !whyNot(c, me) &&
    html`<form class="decide" onSubmit=${decide}>
      <div class="actions"><button type="button" class="secondary" onClick=${claim}>${t('mod.claim')}</button>
        <button type="button" class="secondary" onClick=${release}>${t('mod.release')}</button></div>
      <label>${t('mod.action')}
        <select name="action" value=${action} onChange=${(e) => setAction(e.target.value)}>
          ${actionsFor(c).map((a) => html`<option value=${a}>${t(`action.${a}`)}</option>`)}
        </select>
      </label>
      ${action === 'REQUIRE_AGE_CHECK' && html`<p class="muted age-check-hint" role="note">${t('mod.ageCheckHint')}</p>`}
      ${action === 'SUSPEND_USER' && html`<label>${t('mod.suspendDays')}<input type="number" name="suspendDays" min="1" max="365" value=${days} onInput=${(e) => setDays(e.target.value)} /></label>`}
      <label>${t('mod.note')}<textarea name="note" required maxlength="2000" value=${note} onInput=${(e) => setNote(e.target.value)}></textarea></label>
      ${failure?.conflict
        ? html`<div class="error conflict" role="alert" data-code="CONFLICT"><p>${failure.conflict}</p><button type="button" onClick=${() => { setFailure(null); reload(); }}>${t('mod.reload')}</button></div>`
        : html`<${ErrorNote} error=${failure} />`}
      <button type="submit" class="resolve">${t('mod.resolve')}</button>
    </form>`}
  </article>`;
}

/**
 * Why this moderator may not decide the case, as the server's rules say,
 * before they try: a message key, or null.
 */
function whyNot(c, me) {
  if (!me) return null;
  const mine = me.user.handle;
  if (c.snapshot.authorHandle === mine || c.target?.handle === mine) return 'mod.ownCase';
  if (c.status === 'ESCALATED' && me.role !== 'ADMIN') return 'mod.onlyAdmin';
  const decisions = c.events.filter((e) => e.kind === 'ACTION');
  if (c.status === 'APPEALED' && decisions.at(-1)?.actor?.handle === mine) return 'mod.ownDecision';
  return null;
}

/**
 * Why a decision met a CONFLICT, from the case as it is now: someone else
 * decided or changed it, or someone else holds the claim.
 */
async function explainConflict(before, me) {
  const now = await gql(CASE, { id: before.id }).then((d) => d.moderationCase, () => null);
  const holder = now?.assignee?.handle;
  const claimedByOther = now && UNDECIDED.includes(now.status) && holder && holder !== me?.user.handle;
  return { code: 'CONFLICT', conflict: claimedByOther ? t('mod.claimedConflict', { h: holder }) : t('mod.conflict') };
}

function AuditLog() {
  const { data, error, loading, reload } = useQuery(
    `query Log { moderationLog(first: 50) { edges { node { id caseId kind action note createdAt actor { handle } } } } }`,
    {},
  );
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorNote} error=${error} onRetry=${reload} />`;
  return html`<table class="log">
    <thead><tr><th>${t('mod.events')}</th><th>${t('mod.action')}</th><th>${t('mod.note')}</th><th></th></tr></thead>
    <tbody>
      ${data.moderationLog.edges.map(
        ({ node: e }) => html`<tr>
          <td><a href=${`#/moderation/case/${e.caseId}`}>${t(`event.${e.kind}`)}</a>${e.actor ? ` · @${e.actor.handle}` : ''}</td>
          <td>${e.action ? t(`action.${e.action}`) : ''}</td><td>${e.note ?? ''}</td><td><small>${formatDate(e.createdAt)}</small></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}
