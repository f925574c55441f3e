// Signing up (with the age gate), signing in and out, appeals for suspended
// accounts, the age check of a locked one, and public profiles.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { Icon } from '../icons.js';
import { deviceTokenFor, forgetSession, gql, keepSession, refreshToken, rememberDevice } from '../api.js';
import { notify, store, useStore } from '../store.js';
import { formatDate, formatNumber, t } from '../i18n.js';
import { ErrorNote, fieldErrors, Loading, ReportDialog, TagChips, act, useQuery } from '../ui.js';
import { pendingIntent } from '../intent.js';

export const ME_FIELDS = `user { id handle displayName } email role ageBand birthDate timezone locale
  settings { privateAccount personalizedFeed commentPolicy restrictedMode }
  screenTime { date usedMinutes limitMinutes extraMinutes remainingMinutes limitReached inTimeAway }
  consent { acceptedVersion currentVersion upToDate }`;

const DEMO = [
  ['lan@demo.trustfeed.vn', 'USER'],
  ['minh@demo.trustfeed.vn', 'USER · guardian'],
  ['an@demo.trustfeed.vn', 'USER · 14'],
  ['bong@demo.trustfeed.vn', 'USER · age check'],
  ['moderator@demo.trustfeed.vn', 'MODERATOR'],
  ['analyst@demo.trustfeed.vn', 'ANALYST'],
  ['admin@demo.trustfeed.vn', 'ADMIN'],
];
const DEMO_PASSWORD = 'motlanthu2023';
const DEMO_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
/** A development instance, with the demo data: the app offers its shortcuts. */
export const onDemoHost = () => DEMO_HOSTS.includes(location.hostname);

function signedIn(payload) {
  // Signing in as someone else ends the session this browser held.
  const previous = refreshToken();
  if (previous) gql(`mutation End($token: String!) { logOut(refreshToken: $token) }`, { token: previous }, { anonymous: true }).catch(() => {});
  keepSession(payload);
  // The account's language wins over this browser's last choice.
  store.set({ me: payload.me, lang: payload.me.locale === 'en' ? 'en' : 'vi' });
  const name = payload.me.user.displayName;
  notify(payload.deletionCancelled ? t('auth.deletionCancelled', { name }) : t('auth.welcome', { name }));
  // Back to the video whose like, report or "not interested" sent them here.
  location.hash = pendingIntent()?.back ?? '#/';
}

function Field({ label, name, hint, errors, ...input }) {
  const id = `field-${name}`;
  const problem = errors?.[name];
  return html`<label for=${id}>${label}
    <input id=${id} name=${name} aria-invalid=${problem ? 'true' : null} aria-describedby=${hint || problem ? `${id}-hint` : null} ...${input} />
    ${(hint || problem) && html`<small id=${`${id}-hint`} class=${problem ? 'field-error' : 'muted'}>${problem ? [].concat(problem).join(' ') : hint}</small>`}
  </label>`;
}

export function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await gql(`mutation LogIn($email: String!, $password: String!, $deviceToken: String) {
        logIn(email: $email, password: $password, deviceToken: $deviceToken) { accessToken refreshToken deviceToken deletionCancelled me { ${ME_FIELDS} } } }`,
        { email, password, deviceToken: deviceTokenFor(email) }, { anonymous: true });
      rememberDevice(email, data.logIn.deviceToken);
      signedIn(data.logIn);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const intent = pendingIntent();
  return html`<section class="panel narrow" aria-labelledby="signin-title">
    <h1 id="signin-title">${t('auth.signIn')}</h1>
    ${intent && html`<p class="intent" role="note">${t(`intent.why.${intent.action}`, { title: intent.title })}</p>`}
    <form onSubmit=${submit}>
      <${Field} label=${t('auth.email')} name="email" type="email" autocomplete="email" required value=${email} onInput=${(e) => setEmail(e.target.value)} />
      <${Field} label=${t('auth.password')} name="password" type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)} />
      ${error?.code === 'ACCOUNT_SUSPENDED'
        ? html`<${Suspended} error=${error} />`
        : error?.code === 'AGE_CHECK_REQUIRED'
          ? html`<${AgeCheck} error=${error} />`
        : error?.code === 'UNAUTHENTICATED'
          ? html`<p class="error" role="alert" data-code="UNAUTHENTICATED">${t('auth.wrongCredentials')}</p>`
          : html`<${ErrorNote} error=${error} />`}
      <button type="submit" disabled=${busy}>${t('auth.signIn')}</button>
    </form>
    <p>${t('auth.noAccount')} <a href="#/signup">${t('nav.signUp')}</a></p>
    ${onDemoHost() &&
    html`<details class="demo">
      <summary>${t('auth.demoAccounts', { p: DEMO_PASSWORD })}</summary>
      <ul>${DEMO.map(([address, role]) => html`<li><button type="button" class="link" onClick=${() => { setEmail(address); setPassword(DEMO_PASSWORD); }}>${address}</button> <span class="muted">${role}</span></li>`)}</ul>
    </details>`}
  </section>`;
}

