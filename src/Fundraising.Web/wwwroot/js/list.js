// index.html: campaigns with filters (kind, county, status) and paging, all mirrored in the URL.
import { listCampaigns, ProblemError } from './api.js';
import { formatMoney, percentOf } from './money.js';
import { el, kindBadge, statusBadge, regionText, formatCount } from './ui.js';

const PAGE_SIZE = 12;
const $ = (id) => document.getElementById(id);

function readQuery() {
  const query = new URLSearchParams(location.search);
  const page = Number.parseInt(query.get('page') ?? '1', 10);
  return {
    kind: ['appeal', 'village'].includes(query.get('kind')) ? query.get('kind') : '',
    county: (query.get('county') ?? '').trim(),
    status: query.get('status') === 'closed' ? 'closed' : 'live',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function writeQuery(filters) {
  const query = new URLSearchParams();
  if (filters.kind) query.set('kind', filters.kind);
  if (filters.county) query.set('county', filters.county);
  if (filters.status !== 'live') query.set('status', filters.status);
  if (filters.page > 1) query.set('page', String(filters.page));
  const search = query.toString();
  history.pushState(null, '', search ? `?${search}` : location.pathname);
}

function card(c) {
  const percent = percentOf(c.raisedAmount, c.goalAmount);
  const shown = Math.min(percent, 100);
  const fill = el('div', { class: 'progress-fill' });
  fill.style.width = `${shown}%`;
  const link = el('a', { class: 'card-link', text: c.title, attrs: { href: `${c.kind === 'village' ? 'village' : 'campaign'}.html?id=${encodeURIComponent(c.id)}` } });
  return el('li', { class: 'card campaign-card', attrs: { 'data-campaign-id': c.id } },
    el('div', { class: 'badges' }, kindBadge(c.kind), c.status !== 'live' ? statusBadge(c.status) : null),
    el('h2', { class: 'card-title' }, link),
    el('p', { class: 'region', text: regionText(c.region) }),
    el('div', {
      class: 'progress',
      attrs: { role: 'progressbar', 'aria-label': `${c.title} 筹款进度`, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': shown },
    }, fill),
    el('p', { class: 'card-money' },
      el('span', { class: 'card-raised', text: formatMoney(c.raisedAmount, c.currency) }),
      el('span', { class: 'card-goal', text: ` / 目标 ${formatMoney(c.goalAmount, c.currency)}` })),
    el('p', { class: 'card-meta' },
      el('span', { text: `${formatCount(c.donationCount)} 人次` }),
      el('span', { class: 'card-percent', text: `${percent}%` })),
    el('span', { class: 'card-cta', text: c.status === 'live' ? '去捐赠 →' : '查看详情 →', attrs: { 'aria-hidden': 'true' } }));
}

let current = readQuery();
let loadCounter = 0;

async function load() {
  const filters = current;
  const mine = ++loadCounter;
  const list = $('campaigns');
  list.setAttribute('aria-busy', 'true');
  $('result-summary').textContent = '正在加载…';
  try {
    const result = await listCampaigns({ ...filters, pageSize: PAGE_SIZE });
    if (mine !== loadCounter) {
      return; // a newer filter won
    }
    const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
    list.replaceChildren(...result.items.map(card));
    $('result-summary').textContent = result.total === 0
      ? '没有符合条件的项目，换个条件试试。'
      : `共 ${formatCount(result.total)} 个项目`;
    $('pager').hidden = pages <= 1 && filters.page <= 1;
    $('page-info').textContent = `第 ${filters.page} / ${pages} 页`;
    $('prev-page').disabled = filters.page <= 1;
    $('next-page').disabled = filters.page >= pages;
    document.body.dataset.loaded = 'true';
  } catch (error) {
    if (mine !== loadCounter) {
      return;
    }
    list.replaceChildren();
    $('result-summary').textContent = error instanceof ProblemError
      ? `筛选条件无效：${error.message}`
      : '项目加载失败，请检查网络后刷新页面。';
  } finally {
    if (mine === loadCounter) {
      list.removeAttribute('aria-busy');
    }
  }
}

function syncControls() {
  $('kind').value = current.kind;
  $('county').value = current.county;
  $('status').value = current.status;
}

function applyFilters() {
  current = {
    kind: $('kind').value,
    county: $('county').value.trim(),
    status: $('status').value,
    page: 1,
  };
  writeQuery(current);
  load();
}

function goToPage(page) {
  current = { ...current, page };
  writeQuery(current);
  load();
  $('result-summary').scrollIntoView({ block: 'start', behavior: 'smooth' });
}

$('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  applyFilters();
});
$('kind').addEventListener('change', applyFilters);
$('status').addEventListener('change', applyFilters);
$('county').addEventListener('change', applyFilters);
$('prev-page').addEventListener('click', () => goToPage(current.page - 1));
$('next-page').addEventListener('click', () => goToPage(current.page + 1));
window.addEventListener('popstate', () => {
  current = readQuery();
  syncControls();
  load();
});

syncControls();
load();
