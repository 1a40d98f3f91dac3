// campaign.html?id=...[&team=...] (and village.html?id=..., the same page): one campaign, its live progress, its rank on its giving day's boards, recent
// donors and the donate form; the team (一起捐) a share link names, whose gifts count for it; and starting a team.
import {
  getCampaign, listDonations, createDonation, confirmPayment, getPaymentOptions, createMonthlyGift, listEvents, getLeaderboard,
  getTeam, createTeam, getLedger, ProblemError, NetworkError,
} from './api.js';
import { formatMoney, percentOf, parseYuan } from './money.js';
import { el, kindBadge, statusBadge, regionText, formatDate, timeAgo, formatCount } from './ui.js';
import { openHub, showLiveState, asOfOrder } from './live.js';
import {
  setupVerification, verifiedDonor, forgetDonor, isDonorTokenRefusal, matchOutcome, onDonorChange, openVerification,
} from './donor.js';
import { currentEvent } from './pools.js';

const ANONYMOUS_NAME = '匿名爱心人士';
const MESSAGE_LIMIT = 280;

const $ = (id) => document.getElementById(id);
const campaignId = new URLSearchParams(location.search).get('id') ?? '';
const teamId = new URLSearchParams(location.search).get('team') ?? '';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sameId = (a, b) => String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase();

/** What the page shows; REST fills it first, then every newer `progress` message replaces it. */
const view = {
  campaign: null,
  donors: [],
  fromHub: false,
  team: null, // the team the share link names, once read (and only if it is this campaign's)
  rankEvent: null, // the giving day whose boards rank this campaign
  ranks: {}, // board -> {rankByAmount, rankByCount}
  disbursed: null, // money gone out (the ledger's), once read: the balance is raised + matched - disbursed
};

let live = null;

// ---------- rendering ----------

function renderCampaign() {
  const c = view.campaign;
  document.title = `${c.title} - 慈善募捐`;
  $('title').textContent = c.title;
  $('ledger-link').href = `/ledger.html?id=${encodeURIComponent(c.id)}`;
  $('badges').replaceChildren(kindBadge(c.kind), statusBadge(c.status));
  $('region').textContent = regionText(c.region, { withProvince: true });
  if (c.description !== undefined) {
    $('description').textContent = c.description || '发起方暂未填写项目介绍。';
  }
  $('dates').textContent = `${formatDate(c.startsAt)} 至 ${formatDate(c.endsAt)}`;
  // village.js shows a village project's own parts (sub-plans, photos, live feed) once it knows the kind.
  document.dispatchEvent(new CustomEvent('campaign:shown', { detail: c }));
  renderProgress();
  renderFormAvailability();
}

function renderProgress() {
  const c = view.campaign;
  const percent = percentOf(c.raisedAmount, c.goalAmount);
  const shown = Math.min(percent, 100);
  const bar = $('progress-bar');
  bar.setAttribute('aria-valuenow', String(shown));
  bar.setAttribute('aria-valuetext', `已筹 ${percent}%`);
  bar.querySelector('.progress-fill').style.width = `${shown}%`;
  bar.classList.toggle('is-complete', percent >= 100);
  $('raised').textContent = formatMoney(c.raisedAmount, c.currency);
  $('goal').textContent = formatMoney(c.goalAmount, c.currency);
  $('percent').textContent = `${percent}%`;
  $('donation-count').textContent = formatCount(c.donationCount);
  // Matched money (配捐) is the sponsors', shown beside what donors gave and never inside it.
  const matched = c.matchedAmount ?? 0;
  $('raised-only').textContent = formatMoney(c.raisedAmount, c.currency);
  $('matched').textContent = formatMoney(matched, c.currency);
  $('raised-and-matched').textContent = formatMoney(c.raisedAndMatchedAmount ?? c.raisedAmount + matched, c.currency);
  if (view.disbursed !== null) {
    $('disbursed').textContent = formatMoney(view.disbursed, c.currency);
    $('balance').textContent = formatMoney(c.raisedAmount + matched - view.disbursed, c.currency);
  }
}

