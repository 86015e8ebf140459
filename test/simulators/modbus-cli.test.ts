/** The simulator CLI as a process: prints where it listens, prints light changes, quits on `quit`. */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleBank } from '../../simulators/modbus/index.ts';
import { closeMaster, tcpMaster } from './mb.ts';

describe('simulators/modbus/cli.ts', () => {
  let child: ChildProcess | null = null;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
  });

  it('serves TCP, echoes a light change, answers commands and exits on quit', async () => {
    const proc = spawn(
      process.execPath,
      ['bin/run-ts.js', 'simulators/modbus/cli.ts', '--tcp', '0', '--addresses', '1-3'],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    child = proc;
    let out = '';
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (d: string) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const waiter = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1] }); // only for waitFor
    await waiter.waitFor(
      () => /listening on 127\.0\.0\.1:\d+/.test(out),
      15_000,
      'the CLI to listen',
    );
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    const c = await tcpMaster(port, 2);
    await c.writeRegisters(0, [2, 2, 5, 7]);
    await closeMaster(c);
    await waiter.waitFor(
      () => out.includes('[2] blink green 5 seq=7'),
      5000,
      'the light-change line',
    );
    proc.stdin?.write('press 2\nshow\nquit\n');
    expect(await exited).toBe(0);
    expect(out).toContain('pressed confirm on 2');
    expect(out).toMatch(/bye\n$/);
  });
});
