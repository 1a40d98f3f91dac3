// Live updates over SignalR (/hubs/progress): campaigns' `progress` and matching pools' `pool` messages on one
// connection. The browser client is the npm package @microsoft/signalr, loaded as a classic script before this
// module (global `signalR`).

const RETRY_DELAYS_MS = [0, 2000, 5000, 10000, 20000, 30000];

/** What the hub sends for each kind of watch, and how to unsubscribe. */
const KINDS = {
  campaign: { watch: 'Watch', unwatch: 'Unwatch', message: 'progress' },
  pool: { watch: 'WatchPool', unwatch: 'UnwatchPool', message: 'pool' },
};

let warnedUnsafe = false;

/**
 * Campaign progress and pool states: the version only grows, and pushes may overtake each other, so anything not newer
 * is stale.
 * A new subscription starts the comparison afresh (it also recovers if the campaign's counter restarted).
 */
function newerVersion() {
  let last = -1;
  return {
    reset() { last = -1; },
    accept(message) {
      const version = message?.version;
      if (!Number.isSafeInteger(version) && !warnedUnsafe) {
        // Above 2^53 JSON numbers lose their last digits here, and consecutive versions compare equal.
        warnedUnsafe = true;
        console.error(`progress version ${version} is not a safe integer: newer pushes may be dropped as stale`);
      }
      if (typeof version !== 'number' || version <= last) {
        return false;
      }
      last = version;
      return true;
    },
  };
}

/**
 * Opens one hub connection. onState(state) gets 'connecting' | 'connected' | 'reconnecting' | 'disconnected' |
 * 'unavailable' (every watch was refused: no such campaign or pool). Returns { watch(kind, id, onMessage), stop(),
 * get state }: watch('campaign' | 'pool', id, onMessage) subscribes now and again after every reconnection.
 */
export function openHub({ onState = () => {} } = {}) {
  let state = 'connecting';
  let stopped = false;
  let retryTimer = null;
  let subscribed = false;
  const watches = new Map();

  const setState = (next) => {
    state = next;
    onState(next);
  };

  const handle = {
    watch() {},
    stop() {},
    get state() { return state; },
  };

  if (!globalThis.signalR) {
    setState('unavailable');
    return handle;
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/progress')
    .withAutomaticReconnect(RETRY_DELAYS_MS)
    .configureLogging(signalR.LogLevel.Warning)
    .build();

  for (const [kind, { message }] of Object.entries(KINDS)) {
    connection.on(message, (body) => {
      const watch = watches.get(`${kind}:${body?.id}`);
      if (watch && watch.order.accept(body)) {
        watch.onMessage(body);
      }
    });
  }

  /** Subscribes one watch; false when the server refused it (it stays refused until the page is reloaded). */
  async function subscribe(watch) {
    watch.order.reset();
    try {
      await connection.invoke(KINDS[watch.kind].watch, watch.id);
      watch.refused = false;
    } catch (error) {
      if (connection.state !== signalR.HubConnectionState.Connected) {
        throw error; // the connection went away: try again on the next one
      }
      // The hub answered with a refusal (unknown id, a limit): say so once, do not retry it.
      watch.refused = true;
      console.warn(`${KINDS[watch.kind].watch}(${watch.id}) was refused: ${error?.message}`);
    }
  }

  async function subscribeAll() {
    // A new connection starts a new stream: each watch sends the current state first. Watches added meanwhile are
    // visited too (a Map's iterator sees entries added while it runs).
    subscribed = false;
    for (const watch of watches.values()) {
      await subscribe(watch);
    }
    subscribed = true;
    const all = [...watches.values()];
    setState(all.length > 0 && all.every((w) => w.refused) ? 'unavailable' : 'connected');
  }

  function retryLater(attempt) {
    if (stopped) {
      return;
    }
    const delay = RETRY_DELAYS_MS[Math.min(attempt + 1, RETRY_DELAYS_MS.length - 1)];
    retryTimer = setTimeout(() => connect(attempt + 1), delay);
  }

  async function connect(attempt = 0) {
    if (stopped) {
      return;
    }
    setState(attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      if (connection.state === signalR.HubConnectionState.Disconnected) {
        await connection.start();
      }
      await subscribeAll();
    } catch {
      setState('disconnected');
      retryLater(attempt);
    }
  }

  connection.onreconnecting(() => {
    subscribed = false;
    setState('reconnecting');
  });
  connection.onreconnected(async () => {
    try {
      await subscribeAll();
    } catch {
      setState('disconnected');
      retryLater(0);
    }
  });
  // Automatic reconnection gave up: keep trying, more slowly, while the page is open.
  connection.onclose(() => {
    subscribed = false;
    if (!stopped) {
      setState('disconnected');
      retryLater(RETRY_DELAYS_MS.length - 2);
    }
  });

  handle.watch = (kind, id, onMessage) => {
    const key = `${kind}:${id}`;
    if (watches.has(key) || !KINDS[kind]) {
      return;
    }
    const watch = { kind, id, onMessage, order: newerVersion(), refused: false };
    watches.set(key, watch);
    if (subscribed) {
      subscribe(watch).catch(() => {}); // a lost connection resubscribes every watch when it comes back
    }
  };
  handle.stop = () => {
    stopped = true;
    clearTimeout(retryTimer);
    connection.stop();
  };

  connect();
  return handle;
}

/**
 * Watches one campaign. onProgress(message) gets each `progress` message newer than the last one applied;
 * onState(state) as for openHub. Returns { stop, get state }.
 */
export function watchCampaign(campaignId, { onProgress, onState }) {
  const hub = openHub({ onState });
  hub.watch('campaign', campaignId, onProgress);
  return hub;
}

const LIVE_TEXT = {
  connecting: '正在连接实时进度…',
  connected: '实时更新中',
  reconnecting: '连接中断，正在重新连接…',
  disconnected: '实时更新已断开，稍后自动重试',
  unavailable: '实时更新暂不可用',
};

/** Shows a connection state in a page's live-status pill (its data-state drives the dot's colour). */
export function showLiveState(status, state) {
  status.dataset.state = state;
  status.querySelector('.live-text').textContent = LIVE_TEXT[state] ?? state;
}
