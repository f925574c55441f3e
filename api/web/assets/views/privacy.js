// The privacy centre: the policy in both languages, consent and its history,
// privacy settings, downloading my data and deleting the account.
import { html, useState } from '../vendor/preact-htm.js';
import { Icon } from '../icons.js';
import { forgetSession, gql } from '../api.js';
import { notify, store, useStore } from '../store.js';
import { formatDate, t } from '../i18n.js';
import { act, download, ErrorNote, Loading, useQuery } from '../ui.js';
import { ME_FIELDS } from './account.js';

const POLICY = `query Policy { privacyPolicy { version publishedAt summary summaryVi body bodyVi } }`;

/** Reloads the viewer, so banners and limits follow what changed. */
export async function reloadMe() {
  if (!store.get().signedIn) return;
  try {
    const data = await gql(`query Me { me { ${ME_FIELDS} } }`);
    store.set({ me: data.me });
  } catch {
    // The screens that need `me` show their own errors.
  }
}

export function ConsentBanner() {
  const { me } = useStore();
  if (!me || me.consent.upToDate) return null;
  return html`<aside class="consent-banner" role="alert">
    <p>${t('privacy.banner', { v: me.consent.currentVersion })}</p>
    <a class="button" href="#/privacy">${t('privacy.bannerCta')}</a>
  </aside>`;
}

export function Privacy() {
  const { lang, me, signedIn } = useStore();
  const policy = useQuery(POLICY, {});
  const [shown, setShown] = useState(null);
  if (policy.loading && !policy.data) return html`<${Loading} />`;
  if (policy.error) return html`<${ErrorNote} error=${policy.error} onRetry=${policy.reload} />`;
  const p = policy.data.privacyPolicy;
  const inVietnamese = (shown ?? lang) === 'vi';
  const accept = async () => {
    if (await act(`mutation Accept($v: Int!) { acceptPrivacyPolicy(version: $v) { upToDate } }`, { v: p.version })) {
      notify(t('privacy.accepted'));
      reloadMe();
    }
  };
  return html`<div class="privacy">
    <section class="panel policy" aria-labelledby="policy-title">
      <h1 id="policy-title">${t('privacy.policy', { v: p.version })}</h1>
      <p class="muted">${t('privacy.published', { d: formatDate(p.publishedAt, false) })}
        <span class="toggle">
          <button type="button" aria-pressed=${inVietnamese} onClick=${() => setShown('vi')}>${t('privacy.showVi')}</button>
          <button type="button" aria-pressed=${!inVietnamese} onClick=${() => setShown('en')}>${t('privacy.showEn')}</button>
        </span></p>
      <p lang=${inVietnamese ? 'vi' : 'en'}><strong>${inVietnamese ? p.summaryVi : p.summary}</strong></p>
      <div class="policy-body" lang=${inVietnamese ? 'vi' : 'en'}>${(inVietnamese ? p.bodyVi : p.body).split(/\n+/).map((para) => html`<p>${para}</p>`)}</div>
      ${me && !me.consent.upToDate && html`<button type="button" class="accept-policy" onClick=${accept}>${t('privacy.accept', { v: p.version })}</button>`}
      ${me?.consent.upToDate && html`<p class="ok">${t('privacy.accepted')}</p>`}
    </section>
    ${!signedIn && html`<p class="muted">${t('privacy.signInFor')}</p>`}
    ${signedIn && me && html`<${Consents} /><${Settings} me=${me} /><${DataRights} me=${me} />`}
  </div>`;
}

function Consents() {
  const { me } = useStore();
  // Read again when the accepted version changes (accepting above).
  const { data } = useQuery(`query Consents { me { consent { history { version acceptedAt } } } }`, {}, [me?.consent.acceptedVersion]);
  const history = data?.me?.consent.history ?? [];
  return html`<section class="panel" aria-labelledby="history-title">
    <h2 id="history-title">${t('privacy.history')}</h2>
    <ul class="plain consent-history">${history.map((c) => html`<li>${t('privacy.historyLine', { v: c.version, d: formatDate(c.acceptedAt) })}</li>`)}</ul>
  </section>`;
}

