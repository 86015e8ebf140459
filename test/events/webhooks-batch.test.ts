/**
 * Webhook batch mode (`webhooks[].batchSize`, docs/contract-extensions.md):
 * up to N events per POST as a JSON array in seq order, one HMAC signature
 * over the raw body, X-Pickline-Seq-First / -Last; a failure retries the
 * whole batch; a `types` filter applies inside batches. And the grouped
 * cursor writes of per-event delivery.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture, range, SECRET, seqs } from './fixture.ts';

let f: Fixture;
beforeEach(async () => {
  f = await fixture();
});
afterEach(async () => {
  await f.close();
});

describe('batch mode', () => {
  it('sends every event once, in order, batchSize at a time, signed over the array', async () => {
    f.append(20);
    const d = f.dispatcher({ batchSize: 7 });
    await d.drained(10_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 20));
    expect(f.wms.counters.requests).toBe(3); // 7 + 7 + 6
    expect(f.wms.counters.badSignatures).toBe(0);
    expect(f.wms.counters.malformed).toBe(0);
  });

  it('retries the whole batch after a failure, without gaps or reordering', async () => {
    f.append(10);
    await f.wms.failNext(2);
    const d = f.dispatcher({ batchSize: 4 });
    await d.drained(10_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 10));
    expect(f.wms.counters.outOfOrder).toBe(0);
  });

  it('applies the types filter inside batches and moves the cursor over skipped events', async () => {
    f.append(3, 'line.picked');
    f.append(3, 'device.offline');
    f.append(3, 'line.picked');
    const d = f.dispatcher({ batchSize: 100, types: ['line.picked'] });
    await d.drained(10_000);
    expect(seqs(f.wms.events)).toEqual([1, 2, 3, 7, 8, 9]);
    expect(d.status()[0].deliveredSeq).toBe(9);
  });

  it('puts the array, its signature and the seq headers on the wire', async () => {
    const seen: { headers: Record<string, unknown>; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      f.append(3);
      const d = f.dispatcher({ url: `http://127.0.0.1:${port}/batch`, batchSize: 10 });
      await d.drained(10_000);
      expect(seen).toHaveLength(1);
      const { headers, body } = seen[0];
      const list = JSON.parse(body) as { seq: number; eventId: string }[];
      expect(list.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(headers['x-pickline-seq-first']).toBe('1');
      expect(headers['x-pickline-seq-last']).toBe('3');
      const want = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      expect(headers['x-pickline-signature']).toBe(want);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('per-event delivery with grouped cursor writes', () => {
  it('writes the cursor far fewer times than it delivers while draining a backlog', async () => {
    f.append(300);
    let writes = 0;
    f.store.db.function('count_cursor_write', () => {
      writes += 1;
      return 0;
    });
    f.store.db.exec(`CREATE TEMP TRIGGER cw AFTER UPDATE OF delivered_seq ON webhook_cursors
      BEGIN SELECT count_cursor_write(); END`);
    const d = f.dispatcher();
    await d.drained(30_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 300));
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(300);
    // caught up: the durable cursor is the newest event at once
    const row = f.store.db
      .prepare('SELECT delivered_seq AS s FROM webhook_cursors WHERE url = ?')
      .get(f.url) as { s: number };
    expect(row.s).toBe(300);
  });
});
