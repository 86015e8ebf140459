/**
 * Issue 10 "Done when": simulated voice workers complete a wave over
 * WebSockets, making mistakes (wrong check digits, shorts, skips, dropped
 * connections); the WMS sees one `via: "voice"` event per line.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runWorker } from '../../simulators/voice/worker.ts';
import { auth, tempDir } from '../helpers/harness.ts';
import { type VoiceFloor, voiceFloor, voiceWave } from '../helpers/voice.ts';

let tmp: ReturnType<typeof tempDir>;
let f: VoiceFloor;
beforeEach(async () => {
  tmp = tempDir();
  f = await voiceFloor(`${tmp.dir}/pl.db`);
});
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

it('four workers with mistakes complete a wave; each line is one via:"voice" event', async () => {
  const orders: Record<string, string[]> = {};
  for (let i = 1; i <= 12; i++)
    orders[`VO${i}`] = ['01', '02', '03', '04', '05', '06'].slice(i % 3, (i % 3) + 3);
  f.waves.submit(voiceWave('VW1', orders));
  const lineIds = Object.entries(orders).flatMap(([o, slots]) => slots.map((s) => `${o}-${s}`));

  const reports = await Promise.all(
    ['op1', 'op2', 'op3', 'op4'].map((operator, i) =>
      runWorker({
        baseUrl: f.baseUrl,
        operator,
        pin: '1234',
        site: f.config,
        seed: i + 1,
        mistakes: { wrongDigits: 0.3, short: 0.2, skip: 0.2, drop: 0.1 },
      }),
    ),
  );
  for (const r of reports) expect(r.errors).toEqual([]);
  const total = (k: 'wrongDigits' | 'shorts' | 'skips' | 'drops') =>
    reports.reduce((n, r) => n + r[k], 0);
  // the seeds make every kind of mistake happen
  expect(total('wrongDigits')).toBeGreaterThan(0);
  expect(total('shorts')).toBeGreaterThan(0);
  expect(total('skips')).toBeGreaterThan(0);
  expect(total('drops')).toBeGreaterThan(0);

  expect(f.waves.get('VW1').status).toBe('completed');
  const res = await f.app.inject({
    url: '/api/v1/events?after=0&limit=1000',
    headers: auth('wms'),
  });
  const lineEvents = (
    res.json().events as { type: string; data: Record<string, unknown> }[]
  ).filter((e) => e.type === 'line.picked' || e.type === 'line.shorted');
  expect(lineEvents.map((e) => e.data.lineId).sort()).toEqual([...lineIds].sort());
  for (const e of lineEvents) expect(e.data.via).toBe('voice');
  expect(lineEvents.filter((e) => e.type === 'line.shorted')).toHaveLength(total('shorts'));
});
