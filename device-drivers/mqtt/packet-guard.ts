/**
 * Packet-size guard of the embedded broker (docs/contract-extensions.md "MQTT",
 * "Broker limits"). MQTT's fixed header declares each packet's length before
 * its body; the parser behind aedes buffers a body until it is complete, so a
 * client declaring 256 MB and sending filler made the process hold it all.
 * The guard reads every byte the broker reads (it wraps `socket.read`, the
 * only way aedes takes data), follows the packet framing, and destroys the
 * connection the moment a header declares more than the current limit:
 * before authentication `PRE_AUTH_PACKET_BYTES` per packet and
 * `PRE_AUTH_TOTAL_BYTES` in all (CONNECT is small), afterwards the limit of
 * the login. Nothing past the violating header is ever handed to the parser.
 */
import type { Duplex } from 'node:stream';

/** CONNECT: client id, username, secret, a will of at most a 4 KiB status */
export const PRE_AUTH_PACKET_BYTES = 8192;
/** everything a client may send before its login is accepted */
export const PRE_AUTH_TOTAL_BYTES = 16384;

export class PacketGuard {
  /** the largest packet body allowed; PRE_AUTH_PACKET_BYTES until `authenticated()` */
  #limit = PRE_AUTH_PACKET_BYTES;
  #preAuth = true;
  #seen = 0;
  /** bytes of the current body still to pass */
  #skip = 0;
  /** 0: next byte is a fixed header's first byte; else the length byte count so far */
  #lenBytes = 0;
  #len = 0;
  #mul = 1;
  violation: string | null = null;

  constructor(private readonly onViolation: (why: string) => void) {}

  /** The login was accepted: packets of up to `limit` bytes from now on. */
  authenticated(limit: number): void {
    this.#preAuth = false;
    this.#limit = limit;
  }

  /** Follows the framing over `buf`; false (and onViolation once) when the client broke a limit. */
  feed(buf: Buffer): boolean {
    if (this.violation) return false;
    if (this.#preAuth) {
      this.#seen += buf.length;
      if (this.#seen > PRE_AUTH_TOTAL_BYTES)
        return this.#violate(`more than ${PRE_AUTH_TOTAL_BYTES} bytes before login`);
    }
    let i = 0;
    while (i < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      const b = buf[i++];
      if (this.#lenBytes === 0) {
        // the packet type byte; its remaining length follows
        this.#lenBytes = 1;
        this.#len = 0;
        this.#mul = 1;
        continue;
      }
      this.#len += (b & 0x7f) * this.#mul;
      this.#mul *= 128;
      if (this.#len > this.#limit)
        return this.#violate(`packet of ${this.#len}+ bytes over the limit of ${this.#limit}`);
      if (b & 0x80) {
        if (++this.#lenBytes > 4) return this.#violate('malformed remaining length');
        continue;
      }
      this.#skip = this.#len;
      this.#lenBytes = 0;
    }
    return true;
  }

  #violate(why: string): false {
    this.violation = why;
    this.onViolation(why);
    return false;
  }
}

/**
 * Puts a guard in front of `socket`: every chunk the broker reads passes it
 * first; on a violation the socket is destroyed and the read returns nothing.
 */
export function guardSocket(socket: Duplex, onViolation: (why: string) => void): PacketGuard {
  const guard = new PacketGuard((why) => {
    onViolation(why);
    socket.destroy();
  });
  const read = socket.read.bind(socket);
  socket.read = (size?: number) => {
    const chunk = read(size);
    if (chunk === null || guard.violation) return guard.violation ? null : chunk;
    return guard.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk) ? chunk : null;
  };
  return guard;
}
