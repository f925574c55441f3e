// One small observable store for what every screen shares: the language,
// the signed-in viewer and the last notice shown.
import { useEffect, useState } from './vendor/preact-htm.js';

const LANG_KEY = 'trustfeed.lang';

function initialLang() {
  const saved = localStorage.getItem(LANG_KEY);
  return saved === 'en' || saved === 'vi' ? saved : 'vi';
}

let state = { lang: initialLang(), me: null, signedIn: false, notice: null, unread: 0 };
const listeners = new Set();

export const store = {
  get: () => state,
  set(change) {
    state = { ...state, ...change };
    if ('lang' in change) {
      localStorage.setItem(LANG_KEY, state.lang);
      document.documentElement.lang = state.lang;
    }
    listeners.forEach((listener) => listener(state));
  },
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

document.documentElement.lang = state.lang;

/** Re-renders the calling component whenever the store changes. */
export function useStore() {
  const [current, setCurrent] = useState(state);
  useEffect(() => store.subscribe(setCurrent), []);
  return current;
}

let noticeTimer;
/** A short message at the bottom of the screen, read out by screen readers. */
export function notify(text, kind = 'info') {
  clearTimeout(noticeTimer);
  store.set({ notice: { text, kind } });
  noticeTimer = setTimeout(() => store.set({ notice: null }), 6000);
}
