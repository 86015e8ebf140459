/**
 * Offline speech (voice audio mode, CONTRACTS.md §3) on a generated corpus:
 * every phrase of each prompt grammar spoken by twelve voices (flite kal,
 * awb, rms, slt at two speeds; espeak-ng at two speeds × two pitches; see
 * test/kit/speech.ts), clean and with `sox` brown noise at 20 dB and
 * 10 dB SNR, plus out-of-grammar phrases at every prompt. The corpus is
 * cached on disk (synthesised once). Reported, each with its 95 % (Wilson)
 * confidence interval and count:
 * - decode accuracy per grammar and SNR, per voice (check digits and
 *   quantities), per synthesiser: the answer heard is the phrase said;
 * - false accepts: out-of-grammar speech taken as an answer (target < 1 %);
 * - first-try rate through the voice gateway in audio mode (clean speech):
 *   a seeded sample of lines picked by voice, each prompt said once;
 * - `audio-end` → next prompt over the WebSocket for 2 s utterances, p50/p99
 *   with one terminal (target p99 < 300 ms) and with 10 at once, with the
 *   load average (latency depends on load; accuracy does not);
 * - decoder timeouts, counted apart (the accuracy run's timeout is generous).
 * Targets (check digits and quantities): ≥ 95 % clean, ≥ 97 % at 20 dB, no
 * voice under 90 %.
 *   node bin/run-ts.js bench/speech.ts [--sample N --seed S] [--recognisers 2]
 *     [--first-try 48] [--rounds 40] [--timeout 30000] [--decoder="-lw 7"] [--dump f.jsonl]
 * --sample N: N (phrase, voice) pairs per grammar drawn at random (seeded)
 * instead of every one; every SNR of each is decoded.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  digitWords,
  type FsgShape,
  type GrammarContext,
  grammarFor,
  numberWords,
} from '../controller/speech/grammar.ts';
import { RecogniserPool } from '../controller/speech/recogniser.ts';
import { Speech } from '../controller/speech/speech.ts';
import type { Voice } from '../simulators/voice/speech.ts';
import { VoiceTerminal } from '../simulators/voice/terminal.ts';
import { tempDir } from '../test/kit/harness.ts';
import {
  corpusSpeech,
  gatewayFirstTry,
  type PickTrial,
  VOICES,
  voiceName,
} from '../test/kit/speech.ts';
import { percentile, round } from '../test/kit/stats.ts';
import { voiceFloor, voiceWave } from '../test/kit/voice.ts';

const { values } = parseArgs({
  options: {
    sample: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '40' },
    recognisers: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '30000' },
    'first-try': { type: 'string', default: '48' },
    decoder: { type: 'string', default: '' },
    grammars: { type: 'string', default: '' },
    snrs: { type: 'string', default: 'clean,20,10' },
    dump: { type: 'string' },
    oog: { type: 'string', default: '8' },
    'oog-unseen': { type: 'string', default: '8' },
    garbage: { type: 'string' },
    trim: { type: 'string' },
    noise: { type: 'string' },
    shape: { type: 'string' },
    phones: { type: 'string' },
    'noise-snr': { type: 'string' },
  },
});
const SAMPLE = Number(values.sample);
const SEED = Number(values.seed);
const ROUNDS = Number(values.rounds);
const SIZE = Number(values.recognisers);
const FIRST_TRY = Number(values['first-try']);
const DECODER = values.decoder.split(/\s+/).filter(Boolean);
const SNRS = values.snrs.split(',').map((s) => (s === 'clean' ? null : Number(s)));

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
/**
 * Out-of-grammar phrases with (almost) none of the garbage branch's words: OUT_OF_GRAMMAR is
 * where those words came from, so its false-accept figure flatters the garbage branch; these
 * show what speech it was not built from does.
 */
const UNSEEN = [
  'my scanner is broken',
  'good morning everyone',
  'it is raining outside',
  'show me a list',
  'nobody told me',
  'I am going home',
  'send a forklift',
  'does anybody know',
];
const ALL_GRAMMARS: Record<string, GrammarContext> = {
  'check-digits': { expect: 'check-digits', checkDigits: '17' },
  quantity: { expect: 'quantity', quantity: 24 },
  'yes-no': { expect: 'yes-no' },
  reason: { expect: 'reason' },
  ready: { expect: 'ready' },
};
const GRAMMARS = Object.fromEntries(
  Object.entries(ALL_GRAMMARS).filter(
    ([g]) => !values.grammars || values.grammars.split(',').includes(g),
  ),
);