function renderDonors() {
  const list = $('recent-donors');
  if (view.donors.length === 0) {
    list.replaceChildren(el('li', { class: 'donor donor-empty', text: '还没有人捐赠，成为第一位爱心人士吧。' }));
    return;
  }
  const currency = view.campaign?.currency ?? 'CNY';
  list.replaceChildren(...view.donors.map((donor) => {
    const name = donor.displayName || ANONYMOUS_NAME;
    return el('li', { class: 'donor' },
      el('span', { class: 'donor-avatar', text: donor.displayName ? Array.from(name)[0] : '善', attrs: { 'aria-hidden': 'true' } }),
      el('div', { class: 'donor-body' },
        el('p', { class: 'donor-line' },
          el('span', { class: 'donor-name', text: name }),
          el('span', { class: 'donor-amount', text: `捐赠 ${formatMoney(donor.amount, currency)}` })),
        donor.message ? el('p', { class: 'donor-message', text: donor.message }) : null,
        el('time', { class: 'donor-time', text: timeAgo(donor.at), attrs: { datetime: donor.at } })));
  }));
}

function renderFormAvailability() {
  const status = view.campaign.status;
  const closedNote = $('form-closed');
  const open = status === 'live';
  $('donate-fields').disabled = !open;
  closedNote.hidden = open;
  closedNote.textContent = status === 'closed' ? '本项目已结束募捐，感谢每一位爱心人士。' : '本项目尚未开始募捐，敬请关注。';
  $('start-team').hidden = !open;
  if (open) {
    syncAnonymous();
  }
}

function renderLiveState(state) {
  showLiveState($('live-status'), state);
}

// ---------- its rank on the event's boards ----------

const RANK_BOARDS = { campaigns: '项目榜', villages: '幸福家园榜' };

function renderRanks() {
  const event = view.rankEvent;
  const boards = Object.keys(RANK_BOARDS).filter((board) => view.ranks[board]);
  const container = $('campaign-ranks');
  container.hidden = !event || boards.length === 0;
  if (container.hidden) {
    return;
  }
  container.replaceChildren(
    el('a', { class: 'campaign-rank-event', text: event.name, attrs: { href: `/event.html?id=${encodeURIComponent(event.id)}` } }),
    ...boards.map((board) => {
      const { rankByAmount, rankByCount } = view.ranks[board];
      return el('span', { class: 'campaign-rank', attrs: { id: `rank-${board}`, 'data-rank': rankByAmount ?? '' } },
        `${RANK_BOARDS[board]} `,
        el('strong', { text: rankByAmount ? `第 ${rankByAmount} 名` : '暂未上榜' }),
        rankByCount ? ` · 人次第 ${rankByCount} 名` : null);
    }));
}

const rankOrders = {};

function applyRank(board, rank) {
  rankOrders[board] ??= asOfOrder();
  if (rankOrders[board].accept(rank)) {
    view.ranks[board] = { ...view.ranks[board], ...rank }; // a REST read knows only the rank by amount
    renderRanks();
  }
}

/** The giving day this campaign takes part in (by id, or by its county), the one on now or else the next. */
async function findEvent(campaign) {
  const list = await listEvents().catch(() => null);
  const takingPart = (list?.items ?? []).filter((event) => event.currency === campaign.currency
    && (event.campaignIds.some((id) => sameId(id, campaignId)) || event.regions.includes(campaign.region?.county)));
  return currentEvent(takingPart);
}

