// The event home's "我的排名 My rank": the place on the donors board of the donor whose token this tab holds (the donate
// form's verification keeps it in sessionStorage, see donor.js). Read once (GET …/leaderboards/donors/me), then live over
// the page's hub connection (`WatchLeaderboardEntry` of the donor's own entry). A donor with no gift here yet sees so,
// and the page reads again when the donors board moves (it may be their gift). A donor who gave only anonymously sees
// their rank too, told that the public board shows them as 匿名爱心人士; their name is never on the page.
import { getMyRank, ProblemError } from './api.js';
import { formatMoney } from './money.js';
import { el, formatCount } from './ui.js';
import { asOfOrder } from './live.js';
import { verifiedDonor } from './donor.js';
import { ANONYMOUS_DONOR } from './boards.js';

/**
 * Shows the tab's donor's rank in `container` (hidden when the tab holds no donor token). Returns
 * `{ ready, connect(hub), donorsBoardMoved() }` (`ready` settles once the first read is in), or null without a donor.
 */
export function myRank({ eventId, container, currency = 'CNY' }) {
  const donor = verifiedDonor();
  if (!donor) {
    container.hidden = true;
    return null;
  }
  let hub = null;
  let watchedKey = null;
  let reading = null;
  let again = false;
  let mine = null;
  const order = asOfOrder();

  const render = (mine) => {
    container.hidden = false;
    container.dataset.state = mine ? 'ranked' : 'none';
    container.dataset.rank = mine ? String(mine.rankByAmount) : '';
    const head = el('span', { class: 'my-rank-label' }, '我的排名 ', el('span', { lang: 'en', text: 'My rank' }));
    if (!mine) {
      container.replaceChildren(head, el('span', { class: 'my-rank-none', text: '您在本次活动还没有捐赠 · You have no gift in this event yet' }));
      return;
    }
    container.replaceChildren(head,
      el('strong', { class: 'my-rank-place', attrs: { id: 'my-rank-place' }, text: `爱心榜第 ${mine.rankByAmount} 名` }),
      el('span', { class: 'my-rank-figures', text: ` · 人次第 ${mine.rankByCount} 名 · ${formatMoney(mine.amount, currency)} · ${formatCount(mine.count)} 人次` }),
      mine.anonymous
        ? el('span', { class: 'my-rank-note hint', text: `您匿名捐赠，公开榜单上显示为「${ANONYMOUS_DONOR}」。You gave anonymously: the public board never names you.` })
        : null);
  };

  const apply = (entry) => {
    if (order.accept(entry)) {
      render(entry);
    }
  };

  const watch = (key) => {
    if (hub && key && key !== watchedKey) {
      if (watchedKey) {
        hub.unwatch('leaderboardEntry', [eventId, 'donors', watchedKey]);
      }
      watchedKey = key;
      hub.watch('leaderboardEntry', [eventId, 'donors', key], (entry) => apply({ ...entry, anonymous: mine?.anonymous ?? false }));
    }
  };

  const read = async () => {
    if (reading) {
      again = true; // one read in flight, one queued behind it
      return reading;
    }
    reading = (async () => {
      try {
        const body = await getMyRank(eventId, donor.token);
        const entry = body.entries[0];
        mine = { ...entry, asOf: body.asOf, anonymous: body.anonymous };
        apply(mine);
        watch(body.key);
      } catch (error) {
        if (error instanceof ProblemError && error.status === 404) {
          render(null);
        } else if (error instanceof ProblemError && error.status === 401) {
          container.hidden = true; // the server no longer knows the token: nothing to show
        }
      } finally {
        reading = null;
        if (again) {
          again = false;
          read();
        }
      }
    })();
    return reading;
  };

  const first = read();
  return {
    ready: first,
    connect(handle) {
      hub = handle;
      if (mine) {
        watch(mine.key);
      }
    },
    /** The donors board changed: a donor not on it yet may be now (their entry is watched once it exists). */
    donorsBoardMoved() {
      if (!watchedKey) {
        read();
      }
    },
  };
}
