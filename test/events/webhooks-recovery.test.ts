/**
 * Durability of webhook delivery (CONTRACTS.md §1 "Events to the WMS"): events
 * wait in the outbox while the WMS is down; a restart resumes after the last
 * acknowledged event and re-sends at most the one in flight.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WmsSimulator } from '../../simulators/wms/index.ts';
import { until } from '../kit/until.ts';
import { type Fixture, fixture, range, SECRET, seqs } from './fixture.ts';

let f: Fixture;
beforeEach(async () => {
  f = await fixture();
});
afterEach(async () => {
  vi.useRealTimers();
  await f.close();
});

const cursorOf = (url: string) =>
  (
    f.store.db.prepare('SELECT delivered_seq FROM webhook_cursors WHERE url = ?').get(url) as {
      delivered_seq: number;
    }
  ).delivered_seq;

describe('restart', () => {
  it('a restarted dispatcher resumes after the last acknowledged event', async () => {
    await f.wms.setMode('slow', 20);
    f.append(40);
    const first = f.dispatcher();
    await f.wms.waitForEvents(10, 10_000);
    await first.stop(); // aborts the request in flight
    const acked = cursorOf(f.url);
    expect(acked).toBe(first.status()[0].deliveredSeq);
    expect(acked).toBeGreaterThanOrEqual(9);
    await f.wms.setMode('up');
    const second = f.dispatcher();
    expect(second.status()[0].deliveredSeq).toBe(acked);
    await second.drained(10_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 40));
    // at most the event in flight at stop() reached the WMS twice
    expect(f.wms.counters.duplicates).toBeLessThanOrEqual(1);
    expect(f.wms.counters.outOfOrder).toBe(0);
  });

  it('resumes on a reopened store (same SQLite file) with events appended meanwhile', async () => {
    await f.wms.setMode('slow', 20);
    f.append(30);
    const first = f.dispatcher();
    await f.wms.waitForEvents(5, 10_000);
    await first.stop();
    f.reopenStore();
    const more = f.append(10);
    expect(more[0].seq).toBe(31);
    await f.wms.setMode('up');
    const second = f.dispatcher();
    await second.drained(10_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 40));
    expect(new Set(f.wms.events.map((e) => e.eventId)).size).toBe(40);
    expect(f.wms.counters.duplicates).toBeLessThanOrEqual(1);
    expect(cursorOf(f.url)).toBe(40);
  });
});

describe('start position of a webhook', () => {
  it('a new URL gets everything still in the outbox; a known URL resumes at its cursor', async () => {
    f.append(5);
    const first = f.dispatcher();
    await first.drained(10_000);
    await first.stop();
    const other = new WmsSimulator({ secret: SECRET });
    const { url } = await other.start();
    try {
      f.append(2);
      const d = f.dispatcher(
        {},
        {
          webhooks: [
            { url: f.url, secret: SECRET },
            { url, secret: SECRET },
          ],
        },
      );
      await d.drained(10_000);
      expect(seqs(other.events)).toEqual(range(1, 7));
      expect(seqs(f.wms.events)).toEqual(range(1, 7));
      expect(f.wms.counters.duplicates).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it("newWebhookStart 'latest' starts a new URL after the newest event", async () => {
    f.append(5);
    const d = f.dispatcher({}, { newWebhookStart: 'latest' });
    expect(d.status()[0]).toMatchObject({ deliveredSeq: 5, pending: 0 });
    f.append(2);
    await d.drained(10_000);
    expect(seqs(f.wms.events)).toEqual([6, 7]);
  });
});

describe('a WMS that is down', () => {
  it('keeps events in the outbox through an outage and drains them in order when it is back', async () => {
    await f.wms.setMode('down-refuse');
    const d = f.dispatcher({ maxBackoffMs: 100 });
    for (let i = 0; i < 20; i++) {
      f.append(10);
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => d.status()[0].attempts >= 5, 'five failed attempts', 10_000);
    const s = d.status()[0];
    expect(s).toMatchObject({ deliveredSeq: 0, pending: 200 });
    // the retry already scheduled comes at most maxBackoffMs after now
    expect(Date.parse(s.nextAttemptAt ?? '') - Date.now()).toBeLessThanOrEqual(100);
    await f.wms.setMode('up');
    await d.drained(50_000);
    expect(seqs(f.wms.events)).toEqual(range(1, 200));
    expect(f.wms.counters).toMatchObject({ duplicates: 0, outOfOrder: 0 });
  }, 60_000);

  it('an hour of outage (fake clock, default 60 s cap): retries at most every 60 s, then drains', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let up = false;
    const attempts: { at: number; seq: number; ok: boolean }[] = [];
    const bodies: string[] = [];
    const wms = (async (_url: string | URL | Request, init?: RequestInit) => {
      const body = String(init?.body);
      const headers = init?.headers as Record<string, string>;
      attempts.push({ at: Date.now(), seq: JSON.parse(body).seq, ok: up });
      if (!up) {
        const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:443'), {
          code: 'ECONNREFUSED',
        });
        throw new TypeError('fetch failed', { cause });
      }
      const want = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      if (headers['X-Pickline-Signature'] !== want)
        return new Response('bad signature', { status: 401 });
      bodies.push(body);
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    const read = vi.spyOn(f.outbox, 'read');
    f.append(5);
    const d = f.dispatcher(
      { url: 'https://wms.example/pickline', maxBackoffMs: undefined, timeoutMs: undefined },
      { fetchImpl: wms, initialBackoffMs: undefined },
    );
    for (let minute = 0; minute < 60; minute++) {
      f.append(6);
      await vi.advanceTimersByTimeAsync(60_000);
    }
    const total = 365;
    expect(d.status()[0]).toMatchObject({ deliveredSeq: 0, pending: total });
    // strict order: nothing after the first event was ever attempted
    expect(attempts.every((a) => a.seq === 1 && !a.ok)).toBe(true);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(60_000);
    expect(attempts.length).toBeGreaterThanOrEqual(60);

    up = true;
    const recoveredAt = Date.now();
    for (let i = 0; i < 120 && bodies.length === 0; i++) await vi.advanceTimersByTimeAsync(1000);
    const first = attempts.find((a) => a.ok);
    expect(first && first.at - recoveredAt).toBeLessThanOrEqual(60_000);
    for (let i = 0; i < 20_000 && bodies.length < total; i++) await vi.advanceTimersByTimeAsync(1);
    expect(bodies.map((b) => JSON.parse(b).seq)).toEqual(range(1, total));
    expect(d.status()[0]).toMatchObject({ deliveredSeq: total, pending: 0, attempts: 0 });
    // the backlog was read from SQLite a page at a time, never whole
    expect(Math.max(...read.mock.calls.map((c) => c[1]))).toBeLessThanOrEqual(100);
    await d.stop();
  }, 60_000);
});
