// The printable receipt of one gift. A donor opens it with their own token, in the address's fragment
// (/receipt.html#donation=<id>&token=<token>), which browsers never send to a server; it goes to the API
// only as the Receipt-Token header. The id alone opens nothing: it travels in payment links and logs.
// Staff open any receipt in their scope from the admin pages (#donation=<id>&admin=1) with their sign-in cookie.
// The receipt number appears within a second of the gift succeeding, so poll briefly.
import { formatMoney } from './money.js';
import { formatDate } from './ui.js';

const fragment = new URLSearchParams(location.hash.slice(1));
const donationId = fragment.get('donation') ?? '';
const token = fragment.get('token');
const asStaff = fragment.get('admin') === '1';
const byId = (id) => document.getElementById(id);

function show(receipt) {
  byId('receipt-number').textContent = receipt.issued ? receipt.number : '正在开具…';
  byId('receipt-donor').textContent = receipt.donorName ?? '爱心人士';
  byId('receipt-campaign').textContent = receipt.campaignTitle;
  byId('receipt-kind').textContent = receipt.kind === 'goods'
    ? `物资：${receipt.item} × ${receipt.quantity}`
    : (receipt.channel === 'online' ? '善款（线上）' : '善款（线下）');
  byId('receipt-amount').textContent = formatMoney(receipt.amount, receipt.currency);
  byId('receipt-refunded').textContent = formatMoney(receipt.refundedAmount, receipt.currency);
  byId('receipt-date').textContent = formatDate(receipt.donatedAt);
}

async function load(attempt = 0) {
  const id = encodeURIComponent(donationId);
  const response = asStaff
    ? await fetch(`/api/admin/donations/${id}/receipt`)
    : await fetch(`/api/donations/${id}/receipt`, { headers: token ? { 'Receipt-Token': token } : {} });
  if (response.status === 404 && token && attempt < 20) {
    // Just back from a card payment: the gift counts (and its receipt opens) once the provider has confirmed it.
    setTimeout(() => load(attempt + 1), 500);
    return;
  }
  if (!response.ok) {
    const error = byId('receipt-error');
    error.textContent = '未找到这笔已完成的捐赠。请使用捐赠后获得的票据链接打开。';
    error.hidden = false;
    return;
  }
  const receipt = await response.json();
  show(receipt);
  if (!receipt.issued && attempt < 20) {
    setTimeout(() => load(attempt + 1), 500);
  }
}

byId('print').addEventListener('click', () => window.print());
load();
