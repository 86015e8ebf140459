/**
 * A Modbus peer holding pickline-ptl-v1 modules, as the contract suite sees it:
 * how the driver reaches it, and the hands of a picker (press, +/-) plus a look
 * at its registers. Implemented by the simulator (in memory, TCP, RTU on a pty)
 * and by an independent stack (pymodbus over TCP and RTU).
 */
import type { BusConfig, ModbusRtuBusConfig, ModbusTcpBusConfig } from '../../../config/schema.ts';
import type { ModbusTransport } from '../../../device-drivers/modbus/master/transport.ts';

export interface LightPeer {
  /** how the driver reaches the peer: BusConfig without id/profile */
  bus: Partial<Omit<ModbusRtuBusConfig, 'id' | 'transport'>> &
    Partial<Omit<ModbusTcpBusConfig, 'id' | 'transport'>> & { transport: BusConfig['transport'] };
  /** testing hook instead of a wire (in-memory peer) */
  transport?: () => ModbusTransport;
  press(address: number, key: 'confirm' | 'short'): Promise<void>;
  plus(address: number, n: number): Promise<void>;
  minus(address: number, n: number): Promise<void>;
  holding(address: number, reg: number, count: number): Promise<number[]>;
  input(address: number, reg: number, count: number): Promise<number[]>;
  close(): Promise<void>;
}

/** Starts a peer serving exactly `addresses`. */
export type PeerFactory = (addresses: number[]) => Promise<LightPeer>;
