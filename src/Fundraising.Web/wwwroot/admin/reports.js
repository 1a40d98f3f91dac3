// Reports: reconciliation (grain, catalogue and ledger must agree), the audit log, and a donor's
// yearly statement.
import { formatMoney } from '/js/money.js';
import { el, formatCount, formatDate } from '/js/ui.js';
import { adminRequest } from './session.js';
import { fillRows, row, readForm, handleSubmit, formatDateTime } from './view.js';
import { campaignTitle } from './campaigns.js';

const $ = (id) => document.getElementById(id);

const ACTIONS = {
  create_campaign: '新建项目',
  open_campaign: '开启项目',
  close_campaign: '关闭项目',
  record_offline_gift: '录入线下善款',
  record_goods: '录入物资',
  record_pledge: '登记认捐',
  refund: '退款',
  create_account: '新建账号',
  disable_account: '停用账号',
  create_token: '新建 API 令牌',
  revoke_token: '吊销 API 令牌',
  create_event: '新建活动',
};

export async function loadReconciliation() {
  const report = await adminRequest('GET', '/api/admin/reconciliation');
  const summary = $('reconciliation-summary');
  summary.textContent = report.allAgree
    ? `全部 ${formatCount(report.campaignCount)} 个项目账实一致。All agree.`
    : '有项目三方金额不一致，请核查标红的行。Some campaigns do not agree.';
  summary.className = report.allAgree ? 'reconcile-ok' : 'form-error';
  const rows = report.campaigns.map((c) => {
    const m = (amount) => formatMoney(amount, c.currency);
    const tr = row([c.title, m(c.grain.raisedAmount), m(c.catalogue.raisedAmount), m(c.ledger.raisedAmount), m(c.ledger.onlineAmount),
      m(c.ledger.offlineAmount), m(c.ledger.goodsAmount), formatCount(c.ledger.donationCount), c.agrees ? '✓ 一致' : '✗ 不一致'],
    { 'data-campaign-id': c.campaignId });
    tr.classList.toggle('disagrees', !c.agrees);
    return tr;
  });
  fillRows($('reconciliation-rows'), rows, '还没有项目。', 9);
  fillRows($('subplan-reconciliation-rows'), subPlanRows(report), '没有子计划。', 7);
  const shortfalls = report.shortfalls.map((s) => {
    const m = (amount) => formatMoney(amount, s.currency || 'CNY');
    const refunds = s.refunds.map((r) => `${formatDateTime(r.recordedAt)} 退款 ${m(r.refundAmount)}，缺口 ${m(r.shortfallAmount)}`).join('；');
    const tr = row([s.title, m(s.raisedAmount), m(s.matchedAmount), m(s.disbursedAmount), m(s.shortfallAmount), refunds], { 'data-campaign-id': s.campaignId });
    tr.classList.add('disagrees');
    return tr;
  });
  fillRows($('shortfall-rows'), shortfalls, '没有资金缺口。No project is short.', 6);
}

// Each sub-plan three ways, then per project the sub-plans' sum beside the project's own ledger total: what is left is
// money given to the project as a whole. Sub-plans summing to more than their project is flagged.
function subPlanRows(report) {
  const projects = new Map(report.campaigns.map((c) => [c.campaignId, c]));
  const byProject = Map.groupBy(report.subPlans, (p) => p.campaignId);
  return [...byProject].flatMap(([campaignId, plans]) => {
    const currency = projects.get(campaignId)?.currency ?? 'CNY';
    const m = (totals) => (totals ? formatMoney(totals.raisedAmount, currency) : '—');
    const rows = plans.map((p) => {
      const tr = row([campaignTitle(campaignId), p.title, m(p.grain), m(p.row), m(p.ledger), formatCount(p.ledger.donationCount), p.agrees ? '✓ 一致' : '✗ 不一致'],
        { 'data-subplan-id': p.subPlanId });
      tr.classList.toggle('disagrees', !p.agrees);
      return tr;
    });
    const sum = (where) => ({ raisedAmount: plans.reduce((total, p) => total + (p[where]?.raisedAmount ?? 0), 0) });
    const project = projects.get(campaignId)?.ledger.raisedAmount;
    const whole = project === undefined ? null : project - sum('ledger').raisedAmount;
    const verdict = whole === null ? '—'
      : whole >= 0 ? `✓ 项目 Project ${formatMoney(project, currency)}，其中整个项目 whole project ${formatMoney(whole, currency)}`
        : `✗ 子计划超出项目 ${formatMoney(-whole, currency)} Sub-plans exceed the project`;
    const total = row([campaignTitle(campaignId), '子计划合计 Sum', m(sum('grain')), m(sum('row')), m(sum('ledger')),
      formatCount(plans.reduce((count, p) => count + p.ledger.donationCount, 0)), verdict], { 'data-subplan-sum': campaignId });
    total.classList.add('subplan-sum');
    total.classList.toggle('disagrees', whole !== null && whole < 0);
    return [...rows, total];
  });
}

function details(entry) {
  if (entry.details === null || entry.details === undefined) {
    return '';
  }
  return Object.entries(entry.details).map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`).join('；');
}

export async function loadAudit() {
  const entries = await adminRequest('GET', '/api/admin/audit?limit=100');
  const rows = entries.map((e) => row([formatDateTime(e.at), e.actor, ACTIONS[e.action] ?? e.action,
    e.campaignId ? campaignTitle(e.campaignId) : '', details(e)], { 'data-action': e.action }));
  fillRows($('audit-rows'), rows, '暂无记录。', 5);
}

function receiptRow(r) {
  const link = el('a', { text: r.number ?? '开具中', attrs: { href: `/receipt.html#donation=${encodeURIComponent(r.donationId)}&admin=1`, target: '_blank', rel: 'noopener' } });
  const content = r.kind === 'goods' ? `物资：${r.item} × ${r.quantity}` : (r.channel === 'online' ? '善款（线上）' : '善款（线下）');
  return row([link, r.campaignTitle, content, formatMoney(r.amount, r.currency), formatMoney(r.refundedAmount, r.currency), formatDate(r.donatedAt)]);
}

export function setupReports() {
  $('refresh-reconciliation').addEventListener('click', () => loadReconciliation());
  $('refresh-audit').addEventListener('click', () => loadAudit());
  $('s-year').value = String(new Date().getFullYear());

  handleSubmit($('statement-form'), (f) => {
    const read = readForm(f);
    if (!/^\d{4}$/.test(read.values.year)) {
      read.errors.year = ['请输入四位年份，例如 2026。'];
    }
    return read;
  }, async (v) => {
    const statement = await adminRequest('GET', `/api/admin/statements/${v.year}?donorName=${encodeURIComponent(v.donorName)}`);
    $('statement-donor').textContent = statement.donorName;
    $('statement-year').textContent = String(statement.year);
    $('statement-count').textContent = formatCount(statement.giftCount);
    $('statement-total').textContent = formatMoney(statement.totalAmount, statement.receipts[0]?.currency ?? 'CNY');
    fillRows($('statement-rows'), statement.receipts.map(receiptRow), '该年度没有捐赠记录。', 6);
    $('statement').hidden = false;
  });
}
