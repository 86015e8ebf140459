/**
 * A live floor for integration tests: the simulated Modbus modules (in the
 * test process, as real modules would outlive a controller), a simulated WMS
 * receiving webhooks, and a site config pointing the controller at both,
 * all on ephemeral ports of 127.0.0.1.
 */
import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { stringify } from 'yaml';
import { SimulatedFloor } from '../../app/floor.ts';
import { Controller } from '../../app/main.ts';
import { type LoadedConfig, loadConfig } from '../../config/load.ts';
import { DEFAULT_CONFIG } from '../../controller/paths.ts';
import { WmsSimulator } from '../../simulators/wms/index.ts';
import { until } from '../kit/until.ts';
import { TOKENS, tempDir } from './harness.ts';

export const WEBHOOK_SECRET = 'integration-hmac-secret';

export interface LiveSite {
  floor: SimulatedFloor;
  wms: WmsSimulator;
  loaded: LoadedConfig;
  /** the config written as YAML, for a controller in a child process */
  configFile: string;
  stop(): Promise<void>;
}

export async function liveSite(dir: string): Promise<LiveSite> {
  const base = loadConfig(DEFAULT_CONFIG, {});
  const floor = new SimulatedFloor(base.config, base.profiles, { ephemeral: true });
  const wms = new WmsSimulator({ secret: WEBHOOK_SECRET });
  const ports = await floor.start();
  const { url } = await wms.start();
  const raw = structuredClone(base.config) as Record<string, unknown> & typeof base.config;
  raw.api.port = 0;
  raw.api.tokens = Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]]));
  raw.storage.path = `${dir}/pickline.db`;
  raw.log = { level: 'warn' };
  raw.webhooks = [{ url: `${url}/events`, secret: WEBHOOK_SECRET, maxBackoffMs: 500 }];
  for (const z of raw.zones) delete z.locationsCsv; // rows already merged into locations
  // the Modbus floor only: the demo's MQTT zone has its own tests (test/drivers/mqtt/)
  const mqttBuses = new Set(raw.buses.filter((b) => b.transport === 'mqtt').map((b) => b.id));
  raw.buses = raw.buses.filter((b) => !mqttBuses.has(b.id));
  raw.zones = raw.zones.filter((z) => !z.locations.some((l) => l.bus && mqttBuses.has(l.bus)));
  const zones = new Set(raw.zones.map((z) => z.id));
  raw.scanners = raw.scanners?.filter((x) => zones.has(x.zone));
  delete raw.mqtt;
  delete raw.speech; // no recognisers to warm up: the voice tests bring their own
  for (const b of raw.buses) {
    if (b.transport !== 'modbus-tcp') continue;
    b.port = ports.get(b.id)!.port;
    b.simulate = false; // the floor runs here, not in the controller
    b.healthIntervalMs = 500;
  }
  const configFile = `${dir}/site.yaml`;
  writeFileSync(configFile, stringify(raw));
  const loaded = loadConfig(configFile, {});
  return {
    floor,
    wms,
    loaded,
    configFile,
    stop: async () => {
      await wms.stop();
      await floor.stop();
    },
  };
}

/** [MODE, COLOR, DISPLAY, JOB_SEQ] of a pickline-ptl-v1 module (CONTRACTS.md §4). */
export function registers(site: LiveSite, location: string): number[] {
  return [...site.floor.module(location).readHolding(0, 4)];
}

export interface LiveController {
  site: LiveSite;
  c: Controller;
  /** http://127.0.0.1:<port> of the API */
  url: string;
  /** Stops the controller and the site, removes the files. */
  stop(): Promise<void>;
}

/**
 * A controller on a live site, started, with every module answering. With
 * `pressKeys` the floor view's clicks press the simulated modules' keys.
 */
export async function liveController(opts: { pressKeys?: boolean } = {}): Promise<LiveController> {
  const tmp = tempDir();
  const site = await liveSite(tmp.dir);
  const c = new Controller(site.loaded, {
    logger: pino({ level: 'silent' }),
    ...(opts.pressKeys ? { simulator: site.floor } : {}),
  });
  const stop = async () => {
    await c.stop();
    await site.stop();
    tmp.remove();
  };
  try {
    await c.start();
    await until(
      () => [...c.buses.values()].every((b) => b.info().online === b.info().modules),
      'modules online',
      10_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { site, c, url: `http://127.0.0.1:${c.address.port}`, stop };
}