/** Reads its rank on the event's projects board (and villages board for a village project), then watches it. */
async function watchRanks(campaign) {
  const event = await findEvent(campaign);
  if (!event) {
    return [];
  }
  view.rankEvent = event;
  const boards = campaign.kind === 'village' ? ['campaigns', 'villages'] : ['campaigns'];
  const watched = boards.map((board) => live.watch('leaderboardEntry', [event.id, board, campaignId], (entry) => applyRank(board, entry)));
  await Promise.all(boards.map((board) => getLeaderboard(event.id, board, { key: campaignId, top: 1 }).then(
    (body) => applyRank(board, { asOf: body.asOf, rankByAmount: body.entry?.rank ?? null }),
    () => {}))); // no boards here yet: the page simply shows no rank
  return watched;
}

// ---------- the live feed (the village page shows it) ----------

/** A village project's `feed` messages go to whoever listens for `campaign:feed` (village.js). */
async function watchFeed() {
  if (view.campaign?.kind !== 'village') {
    return [];
  }
  return [live.watch('feed', campaignId, (message) => document.dispatchEvent(new CustomEvent('campaign:feed', { detail: message })))];
}

// ---------- the team a share link names ----------

function renderTeam() {
  const team = view.team;
  $('team-banner').hidden = !team;
  $('donate-team').hidden = !team;
  if (!team) {
    return;
  }
  const currency = view.campaign?.currency ?? 'CNY';
  const percent = percentOf(team.raisedAmount, team.goalAmount);
  const shown = Math.min(percent, 100);
  $('team-banner-name').textContent = team.name;
  $('team-banner-raised').textContent = formatMoney(team.raisedAmount, currency);
  $('team-banner-goal').textContent = formatMoney(team.goalAmount, currency);
  $('team-banner-count').textContent = formatCount(team.donationCount);
  $('team-banner-link').href = `/team.html?id=${encodeURIComponent(team.id)}`;
  const bar = $('team-banner-progress');
  bar.setAttribute('aria-valuenow', String(shown));
  bar.setAttribute('aria-valuetext', `已筹 ${percent}%`);
  bar.querySelector('.progress-fill').style.width = `${shown}%`;
  $('donate-team').textContent = `本次捐赠计入团队「${team.name}」。Counts for the team.`;
}

function applyTeam(team) {
  if (sameId(team?.campaignId, campaignId)) {
    view.team = team;
    renderTeam();
  }
}

/** The share link's team: shown and given through only when it is a team of this campaign. */
async function watchTeam() {
  if (!GUID.test(teamId)) {
    return [];
  }
  try {
    applyTeam(await getTeam(teamId));
  } catch {
    return []; // unknown team (or none on this server): the page gives to the campaign alone
  }
  return view.team ? [live.watch('team', teamId, applyTeam)] : [];
}

// ---------- data ----------

function applyProgress(message) {
  const description = view.campaign?.description;
  view.campaign = { ...message, description };
  view.donors = (message.recentDonors ?? []).map((d) => ({ displayName: d.displayName, amount: d.amount, message: d.message, at: d.at }));
  view.fromHub = true;
  renderCampaign();
  renderDonors();
  // The village page (village.js) shares this page's connection: it hears each push, sub-plans included.
  document.dispatchEvent(new CustomEvent('campaign:progress', { detail: message }));
}

/** REST data has no version: it only fills what no `progress` message has filled yet. */
async function loadFromApi() {
  const [campaign, donations] = await Promise.all([getCampaign(campaignId), listDonations(campaignId).catch(() => null)]);
  if (view.fromHub) {
    view.campaign.description = campaign.description;
    $('description').textContent = campaign.description || '发起方暂未填写项目介绍。';
    return;
  }
  view.campaign = campaign;
  if (donations) {
    view.donors = donations.items.map((d) => ({
      displayName: d.anonymous ? null : d.displayName,
      amount: d.amount,
      message: d.message,
      at: d.succeededAt,
    }));
  }
  renderCampaign();
  renderDonors();
}

// ---------- donate form ----------

const FIELD_ERRORS = {
  amount: 'amount-error',
  displayName: 'display-name-error',
  message: 'message-error',
  email: 'email-error',
};

