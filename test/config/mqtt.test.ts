/** The site's `mqtt` key and MQTT buses (CONTRACTS.md §2, §5; config/mqtt.ts, config/mqtt-check.ts). */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../config/load.ts';
import { hashSecret, verifySecret } from '../../config/secret.ts';
import { PicklineError } from '../../kernel/errors.ts';

const S = 'sixteen-char-secret';

function site(over: Record<string, unknown>) {
  return {
    site: 'T',
    api: { port: 0, tokens: {} },
    storage: { path: ':memory:' },
    mqtt: {
      embedded: { host: '127.0.0.1', port: 0 },
      modules: [{ id: 'ptl-1', secret: S }],
      scanners: [{ id: 'scan-1', secretHash: hashSecret(S) }],
    },
    buses: [{ id: 'mq', transport: 'mqtt' }],
    scanners: [{ id: 'scan-1', zone: 'A', picker: 'p1' }],
    zones: [{ id: 'A', mode: 'pick', locations: [{ id: 'A-1', bus: 'mq', address: 'ptl-1' }] }],
    ...over,
  };
}

function problems(raw: object): string[] {
  try {
    checkConfig(raw);
  } catch (e) {
    if (e instanceof PicklineError) return e.details.map((d) => `${d.path}: ${d.message}`);
    throw e;
  }
  return [];
}

describe('mqtt configuration', () => {
  it('accepts an embedded broker with per-device credentials and an MQTT bus of module ids', () => {
    const { config } = checkConfig(site({}));
    expect(config.buses[0]).toEqual({ id: 'mq', transport: 'mqtt' });
    expect(config.mqtt?.embedded).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('accepts an external broker url with credentials and TLS files, no device list needed', () => {
    const mqtt = {
      url: 'mqtts://broker.example:8883',
      username: 'ctl',
      password: 'pw',
      ca: 'ca.pem',
    };
    expect(problems(site({ mqtt }))).toEqual([]);
    expect(problems(site({ mqtt: { url: 'http://broker' } }))[0]).toMatch(/^mqtt\.url: must match/);
  });

  it('reports a missing broker, two brokers, bad secrets, missing module credentials and numeric addresses', () => {
    expect(problems(site({ mqtt: undefined }))).toEqual([
      'mqtt: an MQTT bus needs mqtt.embedded or mqtt.url',
    ]);
    expect(
      problems(
        site({
          mqtt: {
            embedded: { port: 0 },
            url: 'mqtt://x',
            modules: [
              { id: 'ptl-1', secret: S, secretHash: hashSecret(S) },
              { id: 'ptl-1', secret: 'short' },
            ],
          },
          zones: [
            {
              id: 'A',
              mode: 'pick',
              locations: [
                { id: 'A-1', bus: 'mq', address: 'ptl-1' },
                { id: 'A-2', bus: 'mq', address: 'ptl-2' },
                { id: 'A-3', bus: 'mq', address: 7 },
              ],
            },
          ],
        }),
      ),
    ).toEqual([
      'mqtt.modules[1].secret: must NOT have fewer than 16 characters',
      'zones[0].locations[2].address: address 7 is not a module id (a letter, then letters, digits, . _ : -) on MQTT bus mq',
      'mqtt: embedded and url exclude each other: pick one broker',
      'mqtt.modules[0]: needs exactly one of secret and secretHash',
      'mqtt.modules[1].id: "ptl-1" already has credentials',
      'zones[0].locations[1].address: ptl-2 has no credentials in mqtt.modules',
    ]);
  });

  it("refuses device ids of the controller's client-id form, and consumers off the embedded broker", () => {
    const reserved = site({
      mqtt: {
        embedded: { port: 0 },
        clientId: 'dc1',
        modules: [
          { id: 'ptl-1', secret: S },
          { id: 'pickline-T-mq', secret: S },
        ],
        scanners: [{ id: 'pickline-scan', secret: S }],
        consumers: [
          { id: 'pickline-wms', secret: S },
          { id: 'ptl-1', secret: S },
        ],
      },
      scanners: [{ id: 'pickline-scan', zone: 'A', picker: 'p1' }],
      zones: [
        {
          id: 'A',
          mode: 'pick',
          locations: [
            { id: 'A-1', bus: 'mq', address: 'ptl-1' },
            { id: 'A-2', bus: 'mq', address: 'pickline-T-mq' },
          ],
        },
      ],
    });
    expect(problems(reserved)).toEqual([
      'zones[0].locations[1].address: "pickline-T-mq": ids starting pickline- are the controller\'s',
      'scanners[0].id: "pickline-scan": ids starting pickline- are the controller\'s',
      "mqtt.clientId: on the embedded broker the controller's client id must start pickline-",
      'mqtt.modules[1].id: "pickline-T-mq": ids starting pickline- are the controller\'s',
      'mqtt.scanners[0].id: "pickline-scan": ids starting pickline- are the controller\'s',
      'mqtt.consumers[0].id: "pickline-wms": ids starting pickline- are the controller\'s',
      'mqtt.consumers[1].id: "ptl-1" already has credentials',
    ]);
    const external = {
      url: 'mqtt://b',
      consumers: [{ id: 'wms', secret: S }],
      maxPacketBytes: 9000,
    };
    expect(problems(site({ mqtt: external }))).toEqual([
      'mqtt: consumers and maxPacketBytes are for the embedded broker; an external one has its own',
    ]);
    const ok = {
      embedded: { port: 0 },
      clientId: 'pickline-dc1',
      modules: [{ id: 'ptl-1', secret: S }],
    };
    expect(
      problems(
        site({ mqtt: { ...ok, consumers: [{ id: 'wms', secret: S }], maxPacketBytes: 9000 } }),
      ),
    ).toEqual([]);
    expect(problems(site({ mqtt: { ...ok, maxPacketBytes: 100 } }))).toEqual([
      'mqtt.maxPacketBytes: must be >= 8192',
    ]);
  });

  it('hashes secrets with scrypt and verifies them; the PIN form without N means N=16384', () => {
    const h = hashSecret(S);
    expect(h).toMatch(/^scrypt\$1024\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(verifySecret(S, h)).toBe(true);
    expect(verifySecret(`${S}x`, h)).toBe(false);
    expect(verifySecret(S, 'scrypt$3$00$00')).toBe(false);
    const pin = hashSecret('1234', 16384).replace('scrypt$16384$', 'scrypt$');
    expect(verifySecret('1234', pin)).toBe(true);
  });
});
