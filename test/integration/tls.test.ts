/**
 * HTTPS (issue 16, item 16): `api.tls: {cert, key}` (files relative to the
 * config file) serves the API, the pages and the voice WebSocket over TLS,
 * and the session cookie is `Secure` then. The certificate is self-signed,
 * made in the test by openssl.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse, stringify } from 'yaml';
import { Controller } from '../../app/main.ts';
import { loadConfig } from '../../config/load.ts';
import { TOKENS, tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';
import { opensslAvailable, selfSignedCert } from '../helpers/tls.ts';

let tmp: ReturnType<typeof tempDir>;
let site: LiveSite;
let c: Controller;
let ca: Buffer;
let base: string;

function get(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        ca,
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

describe.skipIf(!opensslAvailable())('api.tls', () => {
  beforeAll(async () => {
    tmp = tempDir();
    site = await liveSite(tmp.dir);
    ({ ca } = selfSignedCert(tmp.dir));
    const raw = parse(readFileSync(site.configFile, 'utf8'));
    raw.api.tls = { cert: 'cert.pem', key: 'key.pem' }; // relative to the config file
    writeFileSync(site.configFile, stringify(raw));
    c = new Controller(loadConfig(site.configFile, {}), { logger: pino({ level: 'silent' }) });
    await c.start();
    base = `https://127.0.0.1:${c.address.port}`;
  });
  afterAll(async () => {
    await c?.stop();
    await site?.stop();
    tmp?.remove();
  });

  it('serves the API and the pages over HTTPS with the certificate', async () => {
    const health = await get('GET', '/readyz');
    expect(health.status).toBe(200);
    const page = await get('GET', '/sign-in');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sign in to Pickline');
  });

  it('sets the session cookie Secure', async () => {
    const r = await get('POST', '/ui/session', { secret: TOKENS.viewer });
    expect(r.status).toBe(200);
    const cookie = String((r.headers['set-cookie'] as string[])[0]);
    expect(cookie).toMatch(/^pickline_session=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
  });

  it('refuses plain HTTP on the TLS port', async () => {
    await expect(fetch(`http://127.0.0.1:${c.address.port}/healthz`)).rejects.toThrow();
  });

  it('signs a voice terminal on over wss://', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${c.address.port}/api/v1/voice`, { ca });
    const first = new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.once('error', reject);
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', terminalId: 't-tls', operator: 'jdoe', pin: '1234' }));
    expect(await first).toMatchObject({ type: 'prompt' });
    ws.close();
  });

  it('check-config names a missing certificate file', () => {
    const raw = parse(readFileSync(site.configFile, 'utf8'));
    raw.api.tls = { cert: 'cert.pem', key: 'missing-key.pem' };
    const f = `${tmp.dir}/bad.yaml`;
    writeFileSync(f, stringify(raw));
    let err: unknown;
    try {
      loadConfig(f, {});
    } catch (e) {
      err = e;
    }
    expect((err as { details: { path: string; message: string }[] }).details).toEqual([
      { path: 'api.tls.key', message: `file not found: ${tmp.dir}/missing-key.pem` },
    ]);
  });
});
