// The home page's pinned appeals: disaster appeals opened from a template, shown above everything while they are
// live (the server lists only live ones, so a closed appeal leaves on the next load).
import { request } from './api.js';
import { formatMoney, percentOf } from './money.js';
import { el } from './ui.js';

async function load() {
  const section = document.getElementById('pinned');
  let list;
  try {
    list = await request('GET', '/api/campaigns/pinned');
  } catch {
    return; // the rest of the page works without them
  }
  const items = list.items.map((c) => el('li', { class: 'card pinned-card', attrs: { 'data-campaign-id': c.id } },
    el('p', { class: 'badges' }, el('span', { class: 'badge badge-appeal', text: '紧急救灾 Disaster appeal' })),
    el('h3', { class: 'card-title' }, el('a', { class: 'card-link', text: c.title, attrs: { href: `/campaign.html?id=${encodeURIComponent(c.id)}` } })),
    el('p', { class: 'card-money' }, el('span', { class: 'card-raised', text: formatMoney(c.raisedAmount, c.currency) }),
      ` / ${formatMoney(c.goalAmount, c.currency)} · ${percentOf(c.raisedAmount, c.goalAmount)}%`)));
  document.getElementById('pinned-list').replaceChildren(...items);
  section.hidden = items.length === 0;
  section.dataset.loaded = 'true';
}

load();
