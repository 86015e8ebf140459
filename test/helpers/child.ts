/**
 * The controller as a child process (`bin/pickline.js start`), for tests in
 * which a crash must be observable: an uncaught error in the test process
 * would take vitest's worker down instead of failing one assertion.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';

export interface ChildController {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** what the child wrote on stderr so far, with its exit code or signal once it ended */
  stderr(): string;
  /** true while the process runs */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after 10 s; resolves when it has exited */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

/** Starts the controller on `configFile` and waits until /readyz answers 200. */
export async function childController(
  configFile: string,
  opts: { env?: Record<string, string>; readyMs?: number } = {},
): Promise<ChildController> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['bin/pickline.js', 'start', '--config', configFile, '--no-console'],
    {
      env: { ...process.env, PICKLINE_API_PORT: String(port), ...opts.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const c: ChildController = {
    child,
    port,
    url,
    stderr: () =>
      child.exitCode === null && child.signalCode === null
        ? stderr
        : `exit ${child.exitCode ?? child.signalCode}: ${stderr}`,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (!c.alive()) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
  const end = Date.now() + (opts.readyMs ?? 60_000);
  for (;;) {
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) return c;
    } catch {
      // not listening yet
    }
    if (!c.alive()) throw new Error(`controller exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > end) {
      await c.stop();
      throw new Error(`controller not ready: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Opens a raw TCP connection, sends `request` and resolves once the first
 * response bytes arrived (or after `waitMs`), with what came back so far.
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  waitMs = 5000,
): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    const done = () => {
      clearTimeout(t);
      resolve({ socket, head });
    };
    const t = setTimeout(done, waitMs);
    socket.on('error', (e) => {
      clearTimeout(t);
      if (head) resolve({ socket, head });
      else reject(e);
    });
    socket.once('connect', () => socket.write(request));
    socket.once('data', (d) => {
      head = d.toString('latin1');
      done();
    });
  });
}

/** A WebSocket upgrade request for `path` (a fixed, valid key). */
export function upgradeRequest(path: string, port: number): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
    'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
    'Sec-WebSocket-Version: 13\r\n\r\n'
  );
}

/** Closes with RST (SO_LINGER 0): the peer's next read or write fails ECONNRESET. */
export function reset(socket: Socket): void {
  socket.on('error', () => {}); // the reset may surface here too
  if (!socket.destroyed) socket.resetAndDestroy();
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
