/**
 * Loads and checks the site configuration (CONTRACTS.md §5): YAML from a file,
 * environment overrides, locations imported from CSV, the schema, then the
 * cross references. Every problem is collected; nothing starts unless the
 * list is empty. Problems print as `path: message`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type ErrorDetail, PicklineError } from '../kernel/errors.ts';
import { type ModuleAddress, moduleKey, parseAddress } from '../kernel/module-ref.ts';
import { amqpProblems } from './amqp.ts';
import { parseLocationsCsv } from './csv.ts';
import { mqttProblems } from './mqtt-check.ts';
import { busCapabilities, DEFAULT_PALETTE, paletteProblems, zonePalette } from './palette.ts';
import type { Profile } from './profile-schema.ts';
import { loadProfiles } from './profiles.ts';
import { COLORS, SiteConfig, type Transport } from './schema.ts';
import { hashProblem, SECRET_HASH_PATTERN } from './secret.ts';
import { addressProblem, transportSpec } from './transports/index.ts';
import { makeAjv, pointerToDotted, validateAll } from './validate.ts';

const checkSchema = makeAjv({ useDefaults: true }).compile(SiteConfig);

export interface LoadedConfig {
  config: SiteConfig;
  file: string;
  profiles: Map<string, Profile>;
}

export type Env = Record<string, string | undefined>;

/** Reads, overrides, validates. Throws CONFIG_UNREADABLE / CONFIG_INVALID with every problem as a detail. */
export function loadConfig(
  file: string,
  env: Env = process.env,
  profiles = loadProfiles(),
): LoadedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'), { prettyErrors: true });
  } catch (e) {
    throw new PicklineError('CONFIG_UNREADABLE', `${file}: ${(e as Error).message}`);
  }
  return checkConfig(raw, { file, env, profiles });
}

export function checkConfig(
  raw: unknown,
  opts: { file?: string; env?: Env; profiles?: Map<string, Profile> } = {},
): LoadedConfig {
  const file = opts.file ?? '(inline)';
  const env = opts.env ?? {};
  const profiles = opts.profiles ?? loadProfiles();
  const problems: ErrorDetail[] = [];
  const doc = structuredClone(raw) as Record<string, unknown>;
  if (doc && typeof doc === 'object') applyEnv(doc, env, problems);
  if (doc && typeof doc === 'object' && Array.isArray(doc.zones))
    importCsv(doc.zones, idBuses(doc.buses), dirname(resolve(file)), problems);
  const r = validateAll<SiteConfig>(checkSchema, doc);
  if (!r.ok) problems.push(...r.errors);
  // Cross references are checked even when the schema failed, so a
  // technician sees every problem in one run; malformed parts are skipped.
  try {
    if (doc && typeof doc === 'object') {
      const site = doc as unknown as SiteConfig;
      problems.push(...referenceProblems(site, profiles));
      problems.push(...paletteProblems(site, busCapabilities(site, profiles)));
      problems.push(...hashProblems(site));
      problems.push(...tlsFiles(site, dirname(resolve(file))));
    }
  } catch {
    // a shape the schema already reported
  }
  if (problems.length > 0) {
    throw new PicklineError(
      'CONFIG_INVALID',
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      problems.map((p) => ({ path: pointerToDotted(p.path), message: p.message })),
    );
  }
  const config = (r as { value: SiteConfig }).value;
  // a zone without `colors` lights in the default colours its modules can show (config/palette.ts)
  const caps = busCapabilities(config, profiles);
  for (const z of config.zones) {
    const palette = zonePalette(z, caps);
    if (!z.colors && palette.length !== DEFAULT_PALETTE.length) z.colors = palette;
  }
  if (file !== '(inline)') {
    const storage = config.storage;
    if (storage.path !== ':memory:') storage.path = resolve(dirname(resolve(file)), storage.path);
    if (storage.backups) storage.backups.dir = resolve(dirname(resolve(file)), storage.backups.dir);
  }
  return { config, file, profiles };
}

/** `pinHash` and `secretHash` in the one accepted format (config/secret.ts). */
function hashProblems(c: SiteConfig): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const check = (h: unknown, path: string) => {
    const why = typeof h === 'string' ? hashProblem(h) : null;
    if (why) out.push({ path, message: `${why} (make one with bin/hash-secret.ts)` });
  };
  (Array.isArray(c.operators) ? c.operators : []).forEach((o, i) => {
    check(o?.pinHash, `/operators/${i}/pinHash`);
  });
  for (const kind of ['modules', 'scanners'] as const) {
    const list = c.mqtt?.[kind];
    (Array.isArray(list) ? list : []).forEach((d, i) => {
      // the schema's pattern already named what is not scrypt$…$…$… at all
      if (typeof d?.secretHash === 'string' && new RegExp(SECRET_HASH_PATTERN).test(d.secretHash))
        check(d.secretHash, `/mqtt/${kind}/${i}/secretHash`);
    });
  }
  return out;
}

