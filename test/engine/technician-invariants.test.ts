/**
 * Property test of technician holds: random scans, key presses (fresh and
 * stale, on lit, dark, held and armed modules), identifies, walk tests,
 * re-addresses, cancels and expiries, technician tasks running concurrently
 * with the engine. Whatever the order: once everything settled the floor
 * equals the `lights` table and nothing is held; every fresh press on a lit,
 * unheld module commits exactly its own line, and no line closes by light
 * without such a press; a press consumed by a re-address never hits a lit job.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lightAt } from '../../controller/engine/repo.ts';
import { tempDir } from '../helpers/harness.ts';
import { type TechFloor, techFloor } from './technician-fixture.ts';

type Op =
  | { kind: 'scan'; order: number; picker: number }
  | { kind: 'press'; address: number; stale: boolean }
  | { kind: 'identify'; address: number; ms: number }
  | { kind: 'walk'; dwell: number }
  | { kind: 'readdress'; address: number }
  | { kind: 'cancel'; address: number }
  | { kind: 'wait'; ms: number };

const ORDERS = 6;
const address = fc.integer({ min: 1, max: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('scan' as const),
      order: fc.nat(ORDERS - 1),
      picker: fc.nat(2),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('press' as const), address, stale: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('identify' as const),
      address,
      ms: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('walk' as const),
      dwell: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('readdress' as const), address }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), address }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.integer({ min: 0, max: 6 }),
    }),
  },
);

const ok = [
  'MODULE_BUSY',
  'READDRESS_NOT_ARMED',
  'SCAN_NOT_MATCHED',
  'ZONE_BUSY',
  'ADDRESS_IN_USE',
];
const swallow = (p: Promise<unknown>) =>
  p.catch((e) => {
    if (!ok.includes((e as { code?: string }).code ?? '')) throw e;
  });

async function play(f: TechFloor, ops: Op[]): Promise<{ pressed: Set<string> }> {
  f.waves.submit({
    waveId: 'W',
    orders: Array.from({ length: ORDERS }, (_, o) => ({
      orderId: `O${o}`,
      container: `T${o}`,
      lines: [0, 1].map((j) => ({
        lineId: `L${o}-${j}`,
        sku: 'S',
        location: `A-01-0${((o + j * 3) % 6) + 1}`,
        quantity: j + 1,
      })),
    })),
  });
  const pending: Promise<unknown>[] = [];
  const pressed = new Set<string>();
  const db = f.store.db;
  for (const o of ops) {
    if (o.kind === 'scan')
      await swallow(f.commands.scan({ zone: 'A', code: `T${o.order}`, operator: `p${o.picker}` }));
    else if (o.kind === 'press') {
      const shown = f.a.lit(o.address);
      const row = lightAt(db, 'bus-a', o.address);
      if (f.a.armed.has(o.address)) {
        // the press goes to the re-address: the module must be dark and hold no job
        expect(row).toBeUndefined();
        expect(shown).toBeUndefined();
      } else if (
        row &&
        shown &&
        !o.stale &&
        shown.seq === row.seq &&
        !f.commands.heldFor('bus-a', o.address)
      )
        pressed.add(row.line_id);
      f.a.press(o.address, 'confirm', undefined, o.stale ? (shown?.seq ?? 0) + 1 : undefined);
    } else if (o.kind === 'identify')
      pending.push(swallow(f.tech.identify('bus-a', o.address, o.ms)));
    else if (o.kind === 'walk') pending.push(swallow(f.tech.walkTest({ zone: 'A' }, o.dwell)));
    else if (o.kind === 'readdress')
      await swallow(f.tech.setAddress('bus-a', o.address, 200 + o.address));
    else if (o.kind === 'cancel') await swallow(f.tech.cancelAddress('bus-a', o.address));
    else await new Promise((r) => setTimeout(r, o.ms));
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(pending);
  await f.tech.stop();
  await f.engine.idle();
  return { pressed };
}

function check(f: TechFloor, pressed: Set<string>): void {
  const db = f.store.db;
  for (let a = 1; a <= 6; a++) expect(f.commands.heldFor('bus-a', a)).toBeNull();
  const rows = db.prepare("SELECT address, seq, display FROM lights WHERE bus = 'bus-a'").all();
  const shown = [...f.a.states]
    .filter(([a, s]) => a !== 100 && s.mode !== 'off')
    .map(([a, s]) => ({ address: a, seq: s.seq, display: s.display }));
  const byAddress = (x: { address: number }, y: { address: number }) => x.address - y.address;
  expect(shown.sort(byAddress)).toEqual((rows as typeof shown).sort(byAddress));
  const byLight = (
    db
      .prepare("SELECT id FROM lines WHERE via = 'light' AND status IN ('picked','short')")
      .all() as {
      id: string;
    }[]
  ).map((r) => r.id);
  expect(new Set(byLight)).toEqual(pressed);
  const lit = db.prepare("SELECT COUNT(*) AS n FROM lines WHERE status = 'lit'").get() as {
    n: number;
  };
  expect(lit.n).toBe(rows.length);
}

describe('technician holds invariants', () => {
  it('keep the floor equal to the lights table and never lose or misroute a press', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), async (ops) => {
        const tmp = tempDir();
        const f = await techFloor(`${tmp.dir}/pl.db`, { readdressMs: 15, doneFlashMs: 3 });
        f.a.moveOnAccept = false;
        try {
          const { pressed } = await play(f, ops);
          check(f, pressed);
        } finally {
          await f.stop();
          tmp.remove();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
