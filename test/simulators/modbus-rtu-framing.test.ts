/** RTU framing (pure) and the wire-time model against the figures of HARDWARE.md. */
import { describe, expect, it } from 'vitest';
import { rtuFrame } from '../../simulators/modbus/crc.ts';
import {
  BusClock,
  charTimeMs,
  crc16,
  t35Ms,
  transactionMs,
} from '../../simulators/modbus/index.ts';
import { RtuFramer } from '../../simulators/modbus/rtu-framer.ts';

const read = (unit: number) => rtuFrame(unit, Buffer.from([3, 0, 0, 0, 4]));
const write16 = (unit: number) => rtuFrame(unit, Buffer.from([0x10, 0, 0, 0, 2, 4, 0, 1, 0, 2]));
const kinds = (evs: { kind: string }[]) => evs.map((e) => e.kind);

describe('CRC-16/MODBUS', () => {
  it('matches the check value of the spec example and the catalogue (0x4B37 for "123456789")', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x4b37);
    expect([...rtuFrame(1, Buffer.from([3, 0, 0, 0, 1]))]).toEqual([1, 3, 0, 0, 0, 1, 0x84, 0x0a]);
  });
});

describe('RtuFramer', () => {
  it('cuts frames by the length the function code implies, across and within chunks', () => {
    const f = new RtuFramer();
    const a = read(1);
    const b = write16(2);
    expect(f.push(a.subarray(0, 3), 0)).toEqual([]);
    const evs = f.push(Buffer.concat([a.subarray(3), b]), 1);
    expect(evs).toMatchObject([
      { kind: 'frame', unit: 1, bytes: 8, arrivedAt: 0 },
      { kind: 'frame', unit: 2, bytes: 13 },
    ]);
    expect(f.pending).toBe(0);
  });

  it('counts one CRC error and resynchronises on the next good frame', () => {
    const f = new RtuFramer();
    const bad = read(1);
    bad[6] ^= 0xff;
    const evs = f.push(Buffer.concat([Buffer.from([0x55]), bad, read(3)]), 0);
    expect(kinds(evs)).toEqual(['crc-error', 'frame']);
    expect(evs[1]).toMatchObject({ unit: 3 });
  });

  it('the tail of a CRC-failed frame is not counted again at silence', () => {
    const f = new RtuFramer();
    const bad = read(1);
    bad[7] ^= 1;
    expect(kinds(f.push(bad, 0))).toEqual(['crc-error']);
    expect(f.idle()).toEqual([]);
    expect(kinds(f.push(read(1), 1))).toEqual(['frame']);
  });

  it('ends a frame of an unknown function code at silence, so it can get exception 01', () => {
    const f = new RtuFramer();
    expect(f.push(rtuFrame(1, Buffer.from([0x2b, 0x0e, 1, 0])), 0)).toEqual([]);
    expect(f.idle()).toMatchObject([
      { kind: 'frame', unit: 1, pdu: Buffer.from([0x2b, 0x0e, 1, 0]) },
    ]);
  });

  it('drops an incomplete frame at silence', () => {
    const f = new RtuFramer();
    f.push(read(1).subarray(0, 5), 0);
    expect(f.idle()).toEqual([{ kind: 'dropped', bytes: 5, reason: 'incomplete' }]);
    expect(kinds(f.push(read(1), 1))).toEqual(['frame']);
  });
});

describe('wire-time model (HARDWARE.md "Modbus RTU timing")', () => {
  it('reproduces the best-case table', () => {
    expect(charTimeMs(19200)).toBeCloseTo(0.573, 3);
    expect(t35Ms(9600)).toBeCloseTo(4.01, 2);
    expect(t35Ms(38400)).toBe(1.75);
    expect(transactionMs(9600, 8, 8)).toBeCloseTo(26.4, 1);
    expect(transactionMs(19200, 8, 8)).toBeCloseTo(13.2, 1);
    expect(transactionMs(19200, 9 + 8, 8)).toBeCloseTo(18.3, 1); // FC16 × 4
    expect(transactionMs(19200, 8, 5 + 8)).toBeCloseTo(16.0, 1); // FC04 × 4
    expect(transactionMs(38400, 8, 8)).toBeCloseTo(8.1, 1);
    expect(transactionMs(115200, 8, 8)).toBeCloseTo(5.0, 1);
  });

  it('a request arriving while the bus is busy starts when the bus is free', () => {
    const clock = new BusClock(19200);
    const first = clock.reply(0, 8, 8, 0);
    expect(first).toBeCloseTo(13.2, 1);
    expect(clock.reply(1, 8, 8, 5)).toBeCloseTo(first + 13.2 + 5, 1);
    clock.noReply(0, 8);
    expect(clock.reply(0, 8, 8, 0)).toBeCloseTo(first + 18.2 + 8 * 0.573 + 2.005 + 13.2, 1);
  });
});
