/** The API with the floor routes over a fake floor (fake buses), for `inject()` tests. */
import type { FastifyInstance } from 'fastify';
import { build } from '../../api/app.ts';
import { floorRoutes } from '../../api/routes/floor.ts';
import type { SiteConfig } from '../../config/schema.ts';
import { type FakeFloor, fakeFloor } from './floor.ts';
import { TOKENS } from './harness.ts';

export interface FloorApi extends FakeFloor {
  app: FastifyInstance;
}

export async function floorApi(
  dbPath: string,
  opts: { configure?: (c: SiteConfig) => void } = {},
): Promise<FloorApi> {
  const f = await fakeFloor(dbPath, { configure: opts.configure });
  const tokens = Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [k, [v]]));
  const app = await build({
    waves: f.waves,
    outbox: f.outbox,
    tokens,
    logger: false,
    plugins: [(a) => floorRoutes(a, { commands: f.commands, waves: f.waves, site: f.site })],
  });
  return {
    ...f,
    app,
    stop: async () => {
      await app.close();
      await f.stop();
    },
  };
}
