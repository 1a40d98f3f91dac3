// Rendering and form helpers for the admin pages. Everything people typed goes in as text
// (textContent through el()), never as markup.
import { ProblemError, NetworkError } from '/js/api.js';
import { parseYuan } from '/js/money.js';
import { el } from '/js/ui.js';

const dateTime = new Intl.DateTimeFormat('zh-CN', { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : dateTime.format(date);
}

/** Replaces a table body's rows: each row is a list of cells (text, or a node); a message when empty. */
export function fillRows(tbody, rows, emptyText, columns) {
  if (rows.length === 0) {
    tbody.replaceChildren(el('tr', {}, el('td', { class: 'empty', text: emptyText, attrs: { colspan: columns } })));
    return;
  }
  tbody.replaceChildren(...rows);
}

export function row(cells, attrs) {
  return el('tr', { attrs }, ...cells.map((cell) => (cell instanceof Node ? el('td', {}, cell) : el('td', { text: cell ?? '' }))));
}

/** A fresh Idempotency-Key (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function newKey() {
  if (crypto.randomUUID) {
    return crypto.randomUUID();
  }
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function labelOf(form, field) {
  const input = form.elements.namedItem(field);
  const label = input?.id ? form.querySelector(`label[for="${input.id}"]`) : null;
  return label ? label.textContent.trim() : field;
}

export function clearMessages(form) {
  for (const box of form.querySelectorAll('.form-error, .form-done')) {
    box.textContent = '';
    box.hidden = true;
  }
  form.querySelectorAll('.field-error').forEach((p) => p.remove());
  form.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
}

function summary(form, lines) {
  const box = form.querySelector('.form-error');
  box.replaceChildren(...lines.map((line, i) => (i === 0 ? el('strong', { text: line }) : el('span', { class: 'problem-line', text: line }))));
  box.hidden = false;
}

/** Marks each field and lists every problem in the form's summary, naming the field (label and API name). */
export function showFieldErrors(form, errors, title = '请修改以下内容 Please correct:') {
  const lines = [title];
  for (const [field, messages] of Object.entries(errors)) {
    const text = [].concat(messages).join(' ');
    lines.push(`${labelOf(form, field)}（${field}）：${text}`);
    const input = form.elements.namedItem(field);
    if (input instanceof HTMLElement) {
      input.setAttribute('aria-invalid', 'true');
      input.closest('.field')?.append(el('p', { class: 'field-error', text }));
    }
  }
  summary(form, lines);
  form.querySelector('[aria-invalid="true"]')?.focus();
}

/** Shows any failure of an API call as readable text in the form. */
export function showProblem(form, error) {
  if (error instanceof ProblemError) {
    if (Object.keys(error.fieldErrors).length > 0) {
      showFieldErrors(form, error.fieldErrors, error.problem.title || '请求未通过校验 The request is not valid.');
      return;
    }
    const heading = {
      401: '管理员密钥无效或已失效，请重新登录。',
      404: '未找到要操作的记录。',
      409: '当前状态不允许此操作。',
      422: '请求无法处理。',
    }[error.status] ?? `请求未成功（${error.status}）。`;
    summary(form, [heading, [error.problem.title, error.problem.detail].filter(Boolean).join(' ')].filter(Boolean));
  } else if (error instanceof NetworkError) {
    summary(form, ['服务器暂时无法响应，结果未确认。', '请刷新页面核对后再重试；重复提交同一凭证号不会重复记账。']);
  } else {
    summary(form, ['操作未能完成。', String(error?.message ?? error)]);
  }
}

export function showDone(form, text) {
  const box = form.querySelector('.form-done');
  box.textContent = text;
  box.hidden = false;
}

/**
 * Reads a form: values by name (a multiple select gives the list of its chosen values), yuan fields converted to fen
 * exactly; problems are collected per field.
 */
export function readForm(form, { yuan = {}, integers = [], optionalYuan = [] } = {}) {
  const values = {};
  const errors = {};
  for (const element of form.elements) {
    if (!element.name) {
      continue;
    }
    if (element.type === 'checkbox') {
      values[element.name] = element.checked;
    } else if (element.multiple) {
      values[element.name] = Array.from(element.selectedOptions, (option) => option.value);
    } else {
      values[element.name] = element.value.trim();
    }
  }
  for (const [name, label] of Object.entries(yuan)) {
    if (optionalYuan.includes(name) && values[name] === '') {
      values[name] = null;
      continue;
    }
    const parsed = parseYuan(values[name], label);
    if (parsed.error) {
      errors[name] = [parsed.error];
    } else {
      values[name] = parsed.fen;
    }
  }
  for (const name of integers) {
    if (!/^[0-9]{1,15}$/.test(values[name]) || Number(values[name]) <= 0) {
      errors[name] = ['请输入正整数。'];
    } else {
      values[name] = Number(values[name]);
    }
  }
  return { values, errors };
}

/**
 * Wires a form: on submit, clear old messages, read it, show client-side problems or run the
 * action and show what the server said. The submit button is disabled while it runs.
 */
export function handleSubmit(form, read, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages(form);
    const { values, errors } = read(form);
    if (Object.keys(errors).length > 0) {
      showFieldErrors(form, errors);
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await action(values);
    } catch (error) {
      showProblem(form, error);
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
}
