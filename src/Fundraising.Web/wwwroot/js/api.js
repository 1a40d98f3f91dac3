// Calls to the platform's HTTP API. Errors come back as RFC 7807 problems.

/** The server answered with an error: status, the problem document, and field errors if any. */
export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    this.fieldErrors = problem?.errors ?? {};
  }
}

/**
 * The request may or may not have taken effect: no answer, a timeout, or a 5xx. Retrying it with
 * the same Idempotency-Key is safe. status is 0 when nothing came back; retryAfterMs is set when
 * the server asked for a retry (503 with Retry-After).
 */
export class NetworkError extends Error {
  constructor(message, status = 0, retryAfterMs = null) {
    super(message);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

function retryAfter(response) {
  const seconds = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return response.status === 503 && Number.isInteger(seconds) && seconds >= 0 ? Math.min(seconds, 5) * 1000 : null;
}

const TIMEOUT_MS = 20000;

/**
 * One API call: JSON in and out (a FormData body goes as multipart, for uploads); a ProblemError for 4xx, a
 * NetworkError when the outcome is unknown.
 */
export async function request(method, url, { body, headers } = {}) {
  const json = body !== undefined && !(body instanceof FormData);
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        Accept: 'application/json, application/problem+json',
        ...(json ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: json ? JSON.stringify(body) : body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      cache: 'no-store',
    });
  } catch (error) {
    throw new NetworkError(error?.message ?? 'network error');
  }
  const type = response.headers.get('Content-Type') ?? '';
  const data = type.includes('json') ? await response.json().catch(() => null) : null;
  if (response.status >= 500) {
    // The server (or a proxy) failed part-way: the request may or may not have gone through.
    throw new NetworkError(data?.detail ?? `HTTP ${response.status}`, response.status, retryAfter(response));
  }
  if (!response.ok) {
    throw new ProblemError(response.status, data);
  }
  return data;
}

export function listCampaigns({ kind, status, county, page, pageSize }) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries({ kind, status, county, page, pageSize })) {
    if (value !== undefined && value !== null && value !== '') {
      query.set(key, String(value));
    }
  }
  return request('GET', `/api/campaigns?${query}`);
}

export function getCampaign(id) {
  return request('GET', `/api/campaigns/${encodeURIComponent(id)}`);
}

/** A page of a project's public ledger (totals and entries, oldest first); pass the previous page's `next` as `cursor`. */
export function getLedger(id, { cursor = null, pageSize = 50 } = {}) {
  const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
  return request('GET', `/api/campaigns/${encodeURIComponent(id)}/ledger?pageSize=${pageSize}${after}`);
}

/** A page of a campaign's gifts, newest first; pass the previous page's `next` as `cursor` for the one after it. */
export function listDonations(id, cursor = null, pageSize = 10) {
  const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
  return request('GET', `/api/campaigns/${encodeURIComponent(id)}/donations?pageSize=${pageSize}${after}`);
}

/** Starts a gift; a verified donor's token (Donor-Token) lets it be matched (配捐). */
export function createDonation(id, body, idempotencyKey, donorToken = null) {
  return request('POST', `/api/campaigns/${encodeURIComponent(id)}/donations`, {
    body,
    headers: { 'Idempotency-Key': idempotencyKey, ...(donorToken ? { 'Donor-Token': donorToken } : {}) },
  });
}

/** Confirms a sandbox payment; the server answers with the succeeded donation. */
export function confirmPayment(confirmUrl) {
  const url = new URL(confirmUrl, location.origin);
  if (url.origin !== location.origin) {
    throw new Error('confirm URL is not on this site');
  }
  return request('POST', url.pathname + url.search);
}

/** What the donate form may offer: `{provider: 'stripe'|'sandbox'|null, monthlyGiving}`. */
export function getPaymentOptions() {
  return request('GET', '/api/payments/options');
}

