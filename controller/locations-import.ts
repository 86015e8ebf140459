/**
 * Locations import and export for technicians (contract-extensions.md §1 "locations"), CSV as in the site
 * file (`location,bus,address,checkDigits,zone`, extra `aisle`,`slot`;
 * CONTRACTS.md §5). An import re-slots the running floor: each row replaces
 * the location of that id or adds one, on modules the site file already
 * wires. Every bad row is reported with its line; nothing is applied unless
 * all rows are good. The site file stays the truth: an import lasts until the
 * controller restarts, and the export is what to put in the file. The body
 * is taken as bytes: invalid UTF-8 and control characters are refused with
 * their line (config/csv.ts), never read as U+FFFD.
 */

import { parseLocationRows } from '../config/csv.ts';
import { type ErrorDetail, PicklineError } from '../kernel/errors.ts';
import { moduleKey } from '../kernel/module-ref.ts';
import { type Location, type Site, toLocation } from './site.ts';
import { type Store, stmt } from './store/db.ts';
import { syncLocations } from './store/locations.ts';

export interface ImportResult {
  imported: number;
  added: number;
  changed: number;
  unchanged: number;
}

const HEADER = ['location', 'bus', 'address', 'checkDigits', 'zone', 'aisle', 'slot'];

/**
 * One exported cell. The import's rules keep formula-like text out of the
 * site (config/schema.ts LocationConfig); should one get here anyway, it is
 * defused with a leading `'` (OWASP "CSV injection") and control characters
 * are dropped, so the export never hands a spreadsheet a formula.
 */
export function cell(v: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  let s = v === null || v === undefined ? '' : String(v).replace(/[\x00-\x1f\x7f-\x9f]/g, '');
  if (/^[=+\-@\t\r]/.test(String(v ?? ''))) s = `'${s}`;
  return /[",]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Every location of the running site, zone by zone, as CSV the import takes back. */
export function locationsCsv(site: Site): string {
  const rows = [...site.zones.values()].flatMap((z) =>
    z.locations.map((l) => [l.id, l.bus, l.address, l.checkDigits, l.zone, l.aisle, l.slot]),
  );
  return `${[HEADER, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

const same = (a: Location, b: Location) =>
  a.zone === b.zone &&
  a.bus === b.bus &&
  a.address === b.address &&
  a.checkDigits === b.checkDigits &&
  a.aisle === b.aisle &&
  a.slot === b.slot;

/** The rows as locations; LOCATIONS_REJECTED with one `line N` detail per problem. */
export function checkImport(store: Store, site: Site, csv: string | Uint8Array): Location[] {
  const { rows, errors } = parseLocationRows(csv, site.idBuses);
  const problems: ErrorDetail[] = errors.map((e) => {
    const m = /^(\d+): (.*)$/s.exec(e);
    return m ? { path: `line ${m[1]}`, message: m[2] } : { path: 'file', message: e };
  });
  const bad = (line: number, message: string) => problems.push({ path: `line ${line}`, message });
  // a row the parser already faulted is reported once, for that
  const faulted = new Set(problems.map((p) => p.path));
  const ids = new Map<string, number>();
  const modules = new Map<string, { line: number; id: string }>();
  const out: Location[] = [];
  const wired = new Map(site.modules.map((m) => [moduleKey(m), m]));
  const openLines = (id: string) =>
    (
      stmt(
        store.db,
        `SELECT (SELECT COUNT(*) FROM lines WHERE location = ? AND status IN ('open','lit'))
          + (SELECT COUNT(*) FROM orders WHERE cubby = ? AND status IN ('open','active')) AS n`,
      ).get(id, id) as { n: number }
    ).n;
  for (const r of rows) {
    const at = r.line;
    if (faulted.has(`line ${at}`)) continue;
    if (ids.has(r.id)) bad(at, `location ${r.id} is also on line ${ids.get(r.id)}`);
    ids.set(r.id, at);
    const old = site.locations.get(r.id);
    const zoneId = r.zone ?? old?.zone;
    if (zoneId === undefined) {
      bad(at, `zone is empty (new location ${r.id} needs one)`);
      continue;
    }
    const zone = site.zones.get(zoneId);
    if (!zone) {
      bad(at, `no zone ${zoneId}`);
      continue;
    }
    const loc = toLocation(zone, r);
    if (zone.mode === 'voice') {
      if (loc.bus !== null || loc.address !== null)
        bad(at, `zone ${zone.id} is a voice zone: its locations have no bus or address`);
    } else if (loc.bus === null || loc.address === null) {
      bad(at, `a ${zone.mode} location needs bus and address`);
    } else {
      const key = moduleKey({ bus: loc.bus, address: loc.address });
      const w = wired.get(key);
      if (!w) bad(at, `module ${key} is not wired in the site file (new modules go there)`);
      else if (w.kind === 'done-indicator')
        bad(at, `module ${key} is the done indicator of zone ${w.zone}`);
      const other = modules.get(key);
      if (other) bad(at, `module ${key} is also location ${other.id} on line ${other.line}`);
      modules.set(key, { line: at, id: r.id });
    }
    if (old && !same(old, loc) && openLines(r.id) > 0)
      bad(at, `location ${r.id} has open lines or an open put order: finish or cancel them first`);
    out.push(loc);
  }
  // a module the file gives to a location must not stay another's that the file does not move
  for (const [key, { line, id }] of modules) {
    const holder = site.byModule.get(key);
    if (holder && holder.id !== id && !ids.has(holder.id))
      bad(line, `module ${key} is location ${holder.id}, which this file does not move`);
  }
  if (rows.length === 0 && problems.length === 0)
    problems.push({ path: 'file', message: 'no rows' });
  if (problems.length > 0) {
    problems.sort((a, b) => Number(a.path.slice(5)) - Number(b.path.slice(5)));
    throw new PicklineError(
      'LOCATIONS_REJECTED',
      `${problems.length} problem(s) in the CSV: nothing was imported`,
      problems,
    );
  }
  return out;
}

/** Checks, then applies all rows at once (site and store); LOCATIONS_REJECTED changes nothing. */
export function importLocations(store: Store, site: Site, csv: string | Uint8Array): ImportResult {
  const rows = checkImport(store, site, csv);
  const r: ImportResult = { imported: rows.length, added: 0, changed: 0, unchanged: 0 };
  for (const l of rows) {
    const old = site.locations.get(l.id);
    if (!old) r.added++;
    else if (same(old, l)) r.unchanged++;
    else r.changed++;
  }
  site.setLocations(rows);
  syncLocations(store, site);
  return r;
}
