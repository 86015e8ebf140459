/**
 * Crash hunting (issue 16, "Done when"): nothing a client or a peer does may
 * end the controller. A controller in a child process (an uncaught error ends
 * it, and the test sees that) runs a Modbus TCP floor, an ABLEPick controller
 * and an embedded MQTT broker with an MQTT bus, a voice zone and a webhook to
 * a hostile receiver. Every listening socket it has (HTTP API, voice
 * WebSocket, SSE floor stream, MQTT broker port) is opened, flooded (garbage,
 * giant frames, half-open requests, many connections) and reset; every
 * client link it has (Modbus TCP, ABLEPick, through a proxy that plays the
 * broken peer; the webhook receiver) gets garbage and resets. Afterwards it
 * still serves /healthz, gets ready again and lights a scan.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { AblePickSimulator } from '../../simulators/ablepick/index.ts';
import {
  type ChildController,
  childController,
  freePort,
  rawRequest,
  reset,
  sleep,
  upgradeRequest,
} from '../helpers/child.ts';
import { FaultyProxy } from '../helpers/faulty-proxy.ts';
import { auth, tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite, registers } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

const MQTT_SECRET = 'crash-hunt-module-secret';
let tmp: ReturnType<typeof tempDir>;
let site: LiveSite;
let ablepick: AblePickSimulator;
let hostileWms: Server;
const proxies = new Map<string, FaultyProxy>();
let mqttPort = 0;
let ctl: ChildController;

beforeAll(async () => {
  tmp = tempDir();
  site = await liveSite(tmp.dir);
  const raw = parse(readFileSync(site.configFile, 'utf8'));
  // the Modbus TCP buses reach their modules through proxies that can misbehave
  for (const b of raw.buses) {
    const p = new FaultyProxy({ host: '127.0.0.1', port: b.port });
    proxies.set(b.id, p);
    b.port = await p.start();
  }
  ablepick = new AblePickSimulator({ tags: { 1: [1, 2, 3] } });
  const ap = new FaultyProxy(await ablepick.start());
  proxies.set('ap-1', ap);
  raw.buses.push({
    id: 'ap-1',
    transport: 'ablepick',
    host: '127.0.0.1',
    port: await ap.start(),
    timeoutMs: 200,
    healthIntervalMs: 200,
  });
  mqttPort = await freePort();
  raw.mqtt = {
    embedded: { host: '127.0.0.1', port: mqttPort },
    modules: [{ id: 'ptl-1', secret: MQTT_SECRET }],
  };
  raw.buses.push({ id: 'mq', transport: 'mqtt' });
  raw.zones.push(
    {
      id: 'AP',
      mode: 'pick',
      locations: [1, 2, 3].map((a) => ({ id: `AP-${a}`, bus: 'ap-1', address: a })),
    },
    { id: 'MQ', mode: 'pick', locations: [{ id: 'MQ-1', bus: 'mq', address: 'ptl-1' }] },
  );
  // a webhook receiver that resets or answers garbage
  let n = 0;
  hostileWms = createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      if (n++ % 2 === 0) reset(s);
      else s.end(randomBytes(4096));
    });
  });
  await new Promise<void>((r) => hostileWms.listen(0, '127.0.0.1', r));
  const hostilePort = (hostileWms.address() as { port: number }).port;
  raw.webhooks.push({
    url: `http://127.0.0.1:${hostilePort}/events`,
    secret: 'hostile-hmac-secret',
    maxBackoffMs: 200,
    timeoutMs: 1000,
  });
  const file = `${tmp.dir}/crash-hunt.yaml`;
  writeFileSync(file, stringify(raw));
  ctl = await childController(file, { readyMs: 90_000 });
}, 120_000);

afterAll(async () => {
  await ctl?.stop();
  for (const p of proxies.values()) await p.stop();
  await ablepick?.stop();
  if (hostileWms) await new Promise((r) => hostileWms.close(r));
  await site?.stop();
  tmp?.remove();
});

/** Opens `n` connections to `port`, writes `payload` on each, waits `holdMs`, resets them all. */
async function flood(port: number, n: number, payload: Buffer | string, holdMs = 100) {
  const socks = await Promise.all(
    Array.from(
      { length: n },
      () => rawRequest(port, payload, 300).catch(() => null), // refused or reset at once: fine
    ),
  );
  await sleep(holdMs);
  for (const s of socks) if (s) reset(s.socket);
}

/** Half-open: a partial request, then our side closed for writing; reset later. */
async function halfOpen(port: number, n: number, partial: string): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const { socket } = await rawRequest(port, partial, 50).catch(() => ({ socket: null }));
    if (!socket) continue;
    socket.end();
    out.push(socket);
  }
  return out;
}

async function stillServing(): Promise<void> {
  await sleep(300);
  expect(ctl.alive(), ctl.stderr()).toBe(true);
  expect((await fetch(`${ctl.url}/healthz`)).status).toBe(200);
}

const bearer = (role: Parameters<typeof auth>[0]) => `Authorization: ${auth(role).authorization}`;

