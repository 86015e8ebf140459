/**
 * Runs a simulated WMS webhook receiver until `quit` or Ctrl-C:
 *   node bin/run-ts.js simulators/wms/cli.ts --port 9090 --secret s
 * Prints one line per accepted event, e.g. `#12 line.picked e-1a2b3c-000012 {...}`,
 * and reads commands from stdin: up, 503, refuse, slow <ms>, fail <n>, stats, quit.
 * Point the controller at it with `webhooks: [{url: <printed url>, secret: s}]`.
 */
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { WmsSimulator } from './server.ts';

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a whole number');
  return n;
};

const HELP = [
  'up          accept events',
  '503         answer 503 to everything',
  'refuse      close the listener (connections refused)',
  'slow <ms>   accept, but answer after <ms>',
  'fail <n>    answer 500 to the next n requests',
  'stats       print the counters',
  'quit        stop',
];

const program = new Command('wms-sim')
  .description('Simulated WMS: receives, verifies and dedupes Pickline webhook events')
  .requiredOption('--secret <secret>', 'the webhook secret shared with the controller')
  .option('--port <port>', 'listen port (0 = any free port)', int, 9090)
  .option('--host <host>', 'listen address', '127.0.0.1')
  .option('--quiet', 'do not print events');

async function main(): Promise<void> {
  const o = program.parse().opts();
  const wms = new WmsSimulator({ secret: o.secret, host: o.host, port: o.port });
  const { url } = await wms.start();
  console.log(`WMS simulator receiving webhooks at ${url}`);
  console.log('type help for commands');
  if (!o.quiet) {
    wms.onEvent((e) => console.log(`#${e.seq} ${e.type} ${e.eventId} ${JSON.stringify(e.data)}`));
  }
  const rl = createInterface({ input: process.stdin, terminal: false });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    rl.close();
    await wms.stop();
  };
  const run = async (line: string): Promise<string> => {
    const [cmd, arg] = line.trim().split(/\s+/);
    const n = Number(arg);
    switch (cmd) {
      case '':
        return '';
      case 'help':
        return HELP.join('\n');
      case 'up':
      case '503':
      case 'refuse':
        await wms.setMode(cmd === 'up' ? 'up' : cmd === '503' ? 'down-503' : 'down-refuse');
        return `mode ${wms.mode}`;
      case 'slow':
        await wms.setMode('slow', Number.isInteger(n) && n >= 0 ? n : 2000);
        return `mode slow`;
      case 'fail':
        wms.failNext(Number.isInteger(n) && n > 0 ? n : 1);
        return `next ${Number.isInteger(n) && n > 0 ? n : 1} request(s) get 500`;
      case 'stats':
        return JSON.stringify({ mode: wms.mode, ...wms.counters });
      case 'quit':
        await shutdown();
        return 'bye';
      default:
        return `unknown command ${cmd}; type help`;
    }
  };
  // one command at a time, in the order typed
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(() =>
      run(line).then(
        (out) => {
          if (out) console.log(out);
        },
        (e: unknown) => console.error(e instanceof Error ? e.message : e),
      ),
    );
  });
  // stdin ending (e.g. run in the background with </dev/null) does not stop the simulator
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
