// event.html?id=...: a giving day's home. Its window in its own time zone, its totals (raised, 人次 and matched, side
// by side), its boards (排行榜: projects, villages, towns, counties, cities, teams, donors; by amount or by 人次), a match meter
// per pool, the campaigns taking part, and the tab's verified donor's own rank (my-rank.js). Live: the boards' `leaderboard` messages (each replaces its board), the
// pools' `pool` messages and the campaigns' `progress` messages come over one hub connection; a pool or progress
// message makes the page read the event's exact totals again.
import { getEvent, listPools, getPool, getCampaign, listCampaigns, ProblemError } from './api.js';
import { formatMoney } from './money.js';
import { el, formatCount, regionText } from './ui.js';
import { openHub, showLiveState } from './live.js';
import { POOL_STATUS_TEXT, windowText, eventPhase, countdownText, rulesText, remainingPercent } from './pools.js';
import { BOARDS, liveBoards, renderBoard, totalsText } from './boards.js';
import { myRank } from './my-rank.js';

const $ = (id) => document.getElementById(id);
const eventId = new URLSearchParams(location.search).get('id') ?? '';

/** Campaigns watched live at most (the hub allows a connection 20 watches; pools need some). */
const MAX_WATCHED_CAMPAIGNS = 15;
/** Campaigns listed at most. */
const MAX_LISTED_CAMPAIGNS = 100;

const view = {
  event: null,
  pools: new Map(), // id -> Pool
  campaigns: new Map(), // id -> campaign (title, region, raisedAmount, …)
};

let hub = null;

/** The boards the event home shows, in the order of their tabs. */
const EVENT_BOARDS = ['campaigns', 'villages', 'towns', 'counties', 'cities', 'teams', 'donors'];

let boards = null;
/** The tab's verified donor's own rank (null without a donor token). */
let mine = null;

// ---------- rendering ----------

const PHASE_TEXT = { upcoming: '即将开始 Upcoming', running: '进行中 Live', over: '已结束 Over' };

function renderEvent() {
  const event = view.event;
  document.title = `${event.name} - 慈善募捐`;
  $('event-name').textContent = event.name;
  $('event-window').textContent = windowText(event);
  const phase = eventPhase(event);
  $('event-badges').replaceChildren(el('span', { class: `badge badge-phase badge-${phase}`, text: PHASE_TEXT[phase] }));
  renderTotals();
}

function renderTotals() {
  const { totals, currency } = view.event;
  $('event-raised').textContent = formatMoney(totals.raisedAmount, currency);
  $('event-count').textContent = formatCount(totals.donationCount);
  $('event-matched').textContent = formatMoney(totals.matchedAmount, currency);
}

