/**
 * BusConfig → an MQTT light bus. The broker connection is the site's `mqtt`
 * key; the MQTT service (controller/mqtt-service.ts) resolves it (the
 * embedded broker's port and the controller's own credentials are known only
 * once it listens) and passes it as this driver's option `link`.
 */

import { type MqttBusConfig, mqttIdProblem } from '../../config/transports/mqtt.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { silentLogger } from '../common/logger.ts';
import type { DriverContext } from '../driver.ts';
import type { LinkOptionsSource } from './link.ts';
import { MqttLightBus } from './mqtt-bus.ts';

export const MQTT_DEFAULTS = {
  timeoutMs: 1000,
  retries: 1,
  offlineAfter: 1,
  healthIntervalMs: 60000,
  identifyMs: 3000,
};

/** The MQTT driver's own options (`createBus(cfg, ctx, { mqtt: … })`). */
export interface MqttDriverOptions {
  /** the controller's connection to the site's broker, one client id per bus */
  link: LinkOptionsSource;
}

export function createMqttBus(
  cfg: MqttBusConfig,
  ctx: DriverContext,
  opts?: MqttDriverOptions,
): MqttLightBus {
  const link = opts?.link;
  if (!link)
    throw new PicklineError(
      'CONFIG_INVALID',
      `bus ${cfg.id}: an MQTT bus needs mqtt.embedded or mqtt.url`,
    );
  const modules: string[] = [];
  for (const a of ctx.addresses) {
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
    identifyMs: ctx.identifyMs ?? MQTT_DEFAULTS.identifyMs,
    log: ctx.logger ?? silentLogger,
    colorsFor: ctx.colorsFor,
  });
}
