// Family pairing and the guardian panel: limits, time away, search, comments,
// privacy, blocked keywords, a screen-time chart and time requests.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { gql, serverNow } from '../api.js';
import { notify, useStore } from '../store.js';
import { formatDate, t } from '../i18n.js';
import { act, ErrorNote, Loading, SignInNeeded, useQuery, VerifiedMark } from '../ui.js';

const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const PERSON = 'id handle displayName verified';

const FAMILY = `query Family {
  familyLinks { id status createdAt unlinkRequestedAt answerBy waitsForFormerGuardian guardian { ${PERSON} } teen { ${PERSON} } }
  timeRequests { id minutes reason status grantedMinutes createdAt teen { ${PERSON} } }
}`;

export function Family() {
  const { me, signedIn } = useStore();
  const { data, error, loading, reload } = useQuery(FAMILY, {}, [signedIn]);
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorNote} error=${error} onRetry=${reload} />`;
  if (!me) return html`<${Loading} />`;
  const mine = me.user.id;
  const links = data.familyLinks.filter((link) => link.status !== 'REVOKED');
  const guarding = links.filter((link) => link.guardian.id === mine && link.status === 'ACTIVE');
  const waitingForMe = links.filter((link) => link.status === 'PENDING' && link.guardian.id !== mine && link.teen.id !== mine);
  const isTeen = me.ageBand !== 'ADULT';
  const asksToUnlink = me.ageBand === 'TEEN_13_15';
  return html`<section class="family" aria-labelledby="family-title">
    <h1 id="family-title">${t('family.title')}</h1>
    <p class="muted">${t('family.intro')}</p>
    ${isTeen ? html`<${EnterCode} onLinked=${reload} />` : html`<${PairingCode} />`}
    ${links.length === 0 && html`<p class="muted">${t('family.noLinks')}</p>`}
    <ul class="links plain">
      ${links.filter((link) => link.guardian.id === mine || link.teen.id === mine).map(
        (link) => html`<li class="link-row" data-status=${link.status}>
          ${link.guardian.id === mine ? t('family.guardianOf', { name: link.teen.displayName }) : t('family.teenOf', { name: link.guardian.displayName })}<${VerifiedMark} user=${link.guardian.id === mine ? link.teen : link.guardian} />
          ${link.status === 'PENDING' && html` <span class="pill">${link.waitsForFormerGuardian ? t('family.pendingFormer', { date: formatDate(link.answerBy, false) }) : t('family.pending')}</span>`}
          ${link.unlinkRequestedAt
            ? html`<${UnlinkRequest} link=${link} mine=${mine} onAnswered=${reload} />`
            : html`<button type="button" class="link unlink" onClick=${async () => confirm(t(asksToUnlink && link.status === 'ACTIVE' ? 'family.askUnlinkConfirm' : 'family.unlinkConfirm')) && (await act(`mutation Unlink($id: ID!) { unlinkFamily(linkId: $id) { id } }`, { id: link.id })) && reload()}>${t(asksToUnlink && link.status === 'ACTIVE' ? 'family.askUnlink' : 'family.unlink')}</button>`}
        </li>`,
      )}
    </ul>
    ${waitingForMe.map((link) => html`<${PendingGuardian} link=${link} onAnswered=${reload} />`)}
    <${TimeRequests} requests=${data.timeRequests} mine=${mine} onAnswered=${reload} />
    ${guarding.map((link) => html`<${GuardianPanel} key=${link.id} link=${link} />`)}
    ${isTeen && html`<${TeenView} teenId=${mine} />`}
  </section>`;
}

function PairingCode() {
  const [code, setCode] = useState(null);
  const [now, setNow] = useState(serverNow());
  useEffect(() => {
    const timer = setInterval(() => setNow(serverNow()), 1000);
    return () => clearInterval(timer);
  }, []);
  const create = async () => {
    const data = await act(`mutation { createPairingCode { code expiresAt } }`);
    if (data) setCode(data.createPairingCode);
  };
  const left = code ? Math.max(0, Math.round((new Date(code.expiresAt).getTime() - now) / 1000)) : 0;
  const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  return html`<div class="panel pairing">
    <button type="button" onClick=${create}>${t('family.createCode')}</button>
    ${code &&
    (left > 0
      ? html`<p class="code" aria-live="polite"><strong class="pairing-code">${code.code}</strong><br />
          <span class="countdown" role="timer">${t('family.expiresIn', { t: clock })}</span></p><p class="muted">${t('family.codeHint')}</p>`
      : html`<p class="muted">${t('family.expired')}</p>`)}
  </div>`;
}

function EnterCode({ onLinked }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState(null);
  const accept = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const data = await gql(`mutation Accept($code: String!) { acceptPairingCode(code: $code) { id status guardian { displayName } } }`, { code: code.trim().toUpperCase() });
      const link = data.acceptPairingCode;
      notify(t(link.status === 'PENDING' ? 'family.linkWaits' : 'family.linked', { name: link.guardian.displayName }));
      setCode('');
      onLinked();
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<form class="panel inline pairing" onSubmit=${accept}>
    <label for="pairing-code">${t('family.enterCode')}</label>
    <input id="pairing-code" name="code" required maxlength="8" autocomplete="off" value=${code} onInput=${(e) => setCode(e.target.value)} />
    <button type="submit">${t('family.accept')}</button>
    <${ErrorNote} error=${error} />
  </form>`;
}

