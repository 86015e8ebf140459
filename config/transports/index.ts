/**
 * Every transport the site config accepts, one schema each. A transport is
 * listed here only when `device-drivers/registry.ts` has a driver for it (its
 * type makes a missing or extra entry a compile error); anything else in
 * `transport` is a config error naming the known ones.
 */
import type { Static } from '@sinclair/typebox';
import { busUnion } from './bus.ts';
import { ModbusRtuBus, ModbusTcpBus } from './modbus.ts';

export { ModbusRtuBus, ModbusTcpBus };

export const BusConfig = busUnion([ModbusRtuBus, ModbusTcpBus]);

export type BusConfig = Static<typeof BusConfig>;
export type Transport = BusConfig['transport'];
export type ModbusRtuBusConfig = Static<typeof ModbusRtuBus>;
export type ModbusTcpBusConfig = Static<typeof ModbusTcpBus>;
