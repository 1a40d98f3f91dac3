// feed.html: one live feed of the projects this browser follows (follow.js): the history from GET /api/feed, then every
// followed project's `feed` messages on one hub connection.
import { getCampaign, getFollowedFeed } from './api.js';
import { el } from './ui.js';
import { openHub, showLiveState } from './live.js';
import { feedList } from './feed-entry.js';
import { followed, setFollowed } from './follow.js';

const $ = (id) => document.getElementById(id);
const projects = new Map();
const feed = feedList($('feed'), { project: (entry) => projects.get(entry.campaignId.toLowerCase()) });

function renderFollowed(ids) {
  $('none').hidden = ids.length > 0;
  $('followed').replaceChildren(...ids.map((id) => {
    const project = projects.get(id.toLowerCase());
    const stop = el('button', { class: 'link-button', text: '取消关注 Unfollow', attrs: { type: 'button' } });
    stop.addEventListener('click', () => {
      setFollowed(id, false);
      location.reload();
    });
    return el('li', { class: 'followed-item' },
      el('a', { text: project?.title ?? id, attrs: { href: `/village.html?id=${encodeURIComponent(id)}` } }), ' ', stop);
  }));
}

async function main() {
  const ids = followed();
  renderFollowed(ids);
  feed.render();
  if (ids.length === 0) {
    showLiveState($('live-status'), 'unavailable');
    return;
  }
  const live = openHub({ onState: (state) => showLiveState($('live-status'), state) });
  // A photo uploaded on its own is for the project's own page (its photo strip), not this feed.
  const watched = ids.map((id) => live.watch('feed', id, (message) => feed.add((message.entries ?? []).filter((e) => e.kind !== 'photo'))));
  const found = await Promise.all(ids.map((id) => getCampaign(id).catch(() => null)));
  for (const campaign of found.filter(Boolean)) {
    projects.set(campaign.id.toLowerCase(), { id: campaign.id, title: campaign.title });
  }
  renderFollowed(ids);
  const history = await getFollowedFeed(ids).catch(() => ({ entries: [] }));
  feed.add(history.entries);
  document.body.dataset.loaded = 'true';
  Promise.all(watched).then(() => { document.body.dataset.watching = 'true'; });
}

main();