/** The server explains problems in English; say in Chinese which field it is about, and show its words. */
const SERVER_FIELD_HINTS = {
  amount: '金额未通过校验',
  displayName: '称呼未通过校验（最多 64 字）',
  message: '留言未通过校验（最多 280 字）',
  email: '邮箱未通过校验',
};

/**
 * The attempt in progress: its Idempotency-Key and body. A retry of the same body after a network
 * failure reuses the key, so the server counts the gift once; a changed body is a new gift.
 */
let pending = null;

function clearErrors() {
  for (const id of [...Object.values(FIELD_ERRORS), 'form-error', 'form-notice']) {
    $(id).textContent = '';
    $(id).hidden = true;
  }
  $('donate-form').querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
}

function showFieldError(field, messages) {
  const errorId = FIELD_ERRORS[field];
  const text = Array.isArray(messages) ? messages.join(' ') : String(messages);
  if (!errorId) {
    showFormError(text);
    return;
  }
  $(errorId).textContent = text;
  $(errorId).hidden = false;
  const input = $('donate-form').querySelector(`[aria-describedby~="${errorId}"]`);
  input?.setAttribute('aria-invalid', 'true');
}

function showFormError(text) {
  const box = $('form-error');
  box.textContent = box.textContent ? `${box.textContent} ${text}` : text;
  box.hidden = false;
}

function problemText(error) {
  switch (error.status) {
    case 404: return '未找到该项目，可能已被移除。';
    case 409: return '本项目当前不接受捐赠（可能已结束）。';
    case 422: return `暂时无法完成：${error.problem?.detail || error.problem?.title || '请求未被接受。'}`;
    default: return error.problem?.detail || error.problem?.title || `捐赠未能完成（错误 ${error.status}）。`;
  }
}

/** True when the donor chose 每月 (offered only when monthly gifts can be taken). */
function isMonthly() {
  return !$('frequency').hidden && $('frequency-monthly').checked;
}

function readForm() {
  const parsed = parseYuan($('amount').value);
  if (parsed.error) {
    return { error: { amount: parsed.error } };
  }
  const displayName = $('display-name').value.trim();
  const message = $('message').value.trim();
  // What the gift counts for besides the campaign, one-off or every month alike: through a team's share link the team
  // (card payments carry it to the provider's path), and on a village page the sub-plan the donor names.
  const targets = {
    ...(view.team ? { teamId: view.team.id } : {}),
    ...($('donate-subplan')?.value ? { subPlanId: $('donate-subplan').value } : {}),
  };
  if (isMonthly()) {
    const email = $('email').value.trim();
    return {
      monthly: true,
      body: {
        amount: parsed.fen,
        currency: view.campaign.currency,
        displayName: displayName || null,
        anonymous: $('anonymous').checked,
        email: email || null,
        ...targets,
      },
    };
  }
  return {
    body: {
      amount: parsed.fen,
      currency: view.campaign.currency,
      displayName: displayName || null,
      anonymous: $('anonymous').checked,
      message: message || null,
      ...targets,
    },
  };
}

let busy = false;

function setBusy(value, label) {
  busy = value;
  const button = $('donate-button');
  button.disabled = value;
  button.setAttribute('aria-busy', String(value));
  button.textContent = label ?? (isMonthly() ? '开通每月捐赠' : '立即捐赠');
}

