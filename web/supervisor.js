// Supervisor page (CONTRACTS.md §7): orders at risk and late with their due
// and projected times and where their open lines are; the open exceptions,
// live over Server-Sent Events, acknowledged and resolved with a note by
// operators and technicians (viewers read). Filters by zone and kind.
import { api, el, header } from './common.js';

const $ = (id) => document.getElementById(id);
const KINDS = [
  'short',
  'module-offline',
  'idle-session',
  'wrong-check-digits',
  'order-at-risk',
  'order-late',
  'over-pick-refused',
  'command-rejected',
];
/** exceptionId → exception, the open and acknowledged ones */
const open = new Map();
/** exceptionId → the note being typed: kept when a live change redraws the table */
const notes = new Map();
let mayAct = false;
let who = '';

const time = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
const subjectText = (s) =>
  Object.entries(s)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function filters() {
  return { zone: $('zone').value, kind: $('kind').value };
}

function addZone(zone) {
  if (!zone || [...$('zone').options].some((o) => o.value === zone)) return;
  $('zone').append(el('option', { value: zone }, zone));
}

async function loadOrders() {
  const { zone } = filters();
  const q = `risk=at-risk,late&limit=200${zone ? `&zone=${encodeURIComponent(zone)}` : ''}`;
  let r;
  try {
    r = await api('GET', `/api/v1/orders?${q}`);
  } catch (e) {
    $('message').textContent = e.message;
    return;
  }
  $('orders').replaceChildren(
    el(
      'tr',
      {},
      ...['Order', 'Wave', 'Risk', 'Due', 'Projected', 'Open lines', 'Zones'].map((h) =>
        el('th', {}, h),
      ),
    ),
    ...(r.orders.length === 0
      ? [el('tr', {}, el('td', { colspan: 7, class: 'meta' }, 'No order at risk or late.'))]
      : r.orders.map((o) =>
          el(
            'tr',
            { 'data-order': o.orderId, class: `risk-${o.risk}` },
            el('td', {}, o.orderId),
            el('td', {}, o.waveId),
            el('td', {}, el('strong', { class: o.risk === 'late' ? 'error' : '' }, o.risk)),
            el('td', {}, time(o.dueAt)),
            el('td', {}, time(o.projectedAt)),
            el('td', {}, o.openLines),
            el('td', {}, o.zones.join(', ')),
          ),
        )),
  );
}

async function act(x, action, note) {
  $('message').textContent = '';
  try {
    const body = action === 'resolve' && note ? { by: who, note } : { by: who };
    const updated = await api(
      'POST',
      `/api/v1/exceptions/${encodeURIComponent(x.exceptionId)}/${action}`,
      body,
    );
    change(updated);
  } catch (e) {
    $('message').textContent = e.message;
  }
}

function row(x) {
  const note = el('input', {
    type: 'text',
    maxlength: 500,
    placeholder: 'note',
    'aria-label': `note for ${x.exceptionId}`,
    oninput: (ev) => notes.set(x.exceptionId, ev.target.value),
  });
  note.value = notes.get(x.exceptionId) ?? '';
  const actions = mayAct
    ? el(
        'td',
        { class: 'row' },
        x.status === 'open'
          ? el(
              'button',
              { type: 'button', class: 'secondary', onclick: () => act(x, 'acknowledge') },
              'Acknowledge',
            )
          : el('span', { class: 'meta' }, `ack. by ${x.acknowledgedBy}`),
        note,
        el(
          'button',
          { type: 'button', onclick: () => act(x, 'resolve', note.value.trim()) },
          'Resolve',
        ),
      )
    : el('td', { class: 'meta' }, x.status === 'acknowledged' ? `ack. by ${x.acknowledgedBy}` : '');
  return el(
    'tr',
    { 'data-exception': x.exceptionId, 'data-status': x.status },
    el('td', {}, x.exceptionId),
    el('td', {}, x.kind),
    el('td', { class: x.severity === 'critical' ? 'error' : '' }, x.severity),
    el('td', {}, time(x.openedAt)),
    el('td', {}, subjectText(x.subject)),
    el('td', {}, x.message),
    el('td', {}, x.status),
    actions,
  );
}

function drawExceptions() {
  const { zone, kind } = filters();
  const shown = [...open.values()]
    .filter((x) => (!zone || x.subject.zone === zone) && (!kind || x.kind === kind))
    .sort((a, b) => b.openedAt.localeCompare(a.openedAt));
  $('exceptions').replaceChildren(
    el(
      'tr',
      {},
      ...['Id', 'Kind', 'Severity', 'Opened', 'Subject', 'Message', 'Status', ''].map((h) =>
        el('th', {}, h),
      ),
    ),
    ...(shown.length === 0
      ? [el('tr', {}, el('td', { colspan: 8, class: 'meta' }, 'No open exception.'))]
      : shown.map(row)),
  );
}

function change(x) {
  addZone(x.subject.zone);
  if (x.status === 'resolved') {
    open.delete(x.exceptionId);
    notes.delete(x.exceptionId);
  } else open.set(x.exceptionId, x);
  drawExceptions();
}

let ordersSoon = null;
function ordersLater() {
  if (ordersSoon) return;
  ordersSoon = setTimeout(() => {
    ordersSoon = null;
    void loadOrders();
  }, 300);
}

function connect() {
  const es = new EventSource('/api/v1/exceptions/stream');
  es.addEventListener('snapshot', (ev) => {
    open.clear();
    for (const x of JSON.parse(ev.data).exceptions) {
      addZone(x.subject.zone);
      open.set(x.exceptionId, x);
    }
    drawExceptions();
    $('live').textContent = '· live';
    document.body.dataset.live = 'true';
  });
  es.addEventListener('exception', (ev) => {
    change(JSON.parse(ev.data).exception);
    ordersLater(); // an order's risk changed with its exception
  });
  es.onerror = () => {
    $('live').textContent = '· reconnecting…';
    document.body.dataset.live = 'false';
  };
}

const s = await header();
mayAct = s.role === 'operator' || s.role === 'technician';
who = s.operator ?? s.role;
$('hint').textContent = mayAct
  ? `Acknowledge and resolve as ${who}.`
  : 'Read only: sign in as an operator or technician to acknowledge and resolve.';
for (const k of KINDS) $('kind').append(el('option', { value: k }, k));
try {
  const floor = await api('GET', '/api/v1/floor');
  for (const z of floor.zones ?? []) addZone(z.id ?? z.zone);
} catch {
  // zones also come from the exceptions themselves
}
$('zone').addEventListener('change', () => {
  drawExceptions();
  void loadOrders();
});
$('kind').addEventListener('change', drawExceptions);
connect();
await loadOrders();
setInterval(() => void loadOrders(), 15_000);
document.body.dataset.loaded = 'true';
