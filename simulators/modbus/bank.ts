/**
 * A bank of simulated modules on one bus, and the single place where a request
 * PDU for a unit id becomes a reply (or none) for any transport (TCP, RTU).
 * Bus rules (MODBUS over Serial Line v1.02 §2.1): unit 0 is broadcast — writes
 * are applied by every module and nobody replies; a unit id nobody has gets no
 * reply; two modules sharing an id both answer, which garbles the reply.
 */

import type { Profile } from '../../config/profile-schema.ts';
import { loadProfiles } from '../../config/profiles.ts';
import { PicklineError } from '../../kernel/errors.ts';
import { SimModule } from './module.ts';
import { EXCEPTION, exceptionPdu, isException, WRITE_FCS } from './pdu.ts';

export interface ModuleBankOptions {
  /** A profile, or the name of one shipped in config/profiles. */
  profile: Profile | string;
  addresses: number[];
  /** Input profiles: how long a simulated key press holds its input high (default 300 ms). */
  holdMs?: number;
}

/**
 * What a transport must send for one request. `corrupt`: damage the reply on
 * the wire (bad CRC on RTU, garbled PDU on TCP). `delayMs`: the module's extra
 * processing time (fault `slow`). `exception`: the PDU is an exception reply.
 */
export type BankReply =
  | { kind: 'reply'; pdu: Buffer; delayMs: number; corrupt: boolean; exception: boolean }
  | { kind: 'none'; reason: 'broadcast' | 'unknown-unit' | 'silence' };

export function resolveProfile(profile: Profile | string): Profile {
  if (typeof profile !== 'string') return profile;
  const all = loadProfiles();
  const p = all.get(profile);
  if (!p) {
    throw new PicklineError(
      'PROFILE_INVALID',
      `unknown profile "${profile}"; known: ${[...all.keys()].join(', ')}`,
    );
  }
  return p;
}

export class ModuleBank {
  readonly profile: Profile;
  private readonly list: SimModule[];

  constructor(opts: ModuleBankOptions) {
    this.profile = resolveProfile(opts.profile);
    const bad = opts.addresses.filter((a) => !Number.isInteger(a) || a < 1 || a > 247);
    if (bad.length > 0) {
      throw new PicklineError(
        'CONFIG_INVALID',
        `module addresses must be 1–247, got ${bad.join(', ')}`,
      );
    }
    if (new Set(opts.addresses).size !== opts.addresses.length) {
      throw new PicklineError('CONFIG_INVALID', 'module addresses must be unique');
    }
    this.list = opts.addresses.map((a) => new SimModule(this.profile, a, { holdMs: opts.holdMs }));
  }

  /** The module currently answering at `address`; throws MODULE_NOT_FOUND. */
  module(address: number): SimModule {
    const m = this.list.find((x) => x.address === address);
    if (!m)
      throw new PicklineError('MODULE_NOT_FOUND', `no simulated module at address ${address}`);
    return m;
  }

  modules(): SimModule[] {
    return [...this.list];
  }

  handle(unit: number, pdu: Buffer): BankReply {
    if (unit === 0) {
      // Broadcast: only writes make sense (spec §2.1); a silent module does not hear it.
      if (WRITE_FCS.has(pdu[0])) {
        for (const m of this.list) {
          if (m.fault?.kind === 'silence') continue;
          m.counters.requests++;
          m.execute(pdu);
        }
      }
      return { kind: 'none', reason: 'broadcast' };
    }
    const targets = this.list.filter((m) => m.address === unit);
    const m = targets[0];
    if (!m) return { kind: 'none', reason: 'unknown-unit' };
    const fault = m.fault;
    if (fault?.kind === 'silence') return { kind: 'none', reason: 'silence' };
    for (const t of targets) t.counters.requests++;
    if (fault?.kind === 'exception') {
      const code = fault.code ?? EXCEPTION.SERVER_DEVICE_FAILURE;
      return {
        kind: 'reply',
        pdu: exceptionPdu(pdu[0] ?? 0, code),
        delayMs: 0,
        corrupt: false,
        exception: true,
      };
    }
    // bad-crc and slow: the module did execute the request; only its reply suffers.
    const replies = targets.map((t) => t.execute(pdu));
    const out = replies[0];
    return {
      kind: 'reply',
      pdu: out,
      delayMs: fault?.kind === 'slow' ? fault.ms : 0,
      corrupt: fault?.kind === 'bad-crc' || targets.length > 1,
      exception: isException(out),
    };
  }

  /**
   * Resolves once `predicate()` holds (checked every 5 ms); rejects with
   * DEVICE_TIMEOUT naming `what` after `timeoutMs`.
   */
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        let ok = false;
        try {
          ok = predicate();
        } catch (e) {
          reject(e);
          return;
        }
        if (ok) resolve();
        else if (Date.now() - started >= timeoutMs) {
          reject(
            new PicklineError(
              'DEVICE_TIMEOUT',
              `timed out after ${timeoutMs} ms waiting for ${what}`,
            ),
          );
        } else setTimeout(check, 5);
      };
      check();
    });
  }
}

/** Parses `1-60`, `1,3,5-7` into a sorted list of unit ids. */
export function parseAddressList(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new PicklineError('CONFIG_INVALID', `bad address list "${spec}" at "${part}"`);
    const from = Number(m[1]);
    const to = Number(m[2] ?? m[1]);
    if (to < from) throw new PicklineError('CONFIG_INVALID', `bad address range "${part}"`);
    for (let a = from; a <= to; a++) out.add(a);
  }
  return [...out].sort((a, b) => a - b);
}
