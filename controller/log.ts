/**
 * The controller's logger. On a terminal: one readable line per event
 * (pino-pretty); otherwise JSON lines for log collectors. `PICKLINE_LOG_FORMAT`
 * (`pretty` | `json`) overrides the choice.
 *
 * Lines are written synchronously to fd 1. An asynchronous destination would
 * flush at exit, and its flush retries a closed pipe forever (`npm start |
 * grep x`, then Ctrl-C): a synchronous one drops the logs on EPIPE instead.
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

export function logFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  const f = env.PICKLINE_LOG_FORMAT;
  if (f === 'pretty' || f === 'json') return f;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

export function createLogger(opts: { level?: string; site: string; format?: LogFormat }): Logger {
  const format = opts.format ?? logFormat();
  const base = { level: opts.level ?? 'info', base: { site: opts.site } };
  if (format === 'pretty')
    return pino(
      base,
      pretty({
        sync: true,
        colorize: process.stdout.isTTY === true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,site',
        singleLine: true,
      }),
    );
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
