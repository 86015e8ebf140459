/**
 * The controller's heap policy (bin/heap-policy.js, issue 16 item 15):
 * `pickline start` runs with `--heap-growing-percent=30` unless the operator
 * set heap flags of their own; the flag, set at run time through
 * v8.setFlagsFromString, really bounds the heap's growth (a child process
 * with a churning live set, with and without it); and `pickline start`
 * applies it and says so in its log.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HEAP_POLICY_FLAGS, heapPolicy } from '../../bin/heap-policy.js';
import { TOKENS, tempDir } from '../helpers/harness.ts';

describe('heap policy: when it applies', () => {
  it('is --heap-growing-percent=30 by default', () => {
    expect(HEAP_POLICY_FLAGS).toEqual(['--heap-growing-percent=30']);
    expect(heapPolicy({}, [])).toEqual({ flags: HEAP_POLICY_FLAGS, reason: 'default' });
  });

  it('steps aside for heap flags in NODE_OPTIONS, in either spelling', () => {
    for (const opts of [
      '--max-old-space-size=256',
      '--enable-source-maps --max_old_space_size=256',
      '--heap-growing-percent=50',
      '--max-semi-space-size=8',
    ])
      expect(heapPolicy({ NODE_OPTIONS: opts }, []), opts).toEqual({
        flags: [],
        reason: 'heap flags in NODE_OPTIONS',
      });
  });

  it('steps aside for heap flags on the node command line', () => {
    expect(heapPolicy({}, ['--max-old-space-size=192'])).toEqual({
      flags: [],
      reason: 'heap flags on the node command line',
    });
  });

  it('is not turned off by flags that do not touch the heap', () => {
    for (const opts of ['--enable-source-maps', '--max-http-header-size=16384', '--inspect'])
      expect(heapPolicy({ NODE_OPTIONS: opts }, ['--no-warnings']).flags, opts).toEqual(
        HEAP_POLICY_FLAGS,
      );
  });
});

/**
 * A live set of LIVE_MB that keeps being replaced: blocks live long enough
 * to reach the old generation, then die. Prints the largest heap V8 held
 * and the live set (heap in use after a full collection) at the end.
 */
const WORKLOAD = `
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
if (process.env.POLICY === '1') {
  const { applyHeapPolicy } = await import(process.env.POLICY_MODULE);
  applyHeapPolicy({}, []);
}
const LIVE_MB = 48;
const block = () => Array.from({ length: 2048 }, (_, i) => ({ i, s: 'x'.repeat(16) + i }));
const blocks = [];
let peak = 0;
for (let round = 0; round < 1500; round++) {
  blocks.push(block());
  if (blocks.length > LIVE_MB * 4) blocks.shift();
  if (round % 10 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
}
setFlagsFromString('--expose-gc');
runInNewContext('gc')();
console.log(JSON.stringify({ peak, live: process.memoryUsage().heapUsed, n: blocks.length }));
`;

function runWorkload(policy: boolean): { peak: number; live: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', WORKLOAD], {
    encoding: 'utf8',
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      POLICY: policy ? '1' : '0',
      POLICY_MODULE: new URL('../../bin/heap-policy.js', import.meta.url).href,
    },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('heap policy: its effect', () => {
  it('keeps the heap near its live set where V8 alone lets it grow far above', () => {
    const without = runWorkload(false);
    const withPolicy = runWorkload(true);
    console.log(
      `heap policy: live ${(withPolicy.live / 1048576).toFixed(0)} MiB; peak heap ${(without.peak / 1048576).toFixed(0)} MiB without, ${(withPolicy.peak / 1048576).toFixed(0)} MiB with`,
    );
    // the same work, the same live set
    expect(Math.abs(withPolicy.live - without.live)).toBeLessThan(without.live * 0.1);
    expect(withPolicy.peak).toBeLessThan(without.peak * 0.8);
  }, 60_000);
});

describe('heap policy: pickline start', () => {
  let t: ReturnType<typeof tempDir>;
  let configFile: string;
  beforeEach(() => {
    t = tempDir();
    configFile = join(t.dir, 'site.yaml');
    writeFileSync(
      configFile,
      stringify({
        site: 'HEAP',
        api: {
          host: '127.0.0.1',
          port: 0,
          tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
        },
        storage: { path: 'heap.db' },
        buses: [],
        // a voice aisle needs no bus
        zones: [{ id: 'V', mode: 'voice', locations: [{ id: 'V-01-01', checkDigits: '42' }] }],
      }),
    );
  });
  afterEach(() => t.remove());

  /** Starts `pickline start`, returns its `heap policy` log line and stops it. */
  function heapLine(env: Record<string, string>): Promise<Record<string, unknown>> {
    const child = spawn(
      process.execPath,
      ['bin/pickline.js', 'start', '--config', configFile, '--no-simulate', '--no-console'],
      {
        env: { ...process.env, PICKLINE_LOG_FORMAT: 'json', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let found: string | undefined;
    return new Promise((resolve, reject) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stdout.on('data', (d) => {
        out += d;
        found ??= out.split('\n').find((l) => l.includes('"msg":"heap policy"'));
        if (found) child.kill('SIGTERM');
      });
      child.stderr.on('data', (d) => (out += d));
      child.once('exit', (code) => {
        clearTimeout(kill);
        if (found) resolve(JSON.parse(found));
        else reject(new Error(`pickline start ended (${code}) without a heap policy line: ${out}`));
      });
    });
  }

  it('applies the policy by default and logs the flags', async () => {
    const line = await heapLine({ NODE_OPTIONS: '' });
    expect(line).toMatchObject({ heapFlags: HEAP_POLICY_FLAGS, why: 'default' });
  }, 40_000);

  it("leaves the heap alone when the operator's NODE_OPTIONS size it", async () => {
    const line = await heapLine({ NODE_OPTIONS: '--max-old-space-size=256' });
    expect(line).toMatchObject({ heapFlags: [], why: 'heap flags in NODE_OPTIONS' });
  }, 40_000);
});