/** A suspended or banned account: the reason, and the way to appeal. */
function Suspended({ error }) {
  const until = error.extensions.until;
  return html`<div class="error" role="alert" data-code="ACCOUNT_SUSPENDED">
    <p>${until ? t('auth.suspended', { until: formatDate(until) }) : t('auth.banned')}</p>
    <${Appeal} token=${error.extensions.appealToken} caseId=${error.extensions.caseId} />
  </div>`;
}

/** The one appeal a locked account may make of the decision, with the token signing in gave. */
function Appeal({ token, caseId, open = true }) {
  const [message, setMessage] = useState('');
  const [sent, setSent] = useState(false);
  const [failure, setFailure] = useState(null);
  if (!token || !caseId) return null;
  const appeal = async () => {
    try {
      await gql(`mutation Appeal($caseId: ID!, $message: String!) { appealDecision(caseId: $caseId, message: $message) { id status } }`, { caseId, message }, { token });
      setSent(true);
    } catch (problem) {
      // One appeal per decision: a second one means it was already sent.
      if (problem.code === 'CONFLICT') setSent(true);
      else setFailure(problem);
    }
  };
  if (sent) return html`<p class="ok">${t('auth.appealSent')}</p>`;
  return html`<details class="appeal" open=${open}>
    <summary><h2>${t('auth.appealTitle')}</h2></summary>
    <p class="muted">${t('auth.appealHint')}</p>
    <label>${t('auth.appealTitle')}<textarea maxlength="2000" value=${message} onInput=${(e) => setMessage(e.target.value)}></textarea></label>
    <${ErrorNote} error=${failure} />
    <button type="button" disabled=${!message.trim()} onClick=${appeal}>${t('auth.appealSend')}</button>
  </details>`;
}

/** An account locked until its owner's age is confirmed: why, the answer (once), and the appeal. */
function AgeCheck({ error }) {
  const token = error.extensions.ageCheckToken;
  const [birthDate, setBirthDate] = useState('');
  const [evidence, setEvidence] = useState('');
  const [submittedAt, setSubmittedAt] = useState(error.extensions.submittedAt);
  const [failure, setFailure] = useState(null);
  const submit = async () => {
    setFailure(null);
    try {
      const data = await gql(`mutation Answer($birthDate: Date!, $evidence: String!) { submitAgeCheck(birthDate: $birthDate, evidence: $evidence) { submittedAt } }`,
        { birthDate, evidence }, { token });
      setSubmittedAt(data.submitAgeCheck.submittedAt);
    } catch (problem) {
      setFailure(problem);
    }
  };
  return html`<section class="age-check" data-code="AGE_CHECK_REQUIRED" aria-labelledby="age-check-title">
    <h2 id="age-check-title">${t('ageCheck.title')}</h2>
    <p>${t('ageCheck.why')}</p>
    ${submittedAt
      ? html`<p class="ok submitted">${t('ageCheck.submitted', { at: formatDate(submittedAt) })}</p>`
      : token && html`<div class="age-check-form">
          <${Field} label=${t('auth.birthDate')} name="birthDate" type="date" value=${birthDate} onInput=${(e) => setBirthDate(e.target.value)} />
          <label for="age-evidence">${t('ageCheck.evidence')}
            <textarea id="age-evidence" name="evidence" maxlength="2000" value=${evidence} onInput=${(e) => setEvidence(e.target.value)}></textarea></label>
          <${ErrorNote} error=${failure} />
          <button type="button" class="send-age-check" disabled=${!birthDate || !evidence.trim()} onClick=${submit}>${t('ageCheck.send')}</button>
        </div>`}
    <${Appeal} token=${token} caseId=${error.extensions.caseId} open=${false} />
  </section>`;
}

