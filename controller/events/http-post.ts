/**
 * A small POST client on node:http / node:https with keep-alive agents, the
 * default transport of webhook delivery. It does what delivery needs and no
 * more: one request, the answer read to the end (so the socket is reused), no
 * redirects followed (a 3xx is an answer like any other, CONTRACTS.md §1),
 * abortable. Global `fetch` (undici) cost ~3 ms of CPU per event here; this
 * costs a fraction of it (bench/webhooks.ts reports CPU per event).
 *
 * Shaped like the part of `fetch` the dispatcher uses, so tests may inject
 * `fetch` or a fake instead.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface PostInit {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  redirect?: 'manual';
  signal: AbortSignal;
}

export interface PostAnswer {
  status: number;
  text(): Promise<string>;
}

export type PostFn = (url: string, init: PostInit) => Promise<PostAnswer>;

const MAX_ANSWER = 64 * 1024;
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 4 });

export const httpPost: PostFn = (url, init) =>
  new Promise<PostAnswer>((resolve, reject) => {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const body = Buffer.from(init.body);
    const req = (https ? httpsRequest : httpRequest)(
      u,
      {
        method: 'POST',
        agent: https ? httpsAgent : httpAgent,
        headers: { ...init.headers, 'Content-Length': String(body.length) },
        signal: init.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const text = Buffer.concat(chunks).subarray(0, MAX_ANSWER).toString('utf8');
          resolve({ status: res.statusCode ?? 0, text: async () => text });
        };
        res.on('data', (c: Buffer) => {
          size += c.length;
          chunks.push(c);
          if (size >= MAX_ANSWER) {
            // an endless answer: keep what was read, drop the connection
            res.removeAllListeners('data');
            res.destroy();
            done();
          }
        });
        res.once('end', done);
        res.once('error', (e) => (size >= MAX_ANSWER ? undefined : reject(e)));
      },
    );
    req.once('error', (e: NodeJS.ErrnoException) => {
      // shaped like fetch's failure, so describeNetworkError reads the cause
      reject(Object.assign(new TypeError('request failed'), { cause: e }));
    });
    req.end(body);
  });
