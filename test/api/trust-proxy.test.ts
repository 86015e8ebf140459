/**
 * Issue 16 item 2: behind a reverse proxy the client address comes from
 * X-Forwarded-For when `api.trustProxy` says so (fastify's option), and only then.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { Outbox } from '../../controller/events/outbox.ts';
import { Site } from '../../controller/site.ts';
import { Store } from '../../controller/store/db.ts';
import { WaveService } from '../../controller/waves/service.ts';
import { demoConfig, tempDir } from '../helpers/harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function clientAddress(trustProxy: boolean | string[] | undefined): Promise<string> {
  const tmp = tempDir();
  const config = demoConfig(`${tmp.dir}/pl.db`);
  const store = new Store(`${tmp.dir}/pl.db`);
  store.start();
  const outbox = new Outbox(store);
  const waves = new WaveService({ store, outbox, site: new Site(config) });
  const app = await build({
    waves,
    outbox,
    tokens: config.api.tokens,
    logger: false,
    trustProxy,
    plugins: [
      (a) => {
        a.get('/whoami', async (req) => ({ ip: req.ip }));
      },
    ],
  });
  cleanups.push(async () => {
    await app.close();
    store.stop();
    tmp.remove();
  });
  const r = await app.inject({
    url: '/api/v1/whoami',
    remoteAddress: '10.0.0.9',
    headers: { 'x-forwarded-for': '192.0.2.7' },
  });
  return r.json().ip;
}

describe('api.trustProxy', () => {
  it('off (default): the socket address, X-Forwarded-For ignored', async () => {
    expect(await clientAddress(undefined)).toBe('10.0.0.9');
  });
  it('true: the address the proxy forwarded', async () => {
    expect(await clientAddress(true)).toBe('192.0.2.7');
  });
  it('a list: trusted only from those proxies', async () => {
    expect(await clientAddress(['10.0.0.0/8'])).toBe('192.0.2.7');
    expect(await clientAddress(['172.16.0.1'])).toBe('10.0.0.9');
  });
});
