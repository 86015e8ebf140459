/**
 * Modbus application PDUs: encode requests, size and decode responses. Pure.
 * Source: Modbus Application Protocol Specification V1.1b3, §6 (function codes)
 * and §7 (exception responses). Addresses are 0-based protocol addresses.
 */
import { PicklineError } from '../../../kernel/errors.ts';

export type ModbusRequest =
  | { fc: 1 | 2 | 3 | 4; address: number; count: number }
  | { fc: 5; address: number; value: boolean }
  | { fc: 6; address: number; value: number }
  | { fc: 15; address: number; values: boolean[] }
  | { fc: 16; address: number; values: number[] };

/** §7: exception codes a device may answer with. */
export const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

const u16 = (v: number, what: string): number => {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
    throw new PicklineError('UNSUPPORTED', `${what} ${v} is not a 16-bit unsigned value`);
  }
  return v;
};

export function encodeRequest(req: ModbusRequest): Buffer {
  u16(req.address, 'address');
  switch (req.fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      const max = req.fc <= 2 ? 2000 : 125; // §6.1–6.4 quantity limits
      if (!Number.isInteger(req.count) || req.count < 1 || req.count > max) {
        throw new PicklineError('UNSUPPORTED', `FC${req.fc} count ${req.count} outside 1..${max}`);
      }
      const b = Buffer.alloc(5);
      b[0] = req.fc;
      b.writeUInt16BE(req.address, 1);
      b.writeUInt16BE(req.count, 3);
      return b;
    }
    case 5: {
      const b = Buffer.alloc(5);
      b[0] = 5;
      b.writeUInt16BE(req.address, 1);
      b.writeUInt16BE(req.value ? 0xff00 : 0x0000, 3); // §6.5
      return b;
    }
    case 6: {
      const b = Buffer.alloc(5);
      b[0] = 6;
      b.writeUInt16BE(req.address, 1);
      b.writeUInt16BE(u16(req.value, 'value'), 3);
      return b;
    }
    case 15: {
      const n = req.values.length;
      const bytes = Math.ceil(n / 8);
      const b = Buffer.alloc(6 + bytes);
      b[0] = 15;
      b.writeUInt16BE(req.address, 1);
      b.writeUInt16BE(n, 3);
      b[5] = bytes;
      req.values.forEach((v, i) => {
        if (v) b[6 + (i >> 3)] |= 1 << (i & 7);
      });
      return b;
    }
    case 16: {
      const n = req.values.length;
      if (n < 1 || n > 123)
        throw new PicklineError('UNSUPPORTED', `FC16 count ${n} outside 1..123`);
      const b = Buffer.alloc(6 + 2 * n);
      b[0] = 16;
      b.writeUInt16BE(req.address, 1);
      b.writeUInt16BE(n, 3);
      b[5] = 2 * n;
      req.values.forEach((v, i) => {
        b.writeUInt16BE(u16(v, 'value'), 6 + 2 * i);
      });
      return b;
    }
  }
}

/**
 * Length of the whole response PDU once enough of it has arrived, else `null`.
 * RTU has no length field; a master knows the size from the function code
 * (serial line spec §2.5.1.1: frame end is otherwise only marked by t3.5).
 */
export function responsePduLength(pdu: Uint8Array): number | null {
  if (pdu.length < 1) return null;
  const fc = pdu[0];
  if (fc & 0x80) return 2;
  if (fc >= 1 && fc <= 4) return pdu.length < 2 ? null : 2 + pdu[1];
  if (fc === 5 || fc === 6 || fc === 15 || fc === 16) return 5;
  return 2; // unknown function code: treat as the shortest frame; decode rejects it
}

/** A response that is well-framed but does not answer the request. */
export function malformed(msg: string): PicklineError {
  return new PicklineError('DEVICE_CRC', `malformed response: ${msg}`);
}

/**
 * Decodes a response PDU for `req`. Reads return registers (FC03/04) or bits as
 * 0/1 (FC01/02); writes return `[]`. Throws DEVICE_EXCEPTION for an exception
 * response (§7) and DEVICE_CRC (malformed) when the answer does not match.
 */
export function decodeResponse(req: ModbusRequest, pdu: Buffer): number[] {
  const fc = pdu[0];
  if (fc === (req.fc | 0x80)) {
    const code = pdu[1];
    const err = new PicklineError(
      'DEVICE_EXCEPTION',
      `exception ${code} (${EXCEPTION_NAMES[code] ?? 'unknown'}) to FC${req.fc}`,
    );
    Object.assign(err, { exceptionCode: code });
    throw err;
  }
  if (fc !== req.fc) throw malformed(`function ${fc} answers FC${req.fc}`);
  switch (req.fc) {
    case 1:
    case 2: {
      const bytes = Math.ceil(req.count / 8);
      if (pdu[1] !== bytes || pdu.length !== 2 + bytes) throw malformed('bit byte count');
      return Array.from({ length: req.count }, (_, i) => (pdu[2 + (i >> 3)] >> (i & 7)) & 1);
    }
    case 3:
    case 4: {
      if (pdu[1] !== 2 * req.count || pdu.length !== 2 + 2 * req.count) {
        throw malformed('register byte count');
      }
      return Array.from({ length: req.count }, (_, i) => pdu.readUInt16BE(2 + 2 * i));
    }
    default: {
      // §6.5, 6.6, 6.11, 6.12: the echo of address and value/quantity
      const echo = encodeRequest(req).subarray(0, 5);
      if (pdu.length !== 5 || !pdu.equals(echo)) throw malformed('write echo differs');
      return [];
    }
  }
}

/** Exception code of a DEVICE_EXCEPTION error, if any. */
export function exceptionCode(e: unknown): number | undefined {
  return (e as { exceptionCode?: number } | null)?.exceptionCode;
}

/** Size of the response PDU a well-behaved device sends for this request PDU. */
export function expectedResponsePduLength(request: Uint8Array): number {
  const fc = request[0];
  const n = request.length >= 5 ? (request[3] << 8) | request[4] : 0;
  if (fc === 1 || fc === 2) return 2 + Math.ceil(n / 8);
  if (fc === 3 || fc === 4) return 2 + 2 * n;
  return 5;
}
