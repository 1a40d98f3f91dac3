// village.html?id=... (campaign.html on the server) for a village project (慈善幸福家园). campaign.js runs the shared
// parts (progress, donors, the donate form, which sends the sub-plan chosen here); for a project of kind village this
// adds the village, the story's photos, the sub-plans with their progress, the live feed (on campaign.js's hub
// connection) and the follow button. On any other campaign it does nothing.
import { getVillageProject, getFeed } from './api.js';
import { formatMoney, percentOf } from './money.js';
import { el, formatCount } from './ui.js';
import { feedList } from './feed-entry.js';
import { isFollowed, setFollowed, MAX_FOLLOWED } from './follow.js';

const $ = (id) => document.getElementById(id);
const campaignId = new URLSearchParams(location.search).get('id') ?? '';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let currency = 'CNY';
const feed = feedList($('feed'));
let older = null;

function renderSubPlans(plans) {
  const list = $('subplans');
  if (plans.length === 0) {
    list.replaceChildren(el('li', { class: 'subplan subplan-empty', text: '本项目暂未设立子计划，捐赠用于整个项目。' }));
  } else {
    list.replaceChildren(...plans.map((p) => {
      const percent = percentOf(p.raisedAmount, p.goalAmount);
      const fill = el('div', { class: 'progress-fill' });
      fill.style.width = `${Math.min(percent, 100)}%`;
      return el('li', { class: 'subplan', attrs: { 'data-subplan-id': p.id } },
        el('p', { class: 'subplan-title', text: p.title }),
        p.description ? el('p', { class: 'hint', text: p.description }) : null,
        el('div', { class: 'progress', attrs: { role: 'progressbar', 'aria-label': `${p.title} 进度`, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.min(percent, 100)) } }, fill),
        el('p', { class: 'subplan-figures' },
          '已筹 ', el('strong', { class: 'subplan-raised', text: formatMoney(p.raisedAmount, currency) }),
          ` / 目标 ${formatMoney(p.goalAmount, currency)} · `,
          el('span', { class: 'subplan-count', text: formatCount(p.donationCount) }), ' 人次'));
    }));
  }
  // The donate form offers them; a choice already made survives a re-render.
  const select = $('donate-subplan');
  const chosen = select.value;
  select.replaceChildren(el('option', { text: '整个项目 The whole project', attrs: { value: '' } }),
    ...plans.map((p) => el('option', { text: p.title, attrs: { value: p.id } })));
  select.value = plans.some((p) => p.id === chosen) ? chosen : '';
  $('subplan-field').hidden = plans.length === 0;
}

// Oldest first, as the project's photos are listed; one already shown (live, then in the history) is not shown twice.
// The history goes before any photo that came live while it loaded.
function addPhotos(photos, { history = false } = {}) {
  const strip = $('photos');
  const before = history ? strip.firstChild : null;
  for (const p of photos) {
    if (strip.querySelector(`[data-photo-id="${CSS.escape(p.id)}"]`)) {
      continue;
    }
    // A caption is the uploader's text: shown under its photo (as text) and said as the photo's alternative text.
    strip.insertBefore(el('figure', { class: 'photo', attrs: { 'data-photo-id': p.id } },
      el('img', { attrs: { src: p.url, alt: p.caption ?? '村庄照片 Village photo', loading: 'lazy', width: '160', height: '120' } }),
      p.caption ? el('figcaption', { class: 'photo-caption', text: p.caption }) : null), before);
  }
}

function renderFollow() {
  const on = isFollowed(campaignId);
  const button = $('follow');
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? '✓ 已关注 Following' : '＋ 关注 Follow';
}

async function loadOlder() {
  const page = await getFeed(campaignId, older);
  feed.add(page.entries);
  older = page.next;
  $('feed-more').hidden = !older;
}

async function start() {
  for (const part of document.querySelectorAll('.village-only')) {
    part.hidden = false;
  }
  renderFollow();
  $('follow').addEventListener('click', () => {
    if (!setFollowed(campaignId, !isFollowed(campaignId))) {
      $('follow').textContent = `最多关注 ${MAX_FOLLOWED} 个项目 At most ${MAX_FOLLOWED}`;
      return;
    }
    renderFollow();
  });
  $('feed-more').addEventListener('click', () => loadOlder().catch(() => {}));
  document.addEventListener('campaign:progress', (event) => {
    currency = event.detail.currency ?? currency;
    if (Array.isArray(event.detail.subPlans)) {
      renderSubPlans(event.detail.subPlans);
    }
  });
  // A photo uploaded on its own comes live as a `photo` entry: it joins the photo strip (where a reload shows it), not the feed.
  document.addEventListener('campaign:feed', (event) => {
    const entries = event.detail.entries ?? [];
    addPhotos(entries.filter((e) => e.kind === 'photo').flatMap((e) => e.photos.map((p) => ({ ...p, caption: p.caption ?? e.title }))));
    feed.add(entries.filter((e) => e.kind !== 'photo'));
  });
  feed.render();
  try {
    const project = await getVillageProject(campaignId);
    renderSubPlans(project.subPlans);
    if (project.claim) {
      const c = project.claim;
      $('village-claim').textContent = `${c.county}${c.town ? ` ${c.town}` : ''} ${c.village} · 县慈善协会认领 Claimed by the county association`;
      $('village-claim').hidden = false;
    }
    addPhotos(project.photos, { history: true });
    await loadOlder();
  } catch {
    // campaign.js says when the project cannot be found; the feed stays live without its history.
  }
}

let started = false;
document.addEventListener('campaign:shown', (event) => {
  if (!started && GUID.test(campaignId) && event.detail?.kind === 'village') {
    started = true;
    start();
  }
});
