// board.html?event=...: an event's boards on a projector (大屏). Six boards tiled on one 16:9 stage (projects,
// villages, cities, counties, teams, donors; the top six each, by amount, or by 人次 with &by=count), the event's totals
// ticking up to each new figure, and a clock in the event's zone. Everything comes from public reads and the hub's
// `leaderboard` messages (the projects board's totals are the event's totals); nothing here needs or shows staff data.
import { getEvent, ProblemError } from './api.js';
import { formatMoney } from './money.js';
import { el, formatCount } from './ui.js';
import { openHub, showLiveState } from './live.js';
import { formatInZone } from './pools.js';
import { BOARDS, BY_TEXT, liveBoards, renderBoard, totalsText } from './boards.js';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const eventId = query.get('event') ?? '';
const by = query.get('by') === 'count' ? 'count' : 'amount';

const SCREEN_BOARDS = ['campaigns', 'villages', 'cities', 'counties', 'teams', 'donors'];
/** Rows a tile holds without scrolling. */
const ROWS = 6;
/** How long a total takes to run up to its new figure. */
const TICK_MS = 700;

let event = null;

function buildTiles() {
  $('screen-boards').replaceChildren(...SCREEN_BOARDS.map((board) => el('section', {
    class: 'screen-board', attrs: { id: `screen-${board}`, 'data-board': board, 'aria-labelledby': `screen-${board}-name` },
  },
  el('h2', { attrs: { id: `screen-${board}-name` } }, BOARDS[board].zh, el('small', { text: BOARDS[board].en, attrs: { lang: 'en' } })),
  el('ol', { class: 'board-list' }, el('li', { class: 'board-empty', text: '正在加载… Loading' })),
  el('p', { class: 'board-totals' }))));
}

function renderTile(body) {
  const tile = $(`screen-${body.board}`);
  renderBoard(tile.querySelector('.board-list'), body, { limit: ROWS, linked: false });
  tile.querySelector('.board-totals').textContent = totalsText(body);
  if (body.board === 'campaigns' && body.totals) {
    showTotals({ raised: body.totals.amount, count: body.totals.count, matched: body.totals.matchedAmount ?? 0 });
  }
}

// ---------- totals that tick: each figure runs up (or down, after a refund) to its new value ----------

const reducedMotion = () => globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
const shown = new Map(); // element id -> the value on screen

function tickTo(id, target, format) {
  const element = $(id);
  element.dataset.value = String(target);
  const from = shown.get(id);
  shown.set(id, target);
  if (from === undefined || from === target || reducedMotion()) {
    element.textContent = format(target);
    return;
  }
  const started = performance.now();
  const step = (now) => {
    if (element.dataset.value !== String(target)) {
      return; // a newer figure took over
    }
    const t = Math.min(1, (now - started) / TICK_MS);
    const eased = 1 - (1 - t) ** 3;
    element.textContent = format(t >= 1 ? target : Math.round(from + (target - from) * eased));
    if (t < 1) {
      requestAnimationFrame(step);
    }
  };
  requestAnimationFrame(step);
}

function showTotals({ raised, count, matched }) {
  const currency = event?.currency ?? 'CNY';
  tickTo('screen-raised', raised, (v) => formatMoney(v, currency));
  tickTo('screen-count', count, formatCount);
  tickTo('screen-matched', matched, (v) => formatMoney(v, currency));
}

function tickClock() {
  $('screen-clock').textContent = event ? formatInZone(new Date().toISOString(), event.timeZone, { withDate: false }) : '';
}

function showMissing(text) {
  $('screen-boards').hidden = true;
  $('screen-missing').textContent = text;
  $('screen-missing').hidden = false;
}

async function main() {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(eventId)) {
    showMissing('链接中的活动编号无效。board.html?event=活动编号');
    return;
  }
  try {
    event = await getEvent(eventId);
  } catch (error) {
    showMissing(error instanceof ProblemError && error.status === 404 ? '未找到该活动。No such event.' : '活动信息加载失败，请刷新页面。');
    return;
  }
  document.title = `${event.name} · 排行榜大屏 - 慈善募捐`;
  $('screen-event').textContent = event.name;
  $('screen-by').textContent = by === 'count' ? `${BY_TEXT.count} By gifts` : `${BY_TEXT.amount} By amount`;
  showTotals({ raised: event.totals.raisedAmount, count: event.totals.donationCount, matched: event.totals.matchedAmount ?? 0 });
  tickClock();
  setInterval(tickClock, 5000);
  buildTiles();
  const boards = liveBoards({ eventId, boards: SCREEN_BOARDS, by, top: 10, onBoard: renderTile });
  await boards.read();
  const hub = openHub({ onState: (state) => showLiveState($('live-status'), state) });
  boards.connect(hub);
  document.body.dataset.loaded = 'true';
}

main();