function meter(pool) {
  const m = (amount) => formatMoney(amount, pool.currency);
  switch (pool.status) {
    case 'scheduled':
      return el('div', { class: 'pool-meter' },
        el('p', { class: 'pool-countdown' },
          el('span', { class: 'label', text: pool.nextOpensAt ? '距配捐开始 Opens in' : '配捐尚未开始 Not open yet' }),
          pool.nextOpensAt
            ? el('time', { class: 'pool-clock', attrs: { datetime: pool.nextOpensAt, 'data-opens-at': pool.nextOpensAt } })
            : null),
        el('p', { class: 'pool-amounts', text: `配捐总额 ${m(pool.budget)}` }));
    case 'open':
    case 'paused': {
      const percent = remainingPercent(pool);
      const fill = el('div', { class: 'progress-fill' });
      fill.style.width = `${percent}%`;
      return el('div', { class: 'pool-meter' },
        pool.status === 'paused' ? el('p', { class: 'pool-note', text: '配捐已暂停，恢复后继续。Paused by the organisers.' }) : null,
        el('div', {
          class: 'progress pool-bar',
          attrs: { role: 'progressbar', 'aria-label': `${pool.sponsorName} 配捐剩余`, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': percent },
        }, fill),
        el('p', { class: 'pool-amounts' },
          el('span', { text: '剩余 Left ' }),
          el('strong', { class: 'pool-remaining', text: m(pool.remainingAmount) }),
          el('span', { text: ` / 共 ${m(pool.budget)}` })));
    }
    case 'exhausted':
      return el('div', { class: 'pool-meter' }, el('p', { class: 'pool-note', text: '配捐已全部用完，感谢参与。All matched: nothing left.' }));
    default:
      return el('div', { class: 'pool-meter' }, el('p', { class: 'pool-note', text: '本活动配捐已结束。The matching has closed.' }));
  }
}

function poolItem(pool) {
  const m = (amount) => formatMoney(amount, pool.currency);
  return el('li', { class: `pool pool-${pool.status}`, attrs: { 'data-pool-id': pool.id, 'data-status': pool.status } },
    el('div', { class: 'pool-head' },
      el('h3', { class: 'pool-sponsor', text: pool.sponsorName }),
      el('span', { class: `badge pool-status pool-status-${pool.status}`, text: POOL_STATUS_TEXT[pool.status] ?? pool.status })),
    meter(pool),
    el('p', { class: 'pool-used', text: `已配 Matched ${m(pool.matchedAmount)} · ${formatCount(pool.matchCount)} 笔${pool.heldAmount ? ` · 审核中 ${m(pool.heldAmount)}` : ''}` }),
    el('ul', { class: 'pool-rules', attrs: { 'aria-label': '配捐规则 Rules' } },
      ...rulesText(pool, view.event?.timeZone).map((line) => el('li', { text: line }))));
}

function renderPools() {
  const pools = [...view.pools.values()];
  $('pools-empty').hidden = pools.length > 0;
  $('pool-list').replaceChildren(...pools.map(poolItem));
  tick();
}

function renderPool(pool) {
  const existing = $('pool-list').querySelector(`li[data-pool-id="${CSS.escape(pool.id)}"]`);
  if (existing) {
    existing.replaceWith(poolItem(pool));
    tick();
  } else {
    renderPools();
  }
}

function renderCampaigns() {
  const campaigns = [...view.campaigns.values()];
  $('campaigns-empty').hidden = campaigns.length > 0;
  $('event-campaigns').replaceChildren(...campaigns.map((c) => el('li', { class: 'event-campaign', attrs: { 'data-campaign-id': c.id } },
    el('a', { text: c.title, attrs: { href: `campaign.html?id=${encodeURIComponent(c.id)}` } }),
    el('span', { class: 'region', text: regionText(c.region) }),
    el('span', { class: 'event-campaign-raised', text: formatMoney(c.raisedAmount, c.currency) }))));
}

// ---------- boards: one tab each, all ranked the same way (按金额 or 按人次) ----------

function buildBoards() {
  $('board-tabs').replaceChildren(...EVENT_BOARDS.map((board, i) => el('button', {
    class: 'board-tab',
    attrs: {
      type: 'button', role: 'tab', id: `tab-${board}`, 'aria-controls': `board-${board}`, 'data-board': board,
      'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1',
    },
  }, BOARDS[board].zh, el('span', { class: 'tab-en', text: BOARDS[board].en, attrs: { lang: 'en' } }))));
  $('board-panels').replaceChildren(...EVENT_BOARDS.map((board, i) => el('div', {
    class: 'board-panel',
    attrs: { id: `board-${board}`, role: 'tabpanel', 'aria-labelledby': `tab-${board}`, 'data-board': board, hidden: i !== 0 },
  }, el('ol', { class: 'board-list' }, el('li', { class: 'board-empty', text: '正在加载… Loading' })), el('p', { class: 'board-totals hint' }))));
  $('board-tabs').addEventListener('click', (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab) {
      selectBoard(tab.dataset.board);
    }
  });
  $('board-tabs').addEventListener('keydown', (event) => {
    const index = EVENT_BOARDS.indexOf(document.activeElement?.dataset?.board);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: EVENT_BOARDS.length - 1 }[event.key];
    if (index < 0 || next === undefined) {
      return;
    }
    event.preventDefault();
    const board = EVENT_BOARDS[(next + EVENT_BOARDS.length) % EVENT_BOARDS.length];
    selectBoard(board);
    $(`tab-${board}`).focus();
  });
  for (const button of document.querySelectorAll('.board-by [data-by]')) {
    button.addEventListener('click', () => rankBy(button.dataset.by));
  }
  $('big-screen-link').href = `/board.html?event=${encodeURIComponent(eventId)}`;
}

function selectBoard(board) {
  for (const name of EVENT_BOARDS) {
    const selected = name === board;
    $(`tab-${name}`).setAttribute('aria-selected', String(selected));
    $(`tab-${name}`).tabIndex = selected ? 0 : -1;
    $(`board-${name}`).hidden = !selected;
  }
}

function rankBy(by) {
  for (const button of document.querySelectorAll('.board-by [data-by]')) {
    button.setAttribute('aria-pressed', String(button.dataset.by === by));
  }
  boards?.setBy(by);
}

/** A board from REST or the hub: it replaces what its panel showed. */
function renderEventBoard(body) {
  const panel = $(`board-${body.board}`);
  if (!panel) {
    return;
  }
  panel.dataset.by = body.by;
  renderBoard(panel.querySelector('.board-list'), body);
  panel.querySelector('.board-totals').textContent = totalsText(body);
  if (body.board === 'donors') {
    mine?.donorsBoardMoved();
  }
}

function renderLiveState(state) {
  showLiveState($('live-status'), state);
}

// ---------- the countdown: the page's own clock, one tick a second while a pool waits to open ----------

let ticker = null;
const askedAt = new Map(); // pool id -> the opening it was re-read for

