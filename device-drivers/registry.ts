/**
 * The registered drivers: one entry per transport, pairing the bus schema the
 * site config validates with (config/transports/) and the factory that builds
 * the bus. The schema lives in config/ because config is the bottom layer:
 * check-config, the simulators and the types of SiteConfig need it without
 * the drivers. This record's type makes a transport without a driver (or a
 * driver without a schema) a compile error.
 */
import type { TSchema } from '@sinclair/typebox';
import type { BusConfig, Transport } from '../config/schema.ts';
import { AblePickBus, ModbusRtuBus, ModbusTcpBus, MqttBus } from '../config/transports/index.ts';
import { createAblePickBus } from './ablepick/factory.ts';
import { createModbusBus, type ModbusFactoryOptions } from './modbus/factory.ts';
import { createMqttBus } from './mqtt/factory.ts';
import type { LinkOptionsSource } from './mqtt/link.ts';
import type { TechnicianBus } from './types.ts';

/** What every factory gets besides its bus config (the Modbus one is the superset today). */
export type CreateBusOptions = ModbusFactoryOptions & {
  /** the controller's broker connection, for MQTT buses (app/main.ts resolves the site's `mqtt`) */
  mqttLink?: LinkOptionsSource;
};

export interface BusDriver<C extends BusConfig> {
  schema: TSchema;
  create(cfg: C, opts: CreateBusOptions): TechnicianBus;
}

export const DRIVERS: { [K in Transport]: BusDriver<Extract<BusConfig, { transport: K }>> } = {
  'modbus-rtu': { schema: ModbusRtuBus, create: createModbusBus },
  'modbus-tcp': { schema: ModbusTcpBus, create: createModbusBus },
  ablepick: { schema: AblePickBus, create: createAblePickBus },
  mqtt: { schema: MqttBus, create: createMqttBus },
};