/** Age in whole years at today's date, or null for an unreadable date. */
function ageOn(birthDate) {
  const born = new Date(`${birthDate}T00:00:00`);
  if (Number.isNaN(born.getTime())) return null;
  const today = new Date();
  let age = today.getFullYear() - born.getFullYear();
  if (today.getMonth() < born.getMonth() || (today.getMonth() === born.getMonth() && today.getDate() < born.getDate())) age -= 1;
  return age;
}

export function SignUp() {
  const policy = useQuery(`query { privacyPolicy { version summary summaryVi } }`, {});
  const [form, setForm] = useState({ handle: '', displayName: '', email: '', password: '', birthDate: '', accepted: false });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (event) => {
    const value = event.target.type === 'checkbox' ? event.target.checked : event.target.value;
    setForm((previous) => ({ ...previous, [name]: value }));
  };
  const age = form.birthDate ? ageOn(form.birthDate) : null;
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input = {
        handle: form.handle.trim(),
        displayName: form.displayName.trim(),
        email: form.email.trim(),
        password: form.password,
        birthDate: form.birthDate,
        acceptedPolicyVersion: policy.data.privacyPolicy.version,
        locale: store.get().lang,
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'Asia/Ho_Chi_Minh',
      };
      const data = await gql(`mutation SignUp($input: SignUpInput!) {
        signUp(input: $input) { accessToken refreshToken deviceToken me { ${ME_FIELDS} } } }`, { input }, { anonymous: true });
      rememberDevice(input.email, data.signUp.deviceToken);
      signedIn(data.signUp);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  if (policy.loading) return html`<${Loading} />`;
  if (policy.error) return html`<${ErrorNote} error=${policy.error} onRetry=${policy.reload} />`;
  const version = policy.data.privacyPolicy.version;
  const errors = fieldErrors(error);
  return html`<section class="panel narrow" aria-labelledby="signup-title">
    <h1 id="signup-title">${t('auth.signUp')}</h1>
    <form onSubmit=${submit}>
      <${Field} label=${t('auth.handle')} name="handle" hint=${t('auth.handleHint')} errors=${errors} required minlength="3" maxlength="24" pattern="[a-z0-9._]+" autocomplete="username" value=${form.handle} onInput=${set('handle')} />
      <${Field} label=${t('auth.displayName')} name="displayName" errors=${errors} required maxlength="50" autocomplete="nickname" value=${form.displayName} onInput=${set('displayName')} />
      <${Field} label=${t('auth.email')} name="email" type="email" errors=${errors} required autocomplete="email" value=${form.email} onInput=${set('email')} />
      <${Field} label=${t('auth.password')} name="password" type="password" hint=${t('auth.passwordHint')} errors=${errors} required minlength="10" maxlength="128" autocomplete="new-password" value=${form.password} onInput=${set('password')} />
      <${Field} label=${t('auth.birthDate')} name="birthDate" type="date" hint=${t('auth.birthDateHint')} errors=${errors} required value=${form.birthDate} onInput=${set('birthDate')} />
      ${age !== null && age >= 13 && age < 18 &&
      html`<aside class="teen-defaults" role="note"><strong>${t('auth.teenDefaultsTitle')}</strong><p>${t('auth.teenDefaults')}</p></aside>`}
      <label class="check"><input type="checkbox" name="accepted" required checked=${form.accepted} onChange=${set('accepted')} /> ${t('auth.acceptPolicy', { v: version })}
        <a href="#/privacy" target="_blank">${t('auth.readPolicy')}</a></label>
      ${error?.code === 'AGE_RESTRICTED' ? html`<p class="neutral" role="alert" data-code="AGE_RESTRICTED">${t('auth.ageRefused')}</p>` : html`<${ErrorNote} error=${error} showFields=${false} />`}
      <button type="submit" disabled=${busy}>${t('auth.signUp')}</button>
    </form>
    <p>${t('auth.haveAccount')} <a href="#/signin">${t('nav.signIn')}</a></p>
  </section>`;
}

