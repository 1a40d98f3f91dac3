// The staff member's session: an account signed in with a cookie the page cannot read (HttpOnly, SameSite=Strict,
// kept server-side). Nothing secret is kept in web storage. The antiforgery token that every change must carry is
// held in this module's memory only, fetched again after each sign-in or reload.
import { request, ProblemError } from '/js/api.js';

let antiforgery = null;
let me = null;
let onUnauthorized = () => {};

/** Who is signed in: `{userName, displayName, role, scope}`, or null. */
export function currentUser() {
  return me;
}

/** The header a page's own POSTs with the cookie must carry, for callers that are not `adminRequest` (a hub's negotiate). */
export function antiforgeryHeaders() {
  return antiforgery ? { 'X-CSRF-Token': antiforgery } : {};
}

/** What to do when the server stops accepting the session (signed out elsewhere, expired, account disabled). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

async function loadSession() {
  me = await request('GET', '/api/auth/me');
  antiforgery = (await request('GET', '/api/auth/antiforgery')).token;
}

/** Resumes a session this browser already has (a reload); false when there is none. */
export async function resume() {
  try {
    await loadSession();
    return true;
  } catch (error) {
    me = null;
    antiforgery = null;
    if (error instanceof ProblemError && error.status === 401) {
      return false;
    }
    throw error;
  }
}

/** A staff API call with the session cookie; changes carry the antiforgery token; a 401 signs the page out. */
export async function adminRequest(method, url, { body, headers } = {}) {
  const change = method !== 'GET' && method !== 'HEAD';
  try {
    return await request(method, url, { body, headers: change && antiforgery ? { ...headers, 'X-CSRF-Token': antiforgery } : headers });
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      me = null;
      antiforgery = null;
      onUnauthorized();
    }
    throw error;
  }
}

/** Signs in with a user name and password. Returns null on success, or the message to show. */
export async function signIn(userName, password) {
  if (!userName.trim() || !password) {
    return '请输入用户名和密码。Please enter your user name and password.';
  }
  try {
    await request('POST', '/api/auth/sign-in', { body: { userName: userName.trim(), password } });
    await loadSession();
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      return '用户名或密码不正确，或账号已被锁定，请稍后再试。Wrong user name or password, or the account is locked.';
    }
    if (error instanceof ProblemError && error.status === 429) {
      return '尝试次数过多，请稍后再试。Too many attempts; please wait and try again.';
    }
    return '暂时无法连接服务器，请稍后再试。The server is not answering.';
  }
  return null;
}

/** Ends the session on the server (a copy of the cookie opens nothing afterwards), then forgets it here. */
export async function signOut() {
  if (me) {
    try {
      await adminRequest('POST', '/api/auth/sign-out');
    } catch {
      // Signed out already, or the server is away: the page forgets the session either way.
    }
  }
  me = null;
  antiforgery = null;
}