/** `api.tls` files, resolved against the config file's folder (as `storage.path`). */
function tlsFiles(c: SiteConfig, base: string): ErrorDetail[] {
  const tls = c.api?.tls;
  if (!tls || typeof tls !== 'object') return [];
  const out: ErrorDetail[] = [];
  for (const k of ['cert', 'key'] as const) {
    if (typeof tls[k] !== 'string') continue;
    tls[k] = resolve(base, tls[k]);
    if (!existsSync(tls[k]))
      out.push({ path: `/api/tls/${k}`, message: `file not found: ${tls[k]}` });
  }
  return out;
}

function applyEnv(doc: Record<string, unknown>, env: Env, problems: ErrorDetail[]): void {
  if (env.PICKLINE_API_PORT !== undefined) {
    const port = Number(env.PICKLINE_API_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      problems.push({
        path: '/api/port',
        message: `PICKLINE_API_PORT="${env.PICKLINE_API_PORT}" is not a port number`,
      });
    } else {
      doc.api = { ...((doc.api as object) ?? {}), port };
    }
  }
  if (env.PICKLINE_DB) doc.storage = { ...((doc.storage as object) ?? {}), path: env.PICKLINE_DB };
}

/** Buses whose transport addresses modules by id (its spec's `addressing`). */
function idBuses(buses: unknown): Set<string> {
  const out = new Set<string>();
  for (const b of Array.isArray(buses) ? buses : []) {
    const { id, transport } = (b ?? {}) as { id?: unknown; transport?: unknown };
    if (typeof id === 'string' && transportSpec(transport)?.addressing === 'id') out.add(id);
  }
  return out;
}

function importCsv(
  zones: unknown[],
  ids: ReadonlySet<string>,
  base: string,
  problems: ErrorDetail[],
): void {
  zones.forEach((z, i) => {
    if (!z || typeof z !== 'object') return;
    const zone = z as { id?: string; locationsCsv?: unknown; locations?: unknown[] };
    if (typeof zone.locationsCsv !== 'string') return;
    const path = resolve(base, zone.locationsCsv);
    if (!existsSync(path)) {
      problems.push({ path: `/zones/${i}/locationsCsv`, message: `file not found: ${path}` });
      return;
    }
    const { rows, errors } = parseLocationsCsv(readFileSync(path), zone.id, ids);
    for (const e of errors)
      problems.push({ path: `/zones/${i}/locationsCsv`, message: `${zone.locationsCsv}:${e}` });
    zone.locations = [...(Array.isArray(zone.locations) ? zone.locations : []), ...rows];
  });
}

