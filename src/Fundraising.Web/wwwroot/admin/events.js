// Giving-day events and their matching pools (配捐): the event list and create form, one event's pools (create, pause,
// resume) and the gifts flagged by the velocity rule (release or reject each). Every change carries the antiforgery
// token (adminRequest).
import { formatMoney } from '/js/money.js';
import { el, formatCount } from '/js/ui.js';
import { POOL_STATUS_TEXT, windowText, rulesText, formatInZone } from '/js/pools.js';
import { adminRequest } from './session.js';
import { fillRows, row, readForm, handleSubmit, showDone, clearMessages, formatDateTime } from './view.js';
import { knownCampaigns, campaignTitle } from './campaigns.js';

const $ = (id) => document.getElementById(id);

let events = new Map();
let selected = null; // the event whose pools are shown

// ---------- time: what an admin types is the event zone's wall clock ----------

/** Minutes the zone is ahead of UTC at an instant. */
function offsetMinutes(instant, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return Math.round((Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - instant) / 60000);
}

/** "2026-09-07T10:00" read in the zone -> "2026-09-07T10:00:00+08:00"; null for an empty or malformed value. */
export function zonedIso(localValue, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(localValue ?? '');
  if (!match) {
    return null;
  }
  const [, y, mo, d, h, mi] = match.map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // The offset at the wall time read as UTC, then at the instant that gives (right also across a DST change).
  let offset = offsetMinutes(wall, timeZone);
  offset = offsetMinutes(wall - offset * 60000, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const pad = (n) => String(n).padStart(2, '0');
  return `${localValue}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** An instant as the zone's wall clock, in a datetime-local input's form ("2026-09-07T10:00"). */
function wallClock(instant, timeZone) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

function isKnownZone(timeZone) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return Boolean(timeZone);
  } catch {
    return false;
  }
}

const splitList = (text) => (text ?? '').split(/[,，、;；\s]+/).map((part) => part.trim()).filter(Boolean);

function fillCampaignChoices(select) {
  const chosen = new Set(Array.from(select.selectedOptions, (option) => option.value));
  select.replaceChildren(...knownCampaigns().map((c) => el('option', { text: c.title, attrs: { value: c.id, selected: chosen.has(c.id) } })));
}

// ---------- events ----------

function actionButton(text, action, id) {
  return el('button', { class: 'button-secondary button-small', text, attrs: { type: 'button', 'data-action': action, 'data-id': id } });
}

export async function loadEvents() {
  fillCampaignChoices($('e-campaigns'));
  fillCampaignChoices($('pl-campaigns'));
  const error = $('events-error');
  try {
    const list = await adminRequest('GET', '/api/events');
    error.hidden = true;
    events = new Map(list.items.map((e) => [e.id, e]));
    fillRows($('event-rows'), list.items.map((e) => {
      const m = (amount) => formatMoney(amount, e.currency);
      const takingPart = [e.campaignIds.length ? `${e.campaignIds.length} 个项目` : null, e.regions.length ? e.regions.join('、') : null].filter(Boolean).join('；');
      return row([e.name, windowText(e), takingPart, m(e.totals.raisedAmount), formatCount(e.totals.donationCount), m(e.totals.matchedAmount),
        el('span', { class: 'row-actions' }, actionButton('配捐池', 'pools', e.id),
          el('a', { text: '公开页', attrs: { href: `/event.html?id=${encodeURIComponent(e.id)}`, target: '_blank', rel: 'noopener' } }))],
      { 'data-event-id': e.id });
    }), '还没有活动，请在下方新建。', 7);
  } catch (failure) {
    error.textContent = `活动列表加载失败：${failure.message}`;
    error.hidden = false;
  }
}

function readEvent(form) {
  const read = readForm(form);
  const { values, errors } = read;
  if (!isKnownZone(values.timeZone)) {
    errors.timeZone = ['请输入 IANA 时区，例如 Asia/Shanghai。'];
  } else {
    for (const field of ['startsAt', 'endsAt']) {
      values[field] = zonedIso(values[field], values.timeZone);
      if (!values[field]) {
        errors[field] = ['请选择日期和时间。'];
      }
    }
  }
  values.regions = splitList(values.regions);
  return read;
}

// ---------- one event's pools ----------

function poolRow(pool) {
  const m = (amount) => formatMoney(amount, pool.currency);
  const opens = pool.nextOpensAt ? `${pool.opensAt}（下次 ${formatInZone(pool.nextOpensAt, selected.timeZone)}）` : pool.opensAt;
  const actions = el('span', { class: 'row-actions' },
    pool.status === 'open' || pool.status === 'scheduled' ? actionButton('暂停 Pause', 'pause', pool.id) : null,
    pool.status === 'paused' ? actionButton('恢复 Resume', 'resume', pool.id) : null);
  return row([pool.sponsorName, POOL_STATUS_TEXT[pool.status] ?? pool.status, m(pool.budget), m(pool.remainingAmount), m(pool.matchedAmount),
    m(pool.heldAmount), formatCount(pool.matchCount), opens, rulesText(pool, selected.timeZone).join('；'), actions],
  { 'data-pool-id': pool.id, 'data-status': pool.status });
}

export async function loadPools(id = selected?.id) {
  if (!id) {
    return;
  }
  const event = events.get(id) ?? await adminRequest('GET', `/api/events/${encodeURIComponent(id)}`);
  if (selected?.id !== event.id) {
    clearMessages($('pool-form'));
  }
  selected = event;
  $('event-title').textContent = `${event.name} · 配捐池`;
  $('event-window').textContent = windowText(event);
  $('event-public-link').href = `/event.html?id=${encodeURIComponent(event.id)}`;
  $('pl-currency').value = event.currency;
  $('event-panel').hidden = false;
  const error = $('pools-error');
  try {
    const list = await adminRequest('GET', `/api/events/${encodeURIComponent(event.id)}/pools`);
    error.hidden = true;
    fillRows($('pool-rows'), list.items.map(poolRow), '本活动还没有配捐池。', 10);
  } catch (failure) {
    error.textContent = `配捐池加载失败：${failure.problem?.detail ?? failure.message}`;
    error.hidden = false;
  }
  $('event-panel').dataset.eventId = event.id;
  $('event-panel').dataset.loaded = 'true';
}

function readPool(form) {
  const read = readForm(form, {
    yuan: { budget: '总额', dailyBudget: '每日额度', maxPerGift: '每笔上限', maxPerDonorPerDay: '每人每天上限', 'random.min': '随机下限', 'random.max': '随机上限' },
    optionalYuan: ['dailyBudget', 'random.min', 'random.max'],
    integers: ['ratio.match', 'ratio.per'],
  });
  const { values, errors } = read;
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(values.opensAt)) {
    errors.opensAt = ['请输入 24 小时制时间，例如 10:00。'];
  }
  if ((values['random.min'] === null) !== (values['random.max'] === null) && !errors['random.min'] && !errors['random.max']) {
    errors[values['random.min'] === null ? 'random.min' : 'random.max'] = ['随机配捐的上下限须同时填写，或都不填。'];
  }
  values['eligible.counties'] = splitList(values['eligible.counties']);
  return read;
}

function poolBody(v) {
  const campaignIds = v['eligible.campaignIds'];
  const counties = v['eligible.counties'];
  return {
    sponsorName: v.sponsorName,
    budget: v.budget,
    currency: v.currency,
    opensAt: v.opensAt,
    dailyBudget: v.dailyBudget,
    ratio: { match: v['ratio.match'], per: v['ratio.per'] },
    maxPerGift: v.maxPerGift,
    maxPerDonorPerDay: v.maxPerDonorPerDay,
    random: v['random.min'] === null ? null : { min: v['random.min'], max: v['random.max'] },
    eligible: campaignIds.length || counties.length ? { campaignIds: campaignIds.length ? campaignIds : null, counties: counties.length ? counties : null } : null,
  };
}

async function poolAction(id, action) {
  const error = $('pools-error');
  try {
    await adminRequest('POST', `/api/pools/${encodeURIComponent(id)}/${action}`);
    error.hidden = true;
  } catch (failure) {
    error.textContent = `${action === 'pause' ? '暂停' : '恢复'}失败：${failure.problem?.detail ?? failure.problem?.title ?? failure.message}`;
    error.hidden = false;
  }
  await loadPools();
}

// ---------- flagged gifts ----------

const FLAG_STATUS_TEXT = { held: '待审核', released: '已放行', rejected: '已拒绝' };
/** The velocity rule's reason in Chinese first, then the server's words. */
function reasonText(reason) {
  const soon = /^under (\d+) s/.exec(reason ?? '');
  const many = /^more than (\d+) gifts in a minute/.exec(reason ?? '');
  const chinese = soon ? `距同一捐赠人上一笔不足 ${soon[1]} 秒` : many ? `同一捐赠人 1 分钟内超过 ${many[1]} 笔` : null;
  return chinese ? `${chinese}（${reason}）` : reason ?? '';
}

export async function loadFlagged() {
  const status = $('flagged-status').value;
  const error = $('flagged-error');
  try {
    const list = await adminRequest('GET', `/api/admin/flagged-gifts?status=${encodeURIComponent(status)}`);
    error.hidden = true;
    fillRows($('flagged-rows'), list.items.map((f) => {
      const m = (amount) => formatMoney(amount, f.currency);
      const actions = f.status === 'held'
        ? el('span', { class: 'row-actions' }, actionButton('放行 Release', 'release', f.donationId), actionButton('拒绝 Reject', 'reject', f.donationId))
        : null;
      return row([formatDateTime(f.flaggedAt), campaignTitle(f.campaignId), m(f.giftAmount), m(f.matchAmount), reasonText(f.reason),
        FLAG_STATUS_TEXT[f.status] ?? f.status, actions ?? ''], { 'data-donation-id': f.donationId, 'data-status': f.status });
    }), status === 'held' ? '没有待审核的配捐。' : '没有记录。', 7);
    $('flagged-rows').dataset.loaded = status;
  } catch (failure) {
    if (failure?.status === 403) {
      $('flagged-rows').replaceChildren(); // not this account's to review: left empty, not a failure
      return;
    }
    error.textContent = `待审核配捐加载失败：${failure.problem?.detail ?? failure.message}`;
    error.hidden = false;
  }
}

async function decide(donationId, action) {
  const error = $('flagged-error');
  const done = $('flagged-done');
  try {
    const item = await adminRequest('POST', `/api/admin/flagged-gifts/${encodeURIComponent(donationId)}/${action}`);
    error.hidden = true;
    done.textContent = action === 'release'
      ? `已放行：配捐 ${formatMoney(item.matchAmount, item.currency)} 计入配捐。`
      : `已拒绝：配捐 ${formatMoney(item.matchAmount, item.currency)} 退回配捐池。`;
    done.hidden = false;
  } catch (failure) {
    done.hidden = true;
    error.textContent = `${action === 'release' ? '放行' : '拒绝'}失败：${failure.problem?.detail ?? failure.problem?.title ?? failure.message}`;
    error.hidden = false;
  }
  await Promise.allSettled([loadFlagged(), loadPools(), loadEvents()]);
}

/** Signed out: forget every event, pool and flagged gift shown, and the campaigns offered for choosing. */
export function forgetEvents() {
  events = new Map();
  selected = null;
  for (const id of ['e-campaigns', 'pl-campaigns', 'event-rows', 'pool-rows', 'flagged-rows']) {
    $(id).replaceChildren();
  }
  for (const id of ['event-title', 'event-window', 'flagged-done', 'flagged-error', 'pools-error', 'events-error']) {
    $(id).textContent = '';
  }
  for (const id of ['flagged-done', 'flagged-error', 'pools-error', 'events-error', 'event-panel']) {
    $(id).hidden = true;
  }
}

/** Wires the event list and form, the pools panel and the flagged gifts; refreshAll() reloads every part. */
export function setupEvents({ refreshAll }) {
  const now = Date.now();
  $('e-starts').value = wallClock(now, $('e-zone').value);
  $('e-ends').value = wallClock(now + 3 * 24 * 3600 * 1000, $('e-zone').value);
  $('refresh-events').addEventListener('click', () => loadEvents());
  $('event-rows').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action="pools"]');
    if (button) {
      loadPools(button.dataset.id).then(() => $('event-panel').scrollIntoView({ block: 'start' }));
    }
  });

  const eventForm = $('event-form');
  handleSubmit(eventForm, readEvent, async (v) => {
    const created = await adminRequest('POST', '/api/events', {
      body: { name: v.name, startsAt: v.startsAt, endsAt: v.endsAt, timeZone: v.timeZone, campaignIds: v.campaignIds, regions: v.regions },
    });
    showDone(eventForm, `已创建活动：${created.name}`);
    $('e-name').value = '';
    await refreshAll();
    await loadPools(created.id);
  });

  $('refresh-pools').addEventListener('click', () => loadPools());
  $('pool-rows').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) {
      poolAction(button.dataset.id, button.dataset.action);
    }
  });
  const poolForm = $('pool-form');
  handleSubmit(poolForm, readPool, async (v) => {
    const pool = await adminRequest('POST', `/api/events/${encodeURIComponent(selected.id)}/pools`, { body: poolBody(v) });
    showDone(poolForm, `已创建配捐池：${pool.sponsorName}，总额 ${formatMoney(pool.budget, pool.currency)}`);
    $('pl-sponsor').value = '';
    await loadPools();
  });

  $('flagged-status').addEventListener('change', () => loadFlagged());
  $('refresh-flagged').addEventListener('click', () => loadFlagged());
  $('flagged-rows').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) {
      decide(button.dataset.id, button.dataset.action);
    }
  });
}

