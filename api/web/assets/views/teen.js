// What a teen sees when the server says "not now": a calm full screen for
// time away and for a used-up daily limit, with "ask for more time".
import { html, useState } from '../vendor/preact-htm.js';
import { Icon } from '../icons.js';
import { useStore } from '../store.js';
import { formatTime, t } from '../i18n.js';
import { act } from '../ui.js';

const GATES = ['TIME_AWAY', 'SCREEN_TIME_LIMIT_REACHED'];

/** Whether an error is a screen-time state rather than a failure. */
export function isGate(error) {
  return Boolean(error && GATES.includes(error.code));
}

export function ScreenTimeGate({ error, onRetry }) {
  const away = error.code === 'TIME_AWAY';
  return html`<section class="gate" role="alertdialog" aria-labelledby="gate-title" data-gate=${error.code}>
    <div class="gate-inner">
      <span class="gate-icon"><${Icon} name=${away ? 'moon' : 'hourglass'} size="64" /></span>
      <h1 id="gate-title">${away ? t('timeAway.title') : t('limit.title', { n: error.extensions.limitMinutes ?? '' })}</h1>
      <p>${away ? t('timeAway.body', { until: formatTime(error.extensions.endsAt) }) : t('limit.body')}</p>
      ${away ? html`<p class="muted">${t('timeAway.tip')}</p>` : html`<${AskForMoreTime} />`}
      <button type="button" class="secondary" onClick=${onRetry}>${t('limit.retry')}</button>
    </div>
  </section>`;
}

function AskForMoreTime() {
  const [minutes, setMinutes] = useState(15);
  const [reason, setReason] = useState('');
  const [sent, setSent] = useState(false);
  const ask = async (event) => {
    event.preventDefault();
    const done = await act(`mutation Ask($minutes: Int!, $reason: String) { requestMoreTime(minutes: $minutes, reason: $reason) { id status } }`, {
      minutes,
      reason: reason.trim() || null,
    });
    if (done) setSent(true);
  };
  if (sent) return html`<p class="ok" role="status">${t('limit.asked')}</p>`;
  return html`<form class="ask-time" onSubmit=${ask}>
    <fieldset>
      <legend>${t('limit.ask')}</legend>
      ${[15, 30, 60].map(
        (n) => html`<label class="radio"><input type="radio" name="minutes" value=${n} checked=${minutes === n} onChange=${() => setMinutes(n)} /> ${t('limit.minutes', { n })}</label>`,
      )}
    </fieldset>
    <label>${t('limit.reason')}<input name="reason" maxlength="200" value=${reason} onInput=${(e) => setReason(e.target.value)} /></label>
    <button type="submit">${t('limit.ask')}</button>
  </form>`;
}

/** The header's "minutes left today" for anyone under a limit. */
export function MinutesLeft() {
  const { me } = useStore();
  const status = me?.screenTime;
  if (!status || me.ageBand === 'ADULT' || status.remainingMinutes === null || status.remainingMinutes === undefined) return null;
  return html`<span class="minutes-left" role="status" data-remaining=${status.remainingMinutes}><${Icon} name="timer" size="16" /> ${t('teen.minutesLeft', { n: status.remainingMinutes })}</span>`;
}