/** References the schema cannot express. */
function referenceProblems(c: SiteConfig, profiles: Map<string, Profile>): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const buses = new Map<string, number>();
  const transports = new Map<string, Transport>();
  (Array.isArray(c.buses) ? c.buses : []).forEach((b, i) => {
    if (!b || typeof b !== 'object' || typeof b.id !== 'string') return;
    const at = `/buses/${i}`;
    if (buses.has(b.id)) out.push({ path: `${at}/id`, message: `duplicate bus id "${b.id}"` });
    buses.set(b.id, i);
    if (transportSpec(b.transport)) transports.set(b.id, b.transport);
    // the schema checks each transport's own fields; profiles are data loaded beside it
    if ('profile' in b && typeof b.profile === 'string' && !profiles.has(b.profile)) {
      out.push({
        path: `${at}/profile`,
        message: `unknown profile "${b.profile}" (have: ${[...profiles.keys()].join(', ')})`,
      });
    }
  });
  const zoneIds = new Set<string>();
  const locIds = new Map<string, string>();
  const modules = new Map<string, string>();
  const useModule = (bus: string, address: ModuleAddress, path: string, what: string) => {
    if (!buses.has(bus)) {
      out.push({ path: `${path}/bus`, message: `unknown bus "${bus}"` });
      return;
    }
    const transport = transports.get(bus);
    // what the schema rejects (out of 1..247, not a module id) it reported already
    const checked =
      typeof address === 'string'
        ? typeof parseAddress(address) === 'string'
        : address >= 1 && address <= 247;
    const wrong = transport && checked ? addressProblem(transport, bus, address) : null;
    if (wrong) {
      out.push({ path: `${path}/address`, message: wrong });
      return;
    }
    const key = moduleKey({ bus, address });
    const prior = modules.get(key);
    if (prior)
      out.push({
        path: `${path}/address`,
        message: `bus "${bus}" address ${address} is already used by ${prior}`,
      });
    else modules.set(key, what);
  };
  (Array.isArray(c.zones) ? c.zones : []).forEach((z, i) => {
    if (!z || typeof z !== 'object') return;
    const at = `/zones/${i}`;
    if (zoneIds.has(z.id)) out.push({ path: `${at}/id`, message: `duplicate zone id "${z.id}"` });
    zoneIds.add(z.id);
    if (z.doneIndicator && typeof z.doneIndicator.bus === 'string')
      useModule(
        z.doneIndicator.bus,
        z.doneIndicator.address,
        `${at}/doneIndicator`,
        `done indicator of zone ${z.id}`,
      );
    const locs = Array.isArray(z.locations) ? z.locations : [];
    if (locs.length === 0)
      out.push({ path: `${at}/locations`, message: 'a zone needs at least one location' });
    locs.forEach((l, j) => {
      if (!l || typeof l !== 'object' || typeof l.id !== 'string') return;
      const lat = `${at}/locations/${j}`;
      const prior = locIds.get(l.id);
      if (prior)
        out.push({
          path: `${lat}/id`,
          message: `duplicate location id "${l.id}" (also ${pointerToDotted(prior)})`,
        });
      else locIds.set(l.id, lat);
      const wired = l.bus !== undefined || l.address !== undefined;
      if (z.mode !== 'voice' && (l.bus === undefined || l.address === undefined)) {
        out.push({ path: lat, message: `a location of a ${z.mode} zone needs bus and address` });
      } else if (wired && (l.bus === undefined || l.address === undefined)) {
        out.push({ path: lat, message: 'bus and address go together' });
      }
      if (typeof l.bus === 'string' && l.address !== undefined)
        useModule(l.bus, l.address, lat, `location ${l.id}`);
      if (z.mode === 'voice' && !l.checkDigits)
        out.push({ path: `${lat}/checkDigits`, message: 'is required in a voice zone' });
    });
  });
  const opIds = new Set<string>();
  (Array.isArray(c.operators) ? c.operators : []).forEach((o, i) => {
    if (!o || typeof o !== 'object') return;
    if (opIds.has(o.id))
      out.push({ path: `/operators/${i}/id`, message: `duplicate operator id "${o.id}"` });
    opIds.add(o.id);
    if (!o.pin && !o.pinHash)
      out.push({ path: `/operators/${i}`, message: 'needs pin or pinHash' });
  });
  checkScanners(c, opIds, busCapabilities(c, profiles), out);
  out.push(...mqttProblems(c));
  out.push(...amqpProblems(c.site, c.amqp));
  const hooks = new Set<string>();
  (Array.isArray(c.webhooks) ? c.webhooks : []).forEach((w, i) => {
    if (!w || typeof w.url !== 'string') return;
    if (hooks.has(w.url))
      out.push({ path: `/webhooks/${i}/url`, message: 'the same url is configured twice' });
    hooks.add(w.url);
  });
  const tokens = new Map<string, string>();
  for (const [role, list] of Object.entries(c.api?.tokens ?? {})) {
    for (const t of Array.isArray(list) ? list : []) {
      if (tokens.has(t) && tokens.get(t) !== role) {
        out.push({
          path: `/api/tokens/${role}`,
          message: `a token is also listed under role ${tokens.get(t)}`,
        });
      }
      tokens.set(t, role);
    }
  }
  return out;
}

/**
 * Scanners: unique ids, a pick zone or put wall of the site, a configured
 * operator as picker (when operators are configured), a colour of the zone.
 */
function checkScanners(
  c: SiteConfig,
  operators: Set<string>,
  caps: ReturnType<typeof busCapabilities>,
  out: ErrorDetail[],
): void {
  const zones = new Map((Array.isArray(c.zones) ? c.zones : []).map((z) => [z?.id, z]));
  const ids = new Set<string>();
  (Array.isArray(c.scanners) ? c.scanners : []).forEach((s, i) => {
    if (!s || typeof s !== 'object') return;
    const at = `/scanners/${i}`;
    if (ids.has(s.id)) out.push({ path: `${at}/id`, message: `duplicate scanner id "${s.id}"` });
    ids.add(s.id);
    const zone = zones.get(s.zone);
    if (!zone) out.push({ path: `${at}/zone`, message: `unknown zone "${s.zone}"` });
    else if (zone.mode === 'voice')
      out.push({
        path: `${at}/zone`,
        message: `zone "${s.zone}" is a voice zone: it has no lights`,
      });
    else if (s.color) {
      // without `colors`: the default palette its modules can show (config/palette.ts)
      const palette = zonePalette(zone, caps);
      const colors = zone.colors ?? COLORS.filter((k) => palette.includes(k));
      if (!colors.includes(s.color))
        out.push({
          path: `${at}/color`,
          message: `is not one of zone ${zone.id}'s colours (${colors.join(', ')})`,
        });
    }
    if (operators.size > 0 && !operators.has(s.picker))
      out.push({ path: `${at}/picker`, message: `"${s.picker}" is not a configured operator` });
  });
}
