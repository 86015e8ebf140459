/** The simulator as a contract-suite peer: in memory, over Modbus TCP, over RTU on a socat pty. */

import {
  ModbusRtuSimulator,
  ModbusTcpSimulator,
  ModuleBank,
} from '../../../simulators/modbus/index.ts';
import { openPtyPair } from '../../helpers/socat.ts';
import { BankTransport } from '../bank-transport.ts';
import type { LightPeer, PeerFactory } from './peer.ts';

function hands(bank: ModuleBank): Omit<LightPeer, 'bus' | 'close'> {
  return {
    press: async (a, key) => bank.module(a).press(key),
    plus: async (a, n) => bank.module(a).plus(n),
    minus: async (a, n) => bank.module(a).minus(n),
    holding: async (a, reg, n) => bank.module(a).readHolding(reg, n),
    input: async (a, reg, n) => bank.module(a).readInput(reg, n),
  };
}

export interface SimPeer extends LightPeer {
  bank: ModuleBank;
}

export const memoryPeer = async (addresses: number[]): Promise<SimPeer> => {
  const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses });
  return {
    bank,
    bus: { transport: 'modbus-tcp', host: 'memory', timeoutMs: 50 },
    transport: () => new BankTransport(bank),
    ...hands(bank),
    close: async () => {},
  };
};

export const simTcpPeer = async (addresses: number[]): Promise<SimPeer> => {
  const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses });
  const sim = new ModbusTcpSimulator(bank, { host: '127.0.0.1', port: 0 });
  const { host, port } = await sim.start();
  return {
    bank,
    bus: { transport: 'modbus-tcp', host, port, timeoutMs: 100 },
    ...hands(bank),
    close: () => sim.stop(),
  };
};

export function simRtuPeer(opts: { baudRate?: number; emulateWireTime?: boolean } = {}) {
  return async (addresses: number[]): Promise<SimPeer> => {
    const baudRate = opts.baudRate ?? 115200;
    const pty = await openPtyPair();
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses });
    const sim = new ModbusRtuSimulator(bank, {
      path: pty.b,
      baudRate,
      parity: 'none',
      emulateWireTime: opts.emulateWireTime ?? true,
    });
    await sim.start();
    return {
      bank,
      bus: {
        transport: 'modbus-rtu',
        path: pty.a,
        baudRate,
        parity: 'none',
        stopBits: 1,
        timeoutMs: 100,
      },
      ...hands(bank),
      close: async () => {
        await sim.stop();
        await pty.close();
      },
    };
  };
}

export const _typecheck: PeerFactory = simTcpPeer;
