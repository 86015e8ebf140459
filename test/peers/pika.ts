/**
 * The WMS side of the message-bus tests: test/peers/amqp_wms.py, an AMQP
 * client that is not Pickline's (Debian python3-pika), one command per run.
 * Runs asynchronously: a controller in the same process keeps serving while
 * the peer waits for its messages.
 *
 * Missing python3-pika: under CI=true `pikaAvailable` throws naming the
 * package; elsewhere it returns false (the caller skips).
 */
import { execFile, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './pymodbus.ts';

export const PIKA_MISSING = 'install Debian package python3-pika';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'amqp_wms.py');

export function pikaAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import pika'], { stdio: 'ignore' });
  if (!r.error && r.status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`python3 cannot import pika: ${PIKA_MISSING}`);
  console.warn(`skipping message-bus tests: ${PIKA_MISSING}`);
  return false;
}

export interface PeerMessage {
  routingKey: string;
  exchange: string;
  body: string;
  messageId: string | null;
  contentType: string | null;
  deliveryMode: number | null;
  headers: Record<string, unknown>;
}

function run(args: string[], timeoutMs = 60_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [SCRIPT, ...args],
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`amqp_wms.py ${args[0]}: ${stderr || err.message}`));
        resolve(JSON.parse(stdout));
      },
    );
  });
}

export const pika = {
  publish: (url: string, exchange: string, key: string, body: string, messageId?: string) =>
    run(['publish', url, exchange, key, body, ...(messageId ? [messageId] : [])]),
  bind: (url: string, queue: string, exchange: string, key: string) =>
    run(['bind', url, queue, exchange, key]),
  drain: (url: string, queue: string, count: number, timeoutS = 20) =>
    run(['drain', url, queue, String(count), String(timeoutS)], (timeoutS + 30) * 1000) as Promise<
      PeerMessage[]
    >,
  deleteExchange: (url: string, exchange: string) => run(['delete-exchange', url, exchange]),
  count: async (url: string, queue: string) =>
    ((await run(['count', url, queue])) as { messages: number }).messages,
};
