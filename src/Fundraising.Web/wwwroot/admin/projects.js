// 我的项目 My projects: the section where a coordinator (association staff: their county's projects; admins: every
// village project) uploads photos with captions, posts updates and marks milestones, and goes to the project's
// disbursements. Only projects the account may act on are listed: a coordinator's are the ids of its scope. Whether a
// write is allowed is still the server's decision (role and scope on every request); its problem is shown as it says it.
import { el } from '/js/ui.js';
import { adminRequest, currentUser } from './session.js';
import { readForm, handleSubmit, showDone } from './view.js';

const $ = (id) => document.getElementById(id);
const path = (id) => `/api/campaigns/${encodeURIComponent(id)}`;

let projects = [];
let onDisburse = () => {};

function selected() {
  return projects.find((p) => p.id === $('project-select').value) ?? null;
}

/** The campaigns this account may post on, as `{id, title, currency}`; none for a viewer. */
async function projectsInScope(user) {
  if (user.role === 'coordinator') {
    // A coordinator's projects are named in its scope; each is read by id (drafts included: staff in scope see them).
    const found = await Promise.allSettled((user.scope?.campaignIds ?? []).map((id) => adminRequest('GET', path(id))));
    return found.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  }
  if (user.role === 'admin' || user.role === 'association') {
    const county = user.role === 'association' && user.scope?.county ? `&county=${encodeURIComponent(user.scope.county)}` : '';
    return (await adminRequest('GET', `/api/campaigns?kind=village&pageSize=100${county}`)).items;
  }
  return [];
}

function photoOption(photo) {
  return el('option', { text: photo.caption ?? photo.id, attrs: { value: photo.id } });
}

function photoItem(photo) {
  return el('li', { attrs: { 'data-photo-id': photo.id } },
    el('img', { attrs: { src: photo.url, alt: photo.caption ?? '项目照片 Project photo', loading: 'lazy', width: '150', height: '100' } }),
    el('p', { class: 'photo-caption', text: photo.caption ?? '（无说明）' }),
    el('p', { class: 'photo-id', text: photo.id }),
    el('button', { class: 'button-secondary button-small', text: '用作凭证 Use as evidence', attrs: { type: 'button', 'data-evidence': photo.id } }));
}

async function loadProject() {
  const project = selected();
  $('project-work').hidden = !project;
  $('project-photos-heading').hidden = !project;
  if (!project) {
    $('project-photos').replaceChildren();
    return;
  }
  $('project-public-link').href = `/village.html?id=${encodeURIComponent(project.id)}`;
  $('projects').dataset.projectId = project.id;
  const village = await adminRequest('GET', `${path(project.id)}/village`);
  for (const select of [$('up-photos'), $('ms-photos')]) {
    const chosen = new Set(Array.from(select.selectedOptions, (o) => o.value));
    select.replaceChildren(...village.photos.map(photoOption));
    for (const option of select.options) {
      option.selected = chosen.has(option.value);
    }
  }
  $('project-photos').replaceChildren(...village.photos.map(photoItem));
  $('projects').dataset.loaded = 'true';
}

/** Lists the account's projects (keeping the one chosen) and loads the chosen one's photos. */
export async function loadProjects() {
  const user = currentUser();
  const section = $('projects');
  delete section.dataset.loaded;
  const error = $('projects-error');
  const previous = $('project-select').value;
  try {
    projects = user ? await projectsInScope(user) : [];
    error.hidden = true;
  } catch (failure) {
    projects = [];
    error.textContent = `项目加载失败：${failure.problem?.detail ?? failure.message}`;
    error.hidden = false;
  }
  section.hidden = !user || user.role === 'viewer';
  $('project-select').replaceChildren(...projects.map((p) => el('option', { text: p.title, attrs: { value: p.id } })));
  if (projects.some((p) => p.id === previous)) {
    $('project-select').value = previous;
  }
  $('projects-empty').hidden = projects.length > 0 || !error.hidden;
  $('project-disburse').hidden = projects.length === 0;
  await loadProject();
}

/** Forgets what was loaded (signing out). */
export function forgetProjects() {
  projects = [];
  $('project-select').replaceChildren();
  $('project-photos').replaceChildren();
  $('project-work').hidden = true;
  $('projects').hidden = true;
}

function readPhoto(form) {
  const read = readForm(form);
  const file = $('ph-file').files[0];
  if (!file) {
    read.errors.file = ['请选择一张照片。Choose a photo.'];
  }
  read.values.file = file;
  return read;
}

function readPost(form) {
  const read = readForm(form);
  if (form.elements.namedItem('reachedAt')) {
    const value = read.values.reachedAt;
    const at = value ? new Date(value) : null;
    if (at && Number.isNaN(at.getTime())) {
      read.errors.reachedAt = ['请选择有效的时间。'];
    }
    read.values.reachedAt = at ? at.toISOString() : null;
  }
  return read;
}

/** Wires the section; onDisburse(id) opens the project's panel at its disbursements. */
export function setupProjects({ onOpenDisbursements }) {
  onDisburse = onOpenDisbursements;
  $('refresh-projects').addEventListener('click', () => loadProjects());
  $('project-select').addEventListener('change', () => loadProject());
  $('project-disburse').addEventListener('click', () => {
    if (selected()) {
      onDisburse(selected().id);
    }
  });
  $('project-photos').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-evidence]');
    if (!button || !selected()) {
      return;
    }
    // The disbursement form (admin/disbursements.js) takes evidence photo ids; this one is added to the list there.
    onDisburse(selected().id, button.dataset.evidence);
  });

  handleSubmit($('photo-form'), readPhoto, async (v) => {
    const data = new FormData();
    data.append('file', v.file);
    if (v.caption) {
      data.append('caption', v.caption);
    }
    const photo = await adminRequest('POST', `${path(selected().id)}/photos`, { body: data });
    $('photo-form').reset();
    showDone($('photo-form'), `已上传照片${photo.caption ? `：${photo.caption}` : ''}（编号 ${photo.id}）`);
    await loadProject();
  });

  for (const [formId, kind, label] of [['update-form', 'updates', '进展'], ['milestone-form', 'milestones', '里程碑']]) {
    const form = $(formId);
    handleSubmit(form, readPost, async (v) => {
      const body = { title: v.title, body: v.body || null, photoIds: v.photoIds };
      if (kind === 'milestones') {
        body.reachedAt = v.reachedAt;
      }
      const entry = await adminRequest('POST', `${path(selected().id)}/${kind}`, { body });
      form.reset();
      showDone(form, `已发布${label}：${entry.title}`);
    });
  }
}
