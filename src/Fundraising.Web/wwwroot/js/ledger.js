// ledger.html?id=...: a project's public ledger (公开账目): raised, matched, disbursed and balance, then every entry in
// and out in the order recorded (gifts named as the server names them: anonymous ones as 匿名爱心人士), a page at a
// time, and the whole ledger as CSV.
import { getCampaign, getLedger, ProblemError } from './api.js';
import { formatMoney } from './money.js';
import { el, formatDate, timeAgo } from './ui.js';

const $ = (id) => document.getElementById(id);
const campaignId = new URLSearchParams(location.search).get('id') ?? '';

const TYPE_LABELS = {
  gift: '捐赠 Gift',
  refund: '退款 Refund',
  disbursement: '拨付 Disbursement',
  correction: '更正 Correction',
};

let next = null;

function line(label, value) {
  return value ? el('p', { class: 'ledger-line' }, el('span', { class: 'ledger-label', text: label }), el('span', { text: value })) : null;
}

function entryItem(entry) {
  const incoming = entry.balanceEffect > 0;
  const amount = el('span', {
    class: `ledger-amount ${incoming ? 'ledger-in' : 'ledger-out'}`,
    text: `${incoming ? '+' : '−'}${formatMoney(Math.abs(entry.type === 'gift' ? entry.amount : entry.balanceEffect), entry.currency)}`,
  });
  let title;
  const details = [];
  if (entry.type === 'gift') {
    title = `${entry.donorName} ${entry.giftKind === 'goods' ? `捐赠物资 ${entry.item ?? ''} × ${entry.quantity ?? ''}` : '捐赠'}`;
    if (entry.matchedAmount > 0) {
      details.push(line('配捐 Matched', `+${formatMoney(entry.matchedAmount, entry.currency)}`));
    }
  } else if (entry.type === 'refund') {
    title = '退款 Refund';
  } else if (entry.type === 'disbursement') {
    title = entry.purpose;
    details.push(line('收款方 Payee', entry.payee));
    details.push(line('支付日期 Paid', entry.paidAt ? formatDate(entry.paidAt) : ''));
    if (entry.evidencePhotoIds?.length) {
      details.push(line('凭证 Evidence', `${entry.evidencePhotoIds.length} 张 photos`));
    }
  } else {
    title = `更正 ${entry.amount > 0 ? '补记' : '冲减'} ${formatMoney(Math.abs(entry.amount), entry.currency)}`;
    details.push(line('原因 Reason', entry.reason));
    details.push(line('更正记录 Corrects', entry.corrects));
  }
  return el('li', { class: `ledger-entry ledger-${entry.type}`, attrs: { 'data-id': entry.id, 'data-type': entry.type } },
    el('div', { class: 'ledger-head' },
      el('span', { class: 'badge ledger-type', text: TYPE_LABELS[entry.type] ?? entry.type }),
      el('span', { class: 'ledger-title', text: title }),
      amount),
    ...details,
    el('time', { class: 'donor-time', text: timeAgo(entry.at), attrs: { datetime: entry.at } }));
}

function renderTotals(ledger) {
  $('ledger-raised').textContent = formatMoney(ledger.raisedAmount, ledger.currency);
  $('ledger-matched').textContent = formatMoney(ledger.matchedAmount, ledger.currency);
  $('ledger-disbursed').textContent = formatMoney(ledger.disbursedAmount, ledger.currency);
  $('ledger-balance').textContent = formatMoney(ledger.balance, ledger.currency);
}

function append(ledger) {
  const list = $('ledger-entries');
  if (ledger.entries.length === 0 && list.children.length === 0) {
    list.replaceChildren(el('li', { class: 'donor donor-empty', text: '暂无账目。No entries yet.' }));
  }
  list.append(...ledger.entries.map(entryItem));
  next = ledger.next;
  $('ledger-more').hidden = !next;
}

function showMissing(text) {
  $('ledger').hidden = true;
  const missing = $('missing');
  missing.querySelector('p').textContent = text;
  missing.hidden = false;
  document.title = '未找到项目 - 慈善募捐';
}

async function main() {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(campaignId)) {
    showMissing('链接中的项目编号无效。');
    return;
  }
  try {
    const [campaign, ledger] = await Promise.all([getCampaign(campaignId), getLedger(campaignId)]);
    document.title = `${campaign.title} · 公开账目 - 慈善募捐`;
    $('ledger-title').textContent = `${campaign.title} · 公开账目`;
    $('back-to-campaign').href = `/campaign.html?id=${encodeURIComponent(campaignId)}`;
    $('ledger-csv').href = `/api/campaigns/${encodeURIComponent(campaignId)}/ledger.csv`;
    renderTotals(ledger);
    append(ledger);
  } catch (error) {
    showMissing(error instanceof ProblemError && error.status === 404 ? '未找到该项目。' : '账目加载失败，请刷新页面重试。');
    return;
  }
  $('ledger-more').addEventListener('click', async () => {
    $('ledger-more').disabled = true;
    try {
      append(await getLedger(campaignId, { cursor: next }));
    } finally {
      $('ledger-more').disabled = false;
    }
  });
  document.body.dataset.loaded = 'true';
}

main();