/** mulberry32: a small seeded generator, so a sample can be drawn again */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
function draw<T>(xs: T[], n: number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return n > 0 && n < a.length ? a.slice(0, n) : a;
}

type Tally = { n: number; ok: number };
/** percentage with its 95 % Wilson interval */
function pctCi(t: Tally | undefined) {
  if (!t || t.n === 0) return null;
  const z = 1.96;
  const p = t.ok / t.n;
  const d = 1 + (z * z) / t.n;
  const c = (p + (z * z) / (2 * t.n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / t.n + (z * z) / (4 * t.n * t.n))) / d;
  const r = (x: number) => Number((100 * x).toFixed(1));
  return { pct: r(p), ci95: [r(Math.max(0, c - h)), r(Math.min(1, c + h))], n: t.n };
}
const bump = (t: Record<string, Tally>, k: string, ok: boolean) => {
  t[k] ??= { n: 0, ok: 0 };
  t[k].n++;
  if (ok) t[k].ok++;
};
const snrKey = (snr: number | null) => (snr === null ? 'clean' : `${snr}dB`);
const table = (t: Record<string, Record<string, Tally>>) =>
  Object.fromEntries(
    Object.entries(t).map(([k, a]) => [
      k,
      Object.fromEntries(Object.entries(a).map(([s, x]) => [s, pctCi(x)])),
    ]),
  );

// --- the corpus (synthesised once, cached on disk)
interface Item {
  grammar: string;
  phrase: string;
  voice: Voice;
  snr: number | null;
  inGrammar: boolean;
  /** out of grammar, from UNSEEN */
  unseen?: boolean;
}
const items: Item[] = [];
for (const [name, ctx] of Object.entries(GRAMMARS)) {
  const pairs = grammarFor(ctx).phrases.flatMap((phrase) =>
    VOICES.map((voice) => ({ phrase, voice })),
  );
  for (const { phrase, voice } of draw(pairs, SAMPLE))
    for (const snr of SNRS) items.push({ grammar: name, phrase, voice, snr, inGrammar: true });
  for (const phrase of OUT_OF_GRAMMAR.slice(0, Number(values.oog)))
    for (const voice of VOICES)
      for (const snr of SNRS) items.push({ grammar: name, phrase, voice, snr, inGrammar: false });
  for (const phrase of UNSEEN.slice(0, Number(values['oog-unseen'])))
    for (const voice of VOICES)
      for (const snr of SNRS)
        items.push({ grammar: name, phrase, voice, snr, inGrammar: false, unseen: true });
}
const tc = performance.now();
// synthesis blocks the event loop (spawnSync): all of it before decoding, so that
// it cannot hold up the recognisers' answers and count as timeouts
const pcms = items.map((it) => corpusSpeech(it.phrase, it.voice, it.snr));
const corpusSeconds = (performance.now() - tc) / 1000;

// --- decode accuracy and false accepts, as the gateway hears (silence trimmed, grammar checked)
const front = {
  size: SIZE,
  decoderArgs: DECODER,
  garbageWeight: values.garbage === undefined ? undefined : Number(values.garbage),
  fsgShape: values.shape as FsgShape | undefined,
  noiseSnr: values['noise-snr'] === undefined ? undefined : Number(values['noise-snr']),
  phoneLoop: values.phones === undefined ? undefined : Number(values.phones),
  noiseLevel: values.noise === undefined ? undefined : Number(values.noise),
};
const pool = new RecogniserPool({
  ...front,
  maxQueue: 1_000_000,
  timeoutMs: Number(values.timeout),
});
const TRIM =
  values.trim === undefined ? undefined : values.trim === 'none' ? false : Number(values.trim);
const hearer = new Speech(pool, {
  trimMargin: TRIM,
});
pool.start();
const rssOf = (pids: number[]) =>
  pids.reduce((kb, pid) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb + (m ? Number(m[1]) : 0);
  }, 0) / 1024;
