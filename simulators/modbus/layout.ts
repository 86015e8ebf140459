/**
 * The register map of one simulated module, derived from its profile
 * (config/profile-schema.ts): which address of which Modbus table carries
 * which meaning. Nothing here is specific to a model; a new profile gets a
 * simulator for free.
 */
import type { Profile } from '../../config/profile-schema.ts';
import type { Table } from './pdu.ts';

export type LightField = Profile['modbus']['light']['fields'][number];
export type EventField = Extract<
  Profile['modbus']['events'],
  { kind: 'counter' }
>['fields'][number];
export type IdentityField = NonNullable<Profile['modbus']['identity']>['fields'][number];

/** What one register or bit means; only light, buzzer and set-address are writable. */
export type Role =
  | { kind: 'light'; field: LightField }
  | { kind: 'buzzer' }
  | { kind: 'set-address' }
  | { kind: 'event'; field: EventField }
  | { kind: 'key'; index: number }
  | { kind: 'status' }
  | { kind: 'identity'; field: IdentityField };

export type Cell = { role: Role; value: number };
export type Layout = Record<Table, Map<number, Cell>>;

export interface IdentityValues {
  model: number;
  fwMajor: number;
  fwMinor: number;
  serial: number;
}

const TABLE_OF_FC: Record<1 | 2 | 3 | 4, Table> = {
  1: 'coils',
  2: 'discrete',
  3: 'holding',
  4: 'input',
};
const regTable = (fc: 1 | 2 | 3 | 4): Table => TABLE_OF_FC[fc];

function initialLight(p: Profile, field: LightField): number {
  if (field === 'mode') return p.modbus.encoding.mode.off;
  if (field === 'color') return p.modbus.encoding.color?.none ?? 0;
  if (field === 'display') return p.modbus.encoding.displayBlank ?? 0;
  return 0;
}

/** Builds the map; the first role placed at an address wins (profiles should not overlap). */
export function buildLayout(p: Profile, unitId: number, ident: IdentityValues): Layout {
  const out: Layout = {
    coils: new Map(),
    discrete: new Map(),
    holding: new Map(),
    input: new Map(),
  };
  const put = (t: Table, address: number, role: Role, value = 0) => {
    if (!out[t].has(address)) out[t].set(address, { role, value });
  };
  const lightTable: Table = p.modbus.light.kind === 'registers' ? 'holding' : 'coils';
  p.modbus.light.fields.forEach((field, i) => {
    const value = lightTable === 'holding' ? initialLight(p, field) : 0;
    put(lightTable, p.modbus.light.address + i, { kind: 'light', field }, value);
  });
  if (p.modbus.buzzer) put('holding', p.modbus.buzzer.address, { kind: 'buzzer' });
  if (p.modbus.setAddress)
    put('holding', p.modbus.setAddress.address, { kind: 'set-address' }, unitId);
  const ev = p.modbus.events;
  if (ev.kind === 'counter') {
    for (const [i, field] of ev.fields.entries()) {
      put(regTable(ev.fc), ev.address + i, { kind: 'event', field });
    }
  } else {
    for (let index = 0; index < ev.keys.length; index++) {
      put(regTable(ev.fc), ev.address + index, { kind: 'key', index });
    }
  }
  if (p.modbus.status)
    put(regTable(p.modbus.status.fc), p.modbus.status.address, { kind: 'status' });
  const id = p.modbus.identity;
  if (id) {
    id.fields.forEach((field, i) => {
      const value = (ident as unknown as Record<string, number>)[field] ?? 0;
      put(regTable(id.fc), id.address + i, { kind: 'identity', field }, value);
    });
  }
  return out;
}

/** Reverse lookup in an encoding table (`{ off: 0, on: 1 }` → 1 → 'on'). */
export function decode(
  table: Record<string, number | undefined> | undefined,
  v: number,
): string | null {
  if (!table) return null;
  for (const [name, code] of Object.entries(table)) if (code === v) return name;
  return null;
}
