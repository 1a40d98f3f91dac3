// One campaign's panel: totals as the charity reports them (款物, 线上线下), offline and goods gifts,
// stage pledges and their payments, the gifts list and refunds.
import { formatMoney } from '/js/money.js';
import { el, formatCount } from '/js/ui.js';
import { adminRequest } from './session.js';
import { fillRows, row, readForm, handleSubmit, showDone, clearMessages, newKey, formatDateTime } from './view.js';
import { loadDisbursements } from './disbursements.js';

const $ = (id) => document.getElementById(id);
const path = (id) => `/api/campaigns/${encodeURIComponent(id)}`;

let campaign = null;
let donations = new Map();
let refund = null; // { donation, key, bodyKey }: one Idempotency-Key per refund body, reused on a retry

const STATUS_TEXT = { succeeded: '已到账', refunded: '已全额退款', pending: '待支付' };
const METHOD_TEXT = { online: '线上', offline: '线下' };

function money(amount) {
  return formatMoney(amount, campaign?.currency ?? 'CNY');
}

function showTotals(c) {
  $('selected-title').textContent = c.title;
  $('selected-public-link').href = `/campaign.html?id=${encodeURIComponent(c.id)}`;
  $('total-all').textContent = money(c.raisedAmount);
  $('total-money').textContent = money(c.moneyAmount);
  $('total-goods').textContent = money(c.goodsAmount);
  $('total-online').textContent = money(c.onlineAmount);
  $('total-offline').textContent = money(c.offlineAmount);
  $('total-count').textContent = formatCount(c.donationCount);
  $('campaign-panel').dataset.campaignId = c.id;
}

function donorCell(d) {
  return el('span', {}, el('span', { class: 'donor-name', text: d.displayName ?? '（未留名）' }), d.anonymous ? el('span', { class: 'tag', text: '匿名' }) : null);
}

function kindText(d) {
  if (d.kind === 'goods') {
    return `物资：${d.item} × ${d.quantity}`;
  }
  return d.pledgeId ? '线下 · 认捐到账' : `${METHOD_TEXT[d.channel] ?? d.channel}善款`;
}

function donationRow(d) {
  const left = d.amount - d.refundedAmount;
  const actions = el('span', { class: 'row-actions' },
    el('button', { class: 'button-secondary button-small', text: '退款', attrs: { type: 'button', 'data-refund': d.id, disabled: left <= 0 } }),
    el('a', { text: '票据', attrs: { href: `/receipt.html#donation=${encodeURIComponent(d.id)}&admin=1`, target: '_blank', rel: 'noopener' } }));
  return row([formatDateTime(d.succeededAt ?? d.createdAt), donorCell(d), kindText(d), money(d.amount), money(d.refundedAmount),
    STATUS_TEXT[d.status] ?? d.status, actions], { 'data-donation-id': d.id });
}

async function loadDonations() {
  const list = await adminRequest('GET', `/api/admin/campaigns/${encodeURIComponent(campaign.id)}/donations?pageSize=100`);
  donations = new Map(list.items.map((d) => [d.id, d]));
  fillRows($('donation-rows'), list.items.map(donationRow), '暂无捐赠。', 7);
}

const MONTHLY_STATUS_TEXT = { pending: '待支付', active: '进行中', cancelled: '已取消' };

/** The campaign's monthly gifts (月捐): who, how much a month, how many months paid. Their refunds are in the gifts list. */
async function loadMonthlyGifts() {
  const list = await adminRequest('GET', `/api/admin/campaigns/${encodeURIComponent(campaign.id)}/monthly-gifts?pageSize=100`);
  $('monthly-summary').textContent = list.total > list.items.length ? `共 ${list.total} 笔，显示最新 ${list.items.length} 笔` : `共 ${list.total} 笔`;
  fillRows($('monthly-rows'), list.items.map((g) => row([
    formatDateTime(g.createdAt), donorCell(g), money(g.amount), MONTHLY_STATUS_TEXT[g.status] ?? g.status, String(g.monthsPaid),
    money(g.totalGiven), g.cancelledAt ? formatDateTime(g.cancelledAt) : '—',
  ], { 'data-monthly-gift-id': g.id })), '暂无月捐。', 7);
}

async function loadPledges() {
  const list = await adminRequest('GET', `${path(campaign.id)}/pledges`);
  $('pledge-summary').textContent = `认捐 ${money(list.pledgedAmount)} · 已到账 ${money(list.paidAmount)} · 待到账 ${money(list.outstandingAmount)}`;
  fillRows($('pledge-rows'), list.items.map((p) => row([p.donorName, money(p.amount), money(p.paidAmount), money(p.outstandingAmount), p.note])),
    '暂无认捐。', 5);
  const select = $('pay-pledge');
  const chosen = select.value;
  select.replaceChildren(el('option', { text: '请选择认捐', attrs: { value: '' } }),
    ...list.items.map((p) => el('option', { text: `${p.donorName}（待到账 ${money(p.outstandingAmount)}）`, attrs: { value: p.id, 'data-donor': p.donorName } })));
  select.value = list.items.some((p) => p.id === chosen) ? chosen : '';
}

