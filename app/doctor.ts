/**
 * `pickline doctor [--config FILE]`: checks a box before the first shift
 * (README "Running as a service"). Each check is ✓, ✗ (with the fix) or
 * skipped (–, not applicable or cannot be told here); any ✗ makes the exit
 * code 1. It changes nothing: the store is opened read-only, ports are only
 * bound for a moment when no controller runs on this store.
 *
 * Longer than 350 lines: a flat list of independent checks (config, store,
 * ports, speech, service unit, backups), each a few lines; splitting would
 * scatter one checklist.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import type { SiteConfig } from '../config/schema.ts';
import { transportSpec } from '../config/transports/index.ts';
import { BATCH_PROGRAM, MODEL_DIR } from '../controller/speech/recogniser.ts';
import { CODE_SCHEMA_VERSION } from '../controller/store/restore.ts';
import { isPicklineError } from '../kernel/errors.ts';

export interface Check {
  name: string;
  /** null: skipped */
  ok: boolean | null;
  detail: string;
  fix?: string;
}

const CONNECT_MS = 2000;
const MIN_FREE_BYTES = 200 * 1024 * 1024;

export async function doctor(configFile: string): Promise<Check[]> {
  const out: Check[] = [];
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(configFile);
  } catch (e) {
    const details = isPicklineError(e) ? e.details.map((d) => `${d.path}: ${d.message}`) : [];
    out.push({
      name: 'config',
      ok: false,
      detail: [(e as Error).message, ...details].join('; '),
      fix: `correct ${configFile} (pickline check-config ${configFile} lists every problem)`,
    });
    return out;
  }
  const c = loaded.config;
  out.push({
    name: 'config',
    ok: true,
    detail: `${loaded.file}: site ${c.site}, ${c.zones.length} zones, ${c.buses.length} buses`,
  });
  const major = Number(process.versions.node.split('.')[0]);
  out.push({
    name: 'node',
    ok: major >= 20,
    detail: `Node.js ${process.versions.node}`,
    fix: 'install Node.js 20 or newer',
  });
  out.push(...storeChecks(c));
  const running = lockHeld(c.storage.path);
  out.push(...serialChecks(c));
  out.push(...(await endpointChecks(c)));
  out.push(...(await listenChecks(c, running)));
  out.push(...packageChecks(c));
  out.push(clockCheck(c));
  return out;
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The nearest directory that exists (the store's directory is created at start). */
function existingDir(p: string): string {
  let d = dirname(p);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

function lockHeld(path: string): boolean {
  if (path === ':memory:' || !existsSync(`${path}.lock`)) return false;
  try {
    const db = new Database(`${path}.lock`, { timeout: 0 });
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
      return false;
    } finally {
      db.close();
    }
  } catch (e) {
    return String((e as { code?: string }).code).startsWith('SQLITE_BUSY');
  }
}

function storeChecks(c: SiteConfig): Check[] {
  const path = c.storage.path;
  if (path === ':memory:') return [{ name: 'store', ok: null, detail: 'in memory (nothing kept)' }];
  const out: Check[] = [];
  const dir = existingDir(path);
  const files = [dir, path, `${path}-wal`, `${path}-shm`, `${path}.lock`].filter(
    (f, i) => i === 0 || existsSync(f),
  );
  const blocked = files.filter((f) => !writable(f));
  out.push({
    name: 'store writable',
    ok: blocked.length === 0,
    detail: blocked.length ? `not writable: ${blocked.join(', ')}` : `${path} (directory ${dir})`,
    fix: `give the service user write access: chown -R pickline:pickline ${dir}`,
  });
  if (existsSync(path)) {
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        const v =
          (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number })
            .v ?? 0;
        out.push({
          name: 'store schema',
          ok: v <= CODE_SCHEMA_VERSION,
          detail:
            v === CODE_SCHEMA_VERSION
              ? `v${v} (current)`
              : v < CODE_SCHEMA_VERSION
                ? `v${v}: upgraded to v${CODE_SCHEMA_VERSION} at the next start (a copy is made first)`
                : `v${v} is newer than this Pickline (v${CODE_SCHEMA_VERSION})`,
          fix: 'upgrade Pickline, or restore a backup made by this version (pickline restore FILE)',
        });
      } finally {
        db.close();
      }
    } catch (e) {
      // a WAL store cannot be opened, not even read-only, without write access to its directory
      if (blocked.length > 0)
        out.push({
          name: 'store schema',
          ok: null,
          detail: 'cannot be read without write access (see store writable)',
        });
      else
        out.push({
          name: 'store schema',
          ok: false,
          detail: `cannot read ${path}: ${(e as Error).message}`,
          fix: 'restore the last backup (pickline restore FILE)',
        });
    }
  } else
    out.push({ name: 'store schema', ok: true, detail: 'new store, created at the first start' });
  try {
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    out.push({
      name: 'disk space',
      ok: free >= MIN_FREE_BYTES,
      detail: `${Math.round(free / 2 ** 20)} MiB free in ${dir}`,
      fix: 'free disk space (old backups, logs) or move storage.path to a larger disk',
    });
  } catch {
    // statfs is not on every platform
  }
  const b = c.storage.backups;
  if (b)
    out.push({
      name: 'backup directory',
      ok: existsSync(b.dir) && writable(b.dir),
      detail: existsSync(b.dir)
        ? `${b.dir}${writable(b.dir) ? '' : ' is not writable'}`
        : `${b.dir} missing`,
      fix: `mkdir -p ${b.dir} && chown pickline:pickline ${b.dir}`,
    });
  return out;
}

