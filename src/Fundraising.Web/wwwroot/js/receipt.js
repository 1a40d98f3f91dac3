// The printable receipt of one gift: /receipt.html?donation=<id>. The donation id is the donor's
// own handle; the receipt number appears within a second of the gift succeeding, so poll briefly.
import { formatMoney } from './money.js';
import { formatDate } from './ui.js';

const donationId = new URLSearchParams(location.search).get('donation');
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
  const response = await fetch(`/api/donations/${encodeURIComponent(donationId ?? '')}/receipt`);
  if (!response.ok) {
    const error = byId('receipt-error');
    error.textContent = '未找到这笔已完成的捐赠。';
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
