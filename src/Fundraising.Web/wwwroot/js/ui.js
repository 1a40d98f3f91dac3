// Small DOM helpers. Text always goes in through textContent: names, titles and messages come
// from donors and organisers and must show as text, never as markup.

/** Creates an element: el('p', { class: 'x', text: 'y', attrs: { id: 'z' } }, child1, child2). */
export function el(tag, { class: className, text, attrs } = {}, ...children) {
  const element = document.createElement(tag);
  if (className) {
    element.className = className;
  }
  if (text !== undefined && text !== null) {
    element.textContent = String(text);
  }
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined && value !== null && value !== false) {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  element.append(...children.filter((child) => child !== null && child !== undefined));
  return element;
}

export const KIND_LABELS = { appeal: '公益项目', village: '幸福家园' };
export const STATUS_LABELS = { draft: '未开始', live: '募捐中', closed: '已结束' };

export function kindBadge(kind) {
  return el('span', { class: `badge badge-${kind === 'village' ? 'village' : 'appeal'}`, text: KIND_LABELS[kind] ?? kind });
}

export function statusBadge(status) {
  return el('span', { class: `badge badge-status badge-${status}`, text: STATUS_LABELS[status] ?? status });
}

/** "商洛市 · 丹凤县 · 棣花镇万湾村" (province left out when a city is given, to keep it short). */
export function regionText(region, { withProvince = false } = {}) {
  if (!region) {
    return '';
  }
  const parts = [withProvince ? region.province : null, region.city, region.county, region.village];
  return parts.filter((part) => part).join(' · ');
}

const dateFormat = new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: 'long', day: 'numeric' });
const relative = new Intl.RelativeTimeFormat('zh-CN', { numeric: 'auto' });

export function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : dateFormat.format(date);
}

/** "刚刚", "3 分钟前", "2 小时前", or a date. */
export function timeAgo(iso, now = Date.now()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  const seconds = Math.round((now - date.getTime()) / 1000);
  if (seconds < 45) {
    return '刚刚';
  }
  if (seconds < 3600) {
    return relative.format(-Math.round(seconds / 60), 'minute');
  }
  if (seconds < 86400) {
    return relative.format(-Math.round(seconds / 3600), 'hour');
  }
  return dateFormat.format(date);
}

const countFormat = new Intl.NumberFormat('zh-CN');

export function formatCount(n) {
  return countFormat.format(n);
}
