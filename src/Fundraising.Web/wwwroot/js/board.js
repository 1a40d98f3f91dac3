// board.html?event=...: an event's boards on a projector (大屏). By default one board at a time, large and readable from
// the back of a hall (its top 10: rank, name, amount, 人次), in turn every few seconds (&cycle=SECONDS, default 12)
// through the boards asked for (&boards=cities,teams; default cities, counties, towns, villages, projects, teams,
// donors), by amount, by 人次 (&by=count) or each both ways in turn (&by=both), with the board shown and the next one
// named. &layout=tiles shows six boards tiled instead (the top six each). Always on screen: the event's totals ticking
// up to each new figure (the projects board's totals are the event's), and a clock in the event's zone. Everything comes
// from public reads and the hub's `leaderboard` messages: every board is watched the whole time, so the one on screen is
// live and the next is ready; nothing polls. Nothing here needs or shows staff data.
import { getEvent, ProblemError } from './api.js';
import { formatMoney } from './money.js';
import { el, formatCount } from './ui.js';
import { openHub, showLiveState } from './live.js';
import { formatInZone } from './pools.js';
import { BOARDS, BY_TEXT, liveBoards, renderBoard, totalsText } from './boards.js';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const eventId = query.get('event') ?? '';
const byParameter = query.get('by');
const by = byParameter === 'count' ? 'count' : 'amount';
const tiled = query.get('layout') === 'tiles';

const SCREEN_BOARDS = ['campaigns', 'villages', 'cities', 'counties', 'teams', 'donors'];
/** The boards the big screen shows in turn unless the address chooses: the region hierarchy first, then the rest. */
const CYCLE_BOARDS = ['cities', 'counties', 'towns', 'villages', 'campaigns', 'teams', 'donors'];
const CYCLE_ROWS = 10;
const DEFAULT_CYCLE_SECONDS = 12;
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
  showEventTotals(body);
}

/** The projects board's totals are the event's: every body of it moves the totals on screen. */
function showEventTotals(body) {
  if (body.board === 'campaigns' && body.totals) {
    showTotals({ raised: body.totals.amount, count: body.totals.count, matched: body.totals.matchedAmount ?? 0 });
  }
}

// ---------- one board at a time, in turn ----------

/** What the address asks to cycle through: boards in its order (unknown names dropped), each by one or both orders. */
function cyclePlan(search) {
  const params = new URLSearchParams(search);
  const chosen = (params.get('boards') ?? '').split(',').map((b) => b.trim().toLowerCase()).filter((b, i, all) => BOARDS[b] && all.indexOf(b) === i);
  const boards = chosen.length > 0 ? chosen : CYCLE_BOARDS;
  const orders = params.get('by') === 'both' ? ['amount', 'count'] : [params.get('by') === 'count' ? 'count' : 'amount'];
  const seconds = Number(params.get('cycle'));
  return {
    boards,
    orders,
    slides: boards.flatMap((board) => orders.map((order) => ({ board, by: order }))),
    ms: (Number.isFinite(seconds) && seconds >= 1 && seconds <= 3600 ? seconds : DEFAULT_CYCLE_SECONDS) * 1000,
  };
}

const slideKey = ({ board, by: order }) => `${board}:${order}`;
const slideName = ({ board, by: order }, plan) => `${BOARDS[board].zh}${plan.orders.length > 1 ? ` · ${BY_TEXT[order]}` : ''}`;

