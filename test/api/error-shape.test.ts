/**
 * One error shape everywhere (issue 7, item 9): fastify's router and the HTTP
 * server's own refusals (bad URL encoding, over-long parameters, request
 * timeouts, over-long headers) answer `{"error": {"code", "message", "details"}}`
 * like every route does; body and query problems get clear messages.
 */
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../../api/app.ts';
import { auth, demoWave, type Harness, harness, tempDir } from '../helpers/harness.ts';

let tmp: ReturnType<typeof tempDir>;
let h: Harness;

beforeEach(async () => {
  tmp = tempDir();
  h = await harness(`${tmp.dir}/pl.db`);
});
afterEach(async () => {
  await h.close();
  tmp.remove();
});

const shape = {
  error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
};

/** Sends raw bytes to a listening server; resolves with everything it answers before closing. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d) => (got += d));
    s.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNRESET' ? resolve(got) : reject(e),
    );
    s.on('close', () => resolve(got));
    s.write(bytes);
  });
}

function parse(response: string): { status: number; body: unknown } {
  const [head, body] = response.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body) };
}

describe('router errors', () => {
  it('answers bad URL encoding with BAD_REQUEST in the error shape', async () => {
    const res = await h.app.inject({ url: '/api/v1/waves/%E0%A4%A', headers: auth('wms') });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(shape);
    expect(res.json().error.code).toBe('BAD_REQUEST');
  });

  it('answers an over-long path parameter with BAD_REQUEST in the error shape', async () => {
    const res = await h.app.inject({
      url: `/api/v1/waves/${'x'.repeat(200)}`,
      headers: auth('wms'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(shape);
    expect(res.json().error.message).toMatch(/100 characters/);
  });
});

describe('bodies', () => {
  it('reports a __proto__ key as a forbidden key, not as invalid JSON, and stores nothing', async () => {
    const body = JSON.stringify(demoWave('W-P')).replace('{', '{"__proto__":{"x":1},');
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/waves',
      headers: { ...auth('wms'), 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_WAVE');
    expect(res.json().error.message).not.toMatch(/not valid JSON/);
    expect(res.json().error.details).toEqual([
      { path: '/__proto__', message: expect.stringMatching(/not allowed/) },
    ]);
    expect(h.outbox.lastSeq()).toBe(0);
  });

  it('says the content type is wrong when JSON is sent as text/plain', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/waves',
      headers: { ...auth('wms'), 'content-type': 'text/plain' },
      payload: JSON.stringify(demoWave('W-T')),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_WAVE');
    expect(res.json().error.message).toMatch(/application\/json/);
    expect(res.json().error.message).toMatch(/text\/plain/);
  });
});

describe('GET /events query', () => {
  it('rejects an unknown event type with 400 naming it, instead of moving the cursor', async () => {
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/waves',
      headers: auth('wms'),
      payload: demoWave('W-1'),
    });
    const res = await h.app.inject({
      url: '/api/v1/events?type=wave.acepted',
      headers: auth('wms'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_REQUEST');
    expect(res.json().error.details).toEqual([
      { path: 'querystring:/type', message: expect.stringContaining('wave.acepted') },
    ]);
  });

  it('rejects an empty type and an after beyond a safe integer', async () => {
    for (const q of ['type=', 'type=,', 'after=99999999999999999999', 'after=1.5', 'after=-1']) {
      const res = await h.app.inject({ url: `/api/v1/events?${q}`, headers: auth('wms') });
      expect(res.statusCode, q).toBe(400);
      expect(res.json(), q).toEqual(shape);
    }
  });
});

describe('HTTP server refusals', () => {
  it('answers over-long headers with 431 HEADERS_TOO_LARGE in the error shape', async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (h.app.server.address() as { port: number }).port;
    const res = parse(
      await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(res.status).toBe(431);
    expect(res.body).toEqual(shape);
    expect((res.body as { error: { code: string } }).error.code).toBe('HEADERS_TOO_LARGE');
  });

  it('answers a request that does not finish in time with 408 REQUEST_TIMEOUT in the error shape', async () => {
    const app = await build({
      waves: h.waves,
      outbox: h.outbox,
      tokens: { wms: ['demo-wms-token'] },
      logger: false,
      requestTimeoutMs: 300,
    });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as { port: number }).port;
      const head =
        'POST /api/v1/waves HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-wms-token\r\n';
      const res = parse(
        await raw(port, `${head}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{`),
      );
      expect(res.status).toBe(408);
      expect(res.body).toEqual(shape);
      expect((res.body as { error: { code: string } }).error.code).toBe('REQUEST_TIMEOUT');
    } finally {
      await app.close();
    }
  });
});
