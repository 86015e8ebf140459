/** BusConfig (`transport: ablepick`) → a ready-to-start ABLEPick bus. */

import {
  ABLEPICK_PORT,
  type AblePickBusConfig,
  ablePickTagProblem,
} from '../../config/transports/ablepick.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { DriverContext } from '../driver.ts';
import { AblePickLightBus } from './ablepick-bus.ts';

/** Defaults when BusConfig leaves a field out. */
export const ABLEPICK_DEFAULTS = {
  port: ABLEPICK_PORT,
  fieldPort: 1 as const,
  /** a whole exchange: the frames, the controller's field-bus round, the bitmap back */
  timeoutMs: 500,
  retries: 1,
  healthIntervalMs: 2000,
  offlineAfter: 3,
};

export function createAblePickBus(cfg: AblePickBusConfig, ctx: DriverContext): AblePickLightBus {
  const tags: number[] = [];
  for (const a of ctx.addresses) {
    const wrong = ablePickTagProblem(cfg.id, a);
    if (wrong)
      throw new PicklineError('CONFIG_INVALID', `bus ${cfg.id}: ${wrong}`, [
        { path: `/buses/${cfg.id}`, message: wrong },
      ]);
    tags.push(a as number);
  }
  return new AblePickLightBus({
    id: cfg.id,
    host: cfg.host,
    port: cfg.port ?? ABLEPICK_DEFAULTS.port,
    fieldPort: cfg.fieldPort ?? ABLEPICK_DEFAULTS.fieldPort,
    tags,
    timeoutMs: cfg.timeoutMs ?? ABLEPICK_DEFAULTS.timeoutMs,
    retries: cfg.retries ?? ABLEPICK_DEFAULTS.retries,
    healthIntervalMs: cfg.healthIntervalMs ?? ABLEPICK_DEFAULTS.healthIntervalMs,
    offlineAfter: cfg.offlineAfter ?? ABLEPICK_DEFAULTS.offlineAfter,
    identifyMs: ctx.identifyMs,
    logger: ctx.logger,
  });
}
