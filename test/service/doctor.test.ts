/**
 * `pickline doctor` (app/doctor.ts) as a technician runs it on a new box: a
 * missing serial port and a store the service user cannot write are ✗ with
 * their fix and exit code 1; a sound box passes with exit code 0. CI runs as
 * root, which may write anything: the permission case runs the doctor as
 * `nobody` through setpriv (Debian package util-linux).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_CONFIG } from '../../controller/paths.ts';
import { Store } from '../../controller/store/db.ts';
import { tempDir } from '../helpers/harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SETPRIV_MISSING = 'install Debian package util-linux (setpriv)';

function setprivAvailable(): boolean {
  const r = spawnSync('setpriv', ['--version'], { stdio: 'ignore' });
  if (!r.error && r.status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`setpriv not found: ${SETPRIV_MISSING}`);
  console.warn(`running the doctor as this user: setpriv not found (${SETPRIV_MISSING})`);
  return false;
}

/** The demo site with `change` applied, written as YAML into `dir`. */
function siteFile(dir: string, name: string, change: (raw: Record<string, any>) => void): string {
  const raw = structuredClone(loadConfig(DEFAULT_CONFIG, {}).config) as Record<string, any>;
  raw.api.port = 0;
  raw.mqtt.embedded.port = 0;
  for (const z of raw.zones) delete z.locationsCsv; // rows already merged
  change(raw);
  const file = join(dir, name);
  writeFileSync(file, stringify(raw));
  chmodSync(file, 0o644);
  return file;
}

function doctor(config: string, asNobody: boolean) {
  const cmd = [process.execPath, join(ROOT, 'bin/pickline.js'), 'doctor', '--config', config];
  const argv = asNobody
    ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...cmd]
    : cmd;
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: '/',
    encoding: 'utf8',
    env: { ...process.env, PICKLINE_CONFIG: '', HOME: '/tmp' },
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('pickline doctor', () => {
  let t: ReturnType<typeof tempDir>;
  let webhook: Server;
  let hookPort = 0;
  beforeAll(async () => {
    t = tempDir();
    chmodSync(t.dir, 0o755);
    webhook = createServer((s) => s.destroy());
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    hookPort = (webhook.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => webhook.close(r));
    t.remove();
  });

  it('reports a missing serial port and an unwritable store with their fixes, exit code 1', () => {
    const root = process.getuid?.() === 0;
    const nobody = root && setprivAvailable();
    // a store made by someone else (root, or this user with the directory read-only)
    const dir = join(t.dir, 'store-ro');
    mkdirSync(dir);
    const s = new Store(join(dir, 'pickline.db'));
    s.start();
    s.stop();
    if (!root) chmodSync(dir, 0o555);
    chmodSync(join(dir, 'pickline.db'), 0o644);
    const file = siteFile(t.dir, 'bad.yaml', (raw) => {
      raw.storage.path = join(dir, 'pickline.db');
      raw.buses.push({
        id: 'rtu-1',
        transport: 'modbus-rtu',
        path: '/dev/ttyPICKLINE-MISSING',
        profile: 'pickline-ptl-v1',
      });
      raw.webhooks = [{ url: `http://127.0.0.1:${hookPort}/events`, secret: 'doctor-secret-123' }];
    });
    const r = doctor(file, nobody);
    chmodSync(dir, 0o755);
    expect(r.out).toMatch(/✗ store writable +not writable: .*store-ro/);
    expect(r.out).toMatch(/fix: give the service user write access/);
    expect(r.out).toMatch(/✗ serial rtu-1 +\/dev\/ttyPICKLINE-MISSING does not exist/);
    expect(r.out).toMatch(/fix: plug in the RS-485 adapter/);
    expect(r.out).toMatch(/– store schema +cannot be read without write access/);
    expect(r.out).toMatch(/✓ webhook 127\.0\.0\.1:\d+/);
    expect(r.out).toMatch(/2 problems found/);
    expect(r.code).toBe(1);
  });

  it('passes a sound box with exit code 0, and fails an unreachable endpoint', async () => {
    const good = siteFile(t.dir, 'good.yaml', (raw) => {
      raw.storage.path = join(t.dir, 'good', 'pickline.db');
      raw.webhooks = [{ url: `http://127.0.0.1:${hookPort}/events`, secret: 'doctor-secret-123' }];
    });
    const ok = doctor(good, false);
    expect(ok.out).toMatch(/all checks passed/);
    expect(ok.out).not.toMatch(/✗/);
    expect(ok.code).toBe(0);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const bad = siteFile(t.dir, 'unreachable.yaml', (raw) => {
      raw.storage.path = join(t.dir, 'good', 'pickline.db');
      raw.buses[1].simulate = false;
      raw.buses[1].port = port;
    });
    const r = doctor(bad, false);
    expect(r.out).toMatch(new RegExp(`✗ modbus-tcp \\S+ +127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    expect(r.code).toBe(1);
  });

  it('reports an invalid config and stops there', () => {
    const file = join(t.dir, 'broken.yaml');
    writeFileSync(file, 'site: X\napi: {port: "eighty"}\n');
    const r = doctor(file, false);
    expect(r.out).toMatch(/✗ config/);
    expect(r.out).toMatch(/fix: correct .*broken\.yaml/);
    expect(r.code).toBe(1);
  });
});
