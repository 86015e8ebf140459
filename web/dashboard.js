// KPI dashboard: /api/v1/kpis over a chosen window, drawn with Chart.js.
import { api, el, header } from './common.js';

const Chart = window.Chart;
const $ = (id) => document.getElementById(id);
const charts = new Map();

/** datetime-local value (local time) of a Date */
const localValue = (d) =>
  new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
const iso = (v) => new Date(v).toISOString();
const fmt = (n, digits = 1) => (n === null || n === undefined ? '–' : Number(n).toFixed(digits));

function draw(id, type, labels, datasets, yTitle) {
  charts.get(id)?.destroy();
  charts.set(
    id,
    new Chart($(id), {
      type,
      data: { labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } },
      },
    }),
  );
}

function clear() {
  for (const c of charts.values()) c.destroy();
  charts.clear();
  $('window-note').textContent = '';
  $('tiles').replaceChildren();
  $('devices').replaceChildren();
  $('exceptions').replaceChildren();
}

function tile(label, value) {
  return el(
    'div',
    { class: 'tile' },
    el('div', { class: 'meta' }, label),
    el('div', { class: 'v' }, value),
  );
}

async function show() {
  $('message').textContent = '';
  const q = `from=${encodeURIComponent(iso($('from').value))}&to=${encodeURIComponent(iso($('to').value))}`;
  $('csv').href = `/api/v1/kpis?${q}&format=csv`;
  let k;
  try {
    k = await api('GET', `/api/v1/kpis?${q}`);
  } catch (e) {
    // no figures of another window beside the error
    $('message').textContent = e.message;
    clear();
    document.body.dataset.loaded = 'error';
    return;
  }
  $('window-note').textContent =
    `Counted: ${k.window.from} → ${k.window.to} (${k.window.hours} h, whole UTC hours)`;
  const c = k.orders.cycle;
  $('tiles').replaceChildren(
    tile('Picks', k.picks.picks),
    tile('Picks per hour', fmt(k.picks.perHour)),
    tile('Picks per active hour', fmt(k.picks.perActiveHour)),
    tile('Order cycle (avg)', c.count ? `${fmt(c.avgSeconds / 60)} min` : '–'),
    tile(
      'Perfect order rate',
      k.orders.perfectRate === null ? '–' : `${fmt(k.orders.perfectRate * 100)} %`,
    ),
    tile('Errors per 1,000 picks', fmt(k.picks.errorsPer1000)),
    tile('Short rate', `${fmt(k.picks.shortRate * 100, 2)} %`),
    tile(
      'Device offline events',
      k.devices.reduce((n, d) => n + d.offline, 0),
    ),
    tile(
      'On-time rate',
      k.serviceLevels.onTime.rate === null
        ? '–'
        : `${fmt(k.serviceLevels.onTime.rate * 100)} % of ${k.serviceLevels.onTime.withDue}`,
    ),
  );
  draw(
    'chart-hourly',
    'bar',
    k.hourly.map((h) => h.hour.slice(5, 13).replace('T', ' ')),
    [
      { label: 'picks', data: k.hourly.map((h) => h.picks), backgroundColor: '#1f6feb' },
      { label: 'shorts', data: k.hourly.map((h) => h.shorts), backgroundColor: '#c62828' },
    ],
    'per hour',
  );
  draw(
    'chart-pickers',
    'bar',
    k.pickers.map((p) => p.picker ?? '(none)'),
    [
      {
        label: 'picks per active hour',
        data: k.pickers.map((p) => p.perActiveHour),
        backgroundColor: '#2e7d32',
      },
    ],
    'picks / active hour',
  );
  draw(
    'chart-zones',
    'bar',
    k.zones.map((z) => z.zone ?? '(none)'),
    [{ label: 'picks', data: k.zones.map((z) => z.picks), backgroundColor: '#6a1b9a' }],
    'picks',
  );
  draw(
    'chart-visits',
    'bar',
    k.zoneVisits.map((v) => v.zone),
    [
      {
        label: 'scan → zone done, avg seconds',
        data: k.zoneVisits.map((v) => v.avgSeconds),
        backgroundColor: '#ef6c00',
      },
    ],
    'seconds',
  );
  $('devices').replaceChildren(
    el(
      'tr',
      {},
      el('th', {}, 'Bus'),
      el('th', {}, 'Offline events'),
      el('th', {}, 'Modules'),
      el('th', {}, 'Per hour'),
    ),
    ...k.devices.map((d) =>
      el(
        'tr',
        {},
        el('td', {}, d.bus),
        el('td', {}, d.offline),
        el('td', {}, d.modules),
        el('td', {}, fmt(d.perHour, 3)),
      ),
    ),
  );
  $('exceptions').replaceChildren(
    el(
      'tr',
      {},
      el('th', {}, 'Kind'),
      el('th', {}, 'Opened'),
      el('th', {}, 'Resolved'),
      el('th', {}, 'Time to resolve (avg)'),
      el('th', {}, '(max)'),
    ),
    ...k.serviceLevels.exceptions.map((x) =>
      el(
        'tr',
        {},
        el('td', {}, x.kind),
        el('td', {}, x.opened),
        el('td', {}, x.resolved),
        el('td', {}, x.avgResolveSeconds === null ? '–' : `${fmt(x.avgResolveSeconds / 60)} min`),
        el('td', {}, x.maxResolveSeconds === null ? '–' : `${fmt(x.maxResolveSeconds / 60)} min`),
      ),
    ),
  );
  document.body.dataset.loaded = 'true';
}

await header();
const now = new Date();
$('from').value = localValue(new Date(now.getTime() - 24 * 3_600_000));
$('to').value = localValue(new Date(now.getTime() + 3_600_000));
$('window').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void show();
});
await show();
