// What an anonymous visitor asked to do before signing in (like, report,
// "not interested"), kept for this tab so that signing in finishes it on
// the same video instead of dropping it.
const KEY = 'trustfeed.intent';

/** Remembers `action` on `content` and where to come back to. */
export function rememberIntent(action, content) {
  sessionStorage.setItem(KEY, JSON.stringify({ action, contentId: content.id, title: content.title, back: location.hash || '#/' }));
}

/** The pending intent, if any. */
export function pendingIntent() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return null;
  }
}

/** Takes the pending intent, so it is carried out once. */
export function takeIntent() {
  const intent = pendingIntent();
  sessionStorage.removeItem(KEY);
  return intent;
}
