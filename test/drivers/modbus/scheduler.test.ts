/** Bus scheduler and poll planner with an in-memory scripted transport. */
import { describe, expect, it } from 'vitest';
import { encodeRequest } from '../../../device-drivers/modbus/master/pdu.ts';
import {
  BusScheduler,
  PRIORITY,
  type Txn,
} from '../../../device-drivers/modbus/master/scheduler.ts';
import type { ModbusTransport } from '../../../device-drivers/modbus/master/transport.ts';
import { type PlannedModule, PollPlanner } from '../../../device-drivers/modbus/planner.ts';
import { isPicklineError, PicklineError } from '../../../kernel/errors.ts';

type Answer = Buffer | PicklineError;

/** Answers each request with `script(unit, pdu)`; while `held`, answers wait for `release()`. */
class ScriptedTransport implements ModbusTransport {
  readonly description = 'scripted';
  readonly log: Array<{ unit: number; fc: number; value?: number }> = [];
  inFlight = 0;
  maxInFlight = 0;
  held = false;
  private gate: Array<() => void> = [];

  constructor(private readonly script: (unit: number, pdu: Buffer) => Answer) {}

  async open() {}
  async close() {
    this.release();
  }
  release() {
    this.held = false;
    for (const g of this.gate.splice(0)) g();
  }
  async transact(unit: number, pdu: Buffer): Promise<Buffer> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.log.push({ unit, fc: pdu[0], ...(pdu[0] === 6 ? { value: pdu.readUInt16BE(3) } : {}) });
    try {
      if (this.held) await new Promise<void>((r) => this.gate.push(r));
      else await new Promise((r) => setImmediate(r));
      const a = this.script(unit, pdu);
      if (a instanceof Error) throw a;
      return a;
    } finally {
      this.inFlight--;
    }
  }
}

/** A well-behaved device: echoes writes, reads return zeros. */
const echo = (_unit: number, pdu: Buffer): Buffer =>
  pdu[0] === 3 || pdu[0] === 4
    ? Buffer.from([pdu[0], 2 * pdu[4], ...new Array(2 * pdu[4]).fill(0)])
    : pdu.subarray(0, 5);

const write = (
  unit: number,
  value: number,
  priority: Txn['priority'] = PRIORITY.command,
  key?: string,
): Txn => ({
  unit,
  request: { fc: 6, address: 0, value },
  priority,
  retries: 1,
  ...(key ? { coalesceKey: key } : {}),
});

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('BusScheduler', () => {
  it('runs one transaction at a time', async () => {
    const t = new ScriptedTransport(echo);
    const s = new BusScheduler(t, 50);
    s.start();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.submit(write(1 + (i % 5), i))));
    expect(t.maxInFlight).toBe(1);
    expect(t.log).toHaveLength(20);
    await s.stop();
  });

  it('sends queued commands before polls before health checks, FIFO within a priority', async () => {
    const t = new ScriptedTransport(echo);
    const s = new BusScheduler(t, 50);
    s.start();
    t.held = true;
    const first = s.submit(write(9, 0));
    await tick();
    const done = Promise.all([
      s.submit(write(3, 30, PRIORITY.health)),
      s.submit(write(2, 20, PRIORITY.poll)),
      s.submit(write(1, 10)),
      s.submit(write(1, 11)),
    ]);
    t.release();
    await Promise.all([first, done]);
    expect(t.log.map((l) => l.value)).toEqual([0, 10, 11, 20, 30]);
    await s.stop();
  });

  it('idle work runs only when the queue is empty', async () => {
    const t = new ScriptedTransport(echo);
    const s = new BusScheduler(t, 50);
    let polls = 0;
    s.setIdleSource(() => ({
      txn: {
        unit: 7,
        request: { fc: 4, address: 0, count: 4 },
        priority: PRIORITY.poll,
        retries: 0,
      },
      done: () => {
        polls++;
      },
    }));
    s.start();
    await tick();
    t.held = true;
    await tick();
    const cmd = s.submit(write(1, 5));
    t.release();
    await cmd;
    // after the poll that was on the wire, the very next transaction is the command
    const i = t.log.findIndex((l) => l.unit === 1);
    expect(t.log.slice(0, i).every((l) => l.unit === 7)).toBe(true);
    expect(polls).toBeGreaterThan(0);
    await s.stop();
  });

  it('coalesces: a newer state for the same key replaces the queued one; all callers settle', async () => {
    const t = new ScriptedTransport(echo);
    const s = new BusScheduler(t, 50);
    s.start();
    t.held = true;
    const busy = s.submit(write(9, 0));
    await tick();
    const a = s.submit(write(1, 1, PRIORITY.command, 'light:1'));
    const b = s.submit(write(2, 2, PRIORITY.command, 'light:2'));
    const c = s.submit(write(1, 3, PRIORITY.command, 'light:1'));
    expect(s.depth).toBe(2);
    t.release();
    await Promise.all([busy, a, b, c]);
    expect(t.log.map((l) => [l.unit, l.value])).toEqual([
      [9, 0],
      [1, 3],
      [2, 2],
    ]);
    await s.stop();
  });

  it('retries timeouts and CRC errors a bounded number of times, classifying each attempt', async () => {
    const errs = [new PicklineError('DEVICE_CRC'), new PicklineError('DEVICE_TIMEOUT')];
    let n = 0;
    const t = new ScriptedTransport(() => errs[n++ % 2]);
    const attempts: string[] = [];
    const s = new BusScheduler(t, 50, {
      onAttempt: (_u, _ms, e) => attempts.push(e?.code ?? 'ok'),
    });
    s.start();
    const err = await s.submit({ ...write(1, 1), retries: 2 }).catch((e) => e);
    expect(isPicklineError(err, 'DEVICE_CRC')).toBe(true);
    expect(attempts).toEqual(['DEVICE_CRC', 'DEVICE_TIMEOUT', 'DEVICE_CRC']);
    await s.stop();
  });

  it('does not retry an exception response, except 6 (device busy)', async () => {
    let busy = 1;
    const t = new ScriptedTransport((_u, pdu) =>
      pdu.readUInt16BE(3) === 6 && busy-- > 0
        ? Buffer.from([0x86, 6])
        : pdu[3] === 0 && pdu[4] === 2
          ? Buffer.from([0x86, 2])
          : echo(1, pdu),
    );
    const s = new BusScheduler(t, 50);
    s.start();
    const err = await s.submit(write(1, 2)).catch((e) => e);
    expect(isPicklineError(err, 'DEVICE_EXCEPTION')).toBe(true);
    expect(t.log).toHaveLength(1);
    await s.submit(write(1, 6));
    expect(t.log).toHaveLength(3);
    await s.stop();
  });

  it('stop() rejects queued transactions with BUS_CLOSED; later submits too', async () => {
    const t = new ScriptedTransport(echo);
    const s = new BusScheduler(t, 50);
    s.start();
    t.held = true;
    const busy = s.submit(write(1, 0));
    await tick();
    const queued = s.submit(write(2, 0)).catch((e) => e);
    await s.stop();
    t.release();
    await busy;
    expect(isPicklineError(await queued, 'BUS_CLOSED')).toBe(true);
    await s.finished();
    expect(isPicklineError(await s.submit(write(3, 0)).catch((e) => e), 'BUS_CLOSED')).toBe(true);
  });

  it('an invalid request is rejected at submit, not on the wire', async () => {
    const t = new ScriptedTransport(echo);
    const s = new BusScheduler(t, 50);
    s.start();
    const err = await s
      .submit({ ...write(1, 0), request: { fc: 6, address: 0, value: -1 } })
      .catch((e) => e);
    expect(isPicklineError(err, 'UNSUPPORTED')).toBe(true);
    expect(t.log).toHaveLength(0);
    await s.stop();
    expect(encodeRequest({ fc: 6, address: 0, value: 1 })).toHaveLength(5);
  });
});

