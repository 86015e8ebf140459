/** What a Modbus bus remembers about one module (one unit address). */

import { copyCounters, emptyCounters } from '../common/counters.ts';
import type { LightState, ModuleCounters, ModuleIdentity, ModuleInfo } from '../types.ts';
import type { EventBaseline } from './codec.ts';
import type { PlannedModule } from './planner.ts';

export class ModuleRecord implements PlannedModule {
  /** the state the controller last asked for; its seq is the current job token */
  wanted: LightState | null = null;
  online: boolean | null = null;
  failures = 0;
  baseline: EventBaseline = null;
  lastPollAt = Number.NEGATIVE_INFINITY;
  /** 0: the first sweep runs right after start */
  nextHealthAt = 0;
  lastSeenAt: number | null = null;
  lastError: string | null = null;
  identity: ModuleIdentity | undefined;
  faults: string[] = [];
  readonly counters: ModuleCounters = emptyCounters();

  /** `hasKeys`: the profile has keys to read (capabilities.keys not empty) */
  constructor(
    readonly address: number,
    private readonly hasKeys = true,
  ) {}

  get lit(): boolean {
    return this.wanted !== null && this.wanted.mode !== 'off';
  }

  /** Lit with a job (seq ≠ 0) on a module with keys: only then can a press be taken. */
  get awaitsKeys(): boolean {
    return this.hasKeys && this.lit && this.wanted!.seq !== 0;
  }

  info(bus: string): ModuleInfo {
    return {
      bus,
      address: this.address,
      online: this.online === true,
      state: this.wanted ? { ...this.wanted } : null,
      lastSeenAt: this.lastSeenAt,
      lastError: this.lastError,
      ...(this.identity ? { identity: { ...this.identity } } : {}),
      faults: [...this.faults],
      counters: copyCounters(this.counters),
    };
  }
}