async function onSubmit(event) {
  event.preventDefault();
  if (busy || !view.campaign) {
    return;
  }
  clearErrors();
  updateMessageCount();
  const { body, error, monthly } = readForm();
  if (error) {
    for (const [field, message] of Object.entries(error)) {
      showFieldError(field, message);
    }
    $('amount').focus();
    return;
  }
  // A verified donor's token makes the gift one that can be matched: giving with or without it is another gift.
  const donorToken = monthly ? null : verifiedDonor()?.token ?? null;
  const bodyKey = JSON.stringify({ monthly: Boolean(monthly), body, donorToken });
  if (!pending || pending.bodyKey !== bodyKey) {
    pending = { bodyKey, key: crypto.randomUUID(), donation: null, donorToken };
  }
  const attempt = pending;
  try {
    setBusy(true, '正在提交…');
    if (monthly) {
      const gift = await withServerRetries(() => createMonthlyGift(campaignId, body, attempt.key));
      await goToMonthlyCheckout(gift);
      return;
    }
    if (!attempt.donation) {
      attempt.donation = await withServerRetries(() => createDonation(campaignId, body, attempt.key, attempt.donorToken));
    }
    setBusy(true, '正在确认支付…');
    const confirmed = await withServerRetries(() => pay(attempt.donation));
    pending = null;
    showThanks(confirmed ?? attempt.donation, attempt.donation, Boolean(attempt.donorToken));
  } catch (failure) {
    if (failure instanceof NetworkError) {
      // Keep `pending`: pressing the button again retries with the same Idempotency-Key.
      showFormError(failure.status === 0
        ? '网络连接不稳定，捐赠结果未确认。请检查网络后再次点击“立即捐赠”，同一笔捐赠不会重复扣款。'
        : '服务暂时繁忙，捐赠结果未确认。请稍后再次点击“立即捐赠”，同一笔捐赠不会重复扣款。');
    } else if (attempt.donorToken && isDonorTokenRefusal(failure)) {
      // The server no longer knows the token (expired, or from another run): nothing was given. The donor may verify
      // again, or give at once without matching; they are never stopped from giving.
      pending = null;
      forgetDonor();
      showFormError('邮箱验证已失效，本笔捐赠未提交。请重新验证，或直接再次点击“立即捐赠”（不参与配捐）。Your verification has expired; nothing was given.');
    } else if (failure instanceof ProblemError) {
      pending = null;
      const fields = Object.entries(failure.fieldErrors);
      if (fields.length > 0) {
        for (const [field, messages] of fields) {
          const hint = SERVER_FIELD_HINTS[field];
          const text = [].concat(messages).join(' ');
          showFieldError(field, hint ? `${hint}：${text}` : text);
        }
        $('donate-form').querySelector('[aria-invalid="true"]')?.focus();
      } else {
        showFormError(problemText(failure));
      }
    } else {
      pending = null;
      showFormError('捐赠未能完成，请稍后再试。');
    }
  } finally {
    setBusy(false);
  }
}

/** When the server answers 503 with Retry-After, it asks for the same request again: do so a few times. */
async function withServerRetries(call, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (failure) {
      if (!(failure instanceof NetworkError) || failure.retryAfterMs === null || attempt >= attempts) {
        throw failure;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(failure.retryAfterMs, 500)));
    }
  }
}

async function pay(donation) {
  const payment = donation.payment;
  if (payment?.redirectUrl) {
    // A card provider's hosted page; it sends the donor back here with &paid=1 or &cancelled=1.
    const url = new URL(payment.redirectUrl, location.href);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error('payment page address is not http(s)');
    }
    setBusy(true, '正在前往支付页面…');
    if (donation.receiptToken) {
      sessionStorage.setItem(receiptStorageKey(donation.id), donation.receiptToken);
    }
    location.assign(url.href);
    return new Promise(() => {}); // the page is going away
  }
  if (payment?.confirmUrl) {
    return confirmPayment(payment.confirmUrl);
  }
  throw new Error(`unsupported payment provider ${payment?.provider}`);
}

/**
 * Sends a new monthly donor to pay. The cancel token is kept in this tab's sessionStorage only: the checkout
 * returns to monthly.html?id=… (no token in any address a server sees), which moves it into its #fragment.
 */
