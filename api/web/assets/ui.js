// Pieces every screen uses: data loading, errors in the user's language,
// dialogs, tag chips and the report form.
import { html, useCallback, useEffect, useRef, useState } from './vendor/preact-htm.js';
import { gql } from './api.js';
import { notify, store, useStore } from './store.js';
import { dictionaries, t, tagLabel } from './i18n.js';

/** The API error in the user's language, by its code. */
export function errorText(error) {
  const code = error?.code ?? 'UNKNOWN';
  if (code === 'RATE_LIMITED') return t('error.RATE_LIMITED', { n: error.extensions?.retryAfterSeconds ?? 60 });
  const key = `error.${code}`;
  return key in dictionaries[store.get().lang] ? t(key) : t('error.UNKNOWN');
}

/** A field's name as the forms label it, when they have a label for it. */
function fieldLabel(field) {
  const key = `field.${field}`;
  return key in dictionaries[store.get().lang] ? t(key) : field;
}

/** Field messages of a BAD_USER_INPUT, keyed by field name. */
export function fieldErrors(error) {
  return error?.code === 'BAD_USER_INPUT' ? (error.extensions?.fields ?? {}) : {};
}

/** The error in words; `showFields` lists the fields at fault (off where the form shows them beside each field). */
export function ErrorNote({ error, onRetry, showFields = true }) {
  if (!error) return null;
  const fields = showFields ? Object.entries(fieldErrors(error)) : [];
  return html`<div class="error" role="alert" data-code=${error.code}>
    <p>${errorText(error)}</p>
    ${fields.length > 0 &&
    html`<ul>
      ${fields.map(([field, messages]) => html`<li>${t('error.field', { field: fieldLabel(field), message: [].concat(messages).join(' ') })}</li>`)}
    </ul>`}
    ${onRetry && html`<button type="button" onClick=${onRetry}>${t('common.retry')}</button>`}
  </div>`;
}

/**
 * Loads `query` and reloads it when `deps` change. Returns the data, the
 * error, whether it is loading, and a `reload` function.
 */
export function useQuery(query, variables, deps = []) {
  const [result, setResult] = useState({ data: null, error: null, loading: true });
  const generation = useRef(0);
  const load = useCallback(() => {
    const mine = ++generation.current;
    setResult((previous) => ({ ...previous, loading: true }));
    gql(query, variables).then(
      (data) => mine === generation.current && setResult({ data, error: null, loading: false }),
      (error) => mine === generation.current && setResult({ data: null, error, loading: false }),
    );
  }, deps);
  useEffect(load, [load]);
  return { ...result, reload: load };
}

/** Runs a mutation, showing its error as a notice; resolves to data or null. */
export async function act(query, variables) {
  try {
    return await gql(query, variables);
  } catch (error) {
    notify(errorText(error), 'error');
    return null;
  }
}

/** The verified mark after a name: a check that says what it means to screen readers and on hover. */
export function VerifiedMark({ user }) {
  if (!user?.verified) return null;
  return html`<span class="verified-mark" title=${t('verified.mark')}><span aria-hidden="true"> ✔</span><span class="visually-hidden">${t('verified.mark')}</span></span>`;
}

export function Loading() {
  return html`<p class="muted" role="status">${t('common.loading')}</p>`;
}

export function SignInNeeded() {
  return html`<section class="panel"><p>${t('common.signInNeeded')}</p>
    <p><a class="button" href="#/signin">${t('nav.signIn')}</a> <a class="button secondary" href="#/signup">${t('nav.signUp')}</a></p>
  </section>`;
}

/** A modal dialog on the native <dialog>, which traps focus and closes on Escape. */
export function Dialog({ title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    dialog.showModal();
    return () => dialog.open && dialog.close();
  }, []);
  return html`<dialog ref=${ref} class="dialog" aria-label=${title} onClose=${onClose} onCancel=${onClose}>
    <header><h2>${title}</h2><button type="button" class="icon" aria-label=${t('common.close')} onClick=${onClose}>✕</button></header>
    ${children}
  </dialog>`;
}

export const PILLARS = ['LEARN', 'DISCOVER', 'CONNECT', 'LAUGH', 'KINDNESS'];

export function TagChips({ tags }) {
  return html`<ul class="tags">
    ${tags.map((tag) => html`<li class=${`tag pillar-${tag.pillar.toLowerCase()}`} data-pillar=${tag.pillar}>#${tagLabel(tag)}</li>`)}
  </ul>`;
}

export const REPORT_REASONS = [
  'SPAM', 'SCAM_FRAUD', 'IMPERSONATION', 'BULLYING_HARASSMENT', 'HATE_SPEECH', 'VIOLENCE_DANGEROUS_ACTS',
  'SELF_HARM', 'MINOR_SAFETY', 'NUDITY_SEXUAL', 'MISINFORMATION', 'PRIVACY_VIOLATION', 'INTELLECTUAL_PROPERTY', 'OTHER',
  'UNDERAGE_USER',
];
/** Reasons that only an account can be reported for. */
const ACCOUNT_ONLY = ['UNDERAGE_USER'];

const FILE_REPORT = `mutation FileReport($input: FileReportInput!) { fileReport(input: $input) { id status } }`;

/** The report form for a video, an account or a comment. */
export function ReportDialog({ targetType, targetId, onClose }) {
  const { me } = useStore();
  const [reason, setReason] = useState('');
  const [details, setDetails] = useState('');
  const [notifyGuardian, setNotifyGuardian] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const isTeen = me && me.ageBand !== 'ADULT';
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const input = { targetType, targetId, reason, details: details.trim() || null };
      if (isTeen) input.notifyGuardian = notifyGuardian;
      await gql(FILE_REPORT, { input });
      notify(t('report.sent'));
      onClose(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${`${t('report.title')}: ${t(`target.${targetType}`)}`} onClose=${() => onClose(false)}>
    <form class="report-form" onSubmit=${submit}>
      <p class="muted">${t('report.intro')}</p>
      <fieldset>
        <legend>${t('report.reason')}</legend>
        ${REPORT_REASONS.filter((value) => targetType === 'USER' || !ACCOUNT_ONLY.includes(value)).map(
          (value) => html`<label class="radio">
            <input type="radio" name="reason" value=${value} checked=${reason === value} required onChange=${() => setReason(value)} />
            ${t(`reason.${value}`)}
          </label>`,
        )}
      </fieldset>
      <label>${reason === 'OTHER' ? t('report.detailsRequired') : t('report.details')}
        <textarea name="details" maxlength="1000" required=${reason === 'OTHER'} value=${details} onInput=${(e) => setDetails(e.target.value)}></textarea>
      </label>
      ${isTeen &&
      html`<label class="check"><input type="checkbox" name="notifyGuardian" checked=${notifyGuardian} onChange=${(e) => setNotifyGuardian(e.target.checked)} /> ${t('report.notifyGuardian')}</label>`}
      <${ErrorNote} error=${error} />
      <div class="actions">
        <button type="button" class="secondary" onClick=${() => onClose(false)}>${t('report.cancel')}</button>
        <button type="submit" disabled=${busy || !reason}>${t('report.send')}</button>
      </div>
    </form>
  <//>`;
}

/** Saves `text` as a downloaded file named `name`. */
export function download(name, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Whether the viewer holds one of `roles`. */
export function hasRole(...roles) {
  return roles.includes(store.get().me?.role);
}
