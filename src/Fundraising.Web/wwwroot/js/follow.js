// Projects a visitor follows, kept in this browser only (localStorage): no account, nothing sent until the feed page asks.

const KEY = 'fundraising.followed';
export const MAX_FOLLOWED = 20;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function followed() {
  try {
    const ids = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string' && GUID.test(id)).slice(0, MAX_FOLLOWED) : [];
  } catch {
    return [];
  }
}

export const isFollowed = (id) => followed().some((f) => f.toLowerCase() === String(id).toLowerCase());

/** Follows or unfollows; false when following one more would pass the limit. */
export function setFollowed(id, on) {
  const rest = followed().filter((f) => f.toLowerCase() !== String(id).toLowerCase());
  if (on && rest.length >= MAX_FOLLOWED) {
    return false;
  }
  localStorage.setItem(KEY, JSON.stringify(on ? [...rest, String(id)] : rest));
  return true;
}
