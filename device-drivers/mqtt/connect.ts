/**
 * The site's `mqtt` key → how one controller connection reaches the broker:
 * the embedded broker with the controller's own per-start secret, or the
 * external `url` with the configured user, password and TLS files.
 */
import type { MqttConfig } from '../../config/schema.ts';
import { CONTROLLER_USER, type EmbeddedBroker } from './broker.ts';
import type { LinkOptionsSource } from './link.ts';

export function mqttLinkSource(
  cfg: MqttConfig,
  broker: EmbeddedBroker | null,
  clientId: string,
): LinkOptionsSource {
  if (broker)
    return () => ({
      url: broker.url,
      username: CONTROLLER_USER,
      password: broker.controllerSecret,
      clientId,
    });
  return () => ({
    url: cfg.url ?? '',
    username: cfg.username,
    password: cfg.password,
    ca: cfg.ca,
    cert: cfg.cert,
    key: cfg.key,
    clientId,
  });
}
