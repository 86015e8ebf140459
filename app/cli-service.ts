/**
 * Service commands of the CLI (README "Running as a service"):
 *  - `pickline backup FILE`: asks the running controller (its API, with the
 *    technician token) to write a consistent backup of its store into FILE;
 *  - `pickline restore FILE`: puts a backup in place of a STOPPED
 *    controller's store (a new store epoch, controller/store/epoch.ts);
 *  - `pickline doctor`: checks a box before the first shift.
 * The site config is found as for `start`: --config, else $PICKLINE_CONFIG.
 * Exit codes: 0 done; backup: those of the technician CLI (cli-client.ts);
 * restore and doctor: 1 refused / a check failed.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { LoadedConfig } from '../config/load.ts';
import { action, CliError, call, EXIT } from './cli-client.ts';

type Load = (file: string | undefined) => Promise<LoadedConfig>;
const CONFIG_HELP = 'site configuration (YAML); default $PICKLINE_CONFIG or the demo site';

/** The controller's own address: a wildcard listen address is reached on loopback. */
function apiUrl(c: LoadedConfig['config']): string {
  const host = ['0.0.0.0', '::', ''].includes(c.api.host) ? '127.0.0.1' : c.api.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${c.api.port}`;
}

function technicianToken(c: LoadedConfig['config']): string | undefined {
  const t = c.api.tokens.technician as string | string[] | undefined;
  return Array.isArray(t) ? t[0] : t;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export function registerServiceCommands(program: Command, load: Load): void {
  program
    .command('backup')
    .description('ask the running controller for a consistent backup of its store into FILE')
    .argument('<file>', 'where the controller writes the backup (must not exist)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--url <url>', 'controller API base URL (default: from the config)')
    .option('--json', 'print JSON for scripts')
    .action(
      action(async (file: string, opts: { config?: string; url?: string; json?: boolean }) => {
        const { config } = await load(opts.config);
        const token = process.env.PICKLINE_TOKEN ?? technicianToken(config);
        if (!token)
          throw new CliError(
            'no technician token: set PICKLINE_TOKEN or api.tokens.technician',
            EXIT.usage,
          );
        const url = (opts.url ?? process.env.PICKLINE_URL ?? apiUrl(config)).replace(/\/+$/, '');
        const res = await call({ url, token }, 'POST', '/api/v1/technician/backups', {
          path: resolve(file),
        });
        const r = (await res.json()) as {
          path: string;
          bytes: number;
          ms: number;
          schemaVersion: number;
          lastSeq: number;
        };
        if (opts.json) console.log(JSON.stringify(r, null, 2));
        else
          console.log(
            `backup written: ${r.path} (${mib(r.bytes)}, schema v${r.schemaVersion}, last event seq ${r.lastSeq}) in ${r.ms} ms`,
          );
      }),
    );

  program
    .command('restore')
    .description("put a backup in place of a stopped controller's store")
    .argument('<file>', 'a backup made by pickline backup (or a copy of a store)')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(
      action(async (file: string, opts: { config?: string }) => {
        const { config } = await load(opts.config);
        const [{ restoreStore }, { isPicklineError }] = await Promise.all([
          import('../controller/store/restore.ts'),
          import('../kernel/errors.ts'),
        ]);
        try {
          const r = restoreStore(config.storage.path, file);
          console.log(`restored ${r.from} onto ${r.store}`);
          console.log(
            `  schema v${r.schemaVersion}, last event seq ${r.lastSeq}; new store epoch ${r.newEpoch.epoch}: new events start at seq ${r.newEpoch.seqBase}`,
          );
          if (r.replaced) console.log(`  the store that was there is kept as ${r.replaced}`);
          console.log('  start the controller: the floor comes back as it was at backup time');
        } catch (e) {
          if (!isPicklineError(e)) throw e;
          throw new CliError(`restore refused: ${e.message}`, 1);
        }
      }),
    );

  program
    .command('doctor')
    .description(
      'check this box before the first shift (config, store, ports, devices, packages, clock)',
    )
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'print JSON for scripts')
    .action(
      action(async (opts: { config?: string; json?: boolean }) => {
        const { doctor, report } = await import('./doctor.ts');
        const { DEFAULT_CONFIG } = await import('../controller/paths.ts');
        const checks = await doctor(opts.config ?? process.env.PICKLINE_CONFIG ?? DEFAULT_CONFIG);
        console.log(opts.json ? JSON.stringify(checks, null, 2) : report(checks));
        return checks.some((c) => c.ok === false) ? 1 : 0;
      }),
    );
}
