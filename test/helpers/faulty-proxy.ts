/**
 * A TCP proxy between the controller and a device simulator that can misbehave
 * as a broken peer would: reset the controller's connection (SO_LINGER 0), or
 * write garbage to it. Used by the crash-hunting test to attack the
 * controller's client links without changing the simulators.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class FaultyProxy {
  readonly #target: { host: string; port: number };
  #server: Server | null = null;
  /** the controller-facing ends of open connections */
  readonly #down = new Set<Socket>();
  readonly #up = new Set<Socket>();
  /** connections accepted so far */
  accepted = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<number> {
    const server = createServer((down) => {
      this.accepted++;
      const up = connect(this.#target.port, this.#target.host);
      this.#down.add(down);
      this.#up.add(up);
      const end = () => {
        this.#down.delete(down);
        this.#up.delete(up);
        down.destroy();
        up.destroy();
      };
      down.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
      down.pipe(up);
      up.pipe(down);
    });
    this.#server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  /** Open connections from the controller. */
  get open(): number {
    return this.#down.size;
  }

  /** Resets every connection to the controller (it reads ECONNRESET). */
  reset(): void {
    for (const s of this.#down) if (!s.destroyed) s.resetAndDestroy();
  }

  /** Writes `bytes` to the controller on every connection, as if the device sent them. */
  garbage(bytes: Buffer): void {
    for (const s of this.#down) if (!s.destroyed) s.write(bytes);
  }

  async stop(): Promise<void> {
    for (const s of [...this.#down, ...this.#up]) s.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise((r) => server.close(r));
  }
}
