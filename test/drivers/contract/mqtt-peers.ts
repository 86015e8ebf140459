/**
 * The MQTT module fleet simulator as a contract-suite peer: on the embedded
 * broker (per-device auth as in production) and on a real `mosquitto` with a
 * password file and per-device ACLs. Module n is `ptl-<n>`.
 */
import { randomBytes } from 'node:crypto';
import type { MqttBusConfig } from '../../../config/transports/mqtt.ts';
import { silentLogger } from '../../../device-drivers/common/logger.ts';
import { CONTROLLER_USER, EmbeddedBroker } from '../../../device-drivers/mqtt/broker.ts';
import { createMqttBus } from '../../../device-drivers/mqtt/factory.ts';
import type { LinkOptionsSource } from '../../../device-drivers/mqtt/link.ts';
import { MqttFleet } from '../../../simulators/mqtt/index.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import type { LightPeer, PeerFactory } from './peer.ts';

export const moduleId = (n: number) => `ptl-${n}`;
export const secretOf = (id: string) => `device-secret-of-${id}`;

export interface MqttPeer extends LightPeer {
  fleet: MqttFleet;
  url: string;
  link(clientId?: string): LinkOptionsSource;
}

let clients = 0;

function mqttPeer(
  fleet: MqttFleet,
  url: string,
  link: (clientId: string) => LinkOptionsSource,
  close: () => Promise<void>,
): MqttPeer {
  return {
    fleet,
    url,
    link: (clientId = `pickline-test-${++clients}`) => link(clientId),
    address: moduleId,
    announcesCapabilities: true,
    createBus(addresses, over = {}) {
      const cfg: MqttBusConfig = {
        id: 'bus-t',
        transport: 'mqtt',
        timeoutMs: 100,
        healthIntervalMs: 1000,
        ...(over as Partial<MqttBusConfig>),
      };
      return createMqttBus(
        cfg,
        { profiles: new Map(), addresses: addresses.map(moduleId), logger: silentLogger },
        { link: link(`pickline-test-${++clients}`) },
      );
    },
    async shows(n) {
      const { mode, color, display } = fleet.module(moduleId(n)).shown;
      return { mode, color, display };
    },
    async press(n, key, quantity) {
      await fleet.module(moduleId(n)).press(key, quantity);
    },
    async silence(n, on) {
      fleet.module(moduleId(n)).fault = on ? { kind: 'silent' } : null;
    },
    close,
  };
}

const devices = (addresses: number[]) =>
  addresses.map(moduleId).map((id) => ({ id, secret: secretOf(id) }));

/** The fleet on the embedded broker (per-device credentials, scrypt-hashed). */
export async function embeddedBroker(addresses: number[], scanners: string[] = []) {
  const broker = new EmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    modules: devices(addresses),
    scanners: scanners.map((id) => ({ id, secret: secretOf(id) })),
    log: silentLogger,
  });
  await broker.start();
  const link =
    (clientId: string): LinkOptionsSource =>
    () => ({
      url: broker.url,
      username: CONTROLLER_USER,
      password: broker.controllerSecret,
      clientId,
      reconnectMs: 200,
    });
  return { broker, link };
}

export const embeddedPeer: PeerFactory<MqttPeer> = async (addresses) => {
  const { broker, link } = await embeddedBroker(addresses);
  const fleet = new MqttFleet({ url: broker.url, modules: devices(addresses) });
  await fleet.start();
  return mqttPeer(fleet, broker.url, link, async () => {
    await fleet.stop();
    await broker.stop();
  });
};

export const CONTROLLER_PASSWORD = randomBytes(8).toString('hex');

/** A real mosquitto with a password file and per-device ACLs. */
export async function mosquittoBroker(addresses: number[], controllers = ['controller']) {
  const mosq = await startMosquitto([
    ...controllers.map((name) => ({ name, password: CONTROLLER_PASSWORD, controller: true })),
    ...devices(addresses).map((d) => ({ name: d.id, password: d.secret })),
  ]);
  const link =
    (clientId: string, user = controllers[0]): LinkOptionsSource =>
    () => ({
      url: mosq.url,
      username: user,
      password: CONTROLLER_PASSWORD,
      clientId,
      reconnectMs: 200,
    });
  return { mosq, link };
}

export const mosquittoPeer: PeerFactory<MqttPeer> = async (addresses) => {
  const { mosq, link } = await mosquittoBroker(addresses);
  const fleet = new MqttFleet({ url: mosq.url, modules: devices(addresses) });
  await fleet.start();
  return mqttPeer(
    fleet,
    mosq.url,
    (id) => link(id),
    async () => {
      await fleet.stop();
      await mosq.close();
    },
  );
};
