/**
 * A scripted voice worker: signs on and works the prompts as a person would,
 * reading check digits off the site's locations (config only) and making the
 * mistakes it is told to make (wrong check digits, shorts, skips, dropping
 * the connection and coming back). Random choices come from a seeded
 * generator, so a run repeats.
 */
import type { SiteConfig } from '../../config/schema.ts';
import { type ServerMessage, VoiceTerminal } from './terminal.ts';

export interface WorkerMistakes {
  /** chance per slot of saying wrong check digits first */
  wrongDigits?: number;
  /** chance per line of picking one less (short, reason "empty") */
  short?: number;
  /** chance per line (first visit) of "skip slot" */
  skip?: number;
  /** chance per prompt of dropping the connection and reconnecting */
  drop?: number;
}

export interface WorkerOptions {
  baseUrl: string;
  operator: string;
  pin: string;
  zone?: string;
  site: Pick<SiteConfig, 'zones'>;
  mistakes?: WorkerMistakes;
  seed?: number;
  /** mean pause before each answer (a person listening and speaking), ms; 0 = none */
  thinkMs?: number;
  /** called with each prompt and the worker's answer (a demo prints the dialog) */
  onTurn?: (prompt: string, answer: string) => void;
  /** called with each prompt's round trip (words sent → next prompt), in ms */
  onRoundTrip?: (ms: number) => void;
}

export interface WorkerReport {
  picks: number;
  shorts: number;
  skips: number;
  wrongDigits: number;
  drops: number;
  errors: string[];
}

/** Works until the zone has nothing left, then signs off. */
export async function runWorker(o: WorkerOptions): Promise<WorkerReport> {
  const rnd = mulberry32(o.seed ?? 1);
  const chance = (p = 0) => p > 0 && rnd() < p;
  const m = o.mistakes ?? {};
  const digits = checkDigits(o.site);
  const r: WorkerReport = { picks: 0, shorts: 0, skips: 0, wrongDigits: 0, drops: 0, errors: [] };
  const skipped = new Set<string>();
  let slot = '';
  let asked = 0;
  const t = new VoiceTerminal(o.baseUrl);
  const signOn = async (): Promise<ServerMessage> => {
    await t.connect();
    return t.hello(o.operator, o.pin, o.zone ? { zone: o.zone } : {});
  };
  let msg = await signOn();
  for (let turns = 0; turns < 100_000; turns++) {
    if (msg.type === 'bye') break;
    if (msg.type === 'closed') {
      r.errors.push('the controller closed the connection');
      break;
    }
    if (msg.type === 'audio') {
      msg = await t.next(); // a prompt's WAV (prompts: "audio"); the worker reads the text
      continue;
    }
    if (msg.type === 'error') {
      r.errors.push(`${msg.code}: ${msg.message}`);
      break;
    }
    if (chance(m.drop)) {
      r.drops++;
      await t.drop();
      msg = await signOn();
      continue;
    }
    const p = msg;
    let answer: string;
    if (p.expect === 'ready') answer = p.text.startsWith('No work') ? 'sign off' : 'ready';
    else if (p.expect === 'check-digits') {
      slot = whereOf(p.text);
      const cd = digits.get(slot) ?? '';
      if (!skipped.has(slot) && chance(m.skip)) {
        skipped.add(slot);
        r.skips++;
        answer = 'skip slot';
      } else if (!p.text.startsWith('Wrong') && chance(m.wrongDigits)) {
        r.wrongDigits++;
        answer = cd === '00' ? '11' : '00';
      } else answer = cd.split('').join(' ');
    } else if (p.expect === 'quantity') {
      const n = /^Pick (\d+)/.exec(p.text);
      if (n) asked = Number(n[1]);
      if (p.text.startsWith('Short product')) answer = '0';
      else if (asked > 0 && chance(m.short)) {
        r.shorts++;
        answer = String(asked - 1);
      } else {
        r.picks++;
        answer = String(asked);
      }
    } else if (p.expect === 'yes-no') answer = 'yes';
    else if (p.expect === 'reason') answer = 'empty';
    else answer = 'repeat';
    o.onTurn?.(p.text, answer);
    if (o.thinkMs) await new Promise((res) => setTimeout(res, o.thinkMs! * (0.5 + rnd())));
    const sent = performance.now();
    msg = await t.say(answer);
    o.onRoundTrip?.(performance.now() - sent);
  }
  await t.drop();
  return r;
}

/** "Aisle 03, slot 01." → "03/01"; "Location X." → "X" (the key `checkDigits` uses). */
function whereOf(text: string): string {
  const a = /Aisle (\S+), slot (\S+?)\./.exec(text);
  if (a) return `${a[1]}/${a[2]}`;
  return /Location (\S+?)\./.exec(text)?.[1] ?? '';
}

function checkDigits(site: Pick<SiteConfig, 'zones'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const z of site.zones)
    for (const l of z.locations ?? []) {
      if (!l.checkDigits) continue;
      out.set(l.id, l.checkDigits);
      if (l.aisle !== undefined && l.slot !== undefined)
        out.set(`${l.aisle}/${l.slot}`, l.checkDigits);
    }
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
