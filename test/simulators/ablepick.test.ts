/**
 * The ABLEPick controller simulator on the wire, with a raw socket (no driver
 * code): bitmap replies, failure replies, resynchronisation after garbage,
 * key events with the displayed characters, the broadcast address offer.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AblePickSimulator } from '../../simulators/ablepick/index.ts';
import { until } from '../kit/until.ts';

let sim: AblePickSimulator;
let sock: Socket;
let got: Buffer;

const f = (type: number, sub: number, node: number, data: number[] = []) =>
  Buffer.from([8 + data.length, 0, type, 0, 0, 0, sub, node, ...data]);
const hex = (b: Buffer) => b.toString('hex').match(/../g)?.join(' ') ?? '';
const reply = async (n: number) => {
  await until(() => got.length >= n, `${n} bytes`);
  const out = got.subarray(0, n);
  got = got.subarray(n);
  return hex(out);
};

beforeEach(async () => {
  sim = new AblePickSimulator({ tags: { 1: [1, 2, 10], 2: [3] } });
  const { host, port } = await sim.start();
  got = Buffer.alloc(0);
  sock = connect(port, host);
  sock.on('data', (c) => {
    got = Buffer.concat([got, c]);
  });
  await new Promise((r) => sock.once('connect', r));
  await until(() => sim.connections === 1, 'accepted');
});
afterEach(async () => {
  sock.destroy();
  await sim.stop();
});

describe('ABLEPick controller simulator', () => {
  it('answers 0x09 with a bitmap of the polling range, clear bits for connected tags', async () => {
    sock.write(f(0x60, 0x08, 10)); // polling range 10 → two bitmap bytes
    sock.write(f(0x60, 0x09, 0xfc));
    // tags 1, 2, 10 connected: 1111_1100, 1111_1101
    expect(await reply(13)).toBe('0d 00 60 00 00 00 09 fc 00 00 00 fc fd');
    sim.tag(2).fault = 'silent';
    sock.write(f(0x61, 0x09, 0xfc));
    expect(await reply(36)).toMatch(/^24 00 61 00 00 00 09 fc 00 00 00 fb ff/); // port 2: tag 3
  });

  it('answers a command to an absent or silent tag with 0x0A, a malfunctioning one with 0x0B, an unknown sub-command with 0x0C', async () => {
    sock.write(f(0x60, 0x02, 7));
    expect(await reply(8)).toBe('08 00 60 00 00 00 0a 07');
    sim.tag(1).fault = 'malfunction';
    sock.write(f(0x60, 0x02, 1));
    expect(await reply(8)).toBe('08 00 60 00 00 00 0b 01');
    sock.write(f(0x60, 0x77, 2));
    expect(await reply(8)).toBe('08 00 60 00 00 00 0c 02');
  });

  it('skips garbage and shows the quantity of the next whole frame; a press reports it after +/-', async () => {
    sock.write(Buffer.from([0xff, 0x60, 0x00, 0x13]));
    sock.write(f(0x60, 0x00, 2, [0, 0, 0, 0, 0x31, 0x32, 0]));
    await until(() => sim.tag(2).display === 12, 'shown');
    expect(sim.counters.skipped).toBe(4);
    sim.tag(2).adjust(-2);
    sim.press(2, 'confirm');
    expect(await reply(15)).toBe('0f 00 60 00 00 00 06 02 00 00 00 00 31 30 00');
  });

  it('offers a broadcast address to every tag; the one whose key is pressed takes it', async () => {
    sock.write(f(0x60, 0x3a, 0xfc, [0x40, 0x1b, 0x1b, 0x10, 20]));
    await until(() => sim.tag(1).offered === 20 && sim.tag(10).offered === 20, 'offered');
    expect(sim.tag(10).look.text).toBe('10-20');
    sim.press(10, 'short');
    expect(await reply(9)).toBe('09 00 60 00 00 00 64 14 0a'); // 0x64: new address 20, old 10
    expect(sim.has(20)).toBe(true);
    sock.write(f(0x60, 0x01, 0xfc)); // clear withdraws the other offers
    await until(() => sim.tag(1).offered === null, 'withdrawn');
  });

  it('hangs on request: stays connected, answers nothing and reports no press, then answers again', async () => {
    sim.hang(true);
    sock.write(f(0x60, 0x09, 0xfc));
    sock.write(f(0x60, 0x02, 7)); // absent tag: would get 0x0A
    await until(() => sim.counters.ignored === 2, 'ignored');
    expect(sim.press(1, 'confirm')).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.length).toBe(0);
    expect(sim.connections).toBe(1);
    sim.hang(false);
    sock.write(f(0x60, 0x02, 7));
    expect(await reply(8)).toBe('08 00 60 00 00 00 0a 07'); // only the frame sent after
    expect(sim.press(1, 'confirm')).toBe(true);
  });
});
