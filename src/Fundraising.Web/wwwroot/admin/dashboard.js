// admin/dashboard.html: an event's live giving-day dashboard for staff (viewer role and above). Everything live comes
// from one connection to /hubs/dashboard: WatchDashboard(eventId) sends a `dashboard` message at once and then about
// one a second, sampled once per front end however many people watch. No part of the page polls.
import { resume, currentUser, antiforgeryHeaders } from './session.js';
import { request, ProblemError } from '/js/api.js';
import { formatMoney } from '/js/money.js';
import { el, formatCount } from '/js/ui.js';
import { POOL_STATUS_TEXT, remainingPercent, eventPhase } from '/js/pools.js';
import { showLiveState } from '/js/live.js';
import { rateChart } from './dashboard-charts.js';
import { showBoards } from './dashboard-boards.js';

const $ = (id) => document.getElementById(id);
const RETRY_DELAYS_MS = [0, 2000, 5000, 10000, 20000, 30000];

let connection = null;
let eventId = null;
let currency = 'CNY';
let lastAt = 0;
let boards = null;
let charts = null;

function showNotice(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

function showSignedOut() {
  connection?.stop();
  boards?.stop();
  $('dashboard').hidden = true;
  $('signed-out').hidden = false;
  $('whoami').hidden = true;
  document.body.dataset.state = 'signed-out';
}

/** The event asked for in the address, else the one running that ends soonest, else the newest. */
function chooseEvent(events) {
  const asked = new URLSearchParams(location.search).get('event');
  if (events.some((e) => e.id === asked)) {
    return asked;
  }
  const running = events.filter((e) => eventPhase(e) === 'running').sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt));
  return (running[0] ?? events[0])?.id ?? null;
}

