/**
 * A Modbus peer holding pickline-ptl-v1 modules (CONTRACTS.md §4): the neutral
 * `LightPeer` built from Modbus primitives, plus a look at the registers for
 * the Modbus-profile suite. Implemented by the simulator (in memory, TCP, RTU
 * on a pty) and by an independent stack (pymodbus over TCP and RTU).
 */
import { loadProfiles } from '../../../config/profiles.ts';
import type { BusConfig, Color } from '../../../config/schema.ts';
import type { ModbusRtuBusConfig, ModbusTcpBusConfig } from '../../../config/transports/modbus.ts';
import { createBus } from '../../../device-drivers/index.ts';
import type { ModbusTransport } from '../../../device-drivers/modbus/master/transport.ts';
import type { LightMode } from '../../../device-drivers/types.ts';
import type { LightPeer, Shown } from './peer.ts';

export const PROFILE = 'pickline-ptl-v1';
const PROFILES = loadProfiles();
const ENC = PROFILES.get(PROFILE)!.modbus.encoding;
const name = (table: Record<string, number | undefined> | undefined, v: number) =>
  Object.entries(table ?? {}).find(([, code]) => code === v)?.[0] ?? null;

/** The Modbus side of a peer. */
export interface ModbusHands {
  /** how the driver reaches the peer: BusConfig without id/profile */
  bus: Partial<Omit<ModbusRtuBusConfig, 'id' | 'transport'>> &
    Partial<Omit<ModbusTcpBusConfig, 'id' | 'transport'>> & { transport: BusConfig['transport'] };
  /** testing hook instead of a wire (in-memory peer) */
  transport?: () => ModbusTransport;
  pressKey(address: number, key: 'confirm' | 'short'): Promise<void>;
  plus(address: number, n: number): Promise<void>;
  minus(address: number, n: number): Promise<void>;
  holding(address: number, reg: number, count: number): Promise<number[]>;
  input(address: number, reg: number, count: number): Promise<number[]>;
  silence(address: number, on: boolean): Promise<void>;
  close(): Promise<void>;
}

export type ModbusPeer = LightPeer & ModbusHands;

/** MODE, COLOR, DISPLAY (holding 0–2) as the module shows them. */
export function decodeShown([mode, color, display]: number[]): Shown {
  const c = name(ENC.color, color);
  return {
    mode: (name(ENC.mode, mode) ?? 'off') as LightMode,
    color: c === 'none' ? null : (c as Color | null),
    display: display === ENC.displayBlank ? null : display,
  };
}

export function modbusPeer(hands: ModbusHands): ModbusPeer {
  const shows = async (a: number) => decodeShown(await hands.holding(a, 0, 3));
  return {
    ...hands,
    createBus: (addresses, over = {}) =>
      createBus(
        { id: 'bus-t', profile: PROFILE, ...hands.bus, ...over } as BusConfig,
        { profiles: PROFILES, addresses, identifyMs: 100 },
        { modbus: { transport: hands.transport?.() } },
      ),
    shows,
    press: async (a, key, quantity) => {
      const shown = (await shows(a)).display;
      if (quantity !== undefined && shown !== null && quantity !== shown) {
        if (quantity > shown) await hands.plus(a, quantity - shown);
        else await hands.minus(a, shown - quantity);
      }
      await hands.pressKey(a, key);
    },
  };
}