async function answerLink(link, approve, onAnswered) {
  if (await act(`mutation Answer($id: ID!, $approve: Boolean!) { answerFamilyLink(linkId: $id, approve: $approve) { id } }`, { id: link.id, approve })) onAnswered();
}

/** A young teen's request to end a link: the teen sees it waiting, the guardian answers it. */
function UnlinkRequest({ link, mine, onAnswered }) {
  const date = formatDate(link.answerBy, false);
  if (link.teen.id === mine) return html`<p class="unlink-request muted" role="status">${t('family.unlinkAsked', { name: link.guardian.displayName, date })}</p>`;
  return html`<div class="unlink-request" role="group" aria-label=${t('family.unlinkAskedOfMe', { name: link.teen.displayName, date })}>
    <p>${t('family.unlinkAskedOfMe', { name: link.teen.displayName, date })}</p>
    <button type="button" onClick=${() => answerLink(link, true, onAnswered)}>${t('family.agreeUnlink')}</button>
    <button type="button" class="secondary" onClick=${() => answerLink(link, false, onAnswered)}>${t('family.keepLink')}</button>
  </div>`;
}

function PendingGuardian({ link, onAnswered }) {
  const answer = (approve) => answerLink(link, approve, onAnswered);
  return html`<div class="panel pending-guardian">
    <p>${link.waitsForFormerGuardian
      ? t('family.replacesYou', { adult: link.guardian.displayName, name: link.teen.displayName, date: formatDate(link.answerBy, false) })
      : html`${t('family.guardianOf', { name: link.teen.displayName })}: ${link.guardian.displayName} · ${t('family.pending')}`}</p>
    <button type="button" onClick=${() => answer(true)}>${t('family.approve')}</button>
    <button type="button" class="secondary" onClick=${() => answer(false)}>${t('family.refuse')}</button>
  </div>`;
}

/** Minutes a guardian may grant, the server's 5..=120. */
const GRANTS = [5, 10, 15, 30, 45, 60, 90, 120];

