/**
 * `pickline devices list` prints, under its bus, each module whose announced
 * capabilities fall short of its zone's colours (the `capabilityProblem` of
 * GET /technician/buses/{id}/modules): here against a stand-in API, since
 * only MQTT modules announce capabilities (test/drivers/mqtt/capabilities.test.ts).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../app/cli-tech.ts';

const PROBLEM = "cannot show white of its zone's colours (module status: red, green)";
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/v1/technician/buses')
      res.end(
        JSON.stringify({
          buses: [{ id: 'mq', transport: 'mqtt', open: true, modules: 2, online: 2 }],
        }),
      );
    else if (req.url === '/api/v1/technician/buses/mq/modules') {
      const mod = (address: string, location: string, problem?: string) => ({
        address,
        location,
        zone: 'M',
        online: true,
        lastSeenAt: null,
        counters: { transactions: 1, timeouts: 0 },
        ...(problem ? { capabilityProblem: problem } : {}),
      });
      res.end(JSON.stringify({ modules: [mod('ptl-1', 'M-01', PROBLEM), mod('ptl-2', 'M-02')] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

describe('pickline devices list', () => {
  it('prints a module short of its zone colours under its bus, and nothing for the others', async () => {
    const out = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        ['bin/pickline.js', 'devices', 'list'],
        {
          env: { ...process.env, PICKLINE_URL: url, PICKLINE_TOKEN: 'tech-token-1' },
          timeout: 60_000,
        },
        (err, stdout) =>
          resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout }),
      ),
    );
    expect(out.code).toBe(EXIT.ok);
    expect(out.stdout).toContain(`  ptl-1 (M-01): ${PROBLEM}`);
    expect(out.stdout).not.toMatch(/ptl-2 \(M-02\):/);
  });
});
