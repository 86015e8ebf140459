/**
 * The simulator console: one text command in, lines of text out. Pure (no
 * stdin, no process), so the CLI and tests share it.
 */
import { isPicklineError } from '../../kernel/errors.ts';
import type { ModuleBank } from './bank.ts';
import type { SimModule } from './module.ts';
import type { SimFault, SimKey, SimModuleState } from './types.ts';

export interface CommandContext {
  bank: ModuleBank;
  /** Transport counters for `stats`, by transport name. */
  counters?: () => Record<string, object>;
}

export interface CommandResult {
  lines: string[];
  quit?: boolean;
}

export const HELP = [
  'press <addr> [confirm|short]     press a key (default confirm)',
  'plus <addr> [n] / minus <addr> [n]  change the displayed quantity',
  'fault <addr> silence|bad-crc|exception [code]|slow <ms>|none',
  'status <addr> <bits>             set status bits (1 lamp fault, 2 key stuck)',
  'show [addr]                      lit modules, or one module',
  'stats                            transport counters',
  'help, quit',
];

/** `[3] blink green 5 seq=7`: what a picker would see on the module. */
export function describe(address: number, s: SimModuleState, m?: SimModule): string {
  const parts = [`[${address}]`, s.mode];
  if (s.mode !== 'off') {
    if (s.color) parts.push(s.color);
    if (s.display !== null) parts.push(String(s.display));
  }
  if (!m || m.profile.capabilities.jobToken) parts.push(`seq=${s.seq}`);
  if (s.buzzer) parts.push('buzzer');
  if (m?.fault)
    parts.push(`fault=${m.fault.kind}${m.fault.kind === 'slow' ? `:${m.fault.ms}ms` : ''}`);
  return parts.join(' ');
}

class UsageError extends Error {}

function int(word: string | undefined, what: string, dflt?: number): number {
  if (word === undefined && dflt !== undefined) return dflt;
  const n = Number(word);
  if (word === undefined || !Number.isInteger(n) || n < 0)
    throw new UsageError(`${what} must be a whole number`);
  return n;
}

function parseFault(words: string[]): SimFault | null {
  const [kind, arg] = words;
  switch (kind) {
    case 'none':
      return null;
    case 'silence':
    case 'bad-crc':
      return { kind };
    case 'exception':
      return arg === undefined ? { kind } : { kind, code: int(arg, 'exception code') };
    case 'slow':
      return { kind, ms: int(arg, 'slow <ms>') };
    default:
      throw new UsageError('fault kind: silence, bad-crc, exception [code], slow <ms> or none');
  }
}

export function runCommand(ctx: CommandContext, line: string): CommandResult {
  const [cmd, ...args] = line.trim().split(/\s+/).filter(Boolean);
  if (!cmd) return { lines: [] };
  if (cmd === 'quit' || cmd === 'exit') return { lines: ['bye'], quit: true };
  try {
    return { lines: execute(ctx, cmd.toLowerCase(), args) ?? [] };
  } catch (e) {
    if (e instanceof UsageError || isPicklineError(e)) return { lines: [`error: ${e.message}`] };
    throw e;
  }
}

function execute(ctx: CommandContext, cmd: string, args: string[]): string[] | undefined {
  const { bank } = ctx;
  const mod = () => bank.module(int(args[0], 'address'));
  switch (cmd) {
    case 'help':
    case '?':
      return HELP;
    case 'press': {
      const key = (args[1] ?? 'confirm') as SimKey;
      if (key !== 'confirm' && key !== 'short')
        throw new UsageError('key must be confirm or short');
      const m = mod();
      const before = m.address;
      m.press(key);
      return m.address !== before
        ? [`module ${before} took address ${m.address}`]
        : [`pressed ${key} on ${m.address}`];
    }
    case 'plus':
    case 'minus': {
      const m = mod();
      const n = int(args[1], 'n', 1);
      if (cmd === 'plus') m.plus(n);
      else m.minus(n);
      return [describe(m.address, m.state(), m)];
    }
    case 'fault': {
      const m = mod();
      m.setFault(parseFault(args.slice(1)));
      return [`fault on ${m.address}: ${m.fault ? m.fault.kind : 'none'}`];
    }
    case 'status': {
      const m = mod();
      const bits = int(args[1], 'bits');
      m.setStatusBits(bits);
      return [`status of ${m.address} = ${bits}`];
    }
    case 'show': {
      if (args[0] !== undefined) {
        const m = mod();
        return [describe(m.address, m.state(), m)];
      }
      const shown = bank.modules().filter((m) => m.state().lamp || m.fault);
      if (shown.length === 0) return [`no module lit (${bank.modules().length} modules)`];
      return shown.map((m) => describe(m.address, m.state(), m));
    }
    case 'stats': {
      const all = ctx.counters?.() ?? {};
      return Object.entries(all).map(([name, c]) => `${name} ${JSON.stringify(c)}`);
    }
    default:
      throw new UsageError(`unknown command "${cmd}"; type help`);
  }
}