function Settings({ me }) {
  const [form, setForm] = useState(me.settings);
  const [error, setError] = useState(null);
  const teen = me.ageBand !== 'ADULT';
  const save = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const input = { ...form };
      if (teen) delete input.restrictedMode;
      const data = await gql(`mutation Save($input: PrivacySettingsInput!) { updatePrivacySettings(input: $input) { privateAccount personalizedFeed commentPolicy restrictedMode } }`, { input });
      store.set({ me: { ...store.get().me, settings: data.updatePrivacySettings } });
      notify(t('privacy.saved'));
    } catch (failure) {
      setError(failure);
    }
  };
  const toggle = (name) => (event) => {
    const on = event.target.checked;
    setForm((previous) => ({ ...previous, [name]: on }));
  };
  return html`<section class="panel" aria-labelledby="settings-title">
    <h2 id="settings-title">${t('privacy.settings')}</h2>
    <form onSubmit=${save}>
      <label class="check"><input type="checkbox" name="privateAccount" checked=${form.privateAccount} onChange=${toggle('privateAccount')} /> ${t('privacy.privateAccount')}</label>
      <label class="check"><input type="checkbox" name="personalizedFeed" checked=${form.personalizedFeed} onChange=${toggle('personalizedFeed')} /> ${t('privacy.personalizedFeed')}</label>
      <label class="check"><input type="checkbox" name="restrictedMode" checked=${form.restrictedMode} disabled=${teen} onChange=${toggle('restrictedMode')} /> ${t('privacy.restrictedMode')}
        ${teen && html`<small class="muted"> ${t('privacy.restrictedTeen')}</small>`}</label>
      <label>${t('privacy.commentPolicy')}
        <select name="commentPolicy" value=${form.commentPolicy} onChange=${(e) => setForm((previous) => ({ ...previous, commentPolicy: e.target.value }))}>
          ${['EVERYONE', 'FOLLOWERS', 'NOBODY'].map((p) => html`<option value=${p}>${t(`commentPolicy.${p}`)}</option>`)}
        </select>
      </label>
      <${ErrorNote} error=${error} />
      <button type="submit">${t('privacy.save')}</button>
    </form>
  </section>`;
}

function DataRights({ me }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const exportData = async () => {
    const data = await act(`mutation { exportMyData }`);
    if (!data) return;
    const name = `trustfeed-${me.user.handle}.json`;
    download(name, JSON.stringify(data.exportMyData, null, 2));
    notify(t('privacy.exported', { f: name }));
  };
  const remove = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const data = await gql(`mutation Delete($password: String!) { deleteAccount(password: $password) { scheduledFor } }`, { password }, { checksPassword: true });
      forgetSession();
      notify(t('privacy.deleted', { d: formatDate(data.deleteAccount.scheduledFor, false) }));
      location.hash = '#/';
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<section class="panel" aria-labelledby="data-title">
    <h2 id="data-title">${t('privacy.export')}</h2>
    <p class="muted">${t('privacy.exportHint')}</p>
    <button type="button" class="export" onClick=${exportData}><${Icon} name="download" /> ${t('privacy.export')}</button>
    <h2>${t('privacy.delete')}</h2>
    <p class="muted">${t('privacy.deleteHint')}</p>
    <form class="inline" onSubmit=${remove}>
      <label for="delete-password">${t('privacy.deleteConfirm')}</label>
      <input id="delete-password" type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)} />
      <button type="submit" class="danger">${t('privacy.delete')}</button>
    </form>
    ${error?.code === 'UNAUTHENTICATED' ? html`<p class="error" role="alert" data-code="UNAUTHENTICATED">${t('privacy.wrongPassword')}</p>` : html`<${ErrorNote} error=${error} />`}
  </section>`;
}