function TimeRequests({ requests, mine, onAnswered }) {
  const theirs = requests.filter((r) => r.teen.id !== mine && r.status === 'PENDING');
  const own = requests.filter((r) => r.teen.id === mine);
  const [granted, setGranted] = useState({});
  const minutesFor = (r) => granted[r.id] ?? r.minutes;
  const answer = async (r, approve) => {
    const minutes = approve ? minutesFor(r) : null;
    const done = await act(
      `mutation AnswerTime($id: ID!, $approve: Boolean!, $minutes: Int) { answerTimeRequest(requestId: $id, approve: $approve, minutes: $minutes) { id status } }`,
      { id: r.id, approve, minutes },
    );
    if (!done) return;
    notify(approve ? t('family.granted', { name: r.teen.displayName, n: minutes }) : t('family.denied', { name: r.teen.displayName }));
    onAnswered();
  };
  if (theirs.length === 0 && own.length === 0) return null;
  return html`<section class="panel time-requests" aria-labelledby="requests-title">
    <h2 id="requests-title">${own.length > 0 && theirs.length === 0 ? t('family.myRequests') : t('family.requests')}</h2>
    <ul class="plain">
      ${theirs.map(
        (r) => html`<li class="time-request" data-id=${r.id}><p class="request-line">${t('family.requestLine', { name: r.teen.displayName, n: r.minutes })}${r.reason ? `: “${r.reason}”` : ''}</p>
          <label class="grant">${t('family.grantLabel')}
            <select name="grant" value=${minutesFor(r)} onInput=${(e) => setGranted({ ...granted, [r.id]: Number(e.target.value) })}>
              ${[...new Set([...GRANTS, r.minutes])].sort((a, b) => a - b).map((n) => html`<option value=${n}>${t('limit.minutes', { n })}</option>`)}
            </select></label>
          <button type="button" class="approve" onClick=${() => answer(r, true)}>${t('family.approveMinutes', { n: minutesFor(r) })}</button>
          <button type="button" class="secondary" onClick=${() => answer(r, false)}>${t('family.deny')}</button></li>`,
      )}
      ${own.map((r) => html`<li>${t('limit.minutes', { n: r.minutes })} · ${t(`requestStatus.${r.status}`)} <small class="muted">${formatDate(r.createdAt)}</small></li>`)}
    </ul>
  </section>`;
}

const CONTROLS = `query Controls($teenId: ID!) {
  teenControls(teenId: $teenId) { dailyLimitMinutes weekendLimitMinutes searchEnabled commentPolicy privateAccount
    timeAway { days start end } blockedKeywords lockedByGuardian updatedAt }
}`;

function GuardianPanel({ link }) {
  const teen = link.teen;
  return html`<section class="panel guardian-panel" data-teen=${teen.handle} aria-labelledby=${`controls-${teen.id}`}>
    <h2 id=${`controls-${teen.id}`}>${t('family.controls', { name: teen.displayName })}</h2>
    <${ControlsForm} teenId=${teen.id} />
    <${UsageChart} userId=${teen.id} />
    <${Circle} link=${link} />
  </section>`;
}