describe('PollPlanner', () => {
  const mods = (lit: number[], n = 6): PlannedModule[] =>
    Array.from({ length: n }, (_, i) => ({
      address: i + 1,
      awaitsKeys: lit.includes(i + 1),
      online: true,
      lastPollAt: Number.NEGATIVE_INFINITY,
      nextHealthAt: 1e9,
    }));

  it('polls lit modules only, round-robin, back to back', () => {
    const p = new PollPlanner({ pollIntervalMs: 0, pollAll: false });
    const m = mods([2, 4, 5]);
    const seq = Array.from({ length: 7 }, () => p.next(m, 0));
    expect(seq.map((x) => (x && 'address' in x ? x.address : null))).toEqual([2, 4, 5, 2, 4, 5, 2]);
  });

  it('slips one due health check into each poll round', () => {
    const p = new PollPlanner({ pollIntervalMs: 0, pollAll: false });
    const m = mods([1, 2]);
    for (const x of m) if (!x.awaitsKeys) x.nextHealthAt = 0;
    const kinds = Array.from({ length: 9 }, () => {
      const x = p.next(m, 10);
      if (x && 'kind' in x && x.kind === 'health') m[x.address - 1].nextHealthAt = 1e9;
      return x && 'kind' in x ? `${x.kind[0]}${x.address}` : '-';
    });
    expect(kinds).toEqual(['p1', 'p2', 'h3', 'p1', 'p2', 'h4', 'p1', 'p2', 'h5']);
  });

  it('does not poll offline modules; checks them by the health sweep', () => {
    const p = new PollPlanner({ pollIntervalMs: 0, pollAll: false });
    const m = mods([1]);
    m[0].online = false;
    m[0].nextHealthAt = 0;
    expect(p.next(m, 5)).toEqual({ address: 1, kind: 'health' });
  });

  it('honours pollIntervalMs and says when to wake', () => {
    const p = new PollPlanner({ pollIntervalMs: 50, pollAll: false });
    const m = mods([3]);
    m[2].lastPollAt = 100;
    expect(p.next(m, 120)).toEqual({ wakeAt: 150 });
  });

  it('polls the modules due within half a period in one round: one wake-up per round', () => {
    const p = new PollPlanner({ pollIntervalMs: 20, pollAll: false });
    const m = mods([1, 2]);
    m[0].lastPollAt = 0;
    m[1].lastPollAt = 5;
    expect(p.next(m, 20)).toEqual({ address: 1, kind: 'poll' });
    m[0].lastPollAt = 20;
    expect(p.next(m, 20.5)).toEqual({ address: 2, kind: 'poll' }); // due at 25: joins the round
    m[1].lastPollAt = 20.5;
    expect(p.next(m, 21)).toEqual({ wakeAt: 40 });
  });

  it('pollAll polls every online module', () => {
    const p = new PollPlanner({ pollIntervalMs: 0, pollAll: true });
    const m = mods([], 3);
    const seq = Array.from({ length: 4 }, () => p.next(m, 0));
    expect(seq.map((x) => (x && 'address' in x ? x.address : null))).toEqual([1, 2, 3, 1]);
  });
});
