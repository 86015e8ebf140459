/**
 * THE list of simulated device families of the dev floor (app/floor.ts), one
 * per transport whose bus schema has `simulate` (config/transports/). It
 * lives in app/, the only layer that may import the simulators; the drivers
 * never see them. Typed over those transports: a transport that gains
 * `simulate` without a family here is a compile error.
 */
import { ModbusFamily } from './floor-modbus.ts';
import { MqttFamily } from './mqtt-floor.ts';
import type { FamilyContext, SimFamily, SimulatedTransport } from './sim-family.ts';

export const SIM_FAMILIES: { [K in SimulatedTransport]: (c: FamilyContext) => SimFamily } = {
  'modbus-tcp': (c) => new ModbusFamily(c.config, c.profiles, c.addresses, c.name),
  mqtt: (c) => new MqttFamily(c.config, c.addresses, c.name),
};
