/**
 * The exceptions desk (CONTRACTS.md §7 "Exceptions"): a short opens an
 * exception that people acknowledge and resolve with a note (events in the
 * feed, resolving twice refused 409); one open per cause; auto-resolution by
 * `system`; everything survives a restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { causes } from '../../controller/exceptions/desk.ts';
import { auth, tableCounts, tempDir } from '../helpers/harness.ts';
import { type SlaHarness, slaHarness, zoneAWave } from '../helpers/sla.ts';

let tmp: ReturnType<typeof tempDir>;
let h: SlaHarness;
beforeEach(async () => {
  tmp = tempDir();
  h = await slaHarness(`${tmp.dir}/pl.db`);
});
afterEach(async () => {
  await h.close();
  tmp.remove();
});

const act = (
  id: string,
  what: 'acknowledge' | 'resolve',
  body: unknown,
  role: 'operator' | 'technician' = 'operator',
) =>
  h.app.inject({
    method: 'POST',
    url: `/api/v1/exceptions/${id}/${what}`,
    headers: auth(role),
    payload: body as object,
  });

describe('a short', () => {
  it('opens an exception that is acknowledged and resolved with a note; resolving twice is 409', async () => {
    h.waves.submit(zoneAWave('W-1', 1, 2));
    await h.engine.picking.close('W-1-O1-L1', {
      operator: 'jdoe',
      via: 'api',
      short: true,
      quantity: 0,
    });
    await h.settle();
    const list = await h.app.inject({
      url: '/api/v1/exceptions?status=open&kind=short',
      headers: auth('viewer'),
    });
    expect(list.statusCode).toBe(200);
    const [x] = list.json().exceptions;
    expect(x).toMatchObject({
      kind: 'short',
      severity: 'warning',
      status: 'open',
      subject: {
        waveId: 'W-1',
        orderId: 'W-1-O1',
        lineId: 'W-1-O1-L1',
        zone: 'A',
        operator: 'jdoe',
      },
    });
    expect(x.openedAt).toMatch(/Z$/);

    const ack = await act(x.exceptionId, 'acknowledge', { by: 'Sam (lead)' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Sam (lead)' });
    const res = await act(
      x.exceptionId,
      'resolve',
      { by: 'Sam (lead)', note: 'restocked from reserve' },
      'technician',
    );
    expect(res.json()).toMatchObject({
      status: 'resolved',
      resolvedBy: 'Sam (lead)',
      note: 'restocked from reserve',
    });
    const counts = tableCounts(h.store);
    const again = await act(x.exceptionId, 'resolve', { by: 'Sam' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('EXCEPTION_RESOLVED');
    expect((await act(x.exceptionId, 'acknowledge', { by: 'Sam' })).statusCode).toBe(409);
    expect(tableCounts(h.store)).toEqual(counts);

    await h.settle();
    const feed = await h.app.inject({
      url: '/api/v1/events?after=0&type=exception.opened,exception.acknowledged,exception.resolved',
      headers: auth('wms'),
    });
    expect(
      feed
        .json()
        .events.map((e: { type: string; data: { exceptionId: string } }) => [
          e.type,
          e.data.exceptionId,
        ]),
    ).toEqual([
      ['exception.opened', x.exceptionId],
      ['exception.acknowledged', x.exceptionId],
      ['exception.resolved', x.exceptionId],
    ]);
  });

  it('unknown ids are 404, bad bodies 400, wms and viewers may not act; nothing changes', async () => {
    h.waves.submit(zoneAWave('W-2', 1, 1));
    await h.engine.picking.close('W-2-O1-L1', {
      operator: null,
      via: 'api',
      short: true,
      quantity: 0,
    });
    await h.settle();
    const [x] = h.desk.list({ limit: 1 });
    const counts = tableCounts(h.store);
    for (const id of ['x-999', 'nope', 'x-0'])
      expect((await act(id, 'acknowledge', { by: 'a' })).json().error.code).toBe(
        'EXCEPTION_NOT_FOUND',
      );
    for (const body of [{}, { by: '' }, { by: ' ' }, { by: 'x'.repeat(65) }, { by: 'a', extra: 1 }])
      expect((await act(x.exceptionId, 'resolve', body)).statusCode).toBe(400);
    for (const role of ['wms', 'viewer'] as const)
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: `/api/v1/exceptions/${x.exceptionId}/resolve`,
            headers: auth(role),
            payload: { by: 'a' },
          })
        ).statusCode,
      ).toBe(403);
    expect(
      (await h.app.inject({ url: '/api/v1/exceptions?kind=fire', headers: auth('wms') }))
        .statusCode,
    ).toBe(400);
    expect(tableCounts(h.store)).toEqual(counts);
  });
});

describe('the desk', () => {
  it('keeps one open exception per cause and resolves it by system when the cause clears', () => {
    const raise = () =>
      h.desk.raise({
        kind: 'module-offline',
        cause: causes.moduleOffline('bus-a', 3),
        subject: { bus: 'bus-a', module: '3', zone: 'A' },
        message: 'module bus-a/3 offline',
      });
    const a = raise();
    expect(raise().exceptionId).toBe(a.exceptionId);
    h.desk.acknowledge(a.exceptionId, 'tech');
    expect(raise()).toMatchObject({ exceptionId: a.exceptionId, status: 'acknowledged' });
    expect(h.desk.clear(causes.moduleOffline('bus-a', 3))).toMatchObject({
      status: 'resolved',
      resolvedBy: 'system',
    });
    expect(h.desk.clear(causes.moduleOffline('bus-a', 3))).toBeNull();
    const b = raise(); // the cause came back: a new one
    expect(b.exceptionId).not.toBe(a.exceptionId);
    expect(b.severity).toBe('critical');
  });

  it('a module going offline with a lit line opens module-offline; its return resolves it', async () => {
    await h.store.tx(() =>
      h.outbox.append('device.offline', {
        bus: 'bus-a',
        address: 4,
        location: 'A-01-04',
        zone: 'A',
        litLine: 'L-9',
        reason: 'timeout',
      }),
    );
    await h.store.tx(() =>
      h.outbox.append('device.offline', {
        bus: 'bus-a',
        address: 5,
        location: 'A-01-05',
        zone: 'A',
        litLine: null,
        reason: 'timeout',
      }),
    );
    await h.settle();
    const open = h.desk.list({ kind: ['module-offline'], status: ['open'], limit: 10 });
    expect(open.map((x) => x.subject)).toEqual([
      { bus: 'bus-a', module: '4', lineId: 'L-9', zone: 'A' },
    ]);
    await h.store.tx(() =>
      h.outbox.append('device.online', {
        bus: 'bus-a',
        address: 4,
        location: 'A-01-04',
        zone: 'A',
        litLine: 'L-9',
        reason: null,
      }),
    );
    await h.settle();
    expect(h.desk.get(open[0].exceptionId)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'system',
    });
  });

  it('a session idle past exceptions.idleSessionSeconds opens idle-session; its end resolves it', async () => {
    h.waves.submit(zoneAWave('W-I', 1, 1));
    await h.engine.picking.scan(h.site.zones.get('A')!, 'W-I-O1', 'jdoe', null); // no buses: the light fails, the session stands
    h.clock.now = Date.now() + 11 * 60_000;
    h.watch.checkIdle();
    const [x] = h.desk.list({ kind: ['idle-session'], limit: 10 });
    expect(x).toMatchObject({
      status: 'open',
      subject: { zone: 'A', orderId: 'W-I-O1', operator: 'jdoe' },
    });
    await h.engine.picking.close('W-I-O1-L1', { operator: null, via: 'api' });
    await h.settle();
    expect(h.desk.get(x.exceptionId).status).toBe('resolved');
  });

  it('exceptions, acknowledgements and notes survive a restart', async () => {
    const x = h.desk.raise({
      kind: 'command-rejected',
      cause: causes.commandRejected('m-1'),
      subject: { waveId: 'W-9' },
      message: 'wave.create refused: INVALID_WAVE',
    });
    h.desk.resolve(x.exceptionId, 'ops', 'asked the WMS team to resend');
    await h.close();
    h = await slaHarness(`${tmp.dir}/pl.db`);
    expect(h.desk.get(x.exceptionId)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'ops',
      note: 'asked the WMS team to resend',
      severity: 'warning',
    });
  });
});
