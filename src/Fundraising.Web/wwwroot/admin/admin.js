// admin/index.html: sign in with a staff account, then manage campaigns, gifts, refunds and reports as the
// account's role and scope allow. Signed out, nothing is fetched and nothing but the sign-in form is shown.
import { currentUser, resume, signIn, signOut, whenUnauthorized } from './session.js';
import { setupCampaigns, loadCampaigns } from './campaigns.js';
import { setupGifts, loadCampaignPanel } from './gifts.js';
import { setupDisbursements, addEvidencePhoto } from './disbursements.js';
import { setupProjects, loadProjects, forgetProjects } from './projects.js';
import { setupReports, loadReconciliation, loadAudit } from './reports.js';
import { setupReportData, loadReportData } from './report-data.js';
import { setupAccounts, loadAccounts, forgetAccounts } from './accounts.js';
import { setupEvents, loadEvents, loadPools, loadFlagged, forgetEvents } from './events.js';
import { clearMessages } from './view.js';

const $ = (id) => document.getElementById(id);

function showNotice(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

function showSignIn(message = '') {
  $('admin-app').hidden = true;
  // Drop everything that was loaded, so nothing stays in the page after signing out.
  for (const tbody of $('admin-app').querySelectorAll('tbody')) {
    tbody.replaceChildren();
  }
  $('campaign-panel').hidden = true;
  forgetEvents();
  forgetProjects();
  $('report-data').hidden = true;
  forgetAccounts();
  $('statement').hidden = true;
  $('sign-out').hidden = true;
  $('whoami').hidden = true;
  $('signin').hidden = false;
  showNotice(message);
  document.body.dataset.state = 'signed-out';
  delete document.body.dataset.loaded;
  $('signin-user').focus();
}

/** Reloads everything a change can move; a part that fails says so without hiding the rest. */
async function refreshAll() {
  await loadCampaigns();
  const results = await Promise.allSettled([loadCampaignPanel(), loadProjects(), loadEvents(), loadPools(), loadFlagged(), loadReconciliation(), loadAudit(), loadReportData(), loadAccounts()]);
  // 403: a part of the page this account's role or scope does not cover (a county's staff and the platform-wide report).
  const failed = results.find((r) => r.status === 'rejected' && r.reason?.status !== 401 && r.reason?.status !== 403);
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
  const user = currentUser();
  $('whoami').textContent = `${user.displayName}（${user.userName} · ${user.role}）`;
  $('whoami').hidden = false;
  showNotice('');
  document.body.dataset.state = 'signed-in';
  document.body.dataset.role = user.role;
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

whenUnauthorized(() => showSignIn('登录已失效，请重新登录。Please sign in again.'));

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = $('signin-form');
  clearMessages(form);
  const password = $('signin-password');
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  const problem = await signIn($('signin-user').value, password.value);
  button.disabled = false;
  password.value = ''; // the password is never left in the page
  if (problem) {
    const box = form.querySelector('.form-error');
    box.textContent = problem;
    box.hidden = false;
    password.setAttribute('aria-invalid', 'true');
    password.focus();
    return;
  }
  await showApp();
});

$('sign-out').addEventListener('click', async () => {
  await signOut();
  showSignIn('已退出登录。Signed out.');
});

setupCampaigns({ onSelect: select, refreshAll });
setupGifts({ refreshAll });
setupDisbursements({ refreshAll });
setupProjects({
  // A project's disbursements are on its panel (admin/disbursements.js); a photo chosen here is added as evidence.
  onOpenDisbursements: async (id, evidencePhotoId) => {
    await select(id);
    if (evidencePhotoId) {
      addEvidencePhoto(evidencePhotoId);
    }
    $('disbursements-heading').scrollIntoView({ block: 'start' });
  },
});
setupEvents({ refreshAll });
setupReports();
setupReportData();
setupAccounts();

resume().then((signedIn) => (signedIn ? showApp() : showSignIn()),
  () => showSignIn('暂时无法连接服务器，请稍后再试。The server is not answering.'));
