/**
 * The job-token rule (CONTRACTS.md §2/§4) in protocol-neutral terms: a press
 * is delivered only for a module wanted lit and only with its current job
 * token; presses from protocols without tokens get the current one stamped;
 * everything else is counted stale, per module and per bus.
 */
import { describe, expect, it } from 'vitest';
import { emptyCounters } from '../../../device-drivers/common/counters.ts';
import {
  JobGate,
  type ModuleAddress,
  type Press,
} from '../../../device-drivers/common/job-gate.ts';
import type { ModuleCounters } from '../../../device-drivers/types.ts';
import { capture } from './capture.ts';

function gate(jobToken: boolean, known: number[] = [1, 2]) {
  const { log, lines } = capture();
  const bus = emptyCounters();
  const mods = new Map<ModuleAddress, ModuleCounters>(known.map((a) => [a, emptyCounters()]));
  const g = new JobGate({
    bus: 'line-1',
    jobToken,
    counters: bus,
    countersOf: (a) => mods.get(a),
    log,
  });
  return { g, bus, mods, lines };
}

/** A named module id (types.ts declares numeric addresses today; the gate must not care). */
const named = (id: string) => id as unknown as ModuleAddress;

const press = (seq: number | null, key: Press['key'] = 'confirm', display = 3): Press => ({
  key,
  display,
  seq,
});

describe('JobGate', () => {
  it('delivers a press carrying the current token of a lit module, counted as a key event', () => {
    const { g, bus, mods } = gate(true);
    g.want(1, { mode: 'on', color: 'green', display: 3, seq: 41 });
    const e = g.admit(1, press(41, 'confirm', 2));
    expect(e).toMatchObject({ bus: 'line-1', address: 1, key: 'confirm', display: 2, seq: 41 });
    expect(typeof e!.at).toBe('number');
    expect(bus.keyEvents).toBe(1);
    expect(mods.get(1)!.keyEvents).toBe(1);
    expect(bus.staleEvents).toBe(0);
  });

  it('drops and counts a press with another token, with none, or on a dark or never-lit module', () => {
    const { g, bus, mods, lines } = gate(true);
    g.want(1, { mode: 'blink', seq: 7 });
    expect(g.admit(1, press(6))).toBeNull(); // an older job
    expect(g.admit(1, press(null))).toBeNull(); // no token reported
    expect(g.admit(2, press(7))).toBeNull(); // never lit
    g.want(1, { mode: 'off', seq: 7 });
    expect(g.admit(1, press(7))).toBeNull(); // dark, even with the last token
    expect(mods.get(1)!.staleEvents).toBe(3);
    expect(mods.get(2)!.staleEvents).toBe(1);
    expect(bus.staleEvents).toBe(4);
    expect(bus.keyEvents).toBe(0);
    const stale = lines.filter((l) => l.msg === 'stale key event dropped');
    expect(stale).toHaveLength(4);
    expect(stale[0]).toMatchObject({ level: 'info', obj: { address: 1, seq: 6, current: 7 } });
  });

  it('stamps the current token on presses from modules that report none', () => {
    const { g, bus } = gate(false);
    g.want(2, { mode: 'on', seq: 12 });
    expect(g.admit(2, press(null, 'short'))).toMatchObject({ address: 2, key: 'short', seq: 12 });
    expect(g.admit(2, press(99))).toMatchObject({ seq: 12 }); // a reported value is not a token here
    expect(g.admit(1, press(null))).toBeNull(); // not lit: nothing to stamp
    expect(bus.keyEvents).toBe(2);
    expect(bus.staleEvents).toBe(1);
  });

  it('follows the latest wanted state and keeps its own copy of it', () => {
    const { g } = gate(true);
    const s = { mode: 'on' as const, seq: 3 };
    g.want(1, s);
    s.seq = 4; // the caller's object changing later does not move the job
    expect(g.wanted(1)).toEqual({ mode: 'on', seq: 3 });
    expect(g.admit(1, press(4))).toBeNull();
    g.want(1, { mode: 'on', seq: 4 });
    expect(g.admit(1, press(3))).toBeNull();
    expect(g.admit(1, press(4))).not.toBeNull();
    expect(g.wanted(2)).toBeNull();
  });

  it('counts lost presses stale, and a module the bus does not know only bus-wide', () => {
    const { g, bus, mods } = gate(true);
    g.drop(1, 3);
    g.drop(99, 2);
    expect(g.admit(99, press(1))).toBeNull();
    expect(mods.get(1)!.staleEvents).toBe(3);
    expect(bus.staleEvents).toBe(6);
  });

  it('keys modules by address value, so string module ids work', () => {
    const { log } = capture();
    const bus = emptyCounters();
    const own = emptyCounters();
    // a driver whose modules are named (an MQTT topic id), not numbered
    const g = new JobGate({
      bus: 'mqtt-1',
      jobToken: true,
      counters: bus,
      countersOf: (a) => (a === named('A-07') ? own : undefined),
      log,
    });
    const id = named('A-07');
    g.want(id, { mode: 'on', seq: 5 });
    expect(g.admit(id, press(5))).toMatchObject({ address: 'A-07', seq: 5 });
    expect(g.admit(named('A-7'), press(5))).toBeNull();
    expect(own).toMatchObject({ keyEvents: 1, staleEvents: 0 });
    expect(bus).toMatchObject({ keyEvents: 1, staleEvents: 1 });
  });
});
