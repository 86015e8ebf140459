/**
 * In-memory LightBus for unit tests of the controller: records the state of
 * every module, and lets a test press keys as a module would report them.
 */
import { emptyCounters } from '../common/counters.ts';
import type { HealthChange, KeyEvent, LightBus, LightState, ModuleInfo } from '../types.ts';

export class FakeBus implements LightBus {
  readonly id: string;
  readonly states = new Map<number, LightState>();
  readonly writes: { address: number; state: LightState | null }[] = [];
  readonly dead = new Set<number>();
  #keys = new Set<(e: KeyEvent) => void>();
  #health = new Set<(e: HealthChange) => void>();

  constructor(id: string) {
    this.id = id;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async light(address: number, state: LightState): Promise<void> {
    if (this.dead.has(address)) throw new Error(`module ${address} does not answer`);
    this.states.set(address, { ...state });
    this.writes.push({ address, state: { ...state } });
  }

  async clear(address: number): Promise<void> {
    if (this.dead.has(address)) throw new Error(`module ${address} does not answer`);
    this.states.delete(address);
    this.writes.push({ address, state: null });
  }

  lit(address: number): LightState | undefined {
    const s = this.states.get(address);
    return s && s.mode !== 'off' ? s : undefined;
  }

  /** Presses a key on a lit module; `display` defaults to what it shows. */
  press(address: number, key: KeyEvent['key'] = 'confirm', display?: number, seq?: number): void {
    const s = this.states.get(address);
    const e: KeyEvent = {
      bus: this.id,
      address,
      key,
      display: display ?? s?.display ?? null,
      seq: seq ?? s?.seq ?? 0,
      at: Date.now(),
    };
    for (const l of this.#keys) l(e);
  }

  setOnline(address: number, online: boolean): void {
    if (online) this.dead.delete(address);
    else this.dead.add(address);
    for (const l of this.#health)
      l({ bus: this.id, address, online, reason: online ? undefined : 'test' });
  }

  onKey(l: (e: KeyEvent) => void) {
    this.#keys.add(l);
    return () => this.#keys.delete(l);
  }

  onHealth(l: (e: HealthChange) => void) {
    this.#health.add(l);
    return () => this.#health.delete(l);
  }

  modules(): ModuleInfo[] {
    return [];
  }

  /** unknown, as an MQTT module before it announces */
  capabilities(): null {
    return null;
  }

  info() {
    return {
      id: this.id,
      transport: 'fake',
      open: true,
      queueDepth: 0,
      counters: emptyCounters(),
      modules: 0,
      online: 0,
    };
  }
}
