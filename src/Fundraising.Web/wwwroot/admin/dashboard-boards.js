// The dashboard's boards panel: the top 5 of five of the event's public leaderboards, live over the public hub
// (/hubs/progress, WatchLeaderboard). Where the platform has no leaderboards (GET …/leaderboards/… answers 404, or the
// hub refuses the watch), the panel says so and stays hidden; the rest of the dashboard does not depend on it.
import { request } from '/js/api.js';
import { formatMoney } from '/js/money.js';
import { el, formatCount } from '/js/ui.js';

export const BOARDS = [
  ['cities', '城市 Cities'],
  ['counties', '区县 Counties'],
  ['villages', '幸福家园 Villages'],
  ['teams', '团队 Teams'],
  ['donors', '捐赠人 Donors'],
];

const TOP = 5;

function renderBoard(list, body, currency) {
  const entries = (body?.entries ?? []).slice(0, TOP);
  if (entries.length === 0) {
    list.replaceChildren(el('li', { class: 'hint', text: '暂无 None yet' }));
    return;
  }
  list.replaceChildren(...entries.map((entry) => el('li', { attrs: { 'data-key': entry.key } },
    el('span', { class: 'board-rank', text: String(entry.rank) }),
    el('span', { class: 'board-name', text: entry.name }),
    el('span', { class: 'board-amount', text: `${formatMoney(entry.amount, body.currency ?? currency)} · ${formatCount(entry.count)} 人次` }))));
}

/**
 * Shows the boards of one event in `container`, or `unavailable` when there are none. headers: the antiforgery header
 * the hub's negotiate POST needs with the sign-in cookie. Returns { stop() }.
 */
export function showBoards(eventId, { container, unavailable, currency, headers }) {
  let connection = null;
  let stopped = false;
  const lists = new Map();

  const giveUp = () => {
    container.hidden = true;
    unavailable.hidden = false;
    container.dataset.state = 'unavailable';
    connection?.stop();
  };

  async function start() {
    container.hidden = true;
    unavailable.hidden = true;
    container.dataset.state = 'loading';
    // One read says whether this platform has boards at all; after it everything comes over the hub.
    try {
      await request('GET', `/api/events/${encodeURIComponent(eventId)}/leaderboards/cities?top=${TOP}`);
    } catch {
      giveUp();
      return;
    }
    if (stopped || !globalThis.signalR) {
      if (!stopped) {
        giveUp();
      }
      return;
    }
    container.replaceChildren(...BOARDS.map(([board, label]) => {
      const list = el('ol', { class: 'board-list' });
      lists.set(board, list);
      return el('div', { class: 'dash-board', attrs: { 'data-board': board } }, el('h3', { text: label }), list);
    }));
    connection = new signalR.HubConnectionBuilder()
      .withUrl('/hubs/progress', { headers })
      .withAutomaticReconnect()
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    connection.on('leaderboard', (body) => {
      const list = lists.get(body?.board);
      if (list && body.by === 'amount') {
        renderBoard(list, body, currency);
      }
    });
    const watchAll = () => Promise.all(BOARDS.map(([board]) => connection.invoke('WatchLeaderboard', eventId, board, 'amount')));
    connection.onreconnected(() => watchAll().catch(giveUp));
    try {
      await connection.start();
      await watchAll();
      if (!stopped) {
        container.hidden = false;
        container.dataset.state = 'live';
      }
    } catch {
      if (!stopped) {
        giveUp();
      }
    }
  }

  start();
  return {
    stop() {
      stopped = true;
      connection?.stop();
    },
  };
}
