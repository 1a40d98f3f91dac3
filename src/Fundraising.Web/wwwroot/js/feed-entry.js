// One entry of a project's feed as the village page and the follow page show it. The server already names anonymous
// donors 匿名爱心人士; a disbursement (money going out) is one more kind with its own line.
import { formatMoney } from './money.js';
import { el, timeAgo, formatDate } from './ui.js';

const KIND_LABELS = { gift: '捐赠 Gift', update: '进展 Update', milestone: '里程碑 Milestone', disbursement: '支出 Disbursement' };

export function feedItem(entry, { project } = {}) {
  const lines = [];
  if (entry.kind === 'gift') {
    lines.push(el('p', { class: 'feed-line' },
      el('span', { class: 'donor-name', text: entry.name ?? '匿名爱心人士' }),
      ` 捐赠 ${formatMoney(entry.amount, entry.currency ?? 'CNY')}`,
      entry.subPlanTitle ? el('span', { class: 'feed-subplan', text: ` · ${entry.subPlanTitle}` }) : null));
  } else if (entry.kind === 'disbursement') {
    // A correction has no purpose of its own: it names its reason (and the entry it corrects is in the ledger beside it).
    lines.push(el('p', { class: 'feed-line', text: `${entry.title ?? '更正 Correction'} ${entry.amount != null ? formatMoney(entry.amount, entry.currency ?? 'CNY') : ''}` }));
    if (entry.name) {
      lines.push(el('p', { class: 'feed-body', text: `收款方 Payee: ${entry.name}` }));
    }
    if (entry.body) {
      lines.push(el('p', { class: 'feed-body', text: entry.body }));
    }
  } else {
    lines.push(el('p', { class: 'feed-title', text: entry.title ?? '' }));
    if (entry.body) {
      lines.push(el('p', { class: 'feed-body', text: entry.body }));
    }
    if (entry.kind === 'milestone' && entry.reachedAt) {
      lines.push(el('p', { class: 'feed-when', text: `达成于 ${formatDate(entry.reachedAt)}` }));
    }
    if ((entry.photos ?? []).length > 0) {
      lines.push(el('div', { class: 'photo-strip' }, ...entry.photos.map((p) =>
        el('img', { attrs: { src: p.url, alt: entry.title ?? '项目照片', loading: 'lazy', width: '120', height: '90' } }))));
    }
  }
  return el('li', { class: `feed-item feed-${entry.kind}`, attrs: { 'data-entry-id': entry.id, 'data-kind': entry.kind } },
    el('p', { class: 'feed-meta' },
      el('span', { class: 'feed-kind', text: KIND_LABELS[entry.kind] ?? entry.kind }),
      project ? el('a', { class: 'feed-project', text: project.title, attrs: { href: `/village.html?id=${encodeURIComponent(project.id)}` } }) : null,
      el('time', { class: 'feed-time', text: timeAgo(entry.at), attrs: { datetime: entry.at } })),
    ...lines);
}

/** Keeps a list of entries newest first, each once (a push and a REST page may both carry it). */
export function feedList(container, { project } = {}) {
  const shown = new Set();
  const entries = [];
  const render = () => {
    if (entries.length === 0) {
      container.replaceChildren(el('li', { class: 'feed-item feed-empty', text: '还没有动态。No news yet.' }));
      return;
    }
    container.replaceChildren(...entries.map((e) => feedItem(e, { project: project?.(e) })));
  };
  return {
    add(list) {
      for (const entry of list) {
        if (!shown.has(entry.id)) {
          shown.add(entry.id);
          entries.push(entry);
        }
      }
      entries.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
      render();
    },
    render,
  };
}