async function goToMonthlyCheckout(gift) {
  const url = new URL(gift.checkoutUrl ?? '', location.href);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error('payment page address is not http(s)');
  }
  sessionStorage.setItem(`fundraising.monthlyGift.${gift.id}`, gift.cancelToken);
  setBusy(true, '正在前往支付页面…');
  location.assign(url.href);
  return new Promise(() => {}); // the page is going away
}

/**
 * The donor's receipt link: the token opens it and lives only in the link's #fragment (never sent to a server). A card
 * donor leaves for the payment page first, so the token waits in this tab's sessionStorage (never in the payment
 * provider's return address) and the return (…&donation=<id>&paid=1) picks it up.
 */
const receiptStorageKey = (donationId) => `fundraising.receipt.${donationId}`;

function showReceiptLink(donationId, token) {
  const receipt = $('thank-receipt');
  receipt.hidden = !(donationId && token);
  if (!receipt.hidden) {
    $('thank-receipt-link').href = `/receipt.html#donation=${encodeURIComponent(donationId)}&token=${encodeURIComponent(token)}`;
  }
}

function showThanks(donation, created = null, verified = false) {
  showReceiptLink(created?.id, created?.receiptToken);
  const match = $('thank-match');
  match.hidden = !donation;
  if (donation) {
    const outcome = matchOutcome(donation, verified);
    match.dataset.status = outcome.status;
    match.textContent = outcome.text;
  }
  const form = $('donate-form');
  form.hidden = true;
  form.reset();
  updateMessageCount();
  syncAnonymous();
  syncFrequency();
  $('amount').dispatchEvent(new Event('input'));
  const thanks = $('thank-you');
  $('thank-summary').hidden = !donation;
  $('thank-returned').hidden = Boolean(donation);
  if (donation) {
    $('thank-amount').textContent = formatMoney(donation.amount, donation.currency);
    $('thank-name').textContent = donation.anonymous || !donation.displayName ? ANONYMOUS_NAME : donation.displayName;
  }
  thanks.hidden = false;
  thanks.focus();
  // Without the live connection the bar would not move: read the totals once instead.
  if (donation && live && live.state !== 'connected') {
    getCampaign(campaignId).then((campaign) => {
      if (live?.state !== 'connected') {
        view.campaign = { ...view.campaign, ...campaign };
        renderCampaign();
      }
    }).catch(() => {});
  }
}

function donateAgain() {
  $('thank-you').hidden = true;
  $('donate-form').hidden = false;
  $('amount').focus();
}

function updateMessageCount() {
  const length = Array.from($('message').value).length;
  const counter = $('message-count');
  counter.textContent = `${length}/${MESSAGE_LIMIT}`;
  counter.classList.toggle('is-over', length > MESSAGE_LIMIT);
}

function syncAnonymous() {
  const anonymous = $('anonymous').checked;
  $('display-name-hint').textContent = anonymous
    ? `将显示为“${ANONYMOUS_NAME}”，姓名不会公开。`
    : '将显示在爱心榜上，可留空。';
}

/** 一次性 or 每月: a monthly gift has no message, may leave an e-mail for the card provider's receipts. */
function syncFrequency() {
  const monthly = isMonthly();
  $('frequency-hint').hidden = !monthly;
  $('email-field').hidden = !monthly;
  $('message-field').hidden = monthly;
  if (!busy) {
    setBusy(false);
  }
}

/** Monthly giving is offered only when the card provider takes donors' payments and the server can issue tokens. */
async function offerMonthly() {
  const options = await getPaymentOptions().catch(() => null);
  $('frequency').hidden = !(options?.provider === 'stripe' && options.monthlyGiving);
  syncFrequency();
}

