/**
 * Bus fields of the `ablepick` transport: one Atop ABLEPick controller (AT400/
 * AT500) reached over TCP, and which of its field ports the tags hang on
 * (HARDWARE.md "Atop ABLEPick"; driver in device-drivers/ablepick/). Defaults
 * of the optional fields are the driver's ABLEPICK_DEFAULTS.
 */
import { Type as T } from '@sinclair/typebox';
import type { ModuleAddress } from '../../kernel/module-ref.ts';
import { busSchema } from './bus.ts';

export const AblePickBus = busSchema('ablepick', {
  host: T.String({ minLength: 1, description: 'Controller host name or IP' }),
  port: T.Optional(
    T.Integer({ minimum: 1, maximum: 65535, description: 'Controller TCP port (default 4660)' }),
  ),
  fieldPort: T.Optional(
    T.Union([T.Literal(1), T.Literal(2)], {
      description: "The controller's field port the tags are on: 1 (MSG_TYPE 0x60) or 2 (0x61)",
    }),
  ),
  timeoutMs: T.Optional(
    T.Integer({
      minimum: 5,
      maximum: 10000,
      description: 'How long one command waits for the controller to answer its status request',
    }),
  ),
  retries: T.Optional(T.Integer({ minimum: 0, maximum: 5 })),
  healthIntervalMs: T.Optional(
    T.Integer({ minimum: 100, maximum: 600000, description: 'Connected-tags request period' }),
  ),
  offlineAfter: T.Optional(
    T.Integer({ minimum: 1, maximum: 100, description: 'Failed exchanges before offline' }),
  ),
});

/** ABLEPick tags are numbered 1..200 (SUB_NODE 0x01..0xC8); module id strings are for MQTT buses. */
export function ablePickTagProblem(bus: string, address: ModuleAddress): string | null {
  return Number.isInteger(address) && (address as number) >= 1 && (address as number) <= 200
    ? null
    : `address ${address} is not an ABLEPick tag 1..200 on bus ${bus}`;
}
