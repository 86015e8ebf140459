/** The ABLEPick controller simulator as a contract-suite peer, over TCP on 127.0.0.1. */
import type { BusConfig, Color } from '../../../config/schema.ts';
import { COLOR_CODE } from '../../../device-drivers/ablepick/codec.ts';
import { createBus } from '../../../device-drivers/index.ts';
import { AblePickSimulator } from '../../../simulators/ablepick/index.ts';
import type { LightPeer, PeerFactory, Shown } from './peer.ts';

export interface AblePickPeer extends LightPeer {
  sim: AblePickSimulator;
  host: string;
  port: number;
}

const COLOR_NAME = new Map<number, Color>(
  Object.entries(COLOR_CODE).map(([n, c]) => [c, n as Color]),
);

/** What a simulated tag shows, in LightBus terms (interval 0x00 = 0.25 s = fast). */
export function shownBy(sim: AblePickSimulator, address: number): Shown {
  const t = sim.tag(address);
  const { led, flash, interval, color } = t.look;
  const mode = !led ? 'off' : !flash ? 'on' : interval === 0x00 ? 'fast' : 'blink';
  return { mode, color: COLOR_NAME.get(color) ?? null, display: t.display };
}

export const ablePickPeer: PeerFactory<AblePickPeer> = async (addresses) => {
  const sim = new AblePickSimulator({ tags: { 1: addresses } });
  const { host, port } = await sim.start();
  return {
    sim,
    host,
    port,
    colors: [...COLOR_NAME.values()],
    createBus: (tags, over = {}) =>
      createBus(
        { id: 'bus-t', transport: 'ablepick', host, port, timeoutMs: 200, ...over } as BusConfig,
        { profiles: new Map(), addresses: tags },
      ),
    shows: async (a) => shownBy(sim, a),
    press: async (a, key, quantity) => {
      const t = sim.tag(a);
      if (quantity !== undefined) t.adjust(quantity - (t.display ?? 0)); // '+'/'-' presses
      sim.press(a, key);
    },
    silence: async (a, on) => {
      sim.tag(a).fault = on ? 'silent' : null;
    },
    close: () => sim.stop(),
  };
};
