/**
 * The LightBus contract (device-drivers/types.ts, CONTRACTS.md §4), one suite
 * run against every peer (STYLE.md §8). Each test builds its own bus on the
 * shared peer, so scheduling options can differ per test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPicklineError } from '../../../config/errors.ts';
import { loadProfiles } from '../../../config/profiles.ts';
import type { BusConfig } from '../../../config/schema.ts';
import { createBus } from '../../../device-drivers/index.ts';
import type { KeyEvent, TechnicianBus } from '../../../device-drivers/types.ts';
import type { LightPeer, PeerFactory } from './peer.ts';

const PROFILES = loadProfiles();
/** modules the peer serves; 200 is configured on the bus but absent from the peer */
const ADDRESSES = [1, 2, 3, 4, 5, 6, 7];
const ABSENT = 200;

export async function until(
  what: string,
  ok: () => boolean | Promise<boolean>,
  ms = 5000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function lightBusContract(
  name: string,
  factory: PeerFactory,
  opts: { skip?: boolean } = {},
): void {
  describe.skipIf(opts.skip)(`LightBus contract: ${name}`, () => {
    let peer: LightPeer;
    const buses: TechnicianBus[] = [];

    const bus = async (over: Partial<BusConfig> = {}): Promise<TechnicianBus> => {
      const cfg = { id: 'bus-t', profile: 'pickline-ptl-v1', ...peer.bus, ...over } as BusConfig;
      const b = createBus(cfg, {
        profiles: PROFILES,
        addresses: [...ADDRESSES, ABSENT],
        transport: peer.transport?.(),
        identifyMs: 100,
      });
      buses.push(b);
      await b.start();
      return b;
    };
    const online = (b: TechnicianBus, a: number) =>
      until(`module ${a} online`, () => b.modules().find((m) => m.address === a)?.online === true);

    beforeAll(async () => {
      peer = await factory(ADDRESSES);
    });
    afterEach(async () => {
      for (const b of buses.splice(0)) await b.stop();
    });
    afterAll(async () => {
      await peer?.close();
    });

    it('lights a module with one write of registers 0–3 and clears it', async () => {
      const b = await bus();
      await b.light(1, { mode: 'blink', color: 'green', display: 12, seq: 42 });
      expect(await peer.holding(1, 0, 4)).toEqual([2, 2, 12, 42]);
      await b.light(1, { mode: 'on', color: 'white', display: null, seq: 43 });
      expect(await peer.holding(1, 0, 4)).toEqual([1, 7, 65535, 43]);
      await b.clear(1);
      expect(await peer.holding(1, 0, 4)).toEqual([0, 0, 65535, 43]);
      expect(b.modules().find((m) => m.address === 1)?.state).toEqual({ mode: 'off', seq: 43 });
    });

    it('delivers a key press of a lit module with its display and job token', async () => {
      const b = await bus();
      const keys: KeyEvent[] = [];
      b.onKey((e) => keys.push(e));
      await b.light(2, { mode: 'on', color: 'red', display: 3, seq: 7 });
      await peer.press(2, 'confirm');
      await until('key event', () => keys.length > 0);
      expect(keys[0]).toMatchObject({
        bus: 'bus-t',
        address: 2,
        key: 'confirm',
        display: 3,
        seq: 7,
      });
      await peer.press(2, 'short');
      await until('short key', () => keys.length > 1);
      expect(keys[1]).toMatchObject({ address: 2, key: 'short', seq: 7 });
      const m = b.modules().find((x) => x.address === 2);
      expect(m?.counters.keyEvents).toBe(2);
    });

    it('reports the quantity corrected with +/- on the module', async () => {
      const b = await bus();
      const keys: KeyEvent[] = [];
      b.onKey((e) => keys.push(e));
      await b.light(3, { mode: 'on', color: 'blue', display: 5, seq: 9 });
      await peer.minus(3, 3);
      await peer.plus(3, 1);
      await peer.press(3, 'confirm');
      await until('key event', () => keys.length > 0);
      expect(keys[0]).toMatchObject({ address: 3, key: 'confirm', display: 3, seq: 9 });
    });

    it('drops and counts a press carrying another job token', async () => {
      // health sweep only at start: the press is first seen by the poll after light()
      const b = await bus({ healthIntervalMs: 600_000 });
      const keys: KeyEvent[] = [];
      b.onKey((e) => keys.push(e));
      await online(b, 4);
      await peer.press(4, 'confirm'); // module dark: EVENT_SEQ is the old token
      await b.light(4, { mode: 'on', color: 'green', display: 1, seq: 50 });
      await until(
        'stale count',
        () => b.modules().find((m) => m.address === 4)!.counters.staleEvents === 1,
      );
      await peer.press(4, 'confirm');
      await until('key event', () => keys.length > 0);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ address: 4, seq: 50 });
      expect(b.info().counters.staleEvents).toBe(1);
    });

    it('drops and counts a press on a dark module', async () => {
      const b = await bus({ healthIntervalMs: 100 });
      const keys: KeyEvent[] = [];
      b.onKey((e) => keys.push(e));
      await online(b, 5);
      await peer.press(5, 'confirm');
      await until(
        'stale count',
        () => b.modules().find((m) => m.address === 5)!.counters.staleEvents === 1,
      );
      expect(keys).toEqual([]);
    });

    it('reads the identity registers', async () => {
      const b = await bus();
      const words = await peer.input(1, 10, 4);
      const id = await b.readIdentity!(1);
      expect(id).toEqual({ model: words[0], fw: `${words[1]}.${words[2]}`, serial: words[3] });
      expect(b.modules().find((m) => m.address === 1)?.identity).toEqual(id);
    });

    it('identifies a module by blinking it fast, then restores its state', async () => {
      const b = await bus();
      await b.light(1, { mode: 'on', color: 'cyan', display: 8, seq: 60 });
      const done = b.identify!(1, 150);
      await until('fast blink', async () => (await peer.holding(1, 0, 1))[0] === 3);
      await done;
      expect(await peer.holding(1, 0, 4)).toEqual([1, 5, 8, 60]);
    });

    it('re-addresses a module, which takes the address when its key is pressed', async () => {
      const b = await bus();
      const before = await b.readIdentity!(7);
      expect(await b.setAddress!(7, 17)).toEqual({ needsKeyPress: true });
      expect(await peer.holding(7, 100, 1)).toEqual([17]);
      await peer.press(7, 'confirm');
      expect((await b.readIdentity!(17)).serial).toBe(before.serial);
    });

    it('rejects light() for a module that does not answer, then reports it offline', async () => {
      const b = await bus({ retries: 1, offlineAfter: 2 });
      const health: boolean[] = [];
      b.onHealth((e) => {
        if (e.address === ABSENT) health.push(e.online);
      });
      const err = await b.light(ABSENT, { mode: 'on', seq: 1 }).catch((e) => e);
      expect(isPicklineError(err, 'DEVICE_TIMEOUT')).toBe(true);
      await until('offline', () => health.includes(false));
      const off = await b.light(ABSENT, { mode: 'on', seq: 2 }).catch((e) => e);
      expect(isPicklineError(off, 'DEVICE_OFFLINE')).toBe(true);
      const m = b.modules().find((x) => x.address === ABSENT)!;
      expect(m.online).toBe(false);
      expect(m.counters.timeouts).toBeGreaterThanOrEqual(2);
      expect(m.counters.transactions).toBe(m.counters.timeouts);
    });

    it('stops cleanly: idempotent, and later calls reject with BUS_CLOSED', async () => {
      const b = await bus();
      await b.light(6, { mode: 'on', seq: 3 });
      await b.stop();
      await b.stop();
      const err = await b.light(6, { mode: 'off', seq: 3 }).catch((e) => e);
      expect(isPicklineError(err, 'BUS_CLOSED')).toBe(true);
      expect(b.info().open).toBe(false);
    });
  });
}