function wireForm() {
  $('donate-form').addEventListener('submit', onSubmit);
  for (const radio of document.querySelectorAll('input[name="frequency"]')) {
    radio.addEventListener('change', syncFrequency);
  }
  $('message').addEventListener('input', updateMessageCount);
  $('anonymous').addEventListener('change', syncAnonymous);
  $('donate-again').addEventListener('click', donateAgain);
  for (const button of document.querySelectorAll('[data-yuan]')) {
    button.addEventListener('click', () => {
      $('amount').value = button.dataset.yuan;
      $('amount').dispatchEvent(new Event('input'));
      $('amount').focus();
    });
  }
  $('amount').addEventListener('input', () => {
    const value = $('amount').value;
    for (const button of document.querySelectorAll('[data-yuan]')) {
      button.setAttribute('aria-pressed', String(button.dataset.yuan === value));
    }
  });
  updateMessageCount();
  syncAnonymous();
  setupVerification();
  // The phone-only shortcut to the form steps aside once the form itself is on screen.
  const cta = $('mobile-cta');
  new IntersectionObserver(([entry]) => {
    cta.classList.toggle('is-away', entry.isIntersecting);
  }).observe($('donate'));
}

// ---------- starting a team (一起捐): verified donors only ----------

const TEAM_FIELDS = { name: 'new-team-name-error', goalAmount: 'new-team-goal-error', story: 'new-team-story-error' };

function showTeamError(field, text) {
  const id = TEAM_FIELDS[field] ?? 'new-team-error';
  $(id).textContent = text;
  $(id).hidden = !text;
  const input = $('new-team-form').querySelector(`[aria-describedby~="${id}"]`);
  if (text) {
    input?.setAttribute('aria-invalid', 'true');
  } else {
    input?.removeAttribute('aria-invalid');
  }
}

function readTeamForm() {
  const errors = {};
  const name = $('new-team-name').value.trim();
  if (!name) {
    errors.name = '请填写团队名称。Please name the team.';
  } else if (Array.from(name).length > 40) {
    errors.name = '团队名称最多 40 字。At most 40 characters.';
  }
  const goal = parseYuan($('new-team-goal').value, '团队目标');
  if (goal.error) {
    errors.goalAmount = goal.error;
  }
  const story = $('new-team-story').value.trim();
  if (Array.from(story).length > 2000) {
    errors.story = '发起人的话最多 2000 字。At most 2,000 characters.';
  }
  return { errors, body: { name, goalAmount: goal.fen, story: story || null } };
}

let creatingTeam = false;

async function onCreateTeam(event) {
  event.preventDefault();
  if (creatingTeam) {
    return;
  }
  for (const field of [...Object.keys(TEAM_FIELDS), 'form']) {
    showTeamError(field, '');
  }
  const { errors, body } = readTeamForm();
  if (Object.keys(errors).length > 0) {
    for (const [field, text] of Object.entries(errors)) {
      showTeamError(field, text);
    }
    $('new-team-form').querySelector('[aria-invalid="true"]')?.focus();
    return;
  }
  const donor = verifiedDonor();
  if (!donor) {
    openVerification();
    return;
  }
  creatingTeam = true;
  $('new-team-create').disabled = true;
  try {
    showTeamCreated(await createTeam(campaignId, body, donor.token));
  } catch (error) {
    if (isDonorTokenRefusal(error)) {
      forgetDonor();
      showTeamError('form', '邮箱验证已失效，请重新验证后再创建。Your verification has expired; verify again.');
    } else if (error instanceof ProblemError && Object.keys(error.fieldErrors).length > 0) {
      for (const [field, messages] of Object.entries(error.fieldErrors)) {
        const key = field.charAt(0).toLowerCase() + field.slice(1);
        showTeamError(key in TEAM_FIELDS ? key : 'form', [].concat(messages).join(' '));
      }
    } else if (error instanceof ProblemError) {
      const said = error.problem?.detail || error.problem?.title || '';
      showTeamError('form', {
        404: '未找到该项目。No such project.',
        409: `本项目不在进行中或即将开始的公益日活动中，暂不能发起团队。${said}`,
      }[error.status] ?? (said || `未能创建团队（错误 ${error.status}）。`));
    } else {
      showTeamError('form', '网络不稳定，团队未确认创建，请稍后再试。The server did not answer; please try again.');
    }
  } finally {
    creatingTeam = false;
    $('new-team-create').disabled = false;
  }
}