function ControlsForm({ teenId }) {
  const { data, error, loading, reload } = useQuery(CONTROLS, { teenId }, [teenId]);
  const [form, setForm] = useState(null);
  const [failure, setFailure] = useState(null);
  useEffect(() => {
    if (!data) return;
    const c = data.teenControls;
    setForm({
      daily: c.dailyLimitMinutes ?? '',
      weekend: c.weekendLimitMinutes ?? '',
      searchEnabled: c.searchEnabled,
      commentPolicy: c.commentPolicy,
      privateAccount: c.privateAccount,
      windows: c.timeAway.map((w) => ({ ...w, days: [...w.days] })),
      keywords: c.blockedKeywords.join('\n'),
    });
  }, [data]);
  if (loading && !form) return html`<${Loading} />`;
  if (error) return html`<${ErrorNote} error=${error} onRetry=${reload} />`;
  if (!form) return null;
  // Updates from the latest form, so quick successive changes all count.
  const set = (change) => setForm((previous) => ({ ...previous, ...(typeof change === 'function' ? change(previous) : change) }));
  const toggleDay = (index, day, on) =>
    set((f) => ({
      windows: f.windows.map((w, i) => (i === index ? { ...w, days: on ? [...w.days, day] : w.days.filter((d) => d !== day) } : w)),
    }));
  const setWindow = (index, change) => set((f) => ({ windows: f.windows.map((w, i) => (i === index ? { ...w, ...change } : w)) }));
  const save = async (event) => {
    event.preventDefault();
    setFailure(null);
    const input = {
      searchEnabled: form.searchEnabled,
      commentPolicy: form.commentPolicy,
      privateAccount: form.privateAccount,
      timeAway: form.windows,
      blockedKeywords: form.keywords.split('\n').map((k) => k.trim()).filter(Boolean),
    };
    if (form.daily === '') input.clearDailyLimit = true;
    else input.dailyLimitMinutes = Number(form.daily);
    if (form.weekend === '') input.clearWeekendLimit = true;
    else input.weekendLimitMinutes = Number(form.weekend);
    try {
      await gql(`mutation Set($teenId: ID!, $input: TeenControlsInput!) { setTeenControls(teenId: $teenId, input: $input) { updatedAt } }`, { teenId, input });
      notify(t('family.saved'));
      reload();
    } catch (problem) {
      setFailure(problem);
    }
  };
  return html`<form class="controls" onSubmit=${save}>
    <div class="row">
      <label>${t('family.dailyLimit')}<input type="number" name="dailyLimit" min="15" max="480" placeholder=${t('family.noLimit')} value=${form.daily} onInput=${(e) => set({ daily: e.target.value })} /></label>
      <label>${t('family.weekendLimit')}<input type="number" name="weekendLimit" min="15" max="480" placeholder=${t('family.noLimit')} value=${form.weekend} onInput=${(e) => set({ weekend: e.target.value })} /></label>
    </div>
    <fieldset class="windows">
      <legend>${t('family.timeAway')}</legend>
      ${form.windows.map(
        (w, index) => html`<div class="window" data-index=${index}>
          <div class="days">${WEEKDAYS.map(
            (day) => html`<label class="check"><input type="checkbox" checked=${w.days.includes(day)}
              onChange=${(e) => toggleDay(index, day, e.target.checked)} /> ${t(`weekday.${day}`)}</label>`,
          )}</div>
          <label>${t('family.from')}<input type="time" name="start" required value=${w.start} onInput=${(e) => setWindow(index, { start: e.target.value })} /></label>
          <label>${t('family.to')}<input type="time" name="end" required value=${w.end} onInput=${(e) => setWindow(index, { end: e.target.value })} /></label>
          <button type="button" class="link remove-window" onClick=${() => set((f) => ({ windows: f.windows.filter((_, i) => i !== index) }))}>${t('family.removeWindow')}</button>
        </div>`,
      )}
      <button type="button" class="secondary add-window" onClick=${() => set((f) => ({ windows: [...f.windows, { days: [...WEEKDAYS], start: '21:00', end: '06:00' }] }))}>${t('family.addWindow')}</button>
    </fieldset>
    <label class="check"><input type="checkbox" name="searchEnabled" checked=${form.searchEnabled} onChange=${(e) => set({ searchEnabled: e.target.checked })} /> ${t('family.search')}</label>
    <label class="check"><input type="checkbox" name="privateAccount" checked=${form.privateAccount} onChange=${(e) => set({ privateAccount: e.target.checked })} /> ${t('family.privateAccount')}</label>
    <label>${t('family.comments')}
      <select name="commentPolicy" value=${form.commentPolicy} onChange=${(e) => set({ commentPolicy: e.target.value })}>
        ${['EVERYONE', 'FOLLOWERS', 'NOBODY'].map((p) => html`<option value=${p}>${t(`commentPolicy.${p}`)}</option>`)}
      </select>
    </label>
    <label>${t('family.blockedKeywords')}<textarea name="blockedKeywords" rows="3" value=${form.keywords} onInput=${(e) => set({ keywords: e.target.value })}></textarea></label>
    <${ErrorNote} error=${failure} />
    <button type="submit" class="save-controls">${t('family.save')}</button>
  </form>`;
}

