/**
 * `pickline start [--config FILE]` and `pickline check-config FILE`.
 * The config comes from --config, else PICKLINE_CONFIG, else the demo site.
 * Problems are printed as `path: message`; exit code 1; nothing started.
 */
import { Command } from 'commander';
import { isPicklineError } from '../config/errors.ts';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import { Controller, VERSION } from './main.ts';
import { DEFAULT_CONFIG } from './paths.ts';

function load(file: string | undefined): LoadedConfig {
  const path = file ?? process.env.PICKLINE_CONFIG ?? DEFAULT_CONFIG;
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

const program = new Command('pickline')
  .description('Pickline edge controller for pick-to-light and voice picking')
  .version(VERSION);

program
  .command('start')
  .description('run the controller')
  .option('-c, --config <file>', 'site configuration (YAML); default $PICKLINE_CONFIG or the demo site')
  .action(async (opts: { config?: string }) => {
    const loaded = load(opts.config);
    const controller = new Controller(loaded);
    const shutdown = async (signal: string) => {
      controller.log.info({ signal }, 'shutting down');
      await controller.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    try {
      await controller.start();
    } catch (e) {
      controller.log.fatal({ err: e }, 'start failed');
      await controller.stop().catch(() => {});
      process.exit(1);
    }
  });

program
  .command('check-config')
  .description('validate a configuration file and list every problem')
  .argument('[file]', 'site configuration (YAML); default $PICKLINE_CONFIG or the demo site')
  .action((file: string | undefined) => {
    const { config, file: path } = load(file);
    const locations = config.zones.reduce((n, z) => n + z.locations.length, 0);
    console.log(`${path}: OK — site ${config.site}, ${config.zones.length} zones, ${locations} locations, ${config.buses.length} buses`);
  });

await program.parseAsync(process.argv);
