// The admin's session: the key lives in this tab's sessionStorage only and goes out as the bearer
// header. It is never put in a URL, a cookie or the page.
import { request, ProblemError } from '/js/api.js';

const STORAGE_KEY = 'fundraising.adminKey';

let onUnauthorized = () => {};

export function hasKey() {
  return Boolean(sessionStorage.getItem(STORAGE_KEY));
}

export function signOut() {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** What to do when the server stops accepting the key (rotated, or the tab's key was wrong). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** An admin API call with the bearer key; a 401 signs the admin out. */
export async function adminRequest(method, url, { body, headers } = {}) {
  const key = sessionStorage.getItem(STORAGE_KEY);
  if (!key) {
    onUnauthorized();
    throw new ProblemError(401, { title: '请先登录。' });
  }
  try {
    return await request(method, url, { body, headers: { ...headers, Authorization: `Bearer ${key}` } });
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      onUnauthorized();
    }
    throw error;
  }
}

/**
 * Tries a key against an admin endpoint and keeps it only if the server accepts it.
 * Returns null on success, or the message to show.
 */
export async function signIn(key) {
  const trimmed = key.trim();
  if (!/^[!-~]{1,512}$/.test(trimmed)) {
    return '管理员密钥格式不正确（只含英文字母、数字和符号）。The admin key is not in the right format.';
  }
  try {
    await request('GET', '/api/admin/audit?limit=1', { headers: { Authorization: `Bearer ${trimmed}` } });
  } catch (error) {
    if (error instanceof ProblemError && error.status === 401) {
      return '管理员密钥不正确，请检查后重试。Wrong admin key.';
    }
    return '暂时无法连接服务器，请稍后再试。The server is not answering.';
  }
  sessionStorage.setItem(STORAGE_KEY, trimmed);
  return null;
}
