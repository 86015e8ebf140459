/**
 * One controller per database and set of buses (issue 7, item 8): a second
 * controller on the same database refuses to start with a clear message, and a
 * controller that cannot bind its API port exits, both before opening any bus.
 * The second controller's buses point at a TCP listener that counts connections.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Controller } from '../../app/main.ts';
import { loadConfig } from '../../config/load.ts';
import { tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';

let tmp: ReturnType<typeof tempDir>;
let site: LiveSite;
let first: Controller | null = null;
let blocker: Server | null = null;
let busProbe: Server;
let busConnections = 0;

async function listen(srv: Server, port = 0): Promise<number> {
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

/** The live site's config with its buses pointed at the probe and the API on `apiPort`. */
async function secondConfig(apiPort: number, dbPath?: string): Promise<string> {
  const raw = parse(readFileSync(site.configFile, 'utf8'));
  const probePort = (busProbe.address() as { port: number }).port;
  for (const b of raw.buses) b.port = probePort;
  raw.api.port = apiPort;
  if (dbPath) raw.storage.path = dbPath;
  const file = `${tmp.dir}/second.yaml`;
  writeFileSync(file, stringify(raw));
  return file;
}

/** Runs `pickline start`; resolves with its exit code and output (killed after 15 s: code null). */
function runCli(configFile: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    process.execPath,
    ['bin/pickline.js', 'start', '--config', configFile, '--no-simulate', '--no-console'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out });
    }),
  );
}

beforeEach(async () => {
  tmp = tempDir();
  site = await liveSite(tmp.dir);
  busConnections = 0;
  busProbe = createServer((s) => {
    busConnections++;
    s.destroy();
  });
  await listen(busProbe);
});
afterEach(async () => {
  await first?.stop();
  first = null;
  await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
  blocker = null;
  await new Promise((r) => busProbe.close(r));
  await site.stop();
  tmp.remove();
});

describe('single instance', () => {
  it('a second controller on the same database exits 1 naming the lock, before touching a bus', async () => {
    first = new Controller(site.loaded);
    await first.start();
    const r = await runCli(await secondConfig(0));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/in use by another Pickline controller/);
    expect(r.out).toContain(site.loaded.config.storage.path);
    expect(busConnections).toBe(0);
    // the first one is unharmed
    expect((await fetch(`http://127.0.0.1:${first.address.port}/readyz`)).status).toBe(200);
  });

  it('the database is free again once the first controller stopped', async () => {
    first = new Controller(site.loaded);
    await first.start();
    await first.stop();
    const again = new Controller(loadConfig(site.configFile, {}));
    await again.start();
    await again.stop();
  });

  it('a controller that cannot bind its API port exits 1 before touching a bus', async () => {
    blocker = createServer();
    const port = await listen(blocker);
    const r = await runCli(await secondConfig(port, `${tmp.dir}/other.db`));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/EADDRINUSE/);
    expect(busConnections).toBe(0);
  });

  it('answers /readyz 503 and the API 503 NOT_READY until the floor is restored', async () => {
    const ready: number[] = [];
    const api: unknown[] = [];
    const onListening = async (port: number) => {
      ready.push((await fetch(`http://127.0.0.1:${port}/readyz`)).status);
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/zones`, {
        headers: { authorization: 'Bearer demo-viewer-token' },
      });
      api.push(r.status, ((await r.json()) as { error: { code: string } }).error.code);
    };
    first = new Controller(site.loaded, { onListening });
    await first.start();
    expect(ready).toEqual([503]);
    expect(api).toEqual([503, 'NOT_READY']);
    expect((await fetch(`http://127.0.0.1:${first.address.port}/readyz`)).status).toBe(200);
  });
});
