/**
 * One simulated light module: a Modbus server whose register map, value
 * encoding, key behaviour and re-addressing come from its profile
 * (CONTRACTS.md §4 for `pickline-ptl-v1`). Behaviour, not hardware detail:
 * - master writes are validated (unknown mode/colour code, display above
 *   the display digits, unit id outside 1–247 → exception 03) and all-or-nothing;
 * - counter profiles: a key press updates the event registers at once;
 * - input profiles: a key press holds its input at 1 for `holdMs`, then 0
 *   (computed from the clock when read, so no timer needs stopping);
 * - `setAddress.accept: 'key'`: a written unit id is pending until confirm is
 *   pressed; that press is consumed by the re-address (no key event).
 *   `'immediate'`: the module takes it at once (the write's reply still
 *   carries the old unit id, as it answers the request it received).
 */

import { displayMax, type Profile } from '../../config/profile-schema.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { buildLayout, type Cell, decode, type Layout } from './layout.ts';
import { type DataModel, EXCEPTION, type Failure, serve, type Table } from './pdu.ts';
import type {
  SimFault,
  SimKey,
  SimModuleEvents,
  SimModuleOptions,
  SimModuleState,
} from './types.ts';

const fail = (exception: number): Failure => ({ exception });

export class SimModule implements DataModel {
  readonly profile: Profile;
  fault: SimFault | null = null;
  /** Requests addressed to this module (broadcasts included), and the writes among them. */
  readonly counters = { requests: 0, writes: 0 };
  private unitId: number;
  private readonly holdMs: number;
  private readonly layout: Layout;
  private readonly heldUntil: number[] = [];
  private readonly listeners: { [E in keyof SimModuleEvents]: Set<SimModuleEvents[E]> } = {
    change: new Set(),
    address: new Set(),
  };
  private last: string;

  constructor(profile: Profile, address: number, opts: SimModuleOptions = {}) {
    this.profile = profile;
    this.unitId = address;
    this.holdMs = opts.holdMs ?? 300;
    const identity = {
      model: 1,
      fwMajor: 1,
      fwMinor: 0,
      serial: 10_000 + address,
      ...opts.identity,
    };
    this.layout = buildLayout(profile, address, identity);
    this.last = JSON.stringify(this.state());
  }

  get address(): number {
    return this.unitId;
  }

