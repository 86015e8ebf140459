/**
 * The simulator console of `pickline start` and the floor view's press route
 * on every simulated device family (issue 24): MQTT bins answer press, short,
 * plus, minus, fault, show and scan as Modbus bins do (before: "no simulated
 * module M-01-01"); a word a family cannot do is refused naming the family
 * (route: 501 UNSUPPORTED); an unknown location is 404 LOCATION_NOT_FOUND
 * (before: MODULE_NOT_FOUND). Issue 16 item 11: an idle controller's health
 * re-sends print nothing (before: one `[floor]` line per re-send).
 * A real `pickline start` child with its stdin as the console.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { TOKENS, tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';

const secret = (id: string) => `console-test-secret-${id}`;
const MODULES = ['ptl-0001', 'ptl-0002', 'ptl-0003'];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

let tmp: ReturnType<typeof tempDir>;
let child: ChildProcess;
let base = '';
const out: string[] = [];
const waiters = new Set<() => void>();

/** Resolves with the first output line from `from` on matching `re`. */
function line(re: RegExp, from: number, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const hit = out.slice(from).find((l) => re.test(l));
      if (!hit) return false;
      waiters.delete(check as () => void);
      clearTimeout(timer);
      resolve(hit);
      return true;
    };
    const timer = setTimeout(() => {
      waiters.delete(check as () => void);
      reject(new Error(`no line matching ${re} in:\n${out.slice(from).join('\n')}`));
    }, ms);
    if (!check()) waiters.add(check as () => void);
  });
}

/** Types a console line; resolves with the first `[floor]` answer matching `re`. */
function type(command: string, re: RegExp): Promise<string> {
  const from = out.length;
  child.stdin!.write(`${command}\n`);
  return line(re, from);
}

