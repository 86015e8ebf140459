/**
 * Location import from CSV (CONTRACTS.md §5): header
 * `location,bus,address,checkDigits,zone` (any order, extra columns
 * `aisle`,`slot` allowed). Sites keep slotting in spreadsheets, so quoted
 * fields and CRLF line ends are accepted. An address is a unit number, or a
 * module id on the buses named in `idBuses` (MQTT buses, kernel/module-ref.ts).
 *
 * One rule set with the site file: each row is checked against the site
 * schema's `LocationConfig` (ids, check digits, aisle and slot: no cell a
 * spreadsheet takes for a formula). Before that the bytes must be UTF-8
 * without control characters (NUL, tab, a lone CR, DEL, C1) and without
 * U+FFFD (what a client's lossy decoding of Latin-1 leaves); each line that
 * is not is reported with its number and its row skipped. Problems are
 * `line: message` strings.
 */
import type { ValidateFunction } from 'ajv';
import { type ModuleAddress, parseAddress } from '../kernel/module-ref.ts';
import { LocationConfig } from './schema.ts';
import { collectErrors, makeAjv } from './validate.ts';

export interface CsvLocation {
  id: string;
  bus?: string;
  address?: ModuleAddress;
  checkDigits?: string;
  aisle?: string;
  slot?: string;
}

export function parseLocationsCsv(
  input: string | Uint8Array,
  zoneId?: string,
  idBuses: ReadonlySet<string> = new Set(),
): { rows: CsvLocation[]; errors: string[] } {
  const { rows, errors } = parseLocationRows(input, idBuses, zoneId);
  return { rows: rows.map(({ line: _l, zone: _z, ...r }) => r), errors };
}

/** A row with its line number (1 = the header) and its `zone` column. */
export type CsvLocationRow = CsvLocation & { line: number; zone?: string };

let checkLocation: ValidateFunction | null = null;

/**
 * The file as lines (line n at index n − 1, line ends removed), with one
 * `n: message` per line that is not UTF-8 or holds a control character;
 * such a line is returned empty.
 */
export function csvLines(input: string | Uint8Array): { lines: string[]; errors: string[] } {
  const errors: string[] = [];
  let lines: string[];
  if (typeof input === 'string') lines = input.split('\n');
  else {
    const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    lines = [];
    for (let start = 0, n = 1; start <= input.length; n++) {
      let end = input.indexOf(0x0a, start);
      if (end < 0) end = input.length;
      try {
        lines.push(utf8.decode(input.subarray(start, end)));
      } catch {
        errors.push(`${n}: not valid UTF-8 (save the file as UTF-8)`);
        lines.push('');
      }
      start = end + 1;
    }
  }
  if (lines[0]?.startsWith('\uFEFF')) lines[0] = lines[0].slice(1);
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    lines[i] = line;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
    const c = /[\x00-\x1f\x7f-\x9f]/.exec(line);
    if (!c && line.includes('\uFFFD')) {
      // what a client's lossy decoding leaves of bytes that were not UTF-8
      errors.push(
        `${i + 1}: U+FFFD in column ${line.indexOf('\uFFFD') + 1}: not valid UTF-8 where the file was read (save it as UTF-8)`,
      );
      lines[i] = '';
    }
    if (!c) return;
    const code = c[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    errors.push(`${i + 1}: control character U+${code} in column ${c.index + 1}`);
    lines[i] = '';
  });
  return { lines, errors };
}

/** Every row of the file (of `zoneId` only, when given), with line numbers; errors as `line: message`. */
export function parseLocationRows(
  input: string | Uint8Array,
  idBuses: ReadonlySet<string> = new Set(),
  zoneId?: string,
): { rows: CsvLocationRow[]; errors: string[] } {
  const { lines, errors } = csvLines(input);
  const rows: CsvLocationRow[] = [];
  if (errors.some((e) => e.startsWith('1: '))) return { rows, errors };
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  if (col('location') < 0) return { rows, errors: ['1: header must name a "location" column'] };
  checkLocation ??= makeAjv({ useDefaults: false }).compile(LocationConfig);
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const f = splitCsvLine(line).map((x) => x.trim());
    const get = (name: string) =>
      col(name) >= 0 && f[col(name)] !== '' ? f[col(name)] : undefined;
    const zone = get('zone');
    if (zoneId !== undefined && zone !== undefined && zone !== zoneId) continue; // row of another zone
    const id = get('location');
    if (!id) {
      errors.push(`${n + 1}: location is empty`);
      continue;
    }
    const row: CsvLocationRow = { id, line: n + 1 };
    const bad: string[] = [];
    let unreadable = 0;
    if (zone !== undefined) row.zone = zone;
    const bus = get('bus');
    if (bus) row.bus = bus;
    const address = get('address');
    if (address !== undefined) {
      const a = Number(address);
      const id = bus !== undefined && idBuses.has(bus) ? parseAddress(address) : null;
      if (typeof id === 'string') row.address = id;
      else if (!Number.isInteger(a)) {
        unreadable++;
        bad.push(
          `address "${address}" is not ${bus !== undefined && idBuses.has(bus) ? 'a unit number or module id' : 'an integer'}`,
        );
      } else row.address = a;
    }
    for (const k of ['checkDigits', 'aisle', 'slot'] as const) {
      const v = get(k);
      if (v !== undefined) row[k] = v;
    }
    const { line: _l, zone: _z, ...fields } = row;
    if (!checkLocation(fields))
      for (const d of collectErrors(checkLocation.errors)) {
        const field = d.path.slice(1);
        const column = field === 'id' ? 'location' : field;
        const value = (fields as Record<string, unknown>)[field];
        bad.push(`${column}${value === undefined ? '' : ` ${shown(value)}`} ${d.message}`);
      }
    errors.push(...bad.map((m) => `${n + 1}: ${m}`));
    // a row the schema refuses is left out (its problems are said once, here); one
    // with only an unreadable address stays, without it
    if (bad.length === unreadable) rows.push(row);
  }
  return { rows, errors };
}

/** A cell in a message: text quoted, at most 40 characters. */
function shown(v: unknown): string {
  if (typeof v !== 'string') return String(v);
  const s = v;
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 39)}…` : s);
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
