// The app's way to the server: the public GraphQL API over HTTP (live
// updates are in `live.js`). It keeps the session, refreshes the access
// token quietly before it expires, and turns errors into `ApiError`s that
// carry the API's `extensions.code`.
import { store } from './store.js';

const SESSION_KEY = 'trustfeed.session';
/** Refresh when this share of the access token's life has passed. */
const REFRESH_AT = 0.8;

export class ApiError extends Error {
  constructor(error) {
    super(error.message ?? 'error');
    this.code = error.extensions?.code ?? 'UNKNOWN';
    this.extensions = error.extensions ?? {};
  }
}

function readSession() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
}

let session = readSession();
let refreshTimer;

/** The claims of a JWT, read (not verified: the server verifies). */
function claims(token) {
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(part));
}

/**
 * Keeps the tokens of an `AuthPayload`. The server's clock may differ from
 * the browser's, so times are kept relative: the token's life from its own
 * `iat`/`exp`, and the offset between the two clocks.
 */
export function keepSession(payload) {
  const { iat, exp } = claims(payload.accessToken);
  session = {
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    receivedAt: Date.now(),
    lifetimeMs: (exp - iat) * 1000,
    skewMs: iat * 1000 - Date.now(),
  };
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  scheduleRefresh();
  sessionChanged();
  store.set({ signedIn: true });
}

const DEVICES_KEY = 'trustfeed.devices';

/**
 * The device token each account last gave this browser, by email: sent with
 * `logIn`, it gives this device a sign-in budget of its own, so wrong
 * passwords tried elsewhere cannot lock its owner out. Kept across sign-outs.
 */
export function deviceTokenFor(email) {
  try {
    return JSON.parse(localStorage.getItem(DEVICES_KEY) ?? '{}')[email.trim().toLowerCase()] ?? null;
  } catch {
    return null;
  }
}

export function rememberDevice(email, token) {
  if (!token) return;
  let devices = {};
  try {
    devices = JSON.parse(localStorage.getItem(DEVICES_KEY) ?? '{}') ?? {};
  } catch {
    devices = {};
  }
  devices[email.trim().toLowerCase()] = token;
  localStorage.setItem(DEVICES_KEY, JSON.stringify(devices));
}

export function forgetSession() {
  session = null;
  clearTimeout(refreshTimer);
  localStorage.removeItem(SESSION_KEY);
  sessionChanged();
  store.set({ signedIn: false, me: null, unread: 0 });
}

export function refreshToken() {
  return session?.refreshToken ?? null;
}

/** The server's "now", as far as the browser can tell. */
export function serverNow() {
  return Date.now() + (session?.skewMs ?? 0);
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!session) return;
  const due = session.receivedAt + session.lifetimeMs * REFRESH_AT - Date.now();
  refreshTimer = setTimeout(() => refresh().catch(() => {}), Math.max(due, 0));
}

let refreshing = null;

/**
 * Trades the refresh token for a new pair. Refresh tokens work once, so tabs
 * take turns under a Web Lock and a tab that finds a newer session saved by
 * another tab uses that one instead of refreshing again.
 */
export function refresh() {
  if (!refreshing) {
    const used = session?.refreshToken;
    const run = async () => {
      const saved = readSession();
      if (saved && saved.refreshToken !== used) {
        session = saved;
        scheduleRefresh();
        return;
      }
      if (!used) throw new ApiError({ extensions: { code: 'UNAUTHENTICATED' } });
      const response = await send(
        `mutation Refresh($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken } }`,
        { token: used },
        null,
      );
      if (response.errors?.length) {
        forgetSession();
        throw new ApiError(response.errors[0]);
      }
      keepSession(response.data.refreshSession);
    };
    const locked = navigator.locks ? navigator.locks.request('trustfeed-refresh', run) : run();
    refreshing = locked.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function send(query, variables, token) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError({ message: 'network', extensions: { code: 'NETWORK' } });
  }
  try {
    return await response.json();
  } catch {
    throw new ApiError({ message: `HTTP ${response.status}`, extensions: { code: 'INTERNAL' } });
  }
}

/**
 * Runs one operation and returns its data, or throws the first error. An
 * expired access token is refreshed once and the operation sent again.
 *
 * Options: `token` sends that token instead of the session's (an appeal
 * token); `anonymous` sends none (signing in); `checksPassword` marks an
 * operation whose UNAUTHENTICATED means a wrong password, not an expired
 * token, so it is never retried.
 */
export async function gql(query, variables = {}, { token, anonymous = false, checksPassword = false } = {}) {
  let response = await send(query, variables, anonymous ? null : (token ?? session?.accessToken));
  const expired = response.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
  if (expired && session && !token && !anonymous && !checksPassword) {
    await refresh();
    response = await send(query, variables, session?.accessToken);
  }
  if (response.errors?.length) throw new ApiError(response.errors[0]);
  return response.data;
}

// Whoever holds a connection opened with the session's token (the live
// socket) hears when the session changes.
const sessionListeners = new Set();

/** Calls `listener` whenever the session changes (signed in, refreshed, ended); returns the unsubscribe. */
export function onSessionChange(listener) {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

function sessionChanged() {
  sessionListeners.forEach((listener) => listener());
}

/** The access token to open a connection with, if signed in. */
export function accessToken() {
  return session?.accessToken ?? null;
}

// Another tab signed in, refreshed or signed out: follow it, socket included.
window.addEventListener('storage', (event) => {
  if (event.key !== SESSION_KEY) return;
  const before = session?.accessToken;
  session = readSession();
  scheduleRefresh();
  if (session?.accessToken !== before) sessionChanged();
  store.set({ signedIn: Boolean(session) });
  if (!session) store.set({ me: null });
});

// A laptop waking from sleep may hold an expired token: refresh on return.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session) scheduleRefresh();
});

store.set({ signedIn: Boolean(session) });
scheduleRefresh();
