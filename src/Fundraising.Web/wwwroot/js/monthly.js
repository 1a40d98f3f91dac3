// monthly.html#id=…&token=…: a donor's own monthly gift (月捐): status, months given, and cancelling it.
// The token is the donor's only key to the gift. It lives in the #fragment, which browsers never send to a
// server, and goes out only as the Monthly-Gift-Token header. Back from checkout the page is opened as
// monthly.html?id=…&paid=1 (the address Stripe knows holds no token): the token is then taken from the tab's
// sessionStorage, where the campaign page left it, and moved into the fragment.
import { getCampaign, getMonthlyGift, cancelMonthlyGift, ProblemError, NetworkError } from './api.js';
import { formatMoney } from './money.js';
import { el, formatDate } from './ui.js';

const STORAGE_PREFIX = 'fundraising.monthlyGift.';
const STATUS_TEXT = { pending: '待生效', active: '进行中', cancelled: '已取消' };
const PAYMENT_TEXT = { succeeded: '已捐出', refunded: '已退款', pending: '处理中' };
const POLL_MS = 1500;
const POLL_TIMES = 20;

const $ = (id) => document.getElementById(id);

/** The gift's id and token, from the fragment or (just back from checkout) from sessionStorage. */
function readAccess() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  let id = fragment.get('id');
  let token = fragment.get('token');
  if (!token && query.get('id')) {
    id = query.get('id');
    token = sessionStorage.getItem(STORAGE_PREFIX + id);
  }
  if (id && token) {
    sessionStorage.removeItem(STORAGE_PREFIX + id);
    history.replaceState(null, '', `${location.pathname}#id=${encodeURIComponent(id)}&token=${encodeURIComponent(token)}`);
  }
  return { id, token, justPaid: query.get('paid') === '1' };
}

const access = readAccess();
let gift = null;

function showError(id, text) {
  $(id).textContent = text;
  $(id).hidden = !text;
}

function problemText(error, action) {
  if (error instanceof ProblemError) {
    if (error.status === 404) {
      return '未找到该月捐，或管理链接不完整。请使用开通时收藏的完整链接。';
    }
    return `${action}未成功：${error.problem.detail || error.problem.title || `错误 ${error.status}`}`;
  }
  if (error instanceof NetworkError) {
    return error.status === 502
      ? `支付平台暂时没有响应，${action}未完成，请稍后重试。`
      : `服务器暂时无法响应，${action}未完成，请稍后重试。`;
  }
  return `${action}未成功，请稍后重试。`;
}

function monthsGiven(g) {
  return g.gifts.filter((p) => p.status !== 'pending');
}

function render(g) {
  gift = g;
  const status = $('gift-status');
  status.textContent = STATUS_TEXT[g.status] ?? g.status;
  status.className = `badge badge-${g.status}`;
  $('gift').dataset.status = g.status;
  $('gift-amount').textContent = `${formatMoney(g.amount, g.currency)} / 月`;
  const given = monthsGiven(g);
  $('gift-months').textContent = String(given.length);
  $('gift-total').textContent = formatMoney(g.totalGiven, g.currency);
  $('gift-donor').textContent = g.anonymous
    ? `匿名（公开显示为“匿名爱心人士”${g.displayName ? `，您留下的称呼“${g.displayName}”不会公开` : ''}）`
    : g.displayName || '未留称呼';
  $('gift-created').textContent = formatDate(g.createdAt);
  $('gift-cancelled-row').hidden = !g.cancelledAt;
  $('gift-cancelled').textContent = g.cancelledAt ? formatDate(g.cancelledAt) : '';
  $('gift-months-list').replaceChildren(...(given.length === 0
    ? [el('li', { class: 'hint', text: g.status === 'cancelled' ? '没有扣款记录。' : '首月捐款确认后会显示在这里。' })]
    : given.map((p) => el('li', {},
      el('span', { text: formatDate(p.succeededAt) }),
      el('span', { text: `${formatMoney(p.amount, p.currency)} · ${PAYMENT_TEXT[p.status] ?? p.status}${p.refundedAmount > 0 && p.status !== 'refunded' ? `（已退 ${formatMoney(p.refundedAmount, p.currency)}）` : ''}` })))));
  $('cancel').hidden = g.status === 'cancelled';
  if (g.status === 'cancelled') {
    $('cancel-confirm').hidden = true;
  }
  $('gift').hidden = false;
}

async function showCampaign(campaignId) {
  try {
    const campaign = await getCampaign(campaignId);
    $('campaign-link').textContent = `捐赠项目：${campaign.title}`;
  } catch {
    $('campaign-link').textContent = '查看捐赠项目';
  }
  $('campaign-link').href = `/campaign.html?id=${encodeURIComponent(campaignId)}`;
}

async function load() {
  showError('monthly-error', '');
  const g = await getMonthlyGift(access.id, access.token);
  render(g);
  return g;
}

/** Stripe tells the platform a moment after the donor is back: look again for a while until the first month shows. */
async function waitForFirstMonth(g) {
  for (let i = 0; i < POLL_TIMES && (g.status === 'pending' || (access.justPaid && g.status === 'active' && monthsGiven(g).length === 0)); i++) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    g = await load();
  }
}

async function refresh() {
  try {
    await load();
  } catch (error) {
    showError('monthly-error', problemText(error, '刷新'));
  }
}

async function cancel() {
  const button = $('confirm-cancel');
  button.disabled = true;
  showError('cancel-error', '');
  try {
    render(await cancelMonthlyGift(access.id, access.token));
    $('cancel-confirm').hidden = true;
  } catch (error) {
    showError('cancel-error', problemText(error, '取消'));
  } finally {
    button.disabled = false;
  }
}

function wire() {
  $('refresh').addEventListener('click', refresh);
  $('cancel').addEventListener('click', () => {
    $('cancel-confirm').hidden = false;
    $('keep').focus();
  });
  $('keep').addEventListener('click', () => {
    $('cancel-confirm').hidden = true;
    $('cancel').focus();
  });
  $('confirm-cancel').addEventListener('click', cancel);
  $('copy-link').addEventListener('click', async () => {
    $('manage-link').select();
    try {
      await navigator.clipboard.writeText(location.href);
      $('copy-done').textContent = '已复制。';
    } catch {
      $('copy-done').textContent = '请手动复制上面的链接。';
    }
  });
}

async function main() {
  $('paid-notice').hidden = !access.justPaid;
  if (!access.id || !access.token || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(access.id)) {
    $('monthly-loading').hidden = true;
    showError('monthly-error', access.id
      ? '本页面缺少该月捐的管理凭证。请打开开通月捐时收藏的完整链接（在同一浏览器标签页中完成支付时会自动显示）。'
      : '链接不完整。请打开开通月捐时收藏的完整链接。');
    document.body.dataset.loaded = 'true';
    return;
  }
  wire();
  $('manage-link').value = location.href;
  $('bookmark').hidden = false;
  try {
    const g = await load();
    showCampaign(g.campaignId);
    document.body.dataset.loaded = 'true';
    await waitForFirstMonth(g);
  } catch (error) {
    showError('monthly-error', problemText(error, '加载'));
    $('bookmark').hidden = !(error instanceof NetworkError);
    document.body.dataset.loaded = 'true';
  } finally {
    $('monthly-loading').hidden = true;
  }
}

main();