/** Starts a monthly gift (月捐); the answer carries the checkout address and the donor's cancel token. */
export function createMonthlyGift(id, body, idempotencyKey) {
  return request('POST', `/api/campaigns/${encodeURIComponent(id)}/monthly-gifts`, {
    body,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}

export function getMonthlyGift(id, token) {
  return request('GET', `/api/monthly-gifts/${encodeURIComponent(id)}`, { headers: { 'Monthly-Gift-Token': token } });
}

export function cancelMonthlyGift(id, token) {
  return request('POST', `/api/monthly-gifts/${encodeURIComponent(id)}/cancel`, { headers: { 'Monthly-Gift-Token': token } });
}

/** Sends a one-time code to a donor's e-mail address (202, whether or not it was seen before). */
export function requestDonorCode(email) {
  return request('POST', '/api/donors/verifications', { body: { email } });
}

/** Trades the code for a donor token: `{donorToken, expiresAt}`. */
export function confirmDonorCode(email, code) {
  return request('POST', '/api/donors/verifications/confirm', { body: { email, code } });
}

/** Giving-day events (99公益日), newest first: `{items}`. */
export function listEvents() {
  return request('GET', '/api/events');
}

/** One event with its live totals: `{id, name, startsAt, endsAt, timeZone, campaignIds, regions, totals, currency}`. */
export function getEvent(id) {
  return request('GET', `/api/events/${encodeURIComponent(id)}`);
}

/** An event's matching pools (配捐): `{items: [Pool]}`. */
export function listPools(eventId) {
  return request('GET', `/api/events/${encodeURIComponent(eventId)}/pools`);
}

export function getPool(id) {
  return request('GET', `/api/pools/${encodeURIComponent(id)}`);
}

/**
 * One of an event's boards (排行榜): `{board, by, asOf, entries: [{rank, key, name, amount, count, matchedAmount}], totals,
 * currency, entry}`. board: campaigns | villages | towns | counties | cities | teams | donors; by: amount | count; `key`
 * asks for that entry's rank as `entry`, even outside the top.
 */
export function getLeaderboard(eventId, board, { by = 'amount', top, key } = {}) {
  const query = new URLSearchParams({ by });
  if (top) {
    query.set('top', String(top));
  }
  if (key) {
    query.set('key', key);
  }
  return request('GET', `/api/events/${encodeURIComponent(eventId)}/leaderboards/${encodeURIComponent(board)}?${query}`);
}

/** A team (一起捐): `{id, campaignId, eventId, name, goalAmount, raisedAmount, donationCount, story, shareUrl, recent}`. */
/** A verified donor's own place on the event's donors board (`Donor-Token`): 404 when no gift of theirs counts there. */
export function getMyRank(eventId, donorToken, by = 'amount') {
  return request('GET', `/api/events/${encodeURIComponent(eventId)}/leaderboards/donors/me?by=${encodeURIComponent(by)}`, {
    headers: { 'Donor-Token': donorToken },
  });
}

export function getTeam(id) {
  return request('GET', `/api/teams/${encodeURIComponent(id)}`);
}

/** A verified donor opens a team for a campaign: `{name, goalAmount, story?}` → the team with its `shareUrl`. */
export function createTeam(campaignId, body, donorToken) {
  return request('POST', `/api/campaigns/${encodeURIComponent(campaignId)}/teams`, { body, headers: { 'Donor-Token': donorToken } });
}

/** A village project's village (when claimed), story, photos and sub-plans. */
export function getVillageProject(id) {
  return request('GET', `/api/campaigns/${encodeURIComponent(id)}/village`);
}

/** A project's feed, newest first; pass the previous page's `next` as `before` for older entries. */
export function getFeed(id, before = null, limit = 20) {
  const older = before ? `&before=${encodeURIComponent(before)}` : '';
  return request('GET', `/api/campaigns/${encodeURIComponent(id)}/feed?limit=${limit}${older}`);
}

/** One feed of several followed projects (at most 20), newest first. */
export function getFollowedFeed(ids, before = null, limit = 30) {
  const older = before ? `&before=${encodeURIComponent(before)}` : '';
  return request('GET', `/api/feed?campaignIds=${ids.map(encodeURIComponent).join(',')}&limit=${limit}${older}`);
}
