/**
 * One AMQP connection kept up for as long as the controller runs
 * (docs/CONTRACTS.md §6 "Faults"): the configured nodes are tried in turn;
 * after a round in which none answered, it waits with exponential backoff
 * (0.5 s doubling, at most 30 s, jitter factor 0.5–1) and tries again. A
 * connection that closes for any reason (broker restart, node down, a
 * channel error the session handler turns into a close) starts the same loop.
 * Every `up` runs the session handler (declare, consume, relay) on the new
 * connection; the handler's promise ends when that session is over.
 *
 * A refused login is logged as such, with the user and node, because it is a
 * configuration problem a person must fix; the loop keeps trying (the broker
 * admin may be adding the user).
 */
import type { ChannelModel } from 'amqplib';
import { connect } from 'amqplib';
import type { Logger } from 'pino';

export interface LinkOptions {
  urls: string[];
  /** TLS material and socket options for amqps:// (read at each connect: files may be renewed) */
  socketOptions: () => Record<string, unknown>;
  heartbeatS: number;
  connectionName: string;
  logger: Logger;
  /** Runs one session on a fresh connection; resolves when the session is over. */
  session: (conn: ChannelModel) => Promise<void>;
  random?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export class AmqpLink {
  readonly #o: LinkOptions;
  #conn: ChannelModel | null = null;
  #stopped = true;
  #loop: Promise<void> | null = null;
  #wait: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  #index = 0;
  /** the node of the live connection (password hidden), or null */
  node: string | null = null;
  lastError: string | null = null;
  connects = 0;

  constructor(o: LinkOptions) {
    this.#o = o;
  }

  get connected(): boolean {
    return this.#conn !== null;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#wait) {
      clearTimeout(this.#wait.timer);
      this.#wait.resolve();
    }
    const c = this.#conn;
    if (c) await c.close().catch(() => {});
    await this.#loop;
    this.#loop = null;
  }

  async #run(): Promise<void> {
    const o = this.#o;
    let failedRounds = 0;
    let failedInRound = 0;
    while (!this.#stopped) {
      const url = o.urls[this.#index % o.urls.length];
      const node = redactUrl(url);
      let conn: ChannelModel;
      try {
        conn = await connect(withHeartbeat(url, o.heartbeatS), {
          ...o.socketOptions(),
          noDelay: true,
          timeout: 10_000,
          clientProperties: { connection_name: o.connectionName },
        });
      } catch (e) {
        this.#failed(node, e as Error);
        this.#index += 1;
        failedInRound += 1;
        if (failedInRound >= o.urls.length) {
          failedInRound = 0;
          await this.#sleep(this.#backoff(++failedRounds));
        }
        continue;
      }
      if (this.#stopped) {
        await conn.close().catch(() => {});
        break;
      }
      failedRounds = 0;
      failedInRound = 0;
      this.connects += 1;
      const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
      conn.on('error', (err: Error) => {
        this.lastError = err.message;
        o.logger.warn({ node, err: err.message }, 'amqp connection error');
      });
      this.#conn = conn;
      this.node = node;
      this.lastError = null;
      o.logger.info({ node }, 'amqp connected');
      try {
        await o.session(conn);
      } catch (e) {
        this.lastError = (e as Error).message;
        o.logger.error({ node, err: (e as Error).message }, 'amqp session failed');
        await conn.close().catch(() => {});
      }
      await closed;
      this.#conn = null;
      this.node = null;
      if (this.#stopped) break;
      o.logger.warn(
        { node, err: this.lastError ?? 'closed' },
        'amqp connection lost; reconnecting',
      );
      this.#index += 1; // the node may be the one that went down: the next one first
      await this.#sleep(this.#backoff(1));
    }
  }

  #failed(node: string, e: Error): void {
    this.lastError = e.message;
    if (/ACCESS_REFUSED|403/.test(e.message)) {
      const user = userOf(node);
      this.#o.logger.error(
        { node, user, err: e.message },
        `amqp login refused for user "${user}" at ${node}: check amqp.url credentials and the user's vhost permissions`,
      );
    } else {
      this.#o.logger.warn({ node, err: e.message }, 'amqp broker not reachable');
    }
  }

  #backoff(attempt: number): number {
    const initial = this.#o.initialBackoffMs ?? 500;
    const max = this.#o.maxBackoffMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.5 + 0.5 * (this.#o.random ?? Math.random)()));
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#wait = null;
        resolve();
      }, ms);
      this.#wait = { timer, resolve };
    });
  }
}

/** amqp://user:secret@host/vhost → amqp://user:***@host/vhost (logs, status). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'amqp://(unparsable url)';
  }
}

/** The heartbeat as a URL parameter (amqplib reads it there), unless the URL sets one. */
function withHeartbeat(url: string, seconds: number): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(seconds));
    return u.toString();
  } catch {
    return url;
  }
}

function userOf(node: string): string {
  try {
    return decodeURIComponent(new URL(node).username) || 'guest';
  } catch {
    return '?';
  }
}
