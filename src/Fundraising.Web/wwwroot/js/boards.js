// An event's boards (排行榜) on the public pages: their names in words, one board drawn as a ranked list (rank changes
// animated lightly), and the boards kept live: read once over REST, then the hub's `leaderboard` messages, each of which
// replaces its board. Shared by the event home (event.html) and the big screen (board.html).
import { getLeaderboard } from './api.js';
import { formatMoney } from './money.js';
import { el, formatCount } from './ui.js';
import { asOfOrder } from './live.js';

/** What the server names every anonymous donor; the pages never name one otherwise. */
export const ANONYMOUS_DONOR = '匿名爱心人士';

const campaignLink = (key) => `campaign.html?id=${encodeURIComponent(key)}`;
const teamLink = (key) => `team.html?id=${encodeURIComponent(key)}`;

/** Each board's name (Chinese first, with English) and where an entry links to, if anywhere. */
export const BOARDS = {
  campaigns: { zh: '项目', en: 'Projects', link: campaignLink },
  villages: { zh: '幸福家园', en: 'Villages', link: campaignLink },
  cities: { zh: '城市', en: 'Cities' },
  counties: { zh: '区县', en: 'Counties' },
  towns: { zh: '乡镇', en: 'Towns' },
  teams: { zh: '一起捐', en: 'Teams', link: teamLink },
  donors: { zh: '爱心榜', en: 'Donors' },
};

export const BY_TEXT = { amount: '按金额', count: '按人次' };

/**
 * An entry's name as the server gives it. Only a donor with no name at all falls back, and then to the anonymous name:
 * a key is never shown for a donor (the server's donor keys are opaque anyway).
 */
export function entryName(board, entry) {
  if (entry?.name) {
    return entry.name;
  }
  return board === 'donors' ? ANONYMOUS_DONOR : String(entry?.key ?? '');
}

/** "合计 ¥1,234.00 · 56 人次 · 配捐 ¥100.00" (matched beside, never added in). */
export function totalsText(body) {
  const totals = body?.totals;
  if (!totals) {
    return '';
  }
  const currency = body.currency ?? 'CNY';
  const matched = totals.matchedAmount ? ` · 配捐 ${formatMoney(totals.matchedAmount, currency)}` : '';
  return `合计 ${formatMoney(totals.amount, currency)} · ${formatCount(totals.count)} 人次${matched}`;
}

function row(body, entry, { linked }) {
  const board = body.board;
  const currency = body.currency ?? 'CNY';
  const name = entryName(board, entry);
  const link = linked ? BOARDS[board]?.link : null;
  const amount = el('span', { class: 'board-amount', text: formatMoney(entry.amount, currency) });
  const count = el('span', { class: 'board-count', text: `${formatCount(entry.count)} 人次` });
  (body.by === 'count' ? count : amount).classList.add('board-primary');
  return el('li', { class: `board-row board-rank-${Math.min(entry.rank, 4)}`, attrs: { 'data-key': entry.key, 'data-rank': entry.rank } },
    el('span', { class: 'board-rank', text: entry.rank }),
    link && entry.key
      ? el('a', { class: 'board-name', text: name, attrs: { href: link(entry.key) } })
      : el('span', { class: 'board-name', text: name }),
    el('span', { class: 'board-figures' },
      ...(body.by === 'count' ? [count, amount] : [amount, count]),
      entry.matchedAmount ? el('span', { class: 'board-matched', text: `配捐 ${formatMoney(entry.matchedAmount, currency)}` }) : null));
}

const reducedMotion = () => globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

/**
 * Draws a board into `list` (an <ol>), replacing what it showed. Rows that moved glide from where they were (FLIP),
 * rows that rose are marked for a moment, and rows whose figures changed flash once; nothing moves for a reader who
 * asked for reduced motion. `limit` rows at most; `linked` links campaigns and teams to their pages.
 */
