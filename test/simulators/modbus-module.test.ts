/**
 * Module behaviour driven by the profile, through ModuleBank.handle() (the
 * one place every transport uses): key presses, +/-, re-addressing, status,
 * faults, broadcast, waiters.
 */
import { describe, expect, it } from 'vitest';
import { isPicklineError } from '../../kernel/errors.ts';
import { ModuleBank } from '../../simulators/modbus/index.ts';
import { sleep } from './mb.ts';

const fc16 = (address: number, values: number[]) => {
  const b = Buffer.alloc(6 + 2 * values.length);
  b[0] = 0x10;
  b.writeUInt16BE(address, 1);
  b.writeUInt16BE(values.length, 3);
  b[5] = 2 * values.length;
  values.forEach((v, i) => {
    b.writeUInt16BE(v, 6 + 2 * i);
  });
  return b;
};
const fc06 = (address: number, value: number) =>
  Buffer.from([6, address >> 8, address & 255, value >> 8, value & 255]);
const fc05 = (address: number, on: boolean) =>
  Buffer.from([5, address >> 8, address & 255, on ? 0xff : 0, 0]);

function reply(bank: ModuleBank, unit: number, pdu: Buffer): number[] {
  const r = bank.handle(unit, pdu);
  if (r.kind !== 'reply') throw new Error(`no reply: ${r.reason}`);
  return [...r.pdu];
}

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isPicklineError(e) ? e.code : String(e);
  }
  return undefined;
}

describe('pickline-ptl-v1 (counter events, local +/-, re-address on key)', () => {
  const make = () => new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2] });

  it('press: EVENT_COUNT++, EVENT_KEY, EVENT_QTY = display shown, EVENT_SEQ = JOB_SEQ', () => {
    const bank = make();
    const m = bank.module(1);
    reply(bank, 1, fc16(0, [1, 2, 3, 41]));
    m.press('confirm');
    expect(m.readInput(0, 4)).toEqual([1, 1, 3, 41]);
    m.press('short');
    expect(m.readInput(0, 4)).toEqual([2, 2, 3, 41]);
  });

  it('EVENT_COUNT wraps at 65535', () => {
    const m = make().module(1);
    for (let i = 0; i < 65_536; i++) m.press();
    expect(m.readInput(0, 1)).toEqual([0]);
  });

  it('+/- change the display locally, clamped at 0 and displayMax, and the press reports it', () => {
    const bank = make();
    const m = bank.module(2);
    reply(bank, 2, fc16(0, [1, 2, 5, 9]));
    const causes: string[] = [];
    m.on('change', (s, cause) => causes.push(`${s.display} ${cause}`));
    m.minus(2);
    expect(m.state().display).toBe(3);
    m.minus(10);
    expect(m.state().display).toBe(0);
    m.plus(20_000);
    expect(m.state().display).toBe(9999);
    m.minus();
    m.press();
    expect(m.readInput(0, 4)).toEqual([1, 1, 9998, 9]);
    expect(causes).toEqual(['3 local', '0 local', '9999 local', '9998 local']);
  });

  it('+/- do nothing on a blank display; a press then reports the blank code', () => {
    const m = make().module(1);
    m.plus(3);
    expect(m.state().display).toBeNull();
    m.press();
    expect(m.readInput(2, 1)).toEqual([65535]);
  });

  it('a written UNIT_ID is pending until confirm; that press is consumed, not an event', () => {
    const bank = make();
    const m = bank.module(1);
    const moves: string[] = [];
    m.on('address', (from, to) => moves.push(`${from}->${to}`));
    expect(reply(bank, 1, fc06(100, 42))).toEqual([6, 0, 100, 0, 42]);
    expect(m.address).toBe(1);
    expect(m.readHolding(100)).toEqual([42]);
    m.press('short'); // only confirm accepts
    expect(m.address).toBe(1);
    m.press('confirm');
    expect(m.address).toBe(42);
    expect(m.readInput(0, 1)).toEqual([1]); // the short press only
    expect(moves).toEqual(['1->42']);
    expect(bank.module(42)).toBe(m);
    expect(thrownCode(() => bank.module(1))).toBe('MODULE_NOT_FOUND');
    expect(bank.handle(1, fc06(0, 1))).toEqual({ kind: 'none', reason: 'unknown-unit' });
  });

  it('status bits are readable where the profile says', () => {
    const m = make().module(1);
    m.setStatusBits(3);
    expect(m.readInput(4)).toEqual([3]);
  });

  it('identity registers come from the profile map', () => {
    expect(make().module(2).readInput(10, 4)).toEqual([1, 1, 0, 10_002]);
  });

  it('unsupported keys throw UNSUPPORTED', () => {
    const m = make().module(1);
    expect(thrownCode(() => m.press('fn' as 'confirm'))).toBe('UNSUPPORTED');
  });

  it('broadcast (unit 0) writes reach every module except a silent one; no reply', () => {
    const bank = make();
    bank.module(2).setFault({ kind: 'silence' });
    expect(bank.handle(0, fc16(0, [1, 1, 1, 1]))).toEqual({ kind: 'none', reason: 'broadcast' });
    expect(bank.module(1).state().mode).toBe('on');
    expect(bank.module(2).state().mode).toBe('off');
  });

  it('faults shape the reply: bad-crc corrupts, slow delays, exception replaces', () => {
    const bank = make();
    const m = bank.module(1);
    m.setFault({ kind: 'bad-crc' });
    expect(bank.handle(1, fc06(0, 1))).toMatchObject({ kind: 'reply', corrupt: true });
    expect(m.state().mode).toBe('on'); // executed; only the reply is damaged
    m.setFault({ kind: 'slow', ms: 40 });
    expect(bank.handle(1, fc06(0, 2))).toMatchObject({
      kind: 'reply',
      delayMs: 40,
      corrupt: false,
    });
    m.setFault({ kind: 'exception', code: 6 });
    expect(bank.handle(1, fc06(0, 3))).toMatchObject({
      kind: 'reply',
      exception: true,
      pdu: Buffer.from([0x86, 6]),
    });
    expect(m.state().mode).toBe('blink');
  });
});

