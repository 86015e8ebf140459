/** The listener plumbing every driver uses for key and health events. */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../device-drivers/common/emitter.ts';
import { capture } from './capture.ts';

describe('Emitter', () => {
  it('delivers each event to every listener, in subscription order', () => {
    const e = new Emitter<number>(capture().log);
    const got: string[] = [];
    e.on((n) => got.push(`a${n}`));
    e.on((n) => got.push(`b${n}`));
    e.emit(1);
    e.emit(2);
    expect(got).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('a listener that throws is logged as an error and the others still get the event', () => {
    const { log, lines } = capture();
    const e = new Emitter<string>(log);
    const got: string[] = [];
    e.on(() => {
      throw new Error('subscriber bug');
    });
    e.on((s) => got.push(s));
    expect(() => e.emit('press')).not.toThrow();
    expect(got).toEqual(['press']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'listener threw' });
    expect((lines[0].obj.err as Error).message).toBe('subscriber bug');
  });

  it('unsubscribing stops delivery to that listener only; the same function subscribes once', () => {
    const e = new Emitter<number>(capture().log);
    const a: number[] = [];
    const b: number[] = [];
    const la = (n: number) => a.push(n);
    const off = e.on(la);
    e.on(la);
    e.on((n) => b.push(n));
    e.emit(1);
    off();
    e.emit(2);
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
  });
});
