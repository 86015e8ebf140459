/**
 * Technician commands of the CLI, talking to a running controller's API
 * (issue 11): `pickline devices list|identify|walk-test|readdress`,
 * `pickline locations import|export`, `pickline events tail`. The controller is $PICKLINE_URL (default
 * http://127.0.0.1:8080); the token is $PICKLINE_TOKEN or the first line of
 * --token-file (never an argument: the process list would show it).
 * `--json` prints the API's answer for scripts. Exit codes: EXIT below.
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

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A request body sent as is (a CSV file), not as JSON. */
class RawBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

interface Conn {
  url: string;
  token: string | undefined;
}

function conn(opts: { url?: string; tokenFile?: string }): Conn {
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
async function call(
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
  const code =
    res.status === 401 || res.status === 403
      ? EXIT.auth
      : res.status >= 500
        ? EXIT.unavailable
        : EXIT.refused;
  throw new CliError(msg, code);
}

const getJson = async <T>(c: Conn, path: string): Promise<T> =>
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

function progress(done: number, total: number, label: string): void {
  const line = progressLine(done, total, label);
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}${done === total ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
}

interface Bus {
  id: string;
  transport: string;
  open: boolean;
  modules: number;
  online: number;
}
interface Module {
  address: number | string;
  location: string | null;
  zone: string | null;
  online: boolean;
  lastSeenAt: string | null;
  counters: { transactions: number; timeouts: number };
}
interface WalkStep {
  done: number;
  total: number;
  bus: string;
  address: number | string;
  location: string | null;
  outcome: string;
  error?: string;
}
interface WalkResult {
  tested: number;
  answered: unknown[];
  failed: { bus: string; address: number | string; location: string | null; error: string }[];
  skipped: { bus: string; address: number | string; location: string | null; reason: string }[];
  ms: number;
}

type Opts = { url?: string; tokenFile?: string; json?: boolean };
const print = (o: unknown) => console.log(JSON.stringify(o, null, 2));

/** Runs a command; its number (or 0) is the exit code, a CliError prints and sets its own. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<unknown>) {
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

function withConn(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      'controller API base URL (default $PICKLINE_URL or http://127.0.0.1:8080)',
    )
    .option('--token-file <file>', 'file whose first line is the token (default $PICKLINE_TOKEN)')
    .option('--json', 'print JSON for scripts');
}

export function registerTechnicianCommands(program: Command): void {
  const devices = program
    .command('devices')
    .description('buses and modules of a running controller (technician token)');

  withConn(
    devices
      .command('list')
      .description('modules with health and counters')
      .option('--bus <id>', 'one bus only'),
  ).action(
    action(async (o: Opts & { bus?: string }) => {
      const c = conn(o);
      const buses = (await getJson<{ buses: Bus[] }>(c, '/api/v1/technician/buses')).buses.filter(
        (b) => o.bus === undefined || b.id === o.bus,
      );
      if (o.bus !== undefined && buses.length === 0)
        throw new CliError(`no bus ${o.bus}`, EXIT.refused);
      const out: (Bus & { moduleList: Module[] })[] = [];
      for (const b of buses) {
        const mods = await getJson<{ modules: Module[] }>(
          c,
          `/api/v1/technician/buses/${encodeURIComponent(b.id)}/modules`,
        );
        out.push({ ...b, moduleList: mods.modules });
      }
      if (o.json) {
        print({ buses: out.map(({ moduleList, ...b }) => ({ ...b, modules: moduleList })) });
        return;
      }
      for (const b of out) {
        console.log(
          `${b.id}  ${b.transport}  ${b.open ? 'open' : 'CLOSED'}  ${b.online}/${b.modules} modules online`,
        );
        console.log(
          table(
            ['ADDRESS', 'LOCATION', 'ZONE', 'STATE', 'TX', 'TIMEOUTS', 'LAST SEEN'],
            b.moduleList.map((m) => [
              m.address,
              m.location,
              m.zone,
              m.online ? 'online' : 'OFFLINE',
              m.counters.transactions,
              m.counters.timeouts,
              m.lastSeenAt,
            ]),
          ),
        );
      }
    }),
  );

  withConn(
    devices
      .command('identify')
      .description('blink one module fast so it can be found')
      .argument('<bus>')
      .argument('<address>', 'unit number or module id')
      .option('--ms <n>', 'how long to blink', '3000'),
  ).action(
    action(async (bus: string, address: string, o: Opts & { ms: string }) => {
      const ms = Number(o.ms);
      if (!Number.isInteger(ms))
        throw new CliError(`--ms must be an integer, not "${o.ms}"`, EXIT.usage);
      await call(
        conn(o),
        'POST',
        `/api/v1/technician/buses/${encodeURIComponent(bus)}/modules/${encodeURIComponent(address)}/identify`,
        { ms },
      );
      if (o.json) print({ ok: true });
      else console.log(`${bus}/${address} identified`);
    }),
  );

  withConn(
    devices
      .command('walk-test')
      .description(
        'light every module of a bus or zone in turn; list those that never answered (exit 5)',
      )
      .option('--bus <id>')
      .option('--zone <id>')
      .option('--dwell <ms>', 'how long each module stays lit', '200'),
  ).action(
    action(async (o: Opts & { bus?: string; zone?: string; dwell: string }) => {
      const dwellMs = Number(o.dwell);
      if (!Number.isInteger(dwellMs))
        throw new CliError(`--dwell must be an integer, not "${o.dwell}"`, EXIT.usage);
      const res = await call(
        conn(o),
        'POST',
        '/api/v1/technician/walk-test',
        { bus: o.bus, zone: o.zone, dwellMs },
        'application/x-ndjson',
      );
      let result: WalkResult | null = null;
      let buf = '';
      const decoder = new TextDecoder();
      const handle = (line: string) => {
        if (line.trim() === '') return;
        const m = JSON.parse(line) as {
          step?: WalkStep;
          result?: WalkResult;
          error?: { code: string; message: string };
        };
        if (m.step && !o.json) {
          const s = m.step;
          progress(s.done, s.total, `${s.bus}/${s.address} ${s.location ?? ''} ${s.outcome}`);
        }
        if (m.result) result = m.result;
        if (m.error)
          throw new CliError(
            `walk test broke off: ${m.error.code}: ${m.error.message}`,
            EXIT.unavailable,
          );
      };
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) handle(l);
      }
      handle(buf);
      const r = result as WalkResult | null;
      if (!r) throw new CliError('the walk test answer ended without a result', EXIT.unavailable);
      if (o.json) print(r);
      else {
        console.log(
          `walk test: ${r.tested} tested, ${r.answered.length} answered, ${r.failed.length} failed, ${r.skipped.length} skipped (${r.ms} ms)`,
        );
        if (r.failed.length > 0)
          console.log(
            table(
              ['BUS', 'ADDRESS', 'LOCATION', 'ERROR'],
              r.failed.map((f) => [f.bus, f.address, f.location, f.error]),
            ),
          );
        if (r.skipped.length > 0)
          console.log(
            table(
              ['BUS', 'ADDRESS', 'LOCATION', 'SKIPPED'],
              r.skipped.map((f) => [f.bus, f.address, f.location, f.reason]),
            ),
          );
      }
      return r.failed.length > 0 ? EXIT.modulesFailed : EXIT.ok;
    }),
  );

  withConn(
    devices
      .command('readdress')
      .description(
        'give a module a new unit number (the target is probed first; some modules need their confirm key)',
      )
      .argument('<bus>')
      .argument('<address>', 'current unit number')
      .argument('[to]', 'new unit number 1..247')
      .option('--cancel', 'cancel an armed re-address instead'),
  ).action(
    action(
      async (
        bus: string,
        address: string,
        to: string | undefined,
        o: Opts & { cancel?: boolean },
      ) => {
        const path = `/api/v1/technician/buses/${encodeURIComponent(bus)}/modules/${encodeURIComponent(address)}/address`;
        const c = conn(o);
        if (o.cancel) {
          const r = await (await call(c, 'DELETE', path)).json();
          if (o.json) print(r);
          else
            console.log(
              (r as { disarmed: boolean }).disarmed
                ? 're-address cancelled'
                : 'nothing to cancel: the module no longer answers at its old address',
            );
          return;
        }
        const n = Number(to);
        if (to === undefined || !Number.isInteger(n))
          throw new CliError('give the new unit number (1..247)', EXIT.usage);
        const r = (await (await call(c, 'POST', path, { to: n })).json()) as {
          needsKeyPress?: boolean;
          expiresAt?: string;
        };
        if (o.json) print(r);
        else if (r.needsKeyPress)
          console.log(
            `press the confirm key on ${bus}/${address} before ${r.expiresAt} to move it to ${n}; then update the site config`,
          );
        else console.log(`${bus}/${address} is now ${bus}/${n}; update the site config`);
      },
    ),
  );

  const locations = program
    .command('locations')
    .description('locations of a running controller (technician token)');
  withConn(
    locations
      .command('export')
      .description('print every location as CSV (the columns import takes), or JSON with --json'),
  ).action(
    action(async (o: Opts) => {
      const c = conn(o);
      if (o.json) print(await getJson(c, '/api/v1/technician/locations'));
      else
        process.stdout.write(
          await (
            await call(c, 'GET', '/api/v1/technician/locations?format=csv', undefined, 'text/csv')
          ).text(),
        );
    }),
  );
  withConn(
    locations
      .command('import')
      .description(
        'import locations from a CSV file: all rows or none; bad rows listed with their line (exit 2)',
      )
      .argument('<file>', 'CSV with header location,bus,address,checkDigits,zone'),
  ).action(
    action(async (file: string, o: Opts) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as Error).message}`, EXIT.usage);
      }
      const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '').length - 1;
      if (!o.json) progress(0, 1, `checking ${rows} rows of ${file}`);
      const r = (await (
        await call(conn(o), 'POST', '/api/v1/technician/locations', new RawBody(text, 'text/csv'))
      ).json()) as { imported: number; added: number; changed: number; unchanged: number };
      if (o.json) print(r);
      else {
        progress(1, 1, 'imported');
        console.log(
          `imported ${r.imported} locations: ${r.added} new, ${r.changed} changed, ${r.unchanged} unchanged (until restart: put the export in the site file to keep them)`,
        );
      }
    }),
  );

  const events = program.command('events').description('the event feed of a running controller');
  withConn(
    events
      .command('tail')
      .description('print events (viewer, wms or technician token); --follow waits for new ones')
      .option('--after <seq>', 'events after this sequence number (default: the last --lines)')
      .option('-n, --lines <n>', 'how many past events to show', '20')
      .option('--type <types>', 'comma-separated event types')
      .option('-f, --follow', 'keep printing new events until interrupted')
      .option('--interval <ms>', 'poll interval with --follow', '1000'),
  ).action(
    action(
      async (
        o: Opts & {
          after?: string;
          lines: string;
          type?: string;
          follow?: boolean;
          interval: string;
        },
      ) => {
        const c = conn(o);
        let after: number;
        if (o.after !== undefined) after = Number(o.after);
        else {
          const s = await getJson<{ lastEventSeq: number }>(c, '/api/v1/status');
          after = Math.max(0, s.lastEventSeq - Number(o.lines));
        }
        if (!Number.isInteger(after) || after < 0)
          throw new CliError('--after must be a sequence number', EXIT.usage);
        const type = o.type ? `&type=${encodeURIComponent(o.type)}` : '';
        let stop = false;
        process.once('SIGINT', () => {
          stop = true;
        });
        for (;;) {
          const page = await getJson<{
            events: { seq: number; type: string; occurredAt: string; data: unknown }[];
            next: number;
          }>(c, `/api/v1/events?after=${after}&limit=1000${type}`);
          for (const e of page.events)
            console.log(
              o.json
                ? JSON.stringify(e)
                : `${e.seq}  ${e.occurredAt}  ${e.type.padEnd(15)}  ${JSON.stringify(e.data)}`,
            );
          after = page.next;
          if (page.events.length === 1000) continue;
          if (!o.follow || stop) return;
          await new Promise((r) => setTimeout(r, Number(o.interval)));
          if (stop) return;
        }
      },
    ),
  );
}
