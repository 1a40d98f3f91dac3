// Matching pools (配捐) and giving-day events in words: status, rules and times in the event's own time zone.
// Shared by the event home (event.html) and the admin pages.
import { formatMoney } from './money.js';

export const POOL_STATUS_TEXT = {
  scheduled: '未开始 Scheduled',
  open: '配捐中 Open',
  paused: '已暂停 Paused',
  exhausted: '已配完 Exhausted',
  closed: '已结束 Closed',
};

/** "2026年9月7日 10:00", read in the given IANA zone (the event's), not the browser's. */
export function formatInZone(iso, timeZone, { withDate = true } = {}) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  const options = withDate
    ? { timeZone, year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
    : { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat('zh-CN', options).format(date);
  } catch {
    return new Intl.DateTimeFormat('zh-CN', { ...options, timeZone: undefined }).format(date); // an unknown zone
  }
}

/** An event's window: "2026年9月7日 00:00 至 2026年9月9日 23:59（Asia/Shanghai 时间）". */
export function windowText(event) {
  return `${formatInZone(event.startsAt, event.timeZone)} 至 ${formatInZone(event.endsAt, event.timeZone)}（${event.timeZone} 时间）`;
}

/** Before, during or after the window. */
export function eventPhase(event, now = Date.now()) {
  if (now < Date.parse(event.startsAt)) {
    return 'upcoming';
  }
  return now < Date.parse(event.endsAt) ? 'running' : 'over';
}

/** The running event that ends soonest, else the upcoming one that starts soonest, else null. */
export function currentEvent(events, now = Date.now()) {
  const by = (field) => (a, b) => Date.parse(a[field]) - Date.parse(b[field]);
  const running = events.filter((e) => eventPhase(e, now) === 'running').sort(by('endsAt'));
  const upcoming = events.filter((e) => eventPhase(e, now) === 'upcoming').sort(by('startsAt'));
  return running[0] ?? upcoming[0] ?? null;
}

/** "00:00:08", or "2 天 03:04:05" (never negative). */
export function countdownText(milliseconds) {
  const total = Math.max(0, Math.ceil(milliseconds / 1000));
  const days = Math.floor(total / 86400);
  const pad = (n) => String(n).padStart(2, '0');
  const clock = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? `${days} 天 ${clock}` : clock;
}

/** How a gift is matched: the ratio, or a random amount within bounds. */
export function ratioText(pool) {
  const { match, per } = pool.ratio ?? {};
  const ratio = match === per ? '1:1 配捐：每捐 1 元，配 1 元' : `按 ${match}:${per} 配捐：每捐 ${per} 元，配 ${match} 元`;
  if (pool.random) {
    return `随机配捐：每笔配 ${formatMoney(pool.random.min, pool.currency)} 至 ${formatMoney(pool.random.max, pool.currency)}，不超过${ratio.split('：')[0]}的金额`;
  }
  return ratio;
}

/** The pool's rules, one line each, in words. */
export function rulesText(pool, timeZone) {
  const m = (amount) => formatMoney(amount, pool.currency);
  const eligible = pool.eligible ?? {};
  const lines = [
    ratioText(pool),
    `每笔捐赠最多配 ${m(pool.maxPerGift)}`,
    `每人每天最多配 ${m(pool.maxPerDonorPerDay)}（需验证邮箱或手机）`,
    `每天 ${pool.opensAt} 开始${timeZone ? `（${timeZone} 时间）` : ''}，先到先得，配完即止`,
  ];
  if (pool.dailyBudget) {
    lines.push(`每日额度 ${m(pool.dailyBudget)}`);
  }
  const scope = [];
  if (eligible.campaignIds?.length) {
    scope.push(`${eligible.campaignIds.length} 个指定项目`);
  }
  if (eligible.counties?.length) {
    scope.push(`区县：${eligible.counties.join('、')}`);
  }
  lines.push(scope.length ? `适用范围：${scope.join('；')}` : '适用范围：本活动全部项目');
  return lines;
}

/** Share of the budget still left, in whole percent (0 to 100). */
export function remainingPercent(pool) {
  if (!pool.budget || pool.budget <= 0) {
    return 0;
  }
  return Math.max(0, Math.min(100, Math.floor((pool.remainingAmount * 100) / pool.budget)));
}
