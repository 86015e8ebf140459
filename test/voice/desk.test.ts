/** The voice desk without sockets: resume after a drop (same prompt) and after a restart (held line). */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SiteConfig } from '../../config/schema.ts';
import { VoiceDesk } from '../../controller/voice/desk.ts';
import { type FakeFloor, fakeFloor } from '../helpers/floor.ts';
import { tableCounts, tempDir } from '../helpers/harness.ts';
import { voiceWave } from '../helpers/voice.ts';

let tmp: ReturnType<typeof tempDir>;
let f: FakeFloor;
const configure = (c: SiteConfig) => {
  c.operators = [{ id: 'op1', pin: '1234' }];
};
beforeEach(async () => {
  tmp = tempDir();
  f = await fakeFloor(`${tmp.dir}/pl.db`, { configure });
  f.waves.submit(voiceWave('VW1', { VO1: ['02', '04'] }));
});
afterEach(async () => {
  await f.stop();
  tmp.remove();
});

it('a dropped terminal signing on again gets the open prompt, same id, and nothing is recorded', async () => {
  const desk = new VoiceDesk(f.commands, f.site);
  await desk.open('op1');
  await desk.say('op1', 'ready');
  const pick = await desk.say('op1', 'one seven');
  expect(pick).toMatchObject({ prompt: { text: 'Pick 2, item 02.' } });
  const before = tableCounts(f.store);
  expect(await desk.open('op1')).toEqual(pick);
  expect(tableCounts(f.store)).toEqual(before);
  expect(await desk.say('op1', '2')).toMatchObject({ prompt: { text: 'Aisle 03, slot 04.' } });
  expect(f.waves.getOrder('VO1').lines.map((l) => l.status)).toEqual(['picked', 'open']);
});

it('after a restart (a new desk over the same store) the operator is back at the held line', async () => {
  const desk = new VoiceDesk(f.commands, f.site);
  await desk.open('op1');
  await desk.say('op1', 'ready');
  await desk.say('op1', '17');
  await desk.say('op1', '2');
  await f.stop();
  f = await fakeFloor(`${tmp.dir}/pl.db`, { configure });
  const again = new VoiceDesk(f.commands, f.site);
  expect(await again.open('op1')).toMatchObject({
    prompt: { text: 'Welcome back. Aisle 03, slot 04.', expect: 'check-digits' },
  });
  await again.say('op1', '84');
  await again.say('op1', '4');
  expect(f.waves.getOrder('VO1').status).toBe('completed');
  // a sign-on with nothing held starts at "Say ready."
  expect(await new VoiceDesk(f.commands, f.site).open('op1')).toMatchObject({
    prompt: { text: 'Say ready.' },
  });
});
