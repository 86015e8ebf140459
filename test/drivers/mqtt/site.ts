/** An MQTT site for integration tests: one pick zone of MQTT modules, a scanner, the embedded broker or an external one. */
import pino from 'pino';
import { Controller } from '../../../app/main.ts';
import { checkConfig } from '../../../config/load.ts';
import type { SiteConfig } from '../../../config/schema.ts';
import { TOKENS } from '../../helpers/harness.ts';

export const MODULES = ['ptl-1', 'ptl-2', 'ptl-3', 'ptl-4'];
export const SCANNER = 'scan-1';
export const secretOf = (id: string) => `device-secret-of-${id}`;

export function mqttSite(
  dbPath: string,
  broker: SiteConfig['mqtt'],
  opts: { site?: string; prefix?: string; modules?: string[]; scanner?: string } = {},
): SiteConfig {
  const modules = opts.modules ?? MODULES;
  const scanner = opts.scanner ?? SCANNER;
  const zone = `${opts.prefix ?? ''}Q`;
  const raw = {
    site: opts.site ?? 'MQ-1',
    api: {
      host: '127.0.0.1',
      port: 0,
      tokens: Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]])),
    },
    storage: { path: dbPath },
    log: { level: 'silent' },
    mqtt: {
      ...broker,
      modules: modules.map((id) => ({ id, secret: secretOf(id) })),
      scanners: [{ id: scanner, secret: secretOf(scanner) }],
    },
    buses: [{ id: 'mq', transport: 'mqtt', timeoutMs: 300, healthIntervalMs: 500 }],
    operators: [{ id: 'jdoe', pin: '1234' }],
    scanners: [{ id: scanner, zone, picker: 'jdoe' }],
    zones: [
      {
        id: zone,
        mode: 'pick',
        locations: modules.map((m, i) => ({
          id: `${zone}-0${i + 1}`,
          bus: 'mq',
          address: m,
        })),
      },
    ],
  };
  return checkConfig(raw).config;
}

export function controller(config: SiteConfig): Controller {
  return new Controller(
    { config, file: '(inline)', profiles: new Map() },
    { logger: pino({ level: 'silent' }) },
  );
}

export function wave(id: string, order: string, container: string, locations: string[]) {
  return {
    waveId: id,
    orders: [
      {
        orderId: order,
        container,
        lines: locations.map((location, i) => ({
          lineId: `${order}-${i + 1}`,
          sku: `SKU-${i}`,
          location,
          quantity: i + 2,
        })),
      },
    ],
  };
}
