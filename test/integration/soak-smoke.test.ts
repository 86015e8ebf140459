/**
 * The soak benchmark's one-minute smoke run (issue 24): the whole demo floor
 * (zones A, B, M, P, V; Modbus TCP, MQTT, voice) driven by simulated pickers
 * for a minute must close lines in every zone with no error and without gross
 * memory growth. An explicit exception to "targets live in benchmarks": a
 * leak or a broken transport must not land. The limit (100 MB of RSS growth
 * in a minute) is far above noise; the real figures are the 10-minute run's
 * (README, Benchmarks).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface SoakResult {
  linesClosed: number;
  linesByZone: Record<string, number>;
  errors: number;
  errorSamples: string[];
  rssGrowthMb: number;
  openHandlesAfterStop: Record<string, number> | null;
}

function soak(args: string[]): Promise<{ code: number | null; out: string }> {
  // its own process group: when the bench has to be killed, its controller child
  // (bench/soak-child.ts) goes with it instead of running on as an orphan
  const c = spawn(process.execPath, ['bin/run-ts.js', 'bench/soak.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (out += d));
  const kill = setTimeout(() => process.kill(-c.pid!, 'SIGKILL'), 600_000);
  return new Promise((resolve) =>
    c.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out });
    }),
  );
}

describe('bench/soak.ts, one minute', () => {
  it('closes lines in every zone with no error, no gross RSS growth and no handle left open', async () => {
    const r = await soak(['--minutes', '1', '--sample-s', '5', '--json']);
    const json = r.out.split('\n').find((l) => l.startsWith('{"bench":"soak"'));
    expect(json, r.out).toBeDefined();
    const s = JSON.parse(json!) as SoakResult;
    expect(s.errors, s.errorSamples.join('\n')).toBe(0);
    expect(r.code, r.out).toBe(0);
    for (const z of ['A', 'B', 'M', 'P', 'V']) expect(s.linesByZone[z] ?? 0, z).toBeGreaterThan(0);
    expect(s.rssGrowthMb).toBeLessThan(100);
    // the controller and the simulated floor stop everything they started (sockets,
    // servers, timers): what is left is the child's own stdio and IPC channel
    const left = Object.entries(s.openHandlesAfterStop ?? { missing: 1 }).filter(
      ([k]) => k !== 'PipeWrap' && k !== 'TTYWrap',
    );
    expect(left).toEqual([]);
  }, 620_000);
});
