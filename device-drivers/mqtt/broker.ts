/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1; CONTRACTS.md §2) with
 * per-device security. Every module and scanner logs in with its own id as
 * username and its own secret (`secretHash`: scrypt, verified off the event
 * loop, then cached as a SHA-256 fingerprint; a plain `secret` is kept only as
 * such a fingerprint; never logged).
 * Anonymous clients and wrong secrets are refused. A device's client id must
 * equal its username, so no login can take over another's session (aedes
 * drops the older connection of a client id); ids starting `pickline-` are
 * the controller's own (config refuses such device ids). A module may publish
 * only its own `ack`, `button` and `status` (its last will included) and
 * subscribe only to its own `set`; a scanner may publish only its own `scan`;
 * an event consumer (`mqtt.consumers`) may only subscribe to `events/#`. Only
 * the controller's own user, whose secret is made fresh at each start, may
 * publish `set` and `events/#` and subscribe to the rest.
 * Memory (docs/contract-extensions.md "MQTT"): packet sizes are capped before
 * and after login (packet-guard.ts), and a device may retain only its own
 * `status`, of at most RETAINED_STATUS_BYTES. Retained messages are found
 * by exact topic (retained.ts), not by testing each against the filter.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { fingerprint, verifySecretAsync } from '../../config/secret.ts';
import type { DriverLogger } from '../common/logger.ts';
import { guardSocket, type PacketGuard } from './packet-guard.ts';
import { type ExactRetained, type RetainedPersistence, retainByExactTopic } from './retained.ts';
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
  /** logins that may only subscribe to `events/#` (`mqtt.consumers`) */
  consumers?: DeviceCredential[];
  /** largest packet after login (`mqtt.maxPacketBytes`); the controller's own connections are exempt */
  maxPacketBytes?: number;
  log: DriverLogger;
}

export const DEFAULT_MAX_PACKET_BYTES = 65536;
/** the largest retained `status` a module may leave on the broker */
export const RETAINED_STATUS_BYTES = 4096;
/** the controller's own packets (events) are not capped by `maxPacketBytes` */
const CONTROLLER_MAX_PACKET_BYTES = 256 * 1024 * 1024;
/** client ids of this prefix belong to the controller alone */
export const CONTROLLER_CLIENT_PREFIX = 'pickline-';

/** messages the broker handles at once before queueing (see start()) */
const BURST = 65536;

/** The controller's username: not a valid device id, so no device can take it. */
export const CONTROLLER_USER = 'pickline$controller';

type DeviceKind = 'module' | 'scanner' | 'consumer';
type Role = { kind: 'controller' } | { kind: DeviceKind; id: string };

const ROLE = Symbol('pickline role');
const GUARD = Symbol('pickline packet guard');
type Tagged = Client & { [ROLE]?: Role; [GUARD]?: PacketGuard };

export class EmbeddedBroker {
  readonly controllerSecret = randomBytes(24).toString('hex');
  readonly #hashes = new Map<string, { kind: DeviceKind; hash: string }>();
  /** id → fingerprint of the secret that last logged in (a reconnect storm skips the KDF) */
  readonly #verified = new Map<string, string>();
  #aedes: Aedes | null = null;
  #servers: Server[] = [];
  #address: { host: string; port: number; tlsPort?: number } | null = null;
  /** refused logins and publishes/subscriptions, for tests and /status */
  readonly refused = { logins: 0, publishes: 0, subscriptions: 0, oversized: 0 };
  /** subscriptions granted so far */
  granted = 0;
  /** the retained messages (module `status`), once started */
  retained: ExactRetained | null = null;

  constructor(private readonly o: EmbeddedBrokerOptions) {}

