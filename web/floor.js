// The floor, live: every zone a rack of bins, redrawn on each `floor` event of
// /api/v1/floor/stream (Server-Sent Events, the session cookie authenticates).
import { api, el, header } from './common.js';

const zonesEl = document.getElementById('zones');
const live = document.getElementById('live');
const message = document.getElementById('message');

function bin(b, simulated) {
  const classes = ['bin'];
  if (b.lit) classes.push('lit', `c-${b.lit.color ?? 'green'}`);
  if (b.online === false) classes.push('offline');
  const node = el(
    'div',
    {
      class: classes.join(' '),
      'data-location': b.id,
      'data-lit': b.lit ? 'true' : 'false',
      title: b.bus ? `${b.id} — ${b.bus}/${b.address}` : b.id,
    },
    el('div', { class: 'id' }, b.id),
    b.lit ? el('div', { class: 'qty' }, b.lit.quantity ?? '') : null,
    b.lit?.picker ? el('div', {}, b.lit.picker) : null,
    b.waiting > 0
      ? el('span', { class: 'waiting', title: 'lines waiting for this module' }, `+${b.waiting}`)
      : null,
  );
  if (b.lit && simulated) {
    node.addEventListener('click', async () => {
      try {
        await api('POST', `/api/v1/simulator/locations/${encodeURIComponent(b.id)}/press`, {
          key: 'confirm',
        });
      } catch (e) {
        message.textContent = e.message;
      }
    });
  }
  return node;
}

function render(floor) {
  document.getElementById('hint').textContent = floor.simulated
    ? 'Simulated floor: click a lit bin to press its confirm key.'
    : '';
  zonesEl.replaceChildren(
    ...floor.zones.map((z) =>
      el(
        'section',
        { class: 'zone card', 'data-zone': z.zone },
        el('h2', {}, `${z.zone} — ${z.name} (${z.mode})`),
        el(
          'div',
          { class: 'meta' },
          z.sessions.length === 0
            ? 'no orders in progress'
            : z.sessions
                .map((s) => `${s.picker}: ${s.orderId} (${s.color}, ${s.ageSeconds} s)`)
                .join(' · '),
          ' ',
          z.done
            ? el(
                'span',
                {
                  class: `done${z.done.showing ? ' showing' : ''}${z.done.online === false ? ' offline' : ''}`,
                },
                z.done.showing ? 'done ✓' : 'done indicator',
              )
            : null,
        ),
        el(
          'div',
          { class: 'rack' },
          z.bins.map((b) => bin(b, floor.simulated)),
        ),
      ),
    ),
  );
}

await header();
render(await api('GET', '/api/v1/floor'));
const source = new EventSource('/api/v1/floor/stream');
source.addEventListener('floor', (ev) => {
  live.textContent = `live · ${new Date().toLocaleTimeString()}`;
  render(JSON.parse(ev.data));
});
source.addEventListener('error', () => {
  live.textContent = 'reconnecting…';
});
