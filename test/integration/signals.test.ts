/**
 * A closed stdout must not hang the process (issue 7, item 10): `npm start |
 * grep x` then Ctrl-C closes the pipe; the controller must still stop cleanly
 * on SIGTERM/SIGINT within a bounded time.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';

/** Bound for a stop after the signal; generous for a loaded CI machine. */
const STOP_BOUND_MS = 10_000;

let tmp: ReturnType<typeof tempDir>;
let site: LiveSite;
let child: ChildProcessWithoutNullStreams | null = null;

beforeEach(async () => {
  tmp = tempDir();
  site = await liveSite(tmp.dir);
  const raw = parse(readFileSync(site.configFile, 'utf8'));
  raw.log = { level: 'info' };
  writeFileSync(site.configFile, stringify(raw));
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const c = child;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }
  child = null;
  await site.stop();
  tmp.remove();
});

/** Starts `pickline start` with stdout a pipe; resolves once it logged its last bus line. */
async function start(
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcessWithoutNullStreams & { out: () => string }> {
  const c = spawn(
    process.execPath,
    ['bin/pickline.js', 'start', '--config', site.configFile, '--no-simulate'],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  child = c;
  let out = '';
  await new Promise<void>((resolve, reject) => {
    c.stdout.on('data', (d) => {
      out += d;
      if (/bus bus-b: .*\n/.test(out)) resolve();
    });
    c.once('exit', (code) => reject(new Error(`exited ${code} before starting: ${out}`)));
  });
  return Object.assign(c, { out: () => out });
}

function exitWithin(c: ChildProcessWithoutNullStreams, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('still running'), ms);
    c.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve(`exit ${code ?? signal}`);
    });
  });
}

describe.each(['SIGTERM', 'SIGINT'] as const)('%s with stdout closed', (signal) => {
  it('stops cleanly within the bound', async () => {
    const c = await start();
    c.stdout.destroy(); // the reader of the pipe went away (grep ended, Ctrl-C)
    await new Promise((r) => setImmediate(r));
    const exited = exitWithin(c, STOP_BOUND_MS);
    c.kill(signal);
    expect(await exited).toBe('exit 0');
  });
});

describe('start-up log', () => {
  it('JSON lines on a pipe, then one summary line per bus after the floor is restored', async () => {
    const c = await start();
    const lines = c
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    const msgs = lines.map((l) => l.msg);
    const restored = msgs.indexOf('floor restored');
    const a = msgs.findIndex((m) => m.startsWith('bus bus-a:'));
    expect(restored).toBeGreaterThanOrEqual(0);
    expect(a).toBeGreaterThan(restored);
    const bus = site.loaded.config.buses[0];
    const port = bus.transport === 'modbus-tcp' ? bus.port : null;
    expect(msgs[a]).toBe(
      `bus bus-a: modbus-tcp tcp://127.0.0.1:${port} (mbap), 17/17 modules online`,
    );
    expect(msgs.filter((m) => m.startsWith('bus ')).length).toBe(2);
  });

  it('one readable line per event with PICKLINE_LOG_FORMAT=pretty (the terminal default)', async () => {
    const c = await start({ PICKLINE_LOG_FORMAT: 'pretty' });
    const lines = c.out().trim().split('\n');
    expect(lines.every((l) => !l.startsWith('{'))).toBe(true);
    expect(lines.find((l) => l.includes('bus bus-a:'))).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: bus bus-a: modbus-tcp tcp:\/\/127\.0\.0\.1:\d+ \(mbap\), 17\/17 modules online$/,
    );
  });
});
