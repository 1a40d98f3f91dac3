// The selected project's money going out (拨付与支出): its balance (raised + matched - disbursed), the disbursement form,
// the list of entries with their net amounts, and corrections. Entries are never changed: a correction is a new entry
// naming the one it corrects. Whether the money is there is the server's decision; its problem is shown as it says it.
import { formatMoney } from '/js/money.js';
import { el } from '/js/ui.js';
import { adminRequest } from './session.js';
import { fillRows, row, readForm, handleSubmit, showDone, clearMessages, formatDateTime, newKey } from './view.js';

const $ = (id) => document.getElementById(id);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let campaign = null;
let entries = new Map();
let correcting = null;
// One Idempotency-Key per request body, kept until it succeeds: a retry after a lost answer records nothing twice.
const keys = new Map();

function keyFor(url, body) {
  const id = `${url} ${JSON.stringify(body)}`;
  if (!keys.has(id)) {
    keys.set(id, newKey());
  }
  return { id, key: keys.get(id) };
}

async function post(url, body) {
  const { id, key } = keyFor(url, body);
  const answer = await adminRequest('POST', url, { body, headers: { 'Idempotency-Key': key } });
  keys.delete(id);
  return answer;
}

function money(amount) {
  return formatMoney(amount, campaign?.currency ?? 'CNY');
}

function entryRow({ entry, netAmount }) {
  const correction = Boolean(entry.corrects);
  const actions = correction
    ? el('span', { class: 'tag', text: '更正' })
    : el('button', { class: 'button-secondary button-small', text: '更正', attrs: { type: 'button', 'data-correct': entry.id } });
  return row([
    formatDateTime(entry.recordedAt),
    correction ? `更正：${entry.reason}` : entry.purpose,
    entry.payee ?? '—',
    money(entry.amount),
    correction ? '—' : money(netAmount),
    entry.paidAt ? formatDateTime(entry.paidAt) : '—',
    entry.recordedBy,
    actions,
  ], { 'data-disbursement-id': entry.id, 'data-corrects': entry.corrects ?? undefined });
}

/** Loads the project's balance and disbursements (called with the panel's campaign whenever the panel loads). */
export async function loadDisbursements(c) {
  if (campaign?.id !== c.id) {
    hideCorrection();
  }
  campaign = c;
  $('ledger-link').href = `/ledger.html?id=${encodeURIComponent(c.id)}`;
  const list = await adminRequest('GET', `/api/campaigns/${encodeURIComponent(c.id)}/disbursements`);
  entries = new Map(list.items.map((item) => [item.entry.id, item]));
  $('d-raised').textContent = money(list.raisedAmount);
  $('d-matched').textContent = money(list.matchedAmount);
  $('d-disbursed').textContent = money(list.disbursedAmount);
  $('d-balance').textContent = money(list.balance);
  fillRows($('disbursement-rows'), list.items.map(entryRow), '暂无拨付。', 8);
}

function hideCorrection() {
  correcting = null;
  $('correction-form').hidden = true;
}

function openCorrection(id) {
  const item = entries.get(id);
  if (!item) {
    return;
  }
  const form = $('correction-form');
  clearMessages(form);
  $('correction-done').hidden = true;
  correcting = item.entry;
  $('correction-target').textContent = `${item.entry.purpose} · 净额 ${money(item.netAmount)}`;
  form.reset();
  form.hidden = false;
  $('x-amount').focus();
}

function readDisbursement(form) {
  const read = readForm(form, { yuan: { amount: '金额' } });
  const paid = new Date(read.values.paidAt);
  if (!read.values.paidAt || Number.isNaN(paid.getTime())) {
    read.errors.paidAt = ['请选择支付时间。'];
  } else {
    read.values.paidAt = paid.toISOString();
  }
  const photos = read.values.evidencePhotoIds.split(/[\s,，]+/).filter(Boolean);
  if (photos.some((id) => !UUID.test(id))) {
    read.errors.evidencePhotoIds = ['照片编号格式不正确（上传照片后得到的编号）。'];
  }
  read.values.evidencePhotoIds = photos;
  return read;
}

/** Adds a photo's id to the form's evidence (from the projects section's "use as evidence"), once. */
export function addEvidencePhoto(id) {
  const input = $('d-photos');
  const ids = input.value.split(/[\s,，]+/).filter(Boolean);
  if (!ids.includes(id)) {
    input.value = [...ids, id].join(', ');
  }
  $('d-amount').focus();
}

export function setupDisbursements({ refreshAll }) {
  handleSubmit($('disbursement-form'), readDisbursement, async (v) => {
    const entry = await post(`/api/campaigns/${encodeURIComponent(campaign.id)}/disbursements`,
      { amount: v.amount, currency: campaign.currency, purpose: v.purpose, payee: v.payee, paidAt: v.paidAt, evidencePhotoIds: v.evidencePhotoIds });
    $('disbursement-form').reset();
    showDone($('disbursement-form'), `已登记拨付 ${money(entry.amount)}：${entry.purpose}`);
    await refreshAll();
  });

  $('disbursement-rows').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-correct]');
    if (button) {
      openCorrection(button.dataset.correct);
    }
  });
  $('correction-cancel').addEventListener('click', hideCorrection);

  handleSubmit($('correction-form'), (f) => readForm(f, { yuan: { amount: '更正金额' } }), async (v) => {
    const amount = v.direction === 'less' ? -v.amount : v.amount;
    const entry = await post(`/api/disbursements/${encodeURIComponent(correcting.id)}/corrections`, { amount, reason: v.reason });
    hideCorrection();
    $('correction-done').textContent = `已更正 ${money(entry.amount)}（原记录保留）`;
    $('correction-done').hidden = false;
    await refreshAll();
  });
}
