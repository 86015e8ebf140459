/**
 * The LightBus contract (device-drivers/types.ts, CONTRACTS.md §4) in terms
 * every protocol shares (STYLE.md §8): what a module shows, key presses with
 * the displayed quantity and the job token, silence and return, clean stop.
 * It sees a peer only through `LightPeer`; wire details belong to a
 * protocol's own suite (modbus-profile.contract.ts). Each test builds its own
 * bus on the shared peer, so scheduling options can differ per test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BusConfig, COLORS, type Color } from '../../../config/schema.ts';
import type { KeyEvent, ModuleAddress, TechnicianBus } from '../../../device-drivers/types.ts';
import { isPicklineError } from '../../../kernel/errors.ts';
import { until } from '../../kit/until.ts';
import type { LightPeer, PeerFactory } from './peer.ts';

/**
 * modules the peer holds, by number; 200 is configured on the bus but absent
 * from the peer. A peer whose bus names modules otherwise maps each number to
 * its bus address (`LightPeer.address`).
 */
const ADDRESSES = [1, 2, 3, 4, 5, 6, 7];
const ABSENT = 200;

export function neutralContract(
  name: string,
  factory: PeerFactory,
  opts: { skip?: boolean } = {},
): void {
  describe.skipIf(opts.skip)(`LightBus contract: ${name}`, () => {
    let peer: LightPeer;
    const buses: TechnicianBus[] = [];

    const bus = async (over: Partial<BusConfig> = {}): Promise<TechnicianBus> => {
      const b = peer.createBus([...ADDRESSES, ABSENT], over);
      buses.push(b);
      await b.start();
      return b;
    };
    /** the bus address of peer module `n` (a module id on MQTT) */
    const A = (n: number): ModuleAddress => peer.address?.(n) ?? n;
    const mod = (b: TechnicianBus, a: number) => b.modules().find((m) => m.address === A(a))!;
    /** `c`, or the peer's last colour when its modules cannot show `c` */
    const paint = (c: Color): Color =>
      !peer.colors || peer.colors.includes(c) ? c : peer.colors[peer.colors.length - 1];
    const online = (b: TechnicianBus, a: number) =>
      until(() => mod(b, a)?.online === true, `module ${a} online`);

    beforeAll(async () => {
      peer = await factory(ADDRESSES);
    });
    afterEach(async () => {
      for (const b of buses.splice(0)) await b.stop();
    });
    afterAll(async () => {
      await peer?.close();
    });

    it('shows what the bus lit, and goes dark on clear', async () => {
      const b = await bus();
      await b.light(A(1), { mode: 'blink', color: 'green', display: 12, seq: 42 });
      expect(await peer.shows(1)).toEqual({ mode: 'blink', color: 'green', display: 12 });
      await b.light(A(1), { mode: 'on', color: paint('white'), display: null, seq: 43 });
      expect(await peer.shows(1)).toEqual({ mode: 'on', color: paint('white'), display: null });
      await b.clear(A(1));
      expect((await peer.shows(1)).mode).toBe('off');
      expect(mod(b, 1).state).toEqual({ mode: 'off', seq: 43 });
    });

    it('answers the capability query: what a module shows, in the words of the site', async () => {
      const b = await bus();
      await online(b, 1);
      const caps = b.capabilities(A(1));
      if (peer.announcesCapabilities) {
        // nothing said yet: unknown, not guessed
        expect(caps).toBeNull();
      } else {
        expect(caps).not.toBeNull();
        expect([...(caps?.colors ?? [])].sort()).toEqual([...(peer.colors ?? COLORS)].sort());
        expect(caps?.display).toBe(true);
        expect(caps?.keys).toEqual(expect.arrayContaining(['confirm', 'short']));
        // a colour it says it shows lights it
        const color = caps?.colors.at(-1) as Color;
        await b.light(A(1), { mode: 'on', color, display: 1, seq: 9 });
        expect((await peer.shows(1)).color).toBe(color);
      }
      expect(b.capabilities(A(99))).toBeNull(); // not on this bus
    });

    it('delivers a key press of a lit module with its display and job token', async () => {
      const b = await bus();
      const keys: KeyEvent[] = [];
      b.onKey((e) => keys.push(e));
      await b.light(A(2), { mode: 'on', color: 'red', display: 3, seq: 7 });
      await peer.press(2, 'confirm');
      await until(() => keys.length > 0, 'key event');
      expect(keys[0]).toMatchObject({
        bus: 'bus-t',
        address: A(2),
        key: 'confirm',
        display: 3,
        seq: 7,
      });
      await peer.press(2, 'short');
      await until(() => keys.length > 1, 'short key');
      expect(keys[1]).toMatchObject({ address: A(2), key: 'short', seq: 7 });
      expect(mod(b, 2).counters.keyEvents).toBe(2);
    });

    it('reports the quantity the picker set on the module', async () => {
      const b = await bus();
      const keys: KeyEvent[] = [];
      b.onKey((e) => keys.push(e));
      await b.light(A(3), { mode: 'on', color: 'blue', display: 5, seq: 9 });
      await peer.press(3, 'confirm', 3);
      await until(() => keys.length > 0, 'key event');
      expect(keys[0]).toMatchObject({ address: A(3), key: 'confirm', display: 3, seq: 9 });
      await b.light(A(3), { mode: 'on', color: 'blue', display: 5, seq: 10 });
      await peer.press(3, 'short', 6);
      await until(() => keys.length > 1, 'second key event');
      expect(keys[1]).toMatchObject({ address: A(3), key: 'short', display: 6, seq: 10 });
    });

    it('drops and counts a press carrying another job token', async () => {
      // health sweep only at start: the press is first seen by the poll after light()
      const b = await bus({ healthIntervalMs: 600_000 });
      const keys: KeyEvent[] = [];
      b.onKey((e) => keys.push(e));
      await online(b, 4);
      await peer.press(4, 'confirm'); // module dark: the press belongs to no job
      await b.light(A(4), { mode: 'on', color: 'green', display: 1, seq: 50 });
      await until(() => mod(b, 4).counters.staleEvents === 1, 'stale count');
      await peer.press(4, 'confirm');
      await until(() => keys.length > 0, 'key event');
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ address: A(4), seq: 50 });
      expect(b.info().counters.staleEvents).toBe(1);
    });

    it('drops and counts a press on a dark module', async () => {
      const b = await bus({ healthIntervalMs: 100 });
      const keys: KeyEvent[] = [];
      b.onKey((e) => keys.push(e));
      await online(b, 5);
      await peer.press(5, 'confirm');
      await until(() => mod(b, 5).counters.staleEvents === 1, 'stale count');
      expect(keys).toEqual([]);
    });

    it('identifies a module by blinking it fast, then restores what it showed', async () => {
      const b = await bus();
      await b.light(A(1), { mode: 'on', color: 'cyan', display: 8, seq: 60 });
      const done = b.identify!(A(1), 150);
      await until(async () => (await peer.shows(1)).mode === 'fast', 'fast blink');
      await done;
      expect(await peer.shows(1)).toEqual({ mode: 'on', color: 'cyan', display: 8 });
    });

    it('rejects light() for a module that does not answer, then reports it offline', async () => {
      const b = await bus({ retries: 1, offlineAfter: 2 });
      const health: boolean[] = [];
      b.onHealth((e) => {
        if (e.address === A(ABSENT)) health.push(e.online);
      });
      const err = await b.light(A(ABSENT), { mode: 'on', seq: 1 }).catch((e) => e);
      expect(isPicklineError(err, 'DEVICE_TIMEOUT')).toBe(true);
      await until(() => health.includes(false), 'offline');
      const off = await b.light(A(ABSENT), { mode: 'on', seq: 2 }).catch((e) => e);
      expect(isPicklineError(off, 'DEVICE_OFFLINE')).toBe(true);
      const m = mod(b, ABSENT);
      expect(m.online).toBe(false);
      expect(m.counters.timeouts).toBeGreaterThanOrEqual(2);
      expect(m.counters.transactions).toBe(m.counters.timeouts);
    });

    it('reports a module that goes silent offline, and online when it answers again', async () => {
      const b = await bus({ retries: 0, offlineAfter: 2, healthIntervalMs: 100 });
      const health: boolean[] = [];
      b.onHealth((e) => {
        if (e.address === A(6)) health.push(e.online);
      });
      await online(b, 6);
      await peer.silence(6, true);
      try {
        await until(() => health.includes(false), 'offline');
        const err = await b.light(A(6), { mode: 'on', seq: 70 }).catch((e) => e);
        expect(isPicklineError(err, 'DEVICE_OFFLINE')).toBe(true);
      } finally {
        await peer.silence(6, false);
      }
      await until(() => mod(b, 6).online, 'online again');
      expect(health.slice(-2)).toEqual([false, true]);
      await b.light(A(6), { mode: 'on', color: 'yellow', display: 2, seq: 71 });
      expect(await peer.shows(6)).toEqual({ mode: 'on', color: 'yellow', display: 2 });
      await b.clear(A(6));
    });

    it('stops cleanly: idempotent, and later calls reject with BUS_CLOSED', async () => {
      const b = await bus();
      await b.light(A(6), { mode: 'on', seq: 3 });
      await b.stop();
      await b.stop();
      const err = await b.light(A(6), { mode: 'off', seq: 3 }).catch((e) => e);
      expect(isPicklineError(err, 'BUS_CLOSED')).toBe(true);
      expect(b.info().open).toBe(false);
    });
  });
}