function showTeamCreated(team) {
  const url = new URL(team.shareUrl ?? `/campaign.html?id=${campaignId}&team=${team.id}`, location.origin);
  $('new-team-share-url').value = url.origin === location.origin ? url.href : `${location.origin}/campaign.html?id=${campaignId}&team=${team.id}`;
  $('new-team-page').href = `/team.html?id=${encodeURIComponent(team.id)}`;
  $('new-team-form').hidden = true;
  $('new-team-form').reset();
  $('new-team-created').hidden = false;
  $('new-team-share-url').focus();
  $('new-team-share-url').select();
}

async function copyShareLink() {
  const button = $('new-team-copy');
  try {
    await navigator.clipboard.writeText($('new-team-share-url').value);
    button.textContent = '已复制 Copied';
  } catch {
    $('new-team-share-url').select(); // no clipboard here: leave it selected to copy by hand
  }
}

function wireStartTeam() {
  $('start-team-verify').addEventListener('click', openVerification);
  $('new-team-form').addEventListener('submit', onCreateTeam);
  $('new-team-copy').addEventListener('click', copyShareLink);
  onDonorChange((donor) => {
    $('start-team-unverified').hidden = Boolean(donor);
    $('new-team-form').hidden = !donor || !$('new-team-created').hidden;
  });
}

/** Back from a card provider's payment page: say how it went, then tidy the address. */
function handlePaymentReturn() {
  const query = new URLSearchParams(location.search);
  if (query.get('paid') === '1') {
    showThanks(null);
    const donationId = query.get('donation');
    showReceiptLink(donationId, donationId ? sessionStorage.getItem(receiptStorageKey(donationId)) : null);
  } else if (query.get('cancelled') === '1') {
    const notice = $('form-notice');
    notice.textContent = '支付已取消，未扣款。您可以重新捐赠。';
    notice.hidden = false;
  } else {
    return;
  }
  history.replaceState(null, '', `${location.pathname}?id=${encodeURIComponent(campaignId)}`);
}

// A page restored from the back-forward cache (the donor came back from a payment page) must not stay busy.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) {
    setBusy(false);
  }
});

// ---------- start ----------

function showMissing(text) {
  $('campaign').hidden = true;
  $('mobile-cta').hidden = true;
  const missing = $('missing');
  missing.querySelector('p').textContent = text;
  missing.hidden = false;
  document.title = '未找到项目 - 慈善募捐';
}

async function main() {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(campaignId)) {
    showMissing('链接中的项目编号无效，请从项目列表进入。');
    return;
  }
  wireForm();
  wireStartTeam();
  handlePaymentReturn();
  offerMonthly();
  live = openHub({ onState: renderLiveState });
  live.watch('campaign', campaignId, applyProgress);
  try {
    await loadFromApi();
    document.body.dataset.loaded = 'true';
    // What has gone out, for the balance; the page works without it (the ledger page has the detail).
    getLedger(campaignId, { pageSize: 1 }).then((ledger) => {
      view.disbursed = ledger.disbursedAmount;
      renderCampaign();
    }, () => {});
    // Its rank and the share link's team come after the campaign itself; `data-watching` says their watches are in.
    const watched = await Promise.all([watchRanks(view.campaign), watchTeam(), watchFeed()]);
    Promise.all(watched.flat()).then(() => { document.body.dataset.watching = 'true'; });
  } catch (error) {
    if (error instanceof ProblemError && error.status === 404) {
      live.stop();
      showMissing('未找到该项目，它可能已被移除。');
    } else if (!view.fromHub) {
      showFormError('项目信息加载失败，请刷新页面重试。');
    }
  }
  // Keep "3 分钟前" honest on a page left open.
  setInterval(renderDonors, 60000);
}

main();
