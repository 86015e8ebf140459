/**
 * Capabilities a module announces at run time (an MQTT module's retained
 * status, contract-extensions.md "MQTT") against the colours its zone asks
 * of it (DriverContext `colorsFor`). A shortfall never stops anything: the
 * driver logs it, counts it (BusInfo `capabilityMismatches`, metric
 * `pickline_bus_capability_mismatches_total`) and shows it to technicians
 * (ModuleInfo `capabilityProblem`); a light in a colour the module lacks is
 * then refused by the module as it would be without the check.
 */
import type { Color, ModuleAddress, ModuleCapabilities } from '../types.ts';
import type { DriverLogger } from './logger.ts';

/** Why `caps` fall short of `wanted`, or null. One fixed colour (`colors: []`) shows any colour asked. */
export function capabilityProblem(
  caps: ModuleCapabilities,
  wanted: readonly Color[],
): string | null {
  if (caps.colors.length === 0) return null;
  const missing = wanted.filter((c) => !caps.colors.includes(c));
  return missing.length === 0
    ? null
    : `cannot show ${missing.join(', ')} of its zone's colours (${caps.source}: ${caps.colors.join(', ')})`;
}

/** One bus's announced capabilities: the latest per module, its problem, and the count of new problems. */
export class AnnouncedCapabilities {
  readonly #caps = new Map<ModuleAddress, ModuleCapabilities>();
  readonly #problems = new Map<ModuleAddress, string>();
  #mismatches = 0;

  constructor(
    private readonly bus: string,
    private readonly wanted: ((address: ModuleAddress) => readonly Color[]) | undefined,
    private readonly log: DriverLogger,
  ) {}

  /** A module said what it can show; a problem is logged and counted when it is new (a replayed retained status is not). */
  announce(address: ModuleAddress, caps: ModuleCapabilities): void {
    this.#caps.set(address, caps);
    const problem = capabilityProblem(caps, this.wanted?.(address) ?? []);
    const before = this.#problems.get(address);
    if (problem && problem !== before) {
      this.#mismatches++;
      this.#problems.set(address, problem);
      this.log.warn({ bus: this.bus, address, problem }, `module ${address} ${problem}`);
    } else if (!problem && before) {
      this.#problems.delete(address);
      this.log.info({ bus: this.bus, address }, `module ${address} now shows its zone's colours`);
    }
  }

  of(address: ModuleAddress): ModuleCapabilities | null {
    return this.#caps.get(address) ?? null;
  }

  /** The ModuleInfo fields of one module (none until it announced). */
  info(address: ModuleAddress): { capabilities?: ModuleCapabilities; capabilityProblem?: string } {
    const caps = this.#caps.get(address);
    const problem = this.#problems.get(address);
    return {
      ...(caps ? { capabilities: caps } : {}),
      ...(problem ? { capabilityProblem: problem } : {}),
    };
  }

  get mismatches(): number {
    return this.#mismatches;
  }
}
