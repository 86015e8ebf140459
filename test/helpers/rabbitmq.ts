/**
 * A private RabbitMQ node (Debian `rabbitmq-server` 3.10) per test file, run as
 * an ordinary process with every path, port and the Erlang cookie in a temp
 * dir: no service manager, nothing shared with another test or a site broker.
 * `stop()` then `start()` restarts it on the same ports with the same data
 * (broker outage tests); `close()` stops it and its own `epmd`.
 *
 * Measured here: listening after ~7 s, ~140 MB RSS. `guest` logs in from
 * loopback only, which is all a test needs; `addUser` makes other logins.
 *
 * Missing broker: in CI (`CI=true`) a test fails naming the Debian package;
 * elsewhere it may skip (`describe.skipIf(!rabbitAvailable())`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RABBIT_MISSING = 'install Debian package rabbitmq-server';
const SBIN = '/usr/lib/rabbitmq/bin';

export function rabbitAvailable(): boolean {
  const ok = existsSync(join(SBIN, 'rabbitmq-server')) && existsSync(join(SBIN, 'rabbitmqctl'));
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`rabbitmq-server not found: ${RABBIT_MISSING}`);
  console.warn(`skipping RabbitMQ tests: ${RABBIT_MISSING}`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface RabbitNode {
  /** amqp://guest:guest@127.0.0.1:<port>/ */
  url: string;
  port: number;
  start(): Promise<void>;
  /** Stops the node (its data stays; start() brings it back on the same port). */
  stop(): Promise<void>;
  close(): Promise<void>;
  /** rabbitmqctl with this node's environment; throws on a non-zero exit */
  ctl(...args: string[]): string;
  addUser(name: string, password: string): void;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startRabbit(name = 'pickline'): Promise<RabbitNode> {
  const dir = mkdtempSync(join(tmpdir(), 'pickline-rabbit-'));
  const [port, dist, epmd] = [await freePort(), await freePort(), await freePort()];
  const nodename = `${name}-${process.pid}-${port}@localhost`;
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${port}`,
      'disk_free_limit.absolute = 10MB',
      'log.console = false',
      'log.file.level = warning',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(dir, 'home'),
    RABBITMQ_NODENAME: nodename,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(dist),
    ERL_EPMD_PORT: String(epmd),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
    // the Erlang distribution port on loopback too
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  let proc: ChildProcess | null = null;
  const ctl = (...args: string[]): string => {
    const r = spawnSync(join(SBIN, 'rabbitmqctl'), ['-n', nodename, ...args], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`rabbitmqctl ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const node: RabbitNode = {
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    port,
    ctl,
    async start() {
      if (proc) return;
      const p = spawn(join(SBIN, 'rabbitmq-server'), [], { env, stdio: 'ignore' });
      proc = p;
      p.once('exit', () => {
        if (proc === p) proc = null;
      });
      // ~7 s on an idle machine; minutes on a loaded one
      const deadline = Date.now() + 180_000;
      while (!(await portOpen(port))) {
        if (!proc) throw new Error(`rabbitmq-server exited at start (logs in ${dir}/log)`);
        if (Date.now() > deadline) throw new Error('rabbitmq-server did not listen within 180 s');
        await new Promise((r) => setTimeout(r, 200));
      }
      // the port opens before the boot steps end: wait until the node says it runs
      spawnSync(join(SBIN, 'rabbitmqctl'), ['-n', nodename, 'await_startup'], {
        env,
        timeout: 60_000,
      });
    },
    async stop() {
      const p = proc;
      if (!p) return;
      spawnSync(join(SBIN, 'rabbitmqctl'), ['-n', nodename, 'stop'], { env, timeout: 60_000 });
      await new Promise<void>((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve();
        const t = setTimeout(() => {
          p.kill('SIGKILL');
        }, 20_000);
        p.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
      proc = null;
    },
    async close() {
      await node.stop();
      spawnSync('epmd', ['-port', String(epmd), '-kill'], { env, stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
    addUser(name: string, password: string) {
      ctl('add_user', name, password);
      ctl('set_permissions', '-p', '/', name, '.*', '.*', '.*');
    },
  };
  await node.start();
  return node;
}
