// The admin's screens: the privacy policy (a new version in both
// languages, published only once the admin has said they know what it does:
// everyone must accept it again before doing anything but read), the
// requests for the verified badge, and the age checks moderators asked for.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { notify, useStore } from '../store.js';
import { formatDate, t } from '../i18n.js';
import { act, ErrorNote, hasRole, Loading, SignInNeeded, useQuery } from '../ui.js';
import { onDemoHost } from './account.js';
import { reloadMe } from './privacy.js';

const CURRENT = `query Current { privacyPolicy { version summary summaryVi body bodyVi } }`;
const PUBLISH = `mutation Publish($input: PublishPolicyInput!) { publishPrivacyPolicy(input: $input) { version } }`;

/** The demo's prepared second version, so re-consent can be shown on a fresh demo. */
const DEMO_DRAFT = {
  summary: 'New: we may suggest kinder words before a comment is posted, and your watch history is kept for 90 days.',
  summaryVi: 'Mới: chúng tôi có thể gợi ý lời lẽ tử tế hơn trước khi bình luận được đăng, và lịch sử xem được giữ 90 ngày.',
  bodyAdded:
    '6. Kind words: before a comment that may hurt someone is posted, we show you the words and suggest another way to say it. You decide; we keep only whether you changed it.\n7. Watch history is kept for 90 days, then only the tastes learned from it remain.',
  bodyAddedVi:
    '6. Lời tử tế: trước khi đăng một bình luận có thể làm tổn thương người khác, chúng tôi cho bạn thấy những từ đó và gợi ý cách nói khác. Bạn quyết định; chúng tôi chỉ lưu việc bạn có sửa hay không.\n7. Lịch sử xem được giữ 90 ngày; sau đó chỉ còn những sở thích đã học được từ nó.',
};

const FIELDS = [
  ['summary', 2000, 3],
  ['summaryVi', 2000, 3],
  ['body', 100000, 12],
  ['bodyVi', 100000, 12],
];