function groupName(gid: number): string {
  try {
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(gid));
    return line?.split(':')[0] ?? String(gid);
  } catch {
    return String(gid);
  }
}

function serialChecks(c: SiteConfig): Check[] {
  return c.buses
    .filter((b) => b.transport === 'modbus-rtu')
    .map((b) => {
      const path = (b as { path: string }).path;
      const name = `serial ${b.id}`;
      if (!existsSync(path))
        return {
          name,
          ok: false,
          detail: `${path} does not exist`,
          fix: 'plug in the RS-485 adapter and check the path (ls -l /dev/serial/by-id/); prefer the by-id name',
        };
      const st = statSync(path);
      let access = true;
      try {
        accessSync(path, constants.R_OK | constants.W_OK);
      } catch {
        access = false;
      }
      const group = groupName(st.gid);
      return {
        name,
        ok: access,
        detail: `${path}${st.isCharacterDevice() ? '' : ' (not a character device)'}, group ${group}${access ? '' : ': no read/write access'}`,
        fix: `add the service user to group ${group}: usermod -aG ${group} pickline (then restart the service)`,
      };
    });
}

function connect(host: string, port: number): Promise<string | null> {
  return new Promise((done) => {
    const s = new Socket();
    const end = (err: string | null) => {
      s.destroy();
      done(err);
    };
    s.setTimeout(CONNECT_MS, () => end(`no answer within ${CONNECT_MS} ms`));
    s.once('error', (e: NodeJS.ErrnoException) => end(e.code ?? e.message));
    s.connect(port, host, () => end(null));
  });
}

async function endpointChecks(c: SiteConfig): Promise<Check[]> {
  const targets: { name: string; host: string; port: number; fix: string }[] = [];
  for (const b of c.buses) {
    // the TCP endpoint the transport dials (its spec, config/transports/); none for serial, brokers, simulated buses
    const at = transportSpec(b.transport)?.endpoint?.(b);
    if (at)
      targets.push({
        name: `${b.transport} ${b.id}`,
        host: at.host,
        port: at.port,
        fix: `check the controller/gateway at ${at.host}:${at.port} is powered, cabled and on that address`,
      });
  }
  const url = c.mqtt?.url;
  if (url) {
    const u = new URL(url);
    const dflt = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 }[u.protocol] ?? 1883;
    targets.push({
      name: 'mqtt broker',
      host: u.hostname,
      port: Number(u.port || dflt),
      fix: `start the broker at ${u.host} or correct mqtt.url`,
    });
  }
  for (const w of c.webhooks ?? []) {
    const u = new URL(w.url);
    targets.push({
      name: `webhook ${u.host}`,
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
      fix: `check the WMS at ${u.host} is up and reachable from this box (firewall, DNS)`,
    });
  }
  return Promise.all(
    targets.map(async (t) => {
      const err = await connect(t.host, t.port);
      const where = `${t.host}:${t.port}`;
      return {
        name: t.name,
        ok: err === null,
        detail: err ? `${where}: ${err}` : where,
        fix: t.fix,
      };
    }),
  );
}

function bindable(host: string, port: number): Promise<string | null> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    srv.listen(port, host, () => srv.close(() => done(null)));
  });
}

