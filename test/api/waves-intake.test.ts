/**
 * Wave intake internals kept exact while made fast (issue 16 item 14; the
 * timing itself is bench/wave-accept.ts): lines are stored in batches, so a
 * wave whose size is no multiple of the batch keeps every line, in order,
 * with one history row each; the body hash that makes re-posts idempotent is
 * the same text as in earlier releases (stored hashes stay valid); a nested
 * `__proto__` key is still refused at its JSON pointer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalHash } from '../../controller/waves/service.ts';
import { auth, type Harness, harness, tempDir } from '../helpers/harness.ts';

let tmp: ReturnType<typeof tempDir>;
let h: Harness;

beforeEach(async () => {
  tmp = tempDir();
  h = await harness(`${tmp.dir}/pl.db`);
});
afterEach(async () => {
  await h.close();
  tmp.remove();
});

const post = (body: unknown) =>
  h.app.inject({
    method: 'POST',
    url: '/api/v1/waves',
    headers: auth('wms'),
    payload: body as object,
  });

describe('wave intake', () => {
  it('stores every line of a 601-line wave in order with one history row each', async () => {
    const lines = (o: number, n: number) =>
      Array.from({ length: n }, (_, j) => ({
        lineId: `L-${o}-${j}`,
        sku: `S-${j}`,
        location: `A-01-${String((j % 16) + 1).padStart(2, '0')}`,
        quantity: (j % 9) + 1,
        ...(j % 2 ? { description: `d${j}` } : {}),
      }));
    const wave = {
      waveId: 'W-B',
      orders: [
        { orderId: 'O-0', container: 'T-0', lines: lines(0, 300) },
        { orderId: 'O-1', lines: lines(1, 1) },
        { orderId: 'O-2', container: 'T-2', lines: lines(2, 300) },
      ],
    };
    const res = await post(wave);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().counts.lines).toBe(601);
    const rows = h.store.db
      .prepare(
        'SELECT id, order_id, idx, sku, location, quantity, description, status FROM lines ORDER BY rowid',
      )
      .all();
    expect(rows).toEqual(
      wave.orders.flatMap((o) =>
        o.lines.map((l, idx) => ({
          id: l.lineId,
          order_id: o.orderId,
          idx,
          sku: l.sku,
          location: l.location,
          quantity: l.quantity,
          description: (l as { description?: string }).description ?? null,
          status: 'open',
        })),
      ),
    );
    const history = h.store.db
      .prepare('SELECT line_id, status FROM line_history ORDER BY id')
      .all() as { line_id: string; status: string }[];
    expect(history.map((r) => r.line_id)).toEqual(rows.map((r) => (r as { id: string }).id));
    expect(new Set(history.map((r) => r.status))).toEqual(new Set(['open']));
    expect((await post(wave)).statusCode).toBe(200); // identical re-post
  });

  it('hashes a body to the same text as earlier releases (keys sorted, index-like keys too)', () => {
    // constants computed with the previous release's canonicalHash
    const w = {
      waveId: 'W-H',
      priority: 0,
      orders: [
        {
          orderId: 'O-1',
          container: 'T-1',
          lines: [
            {
              sku: 'S "1"',
              lineId: 'L-1',
              quantity: 2,
              location: 'A-01-01',
              description: 'blue\u00e9 mug\n',
            },
          ],
        },
        {
          putWall: 'P',
          orderId: 'O-2',
          lines: [
            { lineId: 'L-2', sku: 'S-2', quantity: 1 },
            { quantity: 3, lineId: 'L-3', sku: 'S-3' },
          ],
        },
      ],
      extra: { b: [1, { z: 'é', a: null, u: undefined }, undefined], a: -0, n: 1.5e300 },
    };
    expect(canonicalHash(w)).toBe(
      '5e8e33147c142e60898a3fa1eaf6e14c1846d1b9a5dfbfdfa2aa1f388583feed',
    );
    const odd = {
      waveId: 'W',
      x: { '10': 1, '9': 2, a: 3, constructor: 'c', toString: 't' },
      y: [{ b: 1 }, { valueOf: 2 }] as object[],
    };
    expect(canonicalHash(odd)).toBe(
      'd7334617ac70a066095b5061cdda367f7909eb2bf34b03aeb3793336ee94af4e',
    );
  });

  it('refuses a nested __proto__ key at its JSON pointer and stores nothing', async () => {
    const body =
      '{"waveId":"W-P","orders":[{"orderId":"O/~1","lines":[{"a~b/c":{"__proto__":{"x":1}}}]}]}';
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/waves',
      headers: { ...auth('wms'), 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      {
        path: '/orders/0/lines/0/a~0b~1c/__proto__',
        message: expect.stringMatching(/not allowed/),
      },
    ]);
    expect(h.store.db.prepare('SELECT COUNT(*) AS n FROM waves').get()).toEqual({ n: 0 });
  });
});
