/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1; CONTRACTS.md §2) with
 * per-device security. Every module and scanner logs in with its own id as
 * username and its own secret (`secretHash`: scrypt, verified off the event
 * loop, then cached as a SHA-256 fingerprint; a plain `secret` is kept only as
 * such a fingerprint; never logged).
 * Anonymous clients and wrong secrets are refused. A module may publish only
 * its own `ack`, `button` and `status` (its last will included) and
 * subscribe only to its own `set`; a scanner may publish only its own
 * `scan`. Only the controller's own user, whose secret is made fresh at each
 * start, may publish `set` and `events/#` and subscribe to the rest.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { fingerprint, verifySecretAsync } from '../../config/secret.ts';
import type { DriverLogger } from '../common/logger.ts';
import { ROOT } from './topics.ts';

export interface DeviceCredential {
  id: string;
  secret?: string;
  secretHash?: string;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  tls?: { port: number; cert: string; key: string };
  modules: DeviceCredential[];
  scanners: DeviceCredential[];
  log: DriverLogger;
}

/** messages the broker handles at once before queueing (see start()) */
const BURST = 65536;

/** The controller's username: not a valid device id, so no device can take it. */
export const CONTROLLER_USER = 'pickline$controller';

type Role = { kind: 'controller' } | { kind: 'module' | 'scanner'; id: string };

const ROLE = Symbol('pickline role');
type Tagged = Client & { [ROLE]?: Role };

export class EmbeddedBroker {
  readonly controllerSecret = randomBytes(24).toString('hex');
  readonly #hashes = new Map<string, { kind: 'module' | 'scanner'; hash: string }>();
  /** id → fingerprint of the secret that last logged in (a reconnect storm skips the KDF) */
  readonly #verified = new Map<string, string>();
  #aedes: Aedes | null = null;
  #servers: Server[] = [];
  #address: { host: string; port: number; tlsPort?: number } | null = null;
  /** refused logins and publishes/subscriptions, for tests and /status */
  readonly refused = { logins: 0, publishes: 0, subscriptions: 0 };
  /** subscriptions granted so far */
  granted = 0;

  constructor(private readonly o: EmbeddedBrokerOptions) {}

  get address(): { host: string; port: number; tlsPort?: number } {
    if (!this.#address) throw new Error('embedded broker not started');
    return this.#address;
  }

  get url(): string {
    return `mqtt://${this.address.host}:${this.address.port}`;
  }

  /** Replaces the device credentials (rotation); connected devices keep their session until they reconnect. */
  setDevices(modules: DeviceCredential[], scanners: DeviceCredential[]): void {
    this.#hashes.clear();
    this.#verified.clear();
    for (const [kind, list] of [
      ['module', modules],
      ['scanner', scanners],
    ] as const)
      for (const d of list) {
        // a plain `secret` sits in the site file anyway: a fingerprint in memory
        // is as good as a KDF and costs nothing at start (5,000 modules)
        this.#hashes.set(d.id, { kind, hash: d.secretHash ?? `plain:${d.id}` });
        if (!d.secretHash) this.#verified.set(d.id, fingerprint(d.secret ?? '', `plain:${d.id}`));
      }
  }

  async start(): Promise<void> {
    this.setDevices(this.o.modules, this.o.scanners);
    const aedes = await Aedes.createBroker({
      // aedes queues messages beyond `concurrency` and drains the queue
      // recursively: thousands of wills at once (an access point going down)
      // overflowed the stack at the default 100. No fleet bursts past this.
      concurrency: BURST,
      authenticate: (c, u, p, done) => this.#authenticate(c as Tagged, u, p, done),
      authorizePublish: (c, packet, done) =>
        done(this.#mayPublish(c as Tagged | null, packet.topic)),
      authorizeSubscribe: (c, sub, done) => {
        if (this.#maySubscribe(c as Tagged, sub.topic)) {
          this.granted++;
          done(null, sub);
          return;
        }
        this.refused.subscriptions++;
        this.o.log.warn({ client: c.id, topic: sub.topic }, 'mqtt subscription refused');
        done(null, null);
      },
    });
    this.#aedes = aedes;
    // small request/answer messages: Nagle's algorithm would hold each one back
    const plain = createServer((socket) => {
      socket.setNoDelay(true);
      aedes.handle(socket);
    });
    this.#servers.push(plain);
    const port = await listen(plain, this.o.port, this.o.host);
    let tlsPort: number | undefined;
    if (this.o.tls) {
      const secure = createTlsServer(
        { cert: readFileSync(this.o.tls.cert), key: readFileSync(this.o.tls.key) },
        aedes.handle,
      );
      this.#servers.push(secure as unknown as Server);
      tlsPort = await listen(secure as unknown as Server, this.o.tls.port, this.o.host);
    }
    this.#address = { host: this.o.host, port, ...(tlsPort ? { tlsPort } : {}) };
    this.o.log.info({ url: this.url, tlsPort }, 'embedded mqtt broker listening');
  }

  /** Idempotent. */
  async stop(): Promise<void> {
    const servers = this.#servers.splice(0);
    const aedes = this.#aedes;
    this.#aedes = null;
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  #authenticate(
    c: Tagged,
    username: string | undefined,
    password: Buffer | undefined,
    done: (e: (Error & { returnCode: number }) | null, ok: boolean | null) => void,
  ): void {
    const secret = password?.toString() ?? '';
    const refuse = () => {
      this.refused.logins++;
      this.o.log.warn({ client: c.id, username: username ?? null }, 'mqtt login refused');
      done(Object.assign(new Error('bad username or password'), { returnCode: 4 }), false);
    };
    const accept = (role: Role) => {
      c[ROLE] = role;
      done(null, true);
    };
    if (username === CONTROLLER_USER) {
      if (secret === this.controllerSecret) accept({ kind: 'controller' });
      else refuse();
      return;
    }
    const d = username ? this.#hashes.get(username) : undefined;
    if (!username || !d) {
      refuse();
      return;
    }
    const fp = fingerprint(secret, d.hash);
    if (this.#verified.get(username) === fp) {
      accept({ kind: d.kind, id: username });
      return;
    }
    if (d.hash.startsWith('plain:')) {
      refuse();
      return;
    }
    verifySecretAsync(secret, d.hash).then((ok) => {
      // credentials may have been rotated while the KDF ran
      if (!ok || this.#hashes.get(username) !== d) return refuse();
      this.#verified.set(username, fp);
      accept({ kind: d.kind, id: username });
    });
  }

  #mayPublish(c: Tagged | null, t: string): Error | null {
    // null: the broker's own publishes (none from Pickline besides clients)
    const role = c ? c[ROLE] : { kind: 'controller' as const };
    if (role?.kind === 'controller' && t.startsWith(`${ROOT}/`)) return null;
    if (role?.kind === 'module') {
      const own = `${ROOT}/modules/${role.id}/`;
      if (['ack', 'button', 'status'].some((k) => t === own + k)) return null;
    }
    if (role?.kind === 'scanner' && t === `${ROOT}/scanners/${role.id}/scan`) return null;
    this.refused.publishes++;
    this.o.log.warn({ client: c?.id, topic: t }, 'mqtt publish refused');
    return new Error(`may not publish ${t}`);
  }

  #maySubscribe(c: Tagged, t: string): boolean {
    const role = c[ROLE];
    if (role?.kind === 'controller') return t.startsWith(`${ROOT}/`);
    if (role?.kind === 'module') return t === `${ROOT}/modules/${role.id}/set`;
    return false;
  }
}

function listen(s: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      const a = s.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}
