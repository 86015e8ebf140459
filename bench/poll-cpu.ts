/**
 * Cost of key polling on Modbus TCP (issue 7 item 4): 6 lit modules on the
 * TCP simulator, which runs in a child process so only the controller's CPU
 * is counted (process.cpuUsage of this process).
 *  - for `--seconds` (10) with nothing pressed: transactions/s on the bus and
 *    controller CPU % of one core;
 *  - then presses, one module at a time: press (simulator stdin) → line
 *    stored (line.picked in the outbox) median.
 * Targets: CPU < 5 % of a core, press→stored median < 30 ms.
 *   node bin/run-ts.js bench/poll-cpu.ts [--seconds 10] [--rounds 5]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { stringify } from 'yaml';
import { Controller } from '../app/main.ts';
import { loadConfig } from '../config/load.ts';
import { MODBUS_DEFAULTS } from '../device-drivers/index.ts';
import { auth, TOKENS, tempDir } from '../test/kit/harness.ts';
import { percentile, round } from '../test/kit/stats.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    /** override the bus's pollIntervalMs (default: the driver's TCP default) */
    'poll-interval': { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const N = 6;
const POLL = values['poll-interval'] === undefined ? undefined : Number(values['poll-interval']);

const sim = spawn(
  process.execPath,
  ['bin/run-ts.js', 'simulators/modbus/cli.ts', '--tcp', '0', '--addresses', `1-${N}`, '--quiet'],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
process.once('exit', () => sim.kill());
const simLines = createInterface({ input: sim.stdout! });
const simPort = await new Promise<number>((resolve, reject) => {
  simLines.on('line', (l) => {
    const m = /listening on [^:]+:(\d+)/.exec(l);
    if (m) resolve(Number(m[1]));
  });
  sim.once('exit', (c) => reject(new Error(`simulator exited ${c}`)));
});

const tmp = tempDir('pickline-bench-');
const configFile = `${tmp.dir}/site.yaml`;
writeFileSync(
  configFile,
  stringify({
    site: 'BENCH',
    api: {
      host: '127.0.0.1',
      port: 0,
      tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
    },
    storage: { path: 'pickline.db' },
    buses: [
      {
        id: 'bus-a',
        transport: 'modbus-tcp',
        host: '127.0.0.1',
        port: simPort,
        profile: 'pickline-ptl-v1',
        ...(POLL === undefined ? {} : { pollIntervalMs: POLL }),
      },
    ],
    zones: [
      {
        id: 'A',
        name: 'bench',
        mode: 'pick',
        locations: Array.from({ length: N }, (_, i) => ({
          id: `L-${i + 1}`,
          bus: 'bus-a',
          address: i + 1,
        })),
      },
    ],
  }),
);
const c = new Controller(loadConfig(configFile, {}), { logger: pino({ level: 'silent' }) });
await c.start();
const base = `http://127.0.0.1:${c.address.port}/api/v1`;
const post = async (path: string, role: Parameters<typeof auth>[0], body: unknown) => {
  const r = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...auth(role), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bus = c.buses.get('bus-a')!;
const lit = () => bus.modules().filter((m) => m.state && m.state.mode !== 'off').length;
async function litWave(r: number): Promise<void> {
  await post('/waves', 'wms', {
    waveId: `PW-${r}`,
    orders: [
      {
        orderId: `PO-${r}`,
        container: `PT-${r}`,
        lines: Array.from({ length: N }, (_, i) => ({
          lineId: `PL-${r}-${i + 1}`,
          sku: `S${i}`,
          location: `L-${i + 1}`,
          quantity: 1,
        })),
      },
    ],
  });
  await post('/zones/A/scan', 'operator', { code: `PT-${r}`, picker: 'bench' });
  while (lit() < N) await sleep(5);
}

const pressToStored: number[] = [];
let result: Record<string, unknown> = {};
try {
  await litWave(0);
  await sleep(500); // settle
  const tx0 = bus.info().counters.transactions;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const txPerS = ((bus.info().counters.transactions - tx0) * 1000) / wallMs;
  const cpuPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;

  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) await litWave(r);
    for (let i = 1; i <= N; i++) {
      const seq0 = c.outbox.lastSeq();
      const tp = performance.now();
      sim.stdin!.write(`press ${i}\n`);
      while (c.outbox.lastSeq() === seq0) await new Promise((res) => setImmediate(res));
      pressToStored.push(performance.now() - tp);
      // a picker's press lands at a random point of the poll period
      await sleep(20 + Math.random() * (POLL ?? MODBUS_DEFAULTS.tcpPollIntervalMs));
    }
  }
  const q = (p: number) => round(percentile(pressToStored, p), 1);
  result = {
    bench: 'poll-cpu',
    litModules: N,
    seconds: SECONDS,
    pollIntervalMs: POLL ?? MODBUS_DEFAULTS.tcpPollIntervalMs,
    transactionsPerS: Math.round(txPerS),
    controllerCpuPct: Math.round(cpuPct * 100) / 100,
    /** of which in the kernel (socket writes and reads on loopback) */
    controllerSystemCpuPct: Math.round((cpu.system / 1000 / wallMs) * 10000) / 100,
    pressToStoredMs: { median: q(50), p95: q(95), max: q(100), n: pressToStored.length },
    targets: { cpuPct: 5, medianMs: 30 },
    pass: cpuPct < 5 && q(50) < 30,
  };
} finally {
  await c.stop();
  sim.stdin!.end('quit\n');
  await new Promise((r) => (sim.exitCode === null ? sim.once('exit', r) : r(null)));
  tmp.remove();
}
console.log(JSON.stringify(result));
const r = result as any;
console.log(
  `poll-cpu: ${r.litModules} lit modules on Modbus TCP: ${r.transactionsPerS} transactions/s, controller CPU ${r.controllerCpuPct} % of a core; press→stored median ${r.pressToStoredMs.median} ms (p95 ${r.pressToStoredMs.p95}) — ${r.pass ? 'within' : 'OUTSIDE'} targets (< 5 %, < 30 ms)`,
);
