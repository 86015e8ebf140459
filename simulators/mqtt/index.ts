/** MQTT light-module and scanner simulator (CONTRACTS.md §2). See docs/simulators.md. */
export { type FleetDevice, MqttFleet, type MqttFleetOptions } from './fleet.ts';
export {
  type MqttSimFault,
  MqttSimModule,
  type MqttSimModuleOptions,
  type Shown,
  type SimMode,
  type SimPressKey,
} from './module.ts';