const api = (path: string, body?: unknown, token: string = TOKENS.operator) =>
  fetch(`${base}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  tmp = tempDir();
  const site = {
    site: 'CONSOLE-1',
    api: {
      host: '127.0.0.1',
      port: 0,
      tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
    },
    storage: { path: `${tmp.dir}/p.db` },
    mqtt: {
      embedded: { host: '127.0.0.1', port: 0 },
      modules: MODULES.map((id) => ({ id, secret: secret(id) })),
      scanners: [{ id: 'scan-m1', secret: secret('scan-m1') }],
    },
    buses: [
      // a short health period: a re-send every ~0.5 s per module while idle
      { id: 'mq', transport: 'mqtt', simulate: true, healthIntervalMs: 500 },
      {
        id: 'bus-g',
        transport: 'modbus-tcp',
        host: '127.0.0.1',
        port: await freePort(),
        profile: 'generic-io-lamp-v1', // no display, no +/- keys
        simulate: true,
      },
    ],
    operators: [{ id: 'jdoe', pin: '1234' }],
    scanners: [{ id: 'scan-m1', zone: 'M', picker: 'jdoe' }],
    zones: [
      {
        id: 'M',
        mode: 'pick',
        locations: MODULES.map((a, i) => ({ id: `M-01-0${i + 1}`, bus: 'mq', address: a })),
      },
      { id: 'G', mode: 'pick', locations: [{ id: 'G-1', bus: 'bus-g', address: 1 }] },
      { id: 'V', mode: 'voice', locations: [{ id: 'V-1', checkDigits: '12' }] },
    ],
  };
  const file = `${tmp.dir}/site.yaml`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, stringify(site));
  child = spawn(process.execPath, ['bin/pickline.js', 'start', '--config', file], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PICKLINE_LOG_FORMAT: 'json' },
  });
  for (const s of [child.stdout!, child.stderr!])
    createInterface({ input: s }).on('line', (l) => {
      out.push(l);
      for (const w of [...waiters]) w();
    });
  const started = await line(/Pickline controller started/, 0, 90_000);
  base = JSON.parse(started).url;
  await line(/simulated floor ready/, 0);
  const wave = await api(
    '/waves',
    {
      waveId: 'W-1',
      orders: [
        {
          orderId: 'O-1',
          container: 'TOTE-1',
          lines: [
            { lineId: 'O-1-1', sku: 'A', location: 'M-01-01', quantity: 3 },
            { lineId: 'O-1-2', sku: 'B', location: 'M-01-02', quantity: 2 },
            { lineId: 'O-1-3', sku: 'C', location: 'M-01-03', quantity: 4 },
          ],
        },
        {
          orderId: 'O-3',
          container: 'TOTE-3',
          lines: [{ lineId: 'O-3-1', sku: 'E', location: 'M-01-02', quantity: 5 }],
        },
        {
          orderId: 'O-2',
          container: 'TOTE-2',
          lines: [{ lineId: 'O-2-1', sku: 'D', location: 'G-1', quantity: 1 }],
        },
      ],
    },
    TOKENS.wms,
  );
  expect(wave.status).toBe(201);
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  tmp?.remove();
});

const lineState = async (id: string) => {
  const r = await api('/waves/W-1', undefined, TOKENS.wms);
  const w = (await r.json()) as {
    orders: { lines: { lineId: string; status: string; picked?: number }[] }[];
  };
  return w.orders.flatMap((o) => o.lines).find((l) => l.lineId === id);
};

describe('the simulator console on MQTT bins', () => {
  it('scans with an MQTT scanner, shows, adjusts, presses and shorts MQTT modules', async () => {
    await type('scan scan-m1 TOTE-1', /scan-m1 scanned TOTE-1/);
    await line(/\[floor\] mq M-01-03 \[ptl-0003\] on \w+ 4/, 0);
    const shown = await type('show', /\[floor\] mq M-01-01 \[ptl-0001\] on \w+ 3 seq=\d+/);
    expect(shown).toMatch(/M-01-01/);
    expect(await type('minus M-01-01 1', /\[floor\] minus 1 on/)).toMatch(/M-01-01 .* 2 seq/);
    expect(await type('plus M-01-01 2', /\[floor\] plus 2 on/)).toMatch(/M-01-01 .* 4 seq/);
    expect(await type('minus M-01-01 2', /\[floor\] minus 2 on/)).toMatch(/M-01-01 .* 2 seq/);
    await type('press M-01-01', /pressed confirm on mq M-01-01/);
    expect(
      await until(
        async () => {
          const l = await lineState('O-1-1');
          return l?.status !== 'lit' && l?.status !== 'open' && l;
        },
        'O-1-1 closed',
        15_000,
        50,
      ),
    ).toMatchObject({ status: 'short', picked: 2 });
    const from = out.length;
    await type('short M-01-02', /pressed short on mq M-01-02/);
    await line(/\[floor\] mq M-01-02 \[ptl-0002\] off/, from);
    await until(
      async () => (await lineState('O-1-2'))?.status === 'short',
      'O-1-2 shorted',
      15_000,
      50,
    );
    expect(await type('show M-01-02', /\[floor\] mq M-01-02/)).toMatch(/\[ptl-0002\] off/);
  });

  it('takes the faults an MQTT module has and names the family for one it has not', async () => {
    expect(await type('fault M-01-03 bad-crc', /\[floor\] error/)).toMatch(
      /MQTT simulated modules have no fault "bad-crc" \(faults: silence, slow <ms>, drop, none\)/,
    );
    await type('fault M-01-03 silence', /fault on mq M-01-03 .*: silence/);
    expect(await type('show', /\[floor\] mq M-01-03/)).toMatch(/fault=silent/);
    await type('fault M-01-03 none', /fault on mq M-01-03 .*: none/);
    await type('press M-01-03 confirm', /pressed confirm on mq M-01-03/);
    await until(
      async () => (await lineState('O-1-3'))?.status === 'picked',
      'O-1-3 picked',
      15_000,
      50,
    );
  });

  it('refuses plainly what a family cannot do, and names unknown modules', async () => {
    expect(await type('plus G-1', /\[floor\] error/)).toMatch(
      /Modbus TCP simulated modules of profile generic-io-lamp-v1 have no \+\/- keys/,
    );
    expect(await type('fault G-1 drop', /\[floor\] error/)).toMatch(/cannot drop a connection/);
    expect(await type('press V-1', /\[floor\] error/)).toMatch(/no simulated module "V-1"/);
    expect(await type('help', /\[floor\] MQTT \(mq\)/)).toMatch(/faults silence, slow <ms>, drop/);
  });

  it('prints no line for an idle module re-sent its state (health checks)', async () => {
    const from = out.length;
    await new Promise((r) => setTimeout(r, 3000)); // ~6 health re-sends per module
    const floorLines = out.slice(from).filter((l) => l.startsWith('[floor]'));
    expect(floorLines).toEqual([]);
  });
});

describe('POST /simulator/locations/{location}/press on every family', () => {
  it('presses an MQTT bin (minus, then confirm): the line is recorded', async () => {
    const r = await api('/zones/M/scan', { code: 'TOTE-3', picker: 'jdoe' });
    expect(r.status).toBe(200);
    await line(/\[floor\] mq M-01-02 \[ptl-0002\] on \w+ 5/, 0);
    expect((await api('/simulator/locations/M-01-02/press', { key: 'minus' })).status).toBe(200);
    expect((await api('/simulator/locations/M-01-02/press', { key: 'confirm' })).status).toBe(200);
    expect(
      await until(
        async () => {
          const l = await lineState('O-3-1');
          return l?.status !== 'lit' && l?.status !== 'open' && l;
        },
        'O-3-1 closed',
        15_000,
        50,
      ),
    ).toMatchObject({ status: 'short', picked: 4 });
  });

  it('presses a Modbus bin', async () => {
    expect((await api('/zones/G/scan', { code: 'TOTE-2', picker: 'jdoe' })).status).toBe(200);
    expect((await api('/simulator/locations/G-1/press', { key: 'confirm' })).status).toBe(200);
    await until(
      async () => (await lineState('O-2-1'))?.status === 'picked',
      'O-2-1 picked',
      15_000,
      50,
    );
  });

  it('answers 404 LOCATION_NOT_FOUND for an unknown location and one without a module', async () => {
    for (const loc of ['NOPE-1', 'V-1']) {
      const r = await api(`/simulator/locations/${loc}/press`, { key: 'confirm' });
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe(
        'LOCATION_NOT_FOUND',
      );
    }
  });

  it('answers 501 UNSUPPORTED for a key the family cannot do', async () => {
    const r = await api('/simulator/locations/G-1/press', { key: 'minus' });
    expect(r.status).toBe(501);
    const e = ((await r.json()) as { error: { code: string; message: string } }).error;
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/generic-io-lamp-v1 have no \+\/- keys/);
  });
});
