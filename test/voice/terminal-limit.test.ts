/**
 * Idle sockets must not lock real terminals out. The limit
 * counts signed-on terminals (`voice.maxTerminals`); when the room for
 * connections not yet signed on is full, the oldest of them is closed.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VoiceTerminal } from '../../simulators/voice/terminal.ts';
import { rawRequest, upgradeRequest } from '../helpers/child.ts';
import { tempDir } from '../helpers/harness.ts';
import { type VoiceFloor, voiceFloor } from '../helpers/voice.ts';

let tmp: ReturnType<typeof tempDir> | null = null;
let f: VoiceFloor | null = null;
const terms: VoiceTerminal[] = [];
const sockets: Socket[] = [];

async function floor(opts: Parameters<typeof voiceFloor>[1]): Promise<VoiceFloor> {
  tmp = tempDir();
  f = await voiceFloor(`${tmp.dir}/pl.db`, opts);
  return f;
}

async function term(): Promise<VoiceTerminal> {
  const t = new VoiceTerminal(f!.baseUrl);
  terms.push(t);
  await t.connect();
  return t;
}

afterEach(async () => {
  await Promise.all(terms.splice(0).map((t) => t.drop()));
  for (const s of sockets.splice(0)) s.destroy();
  await f?.stop();
  tmp?.remove();
  f = null;
  tmp = null;
});

describe('voice terminal limit: idle sockets never keep a signed-on terminal out', {
  timeout: 90_000,
}, () => {
  it('a real terminal signs on with 500 idle sockets open from its own address', async () => {
    await floor({ helloTimeoutMs: 60_000 });
    const idle = await Promise.all(Array.from({ length: 500 }, () => term()));
    expect(idle.every((t) => t.open)).toBe(true);
    const t = await term();
    expect(await t.hello('op1', '1234')).toMatchObject({ type: 'prompt', text: 'Say ready.' });
  });

  it('when the room for idle connections is full the oldest is closed (1013), not the newcomer', async () => {
    await floor({ helloTimeoutMs: 60_000, maxPending: 16 });
    const idle: VoiceTerminal[] = [];
    for (let i = 0; i < 500; i++) idle.push(await term());
    const t = await term();
    expect(await t.hello('op1', '1234')).toMatchObject({ type: 'prompt', text: 'Say ready.' });
    // the first 485 made room for the ones after them; the newest 15 are still open
    expect(await idle[0].next()).toMatchObject({ type: 'error', code: 'VOICE_HELLO_TIMEOUT' });
    expect(await idle[0].next()).toMatchObject({ type: 'closed', code: 1013 });
    expect(await idle[484].next()).toMatchObject({ type: 'error', code: 'VOICE_HELLO_TIMEOUT' });
    expect(idle.slice(485).every((x) => x.open)).toBe(true);
    // a signed-on terminal is never evicted: 16 more idle connections leave op1 signed on
    for (let i = 0; i < 16; i++) await term();
    expect(t.open).toBe(true);
    expect(await t.say('ready')).toMatchObject({ type: 'prompt' });
  });

  it('a connection closed to make room that never answers the close is cut off, not held for 30 s', async () => {
    await floor({ helloTimeoutMs: 60_000, maxPending: 1 });
    const port = Number(new URL(f!.baseUrl).port);
    // a raw client: takes the upgrade, then never reads frames nor answers a close
    const { socket, head } = await rawRequest(port, upgradeRequest('/api/v1/voice', port));
    sockets.push(socket);
    expect(head).toMatch(/^HTTP\/1.1 101/);
    const ended = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    const t = await term(); // the room holds one: the raw client is closed to make room
    const from = Date.now();
    // ws waits 30 s for the close handshake; the gateway terminates the socket after 1 s
    expect((await ended) - from).toBeLessThan(15_000);
    expect(await t.hello('op1', '1234')).toMatchObject({ type: 'prompt' });
  });

  it('maxTerminals counts signed-on terminals; past it a hello gets VOICE_TERMINALS_FULL', async () => {
    await floor({ maxTerminals: 2 });
    const a = await term();
    const b = await term();
    const c = await term(); // connected, not signed on: does not count
    expect(await a.hello('op1', '1234')).toMatchObject({ type: 'prompt' });
    expect(await b.hello('op2', '1234')).toMatchObject({ type: 'prompt' });
    expect(await c.hello('op3', '1234')).toMatchObject({
      type: 'error',
      code: 'VOICE_TERMINALS_FULL',
    });
    expect(await c.next()).toMatchObject({ type: 'closed', code: 1013 });
    // an operator signing on again replaces their own terminal: allowed at the limit
    const a2 = await term();
    expect(await a2.hello('op1', '1234')).toMatchObject({ type: 'prompt' });
    expect(await a.next()).toMatchObject({ code: 'VOICE_SIGNED_ON_ELSEWHERE' });
    // one signs off: room again
    await b.drop();
    const d = await term();
    for (let i = 0; ; i++) {
      const m = await d.hello('op3', '1234');
      if (m.type === 'prompt') break;
      expect(i).toBeLessThan(1); // the close of b may still be in flight once
    }
  });
});