  on<E extends keyof SimModuleEvents>(event: E, listener: SimModuleEvents[E]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  setFault(f: SimFault | null): void {
    this.fault = f;
  }

  /** Executes one request PDU (see pdu.ts); faults are applied by the bank. */
  execute(pdu: Buffer): Buffer {
    return serve(this, pdu);
  }

  state(): SimModuleState {
    const enc = this.profile.modbus.encoding;
    const s: SimModuleState = {
      mode: 'off',
      color: null,
      display: null,
      seq: 0,
      lamp: false,
      buzzer: false,
    };
    const coils = this.profile.modbus.light.kind === 'coils';
    for (const cell of this.lightCells()) {
      if (cell.role.kind !== 'light') continue;
      const v = cell.value;
      switch (cell.role.field) {
        case 'mode':
          s.mode = coils
            ? v
              ? 'on'
              : 'off'
            : ((decode(enc.mode, v) ?? 'off') as SimModuleState['mode']);
          break;
        case 'lamp':
          if (v && s.mode === 'off') s.mode = 'on';
          break;
        case 'color': {
          const c = decode(enc.color, v);
          s.color = c === 'none' ? null : c;
          break;
        }
        case 'display':
          s.display = v === enc.displayBlank ? null : v;
          break;
        case 'seq':
          s.seq = v;
          break;
      }
    }
    s.lamp = s.mode !== 'off';
    const bz = this.profile.modbus.buzzer;
    s.buzzer = bz ? this.cell('holding', bz.address)?.value === bz.on : false;
    return s;
  }

  readHolding(address: number, count = 1): number[] {
    return this.peek('holding', address, count);
  }
  readInput(address: number, count = 1): number[] {
    return this.peek('input', address, count);
  }
  readCoils(address: number, count = 1): number[] {
    return this.peek('coils', address, count);
  }
  readDiscrete(address: number, count = 1): number[] {
    return this.peek('discrete', address, count);
  }

  /** A key press (see the header for counter vs input profiles). */
  press(key: SimKey = 'confirm', holdMs = this.holdMs): void {
    const p = this.profile;
    if (!p.capabilities.keys.includes(key)) this.unsupported(`has no ${key} key`);
    const pending = this.cell('holding', p.modbus.setAddress?.address ?? -1);
    if (
      key === 'confirm' &&
      p.modbus.setAddress?.accept === 'key' &&
      pending &&
      pending.value !== this.unitId
    ) {
      this.takeAddress(pending.value);
      return;
    }
    const ev = p.modbus.events;
    if (ev.kind === 'inputs') {
      const index = ev.keys.indexOf(key);
      if (index < 0) this.unsupported(`reports no ${key} key`);
      this.heldUntil[index] = performance.now() + holdMs;
      return;
    }
    const code = Object.entries(ev.keys).find(([, k]) => k === key)?.[0];
    if (code === undefined) this.unsupported(`reports no ${key} key`);
    const table: Table = ev.fc === 3 ? 'holding' : 'input';
    const light = this.state();
    const rawDisplay = this.lightField('display')?.value ?? 0;
    ev.fields.forEach((field, i) => {
      const cell = this.cell(table, ev.address + i);
      if (cell?.role.kind !== 'event') return; // address shared with another role
      if (field === 'count') cell.value = (cell.value + 1) & 0xffff;
      else if (field === 'key') cell.value = Number(code);
      else if (field === 'display') cell.value = rawDisplay;
      else if (field === 'seq') cell.value = light.seq;
    });
  }

  plus(n = 1): void {
    this.adjust(n);
  }
  minus(n = 1): void {
    this.adjust(-n);
  }

  setStatusBits(bits: number): void {
    const st = this.profile.modbus.status;
    if (!st) this.unsupported('has no status register');
    const cell = this.cell(st.fc === 3 ? 'holding' : 'input', st.address);
    if (cell) cell.value = bits & 0xffff;
  }

  // --- DataModel (called by serve())

  read(table: Table, address: number, count: number): number[] | Failure {
    const out: number[] = [];
    for (let a = address; a < address + count; a++) {
      const cell = this.cell(table, a);
      if (!cell) return fail(EXCEPTION.ILLEGAL_DATA_ADDRESS);
      out.push(this.valueOf(cell));
    }
    return out;
  }

  write(table: 'coils' | 'holding', address: number, values: number[]): Failure | null {
    const cells: Cell[] = [];
    for (let i = 0; i < values.length; i++) {
      const cell = this.cell(table, address + i);
      const k = cell?.role.kind;
      if (!cell || (k !== 'light' && k !== 'buzzer' && k !== 'set-address')) {
        return fail(EXCEPTION.ILLEGAL_DATA_ADDRESS);
      }
      if (!this.valueAllowed(cell, values[i])) return fail(EXCEPTION.ILLEGAL_DATA_VALUE);
      cells.push(cell);
    }
    this.counters.writes++;
    cells.forEach((cell, i) => {
      cell.value = values[i];
    });
    const readdress = cells.find((c) => c.role.kind === 'set-address');
    if (
      readdress &&
      this.profile.modbus.setAddress?.accept === 'immediate' &&
      readdress.value !== this.unitId
    ) {
      this.takeAddress(readdress.value);
    }
    this.notifyIfChanged('master');
    return null;
  }

  // --- internals

  private valueAllowed(cell: Cell, v: number): boolean {
    const enc = this.profile.modbus.encoding;
    const role = cell.role;
    if (role.kind === 'set-address') return v >= 1 && v <= 247;
    if (role.kind !== 'light' || this.profile.modbus.light.kind === 'coils') return true;
    if (role.field === 'mode') return decode(enc.mode, v) !== null;
    if (role.field === 'color') return decode(enc.color, v) !== null;
    if (role.field === 'display')
      return v === enc.displayBlank || v <= (displayMax(this.profile.capabilities) ?? 0xffff);
    return true;
  }

  private valueOf(cell: Cell): number {
    if (cell.role.kind === 'key')
      return performance.now() < (this.heldUntil[cell.role.index] ?? 0) ? 1 : 0;
    return cell.value;
  }

  private adjust(delta: number): void {
    if (!this.profile.capabilities.localAdjust) this.unsupported('has no +/- keys');
    const cell = this.lightField('display');
    const enc = this.profile.modbus.encoding;
    if (!cell || cell.value === enc.displayBlank) return; // nothing shown, nothing to adjust
    const max =
      displayMax(this.profile.capabilities) ?? (enc.displayBlank === 0xffff ? 0xfffe : 0xffff);
    cell.value = Math.min(max, Math.max(0, cell.value + delta));
    this.notifyIfChanged('local');
  }

  private takeAddress(to: number): void {
    const from = this.unitId;
    this.unitId = to;
    for (const l of this.listeners.address) this.safely(() => l(from, to));
  }

  private notifyIfChanged(cause: 'master' | 'local'): void {
    const state = this.state();
    const key = JSON.stringify(state);
    if (key === this.last) return;
    this.last = key;
    for (const l of this.listeners.change) this.safely(() => l(state, cause));
  }

  /** A throwing listener must not break the bus (STYLE.md: catch each listener's error). */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      console.error(`simulated module ${this.unitId}: listener failed:`, e);
    }
  }

  private cell(table: Table, address: number): Cell | undefined {
    return this.layout[table].get(address);
  }

  private *lightCells(): Iterable<Cell> {
    const l = this.profile.modbus.light;
    const table: Table = l.kind === 'registers' ? 'holding' : 'coils';
    for (let i = 0; i < l.fields.length; i++) {
      const c = this.cell(table, l.address + i);
      if (c) yield c;
    }
  }

  private lightField(field: string): Cell | undefined {
    for (const c of this.lightCells())
      if (c.role.kind === 'light' && c.role.field === field) return c;
    return undefined;
  }

  private peek(table: Table, address: number, count: number): number[] {
    const r = this.read(table, address, count);
    if (!Array.isArray(r)) {
      throw new PicklineError(
        'UNSUPPORTED',
        `${this.profile.name}: no ${table} ${address}..${address + count - 1}`,
      );
    }
    return r;
  }

  private unsupported(what: string): never {
    throw new PicklineError('UNSUPPORTED', `${this.profile.name} module ${this.unitId} ${what}`);
  }
}
