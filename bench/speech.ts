/**
 * Offline speech (voice audio mode, CONTRACTS.md §3) on a corpus this bench
 * makes itself: the phrases of each prompt grammar spoken by `flite` (voices
 * kal, awb, rms, slt; two speeds) and `espeak-ng` (two speeds × two
 * pitches), clean and with `sox` brown noise at 20 dB and 10 dB SNR, plus
 * out-of-grammar phrases. Reported: utterance accuracy per grammar and SNR
 * (target ≥ 95 % at 20 dB), false accepts of out-of-grammar phrases (target
 * < 1 %), `audio-end` → next prompt over the WebSocket for 2 s utterances,
 * p50/p99 with one terminal and with 10 at once (target p99 < 300 ms with
 * one), and the recogniser pool's memory (RSS of its processes).
 *   node bin/run-ts.js bench/speech.ts [--phrases 6] [--rounds 40] [--recognisers 2]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type GrammarContext, grammarFor } from '../controller/speech/grammar.ts';
import { RecogniserPool } from '../controller/speech/recogniser.ts';
import { Speech } from '../controller/speech/speech.ts';
import { speak, type Voice, withNoise } from '../simulators/voice/speech.ts';
import { VoiceTerminal } from '../simulators/voice/terminal.ts';
import { tempDir } from '../test/helpers/harness.ts';
import { voiceFloor, voiceWave } from '../test/helpers/voice.ts';

const { values } = parseArgs({
  options: {
    phrases: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '40' },
    recognisers: { type: 'string', default: '2' },
  },
});
const PHRASES = Number(values.phrases);
const ROUNDS = Number(values.rounds);
const SIZE = Number(values.recognisers);

const VOICES: Voice[] = [
  ...['kal', 'awb', 'rms', 'slt'].flatMap((voice) =>
    [1, 1.2].map((speed) => ({ synth: 'flite' as const, voice, speed })),
  ),
  ...[140, 190].flatMap((speed) =>
    [35, 70].map((pitch) => ({ synth: 'espeak-ng' as const, voice: 'en-us', speed, pitch })),
  ),
];
const SNRS = [null, 20, 10] as const;
const OUT_OF_GRAMMAR = [
  'where is the coffee machine',
  'hello how are you',
  'I need a break',
  'bring the pallet over here',
  'what time is lunch',
  'this box is heavy',
  'can you help me',
  'the truck is late',
];
const GRAMMARS: Record<string, GrammarContext> = {
  'check-digits': { expect: 'check-digits', checkDigits: '17' },
  quantity: { expect: 'quantity', quantity: 24 },
  'yes-no': { expect: 'yes-no' },
  reason: { expect: 'reason' },
  ready: { expect: 'ready' },
};

/** a deterministic spread of each grammar's phrases (PHRASES per grammar, every command kept) */
function sample(phrases: string[], n: number): string[] {
  if (phrases.length <= n) return phrases;
  const step = phrases.length / n;
  return Array.from({ length: n }, (_, i) => phrases[Math.floor(i * step + step / 2)]);
}

const pool = new RecogniserPool({ size: SIZE, maxQueue: 100_000 });
const hearer = new Speech(pool); // as the gateway hears: silence trimmed, grammar checked
pool.start();
const rssOf = (pids: number[]) =>
  pids.reduce((kb, pid) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb + (m ? Number(m[1]) : 0);
  }, 0) / 1024;

// --- accuracy and false accepts
type Tally = { n: number; ok: number };
const acc: Record<string, Record<string, Tally>> = {};
const bySynth: Record<string, Record<string, Tally>> = {};
const fa: Record<string, Tally> = {};
const key = (snr: number | null) => (snr === null ? 'clean' : `${snr}dB`);
const bump = (t: Record<string, Tally>, k: string, ok: boolean) => {
  t[k] ??= { n: 0, ok: 0 };
  t[k].n++;
  if (ok) t[k].ok++;
};
const t0 = performance.now();
let utterances = 0;
let failures = 0;
const failed: string[] = [];
const decodeMs: number[] = [];
let rssPeak = rssOf(pool.pids);
for (const [name, ctx] of Object.entries(GRAMMARS)) {
  const g = grammarFor(ctx);
  const phrases = sample(g.phrases, PHRASES);
  acc[name] = {};
  // the corpus is made first: synthesis blocks the event loop (spawnSync), which would
  // hold up reading the recognisers' answers and count as decoder timeouts
  const corpus: { v: Voice; phrase: string; snr: number | null; pcm: Buffer }[] = [];
  for (const v of VOICES)
    for (const phrase of [...phrases, ...OUT_OF_GRAMMAR.slice(0, 2)]) {
      const clean = speak(phrase, v);
      for (const snr of SNRS)
        corpus.push({ v, phrase, snr, pcm: snr === null ? clean : withNoise(clean, snr) });
    }
  const jobs: Promise<void>[] = [];
  for (const { v, phrase, snr, pcm } of corpus) {
    const inGrammar = !OUT_OF_GRAMMAR.includes(phrase);
    utterances++;
    jobs.push(
      hearer.hear(pcm, ctx).then(
        (r) => {
          const got = r.text;
          if (r.decodeMs !== undefined) decodeMs.push(r.decodeMs);
          if (inGrammar) {
            bump(acc[name], key(snr), got === phrase);
            bySynth[v.synth] ??= {};
            bump(bySynth[v.synth], key(snr), got === phrase);
          } else bump(fa, key(snr), got !== null);
        },
        (e: Error) => {
          failures++; // timed out: the worker hears "say again"
          if (failed.length < 10)
            failed.push(
              `${name} ${v.synth}/${v.voice}/${v.speed ?? ''}/${v.pitch ?? ''} ${key(snr)} "${phrase}": ${e.message}`,
            );
          if (inGrammar) bump(acc[name], key(snr), false);
          else bump(fa, key(snr), false);
        },
      ),
    );
  }
  await Promise.all(jobs);
  rssPeak = Math.max(rssPeak, rssOf(pool.pids));
}
const corpusSeconds = (performance.now() - t0) / 1000;
const pctOk = (t: Tally | undefined) => (t ? Number(((100 * t.ok) / t.n).toFixed(1)) : null);