async function listenChecks(c: SiteConfig, running: boolean): Promise<Check[]> {
  const ports = [{ name: 'api port', host: c.api.host, port: c.api.port }];
  const e = c.mqtt?.embedded;
  if (e) ports.push({ name: 'mqtt port', host: e.host ?? '0.0.0.0', port: e.port ?? 1883 });
  return Promise.all(
    ports.map(async (p) => {
      const where = `${p.host}:${p.port}`;
      if (running)
        return { name: p.name, ok: null, detail: `${where} (a controller runs on this store)` };
      if (p.port === 0) return { name: p.name, ok: true, detail: `${p.host}: any free port` };
      const err = await bindable(p.host, p.port);
      return {
        name: p.name,
        ok: err === null,
        detail: err ? `${where}: ${err}` : `${where} free`,
        fix:
          err === 'EACCES'
            ? `ports below 1024 need a capability: use a port above 1024`
            : `stop what listens on ${where} (ss -ltnp 'sport = :${p.port}') or choose another port`,
      };
    }),
  );
}

/** Debian packages of the enabled features; without dpkg, the files they bring. */
function packageChecks(c: SiteConfig): Check[] {
  const wanted: { pkg: string; why: string; file: string }[] = [];
  if (c.speech) {
    wanted.push({ pkg: 'pocketsphinx', why: 'speech', file: `/usr/bin/${BATCH_PROGRAM}` });
    wanted.push({ pkg: 'pocketsphinx-en-us', why: 'speech', file: MODEL_DIR });
    wanted.push({ pkg: 'espeak-ng', why: 'spoken prompts', file: '/usr/bin/espeak-ng' });
  }
  if (process.env.NOTIFY_SOCKET)
    wanted.push({ pkg: 'systemd', why: 'Type=notify', file: '/usr/bin/systemd-notify' });
  return wanted.map((w) => {
    let ok: boolean;
    try {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
      const s = execFileSync('dpkg-query', ['-W', '-f=${db:Status-Status}', w.pkg], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString();
      ok = s.trim() === 'installed';
    } catch (e) {
      ok = (e as NodeJS.ErrnoException).code === 'ENOENT' ? existsSync(w.file) : false;
    }
    return {
      name: `package ${w.pkg}`,
      ok,
      detail: `${w.why}: ${ok ? 'installed' : 'missing'}`,
      fix: `apt-get install ${w.pkg}`,
    };
  });
}

/** Sane: not before this release was made, not behind the store's newest record, NTP synchronised when systemd says. */
function clockCheck(c: SiteConfig): Check {
  const now = Date.now();
  const fix = 'set the clock and enable time sync: timedatectl set-ntp true';
  const release = statSync(new URL('../package.json', import.meta.url)).mtimeMs;
  if (now < release - 86_400_000)
    return {
      name: 'clock',
      ok: false,
      detail: `${new Date(now).toISOString()} is before this release`,
      fix,
    };
  if (c.storage.path !== ':memory:' && existsSync(c.storage.path)) {
    try {
      const db = new Database(c.storage.path, { readonly: true, fileMustExist: true });
      try {
        const last = (
          db.prepare('SELECT MAX(occurred_at) AS t FROM events').get() as { t: string | null }
        ).t;
        if (last && Date.parse(last) > now + 5 * 60_000)
          return {
            name: 'clock',
            ok: false,
            detail: `${new Date(now).toISOString()} is behind the store's newest event (${last})`,
            fix,
          };
      } finally {
        db.close();
      }
    } catch {
      // the store check reports an unreadable store
    }
  }
  let ntp = '';
  try {
    ntp = execFileSync('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    })
      .toString()
      .trim();
  } catch {
    // no systemd here: cannot tell
  }
  return {
    name: 'clock',
    ok: ntp !== 'no',
    detail: `${new Date(now).toISOString()}${ntp === 'yes' ? ', NTP synchronised' : ntp === 'no' ? ', NOT synchronised' : ''}`,
    fix,
  };
}

/** The ✓/✗ table with the fix under each ✗. */
export function report(checks: Check[]): string {
  const w = Math.max(...checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const c of checks) {
    const mark = c.ok === null ? '–' : c.ok ? '✓' : '✗';
    lines.push(`${mark} ${c.name.padEnd(w)}  ${c.detail}`);
    if (c.ok === false && c.fix) lines.push(`  ${' '.repeat(w)}  fix: ${c.fix}`);
  }
  const bad = checks.filter((c) => c.ok === false).length;
  lines.push(bad ? `${bad} problem${bad === 1 ? '' : 's'} found` : 'all checks passed');
  return lines.join('\n');
}
