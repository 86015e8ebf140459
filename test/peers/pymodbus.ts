/**
 * Runs test/peers/pymodbus_ptl.py (an independent Modbus stack holding the
 * pickline-ptl-v1 map) and talks to its stdin command channel.
 *
 * Missing python3-pymodbus: with CI=true the caller must fail with
 * PYMODBUS_MISSING; elsewhere it may skip (see `pymodbusAvailable`).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const PYMODBUS_MISSING = 'install Debian package python3-pymodbus';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pymodbus_ptl.py');

/** Debian package for each Python module the peer imports (and the interpreter itself). */
export const PYTHON_PACKAGES = {
  python3: 'install Debian package python3',
  pymodbus: PYMODBUS_MISSING,
  serial_asyncio: 'install Debian package python3-serial-asyncio',
} as const;

/**
 * pymodbus's version when the peer's modules import; null (with a warning)
 * outside CI; throws under CI=true naming the Debian package that is missing.
 */
export function pymodbusAvailable(
  python: string = PYTHON,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const r = spawnSync(
    python,
    ['-c', 'import pymodbus, serial_asyncio; print(pymodbus.__version__)'],
    { encoding: 'utf8' },
  );
  if (!r.error && r.status === 0) return r.stdout.trim();
  const module = r.error ? 'python3' : /No module named '([\w.]+)'/.exec(r.stderr)?.[1];
  const missing =
    PYTHON_PACKAGES[(module?.split('.')[0] ?? 'pymodbus') as keyof typeof PYTHON_PACKAGES] ??
    PYMODBUS_MISSING;
  if (env.CI === 'true') throw new Error(`pymodbus peer cannot run (${python}): ${missing}`);
  console.warn(`skipping pymodbus peer tests: ${missing}`);
  return null;
}

export type Ready =
  | { transport: 'tcp'; host: string; port: number }
  | { transport: 'rtu'; path: string; baud: number };

export class PymodbusPeer {
  ready!: Ready;
  private child: ChildProcessWithoutNullStreams | null = null;
  private waiting: Array<(line: string) => void> = [];
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly args: string[]) {}

  static tcp(units: number[]): PymodbusPeer {
    return new PymodbusPeer(['--units', units.join(','), '--tcp']);
  }

  static rtu(units: number[], path: string, baud: number): PymodbusPeer {
    return new PymodbusPeer(['--units', units.join(','), '--rtu', path, '--baud', String(baud)]);
  }

  start(timeoutMs = 10_000): Promise<Ready> {
    const child = spawn(PYTHON, [SCRIPT, ...this.args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', () => r()));
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += String(c);
    });
    const lines = createInterface({ input: child.stdout });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`pymodbus peer not ready: ${stderr}`)),
        timeoutMs,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`pymodbus peer exited (${code}): ${stderr}`));
      });
      lines.on('line', (line) => {
        if (line.startsWith('READY ')) {
          clearTimeout(timer);
          this.ready = JSON.parse(line.slice(6));
          resolve(this.ready);
          return;
        }
        this.waiting.shift()?.(line);
      });
    });
  }

  /** One command, one JSON answer (see the script's header). */
  command<T = { ok?: boolean; values?: number[]; error?: string }>(cmd: object): Promise<T> {
    const child = this.child;
    if (!child) return Promise.reject(new Error('pymodbus peer not started'));
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const out = JSON.parse(line);
        if (out.error) reject(new Error(`pymodbus peer: ${out.error}`));
        else resolve(out);
      });
      child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return;
    child.stdin.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(killer);
  }
}
