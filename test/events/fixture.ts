/**
 * A store + outbox on a temp SQLite file, a simulated WMS and dispatchers,
 * all stopped by `close()`. Events are appended the way the engine does:
 * `store.tx(() => outbox.append(...))`.
 */
import type { WebhookConfig } from '../../config/schema.ts';
import { type EventType, Outbox, type PicklineEvent } from '../../controller/events/outbox.ts';
import {
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from '../../controller/events/webhooks.ts';
import { Store } from '../../controller/store/db.ts';
import { WmsSimulator } from '../../simulators/wms/index.ts';
import { tempDir } from '../helpers/harness.ts';

export const SECRET = 'wms-shared-secret';

export interface Fixture {
  dbPath: string;
  store: Store;
  outbox: Outbox;
  wms: WmsSimulator;
  url: string;
  /** appends `n` events, one transaction each; returns them */
  append(n: number, type?: EventType): PicklineEvent[];
  /** a started dispatcher, stopped by close(); small backoff by default */
  dispatcher(
    webhook?: Partial<WebhookConfig>,
    opts?: Partial<WebhookDispatcherOptions>,
  ): WebhookDispatcher;
  /** closes the store and opens it again on the same file (a restart) */
  reopenStore(): void;
  close(): Promise<void>;
}

export async function fixture(): Promise<Fixture> {
  const tmp = tempDir('pickline-webhooks-');
  const dbPath = `${tmp.dir}/pl.db`;
  const wms = new WmsSimulator({ secret: SECRET });
  const { url } = await wms.start();
  const dispatchers: WebhookDispatcher[] = [];
  let n = 0;
  const f: Fixture = {
    dbPath,
    store: new Store(dbPath),
    outbox: null as unknown as Outbox,
    wms,
    url,
    append(count, type = 'line.picked') {
      return Array.from({ length: count }, () => {
        n += 1;
        const data = { waveId: 'W-1', orderId: 'O-1', lineId: `O-1-${n}`, requested: 1, picked: 1 };
        return f.store.tx(() => f.outbox.append(type, data));
      });
    },
    dispatcher(webhook = {}, opts = {}) {
      const d = new WebhookDispatcher({
        store: f.store,
        outbox: f.outbox,
        webhooks: [{ url, secret: SECRET, maxBackoffMs: 200, timeoutMs: 2000, ...webhook }],
        initialBackoffMs: 20,
        ...opts,
      });
      d.start();
      dispatchers.push(d);
      return d;
    },
    reopenStore() {
      f.store.stop();
      f.store = new Store(dbPath);
      f.store.start();
      f.outbox = new Outbox(f.store);
    },
    async close() {
      await Promise.all(dispatchers.map((d) => d.stop()));
      await wms.stop();
      f.store.stop();
      tmp.remove();
    },
  };
  f.store.start();
  f.outbox = new Outbox(f.store);
  return f;
}

export const seqs = (events: { seq: number }[]): number[] => events.map((e) => e.seq);
export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
