/**
 * `npm run demo`: a whole shift in a minute. Starts the simulated floor and a
 * simulated WMS here, runs the controller as its own process (as in
 * production, reached only over HTTP and Modbus TCP), then plays the WMS
 * (posts a wave), two pickers (scan, '-' correction, short, put wall) and a
 * voice picker (a simulated voice terminal over /api/v1/voice), and a
 * picker in the MQTT zone (the child's simulated MQTT modules, pressed through
 * POST /api/v1/simulator/locations/{location}/press), printing what the
 * floor shows and what the WMS receives.
 *   npm run demo [-- --fast] [-- --port N]   (API port, default 8090; 0 = any free port)
 * Everything else it starts (Modbus banks, the embedded MQTT broker, the WMS)
 * listens on a free port, so it runs beside `npm start`. The demo drives only
 * the controller it started: it waits for that child to log its address, and
 * fails when the child exits first (port taken, …). Its database and site
 * file live in a temporary directory removed at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.ts';
import { runWorker } from '../simulators/voice/worker.ts';
import { postWave, WmsSimulator } from '../simulators/wms/index.ts';
import { SimulatedFloor } from './floor.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { fast: { type: 'boolean', default: false }, port: { type: 'string', default: '8090' } },
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, values.fast ? ms / 10 : ms));
const say = (s: string) => console.log(`\n== ${s}`);

const base = loadConfig(resolve(ROOT, 'config/default.yaml'), {});
const floor = new SimulatedFloor(base.config, base.profiles, { ephemeral: true });
const secret = 'demo-webhook-secret';
const wms = new WmsSimulator({ secret });
const ports = await floor.start();
const { url } = await wms.start();
floor.onChange((text) => console.log(`  [floor] ${text}`));
wms.onEvent((e) => console.log(`  [wms]   ${e.type} ${JSON.stringify(e.data)}`));

const dir = mkdtempSync(join(tmpdir(), 'pickline-demo-'));
const cfg = structuredClone(base.config);
cfg.api.port = Number(values.port);
cfg.storage.path = join(dir, 'demo.db');
cfg.webhooks = [{ url: `${url}/events`, secret }];
cfg.log = { level: 'info' }; // the demo reads the child's start line; it prints warnings only
for (const z of cfg.zones) delete z.locationsCsv;
// free ports for everything: the Modbus banks listen here, the child's broker picks its own
for (const b of cfg.buses) {
  if (b.transport !== 'modbus-tcp') continue;
  b.port = ports.get(b.id)!.port;
  b.simulate = false;
}
if (cfg.mqtt?.embedded) cfg.mqtt.embedded = { ...cfg.mqtt.embedded, port: 0 };
const file = join(dir, 'demo-site.yaml');
writeFileSync(file, stringify(cfg));

const child = spawn(
  process.execPath,
  // the child simulates its MQTT modules itself: they connect the moment its broker listens
  [resolve(ROOT, 'bin/pickline.js'), 'start', '--config', file, '--no-console'],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PICKLINE_LOG_FORMAT: 'json' } },
);
const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

/** The address the child logs once it restored the floor; rejects if it exits first. */
const started = new Promise<string>((resolveUrl, reject) => {
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    let rec: { level?: number; msg?: string; url?: string; [k: string]: unknown };
    try {
      rec = JSON.parse(line);
    } catch {
      return console.log(`  ${line}`);
    }
    if (rec.msg === 'Pickline controller started' && rec.url) resolveUrl(rec.url);
    else if ((rec.level ?? 0) >= 40) console.error(`  [controller] ${warning(rec)}`);
  });
  void exited.then((code) =>
    reject(new Error(`the demo's controller did not start (exit code ${code}); see above`)),
  );
});

/** A warning of the child with the module it is about (`bus-a/7 module offline: no reply`). */
function warning(rec: Record<string, unknown>): string {
  const where = [rec.bus, rec.address ?? rec.location].filter((x) => x !== undefined).join('/');
  const why = rec.reason ?? rec.err ?? rec.error;
  return `${where ? `${where} ` : ''}${rec.msg}${why ? `: ${why}` : ''}`;
}

let controllerUrl = '';
const api = (path: string) => `${controllerUrl}/api/v1${path}`;
const op = { authorization: 'Bearer demo-operator-token', 'content-type': 'application/json' };
/** A key of a simulated module in the child (the floor view's press route). */
const press = async (location: string, key: 'confirm' | 'short' | 'plus' | 'minus') => {
  const r = await fetch(api(`/simulator/locations/${location}/press`), {
    method: 'POST',
    headers: op,
    body: JSON.stringify({ key }),
  });
  if (r.status !== 200)
    throw new Error(`press ${key} on ${location}: ${r.status} ${await r.text()}`);
};
const scan = async (zone: string, code: string, picker: string) => {
  const r = await fetch(api(`/zones/${zone}/scan`), {
    method: 'POST',
    headers: op,
    body: JSON.stringify({ code, picker }),
  });
  const j = (await r.json()) as { color?: string; lit?: { location: string; quantity: number }[] };
  console.log(
    `  [scan]  ${picker} scans ${code} at ${zone}: ${r.status} colour ${j.color} lights ${j.lit?.map((l) => `${l.location}×${l.quantity}`).join(', ')}`,
  );
};

