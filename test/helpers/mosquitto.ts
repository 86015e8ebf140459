/**
 * A real `mosquitto` broker for tests, on a free loopback port, with a
 * password file (`mosquitto_passwd -U`) and an ACL file giving each device
 * only its own topics (CONTRACTS.md §2), and the controller user(s) the
 * whole `pickline/v1` tree. `restart()` stops and starts it on the same
 * port (broker outage tests).
 *
 * Missing mosquitto: in CI (`CI=true`) a test must fail ("install Debian
 * packages mosquitto mosquitto-clients"); elsewhere it may skip. Use
 * `describe.skipIf(!mosquittoAvailable())`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO_MISSING = 'install Debian packages mosquitto mosquitto-clients';
const BIN = ['/usr/sbin/mosquitto', 'mosquitto'];

function bin(): string | null {
  for (const b of BIN) {
    const r = spawnSync(b, ['-h'], { stdio: 'ignore' });
    if (!r.error) return b;
  }
  return null;
}

/** True when mosquitto, mosquitto_passwd and mosquitto_pub run; throws in CI when not. */
export function mosquittoAvailable(): boolean {
  const ok =
    bin() !== null &&
    !spawnSync('mosquitto_passwd', ['-h'], { stdio: 'ignore' }).error &&
    !spawnSync('mosquitto_pub', ['--help'], { stdio: 'ignore' }).error;
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`mosquitto not found: ${MOSQUITTO_MISSING}`);
  console.warn(`skipping mosquitto tests: ${MOSQUITTO_MISSING}`);
  return false;
}

export interface MosquittoUser {
  name: string;
  password: string;
  /** controller: readwrite pickline/v1/#; otherwise a device with only its own topics */
  controller?: boolean;
}

export interface Mosquitto {
  url: string;
  port: number;
  restart(): Promise<void>;
  /** Stops the broker (idempotent; restart() starts it again). */
  kill(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startMosquitto(users: MosquittoUser[]): Promise<Mosquitto> {
  const exe = bin();
  if (!exe) throw new Error(`mosquitto not found: ${MOSQUITTO_MISSING}`);
  const dir = mkdtempSync(join(tmpdir(), 'pickline-mosquitto-'));
  // run as root, mosquitto drops to its own user: it must read these files
  chmodSync(dir, 0o755);
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, users.map((u) => `${u.name}:${u.password}`).join('\n') + '\n');
  const hashed = spawnSync('mosquitto_passwd', ['-U', passwd], { encoding: 'utf8' });
  if (hashed.status !== 0) throw new Error(`mosquitto_passwd failed: ${hashed.stderr}`);
  const acl = [
    ...users
      .filter((u) => u.controller)
      .flatMap((u) => [`user ${u.name}`, 'topic readwrite pickline/v1/#', '']),
    '# devices: only their own topics (%u = username = module or scanner id)',
    'pattern read pickline/v1/modules/%u/set',
    'pattern write pickline/v1/modules/%u/ack',
    'pattern write pickline/v1/modules/%u/button',
    'pattern write pickline/v1/modules/%u/status',
    'pattern write pickline/v1/scanners/%u/scan',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'acl'), acl);
  chmodSync(passwd, 0o644);
  chmodSync(join(dir, 'acl'), 0o644);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${join(dir, 'acl')}`,
      'persistence false',
      'max_connections -1',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    if (child) return;
    const c = spawn(exe, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    let err = '';
    c.stderr?.on('data', (d) => {
      err += d;
    });
    exited = new Promise<void>((r) => c.once('exit', () => r()));
    // ready once the port accepts a connection
    const end = Date.now() + 5000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`mosquitto exited: ${err}`);
      const ok = await new Promise<boolean>((r) => {
        const s = createServer();
        s.once('error', () => r(true));
        s.listen(port, '127.0.0.1', () => s.close(() => r(false)));
      });
      if (ok) return;
      if (Date.now() > end) throw new Error(`mosquitto did not listen on ${port}: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    start,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    close: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
