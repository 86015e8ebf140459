/**
 * One exchange at a time with an ABLEPick controller: write the frames plus a
 * 0x09 connected-tags request, and settle when its bitmap arrives (the
 * controller handles frames in order, so failures of the frames before it
 * have been reported by then; ablepick-bus.ts explains why). A 0x0A / 0x0B /
 * 0x0C for the exchange's tag arriving meanwhile is taken by the exchange;
 * every other tag event is handed back to the bus.
 *
 * An exchange whose bitmap did not come within `timeoutMs` fails with
 * DEVICE_TIMEOUT at once, but the next exchange is written only when that
 * bitmap has come late (and is discarded) or another `timeoutMs` has passed:
 * a late reply is never taken for the next exchange's, and a controller that
 * dropped the request (hung: HARDWARE.md "How the ABLEPick driver uses it") owes
 * nothing after that grace.
 * `unanswered` counts the exchanges in a row the controller did not answer
 * at all; any frame from it resets the count.
 */
import { PicklineError } from '../../kernel/errors.ts';
import { cmd, decodeTagFrame, type FieldPort, type Frame, type TagEvent } from './codec.ts';

export interface ExchangeResult {
  err: PicklineError | null;
  /** connected tags per the bitmap; null when none came */
  connected: Set<number> | null;
  ms: number;
}

interface Current {
  tag: number | null;
  failure: PicklineError | null;
  finish(err: PicklineError | null, connected: Set<number> | null): void;
}

export class TagExchange {
  private tail: Promise<unknown> = Promise.resolve();
  private cur: Current | null = null;
  /** after a timeout: ends when the late bitmap comes or the grace is over */
  private drain: { done: Promise<void>; end(): void } | null = null;
  /** exchanges in a row the controller did not answer (no frame at all) */
  unanswered = 0;
  private final: PicklineError | null = null;
  depth = 0;

  constructor(
    private readonly port: FieldPort,
    private readonly timeoutMs: number,
    private readonly write: (frames: Frame[]) => void,
  ) {}

  /** Queues one exchange about `tag` (null: a sweep or a bus-wide command). Never rejects. */
  run(frames: Frame[], tag: number | null): Promise<ExchangeResult> {
    this.depth++;
    const p = this.tail.then(() => this.once(frames, tag));
    this.tail = p;
    return p.finally(() => this.depth--);
  }

  /** Resolves when every exchange queued so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }

  /** Settles the running exchange with `err`; `final` (stop): every later one too. */
  abort(err: PicklineError, final = err.code === 'BUS_CLOSED'): void {
    if (final) this.final = err;
    this.unanswered = 0;
    this.drain?.end();
    this.cur?.finish(err, null);
  }

  /** A frame from the controller: taken by the exchange (null) or decoded for the bus. */
  offer(f: Frame): TagEvent | null {
    this.unanswered = 0;
    const e = decodeTagFrame(f);
    if (!e || e.port !== this.port) return e;
    const c = this.cur;
    if (e.kind === 'connected') {
      if (this.drain) this.drain.end();
      else if (c) {
        const absent =
          c.tag !== null && !e.connected.has(c.tag)
            ? new PicklineError('DEVICE_TIMEOUT', `tag ${c.tag} is not connected`)
            : null;
        c.finish(c.failure ?? absent, e.connected);
      }
      return null;
    }
    if (c && c.tag !== null && e.tag === c.tag) {
      if (e.kind === 'timeout') {
        c.failure = new PicklineError('DEVICE_TIMEOUT', `tag ${e.tag} timed out`);
        return null;
      }
      if (e.kind === 'malfunction' || e.kind === 'illegal') {
        c.failure ??= new PicklineError('DEVICE_EXCEPTION', `tag ${e.tag}: ${e.kind}`);
        return null;
      }
    }
    return e;
  }

  private async once(frames: Frame[], tag: number | null): Promise<ExchangeResult> {
    if (this.drain) await this.drain.done;
    const t0 = performance.now();
    if (this.final) return { err: this.final, connected: null, ms: 0 };
    return new Promise((resolve) => {
      const finish = (err: PicklineError | null, connected: Set<number> | null) => {
        clearTimeout(timer);
        if (this.cur === current) this.cur = null;
        resolve({ err, connected, ms: performance.now() - t0 });
      };
      const current: Current = { tag, failure: null, finish };
      const timer = setTimeout(() => {
        this.unanswered++;
        this.startDrain();
        finish(new PicklineError('DEVICE_TIMEOUT', 'the controller did not answer'), null);
      }, this.timeoutMs);
      this.cur = current;
      try {
        this.write([...frames, cmd.connected(this.port)]);
      } catch (e) {
        finish(e as PicklineError, null);
      }
    });
  }

  /** The next exchange waits for the late bitmap or `timeoutMs`, whichever is first. */
  private startDrain(): void {
    let release = () => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const end = () => {
      clearTimeout(grace);
      if (this.drain === d) this.drain = null;
      release();
    };
    const grace = setTimeout(end, this.timeoutMs);
    const d = { done, end };
    this.drain = d;
  }
}
