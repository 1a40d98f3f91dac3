// The donate form's optional step for matching (配捐): a donor proves an e-mail address with a one-time code and gets a
// donor token, kept in this tab's sessionStorage (gone when the tab closes) and sent as the Donor-Token header on
// gifts. Never required: a donor who does not verify gives all the same, unmatched.
import { requestDonorCode, confirmDonorCode, ProblemError, NetworkError } from './api.js';
import { formatMoney } from './money.js';

const STORAGE_KEY = 'fundraising.donorToken';
const $ = (id) => document.getElementById(id);

/** The verified donor of this tab, `{token, email, expiresAt}`, or null (none, or expired). */
export function verifiedDonor() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    if (saved?.token && Date.parse(saved.expiresAt) > Date.now()) {
      return saved;
    }
  } catch {
    // Unreadable: treat as none.
  }
  sessionStorage.removeItem(STORAGE_KEY);
  return null;
}

/** Forgets the donor token (the donor asked, or the server no longer knows it). */
export function forgetDonor() {
  sessionStorage.removeItem(STORAGE_KEY);
  render();
}

/** True when the server refused a gift because of its Donor-Token (unknown or expired). */
export function isDonorTokenRefusal(error) {
  return error instanceof ProblemError && error.status === 401;
}

function showError(id, text) {
  $(id).textContent = text;
  $(id).hidden = !text;
  const input = $('match-verify').querySelector(`[aria-describedby~="${id}"]`);
  if (text) {
    input?.setAttribute('aria-invalid', 'true');
  } else {
    input?.removeAttribute('aria-invalid');
  }
}

const listeners = [];

/** Calls `listener(donor)` now and whenever the tab's verified donor changes (verified, forgotten, refused). */
export function onDonorChange(listener) {
  listeners.push(listener);
  listener(verifiedDonor());
}

/** Opens the verification step and puts the cursor in it (for another part of the page that needs a verified donor). */
export function openVerification() {
  $('match-verify').open = true;
  $('match-verify').scrollIntoView({ block: 'center' });
  (verifiedDonor() ? $('verify-forget') : $('verify-email')).focus({ preventScroll: true });
}

function render() {
  const donor = verifiedDonor();
  for (const listener of listeners) {
    listener(donor);
  }
  $('verify-steps').hidden = Boolean(donor);
  $('verified').hidden = !donor;
  $('verified-text').textContent = donor ? `✓ 已验证 ${donor.email}，本次捐赠将参与配捐。Verified: your gifts can be matched.` : '';
  if (donor) {
    $('match-verify').open = true;
  }
}

function problemText(error, fallback) {
  if (error instanceof ProblemError) {
    if (error.status === 429) {
      return '尝试次数过多，请稍后再试。Too many attempts; please wait a little.';
    }
    const fields = Object.values(error.fieldErrors).flat();
    return fields.length ? fields.join(' ') : (error.problem?.detail || error.problem?.title || fallback);
  }
  if (error instanceof NetworkError) {
    return '网络不稳定，请稍后再试。The server did not answer; please try again.';
  }
  return fallback;
}

async function sendCode() {
  const email = $('verify-email').value.trim();
  showError('verify-email-error', '');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    showError('verify-email-error', '请输入有效的电子邮箱。Please enter a valid e-mail address.');
    $('verify-email').focus();
    return;
  }
  const button = $('verify-send');
  button.disabled = true;
  try {
    await requestDonorCode(email);
    $('verify-code-field').hidden = false;
    $('verify-code').value = '';
    $('verify-code').focus();
    button.textContent = '重新发送';
  } catch (error) {
    showError('verify-email-error', problemText(error, '验证码未能发送，请稍后再试。'));
  } finally {
    button.disabled = false;
  }
}

async function confirmCode() {
  const email = $('verify-email').value.trim();
  const code = $('verify-code').value.trim();
  showError('verify-code-error', '');
  if (!/^\d{6}$/.test(code)) {
    showError('verify-code-error', '请输入邮件中的 6 位数字验证码。Enter the 6-digit code from the e-mail.');
    $('verify-code').focus();
    return;
  }
  const button = $('verify-confirm');
  button.disabled = true;
  try {
    const { donorToken, expiresAt } = await confirmDonorCode(email, code);
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ token: donorToken, email: email.toLowerCase(), expiresAt }));
    $('verify-code-field').hidden = true;
    $('verify-code').value = '';
    render();
  } catch (error) {
    const text = error instanceof ProblemError && error.status === 400
      ? '验证码不正确或已过期，请重新输入或重新发送。The code is wrong or has expired.'
      : problemText(error, '验证未能完成，请稍后再试。');
    showError('verify-code-error', text);
  } finally {
    button.disabled = false;
  }
}

/** Wires the step into the donate form (Enter in its fields must not submit the gift). */
export function setupVerification() {
  $('verify-send').addEventListener('click', sendCode);
  $('verify-confirm').addEventListener('click', confirmCode);
  $('verify-forget').addEventListener('click', forgetDonor);
  for (const [input, action] of [['verify-email', sendCode], ['verify-code', confirmCode]]) {
    $(input).addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        action();
      }
    });
  }
  render();
}

/** The server's own words on a match, when it gave any: " (its reason)". */
const reason = (match) => (match.reason ? `（${match.reason}）` : '');

/**
 * What became of a paid gift's match: `{status, text}`. `matched` with its amount, `held` for review, or `none` and
 * why, as far as the page can tell.
 */
export function matchOutcome(donation, verified) {
  const match = donation?.match;
  if (!verified) {
    return { status: 'unverified', text: '本笔捐赠未验证邮箱，不参与配捐。Not verified: this gift is not matched.' };
  }
  if (!match) {
    return { status: 'pending', text: '配捐结果确认中，请稍后在活动页查看。The match is not known yet.' };
  }
  const amount = formatMoney(match.amount ?? 0, donation.currency);
  switch (match.status) {
    case 'matched':
      return { status: 'matched', text: `已获配捐 ${amount}！爱心企业为您的善款加配。Matched: ${amount} added to your gift.` };
    case 'held':
      return { status: 'held', text: `配捐 ${amount} 审核中：短时间内多次捐赠的配捐需人工确认。Held for review${reason(match)}.` };
    default: {
      const why = match.poolId
        ? '配捐已用完，或已达到每人每日配捐上限。The pool has run out, or you reached the daily cap'
        : '当前没有进行中的配捐（未开始、已暂停或已结束），或本项目不在配捐范围内。No pool is open for this project now';
      return { status: 'none', text: `本笔未获配捐：${why}${reason(match)}。` };
    }
  }
}
