/**
 * The MQTT transport (CONTRACTS.md §2; driver in device-drivers/mqtt/). The
 * broker itself is the site's `mqtt` key (config/schema.ts), shared by every
 * MQTT bus; a bus only groups module ids and sets the ack timing. Defaults are
 * the driver's MQTT_DEFAULTS. What a module can show is known only when it
 * says so in its retained status (contract-extensions.md "MQTT"), so the
 * config has no capabilities to check.
 */
import { Type as T } from '@sinclair/typebox';
import { MODULE_ID_PATTERN, type ModuleAddress } from '../../kernel/module-ref.ts';
import { type BusConfigOf, defineTransport } from './spec.ts';

const MODULE_ID = new RegExp(MODULE_ID_PATTERN);

/** MQTT addresses modules by module id (CONTRACTS.md §2 `{moduleId}`), never by number. */
export function mqttIdProblem(bus: string, address: ModuleAddress): string | null {
  return typeof address === 'string' && MODULE_ID.test(address)
    ? null
    : `address ${address} is not a module id (a letter, then letters, digits, . _ : -) on MQTT bus ${bus}`;
}

export const mqtt = defineTransport({
  name: 'mqtt',
  fields: {
    timeoutMs: T.Optional(
      T.Integer({
        minimum: 5,
        maximum: 60000,
        description: 'How long a `set` waits for its `ack` before it is sent again (default 1000)',
      }),
    ),
    retries: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 5,
        description: 'Re-sends of an unacked `set` (default 1)',
      }),
    ),
    offlineAfter: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 100,
        description: 'Unacked commands (after re-sends) before a module is offline (default 1)',
      }),
    ),
    healthIntervalMs: T.Optional(
      T.Integer({
        minimum: 100,
        maximum: 3600000,
        description:
          'Period of the health check that re-sends each module its current state (default 60000); status and last will report online/offline between checks',
      }),
    ),
    simulate: T.Optional(
      T.Boolean({
        description: 'Start an in-process module fleet for this bus on the broker (demo / tests)',
      }),
    ),
  },
  addressing: 'id',
  addressProblem: mqttIdProblem,
  capabilities: () => null,
});

export type MqttBusConfig = BusConfigOf<typeof mqtt>;
