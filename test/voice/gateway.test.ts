import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VoiceTerminal } from '../../simulators/voice/terminal.ts';
import { auth, tableCounts, tempDir } from '../helpers/harness.ts';
import { type VoiceFloor, voiceFloor, voiceWave } from '../helpers/voice.ts';

let tmp: ReturnType<typeof tempDir>;
let f: VoiceFloor;
const terms: VoiceTerminal[] = [];

const term = async () => {
  const t = new VoiceTerminal(f.baseUrl);
  terms.push(t);
  await t.connect();
  return t;
};
const voiceEvents = async (app = f.app) => {
  const r = await app.inject({ url: '/api/v1/events?after=0&limit=1000', headers: auth('wms') });
  return (r.json().events as { type: string; data: Record<string, unknown> }[]).filter(
    (e) => e.type === 'line.picked' || e.type === 'line.shorted',
  );
};

beforeEach(async () => {
  tmp = tempDir();
  f = await voiceFloor(`${tmp.dir}/pl.db`, { helloTimeoutMs: 300 });
});
afterEach(async () => {
  for (const t of terms.splice(0)) await t.drop();
  await f.stop();
  tmp.remove();
});

describe('voice gateway: sign-on and a pick', () => {
  it('refuses a wrong PIN, then signs on and records a pick via voice exactly once', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['02'] }));
    const t = await term();
    expect(await t.hello('op1', '9999')).toMatchObject({
      type: 'error',
      code: 'VOICE_SIGNON_FAILED',
    });
    expect(await t.hello('op1', '1234')).toEqual({
      type: 'prompt',
      promptId: expect.any(String),
      text: 'Say ready.',
      expect: 'ready',
    });
    expect(await t.say('ready')).toMatchObject({
      text: 'Order VO1, container C-VO1. Aisle 03, slot 02.',
      expect: 'check-digits',
    });
    expect(await t.say('one seven')).toMatchObject({
      text: 'Pick 2, item 02.',
      expect: 'quantity',
    });
    expect(await t.say('two')).toMatchObject({
      text: 'No work in zone V. Say ready to check again.',
    });
    expect(await voiceEvents()).toEqual([
      expect.objectContaining({
        type: 'line.picked',
        data: expect.objectContaining({ lineId: 'VO1-02', picked: 2, picker: 'op1', via: 'voice' }),
      }),
    ]);
    expect(await t.say('sign off')).toEqual({ type: 'bye' });
    expect(await t.next()).toMatchObject({ type: 'closed', code: 1000 });
  });

  it('three wrong PINs slow that operator down over the socket; others sign on', async () => {
    await f.stop();
    f = await voiceFloor(`${tmp.dir}/pl2.db`, { clock: () => 0 }); // time stands still
    const t = await term();
    for (let i = 0; i < 3; i++)
      expect(await t.hello('op1', '0000')).toMatchObject({ code: 'VOICE_SIGNON_FAILED' });
    expect(await t.hello('op1', '1234')).toMatchObject({
      type: 'error',
      code: 'VOICE_SIGNON_THROTTLED',
      message: /try again in 1 s/,
    });
    const other = await term();
    expect(await other.hello('op2', '1234')).toMatchObject({ type: 'prompt' });
  });

  it('wrong check digits twice record nothing; a short is confirmed and recorded with its reason', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['03'] }));
    const t = await term();
    await t.hello('op1', '1234');
    await t.say('ready');
    const before = tableCounts(f.store);
    await t.say('one one');
    expect(await t.say('2 2')).toMatchObject({ text: /^Wrong check digits again/ });
    expect(tableCounts(f.store)).toEqual(before);
    await t.say('eight three');
    expect(await t.say('1')).toMatchObject({ text: 'You said 1, I asked for 3. Short product?' });
    expect(await t.say('yes')).toMatchObject({ expect: 'reason' });
    await t.say('damaged');
    expect(await voiceEvents()).toEqual([
      expect.objectContaining({
        type: 'line.shorted',
        data: expect.objectContaining({ picked: 1, requested: 3, reason: 'damaged', via: 'voice' }),
      }),
    ]);
  });
});

describe('voice gateway: resume', () => {
  it('a terminal that drops gets the prompt it left, same promptId; nothing recorded twice', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['02', '04'] }));
    const t = await term();
    await t.hello('op1', '1234');
    await t.say('ready');
    const pick = await t.say('1 7');
    await t.drop();
    const t2 = await term();
    expect(await t2.hello('op1', '1234')).toEqual(pick);
    expect(await t2.say('2')).toMatchObject({ text: 'Aisle 03, slot 04.' });
    await t2.drop();
    const t3 = await term();
    expect(await t3.hello('op1', '1234')).toMatchObject({ text: 'Aisle 03, slot 04.' });
    expect((await voiceEvents()).map((e) => e.data.lineId)).toEqual(['VO1-02']);
  });

  it('after a controller restart the operator is back at the line they hold', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['02', '04'] }));
    const t = await term();
    await t.hello('op1', '1234');
    await t.say('ready');
    await t.say('1 7');
    await t.say('2');
    await t.drop();
    await f.stop();
    f = await voiceFloor(`${tmp.dir}/pl.db`);
    const t2 = await term();
    expect(await t2.hello('op1', '1234')).toMatchObject({
      text: 'Welcome back. Aisle 03, slot 04.',
      expect: 'check-digits',
    });
    await t2.say('84');
    await t2.say('4');
    expect((await voiceEvents()).map((e) => e.data.lineId)).toEqual(['VO1-02', 'VO1-04']);
  });

  it('one session per operator: a second sign-on closes the first terminal', async () => {
    const t = await term();
    await t.hello('op1', '1234');
    const t2 = await term();
    expect(await t2.hello('op1', '1234')).toMatchObject({ type: 'prompt', text: 'Say ready.' });
    expect(await t.next()).toMatchObject({ type: 'error', code: 'VOICE_SIGNED_ON_ELSEWHERE' });
    expect(await t.next()).toMatchObject({ type: 'closed' });
  });
});

