/** The simulator as a contract-suite peer: in memory, over Modbus TCP, over RTU on a socat pty. */

import {
  ModbusRtuSimulator,
  ModbusTcpSimulator,
  ModuleBank,
} from '../../../simulators/modbus/index.ts';
import { openPtyPair } from '../../helpers/socat.ts';
import { BankTransport } from '../modbus/bank-transport.ts';
import { type ModbusHands, type ModbusPeer, modbusPeer, PROFILE } from './modbus-peer.ts';
import type { PeerFactory } from './peer.ts';

export interface SimPeer extends ModbusPeer {
  bank: ModuleBank;
}

function simPeer(
  bank: ModuleBank,
  wire: Pick<ModbusHands, 'bus' | 'transport' | 'close'>,
): SimPeer {
  return {
    bank,
    ...modbusPeer({
      ...wire,
      pressKey: async (a, key) => bank.module(a).press(key),
      plus: async (a, n) => bank.module(a).plus(n),
      minus: async (a, n) => bank.module(a).minus(n),
      holding: async (a, reg, n) => bank.module(a).readHolding(reg, n),
      input: async (a, reg, n) => bank.module(a).readInput(reg, n),
      silence: async (a, on) => bank.module(a).setFault(on ? { kind: 'silence' } : null),
    }),
  };
}

export const memoryPeer: PeerFactory<SimPeer> = async (addresses) => {
  const bank = new ModuleBank({ profile: PROFILE, addresses });
  return simPeer(bank, {
    bus: { transport: 'modbus-tcp', host: 'memory', timeoutMs: 50 },
    transport: () => new BankTransport(bank),
    close: async () => {},
  });
};

export const simTcpPeer: PeerFactory<SimPeer> = async (addresses) => {
  const bank = new ModuleBank({ profile: PROFILE, addresses });
  const sim = new ModbusTcpSimulator(bank, { host: '127.0.0.1', port: 0 });
  const { host, port } = await sim.start();
  return simPeer(bank, {
    bus: { transport: 'modbus-tcp', host, port, timeoutMs: 100 },
    close: () => sim.stop(),
  });
};

export function simRtuPeer(
  opts: { baudRate?: number; emulateWireTime?: boolean } = {},
): PeerFactory<SimPeer> {
  return async (addresses) => {
    const baudRate = opts.baudRate ?? 115200;
    const pty = await openPtyPair();
    const bank = new ModuleBank({ profile: PROFILE, addresses });
    const sim = new ModbusRtuSimulator(bank, {
      path: pty.b,
      baudRate,
      parity: 'none',
      emulateWireTime: opts.emulateWireTime ?? true,
    });
    await sim.start();
    return simPeer(bank, {
      bus: {
        transport: 'modbus-rtu',
        path: pty.a,
        baudRate,
        parity: 'none',
        stopBits: 1,
        timeoutMs: 100,
      },
      close: async () => {
        await sim.stop();
        await pty.close();
      },
    });
  };
}
