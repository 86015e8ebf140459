/**
 * Device drivers: the one entry the controller uses. `createBus` turns a
 * BusConfig into a `TechnicianBus`; call `start()` on it, `stop()` when done.
 */
import { PicklineError } from '../config/errors.ts';
import type { BusConfig } from '../config/schema.ts';
import { createModbusBus, type ModbusFactoryOptions } from './modbus/factory.ts';
import type { TechnicianBus } from './types.ts';

export { MODBUS_DEFAULTS } from './modbus/factory.ts';
export { ModbusLightBus } from './modbus/modbus-bus.ts';
export type { DriverLogger } from './shared/logger.ts';
export type * from './types.ts';

export type CreateBusOptions = ModbusFactoryOptions;

export function createBus(cfg: BusConfig, opts: CreateBusOptions): TechnicianBus {
  switch (cfg.transport) {
    case 'modbus-rtu':
    case 'modbus-tcp':
      return createModbusBus(cfg, opts);
    default:
      throw new PicklineError(
        'UNSUPPORTED',
        `bus ${cfg.id}: transport ${cfg.transport} has no driver yet`,
      );
  }
}
