/**
 * The site's `mqtt` key (CONTRACTS.md §2, §5): which broker the MQTT buses,
 * the scanners and the event fan-out use, and the credentials of every MQTT
 * device. `embedded` runs the in-process broker (device-drivers/mqtt/broker.ts)
 * that authenticates each device by its own secret; `url` uses an external
 * broker (its own ACLs apply). Secrets are stored as `scrypt$<salt>$<hash>`
 * (`secretHash`, config/secret.ts); a plain `secret` is accepted for a lab
 * setup and hashed at load. README "MQTT devices" says how a technician
 * provisions and rotates them.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { MODULE_ID_PATTERN } from '../kernel/module-ref.ts';
import { Id } from './id.ts';
import { SECRET_HASH_PATTERN } from './secret.ts';

const Device = (what: string) =>
  T.Object(
    {
      id: T.String({
        minLength: 1,
        maxLength: 64,
        pattern: MODULE_ID_PATTERN,
        description: `${what} id: the MQTT username and the {id} of its topics`,
      }),
      secret: T.Optional(
        T.String({ minLength: 16, description: 'Plain secret (lab use; hashed at start)' }),
      ),
      secretHash: T.Optional(
        T.String({
          pattern: SECRET_HASH_PATTERN,
          description: 'scrypt$<N>$<salt hex>$<hash hex> (config/secret.ts hashSecret)',
        }),
      ),
    },
    { additionalProperties: false },
  );

export const MqttDevice = Device('Module or scanner');

export const MqttConfig = T.Object(
  {
    embedded: T.Optional(
      T.Object(
        {
          host: T.String({ default: '127.0.0.1' }),
          port: T.Integer({ minimum: 0, maximum: 65535 }),
          tls: T.Optional(
            T.Object(
              {
                port: T.Integer({ minimum: 0, maximum: 65535 }),
                cert: T.String({ minLength: 1, description: 'PEM certificate file' }),
                key: T.String({ minLength: 1, description: 'PEM key file' }),
              },
              { additionalProperties: false, description: 'Optional TLS listener' },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    url: T.Optional(T.String({ pattern: '^(mqtts?|wss?)://' })),
    username: T.Optional(T.String({ minLength: 1, description: "The controller's user (url)" })),
    password: T.Optional(T.String({ description: "The controller's password (url)" })),
    ca: T.Optional(T.String({ minLength: 1, description: 'PEM CA file (mqtts/wss)' })),
    cert: T.Optional(T.String({ minLength: 1, description: 'PEM client certificate file' })),
    key: T.Optional(T.String({ minLength: 1, description: 'PEM client key file' })),
    clientId: T.Optional(
      Id("The controller's MQTT client id prefix (default pickline-<site>); unique per controller"),
    ),
    modules: T.Optional(T.Array(Device('Module'), { description: 'Module credentials' })),
    scanners: T.Optional(T.Array(Device('Scanner'), { description: 'Scanner credentials' })),
    // broker limits and event consumers (docs/contract-extensions.md "MQTT (§2)")
    consumers: T.Optional(
      T.Array(Device('Event consumer'), {
        description:
          'Logins on the embedded broker that may only subscribe to pickline/v1/events/# (a WMS, a dashboard)',
      }),
    ),
    maxPacketBytes: T.Optional(
      T.Integer({
        minimum: 8192,
        maximum: 268435455,
        description:
          'Embedded broker: largest packet a logged-in device or consumer may send (default 65536); a larger one closes its connection',
      }),
    ),
  },
  { additionalProperties: false },
);

export type MqttConfig = Static<typeof MqttConfig>;
