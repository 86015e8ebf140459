/** Voice + light (issue 10): "go to zone A" lights the operator's order; the dialog follows the key presses. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { VoiceTerminal } from '../../simulators/voice/terminal.ts';
import { tempDir } from '../helpers/harness.ts';
import { type VoiceFloor, voiceFloor } from '../helpers/voice.ts';
import { until } from '../kit/until.ts';

let tmp: ReturnType<typeof tempDir>;
let f: VoiceFloor;
let t: VoiceTerminal;
beforeEach(async () => {
  tmp = tempDir();
  f = await voiceFloor(`${tmp.dir}/pl.db`);
  t = new VoiceTerminal(f.baseUrl);
  await t.connect();
});
afterEach(async () => {
  await t.drop();
  await f.stop();
  tmp.remove();
});

it('lights the zone bins in the operator colour; each key press is announced; the zone done returns to ready', async () => {
  f.waves.submit({
    waveId: 'PW1',
    orders: [
      {
        orderId: 'PO1',
        container: 'T1',
        lines: [
          { lineId: 'PL1', sku: 'S1', location: 'A-01-01', quantity: 2 },
          { lineId: 'PL2', sku: 'S2', location: 'A-01-02', quantity: 1 },
        ],
      },
    ],
  });
  await t.hello('op1', '1234');
  expect(await t.say('go to zone A')).toMatchObject({
    type: 'prompt',
    text: 'Go to zone A. Order PO1, colour green: 2 lines lit. Press each light.',
  });
  await f.engine.idle();
  expect(f.a.lit(1)).toMatchObject({ mode: 'on', color: 'green', display: 2 });
  expect(f.a.lit(2)).toMatchObject({ mode: 'on', color: 'green', display: 1 });
  expect(await t.say('how much more')).toMatchObject({
    text: /^2 lines left in zone A\. Go to zone A/,
  });

  f.a.press(1, 'confirm');
  expect(await t.next()).toMatchObject({
    type: 'prompt',
    text: 'A-01-01 done. 1 line left in zone A.',
  });
  f.a.press(2, 'confirm');
  expect(await t.next()).toMatchObject({
    type: 'prompt',
    text: 'Zone A done. Say ready.',
    expect: 'ready',
  });
  await until(() => f.waves.getOrder('PO1').status === 'completed', 'order completed');
  expect(f.waves.getOrder('PO1').lines.map((l) => [l.lineId, l.picker, l.via])).toEqual([
    ['PL1', 'op1', 'light'],
    ['PL2', 'op1', 'light'],
  ]);
  // back at ready, words answer the pushed prompt
  expect(await t.say('zone A')).toMatchObject({ text: 'No work in zone A. Say ready.' });
});
