/** The MQTT driver (config/transports/mqtt.ts); its option is the broker connection. */
import { mqtt } from '../../config/transports/mqtt.ts';
import { defineDriver } from '../driver.ts';
import { createMqttBus } from './factory.ts';

export const mqttDriver = defineDriver('mqtt', [mqtt], createMqttBus);