describe('voice gateway: hostile clients', () => {
  it('bad JSON, unknown types, words before hello, wrong promptId, binary: an error each, nothing changes', async () => {
    f.waves.submit(voiceWave('VW1', { VO1: ['02'] }));
    const before = tableCounts(f.store);
    const t = await term();
    t.raw('{not json');
    expect(await t.next()).toMatchObject({
      type: 'error',
      code: 'VOICE_BAD_MESSAGE',
      message: /not JSON/,
    });
    t.send({ type: 'dance' });
    expect(await t.next()).toMatchObject({
      code: 'VOICE_BAD_MESSAGE',
      message: /unknown message type/,
    });
    t.raw('[1,2]');
    expect(await t.next()).toMatchObject({ code: 'VOICE_BAD_MESSAGE' });
    t.send({ type: 'words', promptId: 'p-1', text: 'ready' });
    expect(await t.next()).toMatchObject({ code: 'VOICE_OUT_OF_TURN', message: /hello first/ });
    t.send({ type: 'hello', operator: 'op1', pin: 1234 });
    expect(await t.next()).toMatchObject({ code: 'VOICE_BAD_MESSAGE', message: /"pin"/ });
    t.send({ type: 'hello', operator: 'op1', pin: '1234', mode: 'audio' });
    expect(await t.next()).toMatchObject({ code: 'VOICE_SPEECH_UNAVAILABLE' }); // no recogniser here
    t.send({ type: 'hello', operator: 'op1', pin: '1234', mode: 'video' });
    expect(await t.next()).toMatchObject({ code: 'VOICE_BAD_MESSAGE', message: /"mode"/ });
    await t.hello('op1', '1234');
    expect(await t.hello('op1', '1234')).toMatchObject({ code: 'VOICE_OUT_OF_TURN' });
    t.send({ type: 'words', promptId: 'p-999', text: 'ready' });
    expect(await t.next()).toMatchObject({ code: 'VOICE_OUT_OF_TURN', message: /not p-999/ });
    t.raw(Buffer.from([1, 2, 3]));
    expect(await t.next()).toMatchObject({ code: 'VOICE_BAD_MESSAGE', message: /binary/ });
    t.send({ type: 'words', promptId: t.prompt?.promptId, text: 'x'.repeat(201) });
    expect(await t.next()).toMatchObject({ code: 'VOICE_BAD_MESSAGE', message: /"text"/ });
    expect(tableCounts(f.store)).toEqual(before);
    expect(await t.say('ready')).toMatchObject({ type: 'prompt', expect: 'check-digits' });
  });

  it('a 1 MB frame closes that connection (1009); 100 silent connections are closed; the server stays healthy', async () => {
    const big = await term();
    big.raw('x'.repeat(1024 * 1024));
    expect(await big.next()).toMatchObject({ type: 'closed', code: 1009 });
    const silent = await Promise.all(Array.from({ length: 100 }, () => term()));
    const ends = await Promise.all(silent.map(async (s) => [await s.next(), await s.next()]));
    for (const [err, closed] of ends) {
      expect(err).toMatchObject({ type: 'error', code: 'VOICE_HELLO_TIMEOUT' });
      expect(closed).toMatchObject({ type: 'closed', code: 1008 });
    }
    const t = await term();
    expect(await t.hello('op2', '1234')).toMatchObject({ type: 'prompt', text: 'Say ready.' });
    const h = await f.app.inject({ url: '/healthz' });
    expect(h.statusCode).toBe(200);
  });

  it('another path is refused at the upgrade', async () => {
    const t = new VoiceTerminal(`${f.baseUrl}/nope`);
    await expect(t.connect()).rejects.toThrow(/404/);
  });
});

describe('voice gateway: heartbeats', () => {
  it('drops a signed-on terminal that stops answering pings; one that answers stays', async () => {
    await f.stop();
    f = await voiceFloor(`${tmp.dir}/pl2.db`, { pingMs: 50 });
    const hung = new VoiceTerminal(f.baseUrl, { autoPong: false });
    terms.push(hung);
    await hung.connect();
    const alive = await term();
    expect(await hung.hello('op1', '1234')).toMatchObject({ type: 'prompt' });
    expect(await alive.hello('op2', '1234')).toMatchObject({ type: 'prompt' });
    expect(await hung.next()).toMatchObject({ type: 'closed', code: 1006 });
    expect(alive.open).toBe(true);
    expect(await alive.say('repeat')).toMatchObject({ type: 'prompt', text: 'Say ready.' });
  });
});
