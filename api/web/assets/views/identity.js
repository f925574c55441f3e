// Your own profile's tools: changing your handle, name and bio, and asking
// for the verified badge. Loaded when you first open your own profile.
import { html, useState } from '../vendor/preact-htm.js';
import { notify } from '../store.js';
import { formatDate, t } from '../i18n.js';
import { act, useQuery } from '../ui.js';
import { reloadMe } from './privacy.js';

const UPDATE = `mutation Update($input: UpdateProfileInput!) { updateProfile(input: $input) { user { handle } } }`;
const REQUESTS = `query Mine { myVerificationRequests { id kind status note createdAt decidedAt } }`;
const REQUEST = `mutation Ask($kind: VerificationKind!, $evidence: String!) { requestVerification(kind: $kind, evidence: $evidence) { id } }`;
const KINDS = ['CREATOR', 'ORGANISATION', 'PUBLIC_FIGURE'];

export function OwnProfileTools({ user, onSaved }) {
  return html`<div class="own-profile">
    <p><a class="button secondary" href="#/comments">${t('kind.title')}</a></p>
    <${EditProfile} user=${user} onSaved=${onSaved} />
    <${AskForBadge} user=${user} />
  </div>`;
}

function EditProfile({ user, onSaved }) {
  const [form, setForm] = useState({ handle: user.handle, displayName: user.displayName, bio: user.bio ?? '' });
  const field = (key) => (event) => setForm((f) => ({ ...f, [key]: event.target.value }));
  const save = async (event) => {
    event.preventDefault();
    const input = { bio: form.bio };
    if (form.handle !== user.handle) input.handle = form.handle;
    if (form.displayName !== user.displayName) input.displayName = form.displayName;
    const changed = await act(UPDATE, { input });
    if (!changed) return;
    notify(t('profile.saved'));
    reloadMe();
    onSaved(changed.updateProfile.user.handle);
  };
  return html`<form class="panel edit-profile" onSubmit=${save}>
    <h2>${t('profile.edit')}</h2>
    ${user.verifiedKind && html`<p class="muted">${t('profile.renameLosesBadge')}</p>`}
    <label>${t('field.handle')}<input id="profile-handle" maxlength="24" required value=${form.handle} onInput=${field('handle')} /></label>
    <p class="muted">${t('profile.handleEvery30')}</p>
    <label>${t('field.displayName')}<input id="profile-displayName" maxlength="50" required value=${form.displayName} onInput=${field('displayName')} /></label>
    <label>${t('profile.bio')}<textarea id="profile-bio" maxlength="160" value=${form.bio} onInput=${field('bio')}></textarea></label>
    <button type="submit">${t('profile.save')}</button>
  </form>`;
}

function AskForBadge({ user }) {
  const mine = useQuery(REQUESTS, {});
  const [kind, setKind] = useState('CREATOR');
  const [evidence, setEvidence] = useState('');
  const requests = mine.data?.myVerificationRequests ?? [];
  const waiting = requests.some((r) => r.status === 'PENDING');
  const ask = async (event) => {
    event.preventDefault();
    if (await act(REQUEST, { kind, evidence })) {
      notify(t('verify.sent'));
      setEvidence('');
      mine.reload();
    }
  };
  return html`<section class="panel ask-badge" aria-labelledby="ask-badge-title">
    <h2 id="ask-badge-title">${t('verify.title')}</h2>
    <p class="muted">${t('verify.why')}</p>
    <ul class="plain">
      ${requests.map(
        (r) => html`<li class="verification-request" data-status=${r.status}>
          ${t(`verified.${r.kind}`)} · ${t(`verify.status.${r.status}`)} · ${formatDate(r.decidedAt ?? r.createdAt, false)}${r.note ? `: “${r.note}”` : ''}
        </li>`,
      )}
    </ul>
    ${!user.verifiedKind && !waiting &&
    html`<form onSubmit=${ask}>
      <label>${t('verify.kind')}
        <select value=${kind} onChange=${(e) => setKind(e.target.value)}>
          ${KINDS.map((k) => html`<option value=${k}>${t(`verified.${k}`)}</option>`)}
        </select>
      </label>
      <label>${t('verify.evidence')}
        <textarea id="verify-evidence" minlength="20" maxlength="1000" required value=${evidence} onInput=${(e) => setEvidence(e.target.value)}></textarea>
      </label>
      <button type="submit">${t('verify.send')}</button>
    </form>`}
  </section>`;
}