try {
  controllerUrl = await started;
  console.log(`controller: ${controllerUrl} (database in ${dir}, removed at the end)`);
  say('the WMS posts wave DEMO-1: two totes for zone A, one put-wall order');
  const r = await postWave(controllerUrl, 'demo-wms-token', {
    waveId: 'DEMO-1',
    orders: [
      {
        orderId: 'D-1',
        container: 'TOTE-1',
        lines: [
          { lineId: 'D-1-1', sku: 'MUG', location: 'A-01-01', quantity: 3 },
          { lineId: 'D-1-2', sku: 'PEN', location: 'A-01-02', quantity: 4 },
        ],
      },
      {
        orderId: 'D-2',
        container: 'TOTE-2',
        lines: [
          { lineId: 'D-2-1', sku: 'CUP', location: 'A-01-02', quantity: 1 },
          { lineId: 'D-2-2', sku: 'INK', location: 'A-01-05', quantity: 2 },
        ],
      },
      { orderId: 'D-3', putWall: 'P', lines: [{ lineId: 'D-3-1', sku: 'BOOK', quantity: 2 }] },
      {
        orderId: 'D-5',
        container: 'TOTE-5',
        lines: [
          { lineId: 'D-5-1', sku: 'CLIP', location: 'M-01-01', quantity: 2 },
          { lineId: 'D-5-2', sku: 'PAD', location: 'M-01-03', quantity: 3 },
        ],
      },
      {
        orderId: 'D-4',
        container: 'CART-4',
        lines: [
          { lineId: 'D-4-1', sku: 'TAPE', location: 'V-03-02', quantity: 2, description: 'tape' },
          { lineId: 'D-4-2', sku: 'GLUE', location: 'V-03-01', quantity: 3, description: 'glue' },
        ],
      },
    ],
  });
  console.log(`  [wms]   POST /waves → ${r.status}`);
  if (r.status !== 201) throw new Error(`the controller refused the wave: ${r.status}`);
  await pause(1000);
  say('Jane scans TOTE-1 at zone A; Alex scans TOTE-2 (A-01-02 is shared: Alex waits for it)');
  await scan('A', 'TOTE-1', 'jdoe');
  await scan('A', 'TOTE-2', 'asmith');
  await pause(1500);
  say('Jane takes 3 mugs and presses confirm on A-01-01');
  floor.module('A-01-01').press('confirm');
  await pause(1500);
  say('Jane finds only 2 pens: presses - twice, then confirm (a short of 2)');
  floor.module('A-01-02').minus(2);
  floor.module('A-01-02').press('confirm');
  await pause(1500);
  say('A-01-02 now shows Alex his cup; he confirms, then shorts the ink');
  floor.module('A-01-02').press('confirm');
  await pause(800);
  floor.module('A-01-05').press('short');
  await pause(1500);
  say('at the put wall, Jane scans BOOK: a free cubby lights; she puts 2 and confirms');
  await scan('P', 'BOOK', 'jdoe');
  await pause(1000);
  floor.module('P-1').press('confirm');
  await pause(1000);
  say('Jane scans TOTE-5 at zone M (MQTT modules); she confirms M-01-01, finds 2 pads at M-01-03');
  await scan('M', 'TOTE-5', 'jdoe');
  await pause(1000);
  await press('M-01-01', 'confirm');
  await press('M-01-03', 'minus');
  await press('M-01-03', 'confirm');
  await pause(1500);
  say('Alex works the voice aisle with a headset (a simulated voice terminal, /api/v1/voice)');
  const voice = await runWorker({
    baseUrl: controllerUrl,
    operator: 'asmith',
    pin: '5678',
    site: cfg,
    seed: 3,
    mistakes: { wrongDigits: 0.5 },
    thinkMs: values.fast ? 0 : 400,
    onTurn: (prompt, answer) => console.log(`  [voice] "${prompt}" → asmith: "${answer}"`),
  });
  if (voice.errors.length > 0) throw new Error(`voice worker: ${voice.errors.join('; ')}`);
  await pause(2000);
  if (wms.events.length === 0) throw new Error('the WMS received no events');
  say(
    `done: the WMS received ${wms.events.length} events, ${wms.counters.badSignatures} bad signatures, ${wms.counters.duplicates} duplicates`,
  );
} catch (e) {
  console.error(`\ndemo failed: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
  await wms.stop();
  await floor.stop();
  rmSync(dir, { recursive: true, force: true });
}
