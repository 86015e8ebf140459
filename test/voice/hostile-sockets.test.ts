/**
 * WebSocket upgrades to /api/v1/voice that the client resets
 * (SO_LINGER 0) must never end the controller, whatever the gateway answered
 * (101, 503, 404). The controller runs as a child process: an uncaught
 * 'error' event ends it, and the test sees that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildController,
  childController,
  rawRequest,
  reset,
  sleep,
  upgradeRequest,
} from '../helpers/child.ts';
import { tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';

let tmp: ReturnType<typeof tempDir>;
let site: LiveSite;
let ctl: ChildController;

beforeAll(async () => {
  tmp = tempDir();
  site = await liveSite(tmp.dir);
  ctl = await childController(site.configFile);
}, 90_000);
afterAll(async () => {
  await ctl?.stop();
  await site?.stop();
  tmp?.remove();
});

async function upgradeAndReset(path: string, n: number): Promise<string[]> {
  const opened = await Promise.all(
    Array.from({ length: n }, () => rawRequest(ctl.port, upgradeRequest(path, ctl.port))),
  );
  for (const o of opened) reset(o.socket);
  return opened.map((o) => o.head.split('\r\n')[0]);
}

describe('hostile WebSocket upgrades: a client reset never ends the controller', {
  timeout: 90_000,
}, () => {
  it('258 upgrades reset with SO_LINGER 0 leave the controller serving', async () => {
    const statuses = await upgradeAndReset('/api/v1/voice', 258);
    // once the 257th got 503 without an 'error' listener and the reset ended the process
    expect(statuses.every((s) => s.startsWith('HTTP/1.1 101'))).toBe(true);
    await sleep(500);
    expect(ctl.alive(), ctl.stderr()).toBe(true);
    expect((await fetch(`${ctl.url}/healthz`)).status).toBe(200);
  });

  it('1,100 upgrades (past the room for idle connections: the oldest are closed), reset, leave it serving', async () => {
    const statuses = await upgradeAndReset('/api/v1/voice', 1100);
    // on a loaded machine some upgrades are still unanswered when they are reset
    const other = statuses.filter((s) => s !== '' && !s.startsWith('HTTP/1.1 101'));
    expect(other).toEqual([]);
    expect(statuses.filter((s) => s.startsWith('HTTP/1.1 101')).length).toBeGreaterThan(256);
    await sleep(500);
    expect(ctl.alive(), ctl.stderr()).toBe(true);
    expect((await fetch(`${ctl.url}/healthz`)).status).toBe(200);
  });

  it('upgrades to other paths (404), reset, leave it serving', async () => {
    const statuses = await upgradeAndReset('/api/v1/nowhere', 50);
    expect(statuses.every((s) => s.startsWith('HTTP/1.1 404'))).toBe(true);
    await sleep(500);
    expect(ctl.alive(), ctl.stderr()).toBe(true);
    expect((await fetch(`${ctl.url}/healthz`)).status).toBe(200);
  });
});
