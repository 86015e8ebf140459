/**
 * Every transport the site config accepts, one schema each. A transport is
 * listed here only when `device-drivers/registry.ts` has a driver for it (its
 * type makes a missing or extra entry a compile error); anything else in
 * `transport` is a config error naming the known ones.
 */
import type { Static } from '@sinclair/typebox';
import type { ModuleAddress } from '../../kernel/module-ref.ts';
import { AblePickBus, ablePickTagProblem } from './ablepick.ts';
import { busUnion } from './bus.ts';
import { ModbusRtuBus, ModbusTcpBus, modbusUnitProblem } from './modbus.ts';
import { MqttBus, mqttIdProblem } from './mqtt.ts';

export { AblePickBus, ModbusRtuBus, ModbusTcpBus, MqttBus };

export const BusConfig = busUnion([ModbusRtuBus, ModbusTcpBus, AblePickBus, MqttBus]);

export type BusConfig = Static<typeof BusConfig>;
export type Transport = BusConfig['transport'];
export type ModbusRtuBusConfig = Static<typeof ModbusRtuBus>;
export type ModbusTcpBusConfig = Static<typeof ModbusTcpBus>;
export type AblePickBusConfig = Static<typeof AblePickBus>;
export type MqttBusConfig = Static<typeof MqttBus>;

/**
 * How each transport addresses its modules: `unit` numbers (Modbus, ABLEPick)
 * or module `id` strings (MQTT, CONTRACTS.md §2 `{moduleId}`).
 */
export const ADDRESSING: { [K in Transport]: 'unit' | 'id' } = {
  'modbus-rtu': 'unit',
  'modbus-tcp': 'unit',
  ablepick: 'unit',
  mqtt: 'id',
};

/** Why `address` cannot name a module on bus `bus` (of `transport`), or null when it can. */
export function addressProblem(
  transport: Transport,
  bus: string,
  address: ModuleAddress,
): string | null {
  switch (transport) {
    case 'modbus-rtu':
    case 'modbus-tcp':
      return modbusUnitProblem(bus, address);
    case 'ablepick':
      return ablePickTagProblem(bus, address);
    case 'mqtt':
      return mqttIdProblem(bus, address);
  }
}
