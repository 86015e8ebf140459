/** pymodbus (an independent Modbus stack) as a contract-suite peer, over TCP and RTU on a socat pty. */
import { openPtyPair } from '../../helpers/socat.ts';
import { PymodbusPeer } from '../../peers/pymodbus.ts';
import { type ModbusHands, type ModbusPeer, modbusPeer } from './modbus-peer.ts';
import type { PeerFactory } from './peer.ts';

function hands(py: PymodbusPeer): Omit<ModbusHands, 'bus' | 'close'> {
  return {
    pressKey: async (unit, key) => {
      await py.command({ cmd: 'press', unit, key });
    },
    plus: async (unit, n) => {
      await py.command({ cmd: 'plus', unit, n });
    },
    minus: async (unit, n) => {
      await py.command({ cmd: 'minus', unit, n });
    },
    holding: async (unit, address, count) =>
      (await py.command({ cmd: 'regs', unit, table: 'h', address, count })).values ?? [],
    input: async (unit, address, count) =>
      (await py.command({ cmd: 'regs', unit, table: 'i', address, count })).values ?? [],
    silence: async (unit, on) => {
      await py.command({ cmd: 'silence', unit, on });
    },
  };
}

export const pymodbusTcpPeer: PeerFactory<ModbusPeer> = async (addresses) => {
  const py = PymodbusPeer.tcp(addresses);
  const r = await py.start();
  if (r.transport !== 'tcp') throw new Error('expected a TCP peer');
  return modbusPeer({
    bus: { transport: 'modbus-tcp', host: r.host, port: r.port, timeoutMs: 300 },
    ...hands(py),
    close: () => py.stop(),
  });
};

export const pymodbusRtuPeer: PeerFactory<ModbusPeer> = async (addresses) => {
  const baudRate = 115200;
  const pty = await openPtyPair();
  const py = PymodbusPeer.rtu(addresses, pty.b, baudRate);
  try {
    await py.start();
  } catch (e) {
    await pty.close();
    throw e;
  }
  return modbusPeer({
    bus: {
      transport: 'modbus-rtu',
      path: pty.a,
      baudRate,
      parity: 'none',
      stopBits: 1,
      timeoutMs: 300,
    },
    ...hands(py),
    close: async () => {
      await py.stop();
      await pty.close();
    },
  });
};