export function renderBoard(list, body, { limit = 10, linked = true, emptyText = '暂无排行 No boards yet' } = {}) {
  const entries = (body?.entries ?? []).slice(0, limit);
  list.dataset.by = body?.by ?? '';
  if (entries.length === 0) {
    list.replaceChildren(el('li', { class: 'board-empty', text: emptyText }));
    return;
  }
  const before = new Map();
  for (const item of list.querySelectorAll(':scope > li[data-key]')) {
    before.set(item.dataset.key, { top: item.getBoundingClientRect().top, rank: Number(item.dataset.rank), text: item.querySelector('.board-figures')?.textContent });
  }
  const rows = entries.map((entry) => row(body, entry, { linked }));
  list.replaceChildren(...rows);
  if (before.size === 0 || reducedMotion()) {
    return;
  }
  for (const item of rows) {
    const was = before.get(item.dataset.key);
    if (!was) {
      item.classList.add('board-new');
      continue;
    }
    if (Number(item.dataset.rank) < was.rank) {
      item.classList.add('board-rose');
    }
    if (item.querySelector('.board-figures')?.textContent !== was.text) {
      item.classList.add('board-changed');
    }
    const delta = was.top - item.getBoundingClientRect().top;
    if (delta && typeof item.animate === 'function') {
      item.animate([{ transform: `translateY(${delta}px)` }, { transform: 'none' }], { duration: 450, easing: 'ease-out' });
    }
  }
}

/**
 * Keeps some of an event's boards live, all ranked the same way (`by`): each is read once over REST, then watched on the
 * page's hub connection (`connect(hub)`). `setBy` switches every board to the other ranking: the first switch reads and
 * watches the other six too, and both stay watched, so switching back and forth costs no more hub calls (the hub limits
 * Watch calls per address) and shows at once the newest board of that ranking. `onBoard(body)` gets each board of the
 * current ranking that is newer than the one shown (REST answers and pushes may cross); a board that cannot be read (the
 * event has none yet, or this server has no boards) comes as `{board, by, entries: [], totals: null}`.
 */
export function liveBoards({ eventId, boards, by = 'amount', top = 10, onBoard }) {
  let current = by;
  let hub = null;
  const watched = new Set(); // orders whose boards are watched (and were read)
  const orders = new Map(); // "board:by" -> asOf order
  const latest = new Map(); // "board:by" -> the newest body

  const apply = (message) => {
    const body = message && { ...message, board: String(message.board).toLowerCase(), by: String(message.by).toLowerCase() };
    if (!body || !boards.includes(body.board)) {
      return;
    }
    const key = `${body.board}:${body.by}`;
    if (!orders.has(key)) {
      orders.set(key, asOfOrder());
    }
    if (orders.get(key).accept(body)) {
      latest.set(key, body);
      if (body.by === current) {
        onBoard(body);
      }
    }
  };

  const read = (order) => Promise.all(boards.map((board) => getLeaderboard(eventId, board, { by: order, top }).then(apply, () => {
    if (order === current && !latest.has(`${board}:${order}`)) {
      onBoard({ board, by: order, entries: [], totals: null });
    }
  })));

  const watchAll = (order) => {
    for (const board of boards) {
      hub?.watch('leaderboard', [eventId, board, order], apply);
    }
  };

  return {
    get by() { return current; },
    /** Reads the current ranking's boards (the first time; later, pushes keep them). */
    read() {
      watched.add(current);
      return read(current);
    },
    connect(handle) {
      hub = handle;
      for (const order of watched) {
        watchAll(order);
      }
    },
    setBy(next) {
      if (next === current) {
        return Promise.resolve();
      }
      current = next;
      for (const board of boards) {
        const shown = latest.get(`${board}:${next}`);
        if (shown) {
          onBoard(shown);
        }
      }
      if (watched.has(next)) {
        return Promise.resolve();
      }
      watched.add(next);
      watchAll(next);
      return read(next);
    },
  };
}
