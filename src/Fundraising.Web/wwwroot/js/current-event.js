// index.html: a link to the giving day now on (or, if none is, the next one), from the public event list.
import { listEvents } from './api.js';
import { windowText, eventPhase, currentEvent } from './pools.js';

const $ = (id) => document.getElementById(id);

async function show() {
  const list = await listEvents().catch(() => null);
  const event = currentEvent(list?.items ?? []);
  if (!event) {
    return;
  }
  $('event-banner-phase').textContent = eventPhase(event) === 'running' ? '正在进行 Now on：' : '即将开始 Coming up：';
  $('event-banner-name').textContent = event.name;
  $('event-banner-window').textContent = windowText(event);
  $('event-banner-link').href = `/event.html?id=${encodeURIComponent(event.id)}`;
  $('event-banner').dataset.eventId = event.id;
  $('event-banner').hidden = false;
}

show();
