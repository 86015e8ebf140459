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

/** Runs the demo; resolves with exit code and output (killed after 60 s: code null). */
function demo(args: string[]): Promise<{ code: number | null; out: string }> {
  const c = spawn(process.execPath, ['bin/run-ts.js', 'app/demo.ts', '--fast', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (out += d));
  const kill = setTimeout(() => c.kill('SIGKILL'), 60_000);
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
  }, 90_000);

  it('plays the shift on its own controller and leaves no database files', async () => {
    const before = demoFiles();
    const r = await demo(['--port', '0']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/done: the WMS received [1-9]\d* events, 0 bad signatures/);
    expect(demoFiles()).toEqual(before);
  }, 90_000);
});
