// "My reports" with their outcomes, notifications, and decisions about me
// with the way to appeal them.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { Icon } from '../icons.js';
import { gql } from '../api.js';
import { store, useStore } from '../store.js';
import { formatDate, t } from '../i18n.js';
import { act, ErrorNote, Loading, SignInNeeded, useQuery } from '../ui.js';

const INBOX = `query Inbox {
  notifications(first: 30) { edges { node { id kind title body createdAt readAt caseId contentId } } }
  myReports(first: 30) { edges { node { id targetType reason status outcome createdAt resolvedAt } } }
  myDecisions(first: 10) { edges { node { id status resolution resolvedAt appealableUntil appealMessage snapshot { title } } } }
}`;

const UNREAD = `query Unread { notifications(unreadOnly: true, first: 50) { edges { node { id } } } }`;

/** Refreshes the bell's unread count. */
export async function refreshUnread() {
  if (!store.get().signedIn) return;
  try {
    const data = await gql(UNREAD);
    store.set({ unread: data.notifications.edges.length });
  } catch {
    // The bell keeps its last count; the inbox itself shows errors.
  }
}

export function Bell() {
  const { unread, signedIn } = useStore();
  if (!signedIn) return null;
  return html`<a href="#/inbox" class="bell" aria-label=${t('bell.label', { n: unread })}><${Icon} name="bell" size="24" />${unread > 0 && html`<span class="badge" data-unread=${unread}>${unread}</span>`}</a>`;
}

export function Inbox() {
  const { signedIn } = useStore();
  const { data, error, loading, reload } = useQuery(INBOX, {}, [signedIn]);
  const unreadIds = data?.notifications.edges.filter((e) => !e.node.readAt).map((e) => e.node.id) ?? [];
  // Opening the inbox reads what is in it.
  useEffect(() => {
    if (unreadIds.length === 0) return;
    act(`mutation Read($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`, { ids: unreadIds }).then(refreshUnread);
  }, [unreadIds.join()]);
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorNote} error=${error} onRetry=${reload} />`;
  const notifications = data.notifications.edges.map((e) => e.node);
  const reports = data.myReports.edges.map((e) => e.node);
  const decisions = data.myDecisions.edges.map((e) => e.node);
  return html`<div class="columns">
    <section class="panel" aria-labelledby="notifications-title">
      <h1 id="notifications-title">${t('inbox.notifications')}</h1>
      ${notifications.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
      <ul class="notifications plain">
        ${notifications.map(
          (n) => html`<li class=${n.readAt ? 'notification' : 'notification unread'} data-kind=${n.kind}>
            <strong>${n.title}</strong>${!n.readAt && html` <span class="pill">${t('inbox.unread')}</span>`}
            <p>${n.body}</p>${n.kind === 'COMMENT_STORM' && html`<p><a href="#/comments">${t('kind.title')}</a></p>`}${n.kind.startsWith('FAMILY_') && html`<p><a href="#/family">${t('family.title')}</a></p>`}<small class="muted">${formatDate(n.createdAt)}</small>
          </li>`,
        )}
      </ul>
    </section>
    <section class="panel" aria-labelledby="reports-title">
      <h1 id="reports-title">${t('inbox.reports')}</h1>
      ${reports.length === 0 && html`<p class="muted">${t('inbox.noReports')}</p>`}
      <ul class="reports plain">
        ${reports.map(
          (r) => html`<li class="my-report" data-status=${r.status}>
            <strong>${t(`target.${r.targetType}`)}: ${t(`reason.${r.reason}`)}</strong>
            <span class=${`pill status-${r.status.toLowerCase()}`}>${t(`reportStatus.${r.status}`)}</span>
            ${r.outcome && html`<p class="outcome">${r.outcome}</p>`}
            <small class="muted">${formatDate(r.createdAt)}</small>
          </li>`,
        )}
      </ul>
      ${decisions.length > 0 &&
      html`<h2>${t('inbox.decisions')}</h2>
        <ul class="decisions plain">${decisions.map((d) => html`<${Decision} decision=${d} onAppealed=${reload} />`)}</ul>`}
    </section>
  </div>`;
}

function Decision({ decision, onAppealed }) {
  const [message, setMessage] = useState('');
  const appeal = async () => {
    if (await act(`mutation Appeal($caseId: ID!, $message: String!) { appealDecision(caseId: $caseId, message: $message) { id } }`, { caseId: decision.id, message })) onAppealed();
  };
  return html`<li>
    <strong>${decision.resolution ? t(`action.${decision.resolution}`) : t(`caseStatus.${decision.status}`)}</strong>
    ${decision.snapshot.title && html` · ${decision.snapshot.title}`} <small class="muted">${formatDate(decision.resolvedAt)}</small>
    ${decision.appealMessage && html`<p class="muted">${t('mod.appealMessage')}: ${decision.appealMessage}</p>`}
    ${decision.appealableUntil && !decision.appealMessage &&
    html`<div class="inline">
      <label class="visually-hidden" for=${`appeal-${decision.id}`}>${t('inbox.appeal')}</label>
      <input id=${`appeal-${decision.id}`} maxlength="2000" placeholder=${t('auth.appealHint')} value=${message} onInput=${(e) => setMessage(e.target.value)} />
      <button type="button" disabled=${!message.trim()} onClick=${appeal}>${t('inbox.appeal')}</button>
    </div>`}
  </li>`;
}