/** Minutes a day as bars, late-night minutes darker, in an accessible SVG, each day's minutes written on it. */
function UsageChart({ userId }) {
  const [days, setDays] = useState(7);
  const { data, error } = useQuery(
    `query Usage($userId: ID!, $days: Int) { screenTimeReport(userId: $userId, days: $days) { date minutes views lateNightMinutes } }`,
    { userId, days },
    [userId, days],
  );
  const rows = data?.screenTimeReport ?? [];
  const top = Math.max(30, ...rows.map((r) => r.minutes));
  const width = 320;
  const height = 120;
  const bar = rows.length ? width / rows.length : width;
  const dayMonth = (date) => `${date.slice(8)}/${date.slice(5, 7)}`;
  const nothingYet = data && rows.every((r) => r.minutes === 0);
  return html`<figure class="usage">
    <figcaption>${t('family.usage')}
      <span class="toggle">${[7, 28].map((n) => html`<button type="button" class=${days === n ? 'on' : ''} aria-pressed=${days === n} onClick=${() => setDays(n)}>${t(`family.days${n}`)}</button>`)}</span>
    </figcaption>
    <${ErrorNote} error=${error} />
    ${nothingYet
      ? html`<p class="muted no-usage">${t('family.noUsage', { n: days })}</p>`
      : html`<svg viewBox=${`0 0 ${width} ${height + 30}`} role="img" aria-label=${rows.map((r) => `${dayMonth(r.date)}: ${t('limit.minutes', { n: r.minutes })}`).join('; ')}>
      <text class="axis" x="0" y="10">${t('limit.minutes', { n: top })}</text>
      <line class="axis" x1="0" x2=${width} y1=${height + 14} y2=${height + 14} />
      ${rows.map((r, i) => {
        const h = (r.minutes / top) * (height - 14);
        const late = (r.lateNightMinutes / top) * (height - 14);
        const base = height + 14;
        return html`<g>
          <rect class="bar" x=${i * bar + 1} y=${base - h} width=${Math.max(bar - 2, 1)} height=${h}><title>${dayMonth(r.date)}: ${r.minutes}</title></rect>
          <rect class="bar late" x=${i * bar + 1} y=${base - late} width=${Math.max(bar - 2, 1)} height=${late} />
          ${rows.length <= 7 && r.minutes > 0 && html`<text class="value" x=${i * bar + bar / 2} y=${base - h - 3} text-anchor="middle">${r.minutes}</text>`}
          ${rows.length <= 7 && html`<text x=${i * bar + bar / 2} y=${base + 13} text-anchor="middle">${dayMonth(r.date)}</text>`}
        </g>`;
      })}
    </svg>
    <p class="legend"><span class="swatch"></span>${t('family.minutes')} <span class="swatch late"></span>${t('family.lateNight')}</p>`}
  </figure>`;
}

function Circle({ link }) {
  const { data } = useQuery(
    `query Circle { familyLinks { id teenFollowing(first: 20) { edges { node { handle displayName verified } } } teenFollowers(first: 20) { edges { node { handle displayName verified } } } } }`,
    {},
    [link.id],
  );
  const mine = data?.familyLinks.find((l) => l.id === link.id);
  if (!mine) return null;
  // The guardian sees at a glance which of them are the verified accounts they seem.
  const names = (connection) =>
    connection.edges.length === 0 ? t('common.none') : connection.edges.map((e, i) => html`${i ? ', ' : ''}@${e.node.handle}<${VerifiedMark} user=${e.node} />`);
  return html`<details class="circle">
    <summary>${t('family.circle', { name: link.teen.displayName })}</summary>
    <p><strong>${t('family.circleFollowing')}:</strong> ${names(mine.teenFollowing)}</p>
    <p><strong>${t('family.circleFollowers')}:</strong> ${names(mine.teenFollowers)}</p>
  </details>`;
}

function TeenView({ teenId }) {
  const { data } = useQuery(CONTROLS, { teenId }, [teenId]);
  const c = data?.teenControls;
  if (!c) return null;
  return html`<section class="panel teen-controls">
    <h2>${t('family.myLimits')}</h2>
    ${c.lockedByGuardian && html`<p class="muted">${t('family.teenLocked')}</p>`}
    <ul class="plain">
      <li>${t('family.dailyLimit')}: ${c.dailyLimitMinutes ?? t('family.noLimit')}</li>
      <li>${t('family.weekendLimit')}: ${c.weekendLimitMinutes ?? t('family.noLimit')}</li>
      <li>${t('family.timeAway')}: ${c.timeAway.map((w) => `${w.days.map((d) => t(`weekday.${d}`)).join(' ')} ${w.start}–${w.end}`).join('; ') || t('common.none')}</li>
      <li>${t('family.search')}: ${c.searchEnabled ? '✓' : '✕'}</li>
    </ul>
    <${UsageChart} userId=${teenId} />
  </section>`;
}
