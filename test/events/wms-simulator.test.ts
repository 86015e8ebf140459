/**
 * The simulated WMS itself: it must catch what a real receiver would (bad
 * signatures, duplicates, disorder) so the dispatcher tests can trust it.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WmsSimulator } from '../../simulators/wms/index.ts';

const SECRET = 's3cret';
let wms: WmsSimulator;
let url: string;

beforeEach(async () => {
  wms = new WmsSimulator({ secret: SECRET });
  ({ url } = await wms.start());
});
afterEach(async () => {
  await wms.stop();
});

const event = (seq: number) => ({
  eventId: `e-abc123-${String(seq).padStart(6, '0')}`,
  seq,
  type: 'line.picked',
  occurredAt: '2026-11-27T10:00:00.000Z',
  data: { lineId: `L-${seq}` },
});

async function send(
  e: ReturnType<typeof event>,
  secret = SECRET,
  extra: Record<string, string> = {},
) {
  const body = JSON.stringify(e);
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-pickline-event-id': e.eventId,
      'x-pickline-seq': String(e.seq),
      'x-pickline-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      ...extra,
    },
  });
  await res.text();
  return res.status;
}

describe('WmsSimulator', () => {
  it('accepts signed events, answers 401 to a bad signature and dedupes by eventId', async () => {
    expect(await send(event(1))).toBe(200);
    expect(await send(event(2), 'wrong')).toBe(401);
    expect(await send(event(1))).toBe(200);
    expect(await send(event(2))).toBe(200);
    expect(wms.counters).toMatchObject({
      requests: 4,
      accepted: 2,
      duplicates: 1,
      badSignatures: 1,
    });
    expect(wms.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(wms.events[0].data).toEqual({ lineId: 'L-1' });
  });

  it('counts events arriving out of seq order, and headers that disagree with the body', async () => {
    await send(event(2));
    await send(event(1));
    expect(wms.counters.outOfOrder).toBe(1);
    expect(await send(event(3), SECRET, { 'x-pickline-seq': '4' })).toBe(400);
    expect(wms.counters.malformed).toBe(1);
  });

  it('has fault modes: 503, failNext, refused connections, and back up on the same port', async () => {
    await wms.setMode('down-503');
    expect(await send(event(1))).toBe(503);
    await wms.setMode('up');
    wms.failNext(2);
    expect([await send(event(1)), await send(event(1)), await send(event(1))]).toEqual([
      500, 500, 200,
    ]);
    await wms.setMode('down-refuse');
    // a kept-alive socket may first fail as "other side closed"; a new connection is refused
    await expect(send(event(2))).rejects.toThrow(/fetch failed/);
    await expect(send(event(2))).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await wms.setMode('up');
    expect(await send(event(2))).toBe(200);
    expect(wms.counters).toMatchObject({ faulted: 3, accepted: 2 });
  });

  it('slow mode records the event and answers later', async () => {
    await wms.setMode('slow', 50);
    const answered = send(event(1));
    await wms.waitForEvents(1, 5000);
    expect(await answered).toBe(200);
  });

  it('waitForEvents rejects after its timeout; stop() is idempotent', async () => {
    await expect(wms.waitForEvents(1, 50)).rejects.toThrow(/0 of 1/);
    await wms.stop();
    await wms.stop();
  });
});
