/** A controller core (store, waves, engine, floor commands, key input) over fake buses, for engine tests; wired as app/main.ts wires it. */
import pino from 'pino';
import type { SiteConfig } from '../../config/schema.ts';
import { FloorCommands } from '../../controller/engine/commands.ts';
import { PickEngine } from '../../controller/engine/engine.ts';
import { KeyInput } from '../../controller/engine/keys.ts';
import { Outbox } from '../../controller/events/outbox.ts';
import { Site } from '../../controller/site.ts';
import { Store } from '../../controller/store/db.ts';
import { syncLocations } from '../../controller/store/locations.ts';
import { WaveService } from '../../controller/waves/service.ts';
import { FakeBus } from '../../device-drivers/testing/fake-bus.ts';
import { demoConfig } from './harness.ts';

export interface FakeFloor {
  store: Store;
  outbox: Outbox;
  site: Site;
  waves: WaveService;
  engine: PickEngine;
  /** the one way into the floor */
  commands: FloorCommands;
  a: FakeBus;
  b: FakeBus;
  /** stops and starts key input and engine over the same store (a controller restart) */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function fakeFloor(
  dbPath: string,
  opts: {
    doneFlashMs?: number;
    buses?: [FakeBus, FakeBus];
    /** changes to the demo config before the site is built */
    configure?: (c: SiteConfig) => void;
  } = {},
): Promise<FakeFloor> {
  const config = demoConfig(dbPath);
  opts.configure?.(config);
  const site = new Site(config);
  const store = new Store(dbPath);
  store.start();
  syncLocations(store, site);
  const outbox = new Outbox(store);
  const [a, b] = opts.buses ?? [new FakeBus('bus-a'), new FakeBus('bus-b')];
  const buses = new Map([
    ['bus-a', a],
    ['bus-b', b],
  ]);
  const logger = pino({ level: 'silent' });
  const engine = new PickEngine({
    store,
    outbox,
    site,
    buses,
    logger,
    doneFlashMs: opts.doneFlashMs ?? 50,
  });
  const commands = new FloorCommands({
    store,
    site,
    picking: engine.picking,
    holds: engine.holds,
  });
  const keys = new KeyInput(buses, commands, logger);
  const waves = new WaveService({
    store,
    outbox,
    site,
    onCancelled: (w, l) => commands.waveCancelled(w, l),
  });
  keys.start();
  await engine.start();
  return {
    store,
    outbox,
    site,
    waves,
    engine,
    commands,
    a,
    b,
    restart: async () => {
      keys.stop();
      await engine.stop();
      keys.start();
      await engine.start();
    },
    stop: async () => {
      keys.stop();
      await engine.stop();
      store.stop();
    },
  };
}

/** One voice order per entry; its lines at the given V-03 slots (quantity = slot number). */
export const voiceWave = (waveId: string, orders: Record<string, string[]>) => ({
  waveId,
  orders: Object.entries(orders).map(([orderId, slots]) => ({
    orderId,
    container: `C-${orderId}`,
    lines: slots.map((slot) => ({
      lineId: `${orderId}-${slot}`,
      sku: `SKU-${slot}`,
      location: `V-03-${slot}`,
      quantity: Number(slot),
      description: `item ${slot}`,
    })),
  })),
});
