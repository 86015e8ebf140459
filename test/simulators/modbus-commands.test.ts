/** The simulator console interpreter (pure: no stdin). */
import { describe, expect, it } from 'vitest';
import {
  describe as describeModule,
  ModuleBank,
  runCommand,
} from '../../simulators/modbus/index.ts';

const setup = () => {
  const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2, 3] });
  const run = (line: string) =>
    runCommand({ bank, counters: () => ({ tcp: { requests: 4 } }) }, line);
  // light module 3: blink green 5 seq 7
  bank.handle(3, Buffer.from([0x10, 0, 0, 0, 4, 8, 0, 2, 0, 2, 0, 5, 0, 7]));
  return { bank, run };
};

describe('simulator console commands', () => {
  it('show lists lit modules as mode colour display seq', () => {
    const { run } = setup();
    expect(run('show').lines).toEqual(['[3] blink green 5 seq=7']);
    expect(run('show 1').lines).toEqual(['[1] off seq=0']);
  });

  it('press, plus and minus act on the module', () => {
    const { bank, run } = setup();
    expect(run('minus 3 2').lines).toEqual(['[3] blink green 3 seq=7']);
    expect(run('plus 3').lines).toEqual(['[3] blink green 4 seq=7']);
    expect(run('press 3').lines).toEqual(['pressed confirm on 3']);
    expect(run('press 3 short').lines).toEqual(['pressed short on 3']);
    expect(bank.module(3).readInput(0, 4)).toEqual([2, 2, 4, 7]);
  });

  it('fault sets and clears every fault kind', () => {
    const { bank, run } = setup();
    run('fault 2 slow 250');
    expect(bank.module(2).fault).toEqual({ kind: 'slow', ms: 250 });
    run('fault 2 exception 6');
    expect(bank.module(2).fault).toEqual({ kind: 'exception', code: 6 });
    run('fault 2 bad-crc');
    expect(run('show').lines).toEqual(['[2] off seq=0 fault=bad-crc', '[3] blink green 5 seq=7']);
    run('fault 2 silence');
    expect(bank.module(2).fault).toEqual({ kind: 'silence' });
    expect(run('fault 2 none').lines).toEqual(['fault on 2: none']);
    expect(bank.module(2).fault).toBeNull();
  });

  it('a confirm press after a UNIT_ID write reports the new address', () => {
    const { bank, run } = setup();
    bank.handle(1, Buffer.from([6, 0, 100, 0, 50]));
    expect(run('press 1').lines).toEqual(['module 1 took address 50']);
  });

  it('reports mistakes as one error line, never throws', () => {
    const { run } = setup();
    expect(run('press 9').lines[0]).toMatch(/^error: no simulated module at address 9/);
    expect(run('press 1 fn').lines).toEqual(['error: key must be confirm or short']);
    expect(run('fault 1 slow').lines).toEqual(['error: slow <ms> must be a whole number']);
    expect(run('fault 1 melt').lines[0]).toMatch(/^error: fault kind/);
    expect(run('frobnicate').lines).toEqual(['error: unknown command "frobnicate"; type help']);
    expect(run('   ').lines).toEqual([]);
  });

  it('help, stats, status and quit', () => {
    const { bank, run } = setup();
    expect(run('help').lines.join('\n')).toMatch(/press <addr>/);
    expect(run('stats').lines).toEqual(['tcp {"requests":4}']);
    run('status 2 1');
    expect(bank.module(2).readInput(4)).toEqual([1]);
    expect(run('quit')).toEqual({ lines: ['bye'], quit: true });
  });

  it('describe() omits seq for profiles without a job token', () => {
    const bank = new ModuleBank({ profile: 'generic-io-lamp-v1', addresses: [4] });
    bank.handle(4, Buffer.from([5, 0, 0, 0xff, 0]));
    const m = bank.module(4);
    expect(describeModule(m.address, m.state(), m)).toBe('[4] on');
  });
});
