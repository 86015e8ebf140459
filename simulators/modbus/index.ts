/**
 * Modbus light-module simulator: a profile-driven bank of modules served over
 * Modbus TCP and/or RTU, with fault modes. See docs/simulators.md.
 */
export {
  type BankReply,
  ModuleBank,
  type ModuleBankOptions,
  parseAddressList,
  resolveProfile,
} from './bank.ts';
export { type CommandContext, type CommandResult, describe, HELP, runCommand } from './commands.ts';
export { crc16, crcOk, rtuFrame } from './crc.ts';
export { SimModule } from './module.ts';
export { EXCEPTION, FC } from './pdu.ts';
export { ModbusRtuSimulator, type ModbusRtuSimulatorOptions, type RtuCounters } from './rtu.ts';
export { type FramerEvent, RtuFramer } from './rtu-framer.ts';
export { ModbusTcpSimulator, type ModbusTcpSimulatorOptions, type TcpCounters } from './tcp.ts';
export type {
  SimFault,
  SimKey,
  SimModuleEvents,
  SimModuleOptions,
  SimModuleState,
} from './types.ts';
export { BITS_PER_CHAR, BusClock, charTimeMs, t35Ms, transactionMs } from './wire-time.ts';
