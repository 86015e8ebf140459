/**
 * Device drivers: the one entry the controller uses. `createBus` turns a
 * BusConfig into a `TechnicianBus` with the driver registered for its
 * transport (registry.ts); call `start()` on it, `stop()` when done.
 */

import type { BusConfig } from '../config/schema.ts';
import { PicklineError } from '../kernel/errors.ts';
import { type BusDriver, type CreateBusOptions, DRIVERS } from './registry.ts';
import type { TechnicianBus } from './types.ts';

export type { DriverLogger } from './common/logger.ts';
export { MODBUS_DEFAULTS } from './modbus/factory.ts';
export { ModbusLightBus } from './modbus/modbus-bus.ts';
export type { CreateBusOptions } from './registry.ts';
export type * from './types.ts';

export function createBus(cfg: BusConfig, opts: CreateBusOptions): TechnicianBus {
  const drivers = DRIVERS as Record<string, BusDriver<BusConfig>>;
  const driver = Object.hasOwn(drivers, cfg.transport) ? drivers[cfg.transport] : undefined;
  if (!driver) {
    throw new PicklineError(
      'UNSUPPORTED',
      `bus ${cfg.id}: transport ${cfg.transport} has no driver (known: ${Object.keys(DRIVERS).join(', ')})`,
    );
  }
  return driver.create(cfg, opts);
}
