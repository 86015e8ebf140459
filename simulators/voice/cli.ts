/**
 * N scripted voice workers against a controller (CONTRACTS.md §3):
 *   node bin/run-ts.js simulators/voice/cli.ts --url http://127.0.0.1:8080 \
 *     --config config/default.yaml --workers 10 [--operators a,b,c | --operator-prefix op]
 *     [--pin 1234] [--wrong-digits 0.1] [--short 0.05] [--skip 0.05] [--drop 0.02]
 *     [--think-ms 1000] [--json]
 * Operators: --operators, else `<prefix><n>` (n from 1) with --operator-prefix,
 * else the first N `operators[]` of the site file (each with its own `pin`;
 * --pin for those with only a `pinHash`); fewer there than --workers: those
 * that exist sign on, and a line says so. Exit 1 when any worker failed
 * (refused sign-on, lost controller, an error frame), naming them.
 * With --json, prints one line {roundTripsMs: […], reports: […]} at the end.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load.ts';
import { runWorker, type WorkerReport } from './worker.ts';

const { values: v } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    config: { type: 'string', default: 'config/default.yaml' },
    workers: { type: 'string', default: '1' },
    operators: { type: 'string' },
    'operator-prefix': { type: 'string' },
    pin: { type: 'string' },
    zone: { type: 'string' },
    'wrong-digits': { type: 'string', default: '0' },
    short: { type: 'string', default: '0' },
    skip: { type: 'string', default: '0' },
    drop: { type: 'string', default: '0' },
    'think-ms': { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const { config } = loadConfig(v.config as string);
const n = Number(v.workers);
const fail = (text: string): never => {
  console.error(`voice simulator: ${text}`);
  process.exit(1);
};
if (!Number.isInteger(n) || n < 1) fail(`--workers must be a whole number ≥ 1, got "${v.workers}"`);
const known = config.operators ?? [];
let workers: { operator: string; pin: string }[];
if (v.operators !== undefined)
  workers = v.operators.split(',').map((operator) => ({
    operator,
    pin: v.pin ?? known.find((o) => o.id === operator)?.pin ?? '1234',
  }));
else if (v['operator-prefix'] !== undefined)
  workers = Array.from({ length: n }, (_, i) => ({
    operator: `${v['operator-prefix']}${i + 1}`,
    pin: v.pin ?? '1234',
  }));
else {
  if (known.length === 0)
    fail(`${v.config} has no operators[]: name them with --operators a,b,c (and --pin)`);
  const pinless = known.slice(0, n).filter((o) => o.pin === undefined && v.pin === undefined);
  if (pinless.length > 0)
    fail(
      `operators ${pinless.map((o) => o.id).join(', ')} have only a pinHash in ${v.config}: give their PIN with --pin`,
    );
  workers = known.slice(0, n).map((o) => ({ operator: o.id, pin: v.pin ?? (o.pin as string) }));
  if (known.length < n)
    console.error(
      `voice simulator: ${v.config} has ${known.length} operators (${known.map((o) => o.id).join(', ')}): signing on ${known.length} of ${n} workers`,
    );
}
const operators = workers.map((w) => w.operator);
const times: number[] = [];
const reports = await Promise.all(
  workers.map(({ operator, pin }, i) =>
    runWorker({
      baseUrl: v.url as string,
      operator,
      pin,
      zone: v.zone,
      site: config,
      seed: i + 1,
      thinkMs: Number(v['think-ms']),
      mistakes: {
        wrongDigits: Number(v['wrong-digits']),
        short: Number(v.short),
        skip: Number(v.skip),
        drop: Number(v.drop),
      },
      onRoundTrip: v.json ? (ms) => times.push(ms) : undefined,
    }).catch(
      (e: Error): WorkerReport => ({
        picks: 0,
        shorts: 0,
        skips: 0,
        wrongDigits: 0,
        drops: 0,
        errors: [`no controller at ${v.url}: ${e.message}`],
      }),
    ),
  ),
);
if (v.json) console.log(JSON.stringify({ roundTripsMs: times, reports }));
else
  for (const [i, r] of reports.entries())
    console.log(
      `${operators[i]}: ${r.picks} picks, ${r.shorts} shorts, ${r.skips} skips, ${r.wrongDigits} wrong check digits, ${r.drops} drops${r.errors.length ? `, errors: ${r.errors.join('; ')}` : ''}`,
    );
const failed = reports.flatMap((r, i) => (r.errors.length > 0 ? [operators[i]] : []));
if (failed.length > 0)
  fail(`${failed.length} of ${operators.length} workers failed (${failed.join(', ')})`);