export async function signOut() {
  const token = refreshToken();
  if (token) {
    try {
      await gql(`mutation LogOut($token: String!) { logOut(refreshToken: $token) }`, { token });
    } catch {
      // The session ends here either way; the server forgets it on expiry.
    }
  }
  forgetSession();
  notify(t('auth.signedOut'));
  location.hash = '#/';
}

const PROFILE = `query Profile($handle: String!) {
  user(handle: $handle) { id handle displayName verified verifiedKind bio isPrivate followerCount followingCount viewerFollowStatus
    resembles { handle displayName } }
  contents(filter: { authorHandle: $handle }, first: 12) { edges { node { id title tags { slug label labelVi pillar } } } }
}`;

/** The verified badge, with what the account is. */
export function Badge({ kind }) {
  if (!kind) return null;
  return html`<span class="verified-badge">✔ ${t(`verified.${kind}`)}</span>`;
}

export function Profile({ handle }) {
  const { me } = useStore();
  const { data, error, loading, reload } = useQuery(PROFILE, { handle }, [handle]);
  const [reporting, setReporting] = useState(false);
  // Your own profile's tools (editing it, asking for the badge) load when first needed.
  const mine = Boolean(me && data?.user && me.user.id === data.user.id);
  const [Tools, setTools] = useState(null);
  useEffect(() => {
    if (mine && !Tools) import('./identity.js').then((module) => setTools(() => module.OwnProfileTools));
  }, [mine]);
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorNote} error=${error} onRetry=${reload} />`;
  const user = data.user;
  if (!user) return html`<p class="muted">${t('profile.notFound')}</p>`;
  const following = user.viewerFollowStatus !== 'NONE';
  const toggleFollow = async () => {
    if (!store.get().signedIn) {
      location.hash = '#/signin';
      return;
    }
    const op = following ? 'unfollow' : 'follow';
    if (await act(`mutation Follow($id: ID!) { ${op}(userId: $id) { id } }`, { id: user.id })) reload();
  };
  return html`<section class="panel" aria-labelledby="profile-title">
    ${user.resembles &&
    html`<p class="look-alike" role="note">
      ${t('profile.notThem', { name: user.resembles.displayName })}${' '}<a href=${`#/u/${user.resembles.handle}`}>@${user.resembles.handle}</a>
    </p>`}
    <h1 id="profile-title">${user.displayName} <${Badge} kind=${user.verifiedKind} /></h1>
    <p class="muted">@${user.handle} ${user.isPrivate ? html`· <${Icon} name="lock" size="14" /> ${t('profile.private')}` : ''}</p>
    ${user.bio && html`<p class="bio">${user.bio}</p>`}
    <p>${t('profile.followers', { n: user.followerCount })} · ${t('profile.following', { n: formatNumber(user.followingCount) })}</p>
    <div class="actions">
      <button type="button" onClick=${toggleFollow}>
        ${user.viewerFollowStatus === 'FOLLOWING' ? t('profile.unfollow') : user.viewerFollowStatus === 'REQUESTED' ? t('profile.requested') : t('profile.follow')}
      </button>
      ${store.get().signedIn && html`<button type="button" class="secondary report" onClick=${() => setReporting(true)}><${Icon} name="flag" /> ${t('profile.report')}</button>`}
    </div>
    <h2>${t('profile.videos')}</h2>
    <ul class="plain">
      ${data.contents.edges.map(({ node }) => html`<li><a href=${`#/?q=${encodeURIComponent(node.title)}`}>${node.title}</a> <${TagChips} tags=${node.tags} /></li>`)}
    </ul>
    ${reporting && html`<${ReportDialog} targetType="USER" targetId=${user.id} onClose=${() => setReporting(false)} />`}
    ${mine && Tools && html`<${Tools} user=${user} onSaved=${(next) => (next === user.handle ? reload() : (location.hash = `#/u/${next}`))} />`}
  </section>`;
}
