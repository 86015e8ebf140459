/**
 * BusConfig → an MQTT light bus. The broker connection is the site's `mqtt`
 * key; app/main.ts resolves it (the embedded broker's port and the
 * controller's own credentials are known only once it listens) and passes it
 * as `mqttLink`.
 */

import type { MqttBusConfig } from '../../config/schema.ts';
import { mqttIdProblem } from '../../config/transports/mqtt.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { silentLogger } from '../common/logger.ts';
import type { CreateBusOptions } from '../registry.ts';
import { MqttLightBus } from './mqtt-bus.ts';

export const MQTT_DEFAULTS = {
  timeoutMs: 1000,
  retries: 1,
  offlineAfter: 1,
  healthIntervalMs: 60000,
  identifyMs: 3000,
};

export function createMqttBus(cfg: MqttBusConfig, opts: CreateBusOptions): MqttLightBus {
  const link = opts.mqttLink;
  if (!link)
    throw new PicklineError(
      'CONFIG_INVALID',
      `bus ${cfg.id}: an MQTT bus needs mqtt.embedded or mqtt.url`,
    );
  const modules: string[] = [];
  for (const a of opts.addresses) {
    const wrong = mqttIdProblem(cfg.id, a);
    if (wrong) throw new PicklineError('CONFIG_INVALID', wrong);
    modules.push(a as string);
  }
  return new MqttLightBus({
    id: cfg.id,
    modules,
    link,
    timeoutMs: cfg.timeoutMs ?? MQTT_DEFAULTS.timeoutMs,
    retries: cfg.retries ?? MQTT_DEFAULTS.retries,
    offlineAfter: cfg.offlineAfter ?? MQTT_DEFAULTS.offlineAfter,
    healthIntervalMs: cfg.healthIntervalMs ?? MQTT_DEFAULTS.healthIntervalMs,
    identifyMs: opts.identifyMs ?? MQTT_DEFAULTS.identifyMs,
    log: opts.logger ?? silentLogger,
  });
}
