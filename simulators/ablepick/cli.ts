/**
 * Runs a simulated ABLEPick controller (AT500-like) until `quit` or Ctrl-C:
 *   node bin/run-ts.js simulators/ablepick/cli.ts --port 4660 --tags 1-40
 * Console commands on stdin act on field port 1 (docs/simulators.md):
 *   press <tag> confirm|short · plus|minus <tag> [n] · fault <tag> silent|malfunction|none
 *   show [tag] · drop · hang on|off · quit
 */
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { AblePickSimulator } from './controller.ts';

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a whole number');
  return n;
};

/** "1-40" or "1,2,10-12" → tag numbers 1..200 */
export function parseTags(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new InvalidArgumentError(`"${part}" is not a tag or a range`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (a < 1 || b > 200 || a > b) throw new InvalidArgumentError(`"${part}" is not within 1..200`);
    for (let t = a; t <= b; t++) out.push(t);
  }
  return out;
}

const program = new Command('ablepick-sim')
  .description('Simulated Atop ABLEPick controller with its tags, over TCP')
  .option('--port <port>', 'TCP port (0 = any free port)', int, 4660)
  .option('--host <host>', 'listen address', '127.0.0.1')
  .option('--tags <list>', 'tags on field port 1, e.g. 1-40', parseTags, parseTags('1-10'))
  .option('--tags2 <list>', 'tags on field port 2', parseTags, [] as number[]);

function describeTag(sim: AblePickSimulator, t: number): string {
  const { text, led, flash, color, buzzer } = sim.tag(t).look;
  const mode = !led ? 'off' : flash ? 'flash' : 'on';
  return `[${t}] ${mode} colour=${color} "${text}"${buzzer ? ' buzzer' : ''}${sim.tag(t).fault ? ` fault=${sim.tag(t).fault}` : ''}`;
}

function run(sim: AblePickSimulator, line: string): string {
  const [cmd, a, b] = line.trim().split(/\s+/);
  const tag = Number(a);
  const known = Number.isInteger(tag) && sim.has(tag);
  switch (cmd) {
    case 'press':
      if (!known || (b !== 'confirm' && b !== 'short')) return 'usage: press <tag> confirm|short';
      return sim.press(tag, b)
        ? `[${tag}] ${b}`
        : `[${tag}] not heard (silent, beyond range, or the controller hangs)`;
    case 'plus':
    case 'minus':
      if (!known) return `usage: ${cmd} <tag> [n]`;
      sim.tag(tag).adjust((cmd === 'plus' ? 1 : -1) * (b ? Number(b) : 1));
      return describeTag(sim, tag);
    case 'fault':
      if (!known || !['silent', 'malfunction', 'none'].includes(b))
        return 'usage: fault <tag> silent|malfunction|none';
      sim.tag(tag).fault = b === 'none' ? null : (b as 'silent' | 'malfunction');
      return describeTag(sim, tag);
    case 'show':
      if (known) return describeTag(sim, tag);
      return (sim.options.tags[1] ?? [])
        .filter((t) => sim.has(t))
        .map((t) => describeTag(sim, t))
        .join('\n');
    case 'hang':
      if (b !== undefined || (a !== 'on' && a !== 'off')) return 'usage: hang on|off';
      sim.hang(a === 'on');
      return a === 'on'
        ? 'controller hangs: connected, answering nothing'
        : 'controller answers again';
    case 'drop':
      sim.dropConnections();
      return 'connections dropped';
    default:
      return 'commands: press <tag> confirm|short · plus|minus <tag> [n] · fault <tag> silent|malfunction|none · show [tag] · drop · hang on|off · quit';
  }
}

async function main(): Promise<void> {
  const o = program.parse().opts();
  const sim = new AblePickSimulator({
    host: o.host,
    port: o.port,
    tags: { 1: o.tags, 2: o.tags2 },
  });
  const { host, port } = await sim.start();
  console.log(
    `ABLEPick controller on ${host}:${port}, tags ${o.tags.length} on port 1, ${o.tags2.length} on port 2`,
  );
  const rl = createInterface({ input: process.stdin });
  const quit = async () => {
    rl.close();
    await sim.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void quit());
  rl.on('line', (line) => {
    if (line.trim() === 'quit') void quit();
    else if (line.trim()) console.log(run(sim, line));
  });
}

void main();
