// 账号 Staff accounts (admins only): who may sign in here, with which role and scope. A coordinator is scoped to the
// projects chosen here and can post and disburse on those only; an association to its county. Whether a user name,
// password or scope is accepted is the server's decision; its problem is shown as it says it. A password is sent once
// and never shown again.
import { el } from '/js/ui.js';
import { adminRequest, currentUser } from './session.js';
import { fillRows, row, readForm, handleSubmit, showDone, formatDateTime } from './view.js';
import { campaignTitle, knownCampaigns } from './campaigns.js';

const $ = (id) => document.getElementById(id);

const ROLES = { admin: '管理员 Admin', association: '县慈善协会 Association', coordinator: '项目协调员 Coordinator', viewer: '只读 Viewer' };

function scopeText(a) {
  if (a.scope.campaignIds.length > 0) {
    return a.scope.campaignIds.map(campaignTitle).join('、');
  }
  return a.scope.county ?? (a.role === 'association' ? '全市 Whole city' : '—');
}

function accountRow(a) {
  return row([a.userName, a.displayName, ROLES[a.role] ?? a.role, scopeText(a), a.createdBy, formatDateTime(a.createdAt), a.disabledAt ? '已停用 Disabled' : '启用 Active'],
    { 'data-account-id': a.id, 'data-user-name': a.userName });
}

// The projects a coordinator can be given: every campaign the list has seen (village projects and appeals alike).
function renderProjectChoices() {
  const select = $('acc-campaigns');
  const chosen = new Set(Array.from(select.selectedOptions, (o) => o.value));
  select.replaceChildren(...knownCampaigns().map((c) => el('option', { text: c.title, attrs: { value: c.id } })));
  for (const option of select.options) {
    option.selected = chosen.has(option.value);
  }
}

function renderScopeFields() {
  const role = $('acc-role').value;
  $('acc-county-field').hidden = role !== 'association';
  $('acc-campaigns-field').hidden = role !== 'coordinator';
}

/** Drops what was loaded (signed out): no account or project name stays in the page. */
export function forgetAccounts() {
  $('accounts').hidden = true;
  $('acc-campaigns').replaceChildren();
  $('account-rows').replaceChildren();
}

/** Lists the accounts and refreshes the project choices (admins only; the section stays hidden for others). */
export async function loadAccounts() {
  const section = $('accounts');
  delete section.dataset.loaded;
  section.hidden = currentUser()?.role !== 'admin';
  if (section.hidden) {
    return;
  }
  renderProjectChoices();
  const accounts = await adminRequest('GET', '/api/admin/accounts');
  fillRows($('account-rows'), accounts.map(accountRow), '还没有账号。', 7);
  section.dataset.loaded = 'true';
}

export function setupAccounts() {
  $('acc-role').addEventListener('change', renderScopeFields);
  renderScopeFields();
  handleSubmit($('account-form'), (form) => readForm(form), async (v) => {
    const scope = v.role === 'coordinator' ? { campaignIds: v.campaignIds } : v.role === 'association' && v.county ? { county: v.county } : null;
    const created = await adminRequest('POST', '/api/admin/accounts', {
      body: { userName: v.userName, displayName: v.displayName, password: v.password, role: v.role, scope },
    });
    $('acc-password').value = ''; // sent once, never left in the page
    showDone($('account-form'), `已创建 ${created.displayName}（${created.userName} · ${ROLES[created.role] ?? created.role}）：${scopeText(created)}`);
    await loadAccounts();
  });
}
