/**
 * Wire framings of one Modbus transaction: RTU (serial line spec §2.5.1) and
 * MBAP (Modbus Messaging on TCP/IP Implementation Guide V1.0b, §3.1.3). The
 * same RTU framing serves a serial port and a transparent RTU-over-TCP gateway.
 *
 * Contract of `accept`: given every byte received since the request was sent,
 * return the response PDU once complete, `null` while more bytes are needed,
 * or throw DEVICE_CRC for a frame that is corrupt.
 */
import { PicklineError } from '../../../kernel/errors.ts';
import { crcOk, rtuFrame } from './crc.ts';
import { responsePduLength } from './pdu.ts';

export interface Framing {
  readonly name: 'rtu' | 'mbap';
  /** Frames a request; remembers what `accept` must match. */
  encode(unit: number, pdu: Buffer): Buffer;
  accept(rx: Buffer): Buffer | null;
}

export class RtuFraming implements Framing {
  readonly name = 'rtu';
  private unit = 0;
  private fc = 0;

  encode(unit: number, pdu: Buffer): Buffer {
    this.unit = unit;
    this.fc = pdu[0];
    return rtuFrame(unit, pdu);
  }

  /**
   * A frame with a good CRC from another unit or for another function is a late
   * answer to an earlier, timed-out request (RTU has no transaction id): it is
   * skipped, not counted as a CRC error.
   */
  accept(rx: Buffer): Buffer | null {
    let off = 0;
    for (;;) {
      const len = responsePduLength(rx.subarray(off + 1));
      if (len === null || rx.length - off < len + 3) return null;
      const adu = rx.subarray(off, off + len + 3);
      if (!crcOk(adu))
        throw new PicklineError('DEVICE_CRC', `CRC error in a frame from unit ${adu[0]}`);
      if (adu[0] === this.unit && (adu[1] & 0x7f) === this.fc)
        return Buffer.from(adu.subarray(1, len + 1));
      off += len + 3;
    }
  }
}

export class MbapFraming implements Framing {
  readonly name = 'mbap';
  private tid = 0;
  private unit = 0;

  encode(unit: number, pdu: Buffer): Buffer {
    this.tid = (this.tid + 1) & 0xffff;
    this.unit = unit;
    const out = Buffer.alloc(7 + pdu.length);
    out.writeUInt16BE(this.tid, 0);
    out.writeUInt16BE(0, 2); // protocol id 0 = Modbus
    out.writeUInt16BE(pdu.length + 1, 4);
    out[6] = unit;
    pdu.copy(out, 7);
    return out;
  }

  /** Frames with another transaction id (late answers to a timed-out request) are skipped. */
  accept(rx: Buffer): Buffer | null {
    let off = 0;
    while (rx.length - off >= 7) {
      const len = rx.readUInt16BE(off + 4);
      if (rx.readUInt16BE(off + 2) !== 0 || len < 2 || len > 254) {
        throw new PicklineError('DEVICE_CRC', 'malformed MBAP header');
      }
      if (rx.length - off < 6 + len) return null;
      if (rx.readUInt16BE(off) === this.tid) {
        if (rx[off + 6] !== this.unit) {
          throw new PicklineError(
            'DEVICE_CRC',
            `answer from unit ${rx[off + 6]}, expected ${this.unit}`,
          );
        }
        return Buffer.from(rx.subarray(off + 7, off + 6 + len));
      }
      off += 6 + len;
    }
    return null;
  }
}
