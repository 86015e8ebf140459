/**
 * BusConfig → a ready-to-start Modbus bus. The transport is chosen once, here
 * (STYLE.md: no serial-vs-TCP branching anywhere else):
 *   modbus-rtu                 serial port, RTU framing, t3.5 silence
 *   modbus-tcp                 socket, MBAP framing
 *   modbus-tcp + rtuOverTcp    socket to a transparent gateway, RTU framing
 * Every link is reopened with backoff when it is missing at start or drops.
 */

import {
  type ModbusRtuBusConfig,
  type ModbusTcpBusConfig,
  modbusUnitProblem,
} from '../../config/transports/modbus.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { DriverContext } from '../driver.ts';
import { MbapFraming, RtuFraming } from './master/framing.ts';
import { SerialLink, type SerialOptions, TcpLink } from './master/links.ts';
import { lineTiming, type ModbusTransport, StreamTransport } from './master/transport.ts';
import { ModbusLightBus } from './modbus-bus.ts';

/** Defaults when BusConfig leaves a field out. */
export const MODBUS_DEFAULTS = {
  baudRate: 19200,
  /** Modbus serial line spec §2.5.1: even parity is the required default */
  parity: 'even' as const,
  dataBits: 8 as const,
  rtuTimeoutMs: 100,
  tcpTimeoutMs: 500,
  tcpPort: 502,
  retries: 1,
  /**
   * Key poll period of one lit module. RTU: 0, back to back; the wire time
   * (~8 ms a poll at 19200 baud) already bounds the rate. TCP: 40 ms, so a
   * press is seen within 40 ms (~20 ms median, far below what a picker
   * notices) at 25 reads/s per lit module: 6 lit modules cost ~4.5 % of a
   * core here (bench/poll-cpu.ts; 20 ms costs ~7 %) instead of a whole core
   * spent on back-to-back round trips.
   */
  rtuPollIntervalMs: 0,
  tcpPollIntervalMs: 40,
  healthIntervalMs: 2000,
  offlineAfter: 3,
  defaultProfile: 'pickline-ptl-v1',
};

export type ModbusBusConfig = ModbusRtuBusConfig | ModbusTcpBusConfig;

/** The Modbus driver's own options (`createBus(cfg, ctx, { modbus: … })`): test and bench hooks. */
export interface ModbusDriverOptions {
  /** testing hook: use this transport instead of the one BusConfig names */
  transport?: ModbusTransport;
  /** naive all-module polling (benchmark comparison) */
  pollAll?: boolean;
}

const bad = (cfg: ModbusBusConfig, msg: string) =>
  new PicklineError('CONFIG_INVALID', `bus ${cfg.id}: ${msg}`, [
    { path: `/buses/${cfg.id}`, message: msg },
  ]);

export function serialOptions(cfg: ModbusRtuBusConfig): SerialOptions {
  if (!cfg.path) throw bad(cfg, 'modbus-rtu needs a serial "path"');
  const parity = cfg.parity ?? MODBUS_DEFAULTS.parity;
  return {
    path: cfg.path,
    baudRate: cfg.baudRate ?? MODBUS_DEFAULTS.baudRate,
    parity,
    dataBits: cfg.dataBits ?? MODBUS_DEFAULTS.dataBits,
    // serial line spec §2.5.1: no parity → 2 stop bits, keeping 11 bits a character
    stopBits: cfg.stopBits ?? (parity === 'none' ? 2 : 1),
  };
}

export function createTransport(cfg: ModbusBusConfig): ModbusTransport {
  if (cfg.transport === 'modbus-rtu') {
    const s = serialOptions(cfg);
    const bits = 1 + s.dataBits + (s.parity === 'none' ? 0 : 1) + s.stopBits;
    // persistent: a USB adapter plugged in after start, or unplugged and back, is reopened
    return new StreamTransport(new SerialLink(s), new RtuFraming(), {
      timing: lineTiming(s.baudRate, bits),
      persistent: true,
    });
  }
  if (cfg.transport === 'modbus-tcp') {
    if (!cfg.host) throw bad(cfg, 'modbus-tcp needs a "host"');
    const timeout = cfg.timeoutMs ?? MODBUS_DEFAULTS.tcpTimeoutMs;
    const link = new TcpLink(
      cfg.host,
      cfg.port ?? MODBUS_DEFAULTS.tcpPort,
      Math.max(1000, timeout),
    );
    return new StreamTransport(link, cfg.rtuOverTcp ? new RtuFraming() : new MbapFraming(), {
      persistent: true,
    });
  }
  const other: never = cfg;
  throw new PicklineError(
    'UNSUPPORTED',
    `bus ${(other as ModbusBusConfig).id}: not a Modbus transport`,
  );
}

/** A Modbus bus; a Modbus bus takes unit numbers 1..247 only. */
export function createModbusBus(
  cfg: ModbusBusConfig,
  ctx: DriverContext,
  opts: ModbusDriverOptions = {},
): ModbusLightBus {
  const name = cfg.profile ?? MODBUS_DEFAULTS.defaultProfile;
  const profile = ctx.profiles.get(name);
  if (!profile) throw bad(cfg, `unknown profile "${name}"`);
  const units: number[] = [];
  for (const a of ctx.addresses) {
    const wrong = modbusUnitProblem(cfg.id, a);
    if (wrong) throw bad(cfg, wrong);
    units.push(a as number);
  }
  const rtu = cfg.transport === 'modbus-rtu';
  return new ModbusLightBus({
    id: cfg.id,
    transportName: cfg.transport,
    profile,
    addresses: units,
    transport: opts.transport ?? createTransport(cfg),
    timeoutMs: cfg.timeoutMs ?? (rtu ? MODBUS_DEFAULTS.rtuTimeoutMs : MODBUS_DEFAULTS.tcpTimeoutMs),
    retries: cfg.retries ?? MODBUS_DEFAULTS.retries,
    pollIntervalMs:
      cfg.pollIntervalMs ??
      (rtu ? MODBUS_DEFAULTS.rtuPollIntervalMs : MODBUS_DEFAULTS.tcpPollIntervalMs),
    healthIntervalMs: cfg.healthIntervalMs ?? MODBUS_DEFAULTS.healthIntervalMs,
    offlineAfter: cfg.offlineAfter ?? MODBUS_DEFAULTS.offlineAfter,
    pollAll: opts.pollAll,
    identifyMs: ctx.identifyMs,
    logger: ctx.logger,
  });
}
