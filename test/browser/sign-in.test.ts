/**
 * The sign-in page (issue 16, item 3): an operator signs in with id and PIN;
 * wrong PINs are refused, and once throttled the page says how long to wait.
 *
 * Cross-origin writes in a real browser (issue 16, item 4): a page served from
 * another port of the same host runs `fetch(…, {mode: 'no-cors', credentials:
 * 'include'})` against the controller while the browser holds a session
 * cookie (SameSite=Strict does not stop it: another port is the same site).
 * Before the fix this recorded a pick and changed check digits; now the
 * controller refuses it (403 CROSS_ORIGIN) and nothing is recorded. The
 * controller's own pages still write (the floor view's sign-out).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Browser, chromiumAvailable, openBrowser, signIn } from '../helpers/browser.ts';
import { auth, TOKENS } from '../helpers/harness.ts';
import { type LiveController, liveController } from '../helpers/live.ts';

let live: LiveController;
let base: string;
let b: Browser;
let evil: Server;
let evilUrl: string;
let script = '';

async function api(method: string, path: string, role: Parameters<typeof auth>[0], body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...auth(role), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, text: await res.text() };
}

/** The attacker's page: runs `script`, then sets its title to "done". */
async function attack(js: string): Promise<void> {
  script = js;
  await b.page.goto(evilUrl);
  await b.page.waitForFunction('document.title === "done"', undefined, { timeout: 10_000 });
}

describe.skipIf(!chromiumAvailable())('cross-origin writes from another port', () => {
  beforeAll(async () => {
    live = await liveController();
    base = live.url;
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><title>evil</title><script>(async () => { ${script} })().finally(() => { document.title = 'done'; });</script>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((r) => evil?.close(r));
    await live?.stop();
  });
  beforeEach(async () => {
    b = await openBrowser(base);
  });
  afterEach(async () => {
    await b?.close();
  });

  it('signs an operator in with id and PIN; wrong PINs are refused, then the page says how long to wait', async () => {
    const { page } = b;
    await page.goto('/sign-in?next=%2Ffloor');
    const message = page.locator('#message');
    const tryPin = async (pin: string) => {
      await page.evaluate('document.getElementById("message").textContent = ""');
      await page.fill('#operator', 'asmith');
      await page.fill('#pin', pin);
      await page.click('#operator-submit');
      await page.waitForSelector('#message:not(:empty)');
      expect(await page.inputValue('#pin')).toBe('');
      return (await message.textContent()) ?? '';
    };
    expect(await tryPin('0000')).toBe('Refused: unknown operator or wrong PIN');
    // from the third wrong PIN on the waits double (1 s, 2 s …): a slow machine may
    // let a try through after a wait, so go on until the page says to wait
    let said = '';
    for (let i = 1; i < 8 && !said.startsWith('Too many'); i++) said = await tryPin(`000${i}`);
    expect(said).toMatch(/^Too many failed sign-ins: try again in \d+ s\.$/);
    expect(await b.context.cookies()).toEqual([]);
    await b.screenshot('sign-in-throttled');
    // another operator is not slowed down
    await signIn(page, { operator: 'jdoe', pin: '1234' }, '/floor');
    await page.waitForSelector('header .who:has-text("jdoe")');
  }, 90_000);

  it('a no-cors confirm from another port with the operator cookie records nothing', async () => {
    const wave = {
      waveId: 'CW-1',
      orders: [
        {
          orderId: 'CO-1',
          container: 'TOTE-C1',
          lines: [{ lineId: 'CL-1', sku: 'MUG', location: 'A-01-03', quantity: 4 }],
        },
      ],
    };
    expect((await api('POST', '/waves', 'wms', wave)).status).toBe(201);
    expect(
      (await api('POST', '/zones/A/scan', 'operator', { code: 'TOTE-C1', picker: 'jdoe' })).status,
    ).toBe(200);
    await signIn(b.page, TOKENS.operator, '/floor');
    expect(await b.context.cookies()).toHaveLength(1);
    await attack(`
      await fetch('${base}/api/v1/lines/CL-1/confirm', { method: 'POST', mode: 'no-cors', credentials: 'include' });
      await fetch('${base}/api/v1/lines/CL-1/confirm', { method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: { 'content-type': 'text/plain' }, body: '{"quantity": 99999}' });
      await fetch('${base}/api/v1/lines/CL-1/short', { method: 'POST', mode: 'no-cors', credentials: 'include' });
    `);
    const line = JSON.parse((await api('GET', '/waves/CW-1', 'wms')).text).orders[0].lines[0];
    expect(line).toMatchObject({ lineId: 'CL-1', picked: 0 });
    expect(['open', 'lit']).toContain(line.status);
    expect(live.c.waves.get('CW-1').status).not.toBe('completed');
  }, 60_000);

  it('a text/plain locations import from another port with the technician cookie changes nothing', async () => {
    const before = (await api('GET', '/technician/locations?format=csv', 'technician')).text;
    expect(before).toContain('A-01-01');
    await signIn(b.page, TOKENS.technician, '/console');
    const csv = 'location,bus,address,checkDigits,zone\\nA-01-01,bus-a,1,99,A\\n';
    await attack(`
      await fetch('${base}/api/v1/technician/locations', { method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: { 'content-type': 'text/plain' }, body: '${csv}' });
    `);
    expect((await api('GET', '/technician/locations?format=csv', 'technician')).text).toBe(before);
  }, 60_000);

  it("the controller's own pages still write with the cookie (sign-out from the page)", async () => {
    await signIn(b.page, TOKENS.viewer, '/floor');
    const cookies = await b.page.context().cookies(base);
    expect(cookies.length).toBeGreaterThan(0);
    const status = await b.page.evaluate(async () => {
      const r = await fetch('/ui/session', { method: 'DELETE', credentials: 'same-origin' });
      return r.status;
    });
    expect(status).toBe(200);
    // asked from outside the page with the cookie it had: the floor page itself
    // notices the sign-out and navigates to /sign-in, which would end an evaluate
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const after = await fetch(`${base}/ui/session`, { headers: { cookie } });
    expect(after.status).toBe(401);
  }, 60_000);
});
