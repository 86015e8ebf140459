/**
 * Retained messages of the embedded broker (aedes), found by exact topic.
 *
 * aedes-persistence's in-memory store answers every SUBSCRIBE by testing
 * every retained topic against the filter, with a new matcher per filter.
 * Each module subscribes to its own `set` when it connects and each leaves
 * a retained `status` (CONTRACTS.md §2), so a fleet of 5,000 connecting made
 * ~12.5 million topic matches and their garbage (issue 16 item 15). Here a
 * filter without wildcards is one Map lookup; a wildcard filter (the
 * controller's `modules/+/status`, once per connection of the controller)
 * still tests every retained topic, levels compared without a matcher object.
 *
 * MQTT 3.1.1: a retained publish with an empty payload removes the topic's
 * retained message (§3.3.1.3); `+` and `#` at the first level do not match
 * topics starting with `$` (§4.7.2).
 */
import { Readable } from 'node:stream';

/** The fields of a retained publish the broker hands back at SUBSCRIBE. */
export interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
  qos?: number;
  cmd?: string;
  [k: string]: unknown;
}

/** The part of an aedes persistence that keeps retained messages. */
export interface RetainedPersistence {
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

const isFilterWild = (f: string) => f.includes('+') || f.includes('#');

/** Whether topic `t` matches MQTT filter `f` (levels split on `/`). */
export function topicMatches(f: string, t: string): boolean {
  if (!isFilterWild(f)) return f === t;
  if (t.startsWith('$') && (f.startsWith('+') || f.startsWith('#'))) return false;
  const fl = f.split('/');
  const tl = t.split('/');
  for (let i = 0; i < fl.length; i++) {
    if (fl[i] === '#') return true;
    if (i >= tl.length) return false;
    if (fl[i] !== '+' && fl[i] !== tl[i]) return false;
  }
  return fl.length === tl.length;
}

export class ExactRetained {
  readonly #byTopic = new Map<string, RetainedPacket>();
  /** retained topics tested against a wildcard filter so far (exact filters test none) */
  scanned = 0;

  get size(): number {
    return this.#byTopic.size;
  }

  /** Keeps (a copy of) `packet` as its topic's retained message; an empty payload removes it. */
  store(packet: RetainedPacket): void {
    if (packet.payload.length === 0) this.#byTopic.delete(packet.topic);
    else this.#byTopic.set(packet.topic, { ...packet });
  }

  /** The retained messages matching each filter in turn (a topic matching two filters comes twice, as in aedes-persistence). */
  *find(filters: string[]): Generator<RetainedPacket> {
    for (const f of filters) {
      if (!isFilterWild(f)) {
        const p = this.#byTopic.get(f);
        if (p) yield p;
        continue;
      }
      for (const [t, p] of this.#byTopic) {
        this.scanned++;
        if (topicMatches(f, t)) yield p;
      }
    }
  }
}

/**
 * Makes `persistence` (aedes' in-memory one, `broker.persistence`) keep its
 * retained messages in an ExactRetained. Call it before the broker accepts
 * a connection: messages retained earlier would not be seen.
 */
export function retainByExactTopic(persistence: RetainedPersistence): ExactRetained {
  const r = new ExactRetained();
  persistence.storeRetained = async (packet) => r.store(packet);
  persistence.createRetainedStream = (pattern) => Readable.from(r.find([pattern]));
  persistence.createRetainedStreamCombi = (patterns) => Readable.from(r.find(patterns));
  return r;
}
