/**
 * The pickline-ptl-v1 register map on the wire (CONTRACTS.md §4): what the
 * Modbus driver writes and reads, seen in the peer's registers. Runs beside
 * the neutral suite against every Modbus peer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TechnicianBus } from '../../../device-drivers/types.ts';
import { until } from '../../kit/until.ts';
import type { ModbusPeer } from './modbus-peer.ts';
import type { PeerFactory } from './peer.ts';

const ADDRESSES = [1, 2, 3, 4, 5, 6, 7];

export function modbusProfileContract(
  name: string,
  factory: PeerFactory<ModbusPeer>,
  opts: { skip?: boolean } = {},
): void {
  describe.skipIf(opts.skip)(`pickline-ptl-v1 registers: ${name}`, () => {
    let peer: ModbusPeer;
    const buses: TechnicianBus[] = [];

    const bus = async (): Promise<TechnicianBus> => {
      const b = peer.createBus(ADDRESSES);
      buses.push(b);
      await b.start();
      return b;
    };

    beforeAll(async () => {
      peer = await factory(ADDRESSES);
    });
    afterEach(async () => {
      for (const b of buses.splice(0)) await b.stop();
    });
    afterAll(async () => {
      await peer?.close();
    });

    it('lights a module with one write of MODE, COLOR, DISPLAY, JOB_SEQ and clears it', async () => {
      const b = await bus();
      await b.light(1, { mode: 'blink', color: 'green', display: 12, seq: 42 });
      expect(await peer.holding(1, 0, 4)).toEqual([2, 2, 12, 42]);
      await b.light(1, { mode: 'on', color: 'white', display: null, seq: 43 });
      expect(await peer.holding(1, 0, 4)).toEqual([1, 7, 65535, 43]);
      await b.clear(1);
      expect(await peer.holding(1, 0, 4)).toEqual([0, 0, 65535, 43]);
    });

    it('reads the identity registers', async () => {
      const b = await bus();
      const words = await peer.input(1, 10, 4);
      const id = await b.readIdentity!(1);
      expect(id).toEqual({ model: words[0], fw: `${words[1]}.${words[2]}`, serial: words[3] });
      expect(b.modules().find((m) => m.address === 1)?.identity).toEqual(id);
    });

    it('identifies with MODE fast (3), then writes the previous registers back', async () => {
      const b = await bus();
      await b.light(2, { mode: 'on', color: 'cyan', display: 8, seq: 60 });
      const done = b.identify!(2, 150);
      await until(async () => (await peer.holding(2, 0, 1))[0] === 3, 'fast blink');
      await done;
      expect(await peer.holding(2, 0, 4)).toEqual([1, 5, 8, 60]);
    });

    it('re-addresses through UNIT_ID (100); the module takes it when its key is pressed', async () => {
      const b = await bus();
      const before = await b.readIdentity!(7);
      expect(await b.setAddress!(7, 17)).toEqual({ needsKeyPress: true });
      expect(await peer.holding(7, 100, 1)).toEqual([17]);
      await peer.pressKey(7, 'confirm');
      expect((await b.readIdentity!(17)).serial).toBe(before.serial);
    });
  });
}
