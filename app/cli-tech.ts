/**
 * Technician commands of the CLI, talking to a running controller's API
 * (docs/kpis.md "Technician CLI"): `pickline devices list|identify|walk-test|readdress`,
 * `pickline locations import|export`, `pickline events tail`. The controller is $PICKLINE_URL (default
 * http://127.0.0.1:8080); the token is $PICKLINE_TOKEN or the first line of
 * --token-file (never an argument: the process list would show it).
 * `--json` prints the API's answer for scripts. Exit codes: EXIT below.
 *
 * Longer than 350 lines: one commander definition per technician command
 * (devices, locations, events) with its help text and exit codes, each short;
 * one file is the CLI's table of contents.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  action,
  CliError,
  call,
  conn,
  EXIT,
  getJson,
  type Opts,
  print,
  progress,
  RawBody,
  table,
  withConn,
} from './cli-client.ts';

export { EXIT } from './cli-client.ts';

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
  /** an announced shortfall against the zone's colours (MQTT modules) */
  capabilityProblem?: string;
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
        for (const m of b.moduleList)
          if (m.capabilityProblem)
            console.log(`  ${m.address} (${m.location ?? 'no location'}): ${m.capabilityProblem}`);
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
      .command('relays')
      .description(
        'where the events stand at each receiver: webhooks and the message bus (CONTRACTS.md §6)',
      ),
  ).action(
    action(async (o: Opts) => {
      const s = await getJson<{
        lastEventSeq: number;
        webhooks: {
          url: string;
          deliveredSeq: number;
          pending: number | null;
          lastError: string | null;
        }[];
        amqp?: {
          connected: boolean;
          consuming: boolean;
          node: string | null;
          lastError: string | null;
          relay: { deliveredSeq: number; pending: number | null };
          commands: Record<string, number>;
        };
      }>(conn(o), '/api/v1/status');
      if (o.json)
        return console.log(
          JSON.stringify({
            lastEventSeq: s.lastEventSeq,
            webhooks: s.webhooks,
            amqp: s.amqp ?? null,
          }),
        );
      console.log(`last event seq ${s.lastEventSeq}`);
      for (const w of s.webhooks)
        console.log(
          `webhook ${w.url}: delivered up to ${w.deliveredSeq}, ${w.pending ?? '?'} pending${w.lastError ? `, last error: ${w.lastError}` : ''}`,
        );
      if (!s.amqp) return console.log('message bus: not configured');
      const a = s.amqp;
      const state =
        a.connected && a.consuming
          ? `connected to ${a.node}`
          : `NOT CONNECTED${a.lastError ? ` (${a.lastError})` : ''}`;
      console.log(
        `message bus: ${state}; relay confirmed up to ${a.relay.deliveredSeq}, ${a.relay.pending ?? '?'} pending; commands ${JSON.stringify(a.commands)}`,
      );
    }),
  );
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
