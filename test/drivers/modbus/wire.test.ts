/** PDUs, CRC and the two framings (device-drivers/modbus/master/pdu.ts, crc.ts, framing.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16, crcOk, rtuFrame } from '../../../device-drivers/modbus/master/crc.ts';
import { MbapFraming, RtuFraming } from '../../../device-drivers/modbus/master/framing.ts';
import {
  decodeResponse,
  encodeRequest,
  exceptionCode,
  expectedResponsePduLength,
  type ModbusRequest,
  responsePduLength,
} from '../../../device-drivers/modbus/master/pdu.ts';
import { lineTiming } from '../../../device-drivers/modbus/master/transport.ts';
import { isPicklineError } from '../../../kernel/errors.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('CRC-16/MODBUS', () => {
  it('matches the spec example (serial line spec appendix B: 02 07 → 41 12)', () => {
    expect(crc16(hex('0207'))).toBe(0x1241);
    expect(rtuFrame(2, hex('07'))).toEqual(hex('02 07 41 12'));
  });

  it('property: a frame passes, any flipped bit fails', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.nat(), (pdu, bit) => {
        const f = rtuFrame(1, Buffer.from(pdu));
        if (!crcOk(f)) return false;
        const i = bit % (f.length * 8);
        f[i >> 3] ^= 1 << (i & 7);
        return !crcOk(f);
      }),
    );
  });
});

describe('request PDUs (application protocol spec §6)', () => {
  it('encodes the function codes the profiles use', () => {
    expect(encodeRequest({ fc: 4, address: 0, count: 4 })).toEqual(hex('04 0000 0004'));
    expect(encodeRequest({ fc: 5, address: 0, value: true })).toEqual(hex('05 0000 ff00'));
    expect(encodeRequest({ fc: 6, address: 100, value: 17 })).toEqual(hex('06 0064 0011'));
    expect(encodeRequest({ fc: 16, address: 0, values: [2, 2, 12, 42] })).toEqual(
      hex('10 0000 0004 08 0002 0002 000c 002a'),
    );
    expect(encodeRequest({ fc: 15, address: 0, values: [true, false, true] })).toEqual(
      hex('0f 0000 0003 01 05'),
    );
  });

  it('rejects out-of-range values with UNSUPPORTED', () => {
    expect(() => encodeRequest({ fc: 6, address: 0, value: 70000 })).toThrow();
    expect(() => encodeRequest({ fc: 3, address: 0, count: 126 })).toThrow();
  });
});

describe('response PDUs', () => {
  it('decodes registers and bits', () => {
    expect(decodeResponse({ fc: 4, address: 0, count: 2 }, hex('04 04 0001 fffe'))).toEqual([
      1, 65534,
    ]);
    expect(decodeResponse({ fc: 2, address: 0, count: 3 }, hex('02 01 05'))).toEqual([1, 0, 1]);
  });

  it('checks the write echo', () => {
    const req: ModbusRequest = { fc: 16, address: 0, values: [1, 2, 3, 4] };
    expect(decodeResponse(req, hex('10 0000 0004'))).toEqual([]);
    expect(() => decodeResponse(req, hex('10 0000 0003'))).toThrow(/echo/);
  });

  it('an exception response is DEVICE_EXCEPTION with its code (§7)', () => {
    try {
      decodeResponse({ fc: 16, address: 0, values: [9] }, hex('90 02'));
      expect.unreachable();
    } catch (e) {
      expect(isPicklineError(e, 'DEVICE_EXCEPTION')).toBe(true);
      expect(exceptionCode(e)).toBe(2);
      expect((e as Error).message).toMatch(/illegal data address/);
    }
  });

  it('a wrong byte count or function is a frame error (DEVICE_CRC)', () => {
    for (const pdu of ['04 02 0001', '03 04 0000 0000']) {
      try {
        decodeResponse({ fc: 4, address: 0, count: 2 }, hex(pdu));
        expect.unreachable();
      } catch (e) {
        expect(isPicklineError(e, 'DEVICE_CRC')).toBe(true);
      }
    }
  });

  it('sizes a response from its first bytes', () => {
    expect(responsePduLength(hex('04'))).toBeNull();
    expect(responsePduLength(hex('04 08'))).toBe(10);
    expect(responsePduLength(hex('84'))).toBe(2);
    expect(responsePduLength(hex('10'))).toBe(5);
    expect(expectedResponsePduLength(encodeRequest({ fc: 4, address: 0, count: 4 }))).toBe(10);
    expect(expectedResponsePduLength(encodeRequest({ fc: 1, address: 0, count: 9 }))).toBe(4);
  });
});

describe('RTU framing', () => {
  it('accepts a whole frame from the addressed unit, however it is chunked', () => {
    const f = new RtuFraming();
    f.encode(5, encodeRequest({ fc: 4, address: 0, count: 1 }));
    const answer = rtuFrame(5, hex('04 02 002a'));
    expect(f.accept(answer.subarray(0, 3))).toBeNull();
    expect(f.accept(answer)).toEqual(hex('04 02 002a'));
  });

  it('a bad CRC is DEVICE_CRC', () => {
    const f = new RtuFraming();
    f.encode(5, hex('06 0000 0001'));
    const bad = rtuFrame(5, hex('06 0000 0001'));
    bad[bad.length - 1] ^= 0xff;
    expect(() => f.accept(bad)).toThrow(expect.objectContaining({ code: 'DEVICE_CRC' }));
  });

  it('skips a late answer from another unit or for another function', () => {
    const f = new RtuFraming();
    f.encode(5, hex('06 0000 0001'));
    const late = Buffer.concat([rtuFrame(6, hex('06 0000 0001')), rtuFrame(5, hex('04 02 0001'))]);
    expect(f.accept(late)).toBeNull();
    expect(f.accept(Buffer.concat([late, rtuFrame(5, hex('86 02'))]))).toEqual(hex('86 02'));
  });
});

describe('MBAP framing', () => {
  it('skips a late answer to an earlier transaction and takes the one with the current id', () => {
    const f = new MbapFraming();
    const first = f.encode(1, hex('04 0000 0001'));
    const second = f.encode(1, hex('04 0000 0001'));
    expect(second.readUInt16BE(0)).toBe(first.readUInt16BE(0) + 1);
    const answer = (tid: number, pdu: string) => {
      const p = hex(pdu);
      const b = Buffer.alloc(7 + p.length);
      b.writeUInt16BE(tid, 0);
      b.writeUInt16BE(p.length + 1, 4);
      b[6] = 1;
      p.copy(b, 7);
      return b;
    };
    const rx = Buffer.concat([
      answer(first.readUInt16BE(0), '04 02 0001'),
      answer(second.readUInt16BE(0), '04 02 0002'),
    ]);
    expect(f.accept(rx.subarray(0, 14))).toBeNull();
    expect(f.accept(rx)).toEqual(hex('04 02 0002'));
  });
});

describe('line timing (HARDWARE.md)', () => {
  it('t3.5 is 3.5 characters up to 19200 baud and 1.75 ms above', () => {
    expect(lineTiming(19200).charMs).toBeCloseTo(0.573, 3);
    expect(lineTiming(19200).silenceMs).toBeCloseTo(2.005, 3);
    expect(lineTiming(9600).silenceMs).toBeCloseTo(4.01, 2);
    expect(lineTiming(38400).silenceMs).toBe(1.75);
  });
});
