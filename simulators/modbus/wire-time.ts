/**
 * Timing model of an RS-485 Modbus RTU bus, used to make a pty (which moves
 * bytes instantly) behave like a bus of a given baud rate.
 *
 * HARDWARE.md "Modbus RTU timing": a character is 11 bits (start + 8 data +
 * parity + stop, or 2 stops without parity); frames are separated by 3.5
 * character times, fixed at 1.75 ms above 19200 baud (MODBUS over Serial Line
 * v1.02 §2.5.1.1). A transaction's best case is therefore
 *   (request bytes + reply bytes) × charTime + 2 × t3.5
 * — request on the wire, silence, reply on the wire, silence — which gives the
 * table of HARDWARE.md (FC06 at 19200: 16 × 0.573 + 2 × 2.005 = 13.2 ms).
 */
export const BITS_PER_CHAR = 11;

export function charTimeMs(baud: number): number {
  return (BITS_PER_CHAR * 1000) / baud;
}

/** t3.5: 3.5 characters, or 1.75 ms above 19200 baud. */
export function t35Ms(baud: number): number {
  return baud > 19200 ? 1.75 : 3.5 * charTimeMs(baud);
}

/** Best-case duration of one request/reply transaction (no device processing). */
export function transactionMs(baud: number, requestBytes: number, replyBytes: number): number {
  return (requestBytes + replyBytes) * charTimeMs(baud) + 2 * t35Ms(baud);
}

/**
 * Virtual bus clock: when the bus is next free. A request is taken to start
 * on the wire at max(arrival, bus free); its reply may leave the simulator no
 * earlier than start + transaction time + processing, and the bus is busy
 * until then. A request without reply (broadcast, unknown unit, silence)
 * occupies the bus for its own bytes plus t3.5.
 */
export class BusClock {
  private freeAt = 0;
  private readonly baud: number;

  constructor(baud: number) {
    this.baud = baud;
  }

  /** Time (performance.now() ms) at which the reply may be sent. */
  reply(arrivedAt: number, requestBytes: number, replyBytes: number, processingMs: number): number {
    const start = Math.max(arrivedAt, this.freeAt);
    this.freeAt = start + transactionMs(this.baud, requestBytes, replyBytes) + processingMs;
    return this.freeAt;
  }

  noReply(arrivedAt: number, requestBytes: number): void {
    const start = Math.max(arrivedAt, this.freeAt);
    this.freeAt = start + requestBytes * charTimeMs(this.baud) + t35Ms(this.baud);
  }
}
