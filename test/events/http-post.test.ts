/**
 * The webhook POST transport (controller/events/http-post.ts): redirects are
 * answers, never followed (an event is never re-sent elsewhere, CONTRACTS.md
 * §1); an abort ends the request; a refused connection reads like fetch's.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { httpPost } from '../../controller/events/http-post.ts';
import { postEvent } from '../../controller/events/webhook-http.ts';

const servers: Server[] = [];
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const post = (url: string, timeoutMs = 2000) =>
  postEvent({
    fetchImpl: httpPost,
    url,
    headers: { 'Content-Type': 'application/json' },
    body: '{"seq":1}',
    timeoutMs,
    abort: new AbortController(),
  });

describe('webhook POST transport', () => {
  it('treats a redirect as a failed answer and never follows it', async () => {
    let elsewhere = 0;
    const other = await serve((_q, res) => {
      elsewhere += 1;
      res.end();
    });
    const url = await serve((_q, res) => {
      res.writeHead(307, { location: `${other}/steal` });
      res.end();
    });
    const r = await post(url);
    expect(r).toMatchObject({ ok: false, status: 307 });
    expect(elsewhere).toBe(0);
  });

  it('sends the body with its length and reads a 2xx', async () => {
    let got = '';
    const url = await serve((req, res) => {
      req.on('data', (c) => {
        got += c;
      });
      req.on('end', () => res.writeHead(204).end());
    });
    expect(await post(url)).toEqual({ ok: true, status: 204 });
    expect(got).toBe('{"seq":1}');
  });

  it('times out a WMS that never answers', async () => {
    const url = await serve(() => {});
    const r = await post(url, 200);
    expect(r).toEqual({ ok: false, error: 'timeout after 200 ms' });
  });

  it('names the socket error of a refused connection', async () => {
    const url = await serve(() => {});
    servers[0].close();
    await new Promise((r) => setTimeout(r, 50));
    const r = await post(url);
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(/ECONNREFUSED/);
  });
});