const acc: Record<string, Record<string, Tally>> = {};
const byVoice: Record<string, Record<string, Tally>> = {};
const bySynth: Record<string, Record<string, Tally>> = {};
const digitsAndQty: Record<string, Tally> = {};
/** check digits and quantities missed: refused ("Say again?") or taken as another answer */
const missKinds: Record<string, { refused: number; wrong: number }> = {};
const confusions = new Map<string, number>();
const fa: Record<string, Tally> = {};
const faByGrammar: Record<string, Tally> = {};
const faUnseen: Tally = { n: 0, ok: 0 };
let timeouts = 0;
const failed: string[] = [];
const decodeMs: number[] = [];
if (values.dump) writeFileSync(values.dump, '');
const t0 = performance.now();
const load0 = loadavg();
await Promise.all(
  items.map((it, i) =>
    hearer.hear(pcms[i], GRAMMARS[it.grammar]).then(
      (r) => {
        if (r.decodeMs !== undefined) decodeMs.push(r.decodeMs);
        record(it, r.text, r.raw);
      },
      (e: Error) => {
        timeouts++; // counted apart, and not as a miss: load is not accuracy
        if (failed.length < 10)
          failed.push(
            `${it.grammar} ${voiceName(it.voice)} ${snrKey(it.snr)} "${it.phrase}": ${e.message}`,
          );
      },
    ),
  ),
);
function record(it: Item, got: string | null, raw: string): void {
  const k = snrKey(it.snr);
  if (values.dump)
    appendFileSync(
      values.dump,
      `${JSON.stringify({ g: it.grammar, said: it.phrase, v: voiceName(it.voice), snr: k, got, raw })}\n`,
    );
  if (!it.inGrammar) {
    bump(fa, k, got !== null);
    bump(faByGrammar, it.grammar, got !== null);
    if (it.unseen) {
      faUnseen.n++;
      if (got !== null) faUnseen.ok++;
    }
    return;
  }
  const ok = got === it.phrase;
  acc[it.grammar] ??= {};
  bump(acc[it.grammar], k, ok);
  bySynth[it.voice.synth] ??= {};
  bump(bySynth[it.voice.synth], k, ok);
  if (it.grammar === 'check-digits' || it.grammar === 'quantity') {
    bump(digitsAndQty, k, ok);
    if (!ok) {
      missKinds[k] ??= { refused: 0, wrong: 0 };
      missKinds[k][got === null ? 'refused' : 'wrong']++;
      const c = `${it.phrase} → ${raw || '(nothing)'}`;
      confusions.set(c, (confusions.get(c) ?? 0) + 1);
    }
    byVoice[voiceName(it.voice)] ??= {};
    bump(byVoice[voiceName(it.voice)], k, ok);
  }
}
const decodeSeconds = (performance.now() - t0) / 1000;
const decodeLoad = loadavg();
let rssPeak = rssOf(pool.pids);
// the next stages measure the product's own timeout, not the generous one
pool.stop();
const pool2 = new RecogniserPool(front);
const speech = new Speech(pool2, {
  trimMargin: TRIM,
});
speech.start();

// --- first try through the gateway (clean speech, a seeded sample of lines)
const tmp = tempDir('pickline-bench-');
let firstTry = null;
if (FIRST_TRY > 0) {
  const trials: PickTrial[] = Array.from({ length: FIRST_TRY }, (_, i) => {
    const quantity = 1 + Math.floor(random() * 24);
    const checkDigits = String(Math.floor(random() * 100)).padStart(2, '0');
    const quantityWords =
      quantity >= 10 && random() < 0.5 ? digitWords(String(quantity)) : numberWords(quantity);
    return { checkDigits, quantity, quantityWords, voice: VOICES[i % VOICES.length] };
  });
  for (const tr of trials) {
    corpusSpeech(digitWords(tr.checkDigits), tr.voice);
    corpusSpeech(tr.quantityWords, tr.voice);
  }
  const r = await gatewayFirstTry(speech, trials, `${tmp.dir}/first-try.db`);
  firstTry = {
    lines: FIRST_TRY,
    seed: SEED,
    checkDigits: pctCi(r.checkDigits),
    quantity: pctCi(r.quantity),
    misses: r.misses.slice(0, 20),
  };
}

// --- audio-end → next prompt over the WebSocket (2 s utterances: a wrong check digit, asked again)
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
const wrong = twoSeconds(corpusSpeech('one four', { synth: 'flite', voice: 'slt' }));
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
const pct = (xs: number[], p: number) => round(percentile(xs, p), 1);
const terms = await Promise.all(ops.map(terminal));
const one: number[] = [];
const load1 = loadavg();
await rounds(terms[0], ROUNDS, one);
const ten: number[] = [];
await Promise.all(terms.map((t) => rounds(t, Math.ceil(ROUNDS / 2), ten)));
rssPeak = Math.max(rssPeak, rssOf(pool2.pids));
for (const t of terms) await t.drop();
await f.stop();
const poolRssMB = rssOf(pool2.pids);
speech.stop();
tmp.remove();

