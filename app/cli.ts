/**
 * `pickline start [--config FILE]` and `pickline check-config FILE`; the
 * technician commands (devices, events) are in cli-tech.ts.
 * The config comes from --config, else PICKLINE_CONFIG, else the demo site.
 * Problems are printed as `path: message`; exit code 1; nothing started.
 */

import { createInterface } from 'node:readline';
import { Command } from 'commander';
import type { LoadedConfig } from '../config/load.ts';
import { DEFAULT_CONFIG } from '../controller/paths.ts';
import { isPicklineError } from '../kernel/errors.ts';
import pkg from '../package.json' with { type: 'json' };
import { registerServiceCommands } from './cli-service.ts';
import { registerTechnicianCommands } from './cli-tech.ts';
import type { SimulatedFloor } from './floor.ts';
import { systemdNotifier } from './systemd.ts';

// Commands import what they need when they run: `--help` and `--version`
// load commander only (not fastify, better-sqlite3, serialport).

async function load(file: string | undefined): Promise<LoadedConfig> {
  const path = file ?? process.env.PICKLINE_CONFIG ?? DEFAULT_CONFIG;
  const [{ isPicklineError }, { loadConfig }] = await Promise.all([
    import('../kernel/errors.ts'),
    import('../config/load.ts'),
  ]);
  try {
    return loadConfig(path);
  } catch (e) {
    if (isPicklineError(e)) {
      console.error(`${e.message}`);
      for (const d of e.details) console.error(`${d.path}: ${d.message}`);
      process.exit(1);
    }
    throw e;
  }
}

/** The dev floor, and with it the simulators, is loaded only when a bus is simulated. */
async function simulatedFloor(loaded: LoadedConfig, enabled: boolean) {
  const { hasSimulatedBus, SimulatedFloor } = await import('./floor.ts');
  return enabled && hasSimulatedBus(loaded.config)
    ? new SimulatedFloor(loaded.config, loaded.profiles)
    : null;
}

/** Simulator console on stdin: every simulated device family answers the same words (FLOOR_HELP). */
function startConsole(floor: SimulatedFloor, quit: () => void): void {
  if (!process.stdin.readable) return;
  console.log('[floor] simulated floor ready: type "help" for commands (press A-01-01, show, …)');
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', async (line) => {
    const r = await floor.command(line);
    for (const l of r.lines) console.log(`[floor] ${l}`);
    if (r.quit) quit();
  });
}

/**
 * The V8 heap flags bin/heap-policy.js applied to this process (it records
 * them under a global symbol), for the start log: an operator reading memory
 * figures needs to know them.
 */
function logHeapPolicy(log: { info(o: object, msg: string): void }): void {
  const p = (globalThis as Record<symbol, unknown>)[Symbol.for('pickline.heap-policy')] as
    | { flags: string[]; reason: string }
    | undefined;
  log.info(
    { heapFlags: p?.flags ?? [], why: p?.reason ?? 'not started through bin/pickline.js' },
    'heap policy',
  );
}

/** A stop that takes longer than this (a hung bus, a stuck write) ends the process anyway. */
const STOP_BOUND_MS = 10_000;

// `pickline start | grep x`, then the reader goes away: keep running, drop the output
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

const program = new Command('pickline')
  .description('Pickline edge controller for pick-to-light and voice picking')
  .version(pkg.version);

program
  .command('start')
  .description('run the controller')
  .option(
    '-c, --config <file>',
    'site configuration (YAML); default $PICKLINE_CONFIG or the demo site',
  )
  .option('--no-simulate', 'do not start simulators for buses marked simulate: true')
  .option('--no-console', 'no simulator console on stdin')
  .action(async (opts: { config?: string; simulate: boolean; console: boolean }) => {
    const loaded = await load(opts.config);
    const { Controller } = await import('./main.ts');
    // The simulated floor is started before the controller and beside it, as
    // real modules would be; the controller reaches it over Modbus TCP only.
    const floor = await simulatedFloor(loaded, opts.simulate);
    // simulated MQTT modules connect as soon as the embedded broker listens, before the
    // floor is restored, as modules already on the network would (no offline burst at start)
    const attach = async (url: string | null) => {
      await floor?.attach(url);
      const n = floor?.attached ?? 0;
      if (n > 0) controller.log.info({ modules: n, url }, 'simulated modules connected');
    };
    const controller = new Controller(loaded, {
      simulator: floor ?? undefined,
      onBrokerListening: floor ? attach : undefined,
    });
    logHeapPolicy(controller.log);
    // a second SIGINT/SIGTERM gets node's default (immediate exit): the handlers are `once`
    const notifier = systemdNotifier((m) => controller.log.warn(m));
    const shutdown = async (signal: string) => {
      controller.log.info({ signal }, 'shutting down');
      void notifier.stopping();
      setTimeout(() => {
        controller.log.error(`stop took over ${STOP_BOUND_MS} ms: exiting anyway`);
        process.exit(1);
      }, STOP_BOUND_MS).unref();
      await floor?.detach(); // modules leave before the broker does
      await controller.stop();
      await floor?.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    try {
      if (floor) {
        const where = await floor.start();
        floor.onChange((text) => console.log(`[floor] ${text}`));
        if (where.size > 0)
          controller.log.info({ buses: Object.fromEntries(where) }, 'simulated floor started');
        if (!controller.broker) await attach(loaded.config.mqtt?.url ?? null);
      }
      await controller.start();
      void notifier.ready(
        `site ${loaded.config.site}: floor restored, API on port ${controller.address.port}`,
      );
      if (floor && opts.console) startConsole(floor, () => void shutdown('console'));
    } catch (e) {
      // expected refusals (lock held, port taken, bad store) without a stack trace
      const code = (e as { code?: string }).code;
      const expected = isPicklineError(e) || code === 'EADDRINUSE' || code === 'EACCES';
      controller.log.fatal(
        expected ? { code } : { err: e },
        `start failed: ${(e as Error).message ?? String(e)}`,
      );
      await controller.stop().catch(() => {});
      process.exit(1);
    }
  });

program
  .command('check-config')
  .description('validate a configuration file and list every problem')
  .argument('[file]', 'site configuration (YAML); default $PICKLINE_CONFIG or the demo site')
  .action(async (file: string | undefined) => {
    const { config, file: path } = await load(file);
    const locations = config.zones.reduce((n, z) => n + z.locations.length, 0);
    console.log(
      `${path}: OK — site ${config.site}, ${config.zones.length} zones, ${locations} locations, ${config.buses.length} buses`,
    );
  });

registerTechnicianCommands(program);
registerServiceCommands(program, load);

await program.parseAsync(process.argv);
