// admin/index.html: sign in with the admin key, then manage campaigns, gifts, refunds and reports.
// Without a key nothing is fetched and nothing but the sign-in form is shown.
import { hasKey, signIn, signOut, whenUnauthorized } from './session.js';
import { setupCampaigns, loadCampaigns } from './campaigns.js';
import { setupGifts, loadCampaignPanel } from './gifts.js';
import { setupReports, loadReconciliation, loadAudit } from './reports.js';
import { clearMessages } from './view.js';

const $ = (id) => document.getElementById(id);

function showNotice(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

function showSignIn(message = '') {
  signOut();
  $('admin-app').hidden = true;
  // Drop everything that was loaded, so nothing stays in the page after signing out.
  for (const tbody of $('admin-app').querySelectorAll('tbody')) {
    tbody.replaceChildren();
  }
  $('campaign-panel').hidden = true;
  $('statement').hidden = true;
  $('sign-out').hidden = true;
  $('signin').hidden = false;
  showNotice(message);
  document.body.dataset.state = 'signed-out';
  $('admin-key').focus();
}

/** Reloads everything a change can move; a part that fails says so without hiding the rest. */
async function refreshAll() {
  await loadCampaigns();
  const results = await Promise.allSettled([loadCampaignPanel(), loadReconciliation(), loadAudit()]);
  const failed = results.find((r) => r.status === 'rejected' && r.reason?.status !== 401);
  if (failed) {
    showNotice(`部分数据未能刷新，请稍后点“刷新”。Some data could not be loaded: ${failed.reason?.message ?? failed.reason}`);
  }
}

async function select(id) {
  try {
    await loadCampaignPanel(id);
    $('campaign-panel').scrollIntoView({ block: 'start' });
  } catch (error) {
    if (error?.status !== 401) {
      showNotice(`项目加载失败：${error?.message ?? error}`);
    }
  }
}

async function showApp() {
  $('signin').hidden = true;
  $('admin-app').hidden = false;
  $('sign-out').hidden = false;
  showNotice('');
  document.body.dataset.state = 'signed-in';
  await refreshAll();
  document.body.dataset.loaded = 'true';
}

// A failed load from a refresh button: say so (a 401 has already signed the admin out).
window.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  if (event.reason?.status !== 401) {
    showNotice(`加载失败，请稍后重试。${event.reason?.message ?? ''}`);
  }
});

whenUnauthorized(() => showSignIn('登录已失效，请重新输入管理员密钥。Please sign in again.'));

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = $('signin-form');
  clearMessages(form);
  const input = $('admin-key');
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  const problem = await signIn(input.value);
  button.disabled = false;
  input.value = ''; // the key is kept in sessionStorage only, never left in the page
  if (problem) {
    const box = form.querySelector('.form-error');
    box.textContent = problem;
    box.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  await showApp();
});

$('sign-out').addEventListener('click', () => showSignIn('已退出登录。Signed out.'));

setupCampaigns({ onSelect: select, refreshAll });
setupGifts({ refreshAll });
setupReports();

if (hasKey()) {
  showApp();
} else {
  showSignIn();
}
