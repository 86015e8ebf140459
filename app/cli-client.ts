/**
 * The HTTP side of the technician CLI (cli-tech.ts): the controller's URL and
 * token, requests whose refusals become exit codes, tables, the progress bar.
 * Uses only node's fetch: nothing heavy is imported (cold start).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

export const EXIT = {
  ok: 0,
  /** bad arguments, unreadable token file */
  usage: 1,
  /** the controller refused the request (400, 404, 409, 422 …) */
  refused: 2,
  /** no token, an unknown token, or a role that may not do this (401, 403) */
  auth: 3,
  /** the controller cannot be reached, is starting (503) or failed (5xx) */
  unavailable: 4,
  /** a walk test ran and modules did not answer */
  modulesFailed: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A request body sent as is (a CSV file), not as JSON. */
export class RawBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

export interface Conn {
  url: string;
  token: string | undefined;
}

export function conn(opts: { url?: string; tokenFile?: string }): Conn {
  let token = process.env.PICKLINE_TOKEN;
  if (opts.tokenFile) {
    try {
      token = readFileSync(opts.tokenFile, 'utf8').split(/\r?\n/)[0].trim();
    } catch (e) {
      throw new CliError(`cannot read token file: ${(e as Error).message}`, EXIT.usage);
    }
  }
  const url = (opts.url ?? process.env.PICKLINE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  return { url, token };
}

/** fetch with the token; a non-2xx becomes a CliError with the API's message and its exit code. */
export async function call(
  c: Conn,
  method: string,
  path: string,
  body?: unknown,
  accept = 'application/json',
): Promise<Response> {
  const raw = body instanceof RawBody;
  let res: Response;
  try {
    res = await fetch(`${c.url}${path}`, {
      method,
      headers: {
        accept,
        ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
        ...(body === undefined
          ? {}
          : { 'content-type': raw ? body.contentType : 'application/json' }),
      },
      body: body === undefined ? undefined : raw ? body.text : JSON.stringify(body),
    });
  } catch (e) {
    const c2 = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = c2?.code ?? c2?.message ?? (e as Error).message;
    throw new CliError(`cannot reach the controller at ${c.url}: ${cause}`, EXIT.unavailable);
  }
  if (res.ok) return res;
  let msg = `${res.status} ${res.statusText}`;
  try {
    const j = (await res.json()) as {
      error?: { code: string; message: string; details?: { path: string; message: string }[] };
    };
    if (j.error) {
      msg = `${j.error.code}: ${j.error.message}`;
      for (const d of j.error.details ?? []) msg += `\n  ${d.path}: ${d.message}`;
    }
  } catch {
    // not JSON: the status line says it
  }
  // without a token, say where one goes (a bare 401 does not)
  if (res.status === 401 && !c.token)
    msg = `no token: set PICKLINE_TOKEN or pass --token-file <file> (${msg})`;
  const code =
    res.status === 401 || res.status === 403
      ? EXIT.auth
      : res.status >= 500
        ? EXIT.unavailable
        : EXIT.refused;
  throw new CliError(msg, code);
}

export const getJson = async <T>(c: Conn, path: string): Promise<T> =>
  (await (await call(c, 'GET', path)).json()) as T;

/** Columns padded to their widest cell. */
export function table(head: string[], rows: unknown[][]): string {
  const cells = [
    head,
    ...rows.map((r) => r.map((v) => (v === null || v === undefined ? '-' : String(v)))),
  ];
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells
    .map((r) =>
      r
        .map((v, i) => v.padEnd(w[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `[#####.....]  5/10 label` on stderr: redrawn in place on a terminal, one line per step otherwise. */
export function progressLine(done: number, total: number, label: string, width = 20): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
}

export function progress(done: number, total: number, label: string): void {
  const line = progressLine(done, total, label);
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}${done === total ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}

export type Opts = { url?: string; tokenFile?: string; json?: boolean };
export const print = (o: unknown) => console.log(JSON.stringify(o, null, 2));

/** Runs a command; its number (or 0) is the exit code, a CliError prints and sets its own. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<unknown>) {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = typeof code === 'number' ? code : EXIT.ok;
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      console.error(`pickline: ${e.message}`);
      process.exitCode = e.exitCode;
    }
  };
}

export function withConn(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      'controller API base URL (default $PICKLINE_URL or http://127.0.0.1:8080)',
    )
    .option('--token-file <file>', 'file whose first line is the token (default $PICKLINE_TOKEN)')
    .option('--json', 'print JSON for scripts');
}
