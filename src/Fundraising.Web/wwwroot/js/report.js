// The printable report: /reports/annual.html?year=2021 (the annual report) or ?event=<id> (one event's report). Staff
// only: the page reads the report with the sign-in cookie; without one it says where to sign in. Amounts are fen
// from the ledger, net of refunds; other cities' figures are external data and marked as such.
import { request, ProblemError } from './api.js';
import { formatMoney } from './money.js';
import { el } from './ui.js';

const params = new URLSearchParams(location.search);
const byId = (id) => document.getElementById(id);
const count = (n) => new Intl.NumberFormat('zh-CN').format(n);

function cell(text, amount = false) {
  return el('td', { class: amount ? 'amount' : undefined, text });
}

function fill(id, rows) {
  byId(id).replaceChildren(...rows);
}

function showTotals(totals, currency) {
  byId('raised').textContent = formatMoney(totals.raisedAmount, currency);
  byId('online').textContent = formatMoney(totals.onlineAmount, currency);
  byId('offline').textContent = formatMoney(totals.offlineAmount, currency);
  byId('money').textContent = formatMoney(totals.moneyAmount, currency);
  byId('goods').textContent = formatMoney(totals.goodsAmount, currency);
  byId('gifts').textContent = count(totals.donationCount);
}

function showGivingDay(day, currency) {
  const section = byId('giving-day');
  if (!day) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  byId('giving-day-name').textContent = `${day.name}（${day.year}年）`;
  byId('giving-day-online').textContent = formatMoney(day.onlineAmount, currency);
  byId('giving-day-growth').textContent = day.growthPercent === null
    ? '—'
    : `${day.growthPercent >= 0 ? '+' : ''}${day.growthPercent.toFixed(1)}%（上年 ${formatMoney(day.previous.onlineAmount, currency)}）`;
  byId('giving-day-rank').textContent = day.rank ? `第${day.rank.position}名 / 共${day.rank.cityCount}个城市` : '—';
  fill('city-rows', (day.rank?.cities ?? []).map((city) => {
    const row = el('tr', { class: city.external ? undefined : 'ours', attrs: { 'data-city': city.city, 'data-external': String(city.external) } },
      cell(String(city.position)), cell(city.city), cell(formatMoney(city.onlineAmount, currency), true),
      el('td', {}, city.external
        ? el('span', { class: 'badge badge-external', text: '外部数据 External' })
        : el('span', { class: 'badge badge-live', text: '本平台账目 Ledger' }), city.source ? ` ${city.source}` : ''));
    return row;
  }));
}

function show(report, title) {
  const { currency } = report;
  document.title = `${title} - 慈善募捐`;
  byId('report-title').firstChild.textContent = `${title} `;
  const scope = report.scope.county ? `${report.scope.city} · ${report.scope.county}` : `${report.scope.province} · ${report.scope.city}`;
  byId('report-scope').textContent = `${scope} · 金额已扣除退款 Net of refunds · ${currency}`;
  showTotals(report.totals, currency);
  showGivingDay(report.givingDay, currency);
  fill('programme-rows', report.byProgramme.map((p) => el('tr', { attrs: { 'data-programme': p.programme } },
    cell(`${p.nameZh} ${p.nameEn}`), cell(formatMoney(p.sums.raisedAmount, currency), true), cell(formatMoney(p.sums.onlineAmount, currency), true),
    cell(formatMoney(p.sums.goodsAmount, currency), true), cell(count(p.sums.donationCount), true))));
  fill('county-rows', report.byCounty.map((c) => el('tr', { attrs: { 'data-county': c.county } },
    cell(c.county), cell(formatMoney(c.sums.raisedAmount, currency), true), cell(formatMoney(c.sums.onlineAmount, currency), true),
    cell(formatMoney(c.sums.goodsAmount, currency), true), cell(count(c.sums.donationCount), true))));
  fill('campaign-rows', report.campaigns.map((c) => el('tr', { attrs: { 'data-campaign-id': c.id } },
    cell(c.title), cell(c.county), cell(formatMoney(c.sums.raisedAmount, currency), true), cell(formatMoney(c.sums.onlineAmount, currency), true),
    cell(formatMoney(c.sums.goodsAmount, currency), true))));
  fill('notes', report.notes.map((note) => el('li', { text: note })));
}

function fail(message) {
  const error = byId('report-error');
  error.replaceChildren(message);
  error.hidden = false;
}

async function load() {
  const eventId = params.get('event');
  const year = params.get('year') ?? String(new Date().getFullYear() - 1);
  const url = eventId ? `/api/reports/events/${encodeURIComponent(eventId)}` : `/api/reports/annual/${encodeURIComponent(year)}`;
  byId('csv').href = `${url}.csv`;
  try {
    const report = await request('GET', url);
    show(report, eventId ? `${report.name} 活动报告` : `${report.year}年度募捐报告`);
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      fail(el('span', {}, '请先登录工作人员后台再查看报告：', el('a', { text: '登录 Sign in', attrs: { href: '/admin/' } })));
    } else {
      fail(error instanceof ProblemError ? `无法生成报告：${error.message}` : '网络异常，请稍后重试。');
    }
  } finally {
    byId('report-title').closest('main').setAttribute('aria-busy', 'false');
  }
}

byId('print').addEventListener('click', () => window.print());
load();
