/**
 * Runs a simulated bank of light modules until `quit` or Ctrl-C:
 *   node bin/run-ts.js simulators/modbus/cli.ts --tcp 1502 --profile pickline-ptl-v1 --addresses 1-60
 *   node bin/run-ts.js simulators/modbus/cli.ts --rtu /dev/pts/4 --baud 19200 --emulate-wire-time
 * Reads console commands (commands.ts) from stdin and prints a line whenever a
 * module's light changes, e.g. `[3] blink green 5 seq=7`.
 */
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { ModuleBank, parseAddressList } from './bank.ts';
import { describe, runCommand } from './commands.ts';
import { ModbusRtuSimulator } from './rtu.ts';
import { ModbusTcpSimulator } from './tcp.ts';

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a whole number');
  return n;
};

const program = new Command('modbus-sim')
  .description('Simulated Modbus pick-to-light modules (profile-driven), over TCP and/or RTU')
  .option('--tcp <port>', 'serve Modbus TCP on this port (0 = any free port)', int)
  .option('--host <host>', 'TCP listen address', '127.0.0.1')
  .option('--rtu <path>', 'serve Modbus RTU on this serial port (e.g. one end of a socat pty pair)')
  .option('--baud <rate>', 'RTU baud rate', int, 19200)
  .option('--parity <parity>', 'RTU parity: none, even or odd', 'none')
  .option('--emulate-wire-time', 'RTU: hold replies back to the timing of a real bus at --baud')
  .option('--response-delay <ms>', 'RTU: module processing time added to every reply', int, 0)
  .option('--profile <name>', 'device profile from config/profiles', 'pickline-ptl-v1')
  .option('--addresses <list>', 'unit ids, e.g. 1-60 or 1,2,10-12', '1-10')
  .option('--hold-ms <ms>', 'input profiles: how long a press holds the key input high', int, 300)
  .option('--quiet', 'do not print light changes');

async function main(): Promise<void> {
  const o = program.parse().opts();
  if (o.tcp === undefined && o.rtu === undefined)
    program.error('give --tcp <port> and/or --rtu <path>');
  if (!['none', 'even', 'odd'].includes(o.parity))
    program.error('--parity must be none, even or odd');
  const bank = new ModuleBank({
    profile: o.profile,
    addresses: parseAddressList(o.addresses),
    holdMs: o.holdMs,
  });
  const tcp =
    o.tcp === undefined ? null : new ModbusTcpSimulator(bank, { host: o.host, port: o.tcp });
  const rtu =
    o.rtu === undefined
      ? null
      : new ModbusRtuSimulator(bank, {
          path: o.rtu,
          baudRate: o.baud,
          parity: o.parity,
          emulateWireTime: Boolean(o.emulateWireTime),
          responseDelayMs: o.responseDelay,
        });
  const units = `${bank.modules().length} modules ${o.addresses}, profile ${bank.profile.name}`;
  if (tcp) {
    const a = await tcp.start();
    console.log(`Modbus TCP simulator listening on ${a.host}:${a.port} (${units})`);
  }
  if (rtu) {
    await rtu.start();
    const wire = o.emulateWireTime ? ', wire time emulated' : '';
    console.log(`Modbus RTU simulator on ${o.rtu} at ${o.baud} baud${wire} (${units})`);
  }
  if (!o.quiet) {
    for (const m of bank.modules()) {
      m.on('change', (s) => console.log(describe(m.address, s, m)));
      m.on('address', (from, to) => console.log(`[${to}] module ${from} now answers at ${to}`));
    }
  }
  console.log('type help for commands');
  const counters = () => ({
    ...(tcp ? { tcp: tcp.counters } : {}),
    ...(rtu ? { rtu: rtu.counters } : {}),
  });
  const rl = createInterface({ input: process.stdin, terminal: false });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    rl.close();
    process.stdin.destroy(); // a paused stdin pipe would keep the process alive
    await Promise.all([tcp?.stop(), rtu?.stop()]);
  };
  rl.on('line', (line) => {
    const r = runCommand({ bank, counters }, line);
    for (const l of r.lines) console.log(l);
    if (r.quit) void shutdown();
  });
  // stdin ending (e.g. run in the background with </dev/null) does not stop the simulator
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
