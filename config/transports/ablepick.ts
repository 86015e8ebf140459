/**
 * The `ablepick` transport: one Atop ABLEPick controller (AT400/AT500)
 * reached over TCP, and which of its field ports the tags hang on (HARDWARE.md
 * "Atop ABLEPick"; driver in device-drivers/ablepick/). Tags are numbered
 * 1..200 and all alike: six colours, a six-digit display, confirm and short.
 * Defaults of the optional fields are the driver's ABLEPICK_DEFAULTS.
 */
import { Type as T } from '@sinclair/typebox';
import type { ModuleAddress } from '../../kernel/module-ref.ts';
import type { ModuleCapabilities } from '../colors.ts';
import { type BusConfigOf, defineTransport } from './spec.ts';

/** The controller's host port when the bus names none. */
export const ABLEPICK_PORT = 4660;

/**
 * Every tag (HARDWARE.md "Atop ABLEPick"): yellow and magenta are the tags'
 * orange and pink; white has no code (device-drivers/ablepick/codec.ts COLOR_CODE).
 */
export const ABLEPICK_TAG: ModuleCapabilities = {
  colors: ['red', 'green', 'yellow', 'blue', 'magenta', 'cyan'],
  display: true,
  displayDigits: 6,
  keys: ['confirm', 'short'],
  source: 'ABLEPick tags',
};

/** ABLEPick tags are numbered 1..200 (SUB_NODE 0x01..0xC8); module id strings are for MQTT buses. */
export function ablePickTagProblem(bus: string, address: ModuleAddress): string | null {
  return Number.isInteger(address) && (address as number) >= 1 && (address as number) <= 200
    ? null
    : `address ${address} is not an ABLEPick tag 1..200 on bus ${bus}`;
}

export const ablepick = defineTransport({
  name: 'ablepick',
  fields: {
    host: T.String({ minLength: 1, description: 'Controller host name or IP' }),
    port: T.Optional(
      T.Integer({
        minimum: 1,
        maximum: 65535,
        description: `Controller TCP port (default ${ABLEPICK_PORT})`,
      }),
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
  },
  addressing: 'unit',
  addressProblem: ablePickTagProblem,
  capabilities: () => ABLEPICK_TAG,
  endpoint: (b) => ({ host: b.host, port: b.port ?? ABLEPICK_PORT }),
});

export type AblePickBusConfig = BusConfigOf<typeof ablepick>;