// --- audio-end → next prompt over the WebSocket (2 s utterances: a wrong check digit, asked again)
const tmp = tempDir('pickline-bench-');
const speech = hearer;
const ops = Array.from({ length: 10 }, (_, i) => `op${i + 1}`);
const f = await voiceFloor(`${tmp.dir}/bench.db`, {
  speech,
  configure: (c) => {
    c.operators = ops.map((id) => ({ id, pin: '1234' }));
  },
});
const orders: Record<string, string[]> = {};
for (const op of ops) orders[`O-${op}`] = ['02'];
f.waves.submit(voiceWave('BW', orders));
const twoSeconds = (pcm: Buffer) =>
  Buffer.concat([pcm, Buffer.alloc(Math.max(0, 64_000 - pcm.length))]);
const wrong = twoSeconds(speak('one four', { synth: 'flite', voice: 'slt' }));

async function terminal(op: string): Promise<VoiceTerminal> {
  const t = new VoiceTerminal(f.baseUrl);
  await t.connect();
  await t.hello(op, '1234', { mode: 'audio' });
  await t.say('ready');
  return t;
}
async function rounds(t: VoiceTerminal, n: number, out: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    const m = await t.speak(wrong);
    out.push(performance.now() - a);
    if (m.type !== 'prompt' || m.expect !== 'check-digits')
      throw new Error(`unexpected reply ${JSON.stringify(m)}`);
  }
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(s.length * p))].toFixed(1));
};
const terms = await Promise.all(ops.map(terminal));
const one: number[] = [];
await rounds(terms[0], ROUNDS, one);
const ten: number[] = [];
await Promise.all(terms.map((t) => rounds(t, Math.ceil(ROUNDS / 2), ten)));
rssPeak = Math.max(rssPeak, rssOf(pool.pids));
for (const t of terms) await t.drop();
await f.stop();
const poolRssMB = rssOf(pool.pids);
speech.stop();
tmp.remove();

const at20 = Object.values(acc).map((a) => pctOk(a['20dB']) ?? 0);
const fa20 = fa['20dB'] ?? { n: 0, ok: 0 };
const faAll = Object.values(fa).reduce((s, t) => ({ n: s.n + t.n, ok: s.ok + t.ok }), {
  n: 0,
  ok: 0,
});
const result = {
  bench: 'speech',
  recognisers: SIZE,
  voices: VOICES.length,
  utterances,
  corpusSeconds: Number(corpusSeconds.toFixed(1)),
  accuracyPct: Object.fromEntries(
    Object.entries(acc).map(([g, a]) => [
      g,
      Object.fromEntries(Object.entries(a).map(([k, t]) => [k, pctOk(t)])),
    ]),
  ),
  accuracyBySynthPct: Object.fromEntries(
    Object.entries(bySynth).map(([s, a]) => [
      s,
      Object.fromEntries(Object.entries(a).map(([k, t]) => [k, pctOk(t)])),
    ]),
  ),
  falseAcceptPct: Object.fromEntries(Object.entries(fa).map(([k, t]) => [k, pctOk(t)])),
  outOfGrammarUtterances: faAll.n,
  /** utterances the recogniser did not answer in time (counted as not recognised) */
  recogniserTimeouts: failures,
  recogniserFailures: failed,
  decodeP50Ms: pct(decodeMs, 0.5),
  decodeP99Ms: pct(decodeMs, 0.99),
  latency1: { p50Ms: pct(one, 0.5), p99Ms: pct(one, 0.99), n: one.length },
  latency10: { p50Ms: pct(ten, 0.5), p99Ms: pct(ten, 0.99), n: ten.length },
  poolRssMB: Number(poolRssMB.toFixed(0)),
  poolRssPeakMB: Number(rssPeak.toFixed(0)),
  targets: { accuracyAt20dBPct: 95, falseAcceptPct: 1, p99Ms1: 300 },
  pass: {
    accuracy: at20.every((a) => a >= 95),
    falseAccept: (100 * fa20.ok) / Math.max(1, fa20.n) < 1,
    latency: pct(one, 0.99) < 300,
  },
};
console.log(JSON.stringify(result));
const accLine = Object.entries(acc)
  .map(([g, a]) => `${g} ${pctOk(a.clean)}/${pctOk(a['20dB'])}/${pctOk(a['10dB'])}`)
  .join(', ');
console.log(
  `speech: accuracy % clean/20dB/10dB: ${accLine}; false accepts ${faAll.ok}/${faAll.n} (20 dB ${pctOk(fa20)} %); audio-end → prompt p50/p99 ${result.latency1.p50Ms}/${result.latency1.p99Ms} ms (1 terminal), ${result.latency10.p50Ms}/${result.latency10.p99Ms} ms (10 at once); pool of ${SIZE} RSS ${result.poolRssMB} MB: ${
    Object.values(result.pass).every(Boolean)
      ? 'PASS'
      : `FAIL (${Object.entries(result.pass)
          .filter(([, v]) => !v)
          .map(([k]) => k)
          .join(', ')})`
  }`,
);
