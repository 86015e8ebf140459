/**
 * A pair of connected pseudo-terminals made by socat, so a Modbus RTU master
 * and slave talk over a real serial-port API without hardware:
 *   socat -d -d pty,raw,echo=0 pty,raw,echo=0
 * prints "N PTY is /dev/pts/X" twice on stderr.
 *
 * Missing socat: in CI (`CI=true`) a test must fail ("install Debian package
 * socat"); elsewhere it may skip. Use:
 *   describe.skipIf(!socatAvailable())('over a pty', () => { … openPtyPair() … })
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export const SOCAT_MISSING = 'install Debian package socat';

export interface PtyPair {
  a: string;
  b: string;
  /** Kills socat (idempotent) and waits for it to exit. */
  close(): Promise<void>;
}

/** True when socat runs; false (with a warning) when it is missing outside CI; throws in CI. */
export function socatAvailable(): boolean {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  if (!r.error && r.status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`socat not found: ${SOCAT_MISSING}`);
  console.warn(`skipping pty tests: socat not found (${SOCAT_MISSING})`);
  return false;
}

export function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const paths: string[] = [];
    let stderr = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const close = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`socat gave no pty pair within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === 'ENOENT' ? `socat not found: ${SOCAT_MISSING}` : e.message));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      for (const m of chunk.matchAll(/PTY is (\S+)/g)) paths.push(m[1]);
      if (paths.length === 2 && /starting data transfer loop/.test(stderr)) {
        clearTimeout(timer);
        resolve({ a: paths[0], b: paths[1], close });
      }
    });
  });
}
