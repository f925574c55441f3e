// Live updates over graphql-transport-ws: one socket, opened lazily with the
// session's token and reopened whenever the session changes. Only screens
// that show live data load this module (and the socket client).
import { createClient } from './vendor/graphql-ws/client.js';
import { accessToken, ApiError, onSessionChange, refresh } from './api.js';

let socket = null;
const live = new Set();

function openSocket() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // Events of a client already replaced must not speak for the new one.
  const current = () => socket === client;
  const client = createClient({
    url: `${scheme}://${location.host}/graphql/ws`,
    lazy: true,
    // Moving between the console's tabs ends one subscription and starts
    // the next: keep the socket a moment rather than reconnect.
    lazyCloseTimeout: 5000,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    connectionParams: () => (accessToken() ? { authorization: `Bearer ${accessToken()}` } : {}),
    on: {
      connected: () => current() && setSocketConnected(true),
      closed: (event) => {
        if (!current()) return;
        setSocketConnected(false);
        // 4401: the token the socket opened with has expired (or the session
        // ended). The client gives up on it, so refresh and open a new one.
        if (event?.code === 4401 && accessToken()) refresh().catch(() => {}).finally(restartSocket);
      },
    },
  });
  return client;
}

// Whether the live socket is connected, for screens that say "live".
const socketListeners = new Set();
let socketConnected = false;

function setSocketConnected(connected) {
  socketConnected = connected;
  socketListeners.forEach((listener) => listener(connected));
}

/** Calls `listener` with the socket's state now and on every change; returns the unsubscribe. */
export function watchSocket(listener) {
  socketListeners.add(listener);
  listener(socketConnected);
  return () => socketListeners.delete(listener);
}

function restartSocket() {
  if (socket) socket.dispose();
  socket = null;
  for (const subscription of live) subscription.start();
}

/**
 * Subscribes to an operation; `onData` gets each payload's data, `onError`
 * each failure (as an `ApiError`). Returns a function that unsubscribes.
 */
export function subscribe(query, onData, onError) {
  const subscription = {
    stop: () => {},
    start() {
      socket ??= openSocket();
      this.stop = socket.subscribe(
        { query },
        {
          next: (message) => {
            if (message.errors?.length) onError(new ApiError(message.errors[0]));
            else onData(message.data);
          },
          error: (error) => onError(Array.isArray(error) ? new ApiError(error[0]) : new ApiError({ extensions: { code: 'NETWORK' } })),
          complete: () => {},
        },
      );
    },
  };
  live.add(subscription);
  subscription.start();
  return () => {
    live.delete(subscription);
    subscription.stop();
  };
}

onSessionChange(restartSocket);
