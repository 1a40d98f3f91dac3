// Live progress of one campaign over SignalR (/hubs/progress). The browser client is the npm
// package @microsoft/signalr, loaded as a classic script before this module (global `signalR`).

const RETRY_DELAYS_MS = [0, 2000, 5000, 10000, 20000, 30000];

/**
 * Watches a campaign. onProgress(message) gets each `progress` message newer than the last one
 * applied; onState(state) gets 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'unavailable'.
 * Returns { stop, get state }.
 */
export function watchCampaign(campaignId, { onProgress, onState }) {
  let state = 'connecting';
  let lastVersion = -1;
  let stopped = false;
  let retryTimer = null;

  const setState = (next) => {
    state = next;
    onState(next);
  };

  if (!globalThis.signalR) {
    setState('unavailable');
    return { stop() {}, get state() { return state; } };
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/progress')
    .withAutomaticReconnect(RETRY_DELAYS_MS)
    .configureLogging(signalR.LogLevel.Warning)
    .build();

  let warnedUnsafe = false;
  connection.on('progress', (message) => {
    const version = message?.version;
    if (!Number.isSafeInteger(version) && !warnedUnsafe) {
      // Above 2^53 JSON numbers lose their last digits here, and consecutive versions compare equal.
      warnedUnsafe = true;
      console.error(`progress version ${version} is not a safe integer: newer pushes may be dropped as stale`);
    }
    // Pushes may overtake each other; the version only grows, so anything not newer is stale.
    if (typeof version !== 'number' || version <= lastVersion) {
      return;
    }
    lastVersion = message.version;
    onProgress(message);
  });

  async function watch() {
    // A new connection starts a new stream: Watch sends the current snapshot first. Starting the
    // comparison afresh also recovers if the campaign's version counter restarted meanwhile.
    lastVersion = -1;
    await connection.invoke('Watch', campaignId);
    setState('connected');
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
      await watch();
    } catch (error) {
      if (String(error?.message).includes('There is no campaign')) {
        setState('unavailable');
        return;
      }
      setState('disconnected');
      retryLater(attempt);
    }
  }

  connection.onreconnecting(() => setState('reconnecting'));
  connection.onreconnected(async () => {
    try {
      await watch();
    } catch {
      setState('disconnected');
      retryLater(0);
    }
  });
  // Automatic reconnection gave up: keep trying, more slowly, while the page is open.
  connection.onclose(() => {
    if (!stopped) {
      setState('disconnected');
      retryLater(RETRY_DELAYS_MS.length - 2);
    }
  });

  connect();

  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      connection.stop();
    },
    get state() {
      return state;
    },
  };
}