function tick() {
  let waiting = false;
  for (const clock of document.querySelectorAll('.pool-clock[data-opens-at]')) {
    const left = Date.parse(clock.dataset.opensAt) - Date.now();
    clock.textContent = countdownText(left);
    const poolId = clock.closest('[data-pool-id]')?.dataset.poolId;
    if (left <= 0 && poolId) {
      clock.textContent = '即将开始… Opening';
      if (askedAt.get(poolId) !== clock.dataset.opensAt) {
        askedAt.set(poolId, clock.dataset.opensAt);
        readUntilOpen(poolId);
      }
    } else {
      waiting = true;
    }
  }
  if (waiting && !ticker) {
    ticker = setInterval(tick, 1000);
  } else if (!waiting && ticker) {
    clearInterval(ticker);
    ticker = null;
  }
}

/** The opening time has come: read the pool (its push may come first) until it says it is no longer scheduled. */
async function readUntilOpen(poolId) {
  for (let attempt = 0; attempt < 10 && view.pools.get(poolId)?.status === 'scheduled'; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, attempt === 0 ? 250 : 1000));
    try {
      applyPool(await getPool(poolId));
    } catch {
      // The next attempt, or the pool's push, will tell.
    }
  }
}

// ---------- data ----------

function applyPool(pool) {
  const shown = view.pools.get(pool.id);
  if (shown && pool.version < shown.version) {
    return; // older than what is on screen (a read and a push may cross)
  }
  const changed = !shown || shown.matchedAmount !== pool.matchedAmount;
  view.pools.set(pool.id, pool);
  renderPool(pool);
  if (changed && shown) {
    refreshTotalsSoon();
  }
}

function applyProgress(message) {
  const shown = view.campaigns.get(message.id);
  view.campaigns.set(message.id, { ...shown, ...message });
  renderCampaigns();
  if (shown && (shown.raisedAmount !== message.raisedAmount || shown.donationCount !== message.donationCount
    || shown.matchedAmount !== message.matchedAmount)) {
    refreshTotalsSoon();
  }
}

/**
 * The event's totals are exact sums the server makes: read them again when something moved, at most one read in
 * flight and one more queued behind it, however many messages arrive.
 */
let totalsReading = null;
let totalsAgain = false;

function refreshTotalsSoon() {
  if (totalsReading) {
    totalsAgain = true;
    return;
  }
  totalsReading = (async () => {
    do {
      totalsAgain = false;
      await new Promise((resolve) => setTimeout(resolve, 250));
      try {
        const event = await getEvent(eventId);
        view.event = event;
        renderTotals();
      } catch {
        // The next message reads them again.
      }
    } while (totalsAgain);
    totalsReading = null;
  })();
}

/** The campaigns taking part: those listed by id, and the live campaigns of the event's counties. */
async function loadCampaigns(event) {
  const byId = event.campaignIds.slice(0, MAX_LISTED_CAMPAIGNS).map((id) => getCampaign(id).catch(() => null));
  const byCounty = event.regions.map((county) => listCampaigns({ county, status: 'live', pageSize: 100 }).then((page) => page.items, () => []));
  const [listed, inCounties] = await Promise.all([Promise.all(byId), Promise.all(byCounty)]);
  for (const campaign of [...listed.filter(Boolean), ...inCounties.flat()]) {
    if (view.campaigns.size < MAX_LISTED_CAMPAIGNS && campaign.currency === event.currency) {
      view.campaigns.set(campaign.id, campaign);
    }
  }
}

// ---------- start ----------

function showMissing(text) {
  $('event').hidden = true;
  const missing = $('missing');
  missing.querySelector('p').textContent = text;
  missing.hidden = false;
  document.title = '未找到活动 - 慈善募捐';
}

async function main() {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(eventId)) {
    showMissing('链接中的活动编号无效。');
    return;
  }
  try {
    const [event, pools] = await Promise.all([getEvent(eventId), listPools(eventId).catch(() => ({ items: [] }))]);
    view.event = event;
    for (const pool of pools.items) {
      view.pools.set(pool.id, pool);
    }
    renderEvent();
    renderPools();
    buildBoards();
    boards = liveBoards({ eventId, boards: EVENT_BOARDS, onBoard: renderEventBoard });
    mine = myRank({ eventId, container: $('my-rank'), currency: event.currency ?? 'CNY' });
    await Promise.all([loadCampaigns(event), boards.read(), mine?.ready]);
    renderCampaigns();
  } catch (error) {
    showMissing(error instanceof ProblemError && error.status === 404 ? '未找到该活动，它可能已被移除。' : '活动信息加载失败，请刷新页面重试。');
    return;
  }
  // One connection for everything live; each watch sends its current state first.
  hub = openHub({ onState: renderLiveState });
  boards.connect(hub);
  mine?.connect(hub);
  for (const pool of view.pools.values()) {
    hub.watch('pool', pool.id, applyPool);
  }
  for (const campaign of [...view.campaigns.values()].slice(0, MAX_WATCHED_CAMPAIGNS)) {
    hub.watch('campaign', campaign.id, applyProgress);
  }
  document.body.dataset.loaded = 'true';
  // The phase badge (upcoming, live, over) follows the clock on a page left open.
  setInterval(() => renderEvent(), 60000);
}

main();
