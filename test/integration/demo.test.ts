/**
 * `npm run demo` (issue 7, item 12): it drives only the controller it started.
 * With something else answering on its port it fails clearly and posts
 * nothing there; on a free port it plays the shift and leaves no database
 * files behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';

let other: Server | null = null;
afterEach(async () => {
  await new Promise((r) => (other ? other.close(r) : r(undefined)));
  other = null;
});

/** Runs the demo; resolves with exit code and output (killed after 150 s: code null; the machine may be busy). */
function demo(args: string[]): Promise<{ code: number | null; out: string }> {
  const c = spawn(process.execPath, ['bin/run-ts.js', 'app/demo.ts', '--fast', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (out += d));
  const kill = setTimeout(() => c.kill('SIGKILL'), 150_000);
  return new Promise((resolve) =>
    c.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out });
    }),
  );
}

const demoFiles = () => [
  ...(existsSync('data') ? readdirSync('data').filter((f) => f.startsWith('demo')) : []),
  ...readdirSync(tmpdir()).filter((f) => f.startsWith('pickline-demo')),
];

describe('npm run demo', () => {
  it('fails clearly, and posts nothing, when another server answers on its port', async () => {
    const seen: string[] = [];
    other = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/readyz' ? '{"status":"ready","checks":[]}' : '{}');
    });
    await new Promise<void>((r) => other!.listen(0, '127.0.0.1', r));
    const port = (other.address() as { port: number }).port;
    const r = await demo(['--port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/demo failed: the demo's controller did not start/);
    expect(seen.filter((s) => !s.startsWith('GET '))).toEqual([]);
  }, 180_000);

  it('runs beside `npm start`: every port it opens is a free one, and only its own modules report', async () => {
    // hold the default site's fixed ports (as `npm start` does); one already held elsewhere is fine too
    const held: Server[] = [];
    for (const port of [18830, 15020, 15021, 8080]) {
      const s = createServer();
      const ok = await new Promise<boolean>((r) => {
        s.once('error', () => r(false));
        s.listen(port, '127.0.0.1', () => r(true));
      });
      if (ok) held.push(s);
    }
    try {
      const r = await demo(['--port', '0']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toMatch(/EADDRINUSE/);
      // the MQTT zone is played (its modules are simulated), and nothing reports a module it never started
      expect(r.out).toMatch(/line\.picked .*"location":"M-01-01"/);
      expect(r.out).not.toMatch(/device\.offline/);
      // a warning the child prints names its module (`bus-a/2 …`)
      for (const l of r.out.split('\n').filter((x) => x.includes('[controller]')))
        expect(l).toMatch(/\[controller\] [\w-]+\/[\w-]+ /);
    } finally {
      await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    }
  }, 180_000);

  it('plays the shift on its own controller and leaves no database files', async () => {
    const before = demoFiles();
    const r = await demo(['--port', '0']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/done: the WMS received [1-9]\d* events, 0 bad signatures/);
    expect(demoFiles()).toEqual(before);
  }, 180_000);
});
