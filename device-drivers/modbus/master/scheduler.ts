/**
 * One master on a half-duplex line (HARDWARE.md): exactly one transaction at a
 * time, in priority order. Queued commands (light, clear, identify, technician
 * reads) always go before idle work; idle work (key polls, health sweeps) is
 * asked from an `IdleSource` only when the queue is empty, so a light command
 * waits at most for the one transaction already on the wire.
 *
 * Contracts:
 * - each attempt is bounded by `timeoutMs` (the transport adds wire time);
 * - failed attempts are retried at most `txn.retries` times, and only for
 *   timeouts, CRC/frame errors, link errors and exception 6 (device busy);
 * - a queued transaction with the same `coalesceKey` as a newer one is not sent:
 *   the newer request takes its place and every caller settles with it;
 * - `stop()` rejects everything queued with BUS_CLOSED.
 */
import { isPicklineError, PicklineError, toError } from '../../../kernel/errors.ts';
import { decodeResponse, encodeRequest, exceptionCode, type ModbusRequest } from './pdu.ts';
import type { ModbusTransport } from './transport.ts';

export const PRIORITY = { command: 0, poll: 1, health: 2 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

export interface Txn {
  unit: number;
  request: ModbusRequest;
  priority: Priority;
  /** attempts after the first one */
  retries: number;
  coalesceKey?: string;
}

type Settle = (err: PicklineError | null, words: number[]) => void;

export interface IdleWork {
  txn: Txn;
  done: Settle;
}

/** Next poll or health check, or when to ask again (`wakeAt`, ms on `performance.now()`); null = only when woken. */
export type IdleSource = (now: number) => IdleWork | { wakeAt: number } | null;

export interface SchedulerHooks {
  /** every attempt on the wire; `latencyMs` from request to answer or failure */
  onAttempt?(unit: number, latencyMs: number, err: PicklineError | null): void;
  /** once per transaction, after its retries; runs before the caller settles */
  onSettled?(txn: Txn, err: PicklineError | null): void;
  /** a hook or idle callback threw: logged, never allowed to stall the line */
  onBug?(e: Error): void;
}

interface Job {
  txn: Txn;
  pdu: Buffer;
  settle: Settle[];
}

export function asPicklineError(e: unknown): PicklineError {
  return isPicklineError(e) ? e : new PicklineError('BUS_IO', toError(e).message, [], e);
}

function retryable(e: PicklineError): boolean {
  if (e.code === 'DEVICE_EXCEPTION') return exceptionCode(e) === 6;
  return e.code === 'DEVICE_TIMEOUT' || e.code === 'DEVICE_CRC' || e.code === 'BUS_IO';
}

export class BusScheduler {
  private readonly queues: Job[][] = [[], [], []];
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private idle: IdleSource = () => null;

  constructor(
    private readonly transport: ModbusTransport,
    private readonly timeoutMs: number,
    private readonly hooks: SchedulerHooks = {},
  ) {}

  setIdleSource(idle: IdleSource): void {
    this.idle = idle;
  }

  get depth(): number {
    return this.queues.reduce((n, q) => n + q.length, 0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Rejects queued work with BUS_CLOSED; resolves when the loop has ended (close the transport to end a transaction in flight). */
  async stop(): Promise<void> {
    this.running = false;
    const closed = new PicklineError('BUS_CLOSED', 'bus stopped');
    for (const q of this.queues) {
      for (const job of q.splice(0)) for (const s of job.settle) s(closed, []);
    }
    this.wake();
  }

  /** Resolves when the loop has exited (after stop()). */
  finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** Re-evaluate idle work now (e.g. a module was lit). */
  wake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /** Queues a transaction; resolves with the decoded words (reads) or [] (writes). */
  submit(txn: Txn): Promise<number[]> {
    if (!this.running) return Promise.reject(new PicklineError('BUS_CLOSED', 'bus not started'));
    let pdu: Buffer;
    try {
      pdu = encodeRequest(txn.request);
    } catch (e) {
      return Promise.reject(asPicklineError(e));
    }
    return new Promise((resolve, reject) => {
      const settle: Settle = (err, words) => (err ? reject(err) : resolve(words));
      const q = this.queues[txn.priority];
      const older = txn.coalesceKey
        ? q.find((j) => j.txn.coalesceKey === txn.coalesceKey)
        : undefined;
      if (older) {
        older.txn = txn;
        older.pdu = pdu;
        older.settle.push(settle);
      } else {
        q.push({ txn, pdu, settle: [settle] });
      }
      this.wake();
    });
  }

  private next(): Job | { wakeAt: number } | null {
    for (const q of this.queues) {
      const job = q.shift();
      if (job) return job;
    }
    const w = this.idle(performance.now());
    if (w === null || 'wakeAt' in w) return w;
    return { txn: w.txn, pdu: encodeRequest(w.txn.request), settle: [w.done] };
  }

  private async run(): Promise<void> {
    while (this.running) {
      let job: ReturnType<BusScheduler['next']>;
      try {
        job = this.next();
      } catch (e) {
        this.hooks.onBug?.(toError(e));
        job = { wakeAt: performance.now() + 100 }; // a broken idle source must not spin the loop
      }
      if (job === null || 'wakeAt' in job) {
        await this.sleep(job?.wakeAt ?? null);
        continue;
      }
      await this.execute(job);
    }
  }

  private sleep(wakeAt: number | null): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
      if (wakeAt !== null) {
        this.wakeTimer = setTimeout(
          () => this.wake(),
          Math.max(0, Math.ceil(wakeAt - performance.now())),
        );
      }
    });
  }

  private async execute(job: Job): Promise<void> {
    const { txn } = job;
    let err: PicklineError | null = null;
    let words: number[] = [];
    for (let attempt = 0; attempt <= txn.retries; attempt++) {
      const t0 = performance.now();
      try {
        const pdu = await this.transport.transact(txn.unit, job.pdu, this.timeoutMs);
        words = decodeResponse(txn.request, pdu);
        err = null;
      } catch (e) {
        err = asPicklineError(e);
      }
      if (err?.code !== 'BUS_CLOSED') this.hooks.onAttempt?.(txn.unit, performance.now() - t0, err);
      if (!err || !retryable(err) || !this.running) break;
    }
    try {
      this.hooks.onSettled?.(txn, err);
    } catch (e) {
      this.hooks.onBug?.(toError(e));
    }
    for (const s of job.settle) {
      try {
        s(err, words);
      } catch (e) {
        this.hooks.onBug?.(toError(e));
      }
    }
  }
}
