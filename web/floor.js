// The floor, live: every zone a rack of bins, redrawn on each `floor` event of
// /api/v1/floor/stream (Server-Sent Events, the session cookie authenticates;
// an event comes only when the floor changed). Session ages are computed here
// from their start times and ticked in place, without redrawing the floor.
import { age, api, el, header, mayPress } from './common.js';

const zonesEl = document.getElementById('zones');
const live = document.getElementById('live');
const message = document.getElementById('message');

let renders = 0;

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
    node.classList.add('pressable');
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

/** the age spans say how long each order has been in progress */
function tick() {
  const now = Date.now();
  for (const s of document.querySelectorAll('.age[data-since]'))
    s.textContent = age(now - Date.parse(s.dataset.since));
}

function render(floor) {
  // only roles that may press a simulated key are offered the click
  const simulated = floor.simulated && pressing;
  document.getElementById('hint').textContent = simulated
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
            : z.sessions.flatMap((s, i) => [
                i > 0 ? ' · ' : null,
                `${s.picker}: ${s.orderId} (${s.color}, `,
                el('span', { class: 'age', 'data-since': s.startedAt }, ''),
                ')',
              ]),
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
          z.bins.map((b) => bin(b, simulated)),
        ),
      ),
    ),
  );
  tick();
  document.body.dataset.renders = String(++renders);
}

const session = await header();
const pressing = mayPress(session.role);
render(await api('GET', '/api/v1/floor'));
const source = new EventSource('/api/v1/floor/stream');
source.addEventListener('floor', (ev) => {
  live.textContent = `live · last change ${new Date().toLocaleTimeString()}`;
  render(JSON.parse(ev.data));
});
setInterval(tick, 1000);
source.addEventListener('error', () => {
  live.textContent = 'reconnecting…';
});
