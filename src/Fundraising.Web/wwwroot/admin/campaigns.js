// Campaigns: the list (every status, drafts included), create, open and close.
import { formatMoney } from '/js/money.js';
import { el, kindBadge, statusBadge, regionText } from '/js/ui.js';
import { adminRequest } from './session.js';
import { fillRows, row, readForm, handleSubmit, showDone } from './view.js';

const $ = (id) => document.getElementById(id);
const titles = new Map();

/** The title of a campaign the list has seen (for the audit log), or its id. */
export function campaignTitle(id) {
  return titles.get(id) ?? id ?? '';
}

/** Every campaign the list has seen, `{id, title}`, as it was listed (for choosing an event's campaigns). */
export function knownCampaigns() {
  return Array.from(titles, ([id, title]) => ({ id, title }));
}

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function isoOrNull(localValue) {
  const date = localValue ? new Date(localValue) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

function actionButton(text, action, id) {
  return el('button', { class: 'button-secondary button-small', text, attrs: { type: 'button', 'data-action': action, 'data-id': id } });
}

export async function loadCampaigns() {
  const error = $('campaigns-error');
  try {
    const result = await adminRequest('GET', '/api/campaigns?pageSize=100');
    error.hidden = true;
    titles.clear();
    const rows = result.items.map((c) => {
      titles.set(c.id, c.title);
      const actions = el('span', { class: 'row-actions' },
        actionButton('管理', 'select', c.id),
        c.status === 'draft' ? actionButton('开启', 'open', c.id) : null,
        c.status === 'live' ? actionButton('关闭', 'close', c.id) : null);
      return row([c.title, kindBadge(c.kind), regionText(c.region), statusBadge(c.status),
        formatMoney(c.raisedAmount, c.currency), formatMoney(c.goalAmount, c.currency), actions], { 'data-campaign-id': c.id });
    });
    fillRows($('campaign-rows'), rows, '还没有项目，请在下方新建。', 7);
  } catch (failure) {
    error.textContent = `项目列表加载失败：${failure.message}`;
    error.hidden = false;
  }
}

async function transition(id, action, refreshAll) {
  const error = $('campaigns-error');
  try {
    await adminRequest('POST', `/api/campaigns/${encodeURIComponent(id)}/${action}`);
    error.hidden = true;
  } catch (failure) {
    error.textContent = `${action === 'open' ? '开启' : '关闭'}失败：${failure.problem?.detail ?? failure.message}`;
    error.hidden = false;
  }
  await refreshAll();
}

/** Wires the list and the create form; onSelect(id) opens a campaign's panel. */
export function setupCampaigns({ onSelect, refreshAll }) {
  const now = new Date();
  $('c-starts').value = localInputValue(now);
  $('c-ends').value = localInputValue(new Date(now.getTime() + 30 * 24 * 3600 * 1000));

  $('campaign-rows').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) {
      return;
    }
    const { action, id } = button.dataset;
    if (action === 'select') {
      onSelect(id);
    } else {
      transition(id, action, refreshAll);
    }
  });
  $('refresh-campaigns').addEventListener('click', () => loadCampaigns());

  const form = $('campaign-form');
  handleSubmit(form, (f) => readForm(f, { yuan: { goalAmount: '目标金额' } }), async (v) => {
    const created = await adminRequest('POST', '/api/campaigns', {
      body: {
        title: v.title,
        description: v.description,
        kind: v.kind,
        region: { province: v['region.province'], city: v['region.city'], county: v['region.county'], village: v['region.village'] || null },
        currency: 'CNY',
        goalAmount: v.goalAmount,
        startsAt: isoOrNull(v.startsAt),
        endsAt: isoOrNull(v.endsAt),
      },
    });
    showDone(form, `已创建草稿：${created.title}（开启后公众可见）`);
    form.querySelector('#c-title').value = '';
    await refreshAll();
    onSelect(created.id);
  });
}
