/**
 * Device drivers: the one entry the controller uses. `createBus` turns a
 * BusConfig into a `TechnicianBus` with the driver registered for its
 * transport (registry.ts); call `start()` on it, `stop()` when done.
 */

import type { BusConfig } from '../config/schema.ts';
import { TRANSPORTS } from '../config/transports/index.ts';
import { PicklineError } from '../kernel/errors.ts';
import type { DriverContext } from './driver.ts';
import { type BusOptions, driverFor } from './registry.ts';
import type { TechnicianBus } from './types.ts';

export type { DriverLogger } from './common/logger.ts';
export type { DriverContext } from './driver.ts';
export { MODBUS_DEFAULTS } from './modbus/factory.ts';
export { ModbusLightBus } from './modbus/modbus-bus.ts';
export type { BusOptions } from './registry.ts';
export type * from './types.ts';

/** `options`: what only one driver takes, under its family name (registry.ts `BusOptions`). */
export function createBus(
  cfg: BusConfig,
  ctx: DriverContext,
  options: BusOptions = {},
): TechnicianBus {
  const driver = driverFor(cfg.transport);
  if (!driver) {
    const known = TRANSPORTS.map((t) => t.name).filter((t) => driverFor(t));
    throw new PicklineError(
      'UNSUPPORTED',
      `bus ${cfg.id}: transport ${cfg.transport} has no driver (known: ${known.join(', ')})`,
    );
  }
  return driver.create(cfg, ctx, (options as Record<string, unknown>)[driver.family]);
}
