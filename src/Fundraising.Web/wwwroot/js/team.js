// team.html?id=...: a team (一起捐) a verified donor opened for a campaign: its name, story, goal, what it raised and
// in how many gifts (人次), its members' recent gifts (named as the server names them: anonymous ones as
// 匿名爱心人士), and the way in: the campaign's donate form with the team. Live over the hub's `team` messages.
import { getTeam, getCampaign, ProblemError } from './api.js';
import { formatMoney, percentOf } from './money.js';
import { el, formatCount, timeAgo } from './ui.js';
import { openHub, showLiveState } from './live.js';
import { ANONYMOUS_DONOR } from './boards.js';

const $ = (id) => document.getElementById(id);
const teamId = new URLSearchParams(location.search).get('id') ?? '';

const view = { team: null, campaign: null };

/** Where a gift for the team is made: the server's share link when it is one of ours, else the same built here. */
function donateUrl(team) {
  const share = team.shareUrl ?? '';
  return /^\/campaign\.html\?id=[0-9a-f-]{36}&team=[0-9a-f-]{36}$/i.test(share)
    ? share
    : `/campaign.html?id=${encodeURIComponent(team.campaignId)}&team=${encodeURIComponent(team.id)}`;
}

function render() {
  const team = view.team;
  const currency = view.campaign?.currency ?? 'CNY';
  document.title = `${team.name} · 一起捐 - 慈善募捐`;
  $('team-name').textContent = team.name;
  const campaignHref = `/campaign.html?id=${encodeURIComponent(team.campaignId)}`;
  $('team-campaign').textContent = view.campaign?.title ?? '查看项目';
  $('team-campaign').href = campaignHref;
  $('back-to-campaign').href = campaignHref;
  $('team-story').textContent = team.story || '发起人暂未填写。';
  const percent = percentOf(team.raisedAmount, team.goalAmount);
  const shown = Math.min(percent, 100);
  const bar = $('team-progress');
  bar.setAttribute('aria-valuenow', String(shown));
  bar.setAttribute('aria-valuetext', `已筹 ${percent}%`);
  bar.querySelector('.progress-fill').style.width = `${shown}%`;
  bar.classList.toggle('is-complete', percent >= 100);
  $('team-raised').textContent = formatMoney(team.raisedAmount, currency);
  $('team-goal').textContent = formatMoney(team.goalAmount, currency);
  $('team-percent').textContent = `${percent}%`;
  $('team-count').textContent = formatCount(team.donationCount);
  $('team-donate').href = donateUrl(team);
  renderGifts();
}

function renderGifts() {
  const gifts = view.team?.recent ?? [];
  const currency = view.campaign?.currency ?? 'CNY';
  if (gifts.length === 0) {
    $('team-gifts').replaceChildren(el('li', { class: 'donor donor-empty', text: '还没有成员捐赠，成为第一位吧。No gifts yet.' }));
    return;
  }
  $('team-gifts').replaceChildren(...gifts.map((gift) => {
    const name = gift.name || ANONYMOUS_DONOR;
    return el('li', { class: 'donor' },
      el('span', { class: 'donor-avatar', text: name === ANONYMOUS_DONOR ? '善' : Array.from(name)[0], attrs: { 'aria-hidden': 'true' } }),
      el('div', { class: 'donor-body' },
        el('p', { class: 'donor-line' },
          el('span', { class: 'donor-name', text: name }),
          el('span', { class: 'donor-amount', text: `捐赠 ${formatMoney(gift.amount, currency)}` })),
        el('time', { class: 'donor-time', text: timeAgo(gift.at), attrs: { datetime: gift.at } })));
  }));
}

function applyTeam(team) {
  view.team = team;
  render();
}

function showMissing(text) {
  $('team').hidden = true;
  const missing = $('missing');
  missing.querySelector('p').textContent = text;
  missing.hidden = false;
  document.title = '未找到团队 - 慈善募捐';
}

async function main() {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(teamId)) {
    showMissing('链接中的团队编号无效。');
    return;
  }
  try {
    const team = await getTeam(teamId);
    view.campaign = await getCampaign(team.campaignId).catch(() => null);
    view.team = team;
    render();
  } catch (error) {
    showMissing(error instanceof ProblemError && error.status === 404 ? '未找到该团队，它可能已被移除。' : '团队信息加载失败，请刷新页面重试。');
    return;
  }
  const hub = openHub({ onState: (state) => showLiveState($('live-status'), state) });
  hub.watch('team', teamId, applyTeam);
  document.body.dataset.loaded = 'true';
  // Keep "3 分钟前" honest on a page left open.
  setInterval(renderGifts, 60000);
}

main();
