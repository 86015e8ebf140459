/**
 * Location import from CSV (CONTRACTS.md §5): header
 * `location,bus,address,checkDigits,zone` (any order, extra columns
 * `aisle`,`slot` allowed). Sites keep slotting in spreadsheets, so quoted
 * fields and CRLF line ends are accepted. An address is a unit number, or a
 * module id on the buses named in `idBuses` (MQTT buses, config/module-ref.ts).
 */
import { type ModuleAddress, parseAddress } from './module-ref.ts';

export interface CsvLocation {
  id: string;
  bus?: string;
  address?: ModuleAddress;
  checkDigits?: string;
  aisle?: string;
  slot?: string;
}

export function parseLocationsCsv(
  text: string,
  zoneId?: string,
  idBuses: ReadonlySet<string> = new Set(),
): { rows: CsvLocation[]; errors: string[] } {
  const { rows, errors } = parseLocationRows(text, idBuses, zoneId);
  return { rows: rows.map(({ line: _l, zone: _z, ...r }) => r), errors };
}

/** A row with its line number (1 = the header) and its `zone` column. */
export type CsvLocationRow = CsvLocation & { line: number; zone?: string };

/** Every row of the file (of `zoneId` only, when given), with line numbers; errors as `line: message`. */
export function parseLocationRows(
  text: string,
  idBuses: ReadonlySet<string> = new Set(),
  zoneId?: string,
): { rows: CsvLocationRow[]; errors: string[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const errors: string[] = [];
  const rows: CsvLocationRow[] = [];
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  if (col('location') < 0) return { rows, errors: ['1: header must name a "location" column'] };
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
    if (zone !== undefined) row.zone = zone;
    const bus = get('bus');
    if (bus) row.bus = bus;
    const address = get('address');
    if (address !== undefined) {
      const a = Number(address);
      const id = bus !== undefined && idBuses.has(bus) ? parseAddress(address) : null;
      if (typeof id === 'string') row.address = id;
      else if (!Number.isInteger(a))
        errors.push(
          `${n + 1}: address "${address}" is not ${bus !== undefined && idBuses.has(bus) ? 'a unit number or module id' : 'an integer'}`,
        );
      else row.address = a;
    }
    for (const k of ['checkDigits', 'aisle', 'slot'] as const) {
      const v = get(k);
      if (v !== undefined) row[k] = v;
    }
    rows.push(row);
  }
  return { rows, errors };
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
