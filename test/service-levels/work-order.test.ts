/**
 * The work order (CONTRACTS.md §7): late → at-risk → priority desc → dueAt
 * asc (none last) → arrival. The pure comparator, and the engine's choices
 * (voice next task, voice + light next order, put-wall cubbies) held to it
 * over random floors (fast-check).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decidePutScan } from '../../controller/engine/scan.ts';
import { nextLightOrder, nextTask } from '../../controller/engine/voice.ts';
import { normaliseDue } from '../../controller/service-levels/due.ts';
import { setOrderRisk } from '../../controller/service-levels/repo.ts';
import {
  compareWork,
  firstInWorkOrder,
  RISKS,
  type WorkKey,
} from '../../controller/service-levels/work-order.ts';
import { tempDir } from '../helpers/harness.ts';
import { type SlaHarness, slaHarness } from '../helpers/sla.ts';

const key = fc.record({
  risk: fc.constantFrom(...RISKS),
  priority: fc.integer({ min: -2, max: 2 }),
  dueAt: fc.option(
    fc.integer({ min: 0, max: 5 }).map((h) => new Date(Date.UTC(2026, 11, 8, h)).toISOString()),
  ),
  arrival: fc.nat(1000),
});

describe('compareWork', () => {
  it('is a total order that puts late, at-risk, priority, dueAt (none last), arrival first', () => {
    fc.assert(
      fc.property(key, key, key, (a, b, c) => {
        expect(Math.sign(compareWork(a, b)) + Math.sign(compareWork(b, a))).toBe(0);
        if (compareWork(a, b) <= 0 && compareWork(b, c) <= 0)
          expect(compareWork(a, c)).toBeLessThanOrEqual(0);
        const first = compareWork(a, b) < 0 ? a : b;
        const other = first === a ? b : a;
        if (first.risk !== other.risk)
          expect(RISKS.indexOf(first.risk)).toBeGreaterThan(RISKS.indexOf(other.risk));
        else if (first.priority !== other.priority)
          expect(first.priority).toBeGreaterThan(other.priority);
        else if (first.dueAt !== other.dueAt)
          expect(other.dueAt === null || (first.dueAt !== null && first.dueAt < other.dueAt)).toBe(
            true,
          );
        else expect(first.arrival).toBeLessThanOrEqual(other.arrival);
      }),
    );
  });
});

describe('normaliseDue', () => {
  it('takes ISO-8601 with an offset and answers UTC Z; refuses the rest', () => {
    expect(normaliseDue('2026-12-08T14:00:00Z')).toBe('2026-12-08T14:00:00.000Z');
    expect(normaliseDue('2026-12-08T14:00+02:00')).toBe('2026-12-08T12:00:00.000Z');
    expect(normaliseDue('2028-02-29T00:00:00-05:00')).toBe('2028-02-29T05:00:00.000Z');
    for (const bad of [
      '2026-12-08',
      '2026-12-08T14:00:00',
      '2027-02-29T00:00:00Z',
      '2026-12-08T24:00:00Z',
      'now',
      '',
      null,
      5,
      '2026-12-08T14:00:00+25:00',
    ])
      expect(normaliseDue(bad)).toBeNull();
  });
});

describe('the engine chooses in work order', () => {
  let tmp: ReturnType<typeof tempDir>;
  let h: SlaHarness;
  let n = 0;
  beforeAll(async () => {
    tmp = tempDir();
    h = await slaHarness(`${tmp.dir}/pl.db`);
  });
  afterAll(async () => {
    await h.close();
    tmp.remove();
  });

  const floor = fc.array(
    fc.record({
      waveDue: fc.option(fc.integer({ min: 0, max: 3 })),
      wavePriority: fc.integer({ min: -1, max: 1 }),
      orders: fc.array(
        fc.record({
          due: fc.option(fc.integer({ min: 0, max: 3 })),
          priority: fc.option(fc.integer({ min: -1, max: 1 })),
          risk: fc.constantFrom(...RISKS),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  );
  type Floor = {
    waveDue: number | null;
    wavePriority: number;
    orders: { due: number | null; priority: number | null; risk: (typeof RISKS)[number] }[];
  }[];
  const dueOf = (hour: number | null) =>
    hour === null ? undefined : new Date(Date.UTC(2026, 11, 8, 8 + hour)).toISOString();

  /** Posts the waves (one line each order in voice zone V, pick zone A or put wall P), returns the expected keys. */
  function post(waves: Floor, zone: 'V' | 'A' | 'P'): (WorkKey & { orderId: string })[] {
    const keys: (WorkKey & { orderId: string })[] = [];
    for (const w of waves) {
      const waveId = `W${++n}`;
      h.waves.submit({
        waveId,
        priority: w.wavePriority,
        ...(dueOf(w.waveDue) ? { dueAt: dueOf(w.waveDue) } : {}),
        orders: w.orders.map((o, i) => ({
          orderId: `${waveId}-${i}`,
          ...(dueOf(o.due) ? { dueAt: dueOf(o.due) } : {}),
          ...(o.priority === null ? {} : { priority: o.priority }),
          ...(zone === 'P' ? { putWall: 'P' } : {}),
          lines: [
            {
              lineId: `${waveId}-${i}-1`,
              sku: 'S',
              ...(zone === 'P' ? {} : { location: zone === 'V' ? 'V-03-01' : 'A-01-01' }),
              quantity: 1,
            },
          ],
        })),
      });
      w.orders.forEach((o, i) => {
        h.store.tx(() => setOrderRisk(h.store.db, `${waveId}-${i}`, o.risk));
        keys.push({
          orderId: `${waveId}-${i}`,
          risk: o.risk,
          priority: o.priority ?? w.wavePriority,
          dueAt: dueOf(o.due) ?? dueOf(w.waveDue) ?? null,
          arrival: keys.length,
        });
      });
    }
    return keys;
  }

  it('voice: the next task is the first open order in work order', () => {
    fc.assert(
      fc.property(floor, (waves) => {
        const keys = post(waves, 'V');
        const zone = h.site.zones.get('V')!;
        const t = h.store.tx(() => nextTask(h.store.db, zone, 'jdoe', new Date().toISOString()));
        expect(t?.orderId).toBe(firstInWorkOrder(keys)!.orderId);
        for (const w of new Set(keys.map((k) => k.orderId.split('-')[0]))) h.waves.cancel(w);
      }),
      { numRuns: 60 },
    );
  });

  it('voice + light: the next order of a pick zone is the first in work order', () => {
    fc.assert(
      fc.property(floor, (waves) => {
        const keys = post(waves, 'A');
        const zone = h.site.zones.get('A')!;
        const id = h.store.tx(() => nextLightOrder(h.store.db, zone, 'asmith'));
        expect(id).toBe(firstInWorkOrder(keys)!.orderId);
        for (const w of new Set(keys.map((k) => k.orderId.split('-')[0]))) h.waves.cancel(w);
      }),
      { numRuns: 60 },
    );
  });

  it('put wall: a scanned SKU fills the cubbies in work order', () => {
    fc.assert(
      fc.property(
        floor.filter((ws) => ws.reduce((n, w) => n + w.orders.length, 0) <= 8),
        (waves) => {
          const keys = post(waves, 'P');
          const zone = h.site.zones.get('P')!;
          const d = h.store.tx(() =>
            decidePutScan(h.store.db, h.site, zone, 'S', 'jdoe', new Date().toISOString()),
          );
          expect(d.orders.map((o) => o.orderId)).toEqual(
            [...keys].sort(compareWork).map((k) => k.orderId),
          );
          for (const w of new Set(keys.map((k) => k.orderId.split('-')[0]))) h.waves.cancel(w);
        },
      ),
      { numRuns: 40 },
    );
  });
});