/** Loads (or reloads) the selected campaign's totals, pledges and gifts. */
export async function loadCampaignPanel(id = campaign?.id) {
  if (!id) {
    return;
  }
  const c = await adminRequest('GET', path(id));
  if (campaign?.id !== c.id) {
    hideRefund();
    for (const form of $('campaign-panel').querySelectorAll('form')) {
      clearMessages(form);
    }
  }
  campaign = c;
  showTotals(c);
  $('campaign-panel').hidden = false;
  await Promise.all([loadDonations(), loadPledges(), loadMonthlyGifts(), loadDisbursements(c)]);
  $('campaign-panel').dataset.loaded = 'true';
}

function hideRefund() {
  refund = null;
  $('refund-form').hidden = true;
}

function openRefund(id) {
  const donation = donations.get(id);
  if (!donation) {
    return;
  }
  const form = $('refund-form');
  clearMessages(form);
  $('refund-done').hidden = true;
  refund = { donation, key: null, bodyKey: null };
  $('refund-target').textContent = `${donation.displayName ?? '（未留名）'} · 可退 ${money(donation.amount - donation.refundedAmount)}`;
  form.reset();
  form.hidden = false;
  $('r-amount').focus();
}

/** Wires the entry forms; refreshAll() reloads everything a change can move. */
export function setupGifts({ refreshAll }) {
  const after = async (form, text) => {
    form.reset();
    showDone(form, text);
    await refreshAll();
  };

  handleSubmit($('offline-form'), (f) => readForm(f, { yuan: { amount: '金额' } }), async (v) => {
    const gift = await adminRequest('POST', `${path(campaign.id)}/offline-donations`, {
      body: { amount: v.amount, currency: campaign.currency, donorName: v.donorName, reference: v.reference, method: v.method, anonymous: v.anonymous },
    });
    await after($('offline-form'), `已录入 ${gift.displayName ?? ''} ${money(gift.amount)}`);
  });

  handleSubmit($('goods-form'), (f) => readForm(f, { yuan: { amount: '折价金额' }, integers: ['quantity'] }), async (v) => {
    const gift = await adminRequest('POST', `${path(campaign.id)}/offline-donations`, {
      body: { kind: 'goods', item: v.item, quantity: v.quantity, amount: v.amount, currency: campaign.currency, donorName: v.donorName, reference: v.reference },
    });
    await after($('goods-form'), `已录入物资 ${gift.item} × ${gift.quantity}，折价 ${money(gift.amount)}`);
  });

  handleSubmit($('pledge-form'), (f) => readForm(f, { yuan: { amount: '认捐金额' } }), async (v) => {
    const pledge = await adminRequest('POST', `${path(campaign.id)}/pledges`, {
      body: { donorName: v.donorName, amount: v.amount, currency: campaign.currency, note: v.note || null },
    });
    await after($('pledge-form'), `已登记 ${pledge.donorName} 认捐 ${money(pledge.amount)}（到账后计入总额）`);
  });

  handleSubmit($('payment-form'), (f) => {
    const read = readForm(f, { yuan: { amount: '到账金额' } });
    if (!read.values.pledgeId) {
      read.errors.pledgeId = ['请选择一笔认捐。'];
    }
    return read;
  }, async (v) => {
    const donorName = $('pay-pledge').selectedOptions[0]?.dataset.donor ?? '';
    const gift = await adminRequest('POST', `${path(campaign.id)}/offline-donations`, {
      body: { amount: v.amount, currency: campaign.currency, donorName, reference: v.reference, method: 'pledge_payment', pledgeId: v.pledgeId },
    });
    await after($('payment-form'), `已录入认捐到账 ${money(gift.amount)}`);
  });

  $('donation-rows').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-refund]');
    if (button) {
      openRefund(button.dataset.refund);
    }
  });
  $('refund-cancel').addEventListener('click', hideRefund);
  $('refresh-donations').addEventListener('click', () => loadCampaignPanel());

  handleSubmit($('refund-form'), (f) => readForm(f, { yuan: { amount: '退款金额' }, optionalYuan: ['amount'] }), async (v) => {
    const body = v.amount === null ? { reason: v.reason } : { amount: v.amount, reason: v.reason };
    const bodyKey = JSON.stringify(body);
    if (refund.bodyKey !== bodyKey) {
      refund.key = newKey();
      refund.bodyKey = bodyKey;
    }
    const done = await adminRequest('POST', `/api/donations/${encodeURIComponent(refund.donation.id)}/refunds`, {
      body,
      headers: { 'Idempotency-Key': refund.key },
    });
    hideRefund();
    $('refund-done').textContent = `已退款 ${money(done.amount)}（累计退款 ${money(done.donation.refundedAmount)}）`;
    $('refund-done').hidden = false;
    await refreshAll();
  });
}
