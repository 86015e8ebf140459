/**
 * How the floor names a light module: the bus it hangs on and its address on
 * that bus (CONTRACTS.md §5). On Modbus (and ABLEPick) buses the address is
 * a unit / tag number; on MQTT buses it is the module id string of the
 * topics (`{moduleId}`, CONTRACTS.md §2). Module ids start with a letter, so
 * an address written as text (URL, database, CSV) that is only digits is
 * always a unit number. Lives in config/, the bottom layer, so the site
 * config, the drivers and the controller share one key; device-drivers
 * re-exports it.
 */

export type ModuleAddress = number | string;

export interface ModuleRef {
  bus: string;
  address: ModuleAddress;
}

/** A module id on an MQTT bus: like a config id, but starting with a letter. */
export const MODULE_ID_PATTERN = '^[A-Za-z][A-Za-z0-9._:-]*$';
const MODULE_ID = new RegExp(MODULE_ID_PATTERN);

/** `bus/address`, e.g. `bus-a/7` or `mqtt-1/ptl-0001`: the one map key and display name of a module. */
export function moduleKey(ref: ModuleRef): string {
  return `${ref.bus}/${ref.address}`;
}

/**
 * An address read back from text: digits only → the unit number, a module id
 * → itself, anything else → null.
 */
export function parseAddress(text: string): ModuleAddress | null {
  if (/^[0-9]{1,9}$/.test(text)) return Number(text);
  return text.length <= 64 && MODULE_ID.test(text) ? text : null;
}

/** Ascending numbers first, then module ids in code-point order. */
export function compareAddress(a: ModuleAddress, b: ModuleAddress): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