const at = (t: Record<string, Tally> | undefined, k: string) => pctCi(t?.[k])?.pct ?? 0;
const faAll = Object.values(fa).reduce((s, t) => ({ n: s.n + t.n, ok: s.ok + t.ok }), {
  n: 0,
  ok: 0,
});
const voiceMin = (k: string) => Math.min(...Object.values(byVoice).map((a) => at(a, k)));
const load = (l: number[]) => l.map((x) => Number(x.toFixed(2)));
const result = {
  bench: 'speech',
  recognisers: SIZE,
  decoderArgs: DECODER,
  voices: VOICES.length,
  sample: SAMPLE > 0 ? { pairsPerGrammar: SAMPLE, seed: SEED } : 'every phrase × every voice',
  utterances: items.length,
  corpusSeconds: Number(corpusSeconds.toFixed(1)),
  decodeSeconds: Number(decodeSeconds.toFixed(1)),
  accuracyPct: table(acc),
  checkDigitsAndQuantityPct: Object.fromEntries(
    Object.entries(digitsAndQty).map(([k, t]) => [k, pctCi(t)]),
  ),
  checkDigitsAndQuantityMisses: missKinds,
  commonestMisses: [...confusions]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([c, n]) => `${n}× ${c}`),
  accuracyByVoicePct: table(byVoice),
  accuracyBySynthPct: table(bySynth),
  falseAcceptPct: {
    all: pctCi(faAll),
    unseenPhrases: pctCi(faUnseen),
    ...Object.fromEntries(Object.entries(fa).map(([k, t]) => [k, pctCi(t)])),
  },
  falseAcceptByGrammarPct: Object.fromEntries(
    Object.entries(faByGrammar).map(([k, t]) => [k, pctCi(t)]),
  ),
  firstTryPct: firstTry,
  /** utterances the recogniser did not answer within --timeout (not counted in accuracy) */
  recogniserTimeouts: timeouts,
  recogniserFailures: failed,
  decodeP50Ms: pct(decodeMs, 50),
  decodeP99Ms: pct(decodeMs, 99),
  loadAverage: { atStart: load(load0), afterDecoding: load(decodeLoad), atLatency: load(load1) },
  latency1: { p50Ms: pct(one, 50), p99Ms: pct(one, 99), n: one.length },
  latency10: { p50Ms: pct(ten, 50), p99Ms: pct(ten, 99), n: ten.length },
  poolRssMB: Number(poolRssMB.toFixed(0)),
  poolRssPeakMB: Number(rssPeak.toFixed(0)),
  targets: { cleanPct: 95, at20dBPct: 97, perVoicePct: 90, falseAcceptPct: 1, p99Ms1: 300 },
  pass: {
    clean: ['check-digits', 'quantity'].every((g) => at(acc[g], 'clean') >= 95),
    at20dB: ['check-digits', 'quantity'].every((g) => at(acc[g], '20dB') >= 97),
    perVoice: voiceMin('clean') >= 90 && voiceMin('20dB') >= 90,
    falseAccept: (100 * faAll.ok) / Math.max(1, faAll.n) < 1,
    latency: pct(one, 99) < 300, // false without samples (NaN)
  },
};
console.log(JSON.stringify(result));
const fmt = (t: Record<string, Tally> | undefined) =>
  SNRS.map((s) => pctCi(t?.[snrKey(s)])?.pct ?? '-').join('/');
const ft = firstTry
  ? `first try through the gateway ${firstTry.checkDigits?.pct}/${firstTry.quantity?.pct} % (check digits/quantity, ${FIRST_TRY} lines); `
  : '';
console.log(
  `speech (${result.utterances} utterances${SAMPLE > 0 ? `, sample ${SAMPLE}/grammar seed ${SEED}` : ''}): accuracy % ${SNRS.map(snrKey).join('/')}: ${Object.entries(
    acc,
  )
    .map(([g, a]) => `${g} ${fmt(a)}`)
    .join(
      ', ',
    )}; worst voice ${voiceMin('clean')}/${voiceMin('20dB')}; false accepts ${faAll.ok}/${faAll.n} (phrases unseen by the garbage branch ${faUnseen.ok}/${faUnseen.n}); ${ft}timeouts ${timeouts}; audio-end → prompt p50/p99 ${result.latency1.p50Ms}/${result.latency1.p99Ms} ms (1 terminal), ${result.latency10.p50Ms}/${result.latency10.p99Ms} ms (10 at once), load ${load(load1).join(' ')}: ${
    Object.values(result.pass).every(Boolean)
      ? 'PASS'
      : `FAIL (${Object.entries(result.pass)
          .filter(([, v]) => !v)
          .map(([k]) => k)
          .join(', ')})`
  }`,
);