  get address(): { host: string; port: number; tlsPort?: number } {
    if (!this.#address) throw new Error('embedded broker not started');
    return this.#address;
  }

  get url(): string {
    return `mqtt://${this.address.host}:${this.address.port}`;
  }

  /** Replaces the device credentials (rotation); connected devices keep their session until they reconnect. */
  setDevices(
    modules: DeviceCredential[],
    scanners: DeviceCredential[],
    consumers: DeviceCredential[] = [],
  ): void {
    this.#hashes.clear();
    this.#verified.clear();
    for (const [kind, list] of [
      ['module', modules],
      ['scanner', scanners],
      ['consumer', consumers],
    ] as const)
      for (const d of list) {
        // a plain `secret` sits in the site file anyway: a fingerprint in memory
        // is as good as a KDF and costs nothing at start (5,000 modules)
        this.#hashes.set(d.id, { kind, hash: d.secretHash ?? `plain:${d.id}` });
        if (!d.secretHash) this.#verified.set(d.id, fingerprint(d.secret ?? '', `plain:${d.id}`));
      }
  }

  async start(): Promise<void> {
    this.setDevices(this.o.modules, this.o.scanners, this.o.consumers);
    const aedes = await Aedes.createBroker({
      // aedes queues messages beyond `concurrency` and drains the queue
      // recursively: thousands of wills at once (an access point going down)
      // overflowed the stack at the default 100. No fleet bursts past this.
      concurrency: BURST,
      authenticate: (c, u, p, done) => this.#authenticate(c as Tagged, u, p, done),
      authorizePublish: (c, packet, done) =>
        done(this.#mayPublish(c as Tagged | null, packet.topic, packet.retain, packet.payload)),
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
    // before any connection: every retained message goes to the exact-topic store
    // (aedes' types do not declare `persistence`; aedes 1.x sets it in createBroker)
    this.retained = retainByExactTopic(
      (aedes as unknown as { persistence: RetainedPersistence }).persistence,
    );
    const handle = (socket: Socket) => {
      const guard = guardSocket(socket, (why) => {
        this.refused.oversized++;
        this.o.log.warn({ remote: socket.remoteAddress, why }, 'mqtt connection closed');
      });
      (aedes.handle(socket) as Tagged)[GUARD] = guard;
    };
    // small request/answer messages: Nagle's algorithm would hold each one back
    const plain = createServer((socket) => {
      socket.setNoDelay(true);
      handle(socket);
    });
    this.#servers.push(plain);
    const port = await listen(plain, this.o.port, this.o.host);
    let tlsPort: number | undefined;
    if (this.o.tls) {
      const secure = createTlsServer(
        { cert: readFileSync(this.o.tls.cert), key: readFileSync(this.o.tls.key) },
        handle,
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
    const refuse = (returnCode = 4, why = 'bad username or password') => {
      this.refused.logins++;
      this.o.log.warn({ client: c.id, username: username ?? null, why }, 'mqtt login refused');
      done(Object.assign(new Error(why), { returnCode }), false);
    };
    const accept = (role: Role) => {
      c[ROLE] = role;
      c[GUARD]?.authenticated(
        role.kind === 'controller'
          ? CONTROLLER_MAX_PACKET_BYTES
          : (this.o.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES),
      );
      done(null, true);
    };
    if (username === CONTROLLER_USER) {
      if (secret === this.controllerSecret) accept({ kind: 'controller' });
      else refuse();
      return;
    }
    // CONNACK 2 "identifier rejected": a device connects as itself only, so
    // it can never take over the controller's (or another device's) session
    if (username && (c.id !== username || c.id.startsWith(CONTROLLER_CLIENT_PREFIX))) {
      refuse(2, `client id ${c.id} is not the username`);
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

  /** A refused publish (a will included) closes the publisher's connection (aedes, MQTT 3.1.1). */
  #mayPublish(
    c: Tagged | null,
    t: string,
    retain: boolean,
    payload: Buffer | string | undefined,
  ): Error | null {
    // null: the broker's own publishes (none from Pickline besides clients)
    const role = c ? c[ROLE] : { kind: 'controller' as const };
    if (role?.kind === 'controller' && t.startsWith(`${ROOT}/`)) return null;
    if (role?.kind === 'module') {
      const own = `${ROOT}/modules/${role.id}/`;
      // only the status may stay on the broker, and only a small one
      const size = payload?.length ?? 0;
      if (retain && (t !== `${own}status` || size > RETAINED_STATUS_BYTES))
        return this.#refusePublish(c, t, `may not retain ${size} bytes on ${t}`);
      if (['ack', 'button', 'status'].some((k) => t === own + k)) return null;
    }
    if (role?.kind === 'scanner' && t === `${ROOT}/scanners/${role.id}/scan` && !retain)
      return null;
    return this.#refusePublish(c, t, `may not publish ${t}`);
  }

  #refusePublish(c: Tagged | null, t: string, why: string): Error {
    this.refused.publishes++;
    this.o.log.warn({ client: c?.id, topic: t, why }, 'mqtt publish refused');
    return new Error(why);
  }

  #maySubscribe(c: Tagged, t: string): boolean {
    const role = c[ROLE];
    if (role?.kind === 'controller') return t.startsWith(`${ROOT}/`);
    if (role?.kind === 'module') return t === `${ROOT}/modules/${role.id}/set`;
    // a filter below events/ matches nothing else, wildcards included
    if (role?.kind === 'consumer') return t.startsWith(`${ROOT}/events/`);
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
