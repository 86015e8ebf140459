// Technician console: buses and modules with health and counters, identify,
// walk test with live progress (NDJSON stream), re-address, locations CSV.
import { api, el, header } from './common.js';

const $ = (id) => document.getElementById(id);
const say = (id, text, cls = '') => {
  $(id).textContent = text;
  $(id).className = cls;
};

async function loadBuses() {
  const { buses } = await api('GET', '/api/v1/technician/buses');
  const parts = [];
  for (const b of buses) {
    const { modules } = await api(
      'GET',
      `/api/v1/technician/buses/${encodeURIComponent(b.id)}/modules`,
    );
    parts.push(
      el(
        'h3',
        {},
        `${b.id} — ${b.transport}, ${b.open ? 'open' : 'CLOSED'}, ${b.online}/${b.modules} online, ${b.counters.transactions} transactions, ${b.counters.timeouts} timeouts`,
      ),
      el(
        'table',
        { 'data-bus': b.id },
        el(
          'tr',
          {},
          ...['Address', 'Location', 'Zone', 'State', 'Transactions', 'Timeouts', ''].map((h) =>
            el('th', {}, h),
          ),
        ),
        ...modules.map((m) =>
          el(
            'tr',
            { 'data-address': m.address },
            el('td', {}, m.address),
            el('td', {}, m.location ?? '–'),
            el('td', {}, m.zone ?? '–'),
            el('td', { class: m.online ? '' : 'offline' }, m.online ? 'online' : 'offline'),
            el('td', {}, m.counters.transactions),
            el('td', {}, m.counters.timeouts),
            el(
              'td',
              {},
              el(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: (ev) => identify(ev.currentTarget, b.id, m.address),
                },
                'Identify',
              ),
            ),
          ),
        ),
      ),
    );
  }
  $('buses').replaceChildren(...parts);
  for (const id of ['walk-bus', 'ra-bus']) {
    const sel = $(id);
    const keep = id === 'walk-bus' ? [sel.options[0]] : [];
    sel.replaceChildren(...keep, ...buses.map((b) => el('option', { value: b.id }, b.id)));
  }
}

const IDENTIFY_MS = 3000;

/**
 * Identify answers when the blink is over: say at once that it blinks, and
 * when the answer comes that it ended (the button waits meanwhile).
 */
async function identify(button, bus, address) {
  button.disabled = true;
  document.body.dataset.identify = 'blinking';
  say('message', `${bus}/${address} is blinking for ${IDENTIFY_MS / 1000} s…`, 'ok');
  try {
    await api(
      'POST',
      `/api/v1/technician/buses/${encodeURIComponent(bus)}/modules/${encodeURIComponent(address)}/identify`,
      { ms: IDENTIFY_MS },
    );
    say('message', `${bus}/${address} identified: the blink has ended`, 'ok');
    document.body.dataset.identify = 'ended';
  } catch (e) {
    say('message', `${bus}/${address}: ${e.message}`, 'error');
    document.body.dataset.identify = 'failed';
  } finally {
    button.disabled = false;
  }
}

async function walk(ev) {
  ev.preventDefault();
  const bus = $('walk-bus').value || undefined;
  const zone = $('walk-zone').value || undefined;
  const progress = $('walk-progress');
  progress.hidden = false;
  progress.value = 0;
  $('walk-failed').replaceChildren();
  say('walk-status', 'starting…');
  document.body.dataset.walk = 'running';
  const res = await fetch('/api/v1/technician/walk-test', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ bus, zone, dwellMs: Number($('walk-dwell').value) }),
  });
  if (!res.ok) {
    const e = (await res.json()).error;
    say('walk-status', `${e.code}: ${e.message}`, 'error');
    document.body.dataset.walk = 'failed';
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let result = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const line of lines.filter((l) => l.trim())) {
      const m = JSON.parse(line);
      if (m.step) {
        progress.max = m.step.total;
        progress.value = m.step.done;
        say(
          'walk-status',
          `${m.step.done}/${m.step.total}: ${m.step.bus}/${m.step.address} ${m.step.location ?? ''} ${m.step.outcome}`,
        );
      }
      if (m.result) result = m.result;
      if (m.error) say('walk-status', `broke off: ${m.error.message}`, 'error');
    }
  }
  if (result) {
    say(
      'walk-status',
      `${result.tested} tested, ${result.answered.length} answered, ${result.failed.length} failed, ${result.skipped.length} skipped`,
      result.failed.length ? 'error' : 'ok',
    );
    $('walk-failed').replaceChildren(
      ...(result.failed.length
        ? [
            el(
              'tr',
              {},
              el('th', {}, 'Bus'),
              el('th', {}, 'Address'),
              el('th', {}, 'Location'),
              el('th', {}, 'Error'),
            ),
          ]
        : []),
      ...result.failed.map((f) =>
        el(
          'tr',
          { class: 'failed' },
          el('td', {}, f.bus),
          el('td', {}, f.address),
          el('td', {}, f.location ?? '–'),
          el('td', {}, f.error),
        ),
      ),
    );
  }
  document.body.dataset.walk = 'done';
  await loadBuses();
}

async function readdress(ev) {
  ev.preventDefault();
  const path = `/api/v1/technician/buses/${encodeURIComponent($('ra-bus').value)}/modules/${encodeURIComponent($('ra-from').value)}/address`;
  try {
    const r = await api('POST', path, { to: Number($('ra-to').value) });
    say(
      'ra-result',
      r.needsKeyPress
        ? `Press the confirm key on the module before ${r.expiresAt}; then update the site config.`
        : 'Done; update the site config.',
      'ok',
    );
  } catch (e) {
    say('ra-result', e.message, 'error');
  }
}

async function cancelReaddress() {
  const path = `/api/v1/technician/buses/${encodeURIComponent($('ra-bus').value)}/modules/${encodeURIComponent($('ra-from').value)}/address`;
  try {
    const r = await api('DELETE', path);
    say('ra-result', r.disarmed ? 'Re-address cancelled.' : 'Nothing to cancel.', 'ok');
  } catch (e) {
    say('ra-result', e.message, 'error');
  }
}

async function importCsv(ev) {
  ev.preventDefault();
  const file = $('csv-file').files[0];
  $('import-errors').replaceChildren();
  if (!file) return say('import-result', 'Choose a CSV file first.', 'error');
  const res = await fetch('/api/v1/technician/locations', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'text/csv' },
    body: await file.text(),
  });
  const body = await res.json();
  if (res.ok) {
    say(
      'import-result',
      `Imported ${body.imported} locations (${body.added} new, ${body.changed} changed).`,
      'ok',
    );
  } else {
    say('import-result', `Nothing imported: ${body.error.message}`, 'error');
    $('import-errors').replaceChildren(
      ...body.error.details.map((d) => el('li', {}, `${d.path}: ${d.message}`)),
    );
  }
  document.body.dataset.import = res.ok ? 'ok' : 'refused';
  await loadBuses();
}

await header();
const { zones } = await api('GET', '/api/v1/zones');
$('walk-zone').append(...zones.map((z) => el('option', { value: z.zone }, z.zone)));
$('walk').addEventListener('submit', walk);
$('readdress').addEventListener('submit', readdress);
$('ra-cancel').addEventListener('click', cancelReaddress);
$('import').addEventListener('submit', importCsv);
await loadBuses();
document.body.dataset.loaded = 'true';
