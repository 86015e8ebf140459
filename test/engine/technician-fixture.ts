/**
 * A fake floor whose buses also identify, re-address and read identities the
 * way pickline-ptl-v1 modules do (CONTRACTS.md §4): a written UNIT_ID is
 * pending until the module's confirm key is pressed, and that press is
 * consumed by the re-address (no key event); writing the module's own
 * address back disarms it. Technician writes are recorded, so a test can see
 * what reached the floor and when.
 */

import { Technician } from '../../controller/technician.ts';
import { FakeBus } from '../../device-drivers/testing/fake-bus.ts';
import type { KeyEvent, LightState, ModuleIdentity } from '../../device-drivers/types.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { type FakeFloor, fakeFloor } from '../helpers/floor.ts';

export class TechBus extends FakeBus {
  /** addresses a module answers at (configured ones by default, see techFloor) */
  readonly present = new Set<number>();
  /** from → pending new address */
  readonly armed = new Map<number, number>();
  /** presses consumed by a re-address acceptance */
  readonly consumed: number[] = [];
  /** false: an accepted module keeps answering at its old address too (property tests) */
  moveOnAccept = true;

  async identify(address: number, ms = 50): Promise<void> {
    this.#answer(address);
    const before = this.states.get(address);
    await this.light(address, { ...(before ?? { seq: 0 }), mode: 'fast', color: 'white' });
    await new Promise((r) => setTimeout(r, ms));
    if (before) await this.light(address, before);
    else await this.clear(address);
  }

  async setAddress(from: number, to: number): Promise<{ needsKeyPress: boolean }> {
    this.#answer(from);
    if (to === from) this.armed.delete(from);
    else this.armed.set(from, to);
    return { needsKeyPress: true };
  }

  async readIdentity(address: number): Promise<ModuleIdentity> {
    this.#answer(address);
    return { model: 1, fw: '1.0', serial: 10_000 + address };
  }

  override async light(address: number, state: LightState): Promise<void> {
    this.#answer(address);
    return super.light(address, state);
  }

  override async clear(address: number): Promise<void> {
    this.#answer(address);
    return super.clear(address);
  }

  override press(
    address: number,
    key: KeyEvent['key'] = 'confirm',
    display?: number,
    seq?: number,
  ): void {
    const to = this.armed.get(address);
    if (key === 'confirm' && to !== undefined) {
      // the module takes the pending address; the press never becomes a key event
      this.armed.delete(address);
      if (this.moveOnAccept) {
        this.present.delete(address);
        this.present.add(to);
        this.states.delete(address);
      }
      this.consumed.push(address);
      return;
    }
    super.press(address, key, display, seq);
  }

  #answer(address: number): void {
    if (!this.present.has(address) || this.dead.has(address))
      throw new PicklineError('DEVICE_TIMEOUT', `${this.id}/${address} did not answer`);
  }
}

export interface TechFloor extends FakeFloor {
  a: TechBus;
  b: TechBus;
  tech: Technician;
}

export async function techFloor(
  dbPath: string,
  opts: { readdressMs?: number; doneFlashMs?: number } = {},
): Promise<TechFloor> {
  const a = new TechBus('bus-a');
  const b = new TechBus('bus-b');
  const f = await fakeFloor(dbPath, {
    buses: [a, b],
    doneFlashMs: opts.doneFlashMs,
    // the property test's pickers p0..p2 are operators of the site
    configure: (c) => {
      c.operators = [...(c.operators ?? []), ...['p0', 'p1', 'p2'].map((id) => ({ id }))];
    },
  });
  for (const [bus, addresses] of f.site.addressesByBus())
    for (const n of addresses) (bus === 'bus-a' ? a : b).present.add(n as number);
  const tech = new Technician({
    buses: new Map([
      ['bus-a', a],
      ['bus-b', b],
    ]),
    site: f.site,
    store: f.store,
    holder: f.commands,
    readdressMs: opts.readdressMs ?? 60_000,
  });
  return {
    ...f,
    a,
    b,
    tech,
    stop: async () => {
      await tech.stop();
      await f.stop();
    },
  };
}

/** One order of one line at A-01-0`n` (quantity 2), in its own wave. */
export function oneLine(f: FakeFloor, n: number, id = `L${n}`): void {
  f.waves.submit({
    waveId: `W-${id}`,
    orders: [
      {
        orderId: `O-${id}`,
        container: `T-${id}`,
        lines: [{ lineId: id, sku: 'S', location: `A-01-0${n}`, quantity: 2 }],
      },
    ],
  });
}

export function lineStatus(f: FakeFloor, id: string): { status: string; flag: string | null } {
  return f.store.db.prepare('SELECT status, flag FROM lines WHERE id = ?').get(id) as {
    status: string;
    flag: string | null;
  };
}
