/**
 * WebhookDispatcher against the simulated WMS over real HTTP (CONTRACTS.md §1
 * "Events to the WMS"): signature, headers and body, seq order, retries.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../controller/events/webhooks.ts';
import { postWave } from '../../simulators/wms/index.ts';
import { demoWave, harness, TOKENS, tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';
import { type Fixture, fixture, range, SECRET, seqs } from './fixture.ts';

let f: Fixture;
beforeEach(async () => {
  f = await fixture();
});
afterEach(async () => {
  await f.close();
});

const hmac = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex')}`;

describe('webhook requests', () => {
  it('signs the raw body with HMAC-SHA256 and sends the contract headers', async () => {
    const appended = f.append(3);
    const d = f.dispatcher();
    await d.drained(10_000);
    expect(f.wms.counters).toMatchObject({ accepted: 3, badSignatures: 0, duplicates: 0 });
    for (const [i, got] of f.wms.events.entries()) {
      expect(got.headers['x-pickline-signature']).toBe(hmac(got.raw));
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['x-pickline-event-id']).toBe(appended[i].eventId);
      expect(got.headers['x-pickline-seq']).toBe(String(appended[i].seq));
      expect(got.headers['user-agent']).toMatch(/^pickline\/\d+\.\d+\.\d+/);
      expect(JSON.parse(got.raw)).toEqual(appended[i]);
    }
  });

  it('answers 401 to a wrong secret, keeps retrying and delivers nothing', async () => {
    f.append(2);
    const d = f.dispatcher({ secret: 'not-the-wms-secret' });
    await until(() => d.status()[0].attempts >= 3, 'three rejected attempts', 10_000);
    expect(f.wms.counters.badSignatures).toBeGreaterThanOrEqual(3);
    expect(f.wms.counters.accepted).toBe(0);
    const [s] = d.status();
    expect(s).toMatchObject({
      deliveredSeq: 0,
      pending: 2,
      lastError: expect.stringMatching(/^HTTP 401/),
    });
    expect(s.attempts).toBeGreaterThanOrEqual(3);
    expect(Date.parse(s.nextAttemptAt ?? '')).not.toBeNaN();
  });

  it('posts the event exactly as the pull feed returns it (end to end from POST /waves)', async () => {
    const tmp = tempDir();
    const h = await harness(`${tmp.dir}/pl.db`);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const d = new WebhookDispatcher({
      store: h.store,
      outbox: h.outbox,
      webhooks: [{ url: f.url, secret: SECRET }],
    });
    try {
      d.start();
      expect((await postWave(base, TOKENS.wms, demoWave('W-77'))).status).toBe(201);
      expect((await postWave(base, TOKENS.wms, demoWave('W-77'))).status).toBe(200);
      const [got] = await f.wms.waitForEvents(1, 10_000);
      const feed = await fetch(`${base}/api/v1/events?after=0`, {
        headers: { authorization: `Bearer ${TOKENS.wms}` },
      });
      const { events } = (await feed.json()) as { events: unknown[] };
      expect(events).toHaveLength(1);
      expect(JSON.parse(got.raw)).toEqual(events[0]);
      expect(got).toMatchObject({ type: 'wave.accepted', data: { waveId: 'W-77' } });
      expect(got.headers['x-pickline-signature']).toBe(hmac(got.raw));
    } finally {
      await d.stop();
      await h.close();
      tmp.remove();
    }
  });
});

describe('ordering and retries', () => {
  it('delivers a backlog and new events strictly in seq order, one request at a time', async () => {
    f.append(120); // more than one page
    const d = f.dispatcher({}, { pageSize: 25 });
    await f.wms.waitForEvents(10, 10_000);
    f.append(30); // appended while delivering: wakes the loop, keeps the order
    await d.drained(50_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 150));
    expect(f.wms.counters).toMatchObject({ outOfOrder: 0, duplicates: 0, maxInFlight: 1 });
    expect(d.status()).toEqual([
      {
        url: f.url,
        deliveredSeq: 150,
        pending: 0,
        attempts: 0,
        lastError: null,
        nextAttemptAt: null,
      },
    ]);
  }, 60_000);

  it('wakes at once for an event appended while idle', async () => {
    const d = f.dispatcher({}, { idlePollMs: 60_000 });
    await until(() => d.status()[0].pending === 0, 'nothing pending', 10_000);
    f.append(1);
    // with a 60 s poll only the outbox's onEvent can deliver it within the test timeout
    await f.wms.waitForEvents(1, 10_000);
  });

  it('retries after 500s and delivers everything in order without losing one', async () => {
    f.append(10);
    f.wms.failNext(4);
    const d = f.dispatcher();
    await d.drained(10_000);
    expect(f.wms.counters.faulted).toBe(4);
    expect(seqs(f.wms.events)).toEqual(range(1, 10));
    expect(f.wms.counters).toMatchObject({ duplicates: 0, outOfOrder: 0 });
  });

  it('retries refused connections until the WMS listens again', async () => {
    await f.wms.setMode('down-refuse');
    f.append(20);
    const d = f.dispatcher();
    await until(() => d.status()[0].attempts >= 3, 'three refused attempts', 10_000);
    expect(d.status()[0].lastError).toMatch(/ECONNREFUSED/);
    expect(f.wms.counters.requests).toBe(0);
    f.append(5);
    await f.wms.setMode('up');
    await d.drained(10_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 25));
    expect(f.wms.counters).toMatchObject({ duplicates: 0, outOfOrder: 0 });
  });

  it('retries 503s of a WMS that is down', async () => {
    await f.wms.setMode('down-503');
    f.append(5);
    const d = f.dispatcher();
    await until(() => f.wms.counters.faulted >= 3, 'three 503s', 10_000);
    expect(d.status()[0].lastError).toMatch(/^HTTP 503/);
    await f.wms.setMode('up');
    await d.drained(10_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 5));
  });

  it('times out a receiver that does not answer, re-sends, and the receiver dedupes', async () => {
    await f.wms.setMode('slow', 1500);
    f.append(6);
    const d = f.dispatcher({ timeoutMs: 150 });
    await until(() => (d.status()[0].lastError ?? '').startsWith('timeout'), 'a timeout', 10_000);
    await f.wms.setMode('up');
    await d.drained(10_000);
    // the first event was recorded on every timed-out attempt: duplicates of the same id only
    expect(f.wms.counters.duplicates).toBeGreaterThanOrEqual(1);
    expect(seqs(f.wms.events)).toEqual(range(1, 6));
    expect(new Set(f.wms.events.map((e) => e.eventId)).size).toBe(6);
    expect(f.wms.counters.outOfOrder).toBe(0);
  });

  it('waits for a receiver that answers 2xx slowly, without re-sending', async () => {
    await f.wms.setMode('slow', 100);
    f.append(8);
    const d = f.dispatcher({ timeoutMs: 5000 });
    await d.drained(15_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 8));
    expect(f.wms.counters).toMatchObject({ duplicates: 0, maxInFlight: 1 });
  });
});

describe('types filter', () => {
  it('sends only the listed types and advances its cursor past the others', async () => {
    f.append(3, 'wave.accepted');
    f.append(2, 'line.picked');
    f.append(3, 'device.offline');
    f.append(1, 'line.picked');
    const d = f.dispatcher({ types: ['line.picked'] });
    await d.drained(10_000);
    expect(f.wms.events.map((e) => [e.seq, e.type])).toEqual([
      [4, 'line.picked'],
      [5, 'line.picked'],
      [9, 'line.picked'],
    ]);
    f.append(2, 'device.online');
    await d.drained(10_000);
    expect(d.status()[0]).toMatchObject({ deliveredSeq: 11, pending: 0 });
    await d.stop();
    const row = f.store.db.prepare('SELECT delivered_seq FROM webhook_cursors').get();
    expect(row).toEqual({ delivered_seq: 11 });
  });
});

describe('lifecycle', () => {
  it('stop() aborts a request in flight, is idempotent, and nothing is sent afterwards', async () => {
    await f.wms.setMode('slow', 60_000);
    f.append(2);
    const d = f.dispatcher({ timeoutMs: 30_000 });
    await until(() => f.wms.counters.requests === 1, 'a request in flight', 10_000);
    await Promise.all([d.stop(), d.stop()]);
    await d.stop();
    expect(d.running).toBe(false);
    await f.wms.setMode('up');
    f.append(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(f.wms.counters.requests).toBe(1);
    expect(d.status()[0]).toMatchObject({ deliveredSeq: 0 });
  });

  it('rejects the same URL configured twice', () => {
    const d = new WebhookDispatcher({
      store: f.store,
      outbox: f.outbox,
      webhooks: [
        { url: f.url, secret: 'a' },
        { url: f.url, secret: 'b' },
      ],
    });
    expect(() => d.start()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(d.running).toBe(false);
  });
});