describe('generic-io-lamp-v1 (coil lamp, keys as discrete inputs, immediate re-address)', () => {
  const make = (holdMs?: number) =>
    new ModuleBank({ profile: 'generic-io-lamp-v1', addresses: [1, 2], holdMs });

  it('the lamp coil decodes to mode on/off; no colour, display or seq', () => {
    const bank = make();
    expect(reply(bank, 1, fc05(0, true))).toEqual([5, 0, 0, 0xff, 0]);
    expect(bank.module(1).state()).toEqual({
      mode: 'on',
      color: null,
      display: null,
      seq: 0,
      lamp: true,
      buzzer: false,
    });
  });

  it('a press holds its discrete input at 1 for holdMs (default 300 ms), then 0', async () => {
    const bank = make(60);
    const m = bank.module(1);
    m.press('confirm');
    expect(m.readDiscrete(0, 2)).toEqual([1, 0]);
    await sleep(80);
    expect(m.readDiscrete(0, 2)).toEqual([0, 0]);
    m.press('short', 1000);
    expect(m.readDiscrete(0, 2)).toEqual([0, 1]);
  });

  it('the default hold is 300 ms', async () => {
    const m = make().module(2);
    m.press();
    await sleep(200);
    expect(m.readDiscrete(0, 1)).toEqual([1]);
  });

  it('re-addresses immediately on a write of holding register 16384', () => {
    const bank = make();
    reply(bank, 2, fc06(16384, 200));
    expect(bank.module(200).readHolding(16384)).toEqual([200]);
  });

  it('has no +/- and no status register', () => {
    const m = make().module(1);
    expect(thrownCode(() => m.plus())).toBe('UNSUPPORTED');
    expect(thrownCode(() => m.setStatusBits(1))).toBe('UNSUPPORTED');
  });

  it('holding registers outside the map and writes to inputs are refused', () => {
    const bank = make();
    expect(reply(bank, 1, Buffer.from([3, 0, 0, 0, 1]))).toEqual([0x83, 2]);
    expect(reply(bank, 1, Buffer.from([0x17, 0, 0]))).toEqual([0x97, 1]);
  });
});

describe('ModuleBank', () => {
  it('rejects unknown profiles and bad addresses with catalogue codes', () => {
    expect(thrownCode(() => new ModuleBank({ profile: 'nope', addresses: [1] }))).toBe(
      'PROFILE_INVALID',
    );
    expect(thrownCode(() => new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [0] }))).toBe(
      'CONFIG_INVALID',
    );
    expect(
      thrownCode(() => new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [3, 3] })),
    ).toBe('CONFIG_INVALID');
  });

  it('two modules sharing an id both act and garble the reply', () => {
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2] });
    reply(bank, 2, fc06(100, 1));
    bank.module(2).press();
    expect(bank.modules().map((m) => m.address)).toEqual([1, 1]);
    expect(bank.handle(1, fc06(0, 1))).toMatchObject({ kind: 'reply', corrupt: true });
    expect(bank.modules().every((m) => m.state().mode === 'on')).toBe(true);
  });

  it('waitFor resolves when the predicate holds, and names what it waited for on timeout', async () => {
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1] });
    setTimeout(() => bank.handle(1, fc16(0, [1, 1, 1, 1])), 20);
    await bank.waitFor(() => bank.module(1).state().lamp, 1000, 'module 1 to light');
    const err = await bank.waitFor(() => false, 30, 'module 1 to go dark').catch((e: unknown) => e);
    expect(isPicklineError(err, 'DEVICE_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/after 30 ms waiting for module 1 to go dark/);
  });
});
