// Live updates over SignalR (/hubs/progress) on one connection: campaigns' `progress`, matching pools' `pool`, an
// event's boards (`leaderboard`), one entry's ranks (`leaderboardEntry`), teams (`team`) and projects' feeds (`feed`). The browser client is the
// npm package @microsoft/signalr, loaded as a classic script before this module (global `signalR`).

const RETRY_DELAYS_MS = [0, 2000, 5000, 10000, 20000, 30000];

const lower = (value) => String(value ?? '').toLowerCase();

/**
 * What the hub sends for each kind of watch, and how to unsubscribe. A watch is named by the arguments its hub method
 * takes (`args`); `watchKey(args)` and `messageKey(body)` must agree, so that each message reaches its watch. Keys are
 * compared without case (ids are GUIDs, which the server may spell in either case).
 */
const KINDS = {
  campaign: { watch: 'Watch', unwatch: 'Unwatch', message: 'progress', watchKey: ([id]) => lower(id), messageKey: (b) => lower(b?.id), order: newerVersion },
  pool: { watch: 'WatchPool', unwatch: 'UnwatchPool', message: 'pool', watchKey: ([id]) => lower(id), messageKey: (b) => lower(b?.id), order: newerVersion },
  // WatchLeaderboard(eventId, board, by): one connection watches the boards of one event.
  leaderboard: {
    watch: 'WatchLeaderboard', unwatch: 'UnwatchLeaderboard', message: 'leaderboard',
    watchKey: ([, board, by]) => lower(`${board}:${by}`), messageKey: (b) => lower(`${b?.board}:${b?.by}`), order: newerAsOf,
  },
  // WatchLeaderboardEntry(eventId, board, key): a campaign's (or a team's) own ranks.
  leaderboardEntry: {
    watch: 'WatchLeaderboardEntry', unwatch: 'UnwatchLeaderboardEntry', message: 'leaderboardEntry',
    watchKey: ([, board, key]) => lower(`${board}:${key}`), messageKey: (b) => lower(`${b?.board}:${b?.key}`), order: newerAsOf,
  },
  team: { watch: 'WatchTeam', unwatch: 'UnwatchTeam', message: 'team', watchKey: ([id]) => lower(id), messageKey: (b) => lower(b?.id), order: newerAsOf },
  // WatchFeed(campaignId): a project's new gifts, updates and milestones; every message is new entries, none is stale.
  feed: { watch: 'WatchFeed', unwatch: 'UnwatchFeed', message: 'feed', watchKey: ([id]) => lower(id), messageKey: (b) => lower(b?.campaignId), order: everyMessage },
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
 * Boards, entries and teams carry the instant they were made (`asOf`), not a version: a message older than the one
 * applied is stale (a REST read and a push may cross). One without `asOf` is taken as it comes.
 */
function newerAsOf() {
  let last = -Infinity;
  return {
    reset() { last = -Infinity; },
    accept(message) {
      const at = Date.parse(message?.asOf ?? '');
      if (Number.isNaN(at)) {
        return true;
      }
      if (at < last) {
        return false;
      }
      last = at;
      return true;
    },
  };
}

/** Feed messages carry only new entries: each is taken (the page drops an entry it already shows, by id). */
function everyMessage() {
  return { reset() {}, accept() { return true; } };
}

/** The same ordering for data read over REST before (or between) pushes: `accept(body)` is false for a stale one. */
export function asOfOrder() {
  return newerAsOf();
}

/**
 * Opens one hub connection. onState(state) gets 'connecting' | 'connected' | 'reconnecting' | 'disconnected' |
 * 'unavailable' (every watch was refused: no such campaign or pool, or a server without that method). Returns
 * { watch(kind, args, onMessage), unwatch(kind, args), stop(), get state }: watch(kind, args, onMessage) subscribes now
 * and again after every reconnection; `args` are the hub method's arguments (one id may be given alone), e.g.
 * watch('campaign', id, …), watch('leaderboard', [eventId, 'cities', 'amount'], …), watch('team', teamId, …). It
 * returns a promise that settles once the server has first taken (or refused) the watch; it never rejects.
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
    unwatch() {},
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

  for (const [kind, { message, messageKey }] of Object.entries(KINDS)) {
    connection.on(message, (body) => {
      const watch = watches.get(`${kind}:${messageKey(body)}`);
      if (watch && watch.order.accept(body)) {
        watch.onMessage(body);
      }
    });
  }

  /** Subscribes one watch; false when the server refused it (it stays refused until the page is reloaded). */
  async function subscribe(watch) {
    watch.order.reset();
    try {
      await connection.invoke(KINDS[watch.kind].watch, ...watch.args);
      watch.refused = false;
    } catch (error) {
      if (connection.state !== signalR.HubConnectionState.Connected) {
        throw error; // the connection went away: try again on the next one
      }
      // The hub answered with a refusal (unknown id, a limit): say so once, do not retry it.
      watch.refused = true;
      console.warn(`${KINDS[watch.kind].watch}(${watch.args.join(', ')}) was refused: ${error?.message}`);
    }
    watch.sent();
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

  const keyOf = (kind, args) => `${kind}:${KINDS[kind].watchKey(args)}`;
  const argsOf = (idOrArgs) => (Array.isArray(idOrArgs) ? idOrArgs : [idOrArgs]).map(String);

  handle.watch = (kind, idOrArgs, onMessage) => {
    if (!KINDS[kind]) {
      return;
    }
    const args = argsOf(idOrArgs);
    const key = keyOf(kind, args);
    if (watches.has(key)) {
      return watches.get(key).subscribed;
    }
    const watch = { kind, args, onMessage, order: KINDS[kind].order(), refused: false };
    watch.subscribed = new Promise((resolve) => { watch.sent = resolve; });
    watches.set(key, watch);
    if (subscribed) {
      subscribe(watch).catch(() => {}); // a lost connection resubscribes every watch when it comes back
    }
    return watch.subscribed;
  };
  handle.unwatch = (kind, idOrArgs) => {
    const args = argsOf(idOrArgs);
    const watch = watches.get(keyOf(kind, args));
    if (!watch) {
      return;
    }
    watches.delete(keyOf(kind, args)); // its messages are dropped from now on, whatever the server still sends
    if (!watch.refused && connection.state === signalR.HubConnectionState.Connected) {
      connection.invoke(KINDS[kind].unwatch, ...args).catch(() => {});
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
