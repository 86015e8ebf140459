/**
 * N scripted voice workers against a controller (CONTRACTS.md §3):
 *   node bin/run-ts.js simulators/voice/cli.ts --url http://127.0.0.1:8080 \
 *     --config config/default.yaml --workers 10 [--operator-prefix op] [--pin 1234]
 *     [--wrong-digits 0.1] [--short 0.05] [--skip 0.05] [--drop 0.02] [--think-ms 1000] [--json]
 * Operators are `<prefix><n>` (n from 1) unless --operators a,b,c is given.
 * With --json, prints one line {roundTripsMs: […], reports: […]} at the end.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load.ts';
import { runWorker } from './worker.ts';

const { values: v } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    config: { type: 'string', default: 'config/default.yaml' },
    workers: { type: 'string', default: '1' },
    operators: { type: 'string' },
    'operator-prefix': { type: 'string', default: 'op' },
    pin: { type: 'string', default: '1234' },
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
const operators =
  v.operators?.split(',') ?? Array.from({ length: n }, (_, i) => `${v['operator-prefix']}${i + 1}`);
const times: number[] = [];
const reports = await Promise.all(
  operators.map((operator, i) =>
    runWorker({
      baseUrl: v.url as string,
      operator,
      pin: v.pin as string,
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
    }),
  ),
);
if (v.json) console.log(JSON.stringify({ roundTripsMs: times, reports }));
else
  for (const [i, r] of reports.entries())
    console.log(
      `${operators[i]}: ${r.picks} picks, ${r.shorts} shorts, ${r.skips} skips, ${r.wrongDigits} wrong check digits, ${r.drops} drops${r.errors.length ? `, errors: ${r.errors.join('; ')}` : ''}`,
    );