function renderPools(pools) {
  $('d-pools-empty').hidden = pools.length > 0;
  $('d-pools').replaceChildren(...pools.map((pool) => {
    const percent = remainingPercent(pool);
    const fill = el('div', { class: 'progress-fill' });
    fill.style.width = `${percent}%`;
    return el('li', { attrs: { 'data-pool-id': pool.id, 'data-status': pool.status } },
      el('div', { class: 'pool-head' },
        el('span', { class: 'dash-pool-name', text: pool.sponsorName }),
        el('span', { class: `badge pool-status pool-status-${pool.status}`, text: POOL_STATUS_TEXT[pool.status] ?? pool.status })),
      el('div', {
        class: 'progress pool-bar',
        attrs: { role: 'progressbar', 'aria-label': `${pool.sponsorName} 剩余 remaining`, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': percent },
      }, fill),
      el('p', { class: 'pool-amounts' },
        el('span', { text: '剩余 Left ' }),
        el('strong', { class: 'pool-remaining', text: formatMoney(pool.remainingAmount, currency) }),
        el('span', { text: ` / 预算 ${formatMoney(pool.budget, currency)} · 已配 ${formatMoney(pool.matchedAmount, currency)}` })));
  }));
}

function renderHealth(health) {
  $('d-activations').textContent = formatCount(health.activations);
  $('d-commits').textContent = formatCount(health.commitBatches.count);
  $('d-commit-size').textContent = `${health.commitBatches.meanSize} / ${formatCount(health.commitBatches.maxSize)}`;
  $('d-backlog').textContent = formatCount(health.webhookBacklog);
  $('d-silos').replaceChildren(...health.silos.map((silo) => el('li', { attrs: { 'data-status': silo.status } },
    el('span', { class: `badge silo-${silo.status}`, text: silo.status }), el('code', { text: silo.address }))));
}

function apply(message) {
  const at = Date.parse(message.at);
  if (message.eventId !== eventId || at <= lastAt) {
    return; // another event's (just switched away), or older than what is shown
  }
  lastAt = at;
  currency = message.currency ?? currency;
  $('d-raised').textContent = formatMoney(message.totals.raisedAmount, currency);
  $('d-count').textContent = formatCount(message.totals.donationCount);
  $('d-matched').textContent = formatMoney(message.totals.matchedAmount, currency);
  $('d-at').textContent = new Date(at).toLocaleTimeString('zh-CN', { hour12: false });
  $('d-rate-donations').textContent = formatCount(message.donationsPerSecond);
  $('d-rate-matched').textContent = formatMoney(Math.round(message.matchedPerSecond), currency);
  charts.donations.push(message.at, message.donationsPerSecond);
  charts.matched.push(message.at, message.matchedPerSecond / 100);
  renderPools(message.pools);
  $('d-flagged-count').textContent = formatCount(message.flaggedCount);
  $('d-flagged').dataset.count = String(message.flaggedCount);
  renderHealth(message.health);
  $('dashboard').dataset.donationCount = String(message.totals.donationCount);
  document.body.dataset.live = 'true';
}

async function watch(id) {
  await connection.invoke('WatchDashboard', id);
}

function isUnauthorized(error) {
  return error?.statusCode === 401 || /\b401\b/.test(error?.message ?? '');
}

async function connect(attempt = 0) {
  showLiveState($('live-status'), attempt === 0 ? 'connecting' : 'reconnecting');
  try {
    if (connection.state === signalR.HubConnectionState.Disconnected) {
      await connection.start();
    }
    await watch(eventId);
    showLiveState($('live-status'), 'connected');
  } catch (error) {
    if (isUnauthorized(error)) {
      showSignedOut();
      return;
    }
    showLiveState($('live-status'), 'disconnected');
    setTimeout(() => connect(attempt + 1), RETRY_DELAYS_MS[Math.min(attempt + 1, RETRY_DELAYS_MS.length - 1)]);
  }
}

function openHub() {
  connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/dashboard', { headers: antiforgeryHeaders() })
    .withAutomaticReconnect(RETRY_DELAYS_MS)
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on('dashboard', apply);
  connection.onreconnecting(() => showLiveState($('live-status'), 'reconnecting'));
  connection.onreconnected(() => watch(eventId).then(() => showLiveState($('live-status'), 'connected'), () => connect(1)));
  connection.onclose(() => {
    if (document.body.dataset.state === 'signed-in') {
      connect(RETRY_DELAYS_MS.length - 2);
    }
  });
  connect();
}

function startBoards() {
  boards?.stop();
  boards = showBoards(eventId, { container: $('d-boards'), unavailable: $('boards-unavailable'), currency, headers: antiforgeryHeaders() });
}

async function switchTo(id) {
  const previous = eventId;
  eventId = id;
  lastAt = 0;
  delete document.body.dataset.live;
  charts.donations.clear();
  charts.matched.clear();
  history.replaceState(null, '', `?event=${encodeURIComponent(id)}`);
  startBoards();
  if (connection?.state === signalR.HubConnectionState.Connected) {
    await connection.invoke('UnwatchDashboard', previous).catch(() => {});
    await watch(id).catch(() => connect(1));
  }
}

async function start() {
  let signedIn;
  try {
    signedIn = await resume();
  } catch {
    showNotice('暂时无法连接服务器，请稍后再试。The server is not answering.');
    return;
  }
  if (!signedIn) {
    showSignedOut();
    return;
  }
  const user = currentUser();
  $('whoami').textContent = `${user.displayName}（${user.userName} · ${user.role}）`;
  $('whoami').hidden = false;
  $('dashboard').hidden = false;
  document.body.dataset.state = 'signed-in';
  charts = {
    donations: rateChart($('chart-donations'), { label: '每秒捐赠 Donations / s', color: '#c8312b', format: (v) => formatCount(v) }),
    matched: rateChart($('chart-matched'), { label: '每秒配捐 Matched / s', color: '#2f855a', format: (v) => `¥${formatCount(v)}` }),
  };

  let events;
  try {
    events = (await request('GET', '/api/events')).items;
  } catch (error) {
    showNotice(`活动加载失败 Events could not be loaded：${error instanceof ProblemError ? error.message : ''}`);
    return;
  }
  $('d-event').replaceChildren(...events.map((e) => el('option', { text: e.name, attrs: { value: e.id } })));
  eventId = chooseEvent(events);
  if (!eventId) {
    $('no-events').hidden = false;
    return;
  }
  $('d-event').value = eventId;
  currency = events.find((e) => e.id === eventId)?.currency ?? currency;
  $('d-event').addEventListener('change', () => switchTo($('d-event').value));
  startBoards();
  if (!globalThis.signalR) {
    showLiveState($('live-status'), 'unavailable');
    return;
  }
  openHub();
}

start();
