/**
 * Server side of the Modbus PDU, transport-independent: one request PDU in,
 * one response PDU (normal or exception) out. Checks follow the order of the
 * state diagrams in "MODBUS Application Protocol Specification V1.1b3" §6.1–6.12:
 * function code supported (else exception 01), quantity / byte count / value
 * well formed (else 03), address range exists (else 02), then execution.
 */
export const FC = {
  READ_COILS: 0x01,
  READ_DISCRETE_INPUTS: 0x02,
  READ_HOLDING_REGISTERS: 0x03,
  READ_INPUT_REGISTERS: 0x04,
  WRITE_SINGLE_COIL: 0x05,
  WRITE_SINGLE_REGISTER: 0x06,
  WRITE_MULTIPLE_COILS: 0x0f,
  WRITE_MULTIPLE_REGISTERS: 0x10,
} as const;

/** Exception codes, spec §7. */
export const EXCEPTION = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
} as const;

export const WRITE_FCS: ReadonlySet<number> = new Set([0x05, 0x06, 0x0f, 0x10]);

export type Table = 'coils' | 'discrete' | 'holding' | 'input';
export type Failure = { exception: number };

/** The four Modbus data tables of one server. Writes are all-or-nothing. */
export interface DataModel {
  read(table: Table, address: number, count: number): number[] | Failure;
  write(table: 'coils' | 'holding', address: number, values: number[]): Failure | null;
}

export function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, code & 0xff]);
}

export function isException(pdu: Buffer): boolean {
  return pdu.length === 2 && (pdu[0] & 0x80) !== 0;
}

const READ_TABLE: Record<number, { table: Table; max: number }> = {
  [FC.READ_COILS]: { table: 'coils', max: 2000 }, // §6.1: 1..0x7D0
  [FC.READ_DISCRETE_INPUTS]: { table: 'discrete', max: 2000 }, // §6.2
  [FC.READ_HOLDING_REGISTERS]: { table: 'holding', max: 125 }, // §6.3: 1..0x7D
  [FC.READ_INPUT_REGISTERS]: { table: 'input', max: 125 }, // §6.4
};

function packBits(bits: number[]): Buffer {
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3] |= 1 << (i & 7);
  });
  return out;
}

function unpackBits(buf: Buffer, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (buf[i >> 3] >> (i & 7)) & 1);
}

function fail(fc: number, r: Failure): Buffer {
  return exceptionPdu(fc, r.exception);
}

/** Executes one request PDU against `model`; never throws. */
export function serve(model: DataModel, pdu: Buffer): Buffer {
  if (pdu.length < 1) return exceptionPdu(0, EXCEPTION.ILLEGAL_FUNCTION);
  const fc = pdu[0];
  const read = READ_TABLE[fc];
  if (read) {
    if (pdu.length !== 5) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE);
    const address = pdu.readUInt16BE(1);
    const count = pdu.readUInt16BE(3);
    if (count < 1 || count > read.max) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE);
    if (address + count > 0x10000) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_ADDRESS);
    const r = model.read(read.table, address, count);
    if (!Array.isArray(r)) return fail(fc, r);
    if (read.table === 'coils' || read.table === 'discrete') {
      const bytes = packBits(r);
      return Buffer.concat([Buffer.from([fc, bytes.length]), bytes]);
    }
    const out = Buffer.alloc(2 + 2 * count);
    out[0] = fc;
    out[1] = 2 * count;
    r.forEach((v, i) => {
      out.writeUInt16BE(v & 0xffff, 2 + 2 * i);
    });
    return out;
  }
  switch (fc) {
    case FC.WRITE_SINGLE_COIL: {
      // §6.5: the value must be 0xFF00 (on) or 0x0000 (off); reply echoes the request.
      if (pdu.length !== 5) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE);
      const value = pdu.readUInt16BE(3);
      if (value !== 0xff00 && value !== 0) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE);
      const r = model.write('coils', pdu.readUInt16BE(1), [value ? 1 : 0]);
      return r ? fail(fc, r) : Buffer.from(pdu);
    }
    case FC.WRITE_SINGLE_REGISTER: {
      // §6.6: reply echoes the request.
      if (pdu.length !== 5) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE);
      const r = model.write('holding', pdu.readUInt16BE(1), [pdu.readUInt16BE(3)]);
      return r ? fail(fc, r) : Buffer.from(pdu);
    }
    case FC.WRITE_MULTIPLE_COILS: {
      // §6.11: quantity 1..0x7B0, byte count = ceil(N/8); reply = address + quantity.
      const count = pdu.length >= 6 ? pdu.readUInt16BE(3) : 0;
      const bc = pdu.length >= 6 ? pdu[5] : -1;
      if (count < 1 || count > 0x7b0 || bc !== Math.ceil(count / 8) || pdu.length !== 6 + bc) {
        return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE);
      }
      const address = pdu.readUInt16BE(1);
      if (address + count > 0x10000) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_ADDRESS);
      const r = model.write('coils', address, unpackBits(pdu.subarray(6), count));
      return r ? fail(fc, r) : Buffer.from(pdu.subarray(0, 5));
    }
    case FC.WRITE_MULTIPLE_REGISTERS: {
      // §6.12: quantity 1..0x7B, byte count = 2N; reply = address + quantity.
      const count = pdu.length >= 6 ? pdu.readUInt16BE(3) : 0;
      const bc = pdu.length >= 6 ? pdu[5] : -1;
      if (count < 1 || count > 0x7b || bc !== 2 * count || pdu.length !== 6 + bc) {
        return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_VALUE);
      }
      const address = pdu.readUInt16BE(1);
      if (address + count > 0x10000) return exceptionPdu(fc, EXCEPTION.ILLEGAL_DATA_ADDRESS);
      const values = Array.from({ length: count }, (_, i) => pdu.readUInt16BE(6 + 2 * i));
      const r = model.write('holding', address, values);
      return r ? fail(fc, r) : Buffer.from(pdu.subarray(0, 5));
    }
    default:
      return exceptionPdu(fc, EXCEPTION.ILLEGAL_FUNCTION);
  }
}

/**
 * Length of the RTU request frame (unit + PDU + CRC) starting at `buf[0]`, from
 * its function code: 'more' when more bytes are needed to tell, 'unknown' for
 * a function code this server cannot size (frame it by silence instead).
 */
export function rtuRequestLength(buf: Buffer): number | 'more' | 'unknown' {
  if (buf.length < 2) return 'more';
  const fc = buf[1];
  if (fc >= 0x01 && fc <= 0x06) return 8;
  if (fc === FC.WRITE_MULTIPLE_COILS || fc === FC.WRITE_MULTIPLE_REGISTERS) {
    return buf.length < 7 ? 'more' : 9 + buf[6];
  }
  return 'unknown';
}
