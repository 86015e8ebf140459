/**
 * Splits the byte stream of a serial line into RTU request frames. Pure: the
 * transport feeds bytes with their arrival time and tells it when the line
 * went idle.
 *
 * MODBUS over Serial Line v1.02 §2.5.1.1 delimits frames by a 3.5-character
 * silence; a pty or a USB adapter blurs that timing, so frames are cut by
 * length instead, computed from the function code (pdu.ts `rtuRequestLength`).
 * Silence is still used to (a) end a frame whose function code cannot be
 * sized, so it can be answered with exception 01, and (b) discard an
 * incomplete frame. After a CRC failure the framer resynchronises by sliding
 * one byte at a time until a frame with a good CRC starts the buffer.
 */
import { crcOk } from './crc.ts';
import { rtuRequestLength } from './pdu.ts';

export type FramerEvent =
  | { kind: 'frame'; unit: number; pdu: Buffer; bytes: number; arrivedAt: number }
  | { kind: 'crc-error'; bytes: number }
  | { kind: 'dropped'; bytes: number; reason: 'incomplete' | 'oversize' };

/** Largest RTU ADU (spec §2.5.1: 256 bytes). */
const MAX_ADU = 256;

export class RtuFramer {
  private buf: Buffer = Buffer.alloc(0);
  private startedAt = 0;
  private resyncing = false;

  push(chunk: Buffer, now: number): FramerEvent[] {
    if (this.buf.length === 0) this.startedAt = now;
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: FramerEvent[] = [];
    for (;;) {
      const len = rtuRequestLength(this.buf);
      if (len === 'more') break;
      if (len === 'unknown') {
        if (!this.resyncing) break; // wait for silence
        this.slide(1);
        continue;
      }
      if (len > MAX_ADU) {
        this.fail(out);
        continue;
      }
      if (this.buf.length < len) break;
      const frame = this.buf.subarray(0, len);
      if (!crcOk(frame)) {
        this.fail(out);
        continue;
      }
      this.resyncing = false;
      out.push({
        kind: 'frame',
        unit: frame[0],
        pdu: Buffer.from(frame.subarray(1, len - 2)),
        bytes: len,
        arrivedAt: this.startedAt,
      });
      this.buf = this.buf.subarray(len);
      this.startedAt = now;
    }
    if (this.buf.length > MAX_ADU) {
      out.push({ kind: 'dropped', bytes: this.buf.length, reason: 'oversize' });
      this.reset();
    }
    return out;
  }

  /** The line has been silent for at least t3.5: whatever is buffered is one (last) frame. */
  idle(): FramerEvent[] {
    if (this.buf.length === 0) return [];
    const frame = this.buf;
    const sized = rtuRequestLength(frame);
    const wasResyncing = this.resyncing;
    this.reset();
    if (wasResyncing) return []; // the tail of a frame already counted as a CRC error
    if (sized !== 'unknown' || frame.length < 4) {
      return [{ kind: 'dropped', bytes: frame.length, reason: 'incomplete' }];
    }
    if (!crcOk(frame)) return [{ kind: 'crc-error', bytes: frame.length }];
    const pdu = Buffer.from(frame.subarray(1, frame.length - 2));
    return [{ kind: 'frame', unit: frame[0], pdu, bytes: frame.length, arrivedAt: this.startedAt }];
  }

  get pending(): number {
    return this.buf.length;
  }

  /** One CRC error per loss of sync, however many bytes it takes to resync. */
  private fail(out: FramerEvent[]): void {
    if (!this.resyncing) out.push({ kind: 'crc-error', bytes: this.buf.length });
    this.resyncing = true;
    this.slide(1);
  }

  private slide(n: number): void {
    this.buf = this.buf.subarray(n);
    if (this.buf.length === 0) this.resyncing = false;
  }

  private reset(): void {
    this.buf = Buffer.alloc(0);
    this.resyncing = false;
  }
}
