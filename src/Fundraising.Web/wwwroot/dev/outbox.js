// The development outbox: the verification codes that would have gone out by e-mail or SMS, newest first.
// Only outside Production (the page and GET /_dev/outbox are 404 there). Text goes in with textContent only.
const byId = (id) => document.getElementById(id);

function item(message) {
  const li = document.createElement('li');
  const head = document.createElement('p');
  const strong = document.createElement('strong');
  strong.textContent = message.code;
  head.append(strong, ` → ${message.to} · ${new Date(message.sentAt).toLocaleString()}`);
  const subject = document.createElement('p');
  subject.textContent = message.subject;
  const body = document.createElement('pre');
  body.textContent = message.body;
  li.append(head, subject, body);
  return li;
}

async function load() {
  const to = byId('outbox-to').value.trim();
  const error = byId('outbox-error');
  error.hidden = true;
  try {
    const response = await fetch(to ? `/_dev/outbox?to=${encodeURIComponent(to)}` : '/_dev/outbox');
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    const { items } = await response.json();
    byId('outbox-items').replaceChildren(...items.map(item));
    byId('outbox-empty').hidden = items.length > 0;
  } catch (e) {
    error.textContent = `无法读取发件箱 Could not read the outbox: ${e.message}`;
    error.hidden = false;
  }
}

byId('outbox-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  load();
});
byId('outbox-to').value = new URLSearchParams(location.search).get('to') ?? '';
load();
