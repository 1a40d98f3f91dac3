// 报告数据 Report data: what admins enter for the reports. Other cities' giving-day figures are external data (the province
// ranks cities by them; ours comes from the ledger), each shown as 外部数据 with its source; each year's 99 Giving Day is
// the event an admin marks. Whether a figure or a mark is accepted is the server's decision; its problem is shown as it says it.
import { formatMoney } from '/js/money.js';
import { el } from '/js/ui.js';
import { adminRequest, currentUser } from './session.js';
import { fillRows, row, readForm, handleSubmit, showDone, formatDateTime } from './view.js';

const $ = (id) => document.getElementById(id);
const YEAR = /^\d{4}$/;

let year = new Date().getFullYear();

function readYear(form, field = 'year') {
  const read = readForm(form);
  if (!YEAR.test(read.values[field])) {
    read.errors[field] = ['请输入四位年份，例如 2021。'];
  } else {
    read.values[field] = Number(read.values[field]);
  }
  return read;
}

function figureRow(f) {
  return row([f.city, formatMoney(f.onlineAmount, f.currency),
    el('span', { class: 'badge badge-external', text: f.external ? '外部数据 External' : '本市账目 Ledger' }),
    f.source, f.enteredBy, formatDateTime(f.enteredAt)], { 'data-city': f.city, 'data-external': String(f.external) });
}

function givingDayRow(d) {
  return row([String(d.year), d.name, `${formatDateTime(d.startsAt)} – ${formatDateTime(d.endsAt)}（${d.timeZone}）`, d.markedBy, formatDateTime(d.markedAt)],
    { 'data-year': String(d.year), 'data-event-id': d.eventId });
}

async function loadEventChoices() {
  const events = (await adminRequest('GET', '/api/events')).items;
  const select = $('gd-event');
  const chosen = select.value;
  select.replaceChildren(...events.map((e) => el('option', { text: `${e.name}（${formatDateTime(e.startsAt)}）`, attrs: { value: e.id } })));
  if (events.some((e) => e.id === chosen)) {
    select.value = chosen;
  }
}

/** Loads the year's external figures, the marked giving days and the events to choose from (admins only). */
export async function loadReportData() {
  const section = $('report-data');
  delete section.dataset.loaded;
  section.hidden = currentUser()?.role !== 'admin';
  if (section.hidden) {
    return;
  }
  $('report-link').href = `/reports/annual.html?year=${year}`;
  const [figures, days] = await Promise.all([
    adminRequest('GET', `/api/reports/external-figures?year=${year}`),
    adminRequest('GET', '/api/reports/giving-days'),
    loadEventChoices(),
  ]);
  $('external-summary').textContent = `${figures.year} 年 · ${figures.province} · ${figures.items.length} 个城市`;
  fillRows($('external-rows'), figures.items.map(figureRow), `${figures.year} 年尚未录入其他城市的数据。`, 6);
  fillRows($('giving-day-rows'), days.items.map(givingDayRow), '还没有标记公益日。', 5);
  section.dataset.loaded = 'true';
}

function setYear(value) {
  year = value;
  for (const id of ['ry-year', 'gd-year', 'ex-year']) {
    $(id).value = String(value);
  }
}

export function setupReportData() {
  setYear(year);
  handleSubmit($('report-year-form'), readYear, async (v) => {
    setYear(v.year);
    await loadReportData();
  });

  handleSubmit($('giving-day-form'), (form) => {
    const read = readYear(form);
    if (!read.values.eventId) {
      read.errors.eventId = ['请先新建活动，再选择。'];
    }
    return read;
  }, async (v) => {
    const marked = await adminRequest('PUT', `/api/reports/giving-days/${v.year}`, { body: { eventId: v.eventId } });
    showDone($('giving-day-form'), `已将该活动设为 ${marked.year} 年的 99 公益日。`);
    setYear(marked.year);
    await loadReportData();
  });

  handleSubmit($('external-form'), (form) => {
    const read = readYear(form);
    const amount = readForm(form, { yuan: { onlineAmount: '网络募集' } });
    Object.assign(read.errors, amount.errors);
    read.values.onlineAmount = amount.values.onlineAmount;
    return read;
  }, async (v) => {
    const figure = await adminRequest('POST', '/api/reports/external-figures', {
      body: { year: v.year, province: v.province, city: v.city, onlineAmount: v.onlineAmount, currency: 'CNY', source: v.source },
    });
    showDone($('external-form'), `已录入 ${figure.year} 年 ${figure.city}：${formatMoney(figure.onlineAmount, figure.currency)}（外部数据）`);
    $('ex-city').value = '';
    $('ex-amount').value = '';
    setYear(figure.year);
    await loadReportData();
  });
}
