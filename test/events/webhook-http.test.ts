/** Webhook delivery: the signature, the backoff schedule, one POST against a hostile receiver. */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  ANSWER_MAX,
  backoffDelay,
  postEvent,
  signBody,
} from '../../controller/events/webhook-http.ts';

describe('signBody', () => {
  it('is HMAC-SHA256 in hex (RFC 4231 test case 2)', () => {
    expect(signBody('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('signs the UTF-8 bytes of the body', () => {
    const body = '{"sku":"Mütze"}';
    expect(signBody(body, 'k')).toBe(signBody(Buffer.from(body, 'utf8'), 'k'));
  });
});

describe('backoffDelay', () => {
  const policy = (r: number) => ({ initialMs: 500, maxMs: 60_000, random: () => r });

  it('doubles from 0.5 s, with jitter between half and all of the step', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy(1)))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy(0)))).toEqual([250, 500, 1000, 2000]);
  });

  it('never exceeds maxBackoffMs, however long the outage', () => {
    for (const n of [8, 9, 50, 1000, 1e9]) {
      expect(backoffDelay(n, policy(1))).toBe(60_000);
      expect(backoffDelay(n, policy(0))).toBe(30_000);
    }
  });
});

describe('postEvent against a hostile receiver', () => {
  it('a 2xx with an endless body is an acknowledgement, read no further than ANSWER_MAX', async () => {
    let sent = 0;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const more = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      };
      res.on('drain', more);
      res.on('error', () => {});
      more();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await postEvent({
        fetchImpl: fetch,
        url: `http://127.0.0.1:${port}/events`,
        headers: { 'content-type': 'application/json' },
        body: '{}',
        timeoutMs: 5_000,
        abort: new AbortController(),
      });
      expect(r).toEqual({ ok: true, status: 200 });
      expect(sent).toBeLessThan(64 * ANSWER_MAX); // the controller stopped reading
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
