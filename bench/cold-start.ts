/**
 * Cold start of the CLI: `pickline --help` and `pickline check-config` (the
 * demo site), each spawned `--runs` times, compiled (dist/, what
 * `bin/pickline.js` runs after `npm run build`) and from the sources through
 * tsx (what it runs in a fresh clone), beside a bare `node -e 0` in the same
 * run. Runs are interleaved so load on the machine hits every case alike; one
 * warm-up spawn per case is not counted. Builds dist/ first.
 * Target: compiled `--help` within 6× of bare node (median).
 *   node bin/run-ts.js bench/cold-start.ts [--runs 10]
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile, round } from '../test/kit/stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = Number(values.runs);
const TARGET_RATIO = 6;
const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

const build = spawnSync(
  process.execPath,
  ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
  {
    cwd: ROOT,
    encoding: 'utf8',
  },
);
if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);

const CASES: Record<string, string[]> = {
  node: ['-e', '0'],
  distHelp: ['bin/pickline.js', '--help'],
  distCheckConfig: ['bin/pickline.js', 'check-config'],
  tsxHelp: ['bin/run-ts.js', 'app/cli.ts', '--help'],
  tsxCheckConfig: ['bin/run-ts.js', 'app/cli.ts', 'check-config'],
};

function spawnMs(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: process.env });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const times: Record<string, number[]> = Object.fromEntries(Object.keys(CASES).map((k) => [k, []]));
for (const args of Object.values(CASES)) spawnMs(args);
for (let i = 0; i < RUNS; i++)
  for (const [k, args] of Object.entries(CASES)) times[k].push(spawnMs(args));

const median = (xs: number[]) => round(percentile(xs, 50), 1);
const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const ratio = (k: string) => Number((ms[k] / ms.node).toFixed(2));
const result = {
  bench: 'cold-start',
  runs: RUNS,
  msMedian: ms,
  ratioToNode: {
    distHelp: ratio('distHelp'),
    distCheckConfig: ratio('distCheckConfig'),
    tsxHelp: ratio('tsxHelp'),
    tsxCheckConfig: ratio('tsxCheckConfig'),
  },
  targetRatio: TARGET_RATIO,
  pass: ms.distHelp <= TARGET_RATIO * ms.node,
};
console.log(JSON.stringify(result));
console.log(
  `cold-start: medians of ${RUNS}: node -e 0 ${ms.node} ms; --help ${ms.distHelp} ms compiled (${result.ratioToNode.distHelp}× node), ${ms.tsxHelp} ms tsx; check-config ${ms.distCheckConfig} ms compiled, ${ms.tsxCheckConfig} ms tsx (target --help ≤ ${TARGET_RATIO}× node: ${result.pass ? 'PASS' : 'FAIL'})`,
);