export function PolicyPublisher() {
  const { signedIn, me } = useStore();
  const current = useQuery(CURRENT, {}, [signedIn]);
  const [draft, setDraft] = useState(null);
  const [understood, setUnderstood] = useState(false);
  const [published, setPublished] = useState(null);
  const policy = current.data?.privacyPolicy;
  // The form starts from the version in force: admins edit, rarely rewrite.
  useEffect(() => {
    if (policy && !draft) setDraft({ summary: policy.summary, summaryVi: policy.summaryVi, body: policy.body, bodyVi: policy.bodyVi });
  }, [policy]);
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (!me || (current.loading && !policy)) return html`<${Loading} />`;
  if (!hasRole('ADMIN')) return html`<${ErrorNote} error=${{ code: 'FORBIDDEN' }} />`;
  if (current.error) return html`<${ErrorNote} error=${current.error} onRetry=${current.reload} />`;
  if (!draft) return html`<${Loading} />`;
  const useDemoDraft = () =>
    setDraft({
      summary: DEMO_DRAFT.summary,
      summaryVi: DEMO_DRAFT.summaryVi,
      body: `${policy.body}\n${DEMO_DRAFT.bodyAdded}`,
      bodyVi: `${policy.bodyVi}\n${DEMO_DRAFT.bodyAddedVi}`,
    });
  const publish = async (event) => {
    event.preventDefault();
    const result = await act(PUBLISH, { input: draft });
    if (!result) return;
    const version = result.publishPrivacyPolicy.version;
    setPublished(version);
    setUnderstood(false);
    // The next version starts from the one just published.
    setDraft(null);
    notify(t('admin.published', { v: version }));
    current.reload();
    reloadMe();
  };
  const unchanged = ['summary', 'summaryVi', 'body', 'bodyVi'].every((key) => draft[key] === policy[key]);
  return html`<section class="panel admin-policy" aria-labelledby="admin-policy-title">
    <h1 id="admin-policy-title">${t('admin.policyTitle', { v: policy.version + 1 })}</h1>
    <p class="muted">${t('admin.policyHint', { v: policy.version })}</p>
    ${published && html`<p class="ok" role="status">${t('admin.published', { v: published })} <a href="#/privacy">${t('admin.readIt')}</a></p>`}
    ${onDemoHost() && policy.version === 1 && html`<p><button type="button" class="secondary demo-draft" onClick=${useDemoDraft}>${t('admin.demoDraft')}</button></p>`}
    <form onSubmit=${publish}>
      ${FIELDS.map(
        ([key, max, rows]) => html`<label>${t(`admin.${key}`)}
          <textarea id=${`policy-${key}`} rows=${rows} maxlength=${max} required value=${draft[key]}
            onInput=${(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}></textarea></label>`,
      )}
      <label class="check"><input type="checkbox" name="understood" checked=${understood} onChange=${(e) => setUnderstood(e.target.checked)} />
        ${t('admin.understood')}</label>
      <button type="submit" disabled=${!understood || unchanged}>${t('admin.publish', { v: policy.version + 1 })}</button>
    </form>
  </section>`;
}

const QUEUE = `query Queue { verificationQueue(first: 50) { edges { node { id kind evidence createdAt user { handle displayName resembles { handle } } } } } }`;
const DECIDE = `mutation Decide($id: ID!, $approve: Boolean!, $note: String!) { decideVerification(id: $id, approve: $approve, note: $note) { status } }`;

/** Requests for the verified badge, oldest first, each approved or denied with a note. */
export function VerificationQueue() {
  const { signedIn, me } = useStore();
  const queue = useQuery(QUEUE, {}, [signedIn]);
  const [notes, setNotes] = useState({});
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (!me || (queue.loading && !queue.data)) return html`<${Loading} />`;
  if (!hasRole('ADMIN')) return html`<${ErrorNote} error=${{ code: 'FORBIDDEN' }} />`;
  if (queue.error) return html`<${ErrorNote} error=${queue.error} onRetry=${queue.reload} />`;
  const requests = queue.data.verificationQueue.edges.map((edge) => edge.node);
  const decide = async (request, approve) => {
    const note = (notes[request.id] ?? '').trim();
    if (await act(DECIDE, { id: request.id, approve, note })) {
      notify(t(approve ? 'verify.approved' : 'verify.denied', { h: request.user.handle }));
      queue.reload();
    }
  };
  return html`<section class="panel verification-queue" aria-labelledby="verification-title">
    <h1 id="verification-title">${t('verify.queueTitle')}</h1>
    ${requests.length === 0 && html`<p class="muted">${t('verify.queueEmpty')}</p>`}
    <ul class="plain">
      ${requests.map(
        (r) => html`<li class="verification-request" data-id=${r.id}>
          <h2><a href=${`#/u/${r.user.handle}`}>@${r.user.handle}</a> · ${r.user.displayName} · ${t(`verified.${r.kind}`)}</h2>
          ${r.user.resembles && html`<p class="look-alike">${t('verify.resembles', { h: r.user.resembles.handle })}</p>`}
          <p class="evidence">${r.evidence}</p>
          <label>${t('verify.note')}<input class="note" maxlength="500" required value=${notes[r.id] ?? ''}
            onInput=${(e) => setNotes((n) => ({ ...n, [r.id]: e.target.value }))} /></label>
          <div class="actions">
            <button type="button" class="approve" disabled=${!(notes[r.id] ?? '').trim()} onClick=${() => decide(r, true)}>${t('verify.approve')}</button>
            <button type="button" class="secondary deny" disabled=${!(notes[r.id] ?? '').trim()} onClick=${() => decide(r, false)}>${t('verify.deny')}</button>
          </div>
        </li>`,
      )}
    </ul>
  </section>`;
}

const AGE_CHECKS = `query AgeChecks { ageCheckQueue(first: 50) { edges { node { id claimedBirthDate evidence submittedAt createdAt
  user { handle displayName } } } } }`;
const DECIDE_AGE = `mutation DecideAge($id: ID!, $birthDate: Date!, $note: String!) { decideAgeCheck(id: $id, birthDate: $birthDate, note: $note) { status } }`;

/** Whole years from `birthDate` to today, or null for an unreadable date. */
function yearsSince(birthDate) {
  const [year, month, day] = (birthDate ?? '').split('-').map(Number);
  if (!year || !month || !day) return null;
  const today = new Date();
  const birthdayPassed = today.getMonth() + 1 > month || (today.getMonth() + 1 === month && today.getDate() >= day);
  return today.getFullYear() - year - (birthdayPassed ? 0 : 1);
}

/** What a decision with this birth date will do, said before the admin makes it. */
function outcomeOf(birthDate) {
  const age = yearsSince(birthDate);
  if (age === null) return null;
  return age < 13 ? 'UNDER_13' : age < 18 ? 'CONFIRMED_TEEN' : 'CONFIRMED_ADULT';
}

/** Accounts locked for an age check, oldest first: each decided with the birth date the admin confirmed. */
export function AgeCheckQueue() {
  const { signedIn, me } = useStore();
  const queue = useQuery(AGE_CHECKS, {}, [signedIn]);
  const [drafts, setDrafts] = useState({});
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (!me || (queue.loading && !queue.data)) return html`<${Loading} />`;
  if (!hasRole('ADMIN')) return html`<${ErrorNote} error=${{ code: 'FORBIDDEN' }} />`;
  if (queue.error) return html`<${ErrorNote} error=${queue.error} onRetry=${queue.reload} />`;
  const checks = queue.data.ageCheckQueue.edges.map((edge) => edge.node);
  const draft = (check) => ({ birthDate: check.claimedBirthDate ?? '', note: '', ...drafts[check.id] });
  const edit = (check, change) => setDrafts((all) => ({ ...all, [check.id]: { ...draft(check), ...change } }));
  const decide = async (check) => {
    const { birthDate, note } = draft(check);
    const result = await act(DECIDE_AGE, { id: check.id, birthDate, note: note.trim() });
    if (result) {
      notify(t(`ageCheck.decided.${result.decideAgeCheck.status}`, { h: check.user.handle }));
      queue.reload();
    }
  };
  return html`<section class="panel age-check-queue" aria-labelledby="age-queue-title">
    <h1 id="age-queue-title">${t('ageCheck.queueTitle')}</h1>
    <p class="muted">${t('ageCheck.queueHint')}</p>
    ${checks.length === 0 && html`<p class="muted">${t('ageCheck.queueEmpty')}</p>`}
    <ul class="plain">
      ${checks.map((check) => {
        const { birthDate, note } = draft(check);
        const outcome = outcomeOf(birthDate);
        return html`<li class="age-check-item" data-id=${check.id}>
          <h2>@${check.user.handle} · ${check.user.displayName}</h2>
          ${check.submittedAt
            ? html`<p>${t('ageCheck.claimed', { d: formatDate(check.claimedBirthDate, false), at: formatDate(check.submittedAt) })}</p>
                <p class="evidence">${check.evidence}</p>`
            : html`<p class="muted">${t('ageCheck.notAnswered', { at: formatDate(check.createdAt) })}</p>`}
          <label>${t('ageCheck.confirmedDate')}<input type="date" class="birth-date" value=${birthDate}
            onInput=${(e) => edit(check, { birthDate: e.target.value })} /></label>
          ${outcome && html`<p class=${`outcome ${outcome === 'UNDER_13' ? 'error' : 'muted'}`} role="note">${t(`ageCheck.outcome.${outcome}`)}</p>`}
          <label>${t('ageCheck.note')}<input class="note" maxlength="2000" value=${note}
            onInput=${(e) => edit(check, { note: e.target.value })} /></label>
          <button type="button" class=${outcome === 'UNDER_13' ? 'danger decide' : 'decide'} disabled=${!outcome || !note.trim()}
            onClick=${() => decide(check)}>${t(outcome === 'UNDER_13' ? 'ageCheck.decideDelete' : 'ageCheck.decide')}</button>
        </li>`;
      })}
    </ul>
  </section>`;
}

const WAITING = `query Waiting { verificationQueue(first: 50) { edges { cursor } pageInfo { hasNextPage } }
  ageCheckQueue(first: 50) { edges { cursor } pageInfo { hasNextPage } } }`;

/** How many wait in a queue's first page: "50+" when more follow. */
function waiting(connection) {
  return `${connection.edges.length}${connection.pageInfo.hasNextPage ? '+' : ''}`;
}

/** The admin's screens in one place, each with what waits in it: one link in the header instead of three. */
export function AdminHome() {
  const { signedIn, me } = useStore();
  const queues = useQuery(WAITING, {}, [signedIn]);
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (!me || (queues.loading && !queues.data)) return html`<${Loading} />`;
  if (!hasRole('ADMIN')) return html`<${ErrorNote} error=${{ code: 'FORBIDDEN' }} />`;
  if (queues.error) return html`<${ErrorNote} error=${queues.error} onRetry=${queues.reload} />`;
  const screens = [
    ['#/admin/verification', 'nav.verification', waiting(queues.data.verificationQueue)],
    ['#/admin/age-checks', 'nav.ageChecks', waiting(queues.data.ageCheckQueue)],
    ['#/admin/policy', 'nav.policyAdmin', null],
  ];
  return html`<section class="panel admin-home" aria-labelledby="admin-home-title">
    <h1 id="admin-home-title">${t('nav.admin')}</h1>
    <ul class="plain">
      ${screens.map(([href, label, count]) => html`<li><a href=${href}>${t(label)}</a>
        ${count !== null && html` <span class="pill">${t('admin.waiting', { n: count })}</span>`}</li>`)}
    </ul>
  </section>`;
}