function startCycle(plan) {
  const latest = new Map(); // "board:by" -> the newest body
  let index = 0;
  let timer = null;

  const hasEntries = (slide) => (latest.get(slideKey(slide))?.entries?.length ?? 0) > 0;
  // The next slide with something on it (an empty board is skipped while any other has entries).
  const nextOf = (from) => {
    for (let step = 1; step <= plan.slides.length; step++) {
      const candidate = (from + step) % plan.slides.length;
      if (hasEntries(plan.slides[candidate])) {
        return candidate;
      }
    }
    return (from + 1) % plan.slides.length;
  };

  const steps = plan.slides.map((slide) => el('li', { class: 'cycle-step', text: slideName(slide, plan), attrs: { 'data-slide': slideKey(slide) } }));
  $('cycle-steps').replaceChildren(...steps);

  const showIndicator = () => {
    const slide = plan.slides[index];
    const next = nextOf(index);
    const section = $('screen-cycle');
    section.dataset.board = slide.board;
    section.dataset.by = slide.by;
    section.dataset.next = plan.slides[next].board;
    section.dataset.nextBy = plan.slides[next].by;
    $('cycle-name').textContent = BOARDS[slide.board].zh;
    $('cycle-name-en').textContent = BOARDS[slide.board].en;
    $('cycle-by').textContent = slide.by === 'count' ? `${BY_TEXT.count} By gifts` : `${BY_TEXT.amount} By amount`;
    $('cycle-next').textContent = plan.slides.length > 1 ? `${slideName(plan.slides[next], plan)} ${BOARDS[plan.slides[next].board].en}` : '—';
    steps.forEach((step, i) => {
      step.classList.toggle('is-next', plan.slides.length > 1 && i === next);
      if (i === index) {
        step.setAttribute('aria-current', 'step');
      } else {
        step.removeAttribute('aria-current');
      }
    });
  };

  const list = $('cycle-list');
  const draw = (body, { fresh = false } = {}) => {
    if (fresh) {
      list.replaceChildren(); // another board: nothing glides over from the one before (keys may repeat across boards)
    }
    list.dataset.board = body.board;
    renderBoard(list, body, { limit: CYCLE_ROWS, linked: false });
    $('cycle-totals').textContent = totalsText(body);
  };

  const show = (next) => {
    index = next;
    const slide = plan.slides[index];
    showIndicator();
    draw(latest.get(slideKey(slide)) ?? { board: slide.board, by: slide.by, entries: [], totals: null }, { fresh: true });
    if (!reducedMotion() && typeof list.animate === 'function') {
      list.animate([{ opacity: 0 }, { opacity: 1 }], { duration: 350, easing: 'ease-out' });
    }
    if (plan.slides.length > 1) {
      const bar = $('cycle-bar');
      bar.getAnimations?.().forEach((animation) => animation.cancel());
      if (typeof bar.animate === 'function') {
        bar.animate([{ transform: 'scaleX(0)' }, { transform: 'scaleX(1)' }], { duration: plan.ms, easing: 'linear', fill: 'forwards' });
      }
      clearTimeout(timer);
      timer = setTimeout(() => show(nextOf(index)), plan.ms);
    }
  };

  return {
    /** A board from REST or the hub: kept, and drawn at once when it is the one on screen. */
    onBoard(body) {
      showEventTotals(body);
      latest.set(slideKey(body), body);
      const slide = plan.slides[index];
      if (slide.board === body.board && slide.by === body.by) {
        draw(body);
      }
      showIndicator(); // the next board may have just got its first entry
    },
    start() {
      // Open on the first board that has entries (the first one when none has).
      const first = plan.slides.findIndex(hasEntries);
      show(first < 0 ? 0 : first);
    },
  };
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
  $('screen-cycle').hidden = true;
  $('screen-missing').textContent = text;
  $('screen-missing').hidden = false;
}

let cycle = null;

function startTiles() {
  $('screen-by').textContent = by === 'count' ? `${BY_TEXT.count} By gifts` : `${BY_TEXT.amount} By amount`;
  $('screen-boards').hidden = false;
  buildTiles();
  return [liveBoards({ eventId, boards: SCREEN_BOARDS, by, top: 10, onBoard: renderTile })];
}

function startCycling() {
  const plan = cyclePlan(location.search);
  $('screen-by').textContent = `轮播 每 ${plan.ms / 1000} 秒 · Every ${plan.ms / 1000} s`;
  $('screen-cycle').hidden = false;
  document.body.dataset.layout = 'cycle';
  cycle = startCycle(plan);
  // Every board of the plan on each order it uses, and the projects board for the event's totals, watched all along.
  const watched = [...new Set([...plan.boards, 'campaigns'])];
  return plan.orders.map((order) => liveBoards({ eventId, boards: watched, by: order, top: CYCLE_ROWS, onBoard: cycle.onBoard }));
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
  showTotals({ raised: event.totals.raisedAmount, count: event.totals.donationCount, matched: event.totals.matchedAmount ?? 0 });
  tickClock();
  setInterval(tickClock, 5000);
  const live = tiled ? startTiles() : startCycling();
  await Promise.all(live.map((boards) => boards.read()));
  const hub = openHub({ onState: (state) => showLiveState($('live-status'), state) });
  for (const boards of live) {
    boards.connect(hub);
  }
  cycle?.start();
  document.body.dataset.loaded = 'true';
}

main();
