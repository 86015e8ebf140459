/**
 * Module health as every driver judges it, in protocol-neutral terms: an
 * answer means online, `offlineAfter` failures in a row mean offline, the bus
 * closing says nothing, and a module that comes back triggers a re-light
 * before the health listeners hear of it.
 */
import { describe, expect, it } from 'vitest';
import { HealthTracker } from '../../../device-drivers/common/health.ts';
import type { ModuleAddress } from '../../../device-drivers/common/job-gate.ts';
import type { HealthChange } from '../../../device-drivers/types.ts';
import { PicklineError } from '../../../kernel/errors.ts';
import { capture } from './capture.ts';

const timeout = () => new PicklineError('DEVICE_TIMEOUT', 'no answer in 50 ms');

function tracker(offlineAfter = 3) {
  const { log, lines } = capture();
  const t = new HealthTracker({ bus: 'line-1', offlineAfter, log });
  const changes: HealthChange[] = [];
  t.onHealth((e) => changes.push(e));
  return { t, changes, lines };
}

describe('HealthTracker', () => {
  it('knows nothing of a module until it answers; the first answer reports it online', () => {
    const { t, changes, lines } = tracker();
    expect(t.of(4)).toEqual({ online: null, failures: 0, lastSeenAt: null, lastError: null });
    const before = Date.now();
    t.answered(4);
    t.answered(4); // no second event while it stays online
    expect(changes).toEqual([{ bus: 'line-1', address: 4, online: true }]);
    expect(t.of(4).online).toBe(true);
    expect(t.of(4).lastSeenAt).toBeGreaterThanOrEqual(before);
    expect(lines.filter((l) => l.msg === 'module online').map((l) => l.level)).toEqual(['debug']);
  });

  it('reports a module offline only after offlineAfter failures in a row, once, with the reason', () => {
    const { t, changes, lines } = tracker(3);
    t.answered(1);
    t.failed(1, timeout());
    t.failed(1, timeout());
    t.answered(1); // an answer resets the run
    t.failed(1, timeout());
    t.failed(1, timeout());
    expect(t.of(1)).toMatchObject({ online: true, failures: 2, lastError: 'no answer in 50 ms' });
    t.failed(1, timeout());
    t.failed(1, timeout());
    expect(changes.map((c) => c.online)).toEqual([true, false]);
    expect(changes[1]).toEqual({
      bus: 'line-1',
      address: 1,
      online: false,
      reason: 'no answer in 50 ms',
    });
    const off = lines.filter((l) => l.msg === 'module offline');
    expect(off).toHaveLength(1);
    expect(off[0]).toMatchObject({
      level: 'warn',
      obj: { address: 1, reason: 'no answer in 50 ms' },
    });
  });

  it('a module never heard from goes offline after offlineAfter failures', () => {
    const { t, changes } = tracker(2);
    t.failed(9, timeout());
    expect(changes).toEqual([]);
    t.failed(9, timeout());
    expect(changes).toEqual([
      { bus: 'line-1', address: 9, online: false, reason: 'no answer in 50 ms' },
    ]);
  });

  it('a device exception is an answer (online) that keeps its message as the last error', () => {
    const { t, changes } = tracker(1);
    t.settled(2, new PicklineError('DEVICE_EXCEPTION', 'illegal data address'));
    expect(t.of(2)).toMatchObject({ online: true, failures: 0, lastError: 'illegal data address' });
    t.settled(2, null);
    expect(t.of(2).lastError).toBe('illegal data address'); // a plain answer does not clear it
    t.settled(2, timeout());
    expect(changes.map((c) => c.online)).toEqual([true, false]);
  });

  it('ignores the bus closing: no failure counted, no health change', () => {
    const { t, changes } = tracker(1);
    t.answered(3);
    t.failed(3, new PicklineError('BUS_CLOSED', 'bus stopped'));
    t.settled(3, new PicklineError('BUS_CLOSED', 'bus stopped'));
    expect(t.of(3)).toMatchObject({ online: true, failures: 0, lastError: null });
    expect(changes).toHaveLength(1);
  });

  it('a returning module triggers onReturn before the health listeners, and only on a return', () => {
    const { log, lines } = capture();
    const t = new HealthTracker({ bus: 'line-1', offlineAfter: 1, log });
    const order: string[] = [];
    t.onReturn((a) => order.push(`return ${a}`));
    t.onHealth((e) => order.push(`${e.online ? 'online' : 'offline'} ${e.address}`));
    t.answered(5); // first answer: not a return
    t.failed(5, timeout());
    t.answered(5);
    expect(order).toEqual(['online 5', 'offline 5', 'return 5', 'online 5']);
    expect(lines.find((l) => l.msg === 'module online again')).toMatchObject({
      level: 'info',
      obj: { address: 5 },
    });
  });

  it('a health listener that throws does not stop the others; unsubscribing works', () => {
    const { t, changes, lines } = tracker(1);
    const off = t.onHealth(() => {
      throw new Error('subscriber bug');
    });
    t.answered(1);
    expect(changes).toHaveLength(1);
    expect(lines.some((l) => l.level === 'error' && l.msg === 'listener threw')).toBe(true);
    off();
    t.failed(1, timeout());
    expect(lines.filter((l) => l.msg === 'listener threw')).toHaveLength(1);
    expect(changes).toHaveLength(2);
  });

  it('keys modules by address value, so string module ids work', () => {
    const { t, changes } = tracker(1);
    const a = 'A-07' as unknown as ModuleAddress; // types.ts declares numeric addresses today
    t.answered(a);
    t.failed('A-7' as unknown as ModuleAddress, timeout());
    expect(t.of(a).online).toBe(true);
    expect(changes.map((c) => [c.address, c.online])).toEqual([
      ['A-07', true],
      ['A-7', false],
    ]);
  });
  it('takes a module offline at once when it says it is gone (down), once; an answer brings it back', () => {
    const { t, changes } = tracker(3);
    const returns: ModuleAddress[] = [];
    t.onReturn((a) => returns.push(a));
    t.answered('ptl-1');
    t.down('ptl-1', 'last will');
    t.down('ptl-1', 'last will');
    expect(changes.slice(1)).toEqual([
      { bus: 'line-1', address: 'ptl-1', online: false, reason: 'last will' },
    ]);
    expect(t.of('ptl-1')).toMatchObject({ online: false, failures: 3, lastError: 'last will' });
    t.answered('ptl-1');
    expect(returns).toEqual(['ptl-1']);
    expect(changes.at(-1)).toEqual({ bus: 'line-1', address: 'ptl-1', online: true });
  });
});
