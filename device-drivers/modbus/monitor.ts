/**
 * Key events from the event words a Modbus bus reads: decoding against the
 * module's baseline (codec.ts), presses a module held while nobody polled, and
 * lost events; each press then passes the shared job gate (common/job-gate.ts)
 * and goes to the key listeners. See modbus-bus.ts for the rules.
 */
import type { Profile } from '../../config/profile-schema.ts';
import type { Emitter } from '../common/emitter.ts';
import type { JobGate } from '../common/job-gate.ts';
import type { DriverLogger } from '../common/logger.ts';
import type { KeyEvent } from '../types.ts';
import { decodeEvents } from './codec.ts';
import type { ModuleRecord } from './module-record.ts';

export interface MonitorOptions {
  profile: Profile;
  jobs: JobGate;
  keys: Emitter<KeyEvent>;
  log: DriverLogger;
}

export class BusMonitor {
  constructor(private readonly o: MonitorOptions) {}

  /** Event words read from `m`. */
  events(m: ModuleRecord, words: number[]): void {
    const { profile, jobs, keys, log } = this.o;
    const d = decodeEvents(profile, words, m.baseline);
    // a held event is judged against the job the controller shows; until it said, read again later
    if (d.held && m.wanted === null) return;
    // the baseline is kept while a module is offline: presses made meanwhile are news when it returns
    m.baseline = d.baseline;
    if (d.held) d.presses.push(d.held);
    const lost = d.missed + d.malformed;
    if (lost > 0) {
      jobs.drop(m.address, lost);
      log.warn({ address: m.address, missed: d.missed, malformed: d.malformed }, 'key events lost');
    }
    for (const press of d.presses) {
      const e = jobs.admit(m.address, press);
      if (e) keys.emit(e);
    }
  }
}
