/**
 * `/readyz` and the README agree (issue 7, item 14): ready means the store is
 * open, the floor is restored, and every bus is open; each bus check reports
 * its modules online / configured, and a module offline does not make the
 * controller unready. The README's health section names the same checks.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../app/main.ts';
import { tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

let tmp: ReturnType<typeof tempDir>;
let site: LiveSite;
let c: Controller;

beforeAll(async () => {
  tmp = tempDir();
  site = await liveSite(tmp.dir);
  c = new Controller(site.loaded);
  await c.start();
});
afterAll(async () => {
  await c?.stop();
  await site?.stop();
  tmp?.remove();
});

const readyz = async () => {
  const r = await fetch(`http://127.0.0.1:${c.address.port}/readyz`);
  return { status: r.status, body: (await r.json()) as { status: string; checks: unknown[] } };
};

describe('/readyz', () => {
  it('is ready with store, floor and one check per bus giving modules online/configured', async () => {
    const r = await readyz();
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'ready',
      checks: [
        { name: 'store', ok: true, detail: 'open' },
        { name: 'floor', ok: true, detail: 'restored' },
        { name: 'bus:bus-a', ok: true, detail: 'open, 17/17 modules online' },
        { name: 'bus:bus-b', ok: true, detail: 'open, 21/21 modules online' },
      ],
    });
  });

  it('stays ready with a module offline, and says so in the bus detail', async () => {
    site.floor.module('A-01-01').setFault({ kind: 'silence' });
    const busA = c.buses.get('bus-a')!;
    await until(() => busA.info().online === 16, 'A-01-01 offline', 10_000);
    const r = await readyz();
    expect(r.status).toBe(200);
    expect(r.body.checks).toContainEqual({
      name: 'bus:bus-a',
      ok: true,
      detail: 'open, 16/17 modules online',
    });
    site.floor.module('A-01-01').setFault(null);
  });

  it('is described in the README with the same checks', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('**Health.**'));
    expect(section.length).toBeLessThan(readme.length);
    for (const check of ['`store`', '`floor`', '`bus:<id>`', 'modules online'])
      expect(section.slice(0, 1200)).toContain(check);
  });
});