describe('crash hunting: every socket of the controller, opened, flooded and reset', {
  timeout: 120_000,
}, () => {
  it('HTTP API: garbage, giant header and body, half-open requests, 300 connections reset', async () => {
    const port = ctl.port;
    await flood(port, 20, randomBytes(64 * 1024));
    await flood(
      port,
      5,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(256 * 1024)}\r\n\r\n`,
    );
    await flood(
      port,
      5,
      `POST /api/v1/waves HTTP/1.1\r\nHost: x\r\n${bearer('wms')}\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n${'['.repeat(1024 * 1024)}`,
    );
    await flood(
      port,
      5,
      'POST /api/v1/waves HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffff\r\n',
    );
    const half = await halfOpen(port, 20, 'GET /api/v1/status HTTP/1.1\r\nHost: x\r\n');
    await flood(port, 300, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 50);
    await stillServing();
    for (const s of half) reset(s);
    await stillServing();
  });

  it('voice WebSocket: garbage and giant frames after the upgrade, 300 upgrades reset', async () => {
    const port = ctl.port;
    const up = upgradeRequest('/api/v1/voice', port);
    // a masked text frame claiming 2^62 bytes, then some of them
    const giant = Buffer.concat([
      Buffer.from([0x81, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
      randomBytes(64 * 1024),
    ]);
    const socks = await Promise.all(Array.from({ length: 20 }, () => rawRequest(port, up)));
    for (const [i, s] of socks.entries()) s.socket.write(i % 2 ? giant : randomBytes(8 * 1024)); // unmasked garbage: a protocol error
    await sleep(200);
    for (const s of socks) reset(s.socket);
    await flood(port, 300, up, 50);
    await flood(port, 20, `${up}${randomBytes(1024).toString('latin1')}`);
    await flood(port, 20, upgradeRequest('/api/v1/elsewhere', port));
    const half = await halfOpen(port, 10, up.slice(0, 60));
    await stillServing();
    for (const s of half) reset(s);
    await stillServing();
  });

  it('SSE floor stream: streams reset mid-stream, streams never read', async () => {
    const port = ctl.port;
    const req = `GET /api/v1/floor/stream HTTP/1.1\r\nHost: x\r\n${bearer('viewer')}\r\n\r\n`;
    const open = await Promise.all(Array.from({ length: 50 }, () => rawRequest(port, req, 30_000)));
    expect(open.some((o) => o.head.startsWith('HTTP/1.1 200'))).toBe(true);
    for (const s of open.slice(0, 25)) reset(s.socket);
    for (const s of open.slice(25)) s.socket.pause(); // slow readers
    await flood(port, 50, req, 50);
    await stillServing();
    for (const s of open.slice(25)) reset(s.socket);
    await stillServing();
  });

  it('MQTT broker port: garbage, a CONNECT declaring 256 MB, half-open, 300 connections reset', async () => {
    await flood(mqttPort, 20, randomBytes(16 * 1024));
    const bigConnect = Buffer.concat([
      Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]),
      Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60]),
      randomBytes(256 * 1024),
    ]);
    await flood(mqttPort, 5, bigConnect);
    // a valid-looking CONNECT cut short, then our side closed
    const half = await halfOpen(mqttPort, 20, '\x10\x20\x00\x04MQTT\x04\x02');
    await flood(mqttPort, 300, Buffer.alloc(0), 50);
    await stillServing();
    for (const s of half) reset(s);
    await stillServing();
  });

  it('client links: the Modbus TCP and ABLEPick peers send garbage and reset; the hostile webhook receiver', async () => {
    for (let round = 0; round < 3; round++) {
      for (const p of proxies.values()) p.garbage(randomBytes(64 * 1024));
      await sleep(200);
      for (const p of proxies.values()) p.reset();
      await sleep(300);
    }
    // events for the hostile receiver: a wave posted
    const wave = {
      waveId: 'HW-1',
      orders: [
        {
          orderId: 'HO-1',
          container: 'HT-1',
          lines: [{ lineId: 'HL-1', sku: 'S', location: 'A-01-01', quantity: 2 }],
        },
      ],
    };
    const posted = await fetch(`${ctl.url}/api/v1/waves`, {
      method: 'POST',
      headers: { ...auth('wms'), 'content-type': 'application/json' },
      body: JSON.stringify(wave),
    });
    expect(posted.status).toBe(201);
    await stillServing();
  });

  it('afterwards: ready again, and a scan lights the bins', async () => {
    for (const end = Date.now() + 30_000; (await fetch(`${ctl.url}/readyz`)).status !== 200; ) {
      if (Date.now() > end)
        throw new Error(`not ready again: ${await (await fetch(`${ctl.url}/readyz`)).text()}`);
      await sleep(200);
    }
    for (const p of proxies.values()) expect(p.accepted).toBeGreaterThan(1); // reconnected
    const scan = await fetch(`${ctl.url}/api/v1/zones/A/scan`, {
      method: 'POST',
      headers: { ...auth('operator'), 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'HT-1', picker: 'jdoe' }),
    });
    expect(scan.status).toBe(200);
    await until(() => registers(site, 'A-01-01')[0] === 1, 'A-01-01 lit', 10_000);
    expect(registers(site, 'A-01-01')[2]).toBe(2);
    expect(ctl.alive(), ctl.stderr()).toBe(true);
  });
});
