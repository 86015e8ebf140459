/**
 * The SSE floor stream under a reader that never reads (issue 16 item 1,
 * socket audit): what piles up for it is bounded; past MAX_STREAM_BACKLOG the
 * stream is closed, and a reader that resets changes nothing for the others.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { floorViewRoutes, MAX_STREAM_BACKLOG } from '../../api/routes/floor-view.ts';
import type { FloorView } from '../../controller/floor-view.ts';
import { rawRequest, reset, sleep } from '../helpers/child.ts';
import { until } from '../kit/until.ts';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('floor stream backlog', () => {
  it('a reader that never reads is closed once its backlog passes the limit; a reading one stays', async () => {
    let n = 0;
    const filler = 'x'.repeat(256 * 1024);
    const changed: { fire: () => void } = { fire: () => {} };
    app = Fastify();
    await floorViewRoutes(app, {
      floor: () => ({ n, filler }) as unknown as FloorView,
      onChange: (l) => {
        changed.fire = l as () => void;
        return () => {};
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const req = 'GET /floor/stream HTTP/1.1\r\nHost: x\r\n\r\n';
    const stalled = await rawRequest(port, req);
    stalled.socket.pause(); // never reads again
    const reading = await rawRequest(port, req);
    let got = 0;
    reading.socket.on('data', (d) => {
      got += d.length;
    });
    const reset1 = await rawRequest(port, req);
    reset(reset1.socket);
    const connections = () =>
      new Promise<number>((r) => app!.server.getConnections((_e, c) => r(c)));
    expect(await connections()).toBeGreaterThanOrEqual(2);
    // 40 changes of 256 KB: 10 MB for each reader, far beyond kernel buffers and the limit
    for (let i = 0; i < 40; i++) {
      n++;
      changed.fire();
      await sleep(20);
    }
    await until(() => got > 5 * MAX_STREAM_BACKLOG, 'the reading stream got the changes', 10_000);
    for (let i = 0; i < 100 && (await connections()) > 1; i++) await sleep(50);
    expect(await connections()).toBe(1); // the reading one
    reset(stalled.socket);
    reset(reading.socket);
  });
});
